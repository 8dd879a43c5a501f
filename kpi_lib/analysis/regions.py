"""A region's month (or the whole network's) for the regional manager.

:func:`load_region` gathers, for the stores of one region (``region=None``: every store):

- the region beside the network (:func:`kpi_lib.metrics.region_compare.compare_regions`,
  the stores' own method: pooled Σ numerator / Σ denominator, interval, verdict);
- every store on the template's key rates and target completion from the month's compare
  table (value, 95% interval, benchmark, verdict — the store reports' own numbers), with
  its **shrunk rate and rank** (empirical Bayes toward its region:
  :func:`kpi_lib.metrics.comparison.shrunk_rates`), so a small store's lucky month does not
  top the list;
- the named benchmark and peer stores of each KPI;
- the findings of its stores with their status over time
  (:func:`kpi_lib.analysis.finding_history.track`: new, persisting N months, resolved);
- the 12 months (or periods) up to this one of deliveries and target per store;
- the stores that moved beyond chance against the previous month (or period), measured
  against the network's own change and the usual spread of stores' changes
  (:func:`change_tests`), FDR-controlled (:func:`kpi_lib.stats.fdr`); only the rejected
  ones are listed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import norm

from .. import stats
from ..errors import ParameterError
from ..metrics.comparison import compare_month, method_of, shrunk_rates
from ..metrics.cube import compute_cube
from ..metrics.periods import previous_period, shift_period
from ..metrics.region_compare import compare_regions
from ..metrics.registry import REGISTRY
from ..metrics.settings import report_config
from .finding_history import History, track

#: Periods in the small-multiples trend.
TREND_PERIODS = 12
#: FDR level of the movers.
MOVER_Q = 0.05


def key_rates() -> list[str]:
    """The template's comparison rates and target completion (params/report.yml)."""
    return list(dict.fromkeys([*report_config()["comparison_metrics"], "target_completion"]))


@dataclass
class RegionMonth:
    """What a region (or network) report shows; see the module docstring."""

    region: str | None  # None: the whole network
    month: str
    lang: str
    stores: pd.DataFrame  # store_id, store_name, region, city, tier
    compare: pd.DataFrame  # the compare table's rows of these stores
    regions: pd.DataFrame  # every region beside the network (compare_regions)
    ranks: pd.DataFrame  # store_id, metric, shrunk, rank_region, rank_network
    trend: pd.DataFrame  # cube rows: deliveries, target_units per store × period
    movers: pd.DataFrame  # store_id, metric, before, now, z, p, p_adj, improved
    #: the stores' findings with their status over time (new, persisting, resolved)
    history: History


def check_region(region: str | None, known: list[str]) -> str | None:
    """``region`` if the data name it (None: the network), else ParameterError listing
    the regions."""
    if region is None or region in known:
        return region
    raise ParameterError(f"region {region!r} is not in the data; known regions: "
                         f"{', '.join(known)}")


def regions_of(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The regions of the stores table, sorted."""
    return [r for (r,) in con.execute(
        "SELECT DISTINCT region FROM stores WHERE region IS NOT NULL ORDER BY 1").fetchall()]


def load_region(con: duckdb.DuckDBPyConnection, month: str, region: str | None = None,
                lang: str = "zh") -> RegionMonth:
    """The region's (or the network's) month; ``month`` may be a period."""
    check_region(region, regions_of(con))
    every = con.execute("SELECT store_id, store_name, region, city, tier FROM stores "
                        "ORDER BY store_id").df()
    stores = every if region is None else every[every["region"] == region]
    ids = stores["store_id"].tolist()
    network = compare_month(con, month)
    mine = network[network["store_id"].isin(ids)].reset_index(drop=True)
    before = previous_period(month)
    cube = compute_cube(con, [before, month])  # ranks read the month, movers both
    history = track(con, month, ids, lang)
    return RegionMonth(region, month, lang, stores.reset_index(drop=True), mine,
                       compare_regions(con, month),
                       _ranks(cube[cube["month"] == month], every, ids),
                       _trend(con, month, ids), _movers(cube, before, month, ids), history)


def _ranks(cube: pd.DataFrame, every: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Shrunk rate and rank (in the region and in the network) of each proportion KPI."""
    frames = []
    for metric in key_rates():
        if method_of(metric) != "proportion":
            continue
        shrunk = shrunk_rates(cube, every, metric)
        if shrunk.empty:
            continue
        shrunk = shrunk.rename(columns={"rank": "rank_network"})
        shrunk["network_n"] = len(shrunk)
        mine = shrunk[shrunk["store_id"].isin(ids)].copy()
        ascending = REGISTRY[metric].direction == "down"
        mine["rank_region"] = mine["shrunk"].rank(ascending=ascending, method="min")
        mine["region_n"] = len(mine)
        frames.append(mine.assign(metric=metric))
    if not frames:
        return pd.DataFrame(columns=["store_id", "metric", "raw", "shrunk", "rank_region",
                                     "region_n", "rank_network", "network_n"])
    return pd.concat(frames, ignore_index=True)


def trend_periods(month: str, n: int = TREND_PERIODS) -> list[str]:
    """The ``n`` months (or periods of ``month``'s length) up to ``month``."""
    return [shift_period(month, -k) for k in range(n - 1, -1, -1)]


def _trend(con: duckdb.DuckDBPyConnection, month: str, ids: list[str]) -> pd.DataFrame:
    cube = compute_cube(con, trend_periods(month), stores=ids,
                        metrics=["deliveries", "target_units", "target_completion"])
    return cube[cube["metric"].isin(["deliveries", "target_units"])].reset_index(drop=True)


def _movers(cube: pd.DataFrame, before: str, month: str, ids: list[str]) -> pd.DataFrame:
    """The store × KPI changes against the previous period that stand out from the other
    stores' changes beyond chance (see :func:`change_tests`), FDR-controlled over the
    listed stores' tests; improved first, then by adjusted p. ``cube``: every store's
    KPIs of ``before`` and ``month``."""
    frames = [change_tests(cube, metric, before, month)
              for metric in dict.fromkeys([*key_rates(), "deliveries"])]
    out = pd.concat([f for f in frames if not f.empty] or [_EMPTY], ignore_index=True)
    out = out[out["store_id"].isin(ids)].reset_index(drop=True)
    if out.empty:
        return out.assign(p_adj=[])
    reject, p_adj = stats.fdr(out["p"].to_numpy(dtype=float), q=MOVER_Q)
    out["p_adj"] = p_adj
    out = out[reject]
    return out.sort_values(["improved", "p_adj"], ascending=[False, True]).reset_index(
        drop=True)


_EMPTY = pd.DataFrame(columns=["store_id", "metric", "before", "now", "z", "p", "improved"])


def change_tests(cube: pd.DataFrame, metric: str, before: str, now: str) -> pd.DataFrame:
    """Each store's change in ``metric`` from ``before`` to ``now`` against the network's.

    The change d is p₁ − p₀ for a proportion (sampling variance p₀q₀/n₀ + p₁q₁/n₁) and
    log((k₁ + ½) / (k₀ + ½)) for a count (variance 1/(k₀ + ½) + 1/(k₁ + ½)); the
    reference is the network's own change (pooled), so a holiday month lifting every
    store is nobody's merit; and the normal spread of stores' changes beyond sampling,
    τ² = max(0, robust SD² of (d − reference) − median variance), is added to each
    variance (month-to-month noise of a store is not only binomial). z = (d − reference) /
    √(v + τ²), two-sided p; ``improved`` follows the KPI's direction.
    """
    part = cube[cube["metric"] == metric]
    a = part[part["month"] == before].set_index("store_id")
    b = part[part["month"] == now].set_index("store_id")
    both = a.index.intersection(b.index)
    a, b = a.loc[both], b.loc[both]
    if REGISTRY[metric].type == "ratio":
        if method_of(metric) != "proportion":
            return _EMPTY
        k0, n0 = a["numerator"].to_numpy(float), a["denominator"].to_numpy(float)
        k1, n1 = b["numerator"].to_numpy(float), b["denominator"].to_numpy(float)
        ok = np.isfinite(k0 + n0 + k1 + n1) & (n0 > 0) & (n1 > 0)
        p0, p1 = np.where(ok, k0 / np.where(ok, n0, 1), np.nan), np.where(
            ok, k1 / np.where(ok, n1, 1), np.nan)
        d = p1 - p0
        v = p0 * (1 - p0) / np.where(ok, n0, 1) + p1 * (1 - p1) / np.where(ok, n1, 1)
        ref = np.nansum(k1[ok]) / np.nansum(n1[ok]) - np.nansum(k0[ok]) / np.nansum(n0[ok]) \
            if ok.any() else np.nan
    else:
        k0, k1 = a["value"].to_numpy(float), b["value"].to_numpy(float)
        ok = np.isfinite(k0 + k1) & (k0 + k1 > 0)
        d = np.log((k1 + 0.5) / (k0 + 0.5))
        v = 1 / (k0 + 0.5) + 1 / (k1 + 0.5)
        ref = math.log((np.nansum(k1[ok]) + 0.5) / (np.nansum(k0[ok]) + 0.5)) \
            if ok.any() else np.nan
    ok &= np.isfinite(d) & (v > 0)
    if ok.sum() < 3 or not np.isfinite(ref):
        return _EMPTY
    spread = stats.robust_sd(d[ok] - ref)
    tau2 = max(0.0, spread ** 2 - float(np.median(v[ok])))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (d - ref) / np.sqrt(v + tau2)
    up = REGISTRY[metric].direction != "down"
    out = pd.DataFrame({"store_id": both, "metric": metric, "before": a["value"].to_numpy(),
                        "now": b["value"].to_numpy(), "z": z,
                        "p": 2 * norm.sf(np.abs(z)), "improved": (z > 0) == up})
    return out[ok].reset_index(drop=True)
