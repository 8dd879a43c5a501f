"""The types the KPI registry is declared with (see :mod:`kpi_lib.metrics.registry`).

A closed set of metric types (as in dbt MetricFlow / Cube):

``count``
    number of rows of one input table that fall in month ``M`` and pass a filter;
``sum``
    Σ of one numeric column over such rows;
``median``
    the median of one numeric column over such rows (not additive: never summed or
    averaged over stores; a group's median is computed from its rows);
``ratio``
    Σ numerator / Σ denominator, where both name other (count or sum) metrics and the
    denominator may be a sum of several ids. A zero denominator is n/a
    (``zero_denominator``), never 0.

Units (closed set, what :func:`kpi_lib.formatting.format_value` knows): ``count``
(rows, e.g. visit batches), ``yuan`` (money totals), ``rate`` (a fraction, 0.25 not
25), ``yuan_per`` (money per unit: cost per visit, average deal value), ``minutes``.

A measure's ``table`` is an input table or a relation of :mod:`kpi_lib.metrics.relations`
(callers of last month, leads at the as-of date with their grade then, follow-ups due by
schedule), whose rows are counted the same way.

A :class:`Measure` places a row in month ``M`` in one of three ways (``period``):

``in_month``
    the ``date`` column falls inside ``M``;
``month_is``
    the ``date`` column holds ``M`` as ``'YYYY-MM'`` (marketing, targets);
``open_at_start``
    a stock at the start of ``M``: the ``date`` column is before the first day of ``M``
    (the ``where`` filter says what must still be open then).

``where`` is a DuckDB SQL condition over the table's canonical columns (schema.py) and
may use the placeholders ``{start}`` (first day of ``M``), ``{end}`` (first day of the
next month) and ``{month}`` (``'YYYY-MM'``). :mod:`kpi_lib.metrics.cube` turns these
declarations into one grouped SQL query per table; nothing else spells out a KPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricType = Literal["count", "sum", "median", "ratio"]
Unit = Literal["count", "yuan", "rate", "yuan_per", "minutes"]
Direction = Literal["up", "down"] | None
Section = Literal["traffic", "leads", "closing", "delivery_mix", "aftercare"]
Period = Literal["in_month", "month_is", "open_at_start"]

METRIC_TYPES: tuple[str, ...] = ("count", "sum", "median", "ratio")
UNITS: tuple[str, ...] = ("count", "yuan", "rate", "yuan_per", "minutes")
SECTIONS: tuple[str, ...] = ("traffic", "leads", "closing", "delivery_mix", "aftercare")

#: Columns looked up from another table: table -> {alias: (other table, key, column)}.
#: ``orders.lead_created`` is the ``created`` date of the order's lead;
#: ``leads.order_months`` the months in which the lead has an order (a relation of
#: :data:`LOOKUP_RELATIONS`, one row per lead).
LOOKUPS: dict[str, dict[str, tuple[str, str, str]]] = {
    "orders": {"lead_created": ("leads", "lead_id", "created"),
               "lead_source": ("leads", "lead_id", "source")},
    "leads": {"order_months": ("orders", "lead_id", "order_months")},
}

#: Looked-up columns computed from their table (SQL relation, input columns it needs).
LOOKUP_RELATIONS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("orders", "order_months"): (
        "(SELECT lead_id, list(DISTINCT CAST(date_trunc('month', order_date) AS DATE)) "
        "AS order_months FROM orders WHERE lead_id IS NOT NULL GROUP BY lead_id)",
        ("lead_id", "order_date")),
}


@dataclass(frozen=True)
class Measure:
    """Which rows of ``table`` a count/sum metric adds up for month ``M``."""

    table: str
    period: Period
    #: date column (``month_is``: the 'YYYY-MM' column) that ties a row to ``M``
    date: str
    #: SQL filter over canonical columns; may use {start}, {end}, {month}
    where: str | None = None
    #: summed column (``sum`` metrics only)
    column: str | None = None
    #: optional columns the metric needs; absent in the input → n/a (no_data)
    requires: tuple[str, ...] = ()
    #: when no row matches ``where``, sum the rows matching this instead
    fallback: str | None = None
    #: n/a (no_data) for a store and month without any matching row
    na_without_rows: bool = False
    #: the median of ``column`` instead of its sum (a ``median`` metric; not additive:
    #: a group's median comes from its rows, never from its parts' medians)
    median: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns of ``table`` that must be present in the input."""
        cols = [self.date, *self.requires]
        if self.column:
            cols.append(self.column)
        return tuple(dict.fromkeys(cols))


@dataclass(frozen=True)
class Metric:
    """One KPI: labels, unit, direction and either a measure or a ratio."""

    id: str
    zh: str
    en: str
    type: MetricType
    unit: Unit
    direction: Direction
    section: Section
    definition: str
    definition_zh: str
    measure: Measure | None = None
    numerator: str | None = None
    denominator: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The label in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en
