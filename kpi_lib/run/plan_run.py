"""``python -m kpi_lib plan``: the month's targets and achievement path for a data folder,
after the same parameter checks as a report run (:func:`check_run_params`; the month may
be the one after the data). Served by the warm renderer when one runs
(:mod:`kpi_lib.run.warm_ops`); then the output is drawn there by :func:`plan_output`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..analysis.plan import build_plans, plan_json, plan_table
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


def plan_output(plans: dict[str, Any], lang: str, format: str, *, width: int,
                terminal: bool = False, color_system: str | None = None,
                no_color: bool = False) -> str:
    """What ``kpi_lib plan`` prints for ``plans``: the JSON, or the table drawn as on a
    console of that width and colours (:func:`kpi_lib.run.warm_ops.console_options`)."""
    import io

    from rich.console import Console

    if format == "json":
        return plan_json(plans) + "\n"
    buf = io.StringIO()
    out = Console(file=buf, width=width, highlight=False, force_terminal=terminal,
                  color_system=color_system, no_color=no_color)
    out.print(plan_table(plans, lang))
    return buf.getvalue()
