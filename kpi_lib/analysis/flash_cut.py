"""The warehouse as it stood on a date (快报的数据截断): every row dated after it left out.

A flash for day ``D`` must read only what was known on ``D``, so that any past day can be
replayed. :func:`cut_connection` copies the warehouse into a new in-memory DuckDB
connection (same tables, same columns and types), cut at ``D``:

- ``visits``, ``calls``, ``followups``: rows dated on or before ``D``;
- ``leads``: cards created on or before ``D``. A status reached after ``D`` (ordered, lost,
  out of control) did not exist yet: such a lead is ``open`` with no status date, lost
  reason or competitor; an ``O`` grade that came with that later order is dropped (the
  lead's grade on ``D`` is then its last follow-up's, as everywhere, else ungraded);
- ``orders``: placed on or before ``D``; a delivery or cancellation after ``D`` had not
  happened (NULL), nor the after-delivery care that follows it (ceremony, 3-day call,
  7-day letter, referral);
- ``marketing`` and ``targets``: months up to ``D``'s month (a month's target is known
  ahead); ``workbook_kpis`` (whole-month totals): months before ``D``'s month;
- ``consultants``: hired by ``D``; a leaving date after ``D`` is not known yet;
- every other table (stores, the ingest's bookkeeping) as it is, except the warehouse
  fingerprint in ``_meta``, which gets ``@D`` appended, so that results remembered per
  warehouse (:func:`kpi_lib.metrics.cube.remembered`) never mix the cut and the whole data.

:func:`shared_cut` keeps the cut of a day in a process whose network cache is on (the warm
kernels, :mod:`kpi_lib.metrics.network_cache`), keyed by the warehouse fingerprint and the
day: the next store's flash of that day reuses it, with the month's relation tables
already computed in it (every store's flash of a day reads the same cut).
"""

from __future__ import annotations

import re
from datetime import date

import duckdb

from ..errors import ParameterError
from ..ingest.schema import TABLES

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

_AFTER = "CASE WHEN {c} > $d THEN NULL ELSE {c} END AS {c}"
_LATER_STATUS = "status_date IS NOT NULL AND status_date > $d"

#: Contract table → the SELECT that cuts it at ``$d`` (see the module docstring).
CUTS: dict[str, str] = {
    "stores": "SELECT * FROM stores",
    "visits": "SELECT * FROM visits WHERE date <= $d",
    "calls": "SELECT * FROM calls WHERE date <= $d",
    "followups": "SELECT * FROM followups WHERE date <= $d",
    "leads": f"""SELECT * REPLACE (
        CASE WHEN {_LATER_STATUS} THEN 'open' ELSE status END AS status,
        CASE WHEN {_LATER_STATUS} THEN NULL ELSE status_date END AS status_date,
        CASE WHEN {_LATER_STATUS} THEN NULL ELSE lost_reason END AS lost_reason,
        CASE WHEN {_LATER_STATUS} THEN NULL ELSE competitor END AS competitor,
        CASE WHEN {_LATER_STATUS} AND status = 'ordered' AND grade = 'O' THEN NULL
             ELSE grade END AS grade)
        FROM leads WHERE created <= $d""",
    "orders": f"""SELECT * REPLACE (
        {_AFTER.format(c="delivered")}, {_AFTER.format(c="cancelled")},
        {', '.join(f"CASE WHEN delivered > $d THEN NULL ELSE {c} END AS {c}"
                   for c in ("ceremony", "call_3d", "letter_7d", "referral"))})
        FROM orders WHERE order_date <= $d""",
    "marketing": "SELECT * FROM marketing WHERE month <= strftime($d, '%Y-%m')",
    "targets": "SELECT * FROM targets WHERE month <= strftime($d, '%Y-%m')",
    "consultants": f"""SELECT * REPLACE ({_AFTER.format(c='"left"')})
        FROM consultants WHERE hired IS NULL OR hired <= $d""",
}
#: Tables of the warehouse besides the contract's that need a cut.
EXTRA_CUTS: dict[str, str] = {
    "workbook_kpis": "SELECT * FROM workbook_kpis WHERE month < strftime($d, '%Y-%m')",
    "_meta": """SELECT key, CASE WHEN key = 'fingerprint' THEN value || '@' || strftime($d,
        '%Y-%m-%d') ELSE value END AS value FROM _meta""",
}

#: The dates the data cover: first and last of any dated register.
_SPAN_SQL = """SELECT min(d0), max(d1) FROM (
    SELECT min(date) AS d0, max(date) AS d1 FROM visits
    UNION ALL SELECT min(date), max(date) FROM calls
    UNION ALL SELECT min(created), max(created) FROM leads
    UNION ALL SELECT min(date), max(date) FROM followups
    UNION ALL SELECT min(order_date), greatest(max(order_date), max(delivered)) FROM orders)"""


def parse_day(value: str) -> date:
    """``value`` (``YYYY-MM-DD``) as a date; ParameterError when malformed.

    >>> parse_day("2026-10-15")
    datetime.date(2026, 10, 15)
    """
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        raise ParameterError(f"date {value!r} is not of the form YYYY-MM-DD (e.g. 2026-10-15)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"date {value!r} is not a calendar date") from None


def data_span(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """The first and last date of any dated register (None, None without any)."""
    first, last = con.execute(_SPAN_SQL).fetchone()
    return first, last


def check_day(value: str, con: duckdb.DuckDBPyConnection) -> date:
    """``value`` as a date inside the data's dates; ParameterError otherwise."""
    day = parse_day(value)
    first, last = data_span(con)
    if first is None or last is None:
        raise ParameterError("the data folder holds no dated rows")
    if not first <= day <= last:
        raise ParameterError(f"date {value} is outside the data, which cover {first} to {last}")
    return day


#: Cuts kept by :func:`shared_cut`: (warehouse fingerprint, day) -> connection.
_KEPT: dict[tuple[str, date], duckdb.DuckDBPyConnection] = {}
_MAX_KEPT = 2


def shared_cut(con: duckdb.DuckDBPyConnection, day: date
               ) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """:func:`cut_connection`, kept for the next flash of the same day and data when the
    network cache is on; returns it and whether it is kept (then the caller must not
    close it, nor change its tables)."""
    from ..ingest.warehouse import stored_fingerprint
    from ..metrics import network_cache

    fp = stored_fingerprint(con) if network_cache.enabled() else None
    if fp is None:
        return cut_connection(con, day), False
    key = (fp, day)
    if key not in _KEPT:
        while len(_KEPT) >= _MAX_KEPT:
            _KEPT.pop(next(iter(_KEPT))).close()
        _KEPT[key] = cut_connection(con, day)
    return _KEPT[key], True


def cut_connection(con: duckdb.DuckDBPyConnection, day: date) -> duckdb.DuckDBPyConnection:
    """A new in-memory connection holding ``con``'s tables as they stood on ``day``."""
    missing = set(TABLES) - set(CUTS)
    if missing:  # a contract table without a cut would leak later rows into the flash
        raise RuntimeError(f"no date cut declared for {sorted(missing)}")
    out = duckdb.connect(":memory:")
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
        "AND database_name = current_database() AND schema_name = 'main'").fetchall()]
    for name in names:
        sql = CUTS.get(name) or EXTRA_CUTS.get(name) or f'SELECT * FROM "{name}"'
        data = con.sql(sql, params={"d": day} if "$d" in sql else None).to_arrow_table()
        out.register("_cut_source", data)
        out.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _cut_source')
        out.unregister("_cut_source")
    return out
