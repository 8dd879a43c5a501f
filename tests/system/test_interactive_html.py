"""The interactive network index in a real headless Chromium (Playwright, system browser).

Issue 18.3: the index sorts and filters its tables, links each store's report and its
consultants section, shows the funnel plots' description as a tooltip — all offline.
Rendered once for the module (S001's report and the index of the demo data, as ``make
reports`` does); every page is opened from the file system and must log no console error
and request nothing but ``file:``/``data:`` URLs (every request is routed and recorded).
A synthetic page made with the same template pins the sort keys (numbers with separators,
units and currency, n/a last, Chinese by pinyin).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kpi_lib import paths
from kpi_lib.run.render import notebook_to_html
from tests.system import headless
from tests.system.headless import launch

MONTH = "2026-10"
STORE = "S001"
REGION = "华东"


@pytest.fixture(scope="module")
def month_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("interactive")
    common = ["--month", MONTH, "--data", str(paths.DEMO_DATA), "--out-dir", str(out)]
    # the region page first, so that the index (made by `reports`) links it
    for cmd in (["region", "--region", REGION, *common],
                ["reports", *common, "--scheduler", "sync", "--store", STORE]):
        proc = subprocess.run([sys.executable, "-m", "kpi_lib", *cmd], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=300,
                              env={**os.environ, "KPI_WARM": "0"})
        assert proc.returncode == 0, proc.stderr
    return out / MONTH


@pytest.fixture(scope="module")
def browser():
    yield from launch()


class Visit(headless.Visit):
    """A page of the interactive index: its visible table cells; closed clean."""

    def column(self, table: str, col: int) -> list[str]:
        """The visible body cells of column ``col`` (0-based) of the table ``table``."""
        return self.page.eval_on_selector(table, """(t, col) => Array.from(t.tBodies[0].rows)
            .filter(r => !r.hidden).map(r => r.cells[col].textContent.trim())""", col)

    def close(self) -> None:
        assert self.errors == []
        assert self.outside == []
        self.page.close()


LINKS = "table:has(a[href='S001.html'])"   # the index's table of store reports
REGIONS = "table.kpi-table >> nth=0"       # the index's table by region


def number(cell: str) -> float:
    return float(re.sub(r"[^\d.\-]", "", cell))


def test_static_pages_have_no_script(month_dir: Path):
    """Only pages that opt in get the script; the store report stays script-free."""
    store = (month_dir / f"{STORE}.html").read_text(encoding="utf-8")
    index = (month_dir / "index.html").read_text(encoding="utf-8")
    assert "<script" not in store and "kpi-filter" not in store
    assert index.count("<script>") == 1 and "Content-Security-Policy" in index
    assert "<script" not in index.split("<main", 1)[1].split("</main>")[0]  # none in the SVG
    assert 'id="sec-consultants"' in store  # the anchor the index links to


def test_sort_numbers_both_ways(browser, month_dir: Path):
    visit = Visit(browser, month_dir / "index.html")
    header = visit.page.locator(REGIONS).locator("thead th", has_text="来店批次")
    col = int(header.get_attribute("data-sort-col"))
    assert visit.column(REGIONS, 0)[-1] == "全网"  # the network's total, last
    values = [number(v) for v in visit.column(REGIONS, col)[:-1]]
    total = visit.column(REGIONS, col)[-1]
    assert len(values) >= 3 and all(v >= 1000 for v in values)  # "1,234": separators
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert [number(v) for v in visit.column(REGIONS, col)[:-1]] == sorted(values)
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    shown = [number(v) for v in visit.column(REGIONS, col)[:-1]]
    assert shown == sorted(values, reverse=True) and shown[0] == max(values)
    assert visit.column(REGIONS, col)[-1] == total  # the total row stays last both ways
    # a rate column ("12.3%") sorts as numbers too
    rate = visit.page.locator(REGIONS).locator("thead th", has_text="试乘试驾率")
    rate.click()
    assert header.get_attribute("aria-sort") is None  # only one column is "the" sort
    rates = visit.column(REGIONS, int(rate.get_attribute("data-sort-col")))[:-1]
    assert [number(r) for r in rates] == sorted(number(r) for r in rates)
    assert all(r.endswith("%") for r in rates)
    # the links table: store ids, text with numbers inside
    store = visit.page.locator(LINKS).locator("thead th", has_text="门店").first
    store.click()
    store.click()
    ids = visit.column(LINKS, 0)
    assert ids[0] == "S012" and ids[-1] == "S001" and len(ids) == 12
    visit.close()


def test_filter_hides_rows(browser, month_dir: Path):
    visit = Visit(browser, month_dir / "index.html")
    stores = (paths.DEMO_DATA / "stores.csv").read_text(encoding="utf-8").splitlines()[1:]
    east = sorted(line.split(",")[0] for line in stores if ",华东," in line)
    box = visit.page.locator(f"{LINKS} >> xpath=preceding-sibling::div[1]")
    assert box.get_attribute("class") == "kpi-filter"
    box.locator("input").fill("华东")
    assert sorted(visit.column(LINKS, 0)) == east and 0 < len(east) < 12
    assert box.locator(".kpi-filter-count").inner_text() == f"显示 {len(east)} / 12 行"
    box.locator("input").fill("华东 S001")  # every word must be in the row
    assert visit.column(LINKS, 0) == ["S001"]
    box.locator("input").fill("没有这家店")
    assert visit.column(LINKS, 0) == []
    box.locator("input").fill("")
    assert len(visit.column(LINKS, 0)) == 12
    visit.close()


def test_funnel_plot_tooltips(browser, month_dir: Path):
    """The funnel plots are inline SVG: the figure has a description, each point a title
    naming its store, rate and volume, drawn where that rate is."""
    visit = Visit(browser, month_dir / "index.html")
    svg = visit.page.locator(".inline-svg svg")
    assert svg.count() == 1 and visit.page.locator("img").count() == 0
    description = svg.locator(":scope > title").text_content()
    assert description.startswith("全网漏斗图：") and "试乘试驾率" in description
    for panel in range(4):
        points = visit.page.eval_on_selector_all(
            f"g[id='kpi-points-{panel}-0'] title", """ts => ts.map(t => [t.textContent,
                t.parentElement.getBoundingClientRect().y])""")
        assert len(points) == 12  # every store of the demo data
        assert {p[0].split()[0] for p in points} == {f"S{i:03d}" for i in range(1, 13)}
        rates = [float(re.search(r"：(-?[\d.]+)%", p[0]).group(1)) for p in points]
        ys = [p[1] for p in points]  # higher rate, higher on the screen (smaller y)
        assert all(ys[i] <= ys[j] + 0.5 for i in range(12) for j in range(12)
                   if rates[i] > rates[j] + 0.5)
    assert re.fullmatch(r"S001 上海浦东4S店：\d+\.\d%（n = [\d,]+）", points[0][0])
    visit.close()


def test_drill_down_to_store_and_consultants(browser, month_dir: Path):
    visit = Visit(browser, month_dir / "index.html")
    hrefs = visit.page.eval_on_selector_all(f"{LINKS} a[href]",
                                            "els => els.map(e => e.getAttribute('href'))")
    region = "region-%E5%8D%8E%E4%B8%9C.html"  # region-华东.html, one link per store of it
    assert sorted(set(hrefs)) == ["S001.html", "S001.html#sec-consultants", "S001.pdf",
                                  "S001.xlsx", region]
    visit.page.click(f"{LINKS} a[href='S001.html#sec-consultants']")
    visit.page.wait_for_load_state("load")
    assert visit.page.url == (month_dir / "S001.html").as_uri() + "#sec-consultants"
    target = visit.page.evaluate("() => document.querySelector(':target').closest('h2')"
                                 ".textContent")
    assert "销售顾问" in target
    top = visit.page.evaluate("() => document.querySelector(':target')"
                              ".getBoundingClientRect().top")
    assert -5 < top < 200  # scrolled to the section
    visit.page.go_back()
    visit.page.click(f"{LINKS} a[href='S001.html']")
    visit.page.wait_for_load_state("load")
    assert visit.page.url == (month_dir / "S001.html").as_uri()
    assert "上海浦东4S店" in visit.page.title()
    visit.page.go_back()
    visit.page.locator(f"{LINKS} a[href='{region}']").first.click()  # network → region
    visit.page.wait_for_load_state("load")
    assert visit.page.url == (month_dir / f"region-{REGION}.html").as_uri()
    assert all(u.startswith("file:") or u.startswith("data:") for u in visit.requests)
    visit.close()


def test_region_page_is_interactive(browser, month_dir: Path):
    """The region report opts in too: its tables sort and filter; its PDF has no control."""
    visit = Visit(browser, month_dir / f"region-{REGION}.html")
    tables = visit.page.locator("table.kpi-interactive")
    assert tables.count() >= 5 and visit.page.locator(".kpi-filter").count() == tables.count()
    first = tables.first
    header = first.locator("thead th[data-sort-col]").first
    header.click()
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    visit.close()
    pdf = subprocess.run(["pdftotext", str(month_dir / f"region-{REGION}.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert REGION in pdf and "筛选" not in pdf and "↕" not in pdf


def _page(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A page of the template with one Markdown table (name, amount, rate)."""
    table = "\n".join(["| 门店 | 金额 | 比率 |", "|---|---|---|"]
                      + [f"| {a} | {b} | {c} |" for a, b, c in rows])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(table)])
    html = notebook_to_html(nb, {"month": MONTH, "lang": "zh", "store": "测试"},
                            interactive=True)
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_sort_keys(browser, tmp_path: Path):
    """Numbers with separators, currency, units and signs; n/a last both ways; pinyin; the
    total row stays last."""
    page = _page(tmp_path, [("上海", "¥1,234", "12.3%"), ("北京", "—", "−5.0%"),
                            ("广州", "¥987", "—"), ("安庆", "¥12,000", "100.0%"),
                            ("成都", "¥1.1万", "0.5%"),
                            ("合计", "¥26,221", "20.0%")])
    visit = Visit(browser, page)
    heads = visit.page.locator("thead th")
    heads.nth(1).click()
    assert visit.column("table", 1) == ["¥987", "¥1,234", "¥1.1万", "¥12,000", "—", "¥26,221"]
    heads.nth(1).click()
    assert visit.column("table", 1) == ["¥12,000", "¥1.1万", "¥1,234", "¥987", "—", "¥26,221"]
    heads.nth(2).click()
    assert visit.column("table", 2) == ["−5.0%", "0.5%", "12.3%", "100.0%", "—", "20.0%"]
    heads.nth(0).click()  # pinyin: an, bei, cheng, guang, shang
    assert visit.column("table", 0) == ["安庆", "北京", "成都", "广州", "上海", "合计"]
    heads.nth(0).press("Enter")  # the keyboard sorts too
    assert visit.column("table", 0)[0] == "上海"
    assert heads.nth(0).get_attribute("aria-sort") == "descending"
    visit.close()
