"""Named checks of targets and orders: undelivered orders, a target at risk, and what the
store's traffic should be."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..metrics.periods import same_period_last_year
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


def _history_incomplete(ctx: CheckContext, store: str, months: list[str]) -> bool:
    """Any of ``months`` within the store's history warm-up (params/report.yml)."""
    from ..metrics.month_progress import history_incomplete, store_data_start
    from ..metrics.settings import report_config

    start = ctx.cached("store_data_start", lambda: store_data_start(ctx.con)).get(store)
    warmup = report_config()["history_warmup_months"]
    return any(history_incomplete(start, m, warmup) for m in months)


def undelivered_orders(ctx: CheckContext, store: str, p: dict[str, Any]) -> CheckResult | None:
    """Carried-over orders rising ``months`` running, or delivery conversion clearly low.

    Carried-over orders are a stock at each month's start (a cut inside the report month
    does not touch them), but in the store's history warm-up they miss the orders placed
    before the data begin: a window reaching into it shows no growth. Delivery conversion
    of a month whose data stop early (deliveries month to date over a whole stock) is not
    judged.
    """
    n = int(p["months"])
    carried = store_trend(ctx, store, "carried_orders", n)
    values = carried["value"].to_numpy(dtype=float)
    network = ctx.cached(("carried_network", n), lambda: ctx.history(n)[
        ctx.history(n)["metric"] == "carried_orders"].groupby("month")["value"].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        share = values / network.reindex(carried["month"]).to_numpy(dtype=float)
    growing = (len(values) == n + 1 and rising(share) and values[0] > 0
               and values[-1] >= p["min_carried_orders"]
               and share[-1] / share[0] - 1 >= p["min_growth"]
               and _beyond_chance(values[0], values[-1], network.iloc[0], network.iloc[-1],
                                  p["level"])
               and not _history_incomplete(ctx, store, list(carried["month"])))
    conv = ctx.row(store, "delivery_conversion")
    judged = elapsed_share(ctx, store) == 1.0
    low = judged and conv is not None and conv["verdict"] in p["delivery_verdicts"]
    if not (growing or low):
        return None
    rows = [] if conv is None else [compare_evidence(conv, ctx.lang)]
    if growing:
        rows += [evidence("carried_orders", v, lang=ctx.lang, detail=m)
                 for m, v in zip(carried["month"], values, strict=True)]
        rows[-1].update(verdict="clearly_above", worse=True, benchmark=as_float(values[0]),
                        benchmark_scope="first_month")
    short = NAN if conv is None or not judged else _shortfall(conv)
    return CheckResult(rows, impact=short, impact_unit="deliveries")


def _beyond_chance(first: float, last: float, net_first: float, net_last: float,
                   level: float) -> bool:
    """A stock's rise against the network's, beyond its counts' Poisson noise:
    ``(ln(last/first) − ln(net_last/net_first)) / sqrt(1/first + 1/last)`` at the
    one-sided ``level`` quantile."""
    z = (np.log(last / first) - np.log(net_last / net_first)) / np.sqrt(1 / first + 1 / last)
    return bool(z >= norm.ppf(level))


def _shortfall(row: pd.Series) -> float:
    """How many more (fewer, for a 'down' KPI) numerator units the benchmark rate gives."""
    expected = as_float(row.get("expected"))
    if not math.isfinite(expected):
        expected = as_float(row.get("denominator")) * as_float(row.get("benchmark"))
    gap = as_float(row.get("numerator")) - expected
    if not math.isfinite(gap):
        return NAN
    return max(0.0, gap if row.get("direction") == "down" else -gap)


def target_at_risk(ctx: CheckContext, store: str, p: dict[str, Any]) -> CheckResult | None:
    """Deliveries clearly short of the target and completion falling.

    "Clearly short": the exact Poisson (Garwood) upper limit at ``level`` of the month's
    deliveries — paced by the elapsed share for a month still running — is below the
    target; "falling": completion below last month's.
    """
    cube = ctx.history(1)
    mine = cube[(cube["store_id"] == store) & (cube["metric"] == "target_completion")
                ].sort_values("month")
    if len(mine) < 2:
        return None
    now, before = mine.iloc[-1], mine.iloc[0]
    d, target = as_float(now["numerator"]), as_float(now["denominator"])
    if not (math.isfinite(d) and math.isfinite(target)) or target < p["min_target"]:
        return None
    share = float(ctx.elapsed("deliveries").get(store, 1.0))
    _, upper = _garwood(d, p["level"])
    last = as_float(before["value"])
    falling = math.isfinite(last) and d / share / target < last
    if upper / share >= target or not falling:
        return None
    lo, hi = _garwood(d, 0.95)
    rows = [evidence("target_completion", d / share / target, lang=ctx.lang,
                     ci_low=lo / share / target, ci_high=hi / share / target, benchmark=1.0,
                     benchmark_scope="target", verdict="clearly_below",
                     detail=ctx.text("paced") if share < 1 else None),
            evidence("target_completion", as_float(before["value"]), lang=ctx.lang,
                     detail=str(before["month"]))]
    gap = target - d / share
    return CheckResult(rows, impact=0.0, impact_unit="deliveries",
                       impact_text=ctx.text("impact_target_gap", n=f"{gap:,.0f}"))


def traffic_context(ctx: CheckContext, store: str, p: dict[str, Any]) -> CheckResult:
    """Beside the peer comparison, what else says how many visitors this store should have.

    - Its own seasonal expectation: visits of the same month last year × the network's
      change (this month's visits over last year's, stores with both), with its verdict:
      ``z = ln(visits / expected) / sqrt(σ² + 1/visits + 1/visits_last_year)``, σ the
      robust spread of that ratio between stores; ``clearly_below`` beyond ``level``.
    - What its target needs: target units / the store's deliveries per visit over the
      last three months (no verdict: a target is a wish, not a yardstick).
    A month still running is paced. Never None: the evidence may be empty.
    """
    cube = ctx.history(12)
    v = cube[cube["metric"] == "visits"].pivot_table(index="store_id", columns="month",
                                                      values="value", dropna=False)
    month, last_year = ctx.month, same_period_last_year(ctx.month)
    rows: list[dict[str, Any]] = []
    share = float(ctx.elapsed().get(store, 1.0))
    if store not in v.index or month not in v or not share > 0:
        return CheckResult(rows)
    now = as_float(v.loc[store, month]) / share
    if last_year in v:
        paced = v[month] / ctx.elapsed().reindex(v.index).fillna(1.0)
        both = paced.notna() & (paced > 0) & (v[last_year] > 0)
        index = paced[both].sum() / v.loc[both, last_year].sum() if both.any() else NAN
        before = as_float(v.loc[store, last_year])
        if math.isfinite(index) and before > 0 and now > 0:
            spread = stats_robust_sd(np.log(paced[both] / v.loc[both, last_year] / index))
            expected = before * index
            z = math.log(now / expected) / math.sqrt(spread**2 + 1 / now + 1 / before)
            clear = norm.ppf(0.5 + p["level"] / 2)
            verdict = ("clearly_below" if z < -clear else "clearly_above" if z > clear else
                       "watch_below" if z < -1.96 else "watch_above" if z > 1.96 else "in_line")
            rows.append(evidence("visits", now, label=ctx.text("seasonal_label"), unit="count",
                                 benchmark=expected, benchmark_scope="own_seasonal",
                                 verdict=verdict, lang=ctx.lang))
    recent = cube[(cube["store_id"] == store) & cube["metric"].isin(["deliveries", "visits"])
                  & (cube["month"] < month)].groupby("metric")["value"].apply(
                      lambda s: s.tail(3).sum())
    target = ctx.row(store, "target_units")
    units = NAN if target is None else as_float(target["value"])
    if math.isfinite(units) and recent.get("deliveries", 0) > 0 and recent.get("visits", 0) > 0:
        needed = units / (recent["deliveries"] / recent["visits"])
        rows.append(evidence("visits", now, label=ctx.text("target_visits_label"),
                             unit="count", benchmark=needed, benchmark_scope="target",
                             lang=ctx.lang, worse=None))
        rows[-1]["verdict"] = None
    return CheckResult(rows)


def _garwood(count: float, level: float) -> tuple[float, float]:
    """Exact Poisson limits of a count (Garwood), e.g. 10 → (4.80, 18.39) at 95%."""
    from scipy.stats import chi2

    a = 1.0 - level
    lo = 0.0 if count <= 0 else chi2.ppf(a / 2, 2 * count) / 2
    return float(lo), float(chi2.ppf(1 - a / 2, 2 * count + 2) / 2)
