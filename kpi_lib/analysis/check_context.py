"""What the diagnosis's named checks read and return.

:class:`CheckContext` (the warehouse, the month, the network's compare table and the
network-wide counts the checks test, computed once per run), :class:`CheckResult`, the
evidence rows of a finding and the helpers more than one group of checks shares. The
checks themselves: :mod:`kpi_lib.analysis.diagnosis_checks`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..metrics import network_cache
from ..metrics.cube import compute_cube
from ..metrics.periods import period_bounds, period_months, shift_period
from ..metrics.registry import REGISTRY
from .consultant_rates import consultant_rate_counts

NAN = float("nan")


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
        "value": as_float(value), "benchmark": as_float(benchmark),
        "benchmark_scope": benchmark_scope,
        "ci_low": as_float(ci_low), "ci_high": as_float(ci_high), "verdict": verdict,
        "p": as_float(p), "p_adj": as_float(p_adj), "detail": detail, "worse": worse,
    }


def as_float(x: object) -> float:
    """``x`` as a float; NaN when it is not a number."""
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

    @classmethod
    def shared(cls, con: Any, month: str, compare: pd.DataFrame, lang: str,
               texts: dict[str, dict[str, str]]) -> CheckContext:
        """A context of ``month``; with the network cache on, one per month, language and
        kind in this process (its network-wide counts computed once for every store),
        reading through ``con``, as long as ``compare`` is the same table."""
        if not network_cache.enabled():
            return cls(con, month, compare, lang, texts)
        ctx = network_cache.remembered(con, ("check_context", cls.__name__, month, lang),
                                       lambda: cls(con, month, compare, lang, texts))
        if ctx.compare is not compare and not ctx.compare.equals(compare):
            return cls(con, month, compare, lang, texts)  # e.g. other benchmark settings
        ctx.con, ctx.texts = con, texts
        return ctx

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
        """KPI cube of the month and the ``months_back`` before it, every compared store
        (for a period: the periods of its length before it)."""
        key = ("history", months_back)
        if key not in self._cache:
            months = [shift_period(self.month, -k) for k in range(months_back, -1, -1)]
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
        from ..ingest.warehouse import has

        return has(self.con, table, column)

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
        from ..ingest.warehouse import has
        from .pipeline import compliance_counts

        if not has(self.con, "followups"):
            return None
        return self.cached("compliance", lambda: compliance_counts(self.con, self.month))

    def overdue_counts(self, store: str) -> dict[str, int]:
        """Open leads overdue for follow-up at the month's (or period's) end, by grade."""
        from .pipeline import load_pipeline

        stock = load_pipeline(self.con, store, period_months(self.month)[-1]).stock
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


def store_trend(ctx: CheckContext, store: str, metric: str, months_back: int) -> pd.DataFrame:
    """The store's rows of ``metric`` over the history window, by month."""
    def build() -> dict[str, pd.DataFrame]:
        cube = ctx.history(months_back)
        rows = cube[cube["metric"] == metric].sort_values("month")
        return {"": rows.iloc[:0], **dict(tuple(rows.groupby("store_id")))}
    groups = ctx.cached(("trend", months_back, metric), build)
    return groups.get(store, groups[""])


def rising(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values)) and np.all(np.diff(values) > 0))


def elapsed_share(ctx: CheckContext, store: str) -> float:
    """The report month's elapsed share for ``store``'s own data (1 when they cover the
    month, NaN when they end before it; :func:`kpi_lib.metrics.month_progress.month_elapsed`)."""
    from ..metrics.month_progress import month_elapsed

    frame = ctx.cached(("month_elapsed", ctx.month),
                       lambda: month_elapsed(ctx.con, ctx.month).set_index("store_id"))
    if store not in frame.index or bool(frame.loc[store, "complete"]):
        return 1.0
    return as_float(frame.loc[store, "elapsed_share"])


def _competitors(ctx: CheckContext) -> pd.DataFrame:
    start, end = period_bounds(ctx.month)
    if not ctx.has_column("leads", "competitor"):
        return pd.DataFrame(columns=["store_id", "competitor", "n"])
    return ctx.con.execute(
        """SELECT store_id, competitor, count(*) AS n FROM leads
           WHERE status = 'lost' AND status_date >= ? AND status_date < ?
             AND competitor IS NOT NULL AND trim(competitor) <> ''
           GROUP BY store_id, competitor""", [start, end]).df()

