"""What the exploration notebook needs beyond the report: tables an analyst reshapes.

The KPI cube as a store × KPI table (:func:`wide`), regions compared with the network by
the report's own method (:func:`kpi_lib.metrics.region_compare.compare_regions`: each
region pooled as Σ numerator / Σ denominator, then :func:`kpi_lib.metrics.comparison.compare`,
so the same intervals, funnel limits, FDR and verdicts), the report's comparison columns
for any compare rows (:func:`verdict_frame`) and an Excel file written atomically
(:func:`to_excel`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write
from ..formatting import format_value
from ..i18n import check_lang, text, verdict_words
from ..metrics.region_compare import compare_regions, region_cube
from ..metrics.registry import REGISTRY

__all__ = ["compare_regions", "region_cube", "to_excel", "verdict_frame", "wide"]


def wide(cube: pd.DataFrame, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Values of the cube as a table: a row per store (per store and month when the cube
    holds several months), a column per metric id (``metrics``: these, in this order).

    >>> cube = pd.DataFrame({"store_id": ["A", "A", "B", "B"], "month": ["2026-10"] * 4,
    ...                      "metric": ["visits", "orders"] * 2, "value": [8.0, 2, 5, 1]})
    >>> wide(cube, ["orders", "visits"]).to_dict("index")
    {'A': {'orders': 2.0, 'visits': 8.0}, 'B': {'orders': 1.0, 'visits': 5.0}}
    """
    index = ["store_id"] if cube["month"].nunique() <= 1 else ["store_id", "month"]
    table = cube.pivot_table(index=index, columns="metric", values="value", aggfunc="first",
                             dropna=False, sort=False)
    table = table.reindex(columns=list(metrics) if metrics is not None
                          else list(dict.fromkeys(cube["metric"])))
    table.columns.name = None
    return table.sort_index()


def verdict_frame(rows: pd.DataFrame, metrics: Sequence[str], lang: str = "zh"
                  ) -> pd.DataFrame:
    """Compare rows shown as in the report: store, KPI, the month's value, 95% interval,
    benchmark (and its scope), verdict and gap in words; a row per store × metric, in
    ``metrics`` order.

    >>> import kpi_lib
    >>> rows = kpi_lib.compare_stores("2026-10", ["S003"])
    >>> shown = verdict_frame(rows, ["test_drive_rate"], "en")
    >>> shown.iloc[0][["Store", "This month", "Verdict"]].tolist()
    ['S003', '13.8%', 'clearly worse ▼▼']
    """
    from .comparison_tables import _interval, gap_text

    check_lang(lang)
    out = []
    for metric_id in metrics:
        unit = REGISTRY[metric_id].unit
        for _, row in rows[rows["metric"] == metric_id].iterrows():
            row = row.rename(metric_id)
            scope = row["benchmark_scope"]
            out.append({
                text("store", lang): row["store_id"],
                text("col_kpi", lang): REGISTRY[metric_id].label(lang),
                # not col_store_value: in English it is "Store", like the store column
                text("col_this_month", lang): format_value(row["value"], unit, lang),
                text("col_interval", lang): _interval(row, unit, lang),
                text("col_benchmark", lang): format_value(row["benchmark"], unit, lang)
                + (f" ({_scope_label(scope, lang)})" if isinstance(scope, str) else ""),
                text("col_verdict", lang): verdict_words(row["verdict"], row["worse"], lang),
                text("col_gap", lang): gap_text(row, lang),
            })
    return pd.DataFrame(out)


def _scope_label(scope: str, lang: str) -> str:
    """The benchmark scope's words ("全国平均"); the code itself if the catalogue has none."""
    try:
        return text(f"scope_{scope}", lang)
    except KeyError:
        return scope


def to_excel(tables: pd.DataFrame | Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write one table, or one sheet per named table, to ``path`` (.xlsx) atomically.

    >>> import tempfile, openpyxl
    >>> out = to_excel({"kpis": pd.DataFrame({"x": [1]})}, Path(tempfile.mkdtemp()) / "t.xlsx")
    >>> openpyxl.load_workbook(out)["kpis"]["A2"].value
    1
    """
    sheets = {"data": tables} if isinstance(tables, pd.DataFrame) else dict(tables)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=str(name)[:31],
                           index=not isinstance(frame.index, pd.RangeIndex))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())
    return path
