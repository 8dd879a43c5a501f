"""The one SQL statement of the KPI cube, generated from the registry's declarations.

One grouped query per (table, period, date column), a ``FILTER`` clause per measure,
joined to the requested periods (``in_month`` by the row's month start, ``month_is`` by the
month string, ``open_at_start`` by ``date < first day of P``: table × periods, never a
quadratic self-join); with a grain, the rows are also grouped by its column.

A period (:mod:`kpi_lib.metrics.periods`: a month, quarter, year or range) is one row of
``_months`` per month inside it, all carrying the period's name and bounds, so "in M"
reads "in P" with no second definition: a row of any of P's months joins (flows over P),
a stock at the start joins P's first month only, a stock at the as-of date
(:attr:`~kpi_lib.metrics.relations.Relation.stock`) its last; ``{start}``/``{end}`` are P's
bounds; ``month_is`` measures are summed month by month (per month, a store target row
wins over its consultants' rows).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from ..ingest.kpi_types import LOOKUP_RELATIONS, LOOKUPS, Measure, Metric
from .months import month_bounds
from .periods import period_bounds, period_months
from .relations import Relation, relations

#: The grains below a store at which the registry's KPIs are also computed, and the
#: column that carries the grain in each table (a table without one has no KPI at it).
_PEOPLE = ("callers", "anonymous_calls", "dwell", "lead_stock", "lead_followups")
GRAINS: dict[str, dict[str, str]] = {
    "consultant": {"visits": "consultant_id", "calls": "consultant_id",
                   "leads": "consultant_id", "orders": "consultant_id",
                   "targets": "consultant_id", **{r: "consultant_id" for r in _PEOPLE}},
    "source": {"visits": "source", "calls": "source", "leads": "source",
               "orders": "lead_source",  # an order's source is its lead's (LOOKUPS)
               **{r: "source" for r in _PEOPLE}},
    "channel": {"marketing": "channel"},  # the ad channel of a spend row
    # a lead's grade at the as-of date (stock) / at the end of its open span (follow-ups)
    "grade": {"lead_stock": "grade", "lead_followups": "grade"},
    # every store together: the network's own value (a median from all its rows)
    "network": {t: "" for t in ("visits", "calls", "leads", "orders", "marketing",
                                "targets", *_PEOPLE)},
}
NOT_AT_GRAIN = "not_at_grain"

# names of the months relation's columns (underscored: never clash with input columns)
_PLACEHOLDERS = {"{start}": "_m_start", "{end}": "_m_end", "{month}": "_m_month"}


def _sub(where: str) -> str:
    for key, col in _PLACEHOLDERS.items():
        where = where.replace(key, col)
    return f"({where})"


def quote_name(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'



def _lookups_used(measure: Measure) -> dict[str, tuple[str, str, str]]:
    found = LOOKUPS.get(measure.table, {})
    text = measure.where or ""
    return {a: spec for a, spec in found.items() if re.search(rf"\b{a}\b", text)}


def measure_available(measure: Measure, present: set[tuple[str, str]]) -> bool:
    """True when every column the measure needs was in the input."""
    rel = relations().get(measure.table)
    if rel is not None:
        return relation_inputs(rel, measure.columns) <= present
    needed = {(measure.table, c) for c in measure.columns}
    for other, key, col in _lookups_used(measure).values():
        relation = LOOKUP_RELATIONS.get((other, col))
        needed |= {(other, c) for c in relation[1]} if relation else {(other, key), (other, col)}
    return needed <= present


def relation_inputs(rel: Relation, columns: Sequence[str]) -> set[tuple[str, str]]:
    """The input columns a relation's ``columns`` need (its own needs included)."""
    return set(rel.needs) | {rel.inputs[c] for c in columns if c in rel.inputs}


def _lookup_source(other: str, col: str) -> str:
    """The SQL relation a lookup joins: the table, or its computed relation."""
    relation = LOOKUP_RELATIONS.get((other, col))
    return relation[0] if relation else quote_name(other)


def _aggregates(metric: Metric) -> list[str]:
    m = metric.measure
    assert m is not None
    where = _sub(m.where) if m.where else None
    flt = f" FILTER (WHERE {where})" if where else ""
    if m.column is None:
        exprs = [f"count(*){flt} AS {quote_name(metric.id)}"]
    elif m.median:
        exprs = [f"median(s.{quote_name(m.column)}){flt} AS {quote_name(metric.id)}"]
    elif m.fallback:
        fb = _sub(m.fallback)
        col = f"s.{quote_name(m.column)}"
        exprs = [f"CASE WHEN count(*){flt} > 0 THEN sum({col}){flt} "
                 f"ELSE sum({col}) FILTER (WHERE {fb}) END AS {quote_name(metric.id)}"]
    else:
        exprs = [f"sum(s.{quote_name(m.column)}){flt} AS {quote_name(metric.id)}"]
    if m.na_without_rows:
        rows = f"{where} OR {_sub(m.fallback)}" if m.fallback and where else where
        rows_flt = f" FILTER (WHERE {rows})" if rows else ""
        exprs.append(f"count(*){rows_flt} AS {quote_name(metric.id + '__rows')}")
    return exprs


def _group_sql(key: tuple[str, str, str], metrics: list[Metric], span: tuple[date, date],
               store_filter: bool, by: str | None = None,
               sources: dict[str, str] | None = None) -> str:
    table, period, date_col = key
    lookups: dict[str, tuple[str, str, str]] = {}
    for metric in metrics:
        lookups |= _lookups_used(metric.measure)  # type: ignore[arg-type]
    if by is not None and GRAINS[by][table] in LOOKUPS.get(table, {}):
        lookups[GRAINS[by][table]] = LOOKUPS[table][GRAINS[by][table]]
    extra, joins = "", ""
    for i, (alias, (other, k, col)) in enumerate(lookups.items()):
        extra += f", lk{i}.{quote_name(col)} AS {quote_name(alias)}"
        key = quote_name(k)
        joins += f" LEFT JOIN {_lookup_source(other, col)} lk{i} ON t.{key} = lk{i}.{key}"
    rel = (sources or {}).get(table) or (relations()[table].sql if table in relations()
                                          else quote_name(table))
    source = f"SELECT t.*{extra} FROM {rel} t{joins}"
    d = f"s.{quote_name(date_col)}"
    where = []
    if period == "in_month":
        on = f"CAST(date_trunc('month', {d}) AS DATE) = _m_mstart"
        where.append(f"{d} >= DATE '{span[0]}' AND {d} < DATE '{span[1]}'")
    elif period == "month_is":
        rel = relations().get(table)
        on = f"{d} = _m_ym" + (" AND _m_last" if rel is not None and rel.stock else "")
    else:  # open_at_start: the table × periods, cut to rows some measure can count
        on = f"{d} < _m_start AND _m_first"
        conds = [m.measure.where for m in metrics]  # type: ignore[union-attr]
        if all(conds):
            on += " AND (" + " OR ".join(_sub(c) for c in conds) + ")"  # type: ignore[arg-type]
    unit = "s.store_id"
    if by == "network":
        unit = "'*' || chr(31)"
    elif by is not None:  # one row per store and grain value ('' when not given)
        unit = (f"s.store_id || chr(31) || coalesce(CAST(s.{quote_name(GRAINS[by][table])} "
                "AS VARCHAR), '')")
    if store_filter:
        where.append("list_contains($stores, s.store_id)" if by is not None
                     else "s.store_id IN (SELECT store_id FROM _grid)")
    aggs = ",\n    ".join(e for m in metrics for e in _aggregates(m))
    keys = "_m_month, _m_ym" if period == "month_is" else "_m_month"
    sql = (f"SELECT {unit} AS store_id, {keys},\n    {aggs}\n"
           f"  FROM ({source}) s JOIN _months ON {on}\n"
           + (f"  WHERE {' AND '.join(where)}\n" if where else "")
           + "  GROUP BY ALL")
    if period != "month_is":
        return sql
    # month by month, then added over the period (a fallback decides per month)
    cols = [quote_name(c) for m in metrics for c in
            (m.id, *((m.id + "__rows",) if m.measure.na_without_rows else ()))]  # type: ignore[union-attr]
    return (f"SELECT store_id, _m_month, {', '.join(f'sum({c}) AS {c}' for c in cols)} "
            f"FROM ({sql}) GROUP BY ALL")


def cube_sql(months: Sequence[str], measures: list[Metric], store_filter: bool,
             by: str | None = None, sources: dict[str, str] | None = None) -> str:
    """The one SQL statement that computes every available measure (wide: a column each)
    for each period of ``months`` (months, quarters, years or ranges).

    ``$stores`` (a list of store ids) is its only parameter when ``store_filter``. With a
    grain ``by`` (:data:`GRAINS`), a row's ``store_id`` is ``store_id`` + chr(31) + the
    grain value, and the rows are the units some measure counts (no store × month grid).
    ``sources`` names where a relation's rows are read (:func:`relation_source`).
    """
    span = (min(period_bounds(p)[0] for p in months), max(period_bounds(p)[1] for p in months))
    groups: dict[tuple[str, str, str], list[Metric]] = {}
    for metric in measures:
        m = metric.measure
        assert m is not None
        groups.setdefault((m.table, m.period, m.date), []).append(metric)
    ctes = [periods_cte(months)]
    if by is None:
        ctes.append("_grid AS (SELECT st.store_id, p._m_month FROM stores st "
                    "CROSS JOIN (SELECT DISTINCT _m_month FROM _months) p"
                    + (" WHERE list_contains($stores, st.store_id))" if store_filter else ")"))
    select, joins = ["g.store_id", "g._m_month AS month"], []
    for i, (key, metrics) in enumerate(groups.items()):
        ctes.append(f"_a{i} AS (\n  {_group_sql(key, metrics, span, store_filter, by, sources)})")
        joins.append(f"LEFT JOIN _a{i} ON _a{i}.store_id = g.store_id "
                     f"AND _a{i}._m_month = g._m_month")
        for metric in metrics:
            select.append(f"_a{i}.{quote_name(metric.id)}")
            if metric.measure.na_without_rows:  # type: ignore[union-attr]
                select.append(f"_a{i}.{quote_name(metric.id + '__rows')}")
    if by is not None:
        units = " UNION ".join(f"SELECT store_id, _m_month FROM _a{i}"
                               for i in range(len(groups))) or \
            "SELECT NULL::VARCHAR AS store_id, NULL::VARCHAR AS _m_month WHERE false"
        ctes.append(f"_grid AS ({units})")
    return ("WITH " + ",\n".join(ctes) + "\nSELECT " + ", ".join(select)
            + "\nFROM _grid g\n" + "\n".join(joins) + "\nORDER BY g.store_id, month")



def periods_cte(periods: Sequence[str]) -> str:
    """The ``_months`` relation of the cube for ``periods``: one row per month of each
    period — the period's name and bounds (``_m_month``, ``_m_start``, ``_m_end``), the
    month's first day and name (``_m_mstart``, ``_m_ym``) and whether it is the period's
    first or last month (``_m_first``, ``_m_last``)."""
    rows = []
    for p in periods:
        months = period_months(p)
        start, end = period_bounds(p)
        rows += [f"('{p}', DATE '{start}', DATE '{end}', DATE '{month_bounds(m)[0]}', '{m}', "
                 f"{str(i == 0).upper()}, {str(i == len(months) - 1).upper()})"
                 for i, m in enumerate(months)]
    return ("_months(_m_month, _m_start, _m_end, _m_mstart, _m_ym, _m_first, _m_last) AS "
            f"(VALUES {', '.join(rows)})")


def months_cte(months: Sequence[str]) -> str:
    """The ``_months(_m_month, _m_start, _m_end)`` relation of ``months`` (SQL), as the
    relations read it (:mod:`kpi_lib.metrics.relations`: month by month)."""
    values = ", ".join(f"('{m}', DATE '{s}', DATE '{e}')"
                       for m, s, e in ((m, *month_bounds(m)) for m in months))
    return f"_months(_m_month, _m_start, _m_end) AS (VALUES {values})"
