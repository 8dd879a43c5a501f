"""``python -m kpi_lib plan``: the month's targets and achievement path for a data folder,
after the same parameter checks as a report run (:func:`check_run_params`; the month may
be the one after the data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..analysis.plan import build_plans
from ..ingest.warehouse import open_warehouse
from ..metrics import network_cache
from .store_reports import check_run_params


def run_plan(data: Path, month: str, store: str | None = None, lang: str = "zh"
             ) -> dict[str, Any]:
    """Check the parameters against the data folder, then :func:`build_plans`."""
    data_dir, _ = check_run_params(None if store is None else [store], month, lang, data,
                                   months_after_data=1)
    network_cache.enable()  # the forecasts of every store share the network's frames
    with open_warehouse(data_dir) as wh:
        return build_plans(wh.con, month, store)
