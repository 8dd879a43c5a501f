"""Regions beside the network by the stores' own method: each region pooled as Σ numerator
/ Σ denominator (:func:`region_cube`), then :func:`kpi_lib.metrics.comparison.compare` —
the same intervals, funnel limits, FDR and verdicts (:func:`compare_regions`). Read by the
region and network reports and by ``kpi_lib.compare_regions``."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from .benchmarks import benchmarks
from .comparison import compare
from .cube import compute_cube
from .registry import REGISTRY


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
    stores = con.execute("SELECT store_id, region FROM stores ORDER BY store_id").df()
    pooled = region_cube(compute_cube(con, month), stores)
    regions = pd.DataFrame({"store_id": pooled["store_id"].unique()})
    regions["region"] = regions["store_id"]
    return compare(pooled, regions, benchmarks(pooled, regions))
