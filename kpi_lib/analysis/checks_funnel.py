"""Named checks of the funnel: cost per visit, lost leads and carried leads."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest, norm

from ..stats import fdr, proportion_ci
from ..stats import robust_sd as stats_robust_sd
from .check_context import (
    NAN,
    CheckContext,
    CheckResult,
    as_float,
    compare_evidence,
    elapsed_share,
    evidence,
    rising,
    store_trend,
)


def _paced_label(month: str, lang: str) -> str:
    from ..i18n import text

    return text("paced_month", lang, month=month)


def _relative_cost(ctx: CheckContext, months_back: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ln(cost per visit / the network's) per store × month, and the (paced) visits.

    The network's cost per visit of a month is Σ spend / Σ visits over the stores with a
    marketing row, so the season (October's crowds, the Spring Festival) cancels out. A
    month still running has its visits paced by the store's elapsed share.
    """
    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        cube = ctx.history(months_back)
        wide = cube[cube["metric"].isin(["ad_spend", "visits"])].pivot_table(
            index="store_id", columns=["metric", "month"], values="value", dropna=False)
        spend, visits = wide["ad_spend"], wide["visits"].copy()
        if ctx.month in visits:
            share = ctx.elapsed().reindex(visits.index).fillna(1.0)
            visits[ctx.month] = visits[ctx.month] / share
        visits = visits.where(visits > 0)
        network = spend.sum() / visits.where(spend.notna()).sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(spend / visits / network), visits
    return ctx.cached(("relative_cost", months_back), build)


def cost_per_visit_rising(ctx: CheckContext, store: str, p: dict[str, Any]) -> CheckResult | None:
    """Cost per visit, relative to the network's, up ``months`` months running, by at
    least ``min_total_rise`` in total and beyond the store's own month-to-month noise.

    Relative to the network's cost per visit of each month, so that the season cancels.
    Noise: the robust spread (:func:`kpi_lib.stats.robust_sd`) of a one-month change of
    the log relative cost — the store's own over the earlier months of the last year (at
    least 4 changes), at least the network's and the visits' Poisson noise; the rise
    from the first to the last month must reach the one-sided ``level`` quantile of it.
    When the store's data stop inside the report month its visits are paced to the whole
    month (the spend is monthly). No data in the month: no finding.
    """
    n = int(p["months"])
    share = elapsed_share(ctx, store)
    if not share > 0:
        return None
    rel, visits = _relative_cost(ctx, 12)
    if store not in rel.index:
        return None
    r, v = rel.loc[store].to_numpy(dtype=float), visits.loc[store].to_numpy(dtype=float)
    window, seen = r[-(n + 1):], v[-(n + 1):]
    if len(window) != n + 1 or not rising(window) or np.nanmin(seen) < p["min_visits"]:
        return None
    rise = float(window[-1] - window[0])
    if np.expm1(rise) < p["min_total_rise"]:
        return None
    steps = np.diff(r[:-(n + 1)])
    steps = steps[np.isfinite(steps)]
    # a one-month change's spread: the store's own (≥ 4 changes), never below the
    # network's typical one nor the visits' Poisson noise
    network = ctx.cached(("relative_cost_noise", 12), lambda: stats_robust_sd(
        np.diff(rel.to_numpy(dtype=float), axis=1).ravel()))
    own = stats_robust_sd(steps) if len(steps) >= 4 else 0.0
    noise = max(own, network, float(np.sqrt(1 / seen[0] + 1 / seen[-1])))
    if rise / noise < norm.ppf(p["level"]):
        return None
    cost = store_trend(ctx, store, "cost_per_visit", n)
    values = cost["value"].to_numpy(dtype=float, copy=True)
    labels = list(cost["month"])
    if share < 1:
        values[-1] = values[-1] * share
        labels[-1] = _paced_label(labels[-1], ctx.lang)
    rows = [evidence("cost_per_visit", x, lang=ctx.lang, detail=m)
            for m, x in zip(labels, values, strict=True)]
    # the last month against the first, beyond the store's own noise
    rows[-1].update(verdict="clearly_above", worse=True, benchmark=as_float(values[0]),
                    benchmark_scope="first_month")
    extra = -np.expm1(-rise) * values[-1] * seen[-1]  # spend above the earlier relative cost
    return CheckResult(rows, impact=0.0,
                       impact_text=ctx.text("impact_spend", n=f"{extra:,.0f}", months=n))


def lost_to_one_competitor(ctx: CheckContext, store: str,
                           p: dict[str, Any]) -> CheckResult | None:
    """One competitor takes ``min_share`` of the lost leads that name a competitor."""
    counts = ctx.competitor_counts()
    mine = counts[counts["store_id"] == store].sort_values(["n", "competitor"],
                                                            ascending=[False, True])
    named = int(mine["n"].sum())
    if named < p["min_named"]:
        return None
    top = mine.iloc[0]
    share = float(top["n"]) / named
    low, high = proportion_ci(int(top["n"]), named)
    if share < p["min_share"] or low < p["min_share_low"]:
        return None
    text = ctx.text("competitor", name=top["competitor"])
    row = evidence("lost_competitor_share", share, label=text, unit="rate",
                   ci_low=low, ci_high=high, benchmark=p["min_share"],
                   benchmark_scope="rule", detail=f"{int(top['n'])}/{named}")
    return CheckResult([row])


def _carried_tests(ctx: CheckContext, p: dict[str, Any]) -> pd.DataFrame:
    """Per store: carried-lead orders against the store's B × the network's A/B ratio."""
    cmp = ctx.compare
    a = cmp[cmp["metric"] == "conversion_a"].set_index("store_id")
    b = cmp[cmp["metric"] == "conversion_b"].set_index("store_id")
    b = b.reindex(a.index)
    den_a, den_b = a["denominator"].sum(), b["denominator"].sum()
    rate_b = b["numerator"].sum() / den_b if den_b > 0 else NAN
    ratio = a["numerator"].sum() / den_a / rate_b if den_a > 0 and rate_b > 0 else NAN
    out = pd.DataFrame({"k": a["numerator"], "n": a["denominator"], "b": b["value"]})
    out["expected"] = np.minimum(out["b"] * ratio, 0.999)
    out["ratio"] = ratio
    ok = (out["n"] >= p["min_carried_leads"]) & np.isfinite(out["expected"]) & (out["b"] > 0)
    out["p"] = NAN
    out.loc[ok, "p"] = [binomtest(int(k), int(n), e, alternative="less").pvalue
                        for k, n, e in out.loc[ok, ["k", "n", "expected"]].itertuples(False)]
    out["p_adj"] = NAN
    if ok.any():
        out.loc[ok, "p_adj"] = fdr(out.loc[ok, "p"].to_numpy())[1]
    return out


def carried_leads_convert_poorly(ctx: CheckContext, store: str,
                                 p: dict[str, Any]) -> CheckResult | None:
    """Conversion A far below the store's B, relative to the network's own A/B ratio."""
    tests = ctx.cached(("carried", repr(p)), lambda: _carried_tests(ctx, p))
    if store not in tests.index:
        return None
    t = tests.loc[store]
    if not math.isfinite(t["p_adj"]) or t["p_adj"] > p["q"]:
        return None
    relative = (t["k"] / t["n"]) / t["b"] / t["ratio"]
    if relative > p["max_relative"]:
        return None
    rows = [compare_evidence(ctx.row(store, "conversion_a"), ctx.lang,
                             benchmark=t["expected"], benchmark_scope="store_b_x_network_ratio",
                             p=t["p"], p_adj=t["p_adj"], verdict="clearly_below", worse=True),
            compare_evidence(ctx.row(store, "conversion_b"), ctx.lang),
            evidence("conversion_ab_ratio", t["ratio"], label=ctx.text("network_ratio"),
                     unit="ratio", benchmark_scope="network")]
    return CheckResult(rows, impact=max(0.0, t["expected"] * t["n"] - t["k"]))
