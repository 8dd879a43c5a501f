"""Named checks of the diagnosis: what one month's compare table cannot say.

A rule of ``params/diagnosis.yml`` names a check (``check: cost_per_visit_rising``) and
gives its thresholds (``params``); :data:`CHECK_PARAMS` holds each check's parameters
with their defaults (the validator accepts only these keys). A check gets a
:class:`CheckContext` (the warehouse, the month, the network's compare table) and one
store, and returns a :class:`CheckResult` (evidence, and the impact when the rule does
not declare one) or ``None`` when the store does not have the problem.

Statistics: rates are tested one-sided with an exact binomial test against the rate the
store (or consultant) should have — the funnel-plot view: the benchmark rate with limits
that widen as the volume shrinks — and the p-values of all stores (or all consultants ×
rates) of the network are Benjamini–Hochberg adjusted, so results do not depend on
whether one store or the whole network is diagnosed (:func:`kpi_lib.stats.fdr`).
Intervals are Wilson 95% (:func:`kpi_lib.stats.proportion_ci`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from .compute import compute_cube, month_bounds, previous_month
from .metrics import REGISTRY
from .stats import fdr, proportion_ci

NAN = float("nan")

#: check name -> its parameters with defaults (types are checked against these)
CHECK_PARAMS: dict[str, dict[str, Any]] = {
    "cost_per_visit_rising": {"months": 3, "min_total_rise": 0.15, "min_visits": 100},
    "undelivered_orders": {"months": 3, "min_growth": 0.25, "min_carried_orders": 20,
                           "delivery_verdicts": ["clearly_below"]},
    "lost_to_one_competitor": {"min_share": 0.5, "min_named": 20},
    "carried_leads_convert_poorly": {"max_relative": 0.6, "q": 0.05,
                                     "min_carried_leads": 100},
    "consultant_far_from_team": {"q": 0.05, "min_volume": 30, "max_relative": 0.7,
                                 "rates": ["conversion", "test_drive_rate"]},
}


def evidence(metric: str, value: float, *, label: str | None = None, unit: str | None = None,
             benchmark: float = NAN, benchmark_scope: str | None = None,
             ci_low: float = NAN, ci_high: float = NAN, verdict: str | None = None,
             p: float = NAN, p_adj: float = NAN, detail: str | None = None,
             lang: str = "zh") -> dict[str, Any]:
    """One evidence row (the keys every finding's evidence carries)."""
    known = REGISTRY.get(metric)
    return {
        "metric": metric,
        "label": label or (known.label(lang) if known else metric),
        "unit": unit or (known.unit if known else "rate"),
        "value": _f(value), "benchmark": _f(benchmark), "benchmark_scope": benchmark_scope,
        "ci_low": _f(ci_low), "ci_high": _f(ci_high), "verdict": verdict,
        "p": _f(p), "p_adj": _f(p_adj), "detail": detail,
    }


def _f(x: object) -> float:
    try:
        out = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return NAN
    return out


@dataclass
class CheckResult:
    """What a check found: evidence rows and, for rules without ``impact``, the effect."""

    evidence: list[dict[str, Any]]
    impact: float = NAN
    impact_text: str | None = None
    impact_unit: str = "orders"


@dataclass
class CheckContext:
    """What checks may read: the warehouse, the month, the network's compare table."""

    con: Any
    month: str
    compare: pd.DataFrame
    lang: str
    texts: dict[str, dict[str, str]]
    #: the store's own rate by id (registry ratio or stage rate), set by the engine
    rate: Callable[[str, str], float] = lambda store, rate_id: NAN
    _cache: dict[Any, Any] = field(default_factory=dict)

    def text(self, key: str, **fields: object) -> str:
        """Words of ``texts`` in the context's language."""
        return self.texts[key][self.lang].format(**fields)

    def row(self, store: str, metric: str) -> pd.Series | None:
        """The store's compare row of ``metric`` (None when absent)."""
        rows = self.compare[(self.compare["store_id"] == store)
                            & (self.compare["metric"] == metric)]
        return None if rows.empty else rows.iloc[0]

    def history(self, months_back: int) -> pd.DataFrame:
        """KPI cube of the month and the ``months_back`` before it, every compared store."""
        key = ("history", months_back)
        if key not in self._cache:
            months = [previous_month(self.month, k) for k in range(months_back, -1, -1)]
            stores = sorted(self.compare["store_id"].unique())
            self._cache[key] = compute_cube(self.con, months, stores)
        return self._cache[key]

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """Network-wide results computed once per run."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def has_column(self, table: str, column: str) -> bool:
        """Whether the input held ``table.column``."""
        return bool(self.con.execute(
            "SELECT count(*) FROM _columns WHERE table_name = ? AND column_name = ?",
            [table, column]).fetchone()[0])


def compare_evidence(row: pd.Series, lang: str, **override: Any) -> dict[str, Any]:
    """An evidence row from a compare-table row (``override`` replaces fields)."""
    fields = {k: row.get(k) for k in ("benchmark", "benchmark_scope", "ci_low", "ci_high",
                                      "verdict", "p", "p_adj")}
    fields["benchmark_scope"] = None if _na(fields["benchmark_scope"]) else fields[
        "benchmark_scope"]
    fields["verdict"] = None if _na(fields["verdict"]) else fields["verdict"]
    fields.update(override)
    return evidence(str(row["metric"]), row.get("value"), lang=lang, **fields)


def _na(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _trend(ctx: CheckContext, store: str, metric: str, months_back: int) -> pd.DataFrame:
    cube = ctx.history(months_back)
    return cube[(cube["store_id"] == store) & (cube["metric"] == metric)].sort_values("month")


def _rising(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values)) and np.all(np.diff(values) > 0))


def _elapsed_share(ctx: CheckContext, store: str) -> float:
    """The report month's elapsed share for ``store``'s own data (1 when they cover the
    month, NaN when they end before it; :func:`kpi_lib.month_progress.month_elapsed`)."""
    from .month_progress import month_elapsed

    frame = ctx.cached(("month_elapsed", ctx.month),
                       lambda: month_elapsed(ctx.con, ctx.month).set_index("store_id"))
    if store not in frame.index or bool(frame.loc[store, "complete"]):
        return 1.0
    return _f(frame.loc[store, "elapsed_share"])


def _history_incomplete(ctx: CheckContext, store: str, months: list[str]) -> bool:
    """Any of ``months`` within the store's history warm-up (params/report.yml)."""
    from .config import report_config
    from .month_progress import history_incomplete, store_data_start

    start = ctx.cached("store_data_start", lambda: store_data_start(ctx.con)).get(store)
    warmup = report_config()["history_warmup_months"]
    return any(history_incomplete(start, m, warmup) for m in months)


def _paced_label(month: str, lang: str) -> str:
    from .i18n import text

    return text("paced_month", lang, month=month)


def cost_per_visit_rising(ctx: CheckContext, store: str, p: dict[str, Any]) -> CheckResult | None:
    """Cost per visit up ``months`` months running, by ``min_total_rise`` or more in total.

    When the store's data stop inside the report month, its visits are paced to the whole
    month (visits ÷ elapsed share) before the whole month's spend is divided by them: the
    spend is monthly, the visits only month to date. No data in the month: no finding.
    """
    n = int(p["months"])
    share = _elapsed_share(ctx, store)
    if not share > 0:
        return None
    cost = _trend(ctx, store, "cost_per_visit", n)
    visits = _trend(ctx, store, "visits", n)["value"].to_numpy(dtype=float, copy=True)
    values = cost["value"].to_numpy(dtype=float, copy=True)
    labels = list(cost["month"])
    if len(values) == n + 1 and len(visits) == n + 1 and share < 1:
        visits[-1], values[-1] = visits[-1] / share, values[-1] * share
        labels[-1] = _paced_label(labels[-1], ctx.lang)
    if len(values) != n + 1 or not _rising(values) or np.nanmin(visits) < p["min_visits"]:
        return None
    if values[-1] / values[0] - 1 < p["min_total_rise"]:
        return None
    rows = [evidence("cost_per_visit", v, lang=ctx.lang, detail=m)
            for m, v in zip(labels, values, strict=True)]
    extra = (values[-1] - values[0]) * visits[-1]
    return CheckResult(rows, impact=0.0,
                       impact_text=ctx.text("impact_spend", n=f"{extra:,.0f}", months=n))


def undelivered_orders(ctx: CheckContext, store: str, p: dict[str, Any]) -> CheckResult | None:
    """Carried-over orders rising ``months`` running, or delivery conversion clearly low.

    Carried-over orders are a stock at each month's start (a cut inside the report month
    does not touch them), but in the store's history warm-up they miss the orders placed
    before the data begin: a window reaching into it shows no growth. Delivery conversion
    of a month whose data stop early (deliveries month to date over a whole stock) is not
    judged.
    """
    n = int(p["months"])
    carried = _trend(ctx, store, "carried_orders", n)
    values = carried["value"].to_numpy(dtype=float)
    growing = (len(values) == n + 1 and _rising(values) and values[0] > 0
               and values[-1] >= p["min_carried_orders"]
               and values[-1] / values[0] - 1 >= p["min_growth"]
               and not _history_incomplete(ctx, store, list(carried["month"])))
    conv = ctx.row(store, "delivery_conversion")
    judged = _elapsed_share(ctx, store) == 1.0
    low = judged and conv is not None and conv["verdict"] in p["delivery_verdicts"]
    if not (growing or low):
        return None
    rows = [] if conv is None else [compare_evidence(conv, ctx.lang)]
    if growing:
        rows += [evidence("carried_orders", v, lang=ctx.lang, detail=m)
                 for m, v in zip(carried["month"], values, strict=True)]
    short = NAN if conv is None or not judged else _shortfall(conv)
    return CheckResult(rows, impact=short, impact_unit="deliveries")


def _shortfall(row: pd.Series) -> float:
    """How many more (fewer, for a 'down' KPI) numerator units the benchmark rate gives."""
    expected = _f(row.get("expected"))
    if not math.isfinite(expected):
        expected = _f(row.get("denominator")) * _f(row.get("benchmark"))
    gap = _f(row.get("numerator")) - expected
    if not math.isfinite(gap):
        return NAN
    return max(0.0, gap if row.get("direction") == "down" else -gap)


def _competitors(ctx: CheckContext) -> pd.DataFrame:
    start, end = month_bounds(ctx.month)
    if not ctx.has_column("leads", "competitor"):
        return pd.DataFrame(columns=["store_id", "competitor", "n"])
    return ctx.con.execute(
        """SELECT store_id, competitor, count(*) AS n FROM leads
           WHERE status = 'lost' AND status_date >= ? AND status_date < ?
             AND competitor IS NOT NULL AND trim(competitor) <> ''
           GROUP BY store_id, competitor""", [start, end]).df()


def lost_to_one_competitor(ctx: CheckContext, store: str,
                           p: dict[str, Any]) -> CheckResult | None:
    """One competitor takes ``min_share`` of the lost leads that name a competitor."""
    counts = ctx.cached("competitors", lambda: _competitors(ctx))
    mine = counts[counts["store_id"] == store].sort_values(["n", "competitor"],
                                                            ascending=[False, True])
    named = int(mine["n"].sum())
    if named < p["min_named"]:
        return None
    top = mine.iloc[0]
    share = float(top["n"]) / named
    if share < p["min_share"]:
        return None
    low, high = proportion_ci(int(top["n"]), named)
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
                             p=t["p"], p_adj=t["p_adj"]),
            compare_evidence(ctx.row(store, "conversion_b"), ctx.lang),
            evidence("conversion_ab_ratio", t["ratio"], label=ctx.text("network_ratio"),
                     unit="ratio", benchmark_scope="network")]
    return CheckResult(rows, impact=max(0.0, t["expected"] * t["n"] - t["k"]))


def consultant_rate_counts(con: Any, month: str, rates: list[str],
                           store: str | None = None) -> pd.DataFrame:
    """Per store × consultant × rate of ``month``: denominator ``n`` and numerator ``k``.

    ``conversion``: leads created in the month by the consultant (``n``) and those of them
    with an order dated in the month (``k``); ``test_drive_rate``: the consultant's visits
    (``n``) and those with a test drive (``k``), only when the input has
    ``visits.consultant_id``. ``store`` limits the counts to one store (default: all).
    Shared by :func:`consultant_far_from_team` and :mod:`kpi_lib.consultants`.
    """
    start, end = month_bounds(month)
    only = "" if store is None else " AND {}store_id = ?"
    extra = [] if store is None else [store]
    parts = []
    if "conversion" in rates:
        parts.append(con.execute(
            """SELECT l.store_id, l.consultant_id, 'conversion' AS rate,
                      count(*) AS n, count(o.lead_id) AS k
               FROM leads l LEFT JOIN (SELECT DISTINCT lead_id FROM orders
                                       WHERE order_date >= ? AND order_date < ?) o
                 ON o.lead_id = l.lead_id
               WHERE l.created >= ? AND l.created < ? AND l.consultant_id IS NOT NULL"""
            + only.format("l.") + " GROUP BY ALL", [start, end, start, end, *extra]).df())
    has_col = con.execute("SELECT count(*) FROM _columns WHERE table_name = 'visits' "
                          "AND column_name = 'consultant_id'").fetchall()[0][0]
    if "test_drive_rate" in rates and has_col:
        parts.append(con.execute(
            """SELECT store_id, consultant_id, 'test_drive_rate' AS rate,
                      count(*) AS n, count(*) FILTER (WHERE test_drive) AS k
               FROM visits WHERE date >= ? AND date < ? AND consultant_id IS NOT NULL"""
            + only.format("") + " GROUP BY ALL", [start, end, *extra]).df())
    if not parts:
        return pd.DataFrame(columns=["store_id", "consultant_id", "rate", "n", "k"])
    return pd.concat(parts, ignore_index=True)


def _consultant_counts(ctx: CheckContext, rates: list[str]) -> pd.DataFrame:
    return consultant_rate_counts(ctx.con, ctx.month, rates)


def _consultant_tests(ctx: CheckContext, p: dict[str, Any]) -> pd.DataFrame:
    """Each consultant × rate against the rest of the team, BH over the network."""
    d = _consultant_counts(ctx, list(p["rates"]))
    if d.empty:
        return d.assign(team=[], p=[], p_adj=[], name=[])
    tot = d.groupby(["store_id", "rate"])[["n", "k"]].transform("sum")
    d["team_n"], d["team_k"] = tot["n"] - d["n"], tot["k"] - d["k"]
    d["team"] = d["team_k"] / d["team_n"].where(d["team_n"] > 0)
    ok = (d["n"] >= p["min_volume"]) & (d["team_n"] >= p["min_volume"]) & (d["team"] > 0)
    d["p"], d["p_adj"] = NAN, NAN
    d.loc[ok, "p"] = [binomtest(int(k), int(n), min(t, 0.999), alternative="less").pvalue
                      for k, n, t in d.loc[ok, ["k", "n", "team"]].itertuples(False)]
    if ok.any():
        d.loc[ok, "p_adj"] = fdr(d.loc[ok, "p"].to_numpy())[1]
    names = dict(ctx.con.execute("SELECT consultant_id, name FROM consultants").fetchall())
    d["name"] = d["consultant_id"].map(names).fillna("")
    return d


def consultant_far_from_team(ctx: CheckContext, store: str,
                             p: dict[str, Any]) -> CheckResult | None:
    """Consultants whose rate is far below the rest of the team's, beyond chance (FDR)."""
    tests = ctx.cached(("consultants", repr(p)), lambda: _consultant_tests(ctx, p))
    if tests.empty:
        return None
    mine = tests[(tests["store_id"] == store) & (tests["p_adj"] <= p["q"])
                 & (tests["k"] / tests["n"] <= p["max_relative"] * tests["team"])]
    if mine.empty:
        return None
    rows, impact = [], 0.0
    for t in mine.sort_values(["p_adj", "consultant_id"]).itertuples():
        low, high = proportion_ci(int(t.k), int(t.n))
        label = (REGISTRY["test_drive_rate"].label(ctx.lang) if t.rate == "test_drive_rate"
                 else ctx.text("consultant_conversion"))
        rows.append(evidence(
            t.rate, t.k / t.n, label=label, unit="rate", benchmark=t.team,
            benchmark_scope="team", ci_low=low, ci_high=high, verdict="clearly_below",
            p=t.p, p_adj=t.p_adj, lang=ctx.lang,
            detail=ctx.text("consultant", name=t.name, id=t.consultant_id)
            + f" {int(t.k)}/{int(t.n)}"))
        short = t.team * t.n - t.k
        if t.rate == "test_drive_rate":  # test drives → negotiations → orders
            short *= (ctx.rate(store, "negotiation_rate")
                      * ctx.rate(store, "orders_per_negotiation"))
        impact += short if math.isfinite(short) else 0.0
    return CheckResult(rows, impact=impact)


#: check name -> function(ctx, store_id, params) -> CheckResult | None
CHECKS: dict[str, Callable[[CheckContext, str, dict[str, Any]], CheckResult | None]] = {
    "cost_per_visit_rising": cost_per_visit_rising,
    "undelivered_orders": undelivered_orders,
    "lost_to_one_competitor": lost_to_one_competitor,
    "carried_leads_convert_poorly": carried_leads_convert_poorly,
    "consultant_far_from_team": consultant_far_from_team,
}
