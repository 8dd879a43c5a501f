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
from scipy.stats import binomtest, norm

from ..metrics.cube import compute_cube, grain_cube, month_bounds, previous_month
from ..metrics.registry import REGISTRY
from ..stats import fdr, proportion_ci
from ..stats import robust_sd as stats_robust_sd

NAN = float("nan")

#: check name -> its parameters with defaults (types are checked against these)
CHECK_PARAMS: dict[str, dict[str, Any]] = {
    "cost_per_visit_rising": {"months": 3, "min_total_rise": 0.15, "min_visits": 100,
                              "level": 0.998},
    "undelivered_orders": {"months": 3, "min_growth": 0.25, "min_carried_orders": 20,
                           "delivery_verdicts": ["clearly_below"], "level": 0.998},
    "lost_to_one_competitor": {"min_share": 0.5, "min_share_low": 0.35, "min_named": 20},
    "carried_leads_convert_poorly": {"max_relative": 0.6, "q": 0.05,
                                     "min_carried_leads": 100},
    "consultant_far_from_team": {"q": 0.05, "min_volume": 30, "max_relative": 0.7,
                                 "rates": ["conversion", "test_drive_rate"],
                                 "level": 0.9995, "min_expected": 10},
    "followup_compliance": {"grades": ["H", "A"], "standard": 0.8, "level": 0.998,
                            "min_due": 30},
    "invite_to_visit": {"q": 0.05, "min_callers": 50},
    "target_at_risk": {"level": 0.998, "min_target": 10},
    "traffic_context": {"level": 0.998},
}


def evidence(metric: str, value: float, *, label: str | None = None, unit: str | None = None,
             benchmark: float = NAN, benchmark_scope: str | None = None,
             ci_low: float = NAN, ci_high: float = NAN, verdict: str | None = None,
             p: float = NAN, p_adj: float = NAN, detail: str | None = None,
             lang: str = "zh", worse: bool | None = None) -> dict[str, Any]:
    """One evidence row (the keys every finding's evidence carries). ``worse``: a flagged
    verdict in the bad direction (True), the good one (False); inferred from the
    registry's direction when not given."""
    known = REGISTRY.get(metric)
    if worse is None and known is not None and known.direction and verdict and (
            verdict.startswith(("watch_", "clearly_"))):
        worse = verdict.endswith("below") == (known.direction == "up")
    return {
        "metric": metric,
        "label": label or (known.label(lang) if known else metric),
        "unit": unit or (known.unit if known else "rate"),
        "value": _f(value), "benchmark": _f(benchmark), "benchmark_scope": benchmark_scope,
        "ci_low": _f(ci_low), "ci_high": _f(ci_high), "verdict": verdict,
        "p": _f(p), "p_adj": _f(p_adj), "detail": detail, "worse": worse,
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
    #: the shortfall at the start of the chain (or the effect itself without ``impact_via``)
    impact: float = NAN
    impact_text: str | None = None
    impact_unit: str = "orders"
    #: the store's rates that carry ``impact`` down to orders (the engine shrinks them
    #: toward the peers' and takes the marginal share; empty: ``impact`` is the effect)
    impact_via: tuple[str, ...] = ()
    #: what ``impact`` counts, for the effect's sentence (e.g. "来店批次")
    impact_stage: str | None = None
    #: only worth watching (outside the 95% limits, not established): no finding, a line
    #: of the quieter list
    watch: bool = False


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
        index = self.cached("compare_index", lambda: {
            key: i for i, key in enumerate(zip(self.compare["store_id"],
                                               self.compare["metric"], strict=True))})
        i = index.get((store, metric))
        return None if i is None else self.compare.iloc[i]

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

    # --- network-wide counts the checks test (the calibration simulator,
    # kpi_lib.analysis.simulate, overrides these with simulated frames) -------------------------

    def consultant_names(self) -> dict[str, str]:
        """Consultant id → name."""
        return self.cached("names", lambda: dict(self.con.execute(
            "SELECT consultant_id, name FROM consultants").fetchall()))

    def competitor_counts(self) -> pd.DataFrame:
        """``store_id, competitor, n``: lost leads of the month naming a competitor."""
        return self.cached("competitors", lambda: _competitors(self))

    def consultant_counts(self, rates: list[str]) -> pd.DataFrame:
        """:func:`consultant_rate_counts` of the month, every store."""
        return self.cached(("consultant_counts", tuple(rates)),
                           lambda: consultant_rate_counts(self.con, self.month, rates))

    def compliance_counts(self) -> pd.DataFrame | None:
        """``store_id, grade, due, done`` (None without a follow-up register)."""
        from .pipeline import compliance_counts, present_columns

        if not present_columns(self.con, "followups"):
            return None
        return self.cached("compliance", lambda: compliance_counts(self.con, self.month))

    def overdue_counts(self, store: str) -> dict[str, int]:
        """Open leads overdue for follow-up at the month's end, by grade."""
        from .pipeline import load_pipeline

        stock = load_pipeline(self.con, store, self.month).stock
        return dict(zip(stock["grade"], stock["overdue"].astype(int), strict=True))

    def invite_counts(self) -> pd.DataFrame | None:
        """``store_id, callers, visited``: the registry's ``callers_last_month`` and
        ``callers_visited`` (None: no customer ids to follow a caller to the showroom)."""
        def build() -> pd.DataFrame | None:
            cube = compute_cube(self.con, self.month, sorted(self.compare["store_id"].unique()),
                                metrics=["invite_to_visit_rate"])
            wide = cube[cube["metric"].isin(["callers_last_month", "callers_visited"])
                        & cube["na_reason"].isna()].pivot(
                index="store_id", columns="metric", values="value")
            if wide.empty:
                return None
            return pd.DataFrame({"store_id": wide.index.to_numpy(),
                                 "callers": wide["callers_last_month"].to_numpy(),
                                 "visited": wide["callers_visited"].to_numpy()})

        return self.cached("invites", build)

    def elapsed(self, measure: str = "visits") -> pd.Series:
        """Store id → share of the month's ``measure`` (visits, orders, deliveries) its
        data cover, for stores whose month is not complete
        (:func:`kpi_lib.metrics.month_progress.month_elapsed`)."""
        from ..metrics.month_progress import month_elapsed

        def build() -> pd.Series:
            m = month_elapsed(self.con, self.month, measure=measure).set_index("store_id")
            return m.loc[~m["complete"] & m["elapsed_share"].notna(), "elapsed_share"]
        return self.cached(("elapsed", measure), build)


def compare_evidence(row: pd.Series, lang: str, **override: Any) -> dict[str, Any]:
    """An evidence row from a compare-table row (``override`` replaces fields)."""
    fields = {k: row.get(k) for k in ("benchmark", "benchmark_scope", "ci_low", "ci_high",
                                      "verdict", "p", "p_adj")}
    worse = row.get("worse")
    fields["worse"] = None if _na(worse) else bool(worse)
    fields["benchmark_scope"] = None if _na(fields["benchmark_scope"]) else fields[
        "benchmark_scope"]
    fields["verdict"] = None if _na(fields["verdict"]) else fields["verdict"]
    fields.update(override)
    return evidence(str(row["metric"]), row.get("value"), lang=lang, **fields)


def _na(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _trend(ctx: CheckContext, store: str, metric: str, months_back: int) -> pd.DataFrame:
    """The store's rows of ``metric`` over the history window, by month."""
    def build() -> dict[str, pd.DataFrame]:
        cube = ctx.history(months_back)
        rows = cube[cube["metric"] == metric].sort_values("month")
        return {"": rows.iloc[:0], **dict(tuple(rows.groupby("store_id")))}
    groups = ctx.cached(("trend", months_back, metric), build)
    return groups.get(store, groups[""])


def _rising(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values)) and np.all(np.diff(values) > 0))


def _elapsed_share(ctx: CheckContext, store: str) -> float:
    """The report month's elapsed share for ``store``'s own data (1 when they cover the
    month, NaN when they end before it; :func:`kpi_lib.metrics.month_progress.month_elapsed`)."""
    from ..metrics.month_progress import month_elapsed

    frame = ctx.cached(("month_elapsed", ctx.month),
                       lambda: month_elapsed(ctx.con, ctx.month).set_index("store_id"))
    if store not in frame.index or bool(frame.loc[store, "complete"]):
        return 1.0
    return _f(frame.loc[store, "elapsed_share"])


def _history_incomplete(ctx: CheckContext, store: str, months: list[str]) -> bool:
    """Any of ``months`` within the store's history warm-up (params/report.yml)."""
    from ..config import report_config
    from ..metrics.month_progress import history_incomplete, store_data_start

    start = ctx.cached("store_data_start", lambda: store_data_start(ctx.con)).get(store)
    warmup = report_config()["history_warmup_months"]
    return any(history_incomplete(start, m, warmup) for m in months)


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
    share = _elapsed_share(ctx, store)
    if not share > 0:
        return None
    rel, visits = _relative_cost(ctx, 12)
    if store not in rel.index:
        return None
    r, v = rel.loc[store].to_numpy(dtype=float), visits.loc[store].to_numpy(dtype=float)
    window, seen = r[-(n + 1):], v[-(n + 1):]
    if len(window) != n + 1 or not _rising(window) or np.nanmin(seen) < p["min_visits"]:
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
    cost = _trend(ctx, store, "cost_per_visit", n)
    values = cost["value"].to_numpy(dtype=float, copy=True)
    labels = list(cost["month"])
    if share < 1:
        values[-1] = values[-1] * share
        labels[-1] = _paced_label(labels[-1], ctx.lang)
    rows = [evidence("cost_per_visit", x, lang=ctx.lang, detail=m)
            for m, x in zip(labels, values, strict=True)]
    # the last month against the first, beyond the store's own noise
    rows[-1].update(verdict="clearly_above", worse=True, benchmark=_f(values[0]),
                    benchmark_scope="first_month")
    extra = -np.expm1(-rise) * values[-1] * seen[-1]  # spend above the earlier relative cost
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
    network = ctx.cached(("carried_network", n), lambda: ctx.history(n)[
        ctx.history(n)["metric"] == "carried_orders"].groupby("month")["value"].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        share = values / network.reindex(carried["month"]).to_numpy(dtype=float)
    growing = (len(values) == n + 1 and _rising(share) and values[0] > 0
               and values[-1] >= p["min_carried_orders"]
               and share[-1] / share[0] - 1 >= p["min_growth"]
               and _beyond_chance(values[0], values[-1], network.iloc[0], network.iloc[-1],
                                  p["level"])
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
        rows[-1].update(verdict="clearly_above", worse=True, benchmark=_f(values[0]),
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


#: The consultant rates the diagnosis tests → their registry KPI (consultant grain).
CONSULTANT_RATES = {"conversion": "new_lead_order_share", "test_drive_rate": "test_drive_rate"}


def consultant_rate_counts(con: Any, month: str, rates: list[str],
                           store: str | None = None) -> pd.DataFrame:
    """Per store × consultant × rate of ``month``: denominator ``n`` and numerator ``k``.

    The registry's KPIs at the consultant grain (:func:`kpi_lib.metrics.cube.grain_cube`):
    ``conversion`` is ``new_lead_order_share`` (leads created in the month by the
    consultant, and those of them with an order dated in the month); ``test_drive_rate``
    the consultant's visits and those with a test drive (only when the input has
    ``visits.consultant_id``). Consultants with ``n`` = 0 are left out. ``store`` limits
    the counts to one store (default: all). Shared by :func:`consultant_far_from_team` and
    :mod:`kpi_lib.analysis.consultants`.
    """
    ids = {CONSULTANT_RATES[r]: r for r in rates}
    cube = grain_cube(con, month, "consultant", None if store is None else [store], list(ids))
    rows = cube[(cube["month"] == month) & (cube["consultant"] != "")
                & cube["metric"].isin(list(ids)) & (cube["denominator"] > 0)]
    return pd.DataFrame({
        "store_id": rows["store_id"].to_numpy(dtype=object),
        "consultant_id": rows["consultant"].to_numpy(dtype=object),
        "rate": rows["metric"].map(ids).to_numpy(dtype=object),
        "n": rows["denominator"].astype(int).to_numpy(),
        "k": rows["numerator"].astype(int).to_numpy(),
    })


def _consultant_tests(ctx: CheckContext, p: dict[str, Any]) -> pd.DataFrame:
    """Each consultant × rate against the rest of the team: funnel limits with the
    consultants' own overdispersion (consultants differ for ordinary reasons too) and
    Benjamini–Hochberg over the network's consultants, per rate
    (:func:`kpi_lib.metrics.comparison.proportion_verdicts`)."""
    from ..metrics.comparison import proportion_verdicts

    d = ctx.consultant_counts(list(p["rates"])).copy()
    if d.empty:
        return d.assign(team=[], p=[], p_adj=[], name=[])
    tot = d.groupby(["store_id", "rate"])[["n", "k"]].transform("sum")
    d["team_n"], d["team_k"] = tot["n"] - d["n"], tot["k"] - d["k"]
    d["team"] = d["team_k"] / d["team_n"].where(d["team_n"] > 0)
    ok = (d["n"] >= p["min_volume"]) & (d["team_n"] >= p["min_volume"]) & (d["team"] > 0)
    d["p"], d["p_adj"], d["verdict"] = NAN, NAN, None
    # the team's rate is an estimate too: test on the effective volume of the difference,
    # n·n_team / (n + n_team) (a two-sample comparison; a team of one is no yardstick)
    d["n_eff"] = d["n"] * d["team_n"] / (d["n"] + d["team_n"]).where(d["team_n"] > 0)
    for rate in d.loc[ok, "rate"].unique():
        rows = ok & (d["rate"] == rate)
        share = d.loc[rows, "k"] / d.loc[rows, "n"]
        v = proportion_verdicts(share * d.loc[rows, "n_eff"], d.loc[rows, "n_eff"],
                                d.loc[rows, "team"],
                                q=p["q"], clear_level=p["level"],
                                min_expected=p["min_expected"])
        d.loc[rows, "p"], d.loc[rows, "p_adj"] = v["p"].to_numpy(), v["p_adj"].to_numpy()
        d.loc[rows, "verdict"] = v["verdict"].to_numpy()
    names = ctx.consultant_names()
    d["name"] = [names.get(c, "") for c in d["consultant_id"]]
    return d


def consultant_far_from_team(ctx: CheckContext, store: str,
                             p: dict[str, Any]) -> CheckResult | None:
    """Consultants whose rate is far below the rest of the team's, beyond chance (FDR)."""
    tests = ctx.cached(("consultants", repr(p)), lambda: _consultant_tests(ctx, p))
    if tests.empty:
        return None
    mine = tests[(tests["store_id"] == store) & (tests["verdict"] == "clearly_below")
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
                      * ctx.rate(store, "negotiation_close_rate"))
        impact += short if math.isfinite(short) else 0.0
    return CheckResult(rows, impact=impact)


def followup_compliance(ctx: CheckContext, store: str, p: dict[str, Any]
                        ) -> CheckResult | None:
    """H/A follow-up compliance clearly below the course's standard.

    For each grade of ``grades``: follow-ups done on time / due in the month
    (:func:`kpi_lib.analysis.pipeline.compliance_counts`); "clearly below" = the Wilson interval
    at ``level`` lies wholly under ``standard`` (at least ``min_due`` due). The evidence
    adds the open leads of those grades overdue at the month's end.
    """
    counts = ctx.compliance_counts()
    if counts is None:
        return None
    mine = counts[(counts["store_id"] == store) & counts["grade"].isin(p["grades"])
                  & (counts["due"] >= p["min_due"])]
    rows, low = [], False
    for g in p["grades"]:
        hit = mine[mine["grade"] == g]
        if hit.empty:
            continue
        k, n = int(hit["done"].iloc[0]), int(hit["due"].iloc[0])
        upper = float(proportion_ci(k, n, p["level"])[1])
        flagged = upper < p["standard"]
        low |= flagged
        lo, hi = proportion_ci(k, n)
        rows.append(evidence(f"followup_compliance_{g}", k / n, unit="rate",
                             label=ctx.text("compliance_label", grade=g), ci_low=lo,
                             ci_high=hi, benchmark=p["standard"], benchmark_scope="standard",
                             verdict="clearly_below" if flagged else
                             ("watch_below" if hi < p["standard"] else "in_line"),
                             detail=f"{k:,}/{n:,}", lang=ctx.lang,
                             worse=True if (flagged or hi < p["standard"]) else None))
    if not low:
        return None
    overdue = ctx.overdue_counts(store)
    late = sum(int(overdue.get(g, 0)) for g in p["grades"])
    rows.append(evidence("overdue_leads", late, unit="count",
                         label=ctx.text("overdue_label", grades="/".join(p["grades"])),
                         lang=ctx.lang))
    return CheckResult(rows)


def _invite_tests(ctx: CheckContext, p: dict[str, Any]) -> pd.DataFrame:
    from ..metrics.comparison import proportion_verdicts

    counts = ctx.invite_counts()
    if counts is None or counts.empty:
        return pd.DataFrame(columns=["store_id", "k", "n", "target", "verdict", "p_adj"])
    d = counts.groupby("store_id")[["visited", "callers"]].sum()
    d = d[d["callers"] >= p["min_callers"]]
    k, n = d["visited"].to_numpy(dtype=float), d["callers"].to_numpy(dtype=float)
    # the network's rate without the store itself (never the store against itself)
    target = (k.sum() - k) / np.maximum(n.sum() - n, 1.0)
    out = proportion_verdicts(k, n, target, q=p["q"])
    out.insert(0, "store_id", d.index.to_numpy())
    return out


def invite_to_visit(ctx: CheckContext, store: str, p: dict[str, Any]) -> CheckResult | None:
    """Callers of last month who came to the showroom, clearly below the rest of the
    network (funnel limits with its overdispersion, Benjamini–Hochberg over stores)."""
    tests = ctx.cached(("invite", repr(p)), lambda: _invite_tests(ctx, p))
    t = tests[tests["store_id"] == store]
    if t.empty or t["verdict"].iloc[0] not in ("clearly_below", "watch_below"):
        return None
    t = t.iloc[0]
    lo, hi = proportion_ci(int(t["k"]), int(t["n"]))
    row = evidence("invite_to_visit_rate", t["k"] / t["n"], unit="rate",
                   label=ctx.text("invite_label"), ci_low=lo, ci_high=hi,
                   benchmark=t["target"], benchmark_scope="network_others",
                   verdict=t["verdict"], p=t["p"], p_adj=t["p_adj"],
                   detail=f"{int(t['k']):,}/{int(t['n']):,}", lang=ctx.lang, worse=True)
    short = t["target"] * t["n"] - t["k"]  # visits the network's rate would bring
    return CheckResult([row], impact=short, impact_via=("showroom_close_rate",),
                       impact_stage=ctx.text("invite_stage"),
                       watch=t["verdict"] == "watch_below")


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
    d, target = _f(now["numerator"]), _f(now["denominator"])
    if not (math.isfinite(d) and math.isfinite(target)) or target < p["min_target"]:
        return None
    share = float(ctx.elapsed("deliveries").get(store, 1.0))
    _, upper = _garwood(d, p["level"])
    falling = math.isfinite(_f(before["value"])) and d / share / target < _f(before["value"])
    if upper / share >= target or not falling:
        return None
    lo, hi = _garwood(d, 0.95)
    rows = [evidence("target_completion", d / share / target, lang=ctx.lang,
                     ci_low=lo / share / target, ci_high=hi / share / target, benchmark=1.0,
                     benchmark_scope="target", verdict="clearly_below",
                     detail=ctx.text("paced") if share < 1 else None),
            evidence("target_completion", _f(before["value"]), lang=ctx.lang,
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
    month, last_year = ctx.month, previous_month(ctx.month, 12)
    rows: list[dict[str, Any]] = []
    share = float(ctx.elapsed().get(store, 1.0))
    if store not in v.index or month not in v or not share > 0:
        return CheckResult(rows)
    now = _f(v.loc[store, month]) / share
    if last_year in v:
        paced = v[month] / ctx.elapsed().reindex(v.index).fillna(1.0)
        both = paced.notna() & (paced > 0) & (v[last_year] > 0)
        index = paced[both].sum() / v.loc[both, last_year].sum() if both.any() else NAN
        before = _f(v.loc[store, last_year])
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
    units = NAN if target is None else _f(target["value"])
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


#: check name -> function(ctx, store_id, params) -> CheckResult | None
CHECKS: dict[str, Callable[[CheckContext, str, dict[str, Any]], CheckResult | None]] = {
    "cost_per_visit_rising": cost_per_visit_rising,
    "undelivered_orders": undelivered_orders,
    "lost_to_one_competitor": lost_to_one_competitor,
    "carried_leads_convert_poorly": carried_leads_convert_poorly,
    "consultant_far_from_team": consultant_far_from_team,
    "followup_compliance": followup_compliance,
    "invite_to_visit": invite_to_visit,
    "target_at_risk": target_at_risk,
    "traffic_context": traffic_context,
}
