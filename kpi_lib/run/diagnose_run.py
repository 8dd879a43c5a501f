"""``python -m kpi_lib diagnose`` and ``kpi_lib.diagnose``: the month's findings for a data
folder, after the same parameter checks as a report run (:func:`check_run_params`)."""

from __future__ import annotations

from pathlib import Path

from ..analysis.diagnosis import Finding, diagnose
from ..analysis.diagnosis_rules import load_rules
from ..analysis.finding_history import History, track
from ..ingest.warehouse import open_warehouse
from ..metrics import network_cache
from ..metrics.comparison import compare_month
from .store_reports import check_run_params


def run_diagnosis(data: Path, month: str, store: str | None = None,
                  lang: str = "zh") -> list[Finding]:
    """Check the parameters against the data folder, then :func:`diagnose`."""
    rules = load_rules()
    data_dir, _ = check_run_params(None if store is None else [store], month, lang, data)
    with open_warehouse(data_dir) as wh:
        return diagnose(wh.con, month, store, lang, rules)


def run_history(data: Path, month: str, store: str | None = None,
                lang: str = "zh") -> tuple[list[Finding], History]:
    """:func:`run_diagnosis` and each finding's status over time (new, persisting for N
    months, and those resolved since the month before: :func:`track`)."""
    rules = load_rules()
    data_dir, _ = check_run_params(None if store is None else [store], month, lang, data)
    network_cache.enable()  # the earlier months' compare tables, kept for the reports too
    with open_warehouse(data_dir) as wh:
        compare = compare_month(wh.con, month)
        findings = diagnose(wh.con, month, store, lang, rules, compare)
        stores = [store] if store else sorted(compare["store_id"].unique())
        return findings, track(wh.con, month, stores, lang, current=findings, rules=rules,
                               compare=compare)
