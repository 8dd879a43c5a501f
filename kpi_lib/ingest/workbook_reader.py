"""Read the brand's monthly KPI workbook (``kpi_workbook*.xlsx``) into long rows.

The template (DATA_CONTRACT.md, "The brand's monthly KPI workbook"): one sheet per store,
named by its ``store_id``; KPI names in column A; a header row holding the months, as
``YYYY-MM`` (or ``2026年3月``, or a date cell) or as ``1月``…``12月`` (also ``Jan``…``Dec``)
with the year in a ``年份``/``year`` cell above it; ``区域``/``region`` (and ``门店名称``)
cells above the header. A sheet may stack several blocks, each under its own header row
(e.g. the template's 销售KPI and 交车结构 blocks, or one block per year).

Which rows give values and how labels match: :mod:`kpi_lib.ingest.brand_workbook`. The
derived rows' cells are kept as written, with their number (:attr:`WorkbookData.derived`,
:func:`cell_value`), for :mod:`kpi_lib.metrics.workbook_check`. Cells: numbers, or
numbers stored as text ("1,234", "¥1,234"); blank, ``-`` and ``#DIV/0!`` are n/a.

Problems become :class:`~kpi_lib.errors.RowIssue` rows with ``file`` =
``kpi_workbook….xlsx[S001]``, ``row`` = the Excel row number and ``column`` = the month
header cell: a label that is not a template row (with a "did you mean" suggestion), a
sheet naming no known store, a cell that is not a number, a month header without its
year. A label without any value in the month columns (a title, a note) is ignored.
A sheet without a month header row (instructions) is skipped with a note, not an issue.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, RowIssue
from ..paths import links_outside
from .brand_workbook import LABELS, OTHER_KPIS, TITLES, label_key, suggest
from .readers import open_workbook
from .validate import (
    COUNT_LIMIT,
    MONEY_LIMIT,
    id_problem,
    norm_text,
    parse_number,
    reason,
    shown_id,
)
from .validate import REASONS as TABLE_REASONS

#: The workbook files of a data folder.
WORKBOOK_PREFIX = "kpi_workbook"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

#: Columns of :attr:`WorkbookData.derived`.
DERIVED_COLUMNS = ["sheet", "store_id", "row", "month", "metric", "written", "workbook"]

DERIVED_TYPES = {"sheet": "str", "store_id": "str", "row": "int64", "month": "str",
                 "metric": "str", "written": "str", "workbook": "float64"}
_ERROR = re.compile(r"^#[A-Z0-9/]+[!?]?$")
_PERCENT = re.compile(r"^(.*?)\s*%$")

_YEAR_KEYS = ("年份", "年度", "年", "year")
_REGION_KEYS = ("区域", "大区", "所属区域", "region")
_NAME_KEYS = ("门店名称", "店名", "store_name", "storename", "store")
_NA_TEXT = {"", "-", "—", "–", "/", "n/a", "na", "#div/0!", "#n/a"}
_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")
_MONTH_NAMES = {**{n[:3]: i for i, n in enumerate(_MONTHS_EN, 1)},
                **{n: i for i, n in enumerate(_MONTHS_EN, 1)}, "sept": 9}
_FULL_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_PART_MONTH = re.compile(r"^(\d{1,2})\s*月份?$")
_YEAR_TEXT = re.compile(r"^(\d{4})\s*(?:年度?)?$")
_MIN_YEAR, _MAX_YEAR = 1900, 2100
UNKNOWN_REGION = "未知"

#: Issue code -> English reason template (codes of :mod:`kpi_lib.ingest.validate` are reused
#: for bad numbers and negative values).
REASONS: dict[str, str] = {
    "unknown_kpi_row": "'{value}' is not a row of the KPI template{hint}",
    "unknown_store_sheet": "sheet '{value}' names no store of the stores table; skipped",
    "month_without_year": "the month header '{value}' has no year: put 年份 and the year "
                          "in a cell above the header row",
    "duplicate_month": "month {value} appears more than once in the header; its columns "
                       "are not read",
    "workbook_conflict": "{row_label} for {month} is given twice ({value} and {other}); "
                         "the first is used",
    "excel_error": "the cell holds the Excel error {value}; read as n/a",
    "unsafe_id": TABLE_REASONS["unsafe_id"],  # a sheet that would create such a store
}


@dataclass
class WorkbookData:
    """What the workbook(s) of a folder hold."""

    #: long rows ``store_id, month, metric, value`` (n/a cells left out)
    values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"store_id": pd.Series(dtype="str"), "month": pd.Series(dtype="str"),
         "metric": pd.Series(dtype="str"), "value": pd.Series(dtype="float64")}))
    #: one row per store sheet read: ``store_id, store_name, region``
    stores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["store_id", "store_name", "region"], dtype="str"))
    issues: list[RowIssue] = field(default_factory=list)
    #: plain messages that are not issues (a sheet skipped for having no month header)
    notes: list[str] = field(default_factory=list)
    #: the workbook files read
    files: list[str] = field(default_factory=list)
    #: the cells of the derived rows of the store sheets read, as written (never used as
    #: values): ``sheet`` (``kpi_workbook….xlsx[S001]``), ``store_id``, ``row`` (Excel row
    #: number), ``month``, ``metric`` (registry id, or a :data:`DERIVED_SUMS` id),
    #: ``written`` (the cell as written, "" when blank), ``workbook`` (its number, NaN when
    #: n/a; :func:`cell_value`); see :mod:`kpi_lib.metrics.workbook_check`
    derived: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=DERIVED_COLUMNS).astype(DERIVED_TYPES))


def cell_value(raw: object) -> tuple[float, str]:
    """(number or NaN when n/a, the cell as written) of one derived cell: numbers, "1,234",
    "¥1,234", a percent as 0.264 or "26.4%"; blank, ``-``, ``#DIV/0!`` and other Excel
    errors are n/a.

    >>> cell_value("26.4%"), cell_value(0.264), cell_value("#DIV/0!"), cell_value(None)
    ((0.264, '26.4%'), (0.264, '0.264'), (nan, '#DIV/0!'), (nan, ''))
    >>> cell_value("¥1,234.5")
    (1234.5, '¥1,234.5')
    """
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return math.nan, ""
    if isinstance(raw, bool):
        return math.nan, str(raw)
    if isinstance(raw, int | float):
        number = float(raw)
        shown = str(int(number)) if number.is_integer() else repr(number)
        return (number if math.isfinite(number) else math.nan), shown
    written = str(raw).strip()
    t = norm_text(written)
    if not t or _ERROR.match(t.upper()):
        return math.nan, written
    scale = 1.0
    if m := _PERCENT.match(t):
        t, scale = m[1], 0.01
    parsed, _ = parse_number(pd.Series([t], dtype="str"))
    number = float(parsed.iloc[0])
    return (number * scale if math.isfinite(number) else math.nan), written


def workbook_files(data_dir: Path) -> list[Path]:
    """The ``kpi_workbook*.xlsx`` files of ``data_dir``, sorted by name."""
    return sorted(
        p for p in Path(data_dir).iterdir()
        if p.is_file() and p.name.lower().startswith(WORKBOOK_PREFIX)
        and p.suffix.lower() in WORKBOOK_SUFFIXES and not links_outside(p, data_dir)
    )


# --- cells -----------------------------------------------------------------------------

def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_month(value: object) -> tuple[int | None, int] | None:
    """(year or None, month) if the header cell names a month, else None."""
    if isinstance(value, dt.datetime | dt.date):
        return value.year, value.month
    if not isinstance(value, str):
        return None
    t = norm_text(value)
    if m := _FULL_MONTH.match(t):
        year, month = int(m[1]), int(m[2])
        return (year, month) if 1 <= month <= 12 else None
    if m := _PART_MONTH.match(t):
        month = int(m[1])
        return (None, month) if 1 <= month <= 12 else None
    month = _MONTH_NAMES.get(t.rstrip("."))
    return (None, month) if month else None


def _year(value: object) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        year = int(value) if float(value).is_integer() else None
    elif isinstance(value, str) and (m := _YEAR_TEXT.match(norm_text(value))):
        year = int(m[1])
    else:
        return None
    return year if year is not None and _MIN_YEAR <= year <= _MAX_YEAR else None


def _meta(cells: Sequence[object]) -> dict[str, object]:
    """Labelled cells of a row: ``年份 | 2026``, ``区域：华东`` → {"year": 2026, ...}."""
    found: dict[str, object] = {}
    for i, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        head, sep, rest = unicodedata.normalize("NFKC", cell).partition(":")
        k = "".join(head.split()).lower()
        what = ("year" if k in _YEAR_KEYS else "region" if k in _REGION_KEYS
                else "name" if k in _NAME_KEYS else None)
        if what is None or what in found:
            continue
        value = rest.strip() if sep and rest.strip() else next(
            (c for c in cells[i + 1:] if _text(c)), None)
        if value is not None:
            found[what] = _year(value) if what == "year" else _text(value)
    return found


# --- one sheet -------------------------------------------------------------------------

@dataclass
class _Sheet:
    label: str
    store: str
    region: str | None = None
    name: str | None = None
    #: (metric, month, raw cell, Excel row, month header, row label) of the input rows
    cells: list[tuple[str, str, object, int, str, str]] = field(default_factory=list)
    #: the same of the derived rows that name a metric (kept as written, never read)
    derived: list[tuple[str, str, object, int, str, str]] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    has_header: bool = False


def _issue(label: str, row: int | None, column: str | None, code: str, value: object,
           **fields: object) -> RowIssue:
    text = None if value is None else str(value)
    return RowIssue(label, row, column, REASONS[code].format(value=text, column=column,
                                                               **fields), code, text)


def _header_columns(sheet: _Sheet, cells: Sequence[object], r: int, year: int | None
                    ) -> dict[int, tuple[str, str]] | None:
    """Column index -> (month, header text) of a header row; None if no month in it."""
    found = [(i, _header_month(c)) for i, c in enumerate(cells) if i > 0]
    found = [(i, ym) for i, ym in found if ym is not None]
    if not found:
        return None
    if any(y is None for _, (y, _) in found):  # 1月…12月: the year comes from above
        in_row = [y for c in cells if isinstance(c, str) and (y := _year(c))]
        year = in_row[0] if in_row else year
    if year is None and any(y is None for _, (y, _) in found):
        head = next(_text(cells[i]) for i, (y, _) in found if y is None)
        sheet.issues.append(_issue(sheet.label, r, head, "month_without_year", head))
        return {}
    columns = {i: (f"{y or year:04d}-{mon:02d}", _text(cells[i])) for i, (y, mon) in found}
    months = [month for month, _ in columns.values()]
    twice = sorted({m for m in months if months.count(m) > 1})  # the template's "Jun Feb…"
    for month in twice:
        head = next(h for m, h in columns.values() if m == month)
        sheet.issues.append(_issue(sheet.label, r, head, "duplicate_month", month))
    return {i: (m, h) for i, (m, h) in columns.items() if m not in twice}


def _read_sheet(label: str, store: str, rows: Iterable[Sequence[object]]) -> _Sheet:
    sheet = _Sheet(label, store)
    year: int | None = None
    columns: dict[int, tuple[str, str]] | None = None
    for r, cells in enumerate(rows, start=1):
        if not any(_text(c) for c in cells):
            continue
        first = label_key(cells[0]) if cells else ""
        known = LABELS.get(first)
        if known is None:
            meta = _meta(cells)
            if meta:
                year = meta.get("year") or year  # type: ignore[assignment]
                sheet.region = sheet.region or meta.get("region")  # type: ignore[assignment]
                sheet.name = sheet.name or meta.get("name")  # type: ignore[assignment]
            header = _header_columns(sheet, cells, r, year)
            if header is not None:
                columns, sheet.has_header = header, True
                continue
            if meta:
                continue
        if not columns or not first:
            continue
        values = [(cells[i] if i < len(cells) else None, month, head)
                  for i, (month, head) in columns.items()]
        if known is None:
            if first not in TITLES and any(_text(v) for v, _, _ in values):
                close = None if first in OTHER_KPIS else suggest(cells[0])
                hint = (f" (did you mean '{close}'?)" if close else
                        f" (the KPI {OTHER_KPIS[first]} cannot be read from the workbook)"
                        if first in OTHER_KPIS else "")
                sheet.issues.append(_issue(label, r, None, "unknown_kpi_row",
                                           _text(cells[0]), hint=hint))
            continue
        metric, is_input = known
        if is_input:
            sheet.cells += [(metric, month, v, r, head, _text(cells[0]))
                            for v, month, head in values]
        elif metric:
            sheet.derived += [(metric, month, v, r, head, _text(cells[0]))
                              for v, month, head in values]
    return sheet


_CELL_COLUMNS = ["src_file", "store_id", "metric", "month", "raw", "src_row", "src_head",
                 "src_label"]


def _parse_cells(cells: list[tuple], issues: list[RowIssue]) -> pd.DataFrame:
    """Input cells (:data:`_CELL_COLUMNS`) as numbers, n/a cells dropped; issues for the
    cells that are not numbers, negative or implausibly large (``validate.LIMITS``: money
    for ad spend, a count for the rest). One vectorised pass for all sheets.
    """
    df = pd.DataFrame(cells, columns=_CELL_COLUMNS)
    is_num = np.array([type(v) in (int, float) for v in df["raw"]], dtype=bool)
    value = np.full(len(df), np.nan)
    value[is_num] = df["raw"][is_num].astype("float64")
    rest = df["raw"][~is_num]
    text = pd.Series([_text(v) for v in rest], index=rest.index, dtype="object")
    na = text.str.lower().isin(_NA_TEXT)
    error = text.str.match(r"^#[A-Z0-9/]+[!?]?$") & ~na
    todo = text[~na & ~error]
    parsed, bad = parse_number(todo.astype("str"))
    value[todo.index.to_numpy()] = parsed.to_numpy()
    for r in df.loc[error[error].index].itertuples():
        issues.append(_issue(r.src_file, r.src_row, r.src_head, "excel_error", r.raw))
    for r in df.loc[bad[bad].index].itertuples():
        issues.append(RowIssue(r.src_file, r.src_row, r.src_head,
                               reason("bad_number", value=r.raw), "bad_number", str(r.raw)))
    negative = value < 0
    for r in df[negative].itertuples():
        v = _text(r.raw)
        issues.append(RowIssue(r.src_file, r.src_row, r.src_head,
                               reason("negative", column=r.src_label, value=v), "negative", v))
    limit = np.where(df["metric"] == "ad_spend", MONEY_LIMIT, COUNT_LIMIT)
    big = value > limit
    for r, lim in zip(df[big].itertuples(), limit[big], strict=True):
        v = _text(r.raw)
        issues.append(RowIssue(r.src_file, r.src_row, r.src_head, reason(
            "too_large", column=r.src_label, value=v, limit=f"{lim:,.0f}"), "too_large", v))
    df["value"] = np.where(negative | big, np.nan, value)
    return df.drop(columns="raw").dropna(subset=["value"])


# --- the folder ------------------------------------------------------------------------

def _store_of(sheet_name: str, known: dict[str, str] | None) -> str | None:
    name = sheet_name.strip()
    if known is None:
        return name or None
    return known.get(name) or known.get(label_key(name))


def read_workbooks(paths: Sequence[Path], known_stores: Iterable[str] | None = None
                   ) -> WorkbookData:
    """Read the workbooks ``paths`` (in order: the first value given wins).

    Parameters
    ----------
    paths : the ``kpi_workbook*.xlsx`` files
    known_stores : the store ids of the folder's ``stores`` table; ``None`` when it has
        none: then every store sheet creates a store (region from its 区域 cell, else
        :data:`UNKNOWN_REGION`; name from its 门店名称 cell, else the id)
    """
    known = None
    if known_stores is not None:
        ids = [str(s) for s in known_stores]
        known = {**{label_key(s): s for s in ids}, **{s: s for s in ids}}
    out = WorkbookData()
    cells: list[tuple] = []
    derived: list[tuple] = []
    stores: dict[str, tuple[str, str]] = {}
    for path in paths:
        out.files.append(path.name)
        wb = open_workbook(path)
        try:
            for ws in wb.worksheets:
                label = f"{path.name}[{ws.title}]"
                store = _store_of(ws.title, known)
                sheet = _read_sheet(label, store or ws.title.strip(),
                                    ws.iter_rows(values_only=True))
                if not sheet.has_header:
                    out.notes.append(f"{label}: no month header row (YYYY-MM or 1月…12月 "
                                     "with 年份); sheet skipped")
                    continue
                if store is None:
                    out.issues.append(_issue(label, None, None, "unknown_store_sheet",
                                             ws.title))
                    continue
                if known is None and (why := id_problem(store)):
                    out.issues.append(_issue(label, None, "store_id", "unsafe_id",
                                             shown_id(store), why=why))
                    continue
                cells += [(label, store, *c) for c in sheet.cells]
                derived += [(label, store, r, month, metric, *cell_value(raw)[::-1])
                            for metric, month, raw, r, _, _ in sheet.derived]
                out.issues += sheet.issues
                stores.setdefault(store, (sheet.name or store,
                                          sheet.region or UNKNOWN_REGION))
        except InputFileError:
            raise
        except Exception as exc:
            raise InputFileError(
                f"{path.name}: cannot be read ({type(exc).__name__}: {exc})") from None
        finally:
            wb.close()
    if cells:
        out.values = _dedupe(_parse_cells(cells, out.issues), out.issues)
    if derived:
        out.derived = pd.DataFrame(derived, columns=DERIVED_COLUMNS).astype(DERIVED_TYPES)
    out.stores = pd.DataFrame(
        [(s, n, r) for s, (n, r) in stores.items()],
        columns=["store_id", "store_name", "region"], dtype="str")
    return out


def _dedupe(df: pd.DataFrame, issues: list[RowIssue]) -> pd.DataFrame:
    """One value per store, month and metric: the first; a different repeat is reported."""
    keys = ["store_id", "month", "metric"]
    dup = df.duplicated(keys, keep="first")
    repeats = df[dup].merge(df[~dup][[*keys, "value"]], on=keys, suffixes=("", "_kept"))
    for row in repeats[repeats.value != repeats.value_kept].itertuples(index=False):
        issues.append(_issue(row.src_file, row.src_row, row.src_head, "workbook_conflict",
                             _fmt(row.value_kept), other=_fmt(row.value), month=row.month,
                             row_label=row.src_label))
    return df[~dup][[*keys, "value"]].reset_index(drop=True)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def load_workbooks(data_dir: Path, known_stores: Iterable[str] | None = None
                   ) -> WorkbookData:
    """Read every ``kpi_workbook*.xlsx`` of ``data_dir`` (see :func:`read_workbooks`)."""
    return read_workbooks(workbook_files(Path(data_dir)), known_stores)


def workbook_store_months(con) -> pd.DataFrame:
    """``store_id, month`` pairs the warehouse's workbook gives values for (may be empty).

    Tells a report which months of a store come from the brand workbook (and so lack
    every KPI the template has no row for).
    """
    try:
        return con.execute("SELECT DISTINCT store_id, month FROM workbook_kpis "
                           "ORDER BY store_id, month").df()
    except Exception:  # a warehouse built before the workbook table existed
        return pd.DataFrame({"store_id": pd.Series(dtype="str"),
                             "month": pd.Series(dtype="str")})
