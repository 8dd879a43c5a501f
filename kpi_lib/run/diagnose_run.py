"""``python -m kpi_lib diagnose`` and ``kpi_lib.diagnose``: the month's findings for a data
folder, after the same parameter checks as a report run (:func:`check_run_params`)."""

from __future__ import annotations

from pathlib import Path

from ..analysis.diagnosis import Finding, diagnose
from ..analysis.diagnosis_rules import load_rules
from ..ingest.warehouse import open_warehouse
from .store_reports import check_run_params


def run_diagnosis(data: Path, month: str, store: str | None = None,
                  lang: str = "zh") -> list[Finding]:
    """Check the parameters against the data folder, then :func:`diagnose`."""
    rules = load_rules()
    data_dir, _ = check_run_params(None if store is None else [store], month, lang, data)
    with open_warehouse(data_dir) as wh:
        return diagnose(wh.con, month, store, lang, rules)
