"""Relations computed from the input tables, which registry measures count like tables.

Some KPIs count units that are not rows of one input table: a caller of last month (one
customer, however often they called), a lead at the month's as-of date with the grade it
had then, a lead's follow-ups due by schedule in a month. Each such unit is a row of a
relation declared here; :mod:`kpi_lib.metrics.registry` declares count / sum / median measures over
it and :mod:`kpi_lib.metrics.cube` computes them in the same SQL pass as everything else.

A relation's SQL may use the cube's ``_months(_m_month, _m_start, _m_end)`` relation and
must give, per row, ``store_id`` and ``month`` ('YYYY-MM', the month the row counts in)
or a ``date`` (``dwell``), plus the columns its measures and grains use.

The as-of date of month M (:data:`AS_OF`) is M's last day, or the data's last date when
the data stop inside M (the latest date in any dated table of the whole network).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from ..config import ConfigError, load_yaml
from ..ingest.schema import LEAD_GRADES


@dataclass(frozen=True)
class Relation:
    """One derived relation: its SQL, the input columns it needs, and where its optional
    columns come from (relation column → input ``(table, column)``)."""

    name: str
    sql: str
    #: input columns without which the relation means nothing (its measures are n/a)
    needs: tuple[tuple[str, str], ...]
    #: relation column → the input column it carries (absent input → n/a at that grain
    #: or for measures that require the column)
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: rows depend on the month (a ``month`` column; reads ``_months``): computed once per
    #: connection and month into a temporary table (:func:`kpi_lib.metrics.cube.relation_source`)
    per_month: bool = True
    #: a stock at the month's as-of date: over a period, its last month's rows count
    stock: bool = False


@cache
def followup_days() -> dict[str, int]:
    """Grade → follow-up frequency in days (``params/pipeline.yml``, checked)."""
    days = load_yaml("pipeline.yml").get("followup_days") or {}
    if set(days) != set(LEAD_GRADES) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in days.values()):
        raise ConfigError("params/pipeline.yml: followup_days needs a whole number of days > 0 "
                          f"for each grade {', '.join(LEAD_GRADES)}")
    return dict(days)


@cache
def overdue_grace_days() -> int:
    """Days past a grade's frequency before an open lead counts as overdue."""
    return int((load_yaml("pipeline.yml").get("overdue") or {}).get("grace_days", 0))


def _days_values() -> str:
    return ("(VALUES " + ", ".join(f"('{g}', {d})" for g, d in followup_days().items())
            + ") AS fq(g, days)")


#: The latest date in any dated table of the network.
DATA_END = """(SELECT max(d) FROM (
    SELECT max(date) AS d FROM visits UNION ALL SELECT max(date) FROM calls
    UNION ALL SELECT max(created) FROM leads UNION ALL SELECT max(date) FROM followups
    UNION ALL SELECT max(order_date) FROM orders UNION ALL SELECT max(delivered) FROM orders))"""

def _lead_months(last: str) -> str:
    """Each lead with each requested month from its card's month to the month of ``last``
    (a SQL date expression over ``l``; NULL: the last requested month) — an equi-join on
    the month instead of leads × months."""
    return f"""(
    SELECT l.*, a._m_month, a._m_start, a.as_of
    FROM (SELECT leads.*, unnest(generate_series(
              greatest(date_trunc('month', created), (SELECT min(_m_start) FROM _months)),
              least(coalesce(date_trunc('month', {last}), (SELECT max(_m_start) FROM _months)),
                    (SELECT max(_m_start) FROM _months)),
              INTERVAL 1 MONTH))::DATE AS _ms
          FROM leads) l
    JOIN a ON a._m_start = l._ms)"""


#: Each requested month with its as-of date (see the module docstring).
AS_OF = f"""(SELECT _m_month, _m_start, _m_end,
        CASE WHEN e.d >= _m_start AND e.d < _m_end - 1 THEN e.d ELSE _m_end - 1 END AS as_of
    FROM _months, (SELECT {DATA_END} AS d) e)"""

#: Each lead's follow-up history, one row per (lead, date): ``n`` follow-ups up to and
#: including that date, ``g`` the last ``grade_after`` given up to it (NULL: none yet).
#: An ASOF join at a date D then gives the lead's state on D. Computed once per
#: connection into the temporary table ``_followup_state`` (:data:`SHARED`).
FOLLOWUP_STATE = """(
    SELECT lead_id, date,
           sum(n) OVER w AS n, last_value(g IGNORE NULLS) OVER w AS g
    FROM (SELECT lead_id, date, count(*) AS n,
                 arg_max(grade_after, grade_after) FILTER (WHERE grade_after IS NOT NULL) AS g
          FROM followups GROUP BY lead_id, date)
    WINDOW w AS (PARTITION BY lead_id ORDER BY date
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))"""

#: Temporary tables the relations read, by name → SQL (not month-dependent).
SHARED: dict[str, str] = {"_followup_state": FOLLOWUP_STATE}

#: A lead's grade at a date: its last follow-up's grade_after, else the grade column,
#: except an O the lead only earned by ordering (ungraded, NULL).
_GRADE_THEN = ("coalesce({fs}.g, CASE WHEN {t}.grade = 'O' AND {t}.status = 'ordered' "
               "THEN NULL ELSE {t}.grade END)")


def _callers() -> str:
    return """(
    SELECT c.store_id, c.customer_id,
           arg_min(c.consultant_id, c.date) AS consultant_id,
           arg_min(c.source, c.date) AS source,
           strftime(date_trunc('month', c.date) + INTERVAL 1 MONTH, '%Y-%m') AS month,
           bool_or(v.date IS NOT NULL) AS visited
    FROM calls c
    LEFT JOIN visits v ON v.store_id = c.store_id AND v.customer_id = c.customer_id
         AND v.date >= c.date
         AND v.date < date_trunc('month', c.date) + INTERVAL 2 MONTH
    WHERE c.customer_id IS NOT NULL
      AND strftime(date_trunc('month', c.date) + INTERVAL 1 MONTH, '%Y-%m')
          IN (SELECT _m_month FROM _months)
    GROUP BY c.store_id, c.customer_id, month)"""


def _anonymous_calls() -> str:
    return """(
    SELECT store_id, consultant_id, source,
           strftime(date_trunc('month', date) + INTERVAL 1 MONTH, '%Y-%m') AS month
    FROM calls WHERE customer_id IS NULL)"""


def _dwell() -> str:
    return """(
    SELECT store_id, consultant_id, source, date,
           date_diff('minute', time_in, time_out) AS minutes
    FROM visits WHERE time_out > time_in)"""


def _lead_stock() -> str:
    grace = overdue_grace_days()
    return f"""(
    WITH a AS {AS_OF},
    lm AS (
        SELECT l.lead_id, l.store_id, l.consultant_id, l.source, l.created, l.grade,
               l.status, l._m_month AS month, l.created >= l._m_start AS new, l.as_of
        FROM {_lead_months("CASE WHEN status = 'open' THEN NULL ELSE status_date END")} l
        WHERE l.created <= l.as_of AND (l.status = 'open' OR l.status_date > l.as_of)),
    g AS (
        SELECT lm.*, coalesce(fs.date, lm.created) AS last_contact,
               {_GRADE_THEN.format(fs="fs", t="lm")} AS g_then
        FROM lm ASOF LEFT JOIN _followup_state fs
             ON fs.lead_id = lm.lead_id AND fs.date <= lm.as_of)
    SELECT g.store_id, g.consultant_id, g.source, g.month, g.new,
           coalesce(g.g_then, '?') AS grade, g.lead_id, g.last_contact,
           g.as_of - g.last_contact AS days_since,
           g.as_of - g.last_contact - fq.days - {grace} AS days_overdue,
           coalesce(g.as_of - g.last_contact > fq.days + {grace}, FALSE) AS overdue
    FROM g LEFT JOIN {_days_values()} ON fq.g = g.g_then
    UNION ALL
    SELECT l.store_id, l.consultant_id, l.source, a._m_month, l.created >= a._m_start,
           'O', l.lead_id, NULL, NULL, NULL, FALSE
    FROM leads l JOIN a ON l.status = 'ordered' AND l.status_date <= a.as_of
         AND l.created <= a.as_of
    WHERE EXISTS (SELECT 1 FROM orders o WHERE o.lead_id = l.lead_id
                  AND o.order_date <= a.as_of AND (o.delivered IS NULL OR o.delivered > a.as_of)
                  AND (o.cancelled IS NULL OR o.cancelled > a.as_of)))"""


def _lead_followups() -> str:
    return f"""(
    WITH a AS {AS_OF},
    iv AS (
        SELECT l.lead_id, l.store_id, l.consultant_id, l.source, l.created, l.grade,
               l.status, l._m_month AS month, greatest(l.created, l._m_start) AS i0,
               CASE WHEN l.status <> 'open' AND l.status_date IS NOT NULL
                    THEN least(l.as_of, l.status_date - 1) ELSE l.as_of END AS i1
        FROM {_lead_months("CASE WHEN status = 'open' THEN NULL ELSE status_date - 1 END")} l
        WHERE l.created <= l.as_of),
    span AS (
        SELECT iv.*, {_GRADE_THEN.format(fs="e", t="iv")} AS g_then,
               coalesce(e.n, 0) AS n_end
        FROM iv ASOF LEFT JOIN _followup_state e ON e.lead_id = iv.lead_id
             AND e.date <= iv.i1
        WHERE iv.i1 >= iv.i0),
    fu AS (
        SELECT span.*, n_end - coalesce(b.n, 0) AS n_fu
        FROM span ASOF LEFT JOIN _followup_state b ON b.lead_id = span.lead_id
             AND b.date < span.i0),
    due AS (
        SELECT fu.*, (i1 - created) // fq.days
                     - greatest(i0 - created - 1, 0) // fq.days AS due
        FROM fu JOIN {_days_values()} ON fq.g = fu.g_then)
    SELECT store_id, consultant_id, source, month, g_then AS grade, due,
           least(n_fu, due) AS done
    FROM due WHERE due > 0)"""


_LEAD_INPUTS = {"consultant_id": ("leads", "consultant_id"), "source": ("leads", "source"),
                "grade": ("leads", "grade")}


def relations() -> dict[str, Relation]:
    """Every relation by name (its SQL reads ``params/pipeline.yml`` where it needs to)."""
    return {r.name: r for r in (
        Relation("callers", _callers(),
                 (("calls", "customer_id"), ("visits", "customer_id")),
                 {"consultant_id": ("calls", "consultant_id"), "source": ("calls", "source")}),
        Relation("anonymous_calls", _anonymous_calls(), (("calls", "date"),),
                 {"consultant_id": ("calls", "consultant_id"), "source": ("calls", "source")},
                 per_month=False),
        Relation("dwell", _dwell(), (("visits", "time_in"), ("visits", "time_out")),
                 {"consultant_id": ("visits", "consultant_id"), "source": ("visits", "source")},
                 per_month=False),
        Relation("lead_stock", _lead_stock(), (("leads", "created"),),
                 {**_LEAD_INPUTS, "overdue": ("followups", "date")}, stock=True),
        Relation("lead_followups", _lead_followups(), (("leads", "created"),
                                                       ("followups", "date")), _LEAD_INPUTS),
    )}


#: The relation names (for :data:`kpi_lib.metrics.cube.GRAINS` and the registry's checks).
RELATION_NAMES: tuple[str, ...] = ("callers", "anonymous_calls", "dwell", "lead_stock",
                                   "lead_followups")
