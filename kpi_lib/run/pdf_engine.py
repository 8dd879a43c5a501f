"""Print a report's HTML to PDF: a warm headless Chromium when installed, else WeasyPrint.

Both print the same A4 page CSS of the ``kpi_report`` template (``@page`` margin boxes with
the running header and "第 N 页 / 共 M 页"). Measured on S001 (16 pages, issue 19):
Chromium 0.7 s a report from a warm page against WeasyPrint's 2.3–3.7 s, same pages.

``KPI_PDF_ENGINE`` chooses: ``chromium``, ``weasyprint`` or ``auto`` (the default:
Chromium when Playwright and a Chromium executable are found — ``KPI_CHROMIUM``, else
``chromium``/``chromium-browser``/``google-chrome`` on the ``PATH`` — else WeasyPrint).

**Chromium** runs once per process (a batch worker, the warm renderer, a CLI run), on a
thread of its own that owns Playwright (its sync API is bound to one thread), with one
page whose JavaScript is off: an interactive page's controls, made by its script, never
reach the PDF. A crashed browser is started again for the next report. Its PDFs embed the
CFF-based Noto Sans CJK as Type 3 fonts (Skia cannot embed CFF; they are subset, carry a
``ToUnicode`` map and extract as text) and are ~20% larger than WeasyPrint's.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from ..errors import RenderError

ENGINES = ("chromium", "weasyprint")
ENV = "KPI_PDF_ENGINE"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Chromium's flags: no sandbox (root in containers), no GPU, nothing from the network.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--font-render-hinting=none"]
#: Seconds one report may take to print before the printer gives up on it.
TIMEOUT = 300.0


def chromium_executable() -> str | None:
    """The Chromium to drive: ``KPI_CHROMIUM`` or the first browser on the ``PATH``."""
    own = os.environ.get("KPI_CHROMIUM")
    if own:
        return own if Path(own).is_file() else None
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def _has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def engine() -> str:
    """The engine this process prints with (module docstring); raises for a bad setting."""
    wanted = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if wanted not in (*ENGINES, "auto"):
        raise RenderError(f"{ENV}={wanted!r}: use one of chromium, weasyprint, auto")
    if wanted == "weasyprint":
        return wanted
    usable = chromium_executable() is not None and _has_playwright()
    if wanted == "chromium" and not usable:
        raise RenderError(f"{ENV}=chromium but no Chromium (or no playwright) was found: "
                          "apt-get install -y chromium, or set KPI_CHROMIUM=/path/to/chrome")
    return "chromium" if usable else "weasyprint"


def weasyprint_pdf(html: str, base_url: Path | None = None) -> bytes:
    """WeasyPrint's PDF (fast when HarfBuzz's subsetter ``libharfbuzz-subset0`` is there;
    without it the large CJK fonts are subset with fontTools, ~9 s more)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    document = HTML(string=html, base_url=str(base_url) if base_url else None)
    return document.write_pdf(font_config=FontConfiguration())


class ChromiumPrinter:
    """One headless Chromium, driven from its own thread; :meth:`print` from any thread."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self._jobs: queue.Queue[tuple[str, str, Future[Any]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="chromium-pdf", daemon=True)
        self._thread.start()

    def print(self, html: str) -> bytes:
        """The PDF of ``html`` (A4 from the page's ``@page`` CSS, backgrounds printed)."""
        return self._ask("pdf", html)

    def overflow(self, html: str) -> list[dict[str, Any]]:
        """Tables, images and SVGs of ``html`` wider than the A4 content area, laid out for
        print at that width: ``{"tag", "headers", "px"}`` (outermost only)."""
        return self._ask("overflow", html)

    def _ask(self, kind: str, html: str) -> Any:
        if not self._thread.is_alive():
            raise RenderError("the Chromium PDF printer has stopped")
        done: Future[Any] = Future()
        self._jobs.put((kind, html, done))
        return done.result(timeout=TIMEOUT)

    def close(self) -> None:
        """Stop the browser (waits a few seconds at most)."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=10)

    def _serve(self) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = None
            pages: dict[str, Any] = {}
            while (job := self._jobs.get()) is not None:
                kind, html, done = job
                try:
                    if browser is None:
                        browser = pw.chromium.launch(executable_path=self.executable, args=ARGS)
                        context = browser.new_context(
                            java_script_enabled=False,
                            viewport={"width": round(CONTENT_WIDTH_PX), "height": 1000})
                    if kind not in pages:
                        pages[kind] = context.new_page()
                        if kind == "overflow":
                            pages[kind].emulate_media(media="print")
                    page = pages[kind]
                    page.set_content(html, wait_until="load", timeout=TIMEOUT * 1000)
                    done.set_result(page.evaluate(_OVERFLOW_JS) if kind == "overflow" else
                                    page.pdf(prefer_css_page_size=True, print_background=True))
                except Exception as exc:  # noqa: BLE001 - handed to the caller
                    done.set_exception(RenderError(f"Chromium could not print the report: "
                                                   f"{exc}"))
                    if browser is not None:  # start afresh for the next report
                        _quietly(browser.close)
                    browser, pages = None, {}
            if browser is not None:
                _quietly(browser.close)


#: The A4 page's content width in CSS px: 210 mm less the template's 16 mm side margins.
CONTENT_WIDTH_PX = (210 - 2 * 16) / 25.4 * 96
#: Outermost tables, images and SVGs reaching past the body's right edge (print layout).
_OVERFLOW_JS = """() => {
  const edge = document.body.getBoundingClientRect().right, out = [], seen = [];
  for (const el of document.querySelectorAll('table, img, svg')) {
    const px = el.getBoundingClientRect().right - edge;
    if (px <= 1 || seen.some(s => s.contains(el))) continue;
    seen.push(el);
    const heads = [...el.querySelectorAll('th')].slice(0, 2).map(t => t.textContent.trim());
    out.push({tag: el.tagName.toLowerCase(), headers: heads.join(' | '), px: px});
  }
  return out;
}"""


def _quietly(call) -> None:
    with contextlib.suppress(Exception):  # closing a broken browser
        call()


_PRINTER: ChromiumPrinter | None = None
_LOCK = threading.Lock()


def chromium_pdf(html: str) -> bytes:
    """Chromium's PDF of ``html`` from this process's warm printer (started on first use)."""
    return printer().print(html)


def printer() -> ChromiumPrinter:
    """This process's warm Chromium printer (started on first use)."""
    global _PRINTER
    with _LOCK:
        if _PRINTER is None or not _PRINTER._thread.is_alive():
            exe = chromium_executable()
            if exe is None:
                raise RenderError("no Chromium found to print the PDF")
            _PRINTER = ChromiumPrinter(exe)
            atexit.register(_PRINTER.close)
        return _PRINTER


def html_to_pdf(html: str, base_url: Path | None = None) -> bytes:
    """The PDF of ``html`` with this process's :func:`engine`."""
    if engine() == "chromium":
        return chromium_pdf(html)
    return weasyprint_pdf(html, base_url)
