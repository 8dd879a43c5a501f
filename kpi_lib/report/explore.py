"""What the exploration notebook needs beyond the report: tables an analyst reshapes.

The KPI cube as a store × KPI table (:func:`wide`), regions compared with the network by
the report's own method (:func:`compare_regions`: each region pooled as Σ numerator /
Σ denominator, then :func:`kpi_lib.metrics.comparison.compare`, so the same intervals, funnel
limits,
FDR and verdicts), the report's comparison columns for any compare rows
(:func:`verdict_frame`) and an Excel file written atomically (:func:`to_excel`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..atomic import atomic_write
from ..formatting import format_value
from ..i18n import check_lang, text, verdict_words
from ..metrics.registry import REGISTRY


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


def region_cube(cube: pd.DataFrame, stores: pd.DataFrame) -> pd.DataFrame:
    """One month's cube pooled by region: ``store_id`` is the region's name.

    A ratio is Σ numerator / Σ denominator over the region's stores that have both parts,
    a count or sum Σ value over the stores that have one (as the benchmarks pool); n/a
    with ``no_data`` when no store has it, ``zero_denominator`` when Σ denominator is 0.
    """
    df = cube.merge(stores[["store_id", "region"]], on="store_id", how="left")
    ratio = df["metric"].map({m: REGISTRY[m].type == "ratio" for m in REGISTRY}).fillna(False)
    ratio = ratio.to_numpy(dtype=bool)
    num, den, val = (df[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "value"))
    ok = np.where(ratio, np.isfinite(num) & np.isfinite(den), np.isfinite(val))
    df["numerator"] = np.where(ok, np.where(ratio, num, val), 0.0)
    df["denominator"] = np.where(ok & ratio, den, 0.0)
    df["n"] = ok.astype(int)
    df["ratio"] = ratio
    out = df.groupby(["region", "month", "metric"], sort=False).agg(
        numerator=("numerator", "sum"), denominator=("denominator", "sum"), n=("n", "sum"),
        ratio=("ratio", "first")).reset_index()
    is_ratio = out["ratio"].to_numpy(dtype=bool)
    num, den = out["numerator"].to_numpy(dtype=float), out["denominator"].to_numpy(dtype=float)
    none = out["n"].to_numpy() == 0
    zero = is_ratio & ~none & (den == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(none | zero, np.nan, np.where(is_ratio, num / den, num))
    out["numerator"] = np.where(none, np.nan, num)
    out["denominator"] = np.where(is_ratio & ~none, den, np.nan)
    out["na_reason"] = np.where(none, "no_data", np.where(zero, "zero_denominator", None))
    out["na_reason"] = out["na_reason"].astype(object).where(none | zero, None)
    out = out.rename(columns={"region": "store_id"})
    return out[["store_id", "month", "metric", "numerator", "denominator", "value",
                "na_reason"]].sort_values("store_id", kind="stable").reset_index(drop=True)


def compare_regions(con: duckdb.DuckDBPyConnection, month: str) -> pd.DataFrame:
    """Every region against the network, as :func:`kpi_lib.metrics.comparison.compare_month`
    compares
    stores (``store_id`` and ``region`` hold the region's name; the benchmark is the
    national average, a region being a "store" of its own region)."""
    from ..metrics.benchmarks import benchmarks
    from ..metrics.comparison import compare
    from ..metrics.cube import compute_cube

    stores = con.execute("SELECT store_id, region FROM stores ORDER BY store_id").df()
    pooled = region_cube(compute_cube(con, month), stores)
    regions = pd.DataFrame({"store_id": pooled["store_id"].unique()})
    regions["region"] = regions["store_id"]
    return compare(pooled, regions, benchmarks(pooled, regions))


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
