"""Every table of every demo store's report fits the A4 page, in Chinese and in English.

Measured on WeasyPrint's own layout (:mod:`kpi_lib.run.layout_check`): no box sticks out past
the page's content area and no table cell's word or short Chinese label is broken across
lines. The English reports are executed here in one warm kernel; the Chinese ones in
tests/system/test_every_store.py (each notebook runs once per language; pytest-xdist puts the two
modules on two workers). The HTML is laid out with ``render()`` only (no PDF is written).
"""

from __future__ import annotations

import pytest

from kpi_lib.archetypes import STORE_ARCHETYPES
from kpi_lib.demo import ensure_demo_data
from kpi_lib.run.layout_check import layout_problems, printed_overflow
from kpi_lib.run.notebook_kernel import WarmKernel
from kpi_lib.run.render import mark_short_labels, notebook_to_html
from kpi_lib.run.store_reports import STORE_NOTEBOOK

MONTH = "2026-10"
STORES = sorted(STORE_ARCHETYPES)

_PAGE = ("<html><head><style>@page { size: A4; margin: 20mm 16mm; } "
         "table { border-collapse: collapse; font-size: 9pt; } th, td { padding: 1mm 2mm; } "
         ".nw { white-space: nowrap; }"
         "</style></head><body>%s</body></html>")


def _table(headers, cells, th_style="") -> str:
    head = "".join(f'<th style="{th_style}">{h}</th>' for h in headers)
    body = "".join(f"<td>{c}</td>" for c in cells)
    return f"<table><thead><tr>{head}</tr></thead><tbody><tr>{body}</tr></tbody></table>"


# --------------------------------------------------------------------------- the measurement


def test_a_too_wide_table_is_found_with_its_page_and_headers():
    headers = ["Consultant"] + [f"Same month last year {i}" for i in range(8)]
    html = _PAGE % _table(headers, ["A", *range(8)], "white-space: nowrap")
    problems = layout_problems(html)
    assert [p.kind for p in problems] == ["overflow"]
    assert problems[0].page == 1 and problems[0].px > 100
    assert "Consultant | Same month last year 0" in str(problems[0])


def test_chromium_measures_a_too_wide_table_too(monkeypatch):
    from kpi_lib.run import pdf_engine

    if pdf_engine.chromium_executable() is None:
        pytest.skip("no Chromium: the PDFs are printed by WeasyPrint, measured above")
    monkeypatch.setenv(pdf_engine.ENV, "chromium")
    headers = ["Consultant"] + [f"Same month last year {i}" for i in range(8)]
    wide = printed_overflow(_PAGE % _table(headers, ["A", *range(8)], "white-space: nowrap"))
    assert [p.kind for p in wide] == ["overflow"] and wide[0].px > 100
    assert wide[0].table.startswith("Consultant | Same month last year 0")
    narrow = _table(["Consultant", "Same month last year", "越高越好"], ["刘明", "1", "2"])
    assert printed_overflow(_PAGE % narrow) == []


def test_a_table_that_fits_is_fine():
    html = _PAGE % _table(["Consultant", "Same month last year", "越高越好"], ["刘明", "1", "2"])
    assert layout_problems(html) == []


def test_words_and_short_chinese_labels_broken_across_lines_are_found():
    narrow = "width: 24px; overflow-wrap: anywhere"
    zh = layout_problems(_PAGE % _table(["越高越好", "团队合计"], ["1", "2"], narrow))
    en = layout_problems(_PAGE % _table(["Collection", "ok"], ["1", "2"], narrow))
    assert {p.kind for p in zh + en} == {"broken_word"}
    assert "越高越好" in str(zh[0]) and "Collection" in str(en[0])
    # at spaces, and long Chinese phrases in body cells, lines may break
    spaces = _PAGE % _table(["Same month last year", "ok"], ["1", "2"], "width: 30px")
    phrase = _PAGE % ('<table><tr><td style="width: 40px">加强展厅接待培训提高留档率</td>'
                      "</tr></table>")
    assert layout_problems(spaces) == [] and layout_problems(phrase) == []


def test_long_chinese_headers_break_between_words_only():
    """A narrow header breaks "新增意 / 向客户数" as is (a problem) and, marked by render,
    only between words ("新增 / 意向客户数")."""
    cell = "<table><tr><th style=\"width: 30px\">%s</th><td>1</td></tr></table>"
    raw = layout_problems(_PAGE % (cell % "新增意向客户数"))
    assert [p.kind for p in raw] == ["broken_word"] and "新增意向客户数" in str(raw[0])
    marked = mark_short_labels(_PAGE % (cell % "新增意向客户数"))
    assert '<span class="nw">新增</span><wbr><span class="nw">意向客户数</span>' in marked
    assert layout_problems(marked) == []


def test_short_chinese_labels_are_kept_on_one_line():
    html = _PAGE % ('<table><tr><td class="data">越高越好</td><td>Total</td>'
                    "<td>加强展厅接待培训，提高留档率</td></tr></table>")
    marked = mark_short_labels(html)
    assert '<td class="short-label data">越高越好</td>' in marked
    assert "<td>Total</td>" in marked and "<td>加强展厅接待培训，提高留档率</td>" in marked


# --------------------------------------------------------------------------- every report


@pytest.fixture(scope="module")
def kernel():
    """One warm kernel for the twelve English reports."""
    warm = WarmKernel()
    yield warm
    warm.shutdown()


@pytest.mark.parametrize("store", STORES)
def test_every_table_of_the_english_report_fits_a4(store: str, kernel):
    """The Chinese reports are measured by tests/system/test_every_store.py, which renders them
    anyway (each notebook is executed once per language in the suite)."""
    params = {"store": store, "month": MONTH, "lang": "en", "data": str(ensure_demo_data())}
    nb = kernel.execute(STORE_NOTEBOOK, params)
    html = notebook_to_html(nb, {"store": store, "month": MONTH, "lang": "en"})
    problems = layout_problems(html) + printed_overflow(html)
    assert not problems, f"{store} (en):\n" + "\n".join(map(str, problems))
