"""The achievement path (达成路径, reverse funnel): from a delivery target back up the funnel.

Rates come from the registry (:data:`RATES`), pooled over the last months before the plan
month (Σ numerator / Σ denominator). Each of the store's rates is shrunk toward its peers'
(:func:`kpi_lib.metrics.benchmarks.peers_of`, the same pooled months) by empirical Bayes:
``r = (k + s·p) / (n + s)``, the store's weight ``w = n / (n + s)``, where ``s = α + β`` is the
prior strength of a beta-binomial fitted to every store's ``k`` of ``n``
(:func:`kpi_lib.stats.beta_binomial_fit`, moments): the more stores differ beyond binomial
noise, the smaller ``s`` and the more a store keeps its own rate. The benchmark path uses
the comparison scope of ``params/benchmarks.yml`` (default regional average; national
average for a small region or a missing value), as the report's comparisons do.

Going back from ``D`` deliveries with ``C`` orders carried into the month:
orders ``O = D / delivery_conversion − C`` (floored at 0); showroom orders
``W = O × walk_in_orders / orders`` (the store's own mix, last months); negotiations
``W / negotiation_close_rate``; test drives ``/ negotiation_rate``; visits
``/ test_drive_rate``; new leads ``visits × lead_capture_rate``. ``rate_to_next`` of a stage
is ``next required / required``: for the registry rate that links them, the rate itself
(visits → new leads: ``lead_capture_rate``; test drives → negotiations: ``negotiation_rate``;
negotiations → showroom orders: ``negotiation_close_rate``); new leads → test drives is
``test_drive_rate / lead_capture_rate`` (test drives per new lead: both are counted per visit);
showroom orders → orders the inverse walk-in share; orders → deliveries ``D / O`` (the
carried orders deliver too).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..metrics.benchmarks import benchmarks, load_benchmark_config, peers_of
from ..metrics.months import month_bounds
from ..metrics.registry import REGISTRY
from ..stats import beta_binomial_fit

#: Registry rates the path uses (all are k of n proportions of registry counts).
RATES: tuple[str, ...] = ("lead_capture_rate", "test_drive_rate", "negotiation_rate",
                          "negotiation_close_rate", "delivery_conversion")
#: Stages in funnel order (registry count ids).
STAGES: tuple[str, ...] = ("visits", "new_leads", "test_drives", "negotiations",
                           "walk_in_orders", "orders", "deliveries")
NAN = float("nan")


def pooled_cube(cube: pd.DataFrame, label: str) -> pd.DataFrame:
    """Several months of a cube pooled per store × metric (ratios Σ num / Σ den), as one
    month ``label``."""
    g = cube.groupby(["store_id", "metric"], sort=False)
    out = g[["numerator", "denominator"]].sum(min_count=1).reset_index()
    out["month"] = label
    ratio = out["metric"].map(lambda m: REGISTRY[m].type == "ratio").to_numpy(dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.where(ratio, out["numerator"] / out["denominator"].where(
            out["denominator"] > 0), out["numerator"])
    out["value"] = val
    out["na_reason"] = None
    return out[["store_id", "month", "metric", "numerator", "denominator", "value",
                "na_reason"]]


def shrink_rate(k: float, n: float, peer: float, strength: float) -> tuple[float, float]:
    """``((k + s·p) / (n + s), n / (n + s))``: the shrunk rate and the store's weight.

    >>> shrink_rate(3, 5, 0.5, 5)
    (0.55, 0.5)
    """
    if not math.isfinite(peer) or not math.isfinite(strength):
        return (k / n if n > 0 else NAN), 1.0
    if n + strength <= 0:
        return NAN, 0.0
    return (k + strength * peer) / (n + strength), n / (n + strength)


def funnel_rates(pooled: pd.DataFrame, stores: pd.DataFrame,
                 only: list[str] | None = None) -> pd.DataFrame:
    """Per store (of ``only``, default every store) × rate: own k, n, rate; peers' rate;
    prior strength; weight; the shrunk rate used; the benchmark's rate and scope."""
    cfg = load_benchmark_config()
    bench = benchmarks(pooled[pooled["metric"].isin([*RATES, cfg["volume_metric"]])], stores,
                       config=cfg)
    comp = cfg["comparison"]
    region = stores.set_index("store_id")["region"].astype(str)
    size = region.map(region.value_counts())
    peer_map = peers_of(pooled, stores, cfg)
    rows = []
    for rate in RATES:
        part = pooled[pooled["metric"] == rate].set_index("store_id")
        k, n = part["numerator"].astype(float), part["denominator"].astype(float)
        ok = k.notna() & n.notna() & (n > 0)
        a, b = beta_binomial_fit(k[ok].to_numpy(), n[ok].to_numpy()) if ok.sum() else (NAN, NAN)
        scopes = bench[bench["metric"] == rate].pivot(index="store_id", columns="scope",
                                                      values="value")
        for sid in part.index if only is None else [x for x in only if x in part.index]:
            peers = [p for p in peer_map.get(sid, []) if p in part.index]
            pk, pn = k.reindex(peers).sum(), n.reindex(peers).sum()
            peer = pk / pn if pn > 0 else NAN
            kk, nn = (float(k[sid]), float(n[sid])) if ok[sid] else (0.0, 0.0)
            used, weight = shrink_rate(kk, nn, peer, a + b)
            scope = comp["by_metric"].get(rate, comp["default"])
            if scope.startswith("regional") and size.get(sid, 0) < comp["min_region_stores"]:
                scope = "national_avg"
            bval = scopes.at[sid, scope] if sid in scopes.index else NAN
            if not np.isfinite(bval):
                scope, bval = "national_avg", scopes.get("national_avg", {}).get(sid, NAN)
            rows.append({"store_id": sid, "rate": rate, "k": kk, "n": nn,
                         "own": kk / nn if nn > 0 else NAN, "peers": peer,
                         "strength": a + b, "weight": weight, "used": used,
                         "benchmark": float(bval), "benchmark_scope": scope})
    return pd.DataFrame(rows)


def reverse_funnel(deliveries: float, carried: float, rates: dict[str, float],
                   walk_in_share: float) -> list[dict[str, Any]]:
    """The stages in funnel order, each ``{stage, required, rate_to_next}`` with
    ``required × rate_to_next`` = the next stage's ``required`` (module docstring).

    >>> p = reverse_funnel(10, 4, {"delivery_conversion": .5, "negotiation_close_rate": .5,
    ...     "negotiation_rate": .5, "test_drive_rate": .5, "lead_capture_rate": .25}, .5)
    >>> [(s["stage"], s["required"]) for s in p]  # doctest: +NORMALIZE_WHITESPACE
    [('visits', 64.0), ('new_leads', 16.0), ('test_drives', 32.0), ('negotiations', 16.0),
     ('walk_in_orders', 8.0), ('orders', 16.0), ('deliveries', 10.0)]
    """
    def div(x: float, r: float) -> float:
        return x / r if math.isfinite(r) and r > 0 else NAN

    need = div(deliveries, rates["delivery_conversion"]) - carried  # NaN stays n/a, not 0
    orders = max(0.0, need) if math.isfinite(need) else NAN
    walk_in = orders * walk_in_share
    nego = div(walk_in, rates["negotiation_close_rate"])
    drives = div(nego, rates["negotiation_rate"])
    visits = div(drives, rates["test_drive_rate"])
    leads = visits * rates["lead_capture_rate"]
    req = [visits, leads, drives, nego, walk_in, orders, float(deliveries)]
    out = []
    for i, stage in enumerate(STAGES):
        nxt = req[i + 1] if i + 1 < len(req) else None
        ok = nxt is not None and math.isfinite(req[i]) and req[i] > 0 and math.isfinite(nxt)
        out.append({"stage": stage, "required": req[i], "rate_to_next": nxt / req[i] if ok
                    else None})
    return out


def month_weeks(month: str) -> list[dict[str, Any]]:
    """Weeks (Monday–Sunday) of the month, cut at its ends: first, last day and day share.

    >>> [(w["first"].day, w["last"].day, w["days"]) for w in month_weeks("2026-11")][:2]
    [(1, 1, 1), (2, 8, 7)]
    """
    start, after = month_bounds(month)
    total = (after - start).days
    out, day = [], start
    while day < after:
        last = min(day + timedelta(days=6 - day.weekday()), after - timedelta(days=1))
        days = (last - day).days + 1
        out.append({"first": day, "last": last, "days": days, "share": days / total})
        day = last + timedelta(days=1)
    return out


def split_path(path: list[dict[str, Any]], shares: dict[str, float]) -> dict[str, dict]:
    """Each stage's required count split by ``shares`` (consultants or weeks)."""
    return {key: {s["stage"]: s["required"] * share for s in path}
            for key, share in shares.items()}


def store_path(rates: pd.DataFrame, pooled: pd.DataFrame, store: str, deliveries: float,
               carried: float, month: str, consultant_shares: dict[str, float]
               ) -> dict[str, Any]:
    """The store's path at its own (shrunk) and its benchmark's rates, by week and
    consultant."""
    mine = rates[rates["store_id"] == store].set_index("rate")
    counts = pooled[pooled["store_id"] == store].set_index("metric")["value"]
    orders = float(counts.get("orders", NAN))
    share = float(counts.get("walk_in_orders", NAN)) / orders if orders > 0 else NAN
    own = reverse_funnel(deliveries, carried, mine["used"].to_dict(), share)
    bench = reverse_funnel(deliveries, carried, mine["benchmark"].to_dict(), share)
    weeks = month_weeks(month)
    by_week = split_path(own, {f"{w['first']:%m-%d}..{w['last']:%m-%d}": w["share"]
                               for w in weeks})
    return {
        "carried_orders": carried, "walk_in_share": share,
        "path": own, "path_benchmark": bench,
        "rates": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                   for k, v in r.items()} for r in mine.reset_index().to_dict("records")],
        "by_week": [{"week": key, "days": w["days"], **vals}
                    for (key, vals), w in zip(by_week.items(), weeks, strict=True)],
        "by_consultant": [{"consultant_id": c, **vals}
                          for c, vals in split_path(own, consultant_shares).items()],
    }


def week_count(month: str) -> float:
    """Days of ``month`` / 7 (weeks, for "per week" averages)."""
    start, after = month_bounds(month)
    return (after - start).days / 7

