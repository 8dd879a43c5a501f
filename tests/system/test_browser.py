"""The network index and store reports in a real headless Chromium (Playwright).

Rendered once for the module (two stores of the demo data and the index, as ``make
reports`` does); each page is opened from the file system and must show no console
error, request nothing beyond ``file:``/``data:``, have every link resolve, and contain
the expected Chinese. A full-page screenshot of each is kept in the test's temp folder.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from kpi_lib import paths
from tests.system.headless import Visit, launch

MONTH = "2026-10"
STORES = {"S001": "上海浦东4S店", "S003": "南京江宁4S店"}  # README: the demo archetypes


@pytest.fixture(scope="module")
def month_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser")
    cmd = [sys.executable, "-m", "kpi_lib", "reports", "--month", MONTH, "--data",
           str(paths.DEMO_DATA), "--out-dir", str(out), "--scheduler", "sync"]
    for store in STORES:
        cmd += ["--store", store]
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out / MONTH


@pytest.fixture(scope="module")
def browser():
    yield from launch()


def unresolved(visit: Visit, page_path: Path) -> list[str]:
    """Links, images and stylesheets of the page that point nowhere (or off the machine)."""
    bad = visit.page.evaluate("""() => {
        const out = [];
        for (const a of document.querySelectorAll('a[href^="#"]')) {
            location.hash = a.getAttribute('href');  // the browser's own id lookup
            if (!document.querySelector(':target')) out.push('no anchor ' + a.href);
        }
        history.replaceState(null, '', location.pathname);
        for (const img of document.images)
            if (!img.complete || img.naturalWidth === 0) out.push('broken image ' +
                                                                  img.src.slice(0, 60));
        return out;
    }""")
    refs = (visit.attrs("a[href]", "href") + visit.attrs("img[src]", "src")
            + visit.attrs("link[href]", "href") + visit.attrs("script[src]", "src"))
    for ref in refs:
        parts = urlsplit(ref)
        if ref.startswith("#") or parts.scheme == "data":
            continue
        if parts.scheme or parts.netloc:
            bad.append(f"leaves the machine: {ref}")
        elif not (page_path.parent / unquote(parts.path)).is_file():
            bad.append(f"missing file: {ref}")
    return bad


def screenshot(visit: Visit, path: Path) -> tuple[int, int]:
    """Save a full-page PNG; return its width and height (read from the PNG header)."""
    visit.page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def test_network_index(browser, month_dir: Path, tmp_path: Path):
    index = month_dir / "index.html"
    visit = Visit(browser, index)
    assert visit.errors == []
    assert visit.outside == []
    assert unresolved(visit, index) == []
    # overview.links_markdown: only the rendered stores get links, the others "—"
    hrefs = [h for h in visit.attrs("a[href]", "href") if not h.startswith("#")]
    files = sorted(h for h in hrefs if "#" not in h)
    assert files == sorted(f"{s}.{k}" for s in STORES for k in ("html", "pdf", "xlsx"))
    # and each store's consultants section (test_interactive_html follows one)
    assert sorted(h for h in hrefs if "#" in h) == [f"{s}.html#sec-consultants"
                                                    for s in sorted(STORES)]
    body = visit.page.inner_text("body")
    assert "全网月度概览" in body and "门店报告" in body
    for store_id, name in STORES.items():
        assert store_id in body and name in body
    assert "S012" in body and "遵义汇川4S店" in body  # every store is listed, rendered or not
    width, height = screenshot(visit, tmp_path / "index.png")
    assert width == 1280 and height > 1200
    assert (tmp_path / "index.png").stat().st_size > 50_000

    visit.page.click("a[href='S001.html']")  # the link really opens the store's report
    assert visit.page.url == (month_dir / "S001.html").as_uri()
    assert STORES["S001"] in visit.page.title()
    visit.page.close()


@pytest.mark.parametrize("store", list(STORES))
def test_store_report(browser, month_dir: Path, tmp_path: Path, store: str):
    html = month_dir / f"{store}.html"
    visit = Visit(browser, html)
    assert visit.errors == []
    assert visit.outside == []
    assert unresolved(visit, html) == []
    assert len(visit.attrs("img[src]", "src")) >= 5  # the charts, embedded as data: URIs
    body = visit.page.inner_text("body")
    for heading in ("本月概要", "关键指标概览", "销售漏斗", "诊断与建议", "数据质量"):
        assert heading in body
    assert f"{store} {STORES[store]}" in body
    # the heading's glyphs come from a CJK font, not a fallback drawing boxes
    cdp = visit.page.context.new_cdp_session(visit.page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert any("CJK" in f["familyName"] for f in fonts), fonts
    width, height = screenshot(visit, tmp_path / f"{store}.png")
    assert width == 1280 and height > 5000  # a long report, not an error page
    assert (tmp_path / f"{store}.png").stat().st_size > 300_000
    visit.page.close()


def test_the_checks_catch_a_broken_page(browser, tmp_path: Path):
    """The checks above could fail: a page with every fault they look for."""
    page = tmp_path / "broken.html"
    page.write_text('<h1 id="top">坏页</h1><a href="#top">ok</a><a href="#nowhere">x</a>'
                    '<a href="gone.pdf">x</a><a href="https://example.com/">x</a>'
                    '<img src="https://example.com/logo.png">'
                    '<script>console.error("boom"); fetch("https://example.com/beacon")'
                    '.catch(() => null)</script>', encoding="utf-8")
    visit = Visit(browser, page)
    visit.page.wait_for_timeout(300)
    assert sorted(visit.outside) == ["https://example.com/beacon",
                                     "https://example.com/logo.png"]
    assert "boom" in visit.errors
    assert unresolved(visit, page) == [
        f"no anchor {page.as_uri()}#nowhere", "broken image https://example.com/logo.png",
        "missing file: gone.pdf", "leaves the machine: https://example.com/",
        "leaves the machine: https://example.com/logo.png"]
    visit.page.close()
