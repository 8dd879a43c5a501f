"""Pacing of the flash (进度节奏): which share of a month's visits, orders or deliveries
historically falls on its days up to ``d``, and the month-end projection from it.

**Day weights** of month ``M`` for a measure (visits by date, orders by order date,
deliveries by delivery date; settings in ``params/flash.yml``, ``pacing``):

1. *weekday factors* ``f_w``: events per calendar day of weekday ``w`` over the
   ``weekday_months`` full months before ``M`` (days within the measure's data only),
   divided by their mean over the weekdays. The store's own factors are shrunk toward the
   network's: ``f = λ·f_store + (1 − λ)·f_net`` with ``λ = n / (n + store_strength)``, ``n``
   the store's events in that window;
2. *seasonal day factors* ``g_d``: the network's same month a year earlier, each day's count
   divided by ``f_net`` of that day's weekday then (so a holiday stays a holiday while the
   weekdays move), normalised to mean 1 — when the measure's data cover that month and
   began ``warmup_months`` before it (visits: no warm-up). Otherwise the day-of-month
   profile of the ``profile_months`` full months before ``M`` past the warm-up, each month
   de-weekdayed and normalised the same way, averaged per day of the month (month-end
   pushes show here). Without either, ``g_d = 1``;
3. the weight of day ``d`` of ``M`` is ``f_{weekday(d)} · g_d``; the **elapsed share** at
   day ``D`` is ``Σ_{d ≤ D} weight / Σ_d weight``.

**Projection** of a count ``k`` seen by a share ``s`` of the month: the point ``k / s``
(the month at the pace seen so far); the interval is the predictive one of the rest of
the month, ``R ~ Poisson(λ (1 − s))`` with ``λ`` given ``k`` ~ Gamma(``k + ½``, rate ``s``)
(Jeffreys prior), i.e. ``R ~ NegBin(k + ½, s)``: ``k + R`` at its ``(1 ∓ level)/2``
quantiles. Unlike the normal approximation it stays honest at ``k = 0`` early in a month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import nbinom

from ..config import ConfigError, load_yaml
from ..metrics.months import month_bounds, previous_month

#: Measure → (table, date column).
MEASURES = {"visits": ("visits", "date"), "orders": ("orders", "order_date"),
            "deliveries": ("orders", "delivered")}
#: Measures whose own profile a year earlier needs ``warmup_months`` of data before it.
LAGGING = frozenset({"orders", "deliveries"})
NAN = float("nan")


@cache
def flash_config() -> dict[str, Any]:
    """``params/flash.yml``, checked."""
    cfg = load_yaml("flash.yml")
    try:
        p, lv = cfg["pacing"], float(cfg["projection"]["level"])
        ints = [int(p[k]) for k in ("weekday_months", "profile_months", "warmup_months")]
        lists = cfg["action_lists"]
        ints += [int(lists[k]) for k in ("due_days", "lost_review_days", "due_rows",
                                         "overdue_rows", "lost_rows")]
        float(p["store_strength"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"params/flash.yml: missing or malformed setting ({exc})") from None
    if not 0 < lv < 1 or min(ints) < 0:
        raise ConfigError("params/flash.yml: projection.level must lie between 0 and 1 and "
                          "the counts may not be negative")
    return cfg


@dataclass
class Pace:
    """A measure's pacing in month ``month`` up to ``day``."""

    measure: str
    month: str
    day: date
    #: one weight per day of the month
    weights: np.ndarray
    #: share of the month's weight on days up to ``day``
    share: float
    #: how the seasonal day factors were made: last_year, profile or none
    season: str
    #: the store's weight in the weekday factors
    store_weight: float


def weekday_factors(counts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Events per calendar day of each weekday (Monday first) / their mean; weekdays
    without a day in the window get 1, and all ones when nothing happened.

    >>> weekday_factors(np.array([10, 10, 10, 10, 10, 15, 5]), np.array([5] * 7)).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 0.5]
    """
    counts, days = np.asarray(counts, float), np.asarray(days, float)
    rate = np.where(days > 0, counts / np.where(days > 0, days, 1), np.nan)
    if not np.isfinite(rate).any() or np.nansum(rate) <= 0:
        return np.ones(7)
    out = rate / np.nanmean(rate)
    return np.where(np.isfinite(out), out, 1.0)


def shrunk_factors(store: np.ndarray, n_store: float, network: np.ndarray,
                   strength: float) -> tuple[np.ndarray, float]:
    """``λ·store + (1 − λ)·network`` with ``λ = n / (n + strength)``; returns it and λ.

    >>> f, w = shrunk_factors(np.full(7, 2.0), 100, np.ones(7), 100)
    >>> float(f[0]), w
    (1.5, 0.5)
    """
    lam = n_store / (n_store + strength) if n_store + strength > 0 else 0.0
    return lam * np.asarray(store, float) + (1 - lam) * np.asarray(network, float), lam


def month_days(month: str) -> list[date]:
    """The days of ``month``."""
    start, after = month_bounds(month)
    return [start + timedelta(days=i) for i in range((after - start).days)]


def deweekday(days: list[date], counts: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Each day's count / its weekday's factor, normalised to mean 1 (ones when empty).

    >>> d = month_days("2026-02")[:7]  # Sunday 1 to Saturday 7
    >>> deweekday(d, np.array([5, 2, 2, 2, 2, 2, 5.0]), np.array([1, 1, 1, 1, 1, 2.5, 2.5])
    ...           ).round(3).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    f = np.array([factors[d.weekday()] for d in days], float)
    g = np.where(f > 0, np.asarray(counts, float) / np.where(f > 0, f, 1), np.nan)
    if not np.isfinite(g).any() or np.nansum(g) <= 0:
        return np.ones(len(days))
    g = g / np.nanmean(g)
    return np.where(np.isfinite(g), g, 1.0)


def day_weights(month: str, factors: np.ndarray, season: np.ndarray | None) -> np.ndarray:
    """``f_{weekday(d)} · g_d`` for each day of ``month`` (``season`` None: ``g = 1``;
    shorter than the month: its mean for the missing days)."""
    days = month_days(month)
    g = np.ones(len(days))
    if season is not None and len(season):
        g[:min(len(season), len(days))] = season[:len(days)]
        g[len(season):] = float(np.mean(season))
    return np.array([factors[d.weekday()] for d in days]) * g


def elapsed_share(weights: np.ndarray, day_of_month: int) -> float:
    """``Σ weights[:day] / Σ weights`` (the plain day share when all weights are 0).

    >>> elapsed_share(np.array([1.0, 1, 2, 0]), 2)
    0.5
    """
    w = np.asarray(weights, float)
    if w.sum() <= 0:
        return day_of_month / len(w)
    return float(w[:day_of_month].sum() / w.sum())


def _daily(con: duckdb.DuckDBPyConnection, measure: str, store: str, since: date,
           before: date) -> pd.DataFrame:
    """Per date in ``[since, before)``: network and store events of ``measure``."""
    table, col = MEASURES[measure]
    df = con.execute(f"""
        SELECT {col} AS day, count(*) AS net, count(*) FILTER (WHERE store_id = $s) AS own
        FROM {table} WHERE {col} >= $a AND {col} < $b GROUP BY 1 ORDER BY 1""",
        {"s": store, "a": since, "b": before}).df()
    df["day"] = pd.to_datetime(df["day"]).dt.date
    return df.set_index("day")


def _span(con: duckdb.DuckDBPyConnection, measure: str) -> tuple[date | None, date | None]:
    table, col = MEASURES[measure]
    return tuple(con.execute(f"SELECT min({col}), max({col}) FROM {table}").fetchone())


def _weekday_window(daily: pd.DataFrame, first: date, start: date, end: date
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Network and store events and calendar days per weekday in ``[start, end)`` from
    ``first`` (the measure's first date) on."""
    net, own, days = np.zeros(7), np.zeros(7), np.zeros(7)
    d = max(start, first)
    while d < end:
        days[d.weekday()] += 1
        if d in daily.index:
            net[d.weekday()] += daily.at[d, "net"]
            own[d.weekday()] += daily.at[d, "own"]
        d += timedelta(days=1)
    return net, own, days


def _counts(daily: pd.DataFrame, days: list[date]) -> np.ndarray:
    return np.array([daily.at[d, "net"] if d in daily.index else 0 for d in days], float)


def season_factors(daily: pd.DataFrame, month: str, first: date, last: date,
                   net_f: np.ndarray, measure: str, cfg: dict) -> tuple[np.ndarray | None, str]:
    """The seasonal day factors ``g`` of ``month`` and how they were made (rule 2)."""
    warm = int(cfg["warmup_months"]) if measure in LAGGING else 0
    ly = previous_month(month, 12)
    ly_start, ly_after = month_bounds(ly)
    if first <= month_bounds(previous_month(ly, warm))[0] and last >= ly_after - timedelta(1):
        days = month_days(ly)
        counts = _counts(daily, days)
        if counts.sum() > 0:
            return deweekday(days, counts, net_f), "last_year"
    profiles = []
    for k in range(1, int(cfg["profile_months"]) + 1):
        m = previous_month(month, k)
        if first > month_bounds(previous_month(m, warm))[0]:
            continue
        days = month_days(m)
        counts = _counts(daily, days)
        if counts.sum() > 0:
            profiles.append(np.pad(deweekday(days, counts, net_f), (0, 31 - len(days)),
                                   constant_values=np.nan))
    if not profiles:
        return None, "none"
    return np.nanmean(np.vstack(profiles), axis=0), "profile"


def pace(con: duckdb.DuckDBPyConnection, store: str, day: date, measure: str) -> Pace:
    """``measure``'s pacing of ``store`` in ``day``'s month up to ``day`` (module
    docstring); ``con`` holds the data as they stood on ``day``."""
    cfg = flash_config()["pacing"]
    month = day.strftime("%Y-%m")
    start, _ = month_bounds(month)
    first, last = _span(con, measure)
    wk_start = month_bounds(previous_month(month, int(cfg["weekday_months"])))[0]
    since = min(wk_start, month_bounds(previous_month(month, 12))[0],
                month_bounds(previous_month(month, int(cfg["profile_months"])))[0])
    if first is None:
        weights = np.ones(len(month_days(month)))
        return Pace(measure, month, day, weights, elapsed_share(weights, day.day), "none", 0.0)
    daily = _daily(con, measure, store, since, start)
    net, own, days = _weekday_window(daily, first, wk_start, start)
    net_f = weekday_factors(net, days)
    f, lam = shrunk_factors(weekday_factors(own, days), own.sum(), net_f,
                            float(cfg["store_strength"]))
    season, how = season_factors(daily, month, first, last, net_f, measure, cfg)
    weights = day_weights(month, f, season)
    return Pace(measure, month, day, weights, elapsed_share(weights, day.day), how, lam)


def project(done: float, share: float, level: float) -> dict[str, float]:
    """Month-end projection of ``done`` events seen by ``share`` of the month: ``point``
    (``done / share``), ``low`` and ``high`` (the ``level`` predictive interval, module
    docstring); NaN when ``share`` is not positive.

    >>> p = project(10, 0.5, 0.8)
    >>> p["point"], p["low"] <= 20 <= p["high"]
    (20.0, True)
    >>> project(7, 1.0, 0.8)["high"]
    7.0
    """
    if not (math.isfinite(share) and share > 0) or not math.isfinite(done):
        return {"point": NAN, "low": NAN, "high": NAN}
    if share >= 1:
        return {"point": float(done), "low": float(done), "high": float(done)}
    rest = nbinom(done + 0.5, share)
    return {"point": done / share, "low": done + float(rest.ppf((1 - level) / 2)),
            "high": done + float(rest.ppf((1 + level) / 2))}
