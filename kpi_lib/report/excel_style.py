"""Cell-level rules of the Excel export: safe text, number formats, n/a, layout, printing.

Every cell of :mod:`kpi_lib.report.excel_report` is written through :func:`put`, so the rules
hold everywhere:

- values, never formulas: a text that starts with ``=``, ``+``, ``-``, ``@``, tab or CR
  (OWASP "CSV/formula injection") is stored as the text ``'`` + itself, with the cell
  type forced to string and Excel's quote-prefix flag set — openpyxl then writes it as a
  shared string (``t="s"``), never as a ``<f>`` formula, and Excel/LibreOffice show the
  text, they do not evaluate it. Control characters Excel refuses are dropped;
- n/a (None/NaN) is an EMPTY cell with a comment giving the reason — never 0, never
  ``#DIV/0!``;
- number formats by unit: money ``"¥"#,##0``, rates stored as fractions with ``0.0%``,
  counts ``#,##0``.

The template's KPI rows (``params/excel.yml``) are read here too (:func:`template_rows`).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..config import ConfigError, load_yaml
from ..i18n import TEXTS, text
from ..metrics.registry import REGISTRY

#: Number format per registry unit (and a few of our own).
FORMATS: dict[str, str] = {
    "count": "#,##0",
    "yuan": '"¥"#,##0',
    "yuan_per": '"¥"#,##0',
    "rate": "0.0%",
    "score": "0.0",
    "decimal": "#,##0.0",
    "year": "0",
    "date": "yyyy-mm-dd",
}

#: First characters that make a spreadsheet read a text as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 4
FIRST_DATA_ROW = HEADER_ROW + 1
COMMENT_AUTHOR = "kpi_lib"

_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="A6A6A6")
_HEADER_BORDER = Border(bottom=_THIN)
_TOP = Alignment(vertical="top")
_WRAP = Alignment(wrap_text=True, vertical="top")

#: what a template row may show instead of its metric's value
PARTS = ("numerator", "denominator")


@dataclass(frozen=True)
class TemplateRow:
    """One KPI row of the template: a registry metric, or one part of a ratio metric."""

    metric: str
    label_key: str | None = None
    part: str | None = None

    def label(self, lang: str) -> str:
        """The row name: the catalogue's (the template's wording) or the registry's."""
        return text(self.label_key, lang) if self.label_key else REGISTRY[self.metric].label(lang)

    @property
    def parts(self) -> tuple[str, ...]:
        """The registry metrics this row adds up (itself, unless it is a ratio's part)."""
        m = REGISTRY[self.metric]
        if self.part == "numerator":
            return (m.numerator,)  # type: ignore[return-value]
        return m.denominator if self.part == "denominator" else (self.metric,)

    @property
    def unit(self) -> str:
        return REGISTRY[self.parts[0]].unit

    @property
    def is_ratio(self) -> bool:
        return self.part is None and REGISTRY[self.metric].type == "ratio"

    @property
    def is_stock(self) -> bool:
        """A stock at the start of each month (its months do not add up)."""
        measures = [REGISTRY[p].measure for p in self.parts]
        return not self.is_ratio and any(
            x is not None and x.period == "open_at_start" for x in measures)


@cache
def template_rows() -> tuple[TemplateRow, ...]:
    """The rows of ``params/excel.yml`` (``template_rows``), checked against the registry."""
    entries = load_yaml("excel.yml").get("template_rows")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("params/excel.yml: template_rows must be a non-empty list")
    rows = []
    for i, entry in enumerate(entries, start=1):
        spec = {"metric": entry} if isinstance(entry, str) else entry
        where = f"params/excel.yml: template_rows item {i}"
        if not isinstance(spec, dict) or spec.get("metric") not in REGISTRY:
            raise ConfigError(f"{where}: {entry!r} names no registry metric id")
        key, part = spec.get("label"), spec.get("part")
        if key is not None and any(key not in TEXTS[lang] for lang in TEXTS):
            raise ConfigError(f"{where}: label {key!r} is not in the catalogue")
        if part is not None and (part not in PARTS or REGISTRY[spec["metric"]].type != "ratio"):
            raise ConfigError(f"{where}: part must be numerator or denominator of a ratio")
        rows.append(TemplateRow(spec["metric"], key, part))
    return tuple(rows)


def safe_text(value: object) -> str:
    """``value`` as a text that no spreadsheet reads as a formula.

    >>> safe_text("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_text("上海浦东4S店"), safe_text("—")
    ('上海浦东4S店', '—')
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def is_na(value: object) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def put(ws: Worksheet, row: int, col: int, value: object, unit: str | None = None, *,
        na_reason: str | None = None, wrap: bool = False, bold: bool = False):
    """Write one cell by the rules of this module; return the cell.

    ``value`` None/NaN leaves the cell empty; ``na_reason`` (already in the reader's
    language) then becomes its comment. Numbers get the format of ``unit``
    (:data:`FORMATS`); strings are made safe with :func:`safe_text`.
    """
    cell = ws.cell(row=row, column=col)
    if is_na(value):
        if na_reason:
            cell.comment = Comment(na_reason, COMMENT_AUTHOR, width=180, height=40)
    elif isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"  # a string, whatever openpyxl guessed
        if ILLEGAL_CHARACTERS_RE.sub("", value).startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = FORMATS["date"]
    else:
        cell.value = value if isinstance(value, int | float) else float(value)  # type: ignore[arg-type]
        if unit:
            cell.number_format = FORMATS[unit]
    cell.alignment = _WRAP if wrap else _TOP
    if bold:
        cell.font = Font(bold=True)
    return cell


def note(cell, text: str) -> None:
    """Attach (or extend) a comment on ``cell``."""
    old = cell.comment.text + "\n" if cell.comment else ""
    cell.comment = Comment(old + text, COMMENT_AUTHOR, width=220, height=60)


def start_sheet(ws: Worksheet, title: str, info: Sequence[tuple[str, object]],
                headers: Sequence[str], *, freeze_col: int = 1) -> int:
    """Title row, an info row (label, value pairs), the header row; return the first data row.

    The header row is frozen (and the first ``freeze_col`` columns) and repeated on every
    printed page.
    """
    put(ws, TITLE_ROW, 1, title).font = Font(bold=True, size=13)
    for i, (label, value) in enumerate(info):
        put(ws, INFO_ROW, 2 * i + 1, label, bold=True)
        put(ws, INFO_ROW, 2 * i + 2, value, "year" if isinstance(value, int) else None)
    for col, header in enumerate(headers, start=1):
        cell = put(ws, HEADER_ROW, col, header, bold=True)
        cell.fill, cell.border = _HEADER_FILL, _HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=freeze_col + 1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    return FIRST_DATA_ROW


def shade_row(ws: Worksheet, row: int, ncols: int) -> None:
    """Bold, lightly filled row (team totals)."""
    for col in range(1, ncols + 1):
        cell = ws.cell(row=row, column=col)
        cell.font, cell.fill = Font(bold=True), _TOTAL_FILL


def display_width(text: str) -> int:
    """Columns a text takes on screen: East Asian wide, full-width and ambiguous (▲, ★)
    characters count 2 (CJK fonts draw the ambiguous ones wide)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def _shown(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float):
        if cell.number_format == FORMATS["rate"]:
            return f"{value:.1%}"
        return f"¥{value:,.0f}" if "¥" in cell.number_format else f"{value:,.1f}"
    return str(value)


def message(ws: Worksheet, row: int, text: str, ncols: int) -> None:
    """A sentence across the first ``ncols`` columns (merged, wrapped): what is missing."""
    put(ws, row, 1, text, wrap=True)
    if ncols > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    ws.row_dimensions[row].height = 15 * (1 + text.count("\n"))


def fit_columns(ws: Worksheet, *, min_width: int = 6, max_width: int = 48,
                wrap_width: int = 32, skip_rows: int = TITLE_ROW) -> None:
    """Column widths from the longest shown text (CJK counts double), within bounds;
    rows with wrapped text made tall enough for their lines.

    The title row and merged cells are skipped (they may span several columns); wrapped
    texts count at most ``wrap_width``, others at most ``max_width``.
    """
    merged = {c for rng in ws.merged_cells.ranges for c in rng.cells}
    widths: dict[int, int] = {}
    wrapped = []
    for row in ws.iter_rows(min_row=skip_rows + 1):
        for cell in row:
            if (cell.row, cell.column) in merged or cell.value is None:
                continue
            width = max(display_width(line) for line in _shown(cell).split("\n"))
            if cell.alignment.wrap_text:
                wrapped.append(cell)
                width = min(width, wrap_width)
            widths[cell.column] = max(widths.get(cell.column, 0), width)
    for col, width in widths.items():
        widths[col] = min(max(width + 2, min_width), max_width)
        ws.column_dimensions[get_column_letter(col)].width = widths[col]
    lines: dict[int, int] = {}
    for cell in wrapped:
        room = max(widths.get(cell.column, min_width) - 1, 1)
        n = sum(max(1, math.ceil(display_width(line) / room))
                for line in str(cell.value).split("\n"))
        lines[cell.row] = max(lines.get(cell.row, 1), n)
    for row, n in lines.items():
        if n > 1:
            ws.row_dimensions[row].height = 15 * n


def print_setup(ws: Worksheet, footer: str) -> None:
    """A4 landscape, fit to one page wide, header row repeated, page numbers in the footer."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = footer
