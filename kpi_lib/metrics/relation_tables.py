"""The rows of the derived relations (:mod:`kpi_lib.metrics.relations`) per connection:
computed once per month into temporary tables, and the units behind a registry count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from . import network_cache
from .cube_sql import months_cte, quote_name
from .months import check_month_format
from .relations import AS_OF, DATA_END, SHARED, Relation, relations


def relation_source(con: duckdb.DuckDBPyConnection, rel: Relation,
                    months: Sequence[str]) -> str:
    """SQL naming ``rel``'s rows for ``months``: for a per-month relation, a temporary
    table of this connection that holds each month's rows once computed (a report asks
    for the same months many times); else the relation's own SQL."""
    if not rel.per_month:
        _shared_tables(con, rel)
        return rel.sql
    table, done_table = quote_name(f"_rel_{rel.name}"), quote_name(f"_rel_{rel.name}_months")
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {done_table} (month VARCHAR)")
    done = {r[0] for r in con.execute(f"SELECT month FROM {done_table}").fetchall()}
    todo = sorted(set(months) - done)
    if todo:
        _shared_tables(con, rel)
        query = f"WITH {months_cte(todo)} SELECT * FROM {rel.sql} r"
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND "
                             "table_name = ?", [f"_rel_{rel.name}"]).fetchone()[0]
        con.execute(f"INSERT INTO {table} {query}" if exists
                    else f"CREATE TEMP TABLE {table} AS {query}")
        con.executemany(f"INSERT INTO {done_table} VALUES (?)", [[m] for m in todo])
    return table


def _shared_tables(con: duckdb.DuckDBPyConnection, rel: Relation) -> None:
    """Build the shared temporary tables ``rel``'s SQL reads (once per connection), and
    only those: a cube without lead KPIs never pays for the follow-up history."""
    for name, sql in SHARED.items():
        if name in rel.sql:
            con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS SELECT * FROM {sql}")


def relation_rows(con: duckdb.DuckDBPyConnection, name: str, month: str, store: str,
                  where: str = "TRUE") -> pd.DataFrame:
    """The rows of the relation ``name`` (:mod:`kpi_lib.metrics.relations`) that count for
    ``store`` in ``month`` and match the SQL condition ``where`` — the units behind a
    registry count, e.g. the overdue leads behind ``overdue_leads``. With the network cache
    on, a filter of the network's rows (computed once per process).
    """
    check_month_format(month)
    if network_cache.enabled():
        rows = network_cache.remembered(con, ("relation", name, month, where),
                                        lambda: _relation_rows(con, name, month, None, where))
        return rows[rows["store_id"] == store].reset_index(drop=True)
    return _relation_rows(con, name, month, store, where)


def _relation_rows(con: duckdb.DuckDBPyConnection, name: str, month: str, store: str | None,
                   where: str) -> pd.DataFrame:
    source = relation_source(con, relations()[name], [month])
    mine = "r.store_id = $store" if store is not None else "$store IS NULL"
    return con.execute(f"SELECT * FROM {source} r WHERE {mine} "
                       f"AND r.month = $month AND ({where})",
                       {"store": store, "month": month}).df()


def as_of_date(con: duckdb.DuckDBPyConnection, month: str) -> date:
    """``month``'s as-of date: its last day, or the data's last date when the data stop
    inside it (:data:`kpi_lib.metrics.relations.AS_OF`, the date the lead stock is counted at)."""
    return con.execute(f"WITH {months_cte([check_month_format(month)])} "
                       f"SELECT as_of FROM {AS_OF}").fetchone()[0]


def data_end(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest date in any dated table of the network (None without any)."""
    return con.execute(f"SELECT {DATA_END}").fetchone()[0]

