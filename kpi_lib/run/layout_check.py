"""Does every table of a report fit the A4 page? Measured on WeasyPrint's own layout.

:func:`layout_problems` lays the report's HTML out exactly as :func:`kpi_lib.run.render.html_to_pdf`
prints it (``weasyprint.HTML(string=…, base_url=…).render()``, the same fonts) and walks each
page's box tree. It reports:

``overflow``
    a box of the page body (not the running header/footer) whose right margin edge
    (``position_x + margin_width()``) lies more than ``tolerance`` px (CSS px, 1/96 in)
    beyond the right edge of the page's content area, i.e. into the A4 margin or off the
    paper. Only the outermost such box is reported (a too-wide table, not every cell in it).
``broken_word``
    a table cell whose text is broken across lines inside a word:

    * English (and any Latin script): a line ends with a letter or digit and the next line
      starts with one, where the cell's text has no space between them, a word split
      without a hyphen ("Collect / ion", "1,2 / 34"); in any cell, header or body;
    * Chinese: the break falls between two CJK characters of a run of at most
      ``MAX_CJK_LABEL`` characters, in a label: a header cell (``th``), or a body cell
      with at most ``MAX_CJK_LABEL`` CJK characters in all ("越高越 / 好", "团队合 / 计").
      A header cell of up to ``zh_breaks.LONG_LABEL`` characters may break only between
      the words of :func:`kpi_lib.zh_breaks.words` ("新增意向客户 / 当月下单比例", not
      "新增意 / 向客户数"). Longer runs in body cells holding phrases may wrap between
      characters like any Chinese text.

    Breaks at spaces, after punctuation or between a CJK and a Latin character are fine.

Each problem names its page (1-based) and its table by the first header texts, so a failing
test says which table of which page. Nothing is written; this is layout only (~1 s a report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..zh_breaks import LONG_LABEL, boundaries

#: A CJK run up to this long is a label that must not be broken across lines.
MAX_CJK_LABEL = 6
#: How far (CSS px) a box may stick out before it counts (rounding of table widths).
TOLERANCE_PX = 1.0
#: How many header texts name a table in a message.
HEADER_TEXTS = 3

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W_]")  # a letter or digit (any script)


@dataclass(frozen=True)
class LayoutProblem:
    """One thing that does not fit: ``kind`` is ``overflow`` or ``broken_word``."""

    kind: str
    page: int
    table: str
    detail: str
    px: float = 0.0

    def __str__(self) -> str:
        where = f"page {self.page}, table [{self.table}]" if self.table else f"page {self.page}"
        return f"{self.kind} on {where}: {self.detail}"


def render_document(html: str, base_url: str | Path | None = None):
    """The laid-out WeasyPrint document of ``html``, as :func:`render.html_to_pdf` makes it."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    document = HTML(string=html, base_url=str(base_url) if base_url else None)
    return document.render(font_config=FontConfiguration())


def layout_problems(html: str, base_url: str | Path | None = None, *,
                    tolerance: float = TOLERANCE_PX) -> list[LayoutProblem]:
    """Everything in ``html`` wider than the A4 content area or broken inside a word."""
    return document_problems(render_document(html, base_url), tolerance=tolerance)


def printed_overflow(html: str, *, tolerance: float = TOLERANCE_PX) -> list[LayoutProblem]:
    """Overflow as Chromium lays ``html`` out for print, when it is the PDF engine
    (:mod:`kpi_lib.run.pdf_engine`; page 0: its layout is measured before paging); none
    with WeasyPrint, whose layout :func:`layout_problems` measures."""
    from .pdf_engine import engine, printer

    if engine() != "chromium":
        return []
    return [LayoutProblem("overflow", 0, box["headers"][:80],
                          f"a {box['tag']} reaches {box['px']:.0f} px past the right margin "
                          "(Chromium)", box["px"])
            for box in printer().overflow(html) if box["px"] > tolerance]


def document_problems(document, *, tolerance: float = TOLERANCE_PX) -> list[LayoutProblem]:
    """:func:`layout_problems` of an already rendered WeasyPrint ``document``."""
    problems: list[LayoutProblem] = []
    seen: set[tuple[str, str, str]] = set()
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for child in page_box.children:
            if _is_margin_box(child):
                continue
            for problem in _walk(child, number, right, tolerance, None):
                key = (problem.kind, problem.table, problem.detail)
                if problem.kind == "broken_word" and key in seen:
                    continue  # the same label in another row, or the header on the next page
                seen.add(key)
                problems.append(problem)
    return problems


# --------------------------------------------------------------------------- walking


def _walk(box, page: int, right: float, tolerance: float, table):
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TableBox):
        table = box
    elif box.is_table_wrapper:  # the block around a table (and its caption)
        table = next((c for c in box.children if isinstance(c, boxes.TableBox)), table)
    edge = _right_edge(box)
    if edge is not None and edge - right > tolerance:
        yield LayoutProblem(
            "overflow", page, _table_name(table),
            f"<{box.element_tag or '?'}> ends "
            f"{edge - right:.1f} px beyond the content area", round(edge - right, 1))
        return  # its descendants stick out with it
    if isinstance(box, boxes.TableCellBox):
        problem = _broken_word(box, page, table)
        if problem is not None:
            yield problem
        return
    children = box.all_children() if isinstance(box, boxes.TableBox) else box.children
    for child in children:
        if isinstance(child, boxes.Box):
            yield from _walk(child, page, right, tolerance, table)


def _right_edge(box) -> float | None:
    try:
        return box.position_x + box.margin_width()
    except (AttributeError, TypeError):  # not laid out (e.g. an empty column group)
        return None


def _is_margin_box(box) -> bool:
    from weasyprint.formatting_structure import boxes

    return isinstance(box, boxes.MarginBox)


def _table_name(table) -> str:
    if table is None or table.element is None:
        return ""
    heads = [_clean("".join(th.itertext())) for th in table.element.iter("th")]
    return " | ".join([h for h in heads if h][:HEADER_TEXTS])


def _clean(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- words


def _lines(cell) -> list[str]:
    """The text of each line box of ``cell``, in order."""
    from weasyprint.formatting_structure import boxes

    lines = []
    for box in cell.descendants():
        if isinstance(box, boxes.LineBox):
            text = "".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox))
            if text.strip():
                lines.append(text.strip())
    return lines


def _broken_word(cell, page: int, table) -> LayoutProblem | None:
    """A problem if ``cell``'s text is broken inside a word (see the module's rule)."""
    lines = _lines(cell)
    if len(lines) < 2 or cell.element is None:
        return None
    source = _clean("".join(cell.element.itertext()))
    label = cell.element_tag == "th" or len(_CJK.findall(source)) <= MAX_CJK_LABEL
    pos = 0
    ends: list[int] = []  # index in ``source`` where each line ends
    starts: list[int] = []
    for line in lines:
        start = source.find(line, pos)
        if start < 0:  # hyphenated or otherwise not the source's text: cannot judge
            return None
        starts.append(start)
        ends.append(start + len(line))
        pos = start + len(line)
    for i in range(1, len(lines)):
        if starts[i] != ends[i - 1]:
            continue  # a space (or more) between the lines: a break at a word boundary
        before, after = source[ends[i - 1] - 1], source[starts[i]]
        if _CJK.match(before) and _CJK.match(after):
            if cell.element_tag == "th" and len(source) <= LONG_LABEL:
                if ends[i - 1] in boundaries(source):
                    continue
                shown = " / ".join(lines)
                return LayoutProblem("broken_word", page, _table_name(table),
                                     f"<th> {source!r} broken inside a word: {shown!r}")
            lo, hi = ends[i - 1], starts[i]
            while lo > 0 and _CJK.match(source[lo - 1]):
                lo -= 1
            while hi < len(source) and _CJK.match(source[hi]):
                hi += 1
            if not label or hi - lo > MAX_CJK_LABEL:
                continue
        elif not (_WORD.match(before) and _WORD.match(after)) or _CJK.match(before) \
                or _CJK.match(after):
            continue
        shown = " / ".join(lines)
        return LayoutProblem("broken_word", page, _table_name(table),
                             f"<{cell.element_tag}> {source!r} broken inside a word: {shown!r}")
    return None
