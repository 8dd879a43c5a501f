"""The headless Chromium the browser tests share (Playwright with the system browser).

Importing it from a test module skips that module, with the command to run, when Chromium
or playwright is missing. :class:`Visit` opens a page from disk and records its console
errors and every request it makes (routed: only ``file:``/``data:`` URLs are let through).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi_lib.run.pdf_engine import ARGS, chromium_executable

CHROMIUM = chromium_executable()
if CHROMIUM is None:
    pytest.skip("no Chromium on this machine: install it with `sudo apt-get install -y "
                "chromium` to run the browser tests", allow_module_level=True)
try:
    from playwright.sync_api import sync_playwright
except ImportError:
    pytest.skip("playwright is not installed: `.venv/bin/pip install -e '.[dev]'`",
                allow_module_level=True)

LOCAL = ("file:", "data:")


def launch():
    """A module fixture's body: ``yield from launch()`` gives the browser, then closes it."""
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page opened from disk with its console errors and every request it tried."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))  # even unrouted ones
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri(), wait_until="load")

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            route.abort()

    @property
    def outside(self) -> list[str]:
        """The URLs it tried beyond ``file:``/``data:``, sorted, each once."""
        return sorted({u for u in self.requests if not u.startswith(LOCAL)})

    def attrs(self, selector: str, attr: str) -> list[str]:
        return self.page.eval_on_selector_all(
            selector, f"els => els.map(e => e.getAttribute('{attr}'))")
