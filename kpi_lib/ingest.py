"""Read a data folder: find each table's file, map its headers, validate its rows.

A table is ``<table>.csv`` / ``<table>.xlsx`` (first sheet), a file named by one of the
table's Chinese form names, or a sheet named after the table in any ``.xlsx`` of the
folder. CSVs may be UTF-8 (with or without BOM) or GB18030/GBK. Cells are read as text
and parsed by :mod:`kpi_lib.validate`; rows that break a rule are quarantined.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from kpi_lib.errors import InputFileError, RowIssue
from kpi_lib.schema import TABLES, Table
from kpi_lib.validate import (
    TABLE_ORDER,
    Validator,
    check_references,
    check_rows,
    norm_text,
    parse_columns,
    reason,
)

CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Files of the folder that are never tables (the brand workbook is read elsewhere).
IGNORED_PREFIXES = ("kpi_workbook",)
_SNIFF_BYTES = 64 * 1024


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
    #: the brand workbook's values ``store_id, month, metric, value`` (kpi_lib.workbook)
    workbook: pd.DataFrame | None = None
    #: messages that are not issues (a workbook sheet without month header skipped)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """Where one table is read from: a CSV file, or one sheet of a workbook."""

    path: Path
    sheet: str | None = None  # None: the CSV, or the first sheet of an xlsx

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


def _names_of_tables() -> dict[str, str]:
    """Normalised file stem / sheet name -> table name."""
    names: dict[str, str] = {}
    for t in TABLES.values():
        for n in (t.name, *t.file_aliases):
            names[norm_text(n)] = t.name
    return names


def input_files(data_dir: Path) -> list[Path]:
    """The visible data files of the folder (what the warehouse fingerprint covers)."""
    return sorted(
        p for p in Path(data_dir).iterdir()
        if p.is_file() and not p.name.startswith((".", "~$"))
        and p.suffix.lower() in (*CSV_SUFFIXES, *XLSX_SUFFIXES, ".xls")
    )


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
        for sheet in _sheet_names(path):
            sheet_table = names.get(norm_text(sheet))
            if sheet_table:
                add(sheet_table, Source(path, sheet))
    return found


# --- reading -------------------------------------------------------------------------

def _open_workbook(path: Path):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputFileError(
            f"{path.name}: cannot be read as an Excel workbook "
            f"(the file is damaged or not really .xlsx: {exc})") from None
    except Exception as exc:  # openpyxl raises assorted errors on odd files
        raise InputFileError(
            f"{path.name}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})"
        ) from None


def _sheet_names(path: Path) -> list[str]:
    wb = _open_workbook(path)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_xlsx(src: Source) -> tuple[list[str], pd.DataFrame, list[RowIssue]]:
    """Header and data cells (as text) of a sheet; blank rows are dropped, not renumbered."""
    wb = _open_workbook(src.path)
    try:
        ws = wb[src.sheet] if src.sheet else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header: list[str] = []
        for row in rows:
            if any(c is not None and str(c).strip() for c in row):
                header = [_cell_text(c) for c in row]
                break
        data: list[list[str]] = []
        numbers: list[int] = []
        for i, row in enumerate(rows, start=1):
            cells = [_cell_text(c) for c in row[: len(header)]]
            if any(c.strip() for c in cells):
                cells += [""] * (len(header) - len(cells))
                data.append(cells)
                numbers.append(i)
    except InputFileError:
        raise
    except Exception as exc:
        raise InputFileError(f"{src.label}: cannot be read ({type(exc).__name__}: {exc})") from None
    finally:
        wb.close()
    names = [f"c{i}" for i in range(len(header))]
    df = pd.DataFrame(data, columns=names, dtype="str", index=pd.Index(numbers, name="row"))
    if not data:
        df = pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
    return header, df, []


def _sniff_encoding(path: Path) -> tuple[str, list[str]]:
    """The file's encoding and its header cells, or InputFileError if it is not text."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if b"\x00" in head:
        raise InputFileError(
            f"{path.name}: cannot be read as a text table (it contains binary data; "
            "save it as CSV in UTF-8 or GBK, or as .xlsx)")
    if len(head) == _SNIFF_BYTES:  # cut at a line end so no character is split
        head = head[: head.rfind(b"\n") + 1] or head
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        header = next(csv.reader(io.StringIO(text)), [])
        return enc, header
    raise InputFileError(
        f"{path.name}: cannot be read as a text table (neither UTF-8 nor GBK/GB18030 "
        "text; save it as CSV in UTF-8 or as .xlsx)")


def read_csv(src: Source) -> tuple[list[str], pd.DataFrame, list[RowIssue]]:
    """Header and data cells (as text) of a CSV file, plus issues for ragged rows."""
    path = src.path
    enc, header = _sniff_encoding(path)
    names = [f"c{i}" for i in range(len(header))]
    if not header:
        return [], pd.DataFrame(), []

    def attempt(encoding: str, threads: bool) -> tuple[pa.Table, list]:
        # the careful pass (one thread) also allows line breaks inside quoted cells
        ragged: list = []

        def on_bad_row(row) -> str:
            ragged.append(row)
            return "skip"

        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, use_threads=threads,
                encoding="utf8" if encoding == "utf-8-sig" else encoding),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_bad_row,
                                             newlines_in_values=not threads),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        return table, ragged

    try:
        try:
            table, ragged = attempt(enc, True)
        except pa.ArrowInvalid as exc:
            if enc != "utf-8-sig" or "UTF8" not in str(exc):
                raise
            enc = "gb18030"
            table, ragged = attempt(enc, True)
        if ragged:  # row numbers are only known when reading on one thread
            table, ragged = attempt(enc, False)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"{path.name}: cannot be read as a text table ({exc})".replace("\n", " ")
        ) from None

    df = table.to_pandas()
    df.index = _row_numbers(len(df), [r.number - 1 for r in ragged if r.number])
    issues = [
        RowIssue(src.label, r.number - 1 if r.number else None, None,
                 reason("bad_row", found=r.actual_columns, expected=r.expected_columns),
                 "bad_row", r.text[:200])
        for r in ragged
    ]
    return header, df, issues


def _row_numbers(n: int, skipped: list[int]) -> pd.Index:
    """Data row numbers of the ``n`` rows kept when rows ``skipped`` were dropped."""
    rows = pd.RangeIndex(1, n + 1).to_numpy().copy()
    for s in sorted(skipped):
        rows[rows >= s] += 1
    return pd.Index(rows, name="row")


# --- header mapping --------------------------------------------------------------------

def _header_key(text: str) -> str:
    return "".join(norm_text(text).split()).replace("_", "").replace("-", "")


def _zh(table: Table, column: str) -> str:
    col = table.column(column)
    zh = [a for a in col.aliases if not a.isascii()]
    return f"{column} ({zh[0]})" if zh else column


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
            raise InputFileError(
                f"{label}: columns '{seen[name]}' and '{raw}' both mean {name}; keep one")
        seen[name] = raw
        rename[f"c{i}"] = name
    missing = [c for c in table.required if c not in seen]
    if missing:
        found = ", ".join(h for h in header if h.strip()) or "none"
        what = ", ".join(_zh(table, c) for c in missing)
        plural = "columns" if len(missing) > 1 else "column"
        raise InputFileError(
            f"{label}: required {plural} {what} missing; the columns found are: {found}")
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
    if not header:  # an empty file: an empty table, not an error
        return pd.DataFrame(index=pd.RangeIndex(0)), issues, 0, set()
    rename, present = map_headers(header, table, src.label)
    df = df.rename(columns=rename)
    if len(df.columns):  # rows with no value at all (",,,,"): not rows, not reported
        blank = pd.Series(True, index=df.index)
        for c in df.columns:
            blank &= df[c] == ""
        df = df[~blank.to_numpy()]
    rows_read = len(df) + sum(1 for i in issues if i.code == "bad_row")
    v = Validator(src.label)
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
    for name, df in out.tables.items():
        out.rows_kept[name] = len(df)
        out.tables[name] = df.reset_index(drop=True)
    order = {label: i for i, label in enumerate(out.files.values())}
    out.issues.sort(key=lambda i: (order.get(i.file, 99), i.file, i.row or 0))
    return out


def _add_workbook(out: Ingested, data_dir: Path) -> None:
    """Read the folder's ``kpi_workbook*.xlsx`` into ``out`` (see :mod:`kpi_lib.workbook`).

    Its sheets must name stores of the ``stores`` table; when the folder has none, they
    create it (store_id, store_name, region) — after the reference checks, so rows of
    other tables are not checked against workbook stores.
    """
    from kpi_lib.workbook import load_workbooks, workbook_files

    paths = workbook_files(data_dir)
    if not paths:
        return
    stores = out.tables.get("stores")
    known = None if stores is None else stores["store_id"].dropna().astype(str).tolist()
    wb = load_workbooks(data_dir, known)
    out.workbook = wb.values
    out.issues.extend(wb.issues)
    out.notes.extend(wb.notes)
    if stores is None and len(wb.stores):
        out.tables["stores"] = wb.stores
        out.files["stores"] = ", ".join(wb.files)
        out.rows_read["stores"] = len(wb.stores)
        out.columns_present["stores"] = {"store_id", "store_name", "region"}
