"""Read one table's cells as text: a CSV file or one sheet of an ``.xlsx`` workbook.

CSVs may be UTF-8 (with or without BOM) or GB18030/GBK, told apart from the file's bytes.
A file in one of them except for a few bytes (a stray byte, a row pasted from a file in
the other) is read, and the rows holding the unreadable bytes are quarantined as
``bad_text``; rows with too few or too many values as ``bad_row``. A file that is not
text at all raises :class:`~kpi_lib.errors.InputFileError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from kpi_lib.errors import InputFileError, RowIssue
from kpi_lib.ingest.validate import reason

_SNIFF_BYTES = 64 * 1024
#: Issue codes of rows the readers set aside (they count as rows read).
READER_CODES = ("bad_row", "unclosed_quote", "bad_text")


@dataclass(frozen=True)
class Source:
    """Where one table is read from: a CSV file, or one sheet of a workbook."""

    path: Path
    sheet: str | None = None  # None: the CSV, or the first sheet of an xlsx

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


def open_workbook(path: Path):
    """``path`` opened read-only with cached cell values; InputFileError if it is no xlsx."""
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


def sheet_names(path: Path) -> list[str]:
    """The sheet names of the workbook ``path``, in order."""
    wb = open_workbook(path)
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
    wb = open_workbook(src.path)
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


_TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
#: A file that decodes in an encoding except for a few bytes is that encoding, damaged
#: (a stray byte, a row pasted from another encoding), when its readable non-ASCII
#: characters outnumber the unreadable ones this many times. GBK text read as UTF-8 (or
#: the reverse) gives mostly unreadable characters, so it never passes.
_DAMAGE_RATIO = 10


def _not_text(name: str) -> InputFileError:
    return InputFileError(
        f"{name}: cannot be read as a text table (neither UTF-8 nor GBK/GB18030 "
        "text; save it as CSV in UTF-8 or as .xlsx)")


def _encoding_of(data: bytes, name: str) -> tuple[str, bool]:
    """``(encoding, damaged)`` of the text ``data``; InputFileError if it is not text.

    ``damaged``: a few bytes are not valid in the encoding; they are read as U+FFFD and
    their rows are quarantined (:func:`_unreadable_rows`), the rest of the file is used.
    """
    for enc in _TEXT_ENCODINGS:
        try:
            data.decode(enc)
            return enc, False
        except UnicodeDecodeError:
            text = data.decode(enc, errors="replace")
            bad = text.count("\ufffd")
            readable = len(text) - len(text.encode("ascii", "ignore")) - bad
            if readable >= _DAMAGE_RATIO * bad and b"," in data:  # a table, not noise
                return enc, True
    raise _not_text(name)


def _sniff_encoding(path: Path) -> tuple[str, bool, list[str], int]:
    """The file's encoding (from its head), whether it is damaged, its header cells and
    the number of lines they take (more than one when a cell holds a line break)."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(
            f"{path.name}: the file is UTF-16 text (Excel's 'Unicode text'); save it as "
            "'CSV UTF-8 (comma delimited)' instead")
    if b"\x00" in head:
        raise InputFileError(
            f"{path.name}: cannot be read as a text table (it contains binary data; "
            "save it as CSV in UTF-8 or GBK, or as .xlsx)")
    if len(head) == _SNIFF_BYTES:  # cut at a line end so no character is split
        head = head[: head.rfind(b"\n") + 1] or head
    enc, damaged = _encoding_of(head, path.name)
    text = head.decode(enc, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise InputFileError(f"{path.name}: the header row cannot be read ({exc})") from None
    if any(("\n" in h or "\r" in h) and "," in h for h in header):  # not Alt+Enter
        raise InputFileError(f"{path.name}: a quote (\") opened in the header row is never "
                             "closed, so the header runs into the rows below; remove it")
    return enc, damaged, header, reader.line_num


def _read_text(path: Path, enc: str, damaged: bool, names: list[str], skip: int
               ) -> tuple[pa.Table, list]:
    """The cells of ``path`` after its header as strings, and the ragged rows skipped."""
    data = path.read_bytes().decode(enc, errors="replace").encode() if damaged else None

    def attempt(threads: bool) -> tuple[pa.Table, list]:
        # the careful pass (one thread) also allows line breaks inside quoted cells
        ragged: list = []

        def on_bad_row(row) -> str:
            ragged.append(row)
            return "skip"

        table = pacsv.read_csv(
            io.BytesIO(data) if data is not None else path,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=skip, use_threads=threads,
                encoding="utf8" if data is not None or enc == "utf-8-sig" else enc),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_bad_row,
                                             newlines_in_values=not threads),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        return table, ragged

    try:
        table, ragged = attempt(True)
    except pa.ArrowInvalid as exc:
        if "Could not skip initial" not in str(exc):
            raise
        # only a header, without a line break after it: a table with no rows
        return pa.table({n: pa.array([], pa.string()) for n in names}), []
    if ragged:  # row numbers are only known when reading on one thread
        table, ragged = attempt(False)
    return table, ragged


def read_csv(src: Source) -> tuple[list[str], pd.DataFrame, list[RowIssue]]:
    """Header and data cells (as text) of a CSV file, plus issues for ragged rows and
    for rows holding bytes that are not text in the file's encoding."""
    path = src.path
    enc, damaged, header, skip = _sniff_encoding(path)
    names = [f"c{i}" for i in range(len(header))]
    if not header:
        return [], pd.DataFrame(), []
    try:
        try:
            table, ragged = _read_text(path, enc, damaged, names, skip)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if damaged or not isinstance(exc, UnicodeDecodeError) and "UTF8" not in str(exc):
                raise
            # the head is clean text, a later part is not: decide on the whole file
            enc, damaged = _encoding_of(path.read_bytes(), path.name)
            table, ragged = _read_text(path, enc, damaged, names, skip)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"{path.name}: cannot be read as a text table ({exc})".replace("\n", " ")
        ) from None

    df = table.to_pandas()
    df.index = _row_numbers(len(df), [r.number - skip for r in ragged if r.number])
    issues = [_ragged_issue(r, src.label, skip) for r in ragged]
    if damaged:
        df, unreadable = _unreadable_rows(df, header, src.label)
        issues += unreadable
    return header, df, issues


def _ragged_issue(row, label: str, skip: int) -> RowIssue:
    """The issue of a row with too few or too many values (a pyarrow ``InvalidRow``);
    ``skip``: the header's lines."""
    number = row.number - skip if row.number else None
    if row.text.count('"') % 2:  # the quote swallowed the line breaks after it
        return RowIssue(label, number, None, reason("unclosed_quote"), "unclosed_quote",
                        row.text[:200])
    return RowIssue(label, number, None,
                    reason("bad_row", found=row.actual_columns, expected=row.expected_columns),
                    "bad_row", row.text[:200])


def _unreadable_rows(df: pd.DataFrame, header: list[str], label: str
                     ) -> tuple[pd.DataFrame, list[RowIssue]]:
    """The rows of ``df`` without an unreadable character (U+FFFD), and an issue for each
    row with one, naming its first such cell by the file's own header."""
    hit = pd.DataFrame({c: df[c].str.contains("\ufffd", regex=False) for c in df.columns},
                       index=df.index)
    rows = hit.any(axis=1).to_numpy()
    issues = []
    for row, flags in hit[rows].iterrows():
        i = int(flags.to_numpy().argmax())
        column = header[i].strip() or f"column {i + 1}"
        value = df.at[row, f"c{i}"]
        issues.append(RowIssue(label, int(row), column,
                               reason("bad_text", column=column, value=value), "bad_text", value))
    return df[~rows], issues


def _row_numbers(n: int, skipped: list[int]) -> pd.Index:
    """Data row numbers of the ``n`` rows kept when rows ``skipped`` were dropped."""
    rows = pd.RangeIndex(1, n + 1).to_numpy().copy()
    for s in sorted(skipped):
        rows[rows >= s] += 1
    return pd.Index(rows, name="row")
