"""How far each store's data run into a month (月度进度): a month still running is not a
month that failed.

**A store's data end** (:func:`store_data_end`) is the store's own last register date: the
latest of its visit dates, call dates, lead creation dates, follow-up dates (through the
lead's store), order dates and delivery dates. It is the store's, not the network's: when one
store's export stops early, only that store's months are incomplete.

**Elapsed share** (:func:`month_elapsed`) of a month for a store whose data end ``e`` falls
inside it: the share of the month's expected traffic that falls on the days ``1 … e``
(:func:`day_weights`):

1. when the network's visit data span the same month a year earlier (its first visit on or
   before that month's first day, its last on or after that month's last day) and it has
   visits, each day weighs what the same day of the month had then (network visits): this
   keeps fixed-date holidays — in the demo, 1–10 October holds 46% of the month's visits
   (国庆), not the 32% that the weekdays alone give. Orders and deliveries
   (:data:`MEASURES`) may use their own profile the same way, when their data began
   ``WARMUP_MONTHS`` before that month (a new pipeline delivers little at first);
2. otherwise each day is weighted by the network's weekday pattern of visits — the mean
   number of visits (all stores) per calendar day of that weekday over the ``lookback``
   full months before the month (only days from the network's first to its last visit in
   that window);
3. without any visit in that window every day weighs the same (plain day share
   ``e / days in month``).

- complete: the data end is on or after the month's last day (share 1) — or within
  ``GRACE_DAYS`` of it while the network's data run to the month's end or beyond (a quiet
  last day or two is not an export that stopped early);
- partial: the data end falls inside the month (0 < share < 1, or 1 when the weights of the
  remaining days are all zero);
- no data in the month: the store's data end is before the month's first day, or the store
  has no dated row at all (data end None, share NaN, not complete) — unless the brand
  workbook holds the store's month: its rows are whole-month totals, so that month is
  complete (data end its last day).

A month-to-date count ``k`` is "paced" as ``k / elapsed_share``: what the whole month would
hold if the rest of it ran like the days already seen (按进度折算).

**A period** of several months (:mod:`kpi_lib.metrics.periods`) runs as far as its last
month: complete when that month is, else partial with the elapsed share of its whole
months and of the last month's elapsed share, each month weighted by its days
(:func:`period_share`); ``days_elapsed`` and ``days_in_month`` count the period's days.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from .months import month_bounds, previous_month
from .network_cache import remembered
from .periods import is_month, period_bounds, period_months

#: Full months before the report month whose visits give the weekday pattern.
LOOKBACK_MONTHS = 3
#: Days before the month's end a store's data may stop and the month still count as
#: complete, when the network's data run to the end (see the module docstring).
GRACE_DAYS = 2
#: Months of data an order or delivery profile a year earlier needs before it (rule 1).
WARMUP_MONTHS = 3

_DATA_SPAN_SQL = """
    SELECT store_id, min(d0) AS data_start, max(d1) AS data_end FROM (
        SELECT store_id, min(date) AS d0, max(date) AS d1 FROM visits GROUP BY store_id
        UNION ALL SELECT store_id, min(date), max(date) FROM calls GROUP BY store_id
        UNION ALL SELECT store_id, min(created), max(created) FROM leads GROUP BY store_id
        UNION ALL SELECT l.store_id, min(f.date), max(f.date) FROM followups f
                  JOIN leads l ON l.lead_id = f.lead_id GROUP BY l.store_id
        UNION ALL SELECT store_id, min(order_date), greatest(max(order_date), max(delivered))
                  FROM orders GROUP BY store_id)
    WHERE store_id IS NOT NULL
    GROUP BY store_id ORDER BY store_id
"""


def _span_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return remembered(con, ("store_data_span",), lambda: con.execute(_DATA_SPAN_SQL).df())


def _as_date(v: object) -> date | None:
    if v is None or (not isinstance(v, date) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date()


def _stores(con: duckdb.DuckDBPyConnection) -> dict[str, date | None]:
    return {str(s): None for (s,) in con.execute(
        "SELECT store_id FROM stores WHERE store_id IS NOT NULL").fetchall()}


def store_data_start(con: duckdb.DuckDBPyConnection) -> dict[str, date | None]:
    """Each store's own first register date (same tables as :func:`store_data_end`)."""
    out = _stores(con)
    for store, start in zip(*(_span_frame(con)[c] for c in ("store_id", "data_start")),
                            strict=True):
        out[str(store)] = _as_date(start)
    return out


def store_data_end(con: duckdb.DuckDBPyConnection) -> dict[str, date | None]:
    """Each store's own last register date (see the module docstring); one query.

    Stores of the ``stores`` table without any dated row map to None.
    """
    out = _stores(con)
    for store, end in zip(*(_span_frame(con)[c] for c in ("store_id", "data_end")),
                          strict=True):
        out[str(store)] = _as_date(end)
    return out


def weekday_weights(con: duckdb.DuckDBPyConnection, month: str,
                    lookback: int = LOOKBACK_MONTHS) -> np.ndarray:
    """Seven weights (Monday first): the network's mean visits per calendar day of each
    weekday over the ``lookback`` months before ``month`` (days within the network's visit
    data only). All ones when that window has no visit, and 0 weights are kept for weekdays
    that had no visit at all."""
    start, _ = month_bounds(month)
    window_start = month_bounds(previous_month(month, lookback))[0]

    def build() -> pd.DataFrame:
        return con.execute("""
            SELECT isodow(date) AS dow, count(*) AS n, min(min(date)) OVER () AS first,
                   max(max(date)) OVER () AS last
            FROM visits WHERE date >= ? AND date < ? GROUP BY 1 ORDER BY 1""",
            [window_start, start]).df()

    frame = remembered(con, ("weekday_visits", str(window_start), str(start)), build)
    if frame.empty:
        return np.ones(7)
    first, last = _as_date(frame["first"].iloc[0]), _as_date(frame["last"].iloc[0])
    visits = np.zeros(7)
    for dow, n in zip(frame["dow"], frame["n"], strict=True):
        visits[int(dow) - 1] = float(n)
    days = np.zeros(7)
    d = first
    while d <= last:
        days[d.weekday()] += 1
        d += timedelta(days=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = np.where(days > 0, visits / np.where(days > 0, days, 1), np.nan)
    if np.isnan(weights).any():  # a weekday absent from a short window: plain share for it
        weights = np.where(np.isnan(weights), np.nanmean(weights), weights)
    return weights if weights.sum() > 0 else np.ones(7)


#: What a share can be of: measure -> (table, date column). Visits by default; orders and
#: deliveries have intra-month profiles of their own (few deliveries during a holiday).
MEASURES = {"visits": ("visits", "date"), "orders": ("orders", "order_date"),
            "deliveries": ("orders", "delivered")}


def day_weights(con: duckdb.DuckDBPyConnection, month: str,
                lookback: int = LOOKBACK_MONTHS, measure: str = "visits") -> np.ndarray:
    """One weight per day of ``month`` (rule 1, else 2, else 3 of the module docstring).
    ``measure`` (:data:`MEASURES`) names whose profile a year earlier rule 1 uses (its own
    date column spanning that month); rules 2 and 3 always use visits."""
    start, after = month_bounds(month)
    n_days = (after - start).days
    ly_start, ly_after = month_bounds(previous_month(month, 12))
    table, col = MEASURES[measure]
    # orders and deliveries lag the pipeline: their profile a year earlier counts only when
    # their data began WARMUP_MONTHS before that month (deliveries of a store's first weeks
    # are few whatever the calendar)
    since = ly_start if measure == "visits" else month_bounds(
        previous_month(month, 12 + WARMUP_MONTHS))[0]

    def build() -> pd.DataFrame:
        return con.execute(f"""
            WITH span AS (SELECT min({col}) AS first, max({col}) AS last FROM {table})
            SELECT day(v.{col}) AS d, count(*) AS n FROM {table} v, span
            WHERE v.{col} >= ? AND v.{col} < ? AND span.first <= ? AND span.last >= ?
            GROUP BY 1 ORDER BY 1""",
            [ly_start, ly_after, since, ly_after - timedelta(days=1)]).df()

    same = remembered(con, (f"{measure}_by_day", str(ly_start), str(since)), build)
    if len(same) and same["n"].sum() > 0:
        counts = np.zeros(n_days)
        for d, n in zip(same["d"], same["n"], strict=True):
            if int(d) <= n_days:
                counts[int(d) - 1] = float(n)
        if n_days > (ly_after - ly_start).days:  # 29 February: the month's mean day
            counts[(ly_after - ly_start).days:] = counts.sum() / (ly_after - ly_start).days
        return counts
    weekday = weekday_weights(con, month, lookback)
    return np.array([weekday[(start + timedelta(days=i)).weekday()] for i in range(n_days)])


def elapsed_share(month: str, data_end: date, weights: np.ndarray | None = None) -> float:
    """Share of ``month``'s weight on days up to ``data_end`` (1 at or after its last day,
    0 before its first). ``weights``: seven weekday weights (Monday first), one weight per
    day of the month, or None (every day the same).

    >>> elapsed_share("2026-10", date(2026, 10, 10))  # plain day share 10/31
    0.3225806451612903
    """
    start, after = month_bounds(month)
    n_days = (after - start).days
    w = np.ones(7) if weights is None else np.asarray(weights, dtype=float)
    day_w = (list(w) if len(w) == n_days and len(w) != 7 else
             [w[(start + timedelta(days=i)).weekday()] for i in range(n_days)])
    total = float(sum(day_w))
    if data_end >= after - timedelta(days=1):
        return 1.0
    if data_end < start:
        return 0.0
    if total <= 0:
        return ((data_end - start).days + 1) / n_days
    return float(sum(day_w[: (data_end - start).days + 1])) / total


def month_elapsed(con: duckdb.DuckDBPyConnection, month: str,
                  lookback: int = LOOKBACK_MONTHS, measure: str = "visits") -> pd.DataFrame:
    """Per store: ``store_id, data_end, days_elapsed, days_in_month, elapsed_share,
    complete`` for ``month`` (definitions in the module docstring).

    ``data_end`` is the store's own last register date (it may lie after the month);
    ``days_elapsed`` counts the month's days up to it (all of them when complete, 0 and
    ``data_end`` None when the store has no data in or after the month). ``measure``:
    whose profile weighs the days (:func:`day_weights`; the visits by default). A period
    of several months: see the module docstring.
    """
    if not is_month(month):
        return _period_elapsed(con, month, lookback, measure)
    start, after = month_bounds(month)
    last, n_days = after - timedelta(days=1), (after - start).days
    ends = store_data_end(con)
    known = [e for e in ends.values() if e is not None]
    network_done = bool(known) and max(known) >= last
    weights = day_weights(con, month, lookback, measure)
    rows = []
    for store, end in sorted(ends.items()):
        if end is None or end < start:
            rows.append((store, None, 0, n_days, float("nan"), False))
            continue
        complete = end >= last or (network_done and end >= last - timedelta(days=GRACE_DAYS))
        elapsed = n_days if complete else (end - start).days + 1
        share = 1.0 if complete else elapsed_share(month, end, weights)
        rows.append((store, end, elapsed, n_days, share, bool(complete)))
    return pd.DataFrame(rows, columns=["store_id", "data_end", "days_elapsed",
                                       "days_in_month", "elapsed_share", "complete"])


def period_share(period: str, last_share: float) -> float:
    """The elapsed share of ``period`` when its last month's is ``last_share``: its whole
    months and the last month's share of its days, each month weighted by its days.

    >>> period_share("2026-Q4", 0.5)  # (31 + 30 + 31 × 0.5) / 92
    0.8315217391304348
    """
    start, after = period_bounds(period)
    last_start, last_after = month_bounds(period_months(period)[-1])
    before = (last_start - start).days
    return (before + (last_after - last_start).days * last_share) / (after - start).days


def _period_elapsed(con: duckdb.DuckDBPyConnection, period: str, lookback: int,
                    measure: str) -> pd.DataFrame:
    """:func:`month_elapsed` of a period of several months (from its last month's)."""
    months = period_months(period)
    start, after = period_bounds(period)
    frame = month_elapsed(con, months[-1], lookback, measure)
    before = (month_bounds(months[-1])[0] - start).days
    seen = frame["data_end"].notna() | (frame["days_elapsed"] > 0)
    frame["days_elapsed"] = np.where(seen | frame["complete"],
                                     before + frame["days_elapsed"], 0)
    frame["days_in_month"] = (after - start).days
    frame["elapsed_share"] = [period_share(period, s) if not np.isnan(s) else s
                              for s in frame["elapsed_share"].astype(float)]
    return frame


def _workbook_month(con: duckdb.DuckDBPyConnection, store: str, month: str) -> bool:
    """The brand workbook has ``store``'s ``month`` (a whole month of monthly totals)."""
    try:
        return bool(con.execute("SELECT count(*) FROM workbook_kpis WHERE store_id = ? "
                                "AND month = ?", [store, month]).fetchone()[0])
    except duckdb.CatalogException:  # a connection without the workbook table
        return False


def store_month(con: duckdb.DuckDBPyConnection, store: str, month: str) -> dict:
    """:func:`month_elapsed`'s row for ``store`` as a dict (the no-data row when the store
    is unknown), plus ``last_date``: the store's own last register date even when it falls
    before the month (None without any dated row), and ``share_orders`` /
    ``share_deliveries``: the elapsed share by the orders' and the deliveries' profiles."""
    frame = month_elapsed(con, month)
    row = frame[frame["store_id"] == store]
    if row.empty:
        start, after = period_bounds(month)
        out = {"store_id": store, "data_end": None, "days_elapsed": 0,
               "days_in_month": (after - start).days, "elapsed_share": float("nan"),
               "complete": False}
    else:
        out = row.iloc[0].to_dict()
        out["complete"] = bool(out["complete"])
        out["data_end"] = _as_date(out["data_end"])
    out["last_date"] = store_data_end(con).get(store)
    if out["data_end"] is None and _workbook_month(con, store, period_months(month)[-1]):
        # the brand workbook holds the whole month (its rows are monthly totals)
        start, after = period_bounds(month)
        last = after - timedelta(days=1)
        out.update(data_end=last, days_elapsed=(after - start).days, elapsed_share=1.0,
                   complete=True)
        if out["last_date"] is None or out["last_date"] < last:
            out["last_date"] = last
    for measure in ("orders", "deliveries"):
        end = out["data_end"]
        out[f"share_{measure}"] = (
            float("nan") if end is None else 1.0 if out["complete"] else
            _share(con, month, end, measure))
    return out


def months_of_history(data_start: date | None, month: str) -> int:
    """Whole months of the store's data before ``month`` (0 when ``month`` is its first
    month with data or earlier, or the store has no data).

    >>> months_of_history(date(2025, 9, 14), "2025-11"), months_of_history(None, "2025-11")
    (2, 0)
    """
    if data_start is None:
        return 0
    first = data_start.year * 12 + data_start.month
    month = period_months(month)[0]  # a period's stocks are those at its start
    return max(0, int(month[:4]) * 12 + int(month[5:]) - first)


def history_incomplete(data_start: date | None, month: str, warmup: int) -> bool:
    """True when ``month`` lies within the first ``warmup`` months of the store's data
    (its first month with data counts as the first): stocks carried into the month (leads
    and orders open at its start) then miss whatever was created before the data begin.

    >>> [history_incomplete(date(2025, 9, 1), m, 3) for m in ("2025-09", "2025-11", "2025-12")]
    [True, True, False]
    """
    return data_start is None or months_of_history(data_start, month) < warmup


def _share(con: duckdb.DuckDBPyConnection, period: str, end: date, measure: str) -> float:
    """The elapsed share of ``period`` at ``end`` by ``measure``'s profile."""
    last = period_months(period)[-1]
    share = elapsed_share(last, end, day_weights(con, last, measure=measure))
    return share if is_month(period) else period_share(period, share)


#: n/a reason of a period the store's data begin inside (its totals are incomplete).
PARTIAL_HISTORY = "partial_history"


def mark_partial_periods(cube: pd.DataFrame, data_start: date | None) -> pd.DataFrame:
    """The cube with every KPI of a period of several months that begins before the
    store's first month with data set n/a (``partial_history``): a total over part of a
    period is not comparable with a whole one. Months are left as they are."""
    if data_start is None:
        return cube
    first = data_start.strftime("%Y-%m")
    cut = cube["month"].map(lambda p: not is_month(p) and period_months(p)[0] < first)
    out = cube.copy()
    out.loc[cut, ["numerator", "denominator", "value"]] = float("nan")
    out.loc[cut, "na_reason"] = PARTIAL_HISTORY
    return out
