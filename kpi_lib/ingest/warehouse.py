"""The embedded DuckDB warehouse: typed copies of a data folder's validated tables.

The warehouse file is cached beside the data (``paths.warehouse_path``) and rebuilt only
when the input files, the contract in :mod:`kpi_lib.ingest.schema` or :data:`WAREHOUSE_VERSION`
change. A rebuild holds a lock (``<file>.lock``, see :mod:`kpi_lib.locks`), writes
``<file>.building`` and renames it into place: readers of the old file keep reading it,
a build killed mid-way leaves the old file intact (its leftovers are removed by the next
open), and of two processes needing a rebuild one builds while the other waits for it.

Tables: every contract table with all its canonical columns (typed per
``schema.DUCKDB_TYPES``; absent columns are typed NULLs, absent tables have zero rows)
plus the input's extra columns as VARCHAR, and

- ``_columns(table_name, column_name)``: canonical columns really present in the input;
- ``_issues(file, row, column, reason, code, value, store_id)``: the quarantined rows
  (``store_id``: the store of the row, when its table has one);
- ``_files(table_name, file, rows_read, rows_kept)``: where each table came from;
- ``workbook_kpis(store_id, month, metric, value)``: the brand workbook's input rows
  (:mod:`kpi_lib.ingest.brand_workbook`; empty without a ``kpi_workbook*.xlsx``);
- ``_workbook_derived(sheet, store_id, row, month, metric, written, workbook)``: the
  workbook's derived cells, as written and as numbers (checked against their
  recomputation by :mod:`kpi_lib.metrics.workbook_check`);
- ``_notes(file, message)``: messages that are not issues (a workbook sheet skipped);
- ``_meta(key, value)``: the fingerprint the cache is checked against, and
  ``future_from``: the first date a row quarantined as in the future becomes valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from types import TracebackType

import duckdb
import pandas as pd

from kpi_lib import paths
from kpi_lib.errors import RowIssue
from kpi_lib.ingest import brand_workbook, kpi_catalogue, readers, validate, workbook_reader
from kpi_lib.ingest import load as ingest
from kpi_lib.ingest.load import Ingested, input_files, load_folder
from kpi_lib.ingest.schema import DUCKDB_TYPES, TABLES
from kpi_lib.ingest.snapshot import folder_digests, read_consistently
from kpi_lib.ingest.validate import run_date
from kpi_lib.locks import exclusive

#: Bump when the warehouse layout or the ingest rules change, to force a rebuild.
WAREHOUSE_VERSION = "4"
_RULE_MODULES = (ingest, readers, validate, brand_workbook, workbook_reader, kpi_catalogue)


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def fingerprint(data_dir: Path) -> str:
    """Hash of the input files (names and contents), the contract and the version."""
    return _fingerprint_of(folder_digests(input_files(Path(data_dir))))


def _fingerprint_of(digests: dict[str, str]) -> str:
    h = hashlib.sha256()
    h.update(f"version={WAREHOUSE_VERSION}\n".encode())
    h.update(repr(sorted(TABLES.items())).encode())
    for module in _RULE_MODULES:  # a change of the ingest rules invalidates the cache
        h.update(Path(module.__file__).read_bytes())
    for name, digest in sorted(digests.items()):
        h.update(f"{name}\t{digest}\n".encode())
    return h.hexdigest()


def _snapshot(data_dir: Path) -> tuple[Ingested, str]:
    """The folder read consistently (see :mod:`kpi_lib.ingest.snapshot`) and its fingerprint."""
    ingested, digests = read_consistently(lambda: input_files(data_dir),
                                          lambda: load_folder(data_dir))
    return ingested, _fingerprint_of(digests)


def _in_memory(ingested: Ingested, fp: str) -> Warehouse:
    """A warehouse for this run only, when none can be written beside the data."""
    con = _quiet(duckdb.connect(":memory:"))
    build(con, ingested, fp)
    return Warehouse(con, None, rebuilt=True)


class Warehouse:
    """An open warehouse: ``con`` is a DuckDB connection (read-only on a cached file)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None, rebuilt: bool):
        self.con = con
        self.path = path
        self.rebuilt = rebuilt
        self.issues: list[RowIssue] = [
            RowIssue(f, None if pd.isna(r) else int(r), c, reason, code, v, store)
            for f, r, c, reason, code, v, store in con.execute(
                'SELECT file, "row", "column", reason, code, value, store_id FROM _issues'
            ).fetchall()
        ]

    @property
    def columns_present(self) -> dict[str, set[str]]:
        """Table -> canonical columns present in the input (empty set: table absent)."""
        out: dict[str, set[str]] = {t: set() for t in TABLES}
        for t, c in present_pairs(self.con):
            out[t].add(c)
        return out

    @property
    def files(self) -> dict[str, tuple[str, int, int]]:
        """Table -> (source file, rows read, rows kept) for the tables found."""
        rows = self.con.execute(
            "SELECT table_name, file, rows_read, rows_kept FROM _files").fetchall()
        return {t: (f, int(r), int(k)) for t, f, r, k in rows}

    @property
    def notes(self) -> list[str]:
        """Messages about the input that are not issues (e.g. a workbook sheet skipped)."""
        rows = self.con.execute("SELECT file, message FROM _notes").fetchall()
        return [str(message) for _, message in rows]

    def has(self, table: str, column: str | None = None) -> bool:
        """Whether the input held ``table`` (and its ``column``, if given)."""
        return has(self.con, table, column)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_warehouse(data_dir: Path, db_path: Path | None = None, *,
                   rebuild: bool = False) -> Warehouse:
    """Open the warehouse of ``data_dir``, (re)building it if its inputs changed.

    One process builds at a time (a lock beside the file); the others wait and then use
    its result. Raises :class:`~kpi_lib.errors.InputFileError` when an input file cannot
    be used.
    """
    data_dir = Path(data_dir)
    db_path = Path(db_path) if db_path is not None else paths.warehouse_path(data_dir)
    fp = fingerprint(data_dir)
    if not rebuild and db_path.exists():
        con = _open_cached(db_path, fp)
        if con is not None:
            _drop_killed_build(db_path)
            return Warehouse(con, db_path, rebuilt=False)
    with contextlib.ExitStack() as stack:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(exclusive(_lock_path(db_path)))
        except OSError:  # read-only folder: build in memory for this run
            return _in_memory(*_snapshot(data_dir))
        con = None if rebuild or not db_path.exists() else _open_cached(db_path, fp)
        if con is not None:  # built by another process while this one waited
            return Warehouse(con, db_path, rebuilt=False)
        ingested, fp = _snapshot(data_dir)
        try:
            _build_file(db_path, ingested, fp)
        except (OSError, duckdb.Error):  # disk full: the old file stays; in memory
            return _in_memory(ingested, fp)
    return Warehouse(_connect_read_only(db_path), db_path, rebuilt=True)


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _build_path(db_path: Path) -> Path:
    """Where the build in progress is written (one builder at a time: a fixed name)."""
    return db_path.with_name(db_path.name + ".building")


def _remove_build(db_path: Path) -> None:
    tmp = _build_path(db_path)
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _drop_killed_build(db_path: Path) -> None:
    """Remove the files of a build killed mid-way, unless a build is running now."""
    if not _build_path(db_path).exists():
        return
    with contextlib.suppress(OSError), exclusive(_lock_path(db_path), blocking=False) as got:
        if got:
            _remove_build(db_path)


def _build_file(db_path: Path, ingested: Ingested, fp: str) -> None:
    """Build into the temp file, then rename it over ``db_path`` (hold the lock)."""
    _remove_build(db_path)  # a killed build's leftovers
    tmp = _build_path(db_path)
    try:
        con = _quiet(duckdb.connect(str(tmp)))
        try:
            build(con, ingested, fp)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        # a full disk can leave a file without tables (DuckDB lost its WAL): never
        # replace a good warehouse by it
        built = _open_cached(tmp, fp)
        if built is None:
            raise OSError(f"{tmp}: the warehouse could not be written completely")
        built.close()
        os.replace(tmp, db_path)
    finally:
        _remove_build(db_path)


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``con`` without a progress bar: DuckDB would draw it on stdout, into the CSV or
    JSON a command prints there."""
    with contextlib.suppress(duckdb.Error):  # in Jupyter DuckDB refuses (no ipywidgets)
        con.execute("SET enable_progress_bar = false")
    return con


def _connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with ``db_path`` attached read-only as the default catalog.

    ``duckdb.connect(path)`` would reuse an instance cached per path in this process,
    which keeps showing the old file after a rebuild has replaced it.
    """
    con = _quiet(duckdb.connect(":memory:"))
    try:
        con.execute(f"ATTACH {_lit(str(db_path))} AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
    except duckdb.Error:
        con.close()
        raise
    return con


def _lit(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the inputs ``con``'s warehouse was built from (``None``: not a
    warehouse of ours)."""
    try:
        row = con.execute("SELECT value FROM _meta WHERE key = 'fingerprint'").fetchone()
    except duckdb.Error:
        return None
    return None if row is None else row[0]


def _open_cached(db_path: Path, fp: str) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to ``db_path`` if it was built from these inputs."""
    try:
        con = _connect_read_only(db_path)
    except duckdb.Error:
        return None
    if stored_fingerprint(con) == fp and not _future_has_come(con):
        return con
    con.close()
    return None


def _future_has_come(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a row quarantined as "in the future" is dated today or earlier now."""
    row = con.execute("SELECT value FROM _meta WHERE key = 'future_from'").fetchone()
    return row is not None and row[0] <= run_date().isoformat()


def _select_typed(name: str, df: pd.DataFrame | None) -> str:
    """SELECT list casting ``df``'s columns to the contract types (NULLs for absent)."""
    cols = df.columns if df is not None else []
    items = []
    for col in TABLES[name].columns:
        sql_type = DUCKDB_TYPES[col.kind]
        src = f"CAST({_q(col.name)} AS {sql_type})" if col.name in cols else f"NULL::{sql_type}"
        items.append(f"{src} AS {_q(col.name)}")
    canonical = {c.name for c in TABLES[name].columns}
    items += [f"CAST({_q(c)} AS VARCHAR) AS {_q(c)}" for c in cols if c not in canonical]
    return ", ".join(items)


def build(con: duckdb.DuckDBPyConnection, ingested: Ingested, fp: str) -> None:
    """Write the typed tables and the bookkeeping tables into ``con``."""
    for name in TABLES:
        df = ingested.tables.get(name)
        if df is not None and len(df.columns):
            con.register("_src", df)
            con.execute(f"CREATE TABLE {_q(name)} AS SELECT {_select_typed(name, df)} FROM _src")
            con.unregister("_src")
        else:
            con.execute(
                f"CREATE TABLE {_q(name)} AS SELECT {_select_typed(name, None)} LIMIT 0")

    present = pd.DataFrame(
        [(t, c) for t, cols in ingested.columns_present.items() for c in sorted(cols)],
        columns=["table_name", "column_name"], dtype="str")
    con.register("_src", present)
    con.execute("CREATE TABLE _columns AS SELECT table_name::VARCHAR AS table_name, "
                "column_name::VARCHAR AS column_name FROM _src")
    con.unregister("_src")

    issues = pd.DataFrame(
        [(x.file, x.row, x.column, x.reason, x.code, x.value, x.store)
         for x in ingested.issues],
        columns=["file", "row", "column", "reason", "code", "value", "store_id"],
    ).astype({"row": "Int64", "file": "str", "column": "str", "reason": "str",
              "code": "str", "value": "str", "store_id": "str"})
    con.register("_src", issues)
    con.execute(
        'CREATE TABLE _issues AS SELECT file::VARCHAR AS file, "row"::BIGINT AS "row", '
        '"column"::VARCHAR AS "column", reason::VARCHAR AS reason, code::VARCHAR AS code, '
        'value::VARCHAR AS value, store_id::VARCHAR AS store_id FROM _src')
    con.unregister("_src")

    con.execute("CREATE TABLE _files (table_name VARCHAR, file VARCHAR, rows_read BIGINT, "
                "rows_kept BIGINT)")
    if ingested.files:
        con.executemany("INSERT INTO _files VALUES (?, ?, ?, ?)", [
            (t, f, ingested.rows_read[t], ingested.rows_kept[t])
            for t, f in ingested.files.items()])

    wb = ingested.workbook
    if wb is None:
        wb = pd.DataFrame({"store_id": [], "month": [], "metric": [], "value": []})
    con.register("_src", wb.astype({"store_id": "str", "month": "str", "metric": "str",
                                    "value": "float64"}))
    con.execute("CREATE TABLE workbook_kpis AS SELECT store_id::VARCHAR AS store_id, "
                "month::VARCHAR AS month, metric::VARCHAR AS metric, "
                "value::DOUBLE AS value FROM _src")
    con.unregister("_src")
    derived = ingested.workbook_derived
    if derived is None:
        derived = pd.DataFrame({c: [] for c in workbook_reader.DERIVED_COLUMNS})
    con.register("_src", derived.astype(workbook_reader.DERIVED_TYPES))
    con.execute('CREATE TABLE _workbook_derived AS SELECT sheet::VARCHAR AS sheet, '
                'store_id::VARCHAR AS store_id, "row"::BIGINT AS "row", '
                'month::VARCHAR AS month, metric::VARCHAR AS metric, '
                'written::VARCHAR AS written, workbook::DOUBLE AS workbook FROM _src')
    con.unregister("_src")
    con.execute("CREATE TABLE _notes (file VARCHAR, message VARCHAR)")
    if ingested.notes:
        con.executemany("INSERT INTO _notes VALUES (?, ?)", [
            (n.split(": ", 1)[0], n) for n in ingested.notes])

    con.execute("CREATE TABLE _meta (key VARCHAR, value VARCHAR)")
    future = [x.value for x in ingested.issues if x.code == "date_future" and x.value]
    con.executemany("INSERT INTO _meta VALUES (?, ?)", [
        ("fingerprint", fp), ("version", WAREHOUSE_VERSION),
        # the first day a row quarantined as "in the future" is not any more: rebuild then
        ("future_from", min(future) if future else "9999-12-31")])


# --- questions every layer asks the warehouse -------------------------------------

def data_months(con) -> tuple[str | None, str | None]:
    """First and last month with data: dated visits or orders, or brand-workbook values."""
    row = con.execute(
        """
        SELECT min(m), max(m) FROM (
            SELECT strftime(min(date), '%Y-%m') AS m FROM visits
            UNION ALL SELECT strftime(max(date), '%Y-%m') FROM visits
            UNION ALL SELECT strftime(min(order_date), '%Y-%m') FROM orders
            UNION ALL SELECT strftime(max(order_date), '%Y-%m') FROM orders
            UNION ALL SELECT min(month) FROM workbook_kpis
            UNION ALL SELECT max(month) FROM workbook_kpis
        ) WHERE m IS NOT NULL
        """
    ).fetchone()
    return row[0], row[1]


def store_info(con, store: str) -> dict[str, str | None]:
    """The store's row of the ``stores`` table as a dict."""
    cols = ["store_id", "store_name", "region", "city", "tier"]
    sql = f"SELECT {', '.join(cols)} FROM stores WHERE store_id = ?"
    row = con.execute(sql, [store]).fetchone()
    return dict(zip(cols, row, strict=True))


def present_pairs(con) -> set[tuple[str, str]]:
    """(table, column) of every canonical column present in the input."""
    rows = con.execute("SELECT table_name, column_name FROM _columns").fetchall()
    return {(str(t), str(c)) for t, c in rows}


def present_columns(con, table: str, *, extra: bool = False) -> set[str]:
    """Canonical columns of ``table`` present in the input (empty: the table is absent);
    with ``extra``, also the columns beyond the contract the input had (e.g. a customer's
    name, kept only to be masked)."""
    canonical = {str(r[0]) for r in con.execute(
        "SELECT column_name FROM _columns WHERE table_name = ?", [table]).fetchall()}
    if not canonical or not extra:
        return canonical
    every = {str(r[0]) for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
        [table]).fetchall()}
    return canonical | (every - {c.name for c in TABLES[table].columns})


def has(con, table: str, column: str | None = None) -> bool:
    """Whether the input held ``table`` (and its ``column``, if given)."""
    present = present_columns(con, table)
    return bool(present) if column is None else column in present

