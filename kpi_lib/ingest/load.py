"""Read a data folder: find each table's file, map its headers, validate its rows.

A table is ``<table>.csv`` / ``<table>.xlsx`` (first sheet), a file named by one of the
table's Chinese form names, or a sheet named after the table in any ``.xlsx`` of the
folder. Cells are read as text (:mod:`kpi_lib.ingest.readers`) and parsed by
:mod:`kpi_lib.ingest.validate`; rows that break a rule are quarantined. A data file that holds
no table is reported; a folder without a usable store is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpi_lib.errors import InputFileError, RowIssue
from kpi_lib.ingest.readers import READER_CODES, Source, read_csv, read_xlsx, sheet_names
from kpi_lib.ingest.schema import TABLES, Table
from kpi_lib.ingest.validate import (
    TABLE_ORDER,
    Validator,
    check_references,
    check_rows,
    norm_text,
    parse_columns,
    reason,
)
from kpi_lib.paths import links_outside

CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Files of the folder that are never tables (the brand workbook is read elsewhere).
IGNORED_PREFIXES = ("kpi_workbook",)


@dataclass
class Ingested:
    """The validated tables of one data folder and what was set aside."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)
    #: table -> where it came from ("visits.csv", "data.xlsx[visits]")
    files: dict[str, str] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_kept: dict[str, int] = field(default_factory=dict)
    #: table -> canonical columns present in the input
    columns_present: dict[str, set[str]] = field(default_factory=dict)
    #: the brand workbook's values ``store_id, month, metric, value``
    #: (kpi_lib.ingest.brand_workbook)
    workbook: pd.DataFrame | None = None
    #: the workbook's derived cells, as written and as numbers
    #: (:attr:`kpi_lib.ingest.workbook_reader.WorkbookData.derived`; checked against their
    #: recomputation by :mod:`kpi_lib.metrics.workbook_check`)
    workbook_derived: pd.DataFrame | None = None
    #: messages that are not issues (a workbook sheet without month header skipped)
    notes: list[str] = field(default_factory=list)


def _names_of_tables() -> dict[str, str]:
    """Normalised file stem / sheet name -> table name."""
    names: dict[str, str] = {}
    for t in TABLES.values():
        for n in (t.name, *t.file_aliases):
            names[norm_text(n)] = t.name
    return names


def _data_files(data_dir: Path) -> list[Path]:
    """Every visible file of the folder with a data suffix, links included."""
    return sorted(
        p for p in Path(data_dir).iterdir()
        if p.is_file() and not p.name.startswith((".", "~$"))
        and p.suffix.lower() in (*CSV_SUFFIXES, *XLSX_SUFFIXES, ".xls")
    )


def input_files(data_dir: Path) -> list[Path]:
    """The data files of the folder that are read (what the warehouse fingerprint covers):
    visible ``.csv``/``.xlsx``/``.xls`` files, but no link to a file outside the folder."""
    return [p for p in _data_files(data_dir) if not links_outside(p, data_dir)]


def outside_links(data_dir: Path) -> list[Path]:
    """The data files of the folder that are links to files outside it (never read)."""
    return [p for p in _data_files(data_dir) if links_outside(p, data_dir)]


def discover(data_dir: Path) -> dict[str, Source]:
    """Table name -> its source in ``data_dir``; InputFileError if a table has two."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputFileError(f"{data_dir}: data folder not found")
    names = _names_of_tables()
    found: dict[str, Source] = {}

    def add(table: str, src: Source) -> None:
        if table in found:
            raise InputFileError(
                f"table {table} is given twice: in {found[table].label} and in {src.label}; "
                "keep one of them"
            )
        found[table] = src

    for path in input_files(data_dir):
        suffix = path.suffix.lower()
        if path.name.lower().startswith(IGNORED_PREFIXES):
            continue
        table = names.get(norm_text(path.stem))
        if suffix == ".xls":
            if table:
                raise InputFileError(
                    f"{path.name}: the old Excel .xls format is not supported; "
                    "save it as .xlsx or CSV")
            continue
        if suffix in CSV_SUFFIXES:
            if table:
                add(table, Source(path))
            continue
        if table:
            add(table, Source(path))
            continue
        try:
            sheets = sheet_names(path)
        except InputFileError:  # a damaged workbook named after no table: left out
            continue
        for sheet in sheets:
            sheet_table = names.get(norm_text(sheet))
            if sheet_table:
                add(sheet_table, Source(path, sheet))
    return found


# --- header mapping --------------------------------------------------------------------

def _header_key(text: str) -> str:
    return "".join(norm_text(text).split()).replace("_", "").replace("-", "")


def _zh(table: Table, column: str) -> str:
    col = table.column(column)
    zh = [a for a in col.aliases if not a.isascii()]
    return f"{column} ({zh[0]})" if zh else column


def _cut(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def map_headers(header: list[str], table: Table, label: str) -> tuple[dict[str, str], set[str]]:
    """Positional name (``c0``…) -> canonical or extra column name, and canonical found."""
    lookup = {_header_key(h): col.name for col in table.columns for h in col.headers}
    rename: dict[str, str] = {}
    seen: dict[str, str] = {}
    for i, raw in enumerate(header):
        name = lookup.get(_header_key(raw))
        if name is None:
            continue
        if name in seen:
            if seen[name] == raw:
                raise InputFileError(f"{label}: column '{raw}' appears twice; keep one")
            raise InputFileError(
                f"{label}: columns '{seen[name]}' and '{raw}' both mean {name}; keep one")
        seen[name] = raw
        rename[f"c{i}"] = name
    missing = [c for c in table.required if c not in seen]
    if missing and len(header) == 1:
        for sep, what in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if sep in header[0]:
                raise InputFileError(f"{label}: the values are separated by {what}, not by "
                                     "commas; save it as CSV (comma delimited)")
    if missing:
        found = _cut(", ".join(h for h in header if h.strip()) or "none")
        what = ", ".join(_zh(table, c) for c in missing)
        plural = "columns" if len(missing) > 1 else "column"
        unknown = [h.strip() for i, h in enumerate(header) if f"c{i}" not in rename and h.strip()]
        hint = f" (not recognised: {_cut(', '.join(unknown))})" if unknown else ""
        raise InputFileError(f"{label}: required {plural} {what} missing; "
                             f"the columns found are: {found}{hint}")
    taken = set(rename.values())
    for i, raw in enumerate(header):
        if f"c{i}" in rename:
            continue
        base = raw.strip() or f"column_{i + 1}"
        name, k = base, 2
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        rename[f"c{i}"] = name
    return rename, set(seen)


# --- the folder ------------------------------------------------------------------------

def load_table(name: str, src: Source) -> tuple[pd.DataFrame, list[RowIssue], int, set[str]]:
    """One table, validated on its own: (kept rows, issues, rows read, columns present)."""
    table = TABLES[name]
    reader = read_xlsx if src.path.suffix.lower() in XLSX_SUFFIXES else read_csv
    header, df, issues = reader(src)
    if not header:  # an empty file: an empty table (with no column present), not an error
        empty = pd.DataFrame({c.name: pd.Series([], dtype="str") for c in table.columns})
        return parse_columns(empty, table, Validator(src.label)), issues, 0, set()
    rename, present = map_headers(header, table, src.label)
    df = df.rename(columns=rename)
    if len(df.columns):  # rows with no value at all (",,,,"): not rows, not reported
        blank = pd.Series(True, index=df.index)
        for c in df.columns:
            blank &= df[c] == ""
        df = df[~blank.to_numpy()]
    rows_read = len(df) + sum(1 for i in issues if i.code in READER_CODES)
    v = Validator(src.label, df["store_id"] if "store_id" in df.columns else None)
    df = parse_columns(df, table, v)
    df = check_rows(df, table, v)
    return df, issues + v.issues, rows_read, present


def load_folder(data_dir: Path) -> Ingested:
    """Read and validate every table found in ``data_dir``.

    Raises InputFileError when a file cannot be used at all; rows breaking a rule are
    left out of ``tables`` and listed in ``issues`` (sorted by file and row).
    """
    sources = discover(Path(data_dir))
    out = Ingested()
    for name in TABLE_ORDER:
        if name not in sources:
            continue
        src = sources[name]
        df, issues, rows_read, present = load_table(name, src)
        out.tables[name] = df
        out.issues.extend(issues)
        out.files[name] = src.label
        out.rows_read[name] = rows_read
        out.columns_present[name] = present
    check_references(out.tables, out.files, out.issues)
    _add_workbook(out, Path(data_dir))
    _check_stores(out, Path(data_dir))
    out.issues.extend(_unread_files(Path(data_dir), sources))
    for name, df in out.tables.items():
        out.rows_kept[name] = len(df)
        out.tables[name] = df.reset_index(drop=True)
    order = {label: i for i, label in enumerate(out.files.values())}
    out.issues.sort(key=lambda i: (order.get(i.file, 99), i.file, i.row or 0))
    return out


def _add_workbook(out: Ingested, data_dir: Path) -> None:
    """Read the folder's ``kpi_workbook*.xlsx`` into ``out`` (see
    :mod:`kpi_lib.ingest.brand_workbook`).

    Its sheets must name stores of the ``stores`` table; when the folder has none, they
    create it (store_id, store_name, region) — after the reference checks, so rows of
    other tables are not checked against workbook stores.
    """
    from kpi_lib.ingest.workbook_reader import load_workbooks, workbook_files

    paths = workbook_files(data_dir)
    if not paths:
        return
    stores = out.tables.get("stores")
    known = None if stores is None else stores["store_id"].dropna().astype(str).tolist()
    wb = load_workbooks(data_dir, known)
    out.workbook = wb.values
    out.workbook_derived = wb.derived
    out.issues.extend(wb.issues)
    out.notes.extend(wb.notes)
    if stores is None and len(wb.stores):
        out.tables["stores"] = wb.stores
        out.files["stores"] = ", ".join(wb.files)
        out.rows_read["stores"] = len(wb.stores)
        out.columns_present["stores"] = {"store_id", "store_name", "region"}


def _check_stores(out: Ingested, data_dir: Path) -> None:
    """InputFileError unless the folder gives at least one usable store: without one
    nothing can be computed, and every other row would be reported as orphaned."""
    if "stores" not in out.tables:
        raise InputFileError(
            f"no stores table in {data_dir}: add stores.csv (or 门店.csv, or a sheet named "
            "stores) with the columns store_id (门店代码), store_name (门店名称), region (区域)")
    if len(out.tables["stores"]):
        return
    label, n = out.files["stores"], out.rows_read["stores"]
    if n == 0:
        raise InputFileError(f"{label}: the stores table has no rows; add one row per store")
    first = [str(i) for i in out.issues if i.file == label][:3]
    raise InputFileError(f"{label}: none of its {n} store rows can be used ({'; '.join(first)})")


def _unread_files(data_dir: Path, sources: dict[str, Source]) -> list[RowIssue]:
    """An "ignored" issue (no row) for each data file of the folder that is not read: a
    file named after no table ("visits - 副本.csv", "说明.xlsx"), a workbook that cannot
    be opened, a link to a file outside the folder; and for each empty (0-byte) table
    file, read as a table without rows."""
    used = {s.path for s in sources.values()}
    issues = []

    def add(path: Path, code: str, value: str) -> None:
        issues.append(RowIssue(path.name, None, None, reason(code, value=value), code, value))

    for path in input_files(data_dir):
        if path.name.lower().startswith(IGNORED_PREFIXES):
            continue
        if path in used:
            if path.stat().st_size == 0:
                add(path, "empty_file", path.name)
            continue
        if path.suffix.lower() in XLSX_SUFFIXES:
            try:
                add(path, "unknown_sheets", ", ".join(sheet_names(path)))
            except InputFileError:
                add(path, "unreadable_file", path.name)
        else:
            add(path, "unknown_file", path.stem)
    for path in outside_links(data_dir):
        add(path, "outside_link", path.name)
    return issues
