"""The KPI cube: every registry metric for every store and month, in one SQL pass.

The SQL is generated from the declarations in :mod:`kpi_lib.metrics.registry`: one grouped query
per (table, period, date column), with a ``FILTER`` clause per measure, joined to the
requested months (``in_month`` by the row's month start, ``month_is`` by the month
string, ``open_at_start`` by ``date < first day of M``, i.e. table × months — never a
quadratic self-join). Ratios are then computed from the measures, vectorised.

A store-month for which the registers have no row (no visit, call, lead, order or
marketing row of that store in that month) but the brand workbook (``workbook_kpis``,
:mod:`kpi_lib.ingest.brand_workbook`) has values takes its input metrics (``workbook.BASE_METRICS``)
from the workbook; every other count/sum of it is n/a (``no_data``), except targets.
There ``orders`` = orders_new_leads + orders_carried_leads (the template's
本月产生订单合计数; see ``workbook.WORKBOOK_SUMS``). The ratios are then derived from the
registry as usual, with one definition for both paths: ``lead_capture_rate`` = new_leads /
visits is also the template's 留有资料比例, and ``visit_capture_rate`` (the register flag's
share) is n/a there, since the workbook has no such flag.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..ingest.brand_workbook import BASE_METRICS, WORKBOOK_SUMS
from ..ingest.kpi_types import LOOKUPS, Metric
from ..ingest.warehouse import present_pairs
from . import network_cache
from .cube_sql import (
    GRAINS,
    NOT_AT_GRAIN,
    cube_sql,
    measure_available,
    relation_inputs,
)
from .periods import period_list, period_months
from .registry import REGISTRY
from .relation_tables import relation_source
from .relations import relations

CUBE_COLUMNS = ("store_id", "month", "metric", "numerator", "denominator", "value",
                "na_reason")
NO_DATA = "no_data"
ZERO_DENOMINATOR = "zero_denominator"

#: Tables whose rows for a store and month mean the registers cover that month; only
#: store-months without any take the brand workbook's values.
_RAW_TABLES = ("visits", "calls", "leads", "orders", "marketing")

def compute_cube(
    con: duckdb.DuckDBPyConnection,
    months: str | Sequence[str],
    stores: Sequence[str] | None = None,
    *,
    extra: Sequence[Metric] = (),
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every registry metric for every store (of the ``stores`` table) and month.

    The KPIs over lead-months and callers (:data:`ON_DEMAND`: the lead stock by grade,
    follow-up compliance, the phone invite-to-visit rate) cost a pass over every lead and
    follow-up per month, so they are computed when named in ``metrics`` (``list(REGISTRY)``:
    everything), not by default.

    Parameters
    ----------
    con : the warehouse connection (tables of ``kpi_lib.ingest.warehouse``)
    months : one month ``YYYY-MM`` or several
    stores : restrict to these store ids (default: every store of the ``stores`` table)
    extra : metrics declared outside the registry (:func:`kpi_lib.metrics.registry.declare`),
        computed after the registry's, in the same pass
    metrics : only these registry ids (and the parts of the ratios among them); None:
        every registry KPI but :data:`ON_DEMAND`

    Returns
    -------
    DataFrame with columns ``store_id, month, metric, numerator, denominator, value,
    na_reason``, one row per store × month × metric (registry order). Count and sum
    metrics carry their total in ``numerator`` and ``value``, ``denominator`` NaN.
    A ratio is

    .. math:: value = \\frac{\\sum numerator}{\\sum denominator}

    and is NaN with ``na_reason`` ``"zero_denominator"`` when the denominator is 0, or
    ``"no_data"`` when a part is n/a (an optional column or table absent, no marketing
    row for the month, no target). ``na_reason`` is None otherwise.
    """
    month_list = period_list(months)
    registry = _subset(metrics)
    if extra:
        return _compute_cube(con, month_list, stores, {**registry, **{m.id: m for m in extra}})
    if network_cache.enabled():
        full = network_cache.remembered(con, ("cube", tuple(registry), *month_list),
                          lambda: _compute_cube(con, month_list, None, registry))
        if stores is None:
            return full.copy()
        return full[full["store_id"].isin([str(s) for s in stores])].reset_index(drop=True)
    return _compute_cube(con, month_list, stores, registry)


def _on_demand() -> frozenset[str]:
    per_month = {r.name for r in relations().values() if r.per_month}
    base = {i for i, m in REGISTRY.items() if m.measure and m.measure.table in per_month}
    return frozenset(base | {i for i, m in REGISTRY.items()
                             if m.type == "ratio" and {m.numerator, *m.denominator} & base})


#: Registry KPIs computed only when named (see :func:`compute_cube`).
ON_DEMAND: frozenset[str] = _on_demand()


def _subset(metrics: Sequence[str] | None) -> dict[str, Metric]:
    """The registry restricted to ``metrics`` and their parts (None: all but ON_DEMAND)."""
    if metrics is None:
        return {i: m for i, m in REGISTRY.items() if i not in ON_DEMAND}
    unknown = [i for i in metrics if i not in REGISTRY]
    if unknown:
        raise ParameterError(f"unknown metric id(s): {', '.join(unknown)}")
    wanted = {p for i in metrics for p in (i, REGISTRY[i].numerator, *REGISTRY[i].denominator)
              if p}
    return {i: m for i, m in REGISTRY.items() if i in wanted}


def _compute_cube(con: duckdb.DuckDBPyConnection, month_list: list[str],
                  stores: Sequence[str] | None,
                  registry: dict[str, Metric] = REGISTRY) -> pd.DataFrame:
    store_filter = stores is not None
    present = present_pairs(con)
    measures = [m for m in registry.values() if m.measure is not None]
    available = [m for m in measures if measure_available(m.measure, present)]  # type: ignore[arg-type]
    sql = cube_sql(month_list, available, store_filter,
                   sources=_sources(con, available, month_list))
    params = {"stores": [str(s) for s in stores]} if store_filter else None
    wide = con.execute(sql, params).df()
    parts = _parts(wide, measures, available)
    _apply_workbook(con, wide, parts, available, month_list, registry)
    return derive_cube(wide["store_id"].to_numpy(dtype=object),
                       wide["month"].to_numpy(dtype=object), parts, registry)


def _sources(con: duckdb.DuckDBPyConnection, measures: list[Metric],
             months: list[str]) -> dict[str, str]:
    """Where each relation the ``measures`` count is read (:func:`relation_source`)."""
    rels = relations()
    months = [m for p in months for m in period_months(p)]  # relations go month by month
    return {t: relation_source(con, rels[t], months)
            for t in {m.measure.table for m in measures}  # type: ignore[union-attr]
            if t in rels}


def _parts(wide: pd.DataFrame, measures: list[Metric], available: list[Metric]
           ) -> dict[str, np.ndarray]:
    """Each count/sum measure's column of ``wide`` (0 where no row counted; NaN when the
    measure is not available or, for ``na_without_rows``, no row exists)."""
    parts: dict[str, np.ndarray] = {}
    for metric in measures:
        if metric not in available:
            parts[metric.id] = np.full(len(wide), np.nan)
            continue
        col = wide[metric.id].to_numpy(dtype="float64", na_value=np.nan)
        if metric.type != "median":  # no row: a count or sum of 0, but no median
            col = np.where(np.isnan(col), 0.0, col)
        if metric.measure.na_without_rows:  # type: ignore[union-attr]
            rows = wide[metric.id + "__rows"].to_numpy(dtype="float64", na_value=np.nan)
            col = np.where(np.nan_to_num(rows) > 0, col, np.nan)
        parts[metric.id] = col
    return parts


def grain_cube(con: duckdb.DuckDBPyConnection, months: str | Sequence[str], by: str,
               stores: Sequence[str] | None = None,
               metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Every registry KPI at a grain below the store (``consultant``, ``source``, the ad
    ``channel`` or the lead ``grade``, see :data:`GRAINS`), or over the whole ``network``
    (every store together; ``store_id`` and the grain are then ``'*'`` and ''): the same
    declarations and engine as :func:`compute_cube`, the rows also grouped by the grain's
    column. A median at a grain is the median of the grain's rows.

    Returns the cube's columns with the grain's name after ``store_id``: one row per store
    × grain value × month × metric, for the (value, month) pairs some measure has a row
    for ('' for rows that do not name a value; a pair without any row has no row here).
    A KPI whose table has no such column (e.g. ad spend by consultant) is n/a with
    ``na_reason`` ``"not_at_grain"``. The brand workbook has no grain, so a workbook-only
    month has no rows here. ``metrics`` limits the work to those KPIs (and their parts);
    None: as :func:`compute_cube`, every KPI but :data:`ON_DEMAND`. With the network cache
    on, a store's rows are a filter of the network's (computed once per process).
    """
    if by not in GRAINS:
        raise ParameterError(f"unknown grain {by!r}; known: {', '.join(GRAINS)}")
    month_list = period_list(months)
    registry = _subset(metrics)
    if network_cache.enabled() and (stores is None or by != "network"):
        full = network_cache.remembered(con, ("grain", by, tuple(registry), *month_list),
                                        lambda: _grain_cube(con, month_list, by, None, registry))
        if stores is None:
            return full.copy()
        return full[full["store_id"].isin([str(s) for s in stores])].reset_index(drop=True)
    return _grain_cube(con, month_list, by, stores, registry)


def _grain_cube(con: duckdb.DuckDBPyConnection, month_list: list[str], by: str,
                stores: Sequence[str] | None, registry: dict[str, Metric]) -> pd.DataFrame:
    present = present_pairs(con)
    columns = GRAINS[by]
    measures = [m for m in registry.values() if m.measure is not None]
    def carried(table: str) -> bool:  # the grain's column is in the input (or its lookup's)
        if not columns[table]:  # the network: every row
            return True
        rel = relations().get(table)
        if rel is not None:
            return relation_inputs(rel, (columns[table],)) <= present
        other, key, col = LOOKUPS.get(table, {}).get(columns[table], (table, "", columns[table]))
        return (other, col) in present and (not key or {(table, key), (other, key)} <= present)

    at_grain = {m.id for m in measures if m.measure.table in columns  # type: ignore[union-attr]
                and carried(m.measure.table)}  # type: ignore[union-attr]
    available = [m for m in measures
                 if m.id in at_grain and measure_available(m.measure, present)]  # type: ignore[arg-type]
    # without a measure at the grain (a workbook-only folder) the SQL names no $stores
    params = {"stores": [str(s) for s in stores]} if stores is not None and available else None
    wide = con.execute(cube_sql(month_list, available, stores is not None, by,
                                _sources(con, available, month_list)), params).df()
    cube = derive_cube(wide["store_id"].to_numpy(dtype=object),
                       wide["month"].to_numpy(dtype=object), _parts(wide, measures, available),
                       registry)
    off = {m.id for m in registry.values()
           if not ({m.id} if m.measure else {m.numerator, *m.denominator}) <= at_grain}
    cube.loc[cube["metric"].isin(off), "na_reason"] = NOT_AT_GRAIN
    unit = cube.pop("store_id").astype(str).str.split(chr(31), n=1, expand=True)
    if cube.empty:
        unit = pd.DataFrame({0: pd.Series(dtype=object), 1: pd.Series(dtype=object)})
    cube.insert(0, by, unit[1].to_numpy())
    cube.insert(0, "store_id", unit[0].to_numpy())
    return cube


def derive_cube(store_ids: np.ndarray, months: np.ndarray, parts: dict[str, np.ndarray],
                registry: dict[str, Metric] = REGISTRY) -> pd.DataFrame:
    """The long cube from the count/sum measures of each (store, month) row.

    ``parts`` maps every count/sum metric id of ``registry`` to one value per row (NaN:
    n/a, no data); ratios are derived here from the registry's numerator and denominator
    ids — the one place that turns measures into KPIs (the warehouse query and the
    calibration simulator, :mod:`kpi_lib.analysis.simulate`, both end here).
    """
    n = len(store_ids)
    ids = list(registry)
    num = np.empty((len(ids), n))
    den = np.full((len(ids), n), np.nan)
    val = np.empty((len(ids), n))
    reason = np.full((len(ids), n), None, dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, metric in enumerate(registry.values()):
            if metric.type == "ratio":
                top = parts[metric.numerator]  # type: ignore[index]
                bottom = np.sum([parts[d] for d in metric.denominator], axis=0)
                missing = np.isnan(top) | np.isnan(bottom)
                zero = ~missing & (bottom == 0)
                num[k], den[k] = top, bottom
                val[k] = np.where(missing | zero, np.nan, top / bottom)
                reason[k][zero] = ZERO_DENOMINATOR
            else:
                num[k] = val[k] = parts[metric.id]
                missing = np.isnan(parts[metric.id])
            reason[k][missing] = NO_DATA

    # (metric, row) blocks → row-major: store, month, then registry order
    return pd.DataFrame({
        "store_id": np.repeat(np.asarray(store_ids, dtype=object), len(ids)),
        "month": np.repeat(np.asarray(months, dtype=object), len(ids)),
        "metric": np.tile(np.array(ids, dtype=object), n),
        "numerator": num.T.ravel(),
        "denominator": den.T.ravel(),
        "value": val.T.ravel(),
        "na_reason": pd.Series(reason.T.ravel(), dtype=object),
    })


def _apply_workbook(con: duckdb.DuckDBPyConnection, wide: pd.DataFrame,
                    parts: dict[str, np.ndarray], available: list[Metric],
                    months: list[str],
                    registry: dict[str, Metric] = REGISTRY) -> None:
    """Fill ``parts`` (in place) from ``workbook_kpis`` for the rows of ``wide`` whose
    store-period has workbook values and no register row. Over a period of several months
    the workbook's flows add up and its stocks (carried leads and orders) are those of the
    period's first month.
    """
    inside = [m for p in months for m in period_months(p)]
    try:
        wb = con.execute("SELECT store_id, month, metric, value FROM workbook_kpis "
                         "WHERE list_contains($months, month)", {"months": inside}).df()
    except duckdb.CatalogException:  # no workbook table (a warehouse of another build)
        return
    if wb.empty or wide.empty:
        return
    wb = _workbook_periods(wb, months)
    raw = np.zeros(len(wide), dtype=bool)
    for metric in available:
        m = metric.measure
        assert m is not None
        if m.table in _RAW_TABLES and m.period != "open_at_start":
            raw |= wide[metric.id].notna().to_numpy()
            if m.na_without_rows:
                raw |= wide[metric.id + "__rows"].notna().to_numpy()
    table = wb.pivot_table(index=["store_id", "month"], columns="metric", values="value",
                           aggfunc="first")
    keys = pd.MultiIndex.from_arrays([wide["store_id"].astype(str), wide["month"].astype(str)])
    pos = table.index.get_indexer(keys)
    use = (pos >= 0) & ~raw
    if not use.any():
        return
    for metric in registry.values():
        if metric.measure is None or metric.measure.table == "targets":
            continue
        if metric.id in BASE_METRICS and metric.id in table.columns:
            given = table[metric.id].to_numpy(dtype="float64")[pos]
        else:
            given = np.full(len(wide), np.nan)
        parts[metric.id] = np.where(use, given, parts[metric.id])
    for metric_id, summed in WORKBOOK_SUMS.items():
        if metric_id not in parts or not set(summed) <= set(parts):
            continue  # not asked for (compute_cube's ``metrics``)
        total = np.sum([parts[i] for i in summed], axis=0)
        parts[metric_id] = np.where(use, total, parts[metric_id])


def _workbook_periods(wb: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """The workbook's monthly values over ``periods``: flows summed over each period's
    months, stocks (``open_at_start``) taken from its first month."""
    if all(len(period_months(p)) == 1 for p in periods):
        return wb
    stocks = {i for i, m in REGISTRY.items() if m.measure and m.measure.period == "open_at_start"}
    frames = []
    for p in periods:
        months = period_months(p)
        part = wb[wb["month"].isin(months)]
        is_stock = part["metric"].isin(stocks)
        flows = part[~is_stock].groupby(["store_id", "metric"], as_index=False)["value"].sum()
        firsts = part[is_stock & (part["month"] == months[0])][["store_id", "metric", "value"]]
        frames.append(pd.concat([flows, firsts]).assign(month=p))
    return pd.concat(frames, ignore_index=True)
