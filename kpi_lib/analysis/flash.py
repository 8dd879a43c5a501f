"""The flash (销售快报, issue 17.4): month to date against the paced target, the month-end
projection, leading indicators against the achievement path, consultants' pace.

Everything is computed on the data as they stood on the flash date ``D``
(:func:`kpi_lib.analysis.flash_cut.cut_connection`), for the month ``M`` holding ``D``:

- **Month to date**: registry counts of ``M`` on the cut data (``visits``, ``test_drives``,
  ``orders``, ``deliveries`` …: everything up to ``D``).
- **Paced target**: the month's delivery target (registry ``target_units``) × the
  deliveries' elapsed share at ``D`` (:mod:`kpi_lib.analysis.flash_pacing`: weekday- and
  seasonality-aware); pace = deliveries / paced target.
- **Projection**: :func:`kpi_lib.analysis.flash_pacing.project` of the deliveries at that
  share, with its interval (``projection.level`` of ``params/flash.yml``). The target is
  **at risk** when the interval's upper end is below it, **on track** when its lower end
  reaches it, else **open** (the target lies inside the interval).
- **Leading indicators against the path**: the achievement path
  (:func:`kpi_lib.analysis.plan_path.reverse_funnel`) from the month's target, at the
  store's rates of the three full months before ``M`` shrunk toward its peers
  (:func:`kpi_lib.analysis.plan_path.funnel_rates`), gives each stage's need for the whole
  month; the need *by now* is that × the elapsed share of the stage's own measure (visits'
  profile for visits, leads, test drives, negotiations; orders' for orders; deliveries'
  for deliveries). H/A stock is a level, not a flow: the open H and A leads on the as-of
  date against the path's orders × the store's usual H/A stock per monthly order (open
  H/A leads at the ends of the same three months / their orders, both summed).
- **Consultants**: each consultant's delivery target for ``M`` (``targets`` rows with a
  ``consultant_id``), paced by the same share, their deliveries and orders to date, and
  their open H/A and overdue leads.

A value that cannot be computed is NaN with a reason in ``reasons`` (no target, no pace,
no rate), never 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from ..metrics.cube import compute_cube
from ..metrics.months import month_bounds, previous_month
from ..metrics.network_cache import remembered
from ..metrics.relation_tables import as_of_date, relation_rows
from .action_lists import HOT, ActionLists, load_action_lists
from .flash_pacing import Pace, flash_config, pace, project
from .plan_path import funnel_rates, pooled_cube, reverse_funnel

NAN = float("nan")
#: Indicator rows: registry count → the measure whose pacing gives its need by now.
INDICATORS: dict[str, str] = {"visits": "visits", "new_leads": "visits",
                              "test_drives": "visits", "negotiations": "visits",
                              "orders": "orders", "deliveries": "deliveries"}
COUNTS = (*INDICATORS, "walk_in_orders", "carried_orders", "target_units")
RECENT = 3


def _fin(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # numpy integers are no ints
    except (TypeError, ValueError):
        return False


@dataclass
class Flash:
    """A store's flash on a day (language-free; customer data masked)."""

    store: str
    day: date
    month: str
    as_of: date
    days_in_month: int
    paces: dict[str, Pace]
    #: registry counts of the month to date (NaN: n/a)
    mtd: dict[str, float]
    target: float
    paced_target: float
    #: deliveries / paced target
    pace_ratio: float
    #: point, low, high of the month-end deliveries
    projection: dict[str, float]
    level: float
    #: at_risk, on_track, open, no_target or no_projection
    status: str
    #: indicator, actual, month_need, need_by_now, share (NaN where n/a) — incl. ha_stock
    indicators: pd.DataFrame
    #: the path's stages (stage, required, rate_to_next) or [] without a target
    path: list[dict[str, Any]]
    #: consultant_id, name, target, paced_target, deliveries, pace, orders, ha_open, due
    #: (H/A leads due within the action lists' window), overdue
    consultants: pd.DataFrame
    lists: ActionLists
    #: key (e.g. "target", "path", "ha_stock") → reason code when it is n/a
    reasons: dict[str, str] = field(default_factory=dict)


def target_status(low: float, high: float, target: float) -> str:
    """at_risk (``high < target``), on_track (``low ≥ target``), open, or no_target /
    no_projection.

    >>> target_status(80, 95, 100), target_status(100, 120, 100), target_status(90, 110, 100)
    ('at_risk', 'on_track', 'open')
    """
    if not _fin(target):
        return "no_target"
    if not (_fin(low) and _fin(high)):
        return "no_projection"
    return "at_risk" if high < target else "on_track" if low >= target else "open"


def _recent_full_months(month: str, first_month: str | None) -> list[str]:
    out = [previous_month(month, k) for k in range(RECENT, 0, -1)]
    return [m for m in out if first_month is not None and m >= first_month]


def _path(con: duckdb.DuckDBPyConnection, store: str, month: str, target: float,
          carried: float, reasons: dict[str, str]) -> list[dict[str, Any]]:
    """The reverse funnel from ``target`` at the store's recent shrunk rates."""
    if not _fin(target):
        reasons["path"] = "no_target"
        return []
    recent = _recent(con, month)
    if not recent:
        reasons["path"] = "no_history"
        return []
    cube = compute_cube(con, recent)
    pooled = pooled_cube(cube, recent[-1])
    stores = con.execute("SELECT * FROM stores ORDER BY store_id").df()
    # every store's rates at once: the same frame for each store's flash of the day
    rates = remembered(con, ("flash_rates", *recent), lambda: funnel_rates(pooled, stores))
    mine = rates[rates["store_id"] == store].set_index("rate")["used"].to_dict()
    counts = pooled[pooled["store_id"] == store].set_index("metric")["value"]
    orders = float(counts.get("orders", NAN))
    share = float(counts.get("walk_in_orders", NAN)) / orders if orders > 0 else NAN
    path = reverse_funnel(target, carried if _fin(carried) else 0.0, mine, share)
    if not all(_fin(s["required"]) for s in path):
        reasons["path"] = "no_rates"
    return path


def _recent(con: duckdb.DuckDBPyConnection, month: str) -> list[str]:
    """The (up to three) full months before ``month`` from the first month with visits."""
    first = con.execute("SELECT strftime(min(date), '%Y-%m') FROM visits").fetchone()[0]
    return _recent_full_months(month, first)


def stock_per_order(con: duckdb.DuckDBPyConnection, store: str, month: str
                    ) -> tuple[float, float, float]:
    """Open H/A leads at the ends of the recent months, their orders, and the ratio
    (NaN without orders)."""
    recent = _recent(con, month)
    if not recent:
        return NAN, NAN, NAN
    stock = sum(int(relation_rows(con, "lead_stock", m, store)["grade"].isin(HOT).sum())
                for m in recent)
    cube = compute_cube(con, recent, [store], metrics=["orders"])
    orders = float(cube.loc[cube["metric"] == "orders", "value"].sum())
    return float(stock), orders, stock / orders if orders > 0 else NAN


def _indicators(mtd: dict[str, float], path: list[dict[str, Any]], paces: dict[str, Pace],
                ha_open: int, ratio: float) -> pd.DataFrame:
    need = {s["stage"]: s["required"] for s in path}
    rows = []
    for metric, measure in INDICATORS.items():
        month_need = need.get(metric, NAN)
        share = paces[measure].share
        rows.append({"indicator": metric, "actual": mtd.get(metric, NAN),
                     "month_need": month_need, "share": share,
                     "need_by_now": month_need * share if _fin(month_need) else NAN})
    orders = need.get("orders", NAN)
    rows.append({"indicator": "ha_stock", "actual": float(ha_open), "month_need": NAN,
                 "share": NAN, "need_by_now": orders * ratio if _fin(ratio) else NAN,
                 "ratio": ratio})
    return pd.DataFrame(rows)


def _consultants(con: duckdb.DuckDBPyConnection, store: str, month: str, as_of: date,
                 share: float, stock: pd.DataFrame) -> pd.DataFrame:
    start, after = month_bounds(month)
    df = con.execute("""
        WITH t AS (SELECT consultant_id, sum(units) AS target FROM targets
                   WHERE store_id = $s AND month = $m AND consultant_id IS NOT NULL GROUP BY 1),
        d AS (SELECT consultant_id, count(*) FILTER (WHERE delivered >= $a AND delivered <= $e)
                     AS deliveries,
                     count(*) FILTER (WHERE order_date >= $a AND order_date <= $e) AS orders
              FROM orders WHERE store_id = $s GROUP BY 1)
        SELECT c.consultant_id, c.name, t.target, coalesce(d.deliveries, 0) AS deliveries,
               coalesce(d.orders, 0) AS orders
        FROM consultants c LEFT JOIN t USING (consultant_id) LEFT JOIN d USING (consultant_id)
        WHERE c.store_id = $s AND (c."left" IS NULL OR c."left" >= $a)
          AND (t.target IS NOT NULL OR coalesce(d.deliveries, 0) + coalesce(d.orders, 0) > 0
               OR coalesce(c.role, 'sales') = 'sales')
        ORDER BY c.consultant_id""", {"s": store, "m": month, "a": start, "e": as_of}).df()
    df["paced_target"] = df["target"].astype(float) * share
    df["pace"] = [d / p if _fin(p) and p > 0 else NAN
                  for d, p in zip(df["deliveries"], df["paced_target"], strict=True)]
    hot = stock[stock["grade"].isin(HOT)].groupby("consultant_id").size()
    late = stock[stock["overdue"].fillna(False).astype(bool)].groupby("consultant_id").size()
    df["ha_open"] = df["consultant_id"].map(hot).fillna(0).astype(int)
    df["overdue"] = df["consultant_id"].map(late).fillna(0).astype(int)
    return df[["consultant_id", "name", "target", "paced_target", "deliveries", "pace",
               "orders", "ha_open", "overdue"]]


def load_flash(con: duckdb.DuckDBPyConnection, store: str, day: date) -> Flash:
    """``store``'s flash on ``day``; ``con`` holds the data cut at ``day``."""
    month = day.strftime("%Y-%m")
    start, after = month_bounds(month)
    level = float(flash_config()["projection"]["level"])
    reasons: dict[str, str] = {}
    paces = {m: pace(con, store, day, m) for m in ("visits", "orders", "deliveries")}
    cube = compute_cube(con, month, [store], metrics=list(COUNTS)).set_index("metric")
    mtd = {m: float(cube.at[m, "value"]) if m in cube.index else NAN for m in COUNTS}
    target = mtd["target_units"]
    if not _fin(target):
        reasons["target"] = "no_target"
    share = paces["deliveries"].share
    done = mtd["deliveries"]
    paced = target * share if _fin(target) else NAN
    projection = project(done, share, level)
    if not _fin(projection["point"]):
        reasons["projection"] = "no_pace"
    as_of = as_of_date(con, month)
    stock = relation_rows(con, "lead_stock", month, store)
    ha_open = int(stock["grade"].isin(HOT).sum())
    path = _path(con, store, month, target, mtd["carried_orders"], reasons)
    ratio = stock_per_order(con, store, month)[2]
    if not _fin(ratio):
        reasons["ha_stock"] = "no_history"
    lists = load_action_lists(con, store, day)
    people = _consultants(con, store, month, as_of, share, stock)
    people.insert(8, "due", people["consultant_id"].map(
        lists.due.groupby("consultant_id").size()).fillna(0).astype(int))
    return Flash(
        store=store, day=day, month=month, as_of=as_of, days_in_month=(after - start).days,
        paces=paces, mtd=mtd, target=target, paced_target=paced,
        pace_ratio=done / paced if _fin(paced) and paced > 0 else NAN,
        projection=projection, level=level,
        status=target_status(projection["low"], projection["high"], target),
        indicators=_indicators(mtd, path, paces, ha_open, ratio), path=path,
        consultants=people, lists=lists, reasons=reasons)
