"""What the reports of a batch cost and how they print, read from the files it wrote.

Used by ``make bench`` (:mod:`kpi_lib.timing`): :func:`section_seconds` reads the kernel's
own timestamps in each executed notebook (nbclient's ``metadata.execution``) and adds them
up by report section; :func:`pdf_look` checks what the issue keeps: size, fonts embedded
and searchable (``pdffonts``), and the same pages as WeasyPrint prints from the same HTML.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat

#: The section a cell belongs to: the catalogue key of the heading it displays.
_HEADING = re.compile(r"""heading\(\s*["'](\w+)["']""")
_MODULE = re.compile(r"report\.(\w+)\.")


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def cell_seconds(cell: nbformat.NotebookNode) -> float:
    """Seconds the kernel was busy with ``cell`` (0 when it was not timed)."""
    run = cell.get("metadata", {}).get("execution", {})
    try:
        return (_stamp(run["iopub.status.idle"]) - _stamp(run["iopub.status.busy"])
                ).total_seconds()
    except (KeyError, ValueError):
        return 0.0


def cell_section(cell: nbformat.NotebookNode) -> str:
    """The section a cell's time counts to: its first tag (``setup``: loading the store's
    month), else the first ``heading("key")`` it shows, else the first ``report.<module>.``
    it calls (the plan's section), else ``other``."""
    tags = cell.get("metadata", {}).get("tags", [])
    found = _HEADING.search(cell.source) or _MODULE.search(cell.source)
    return tags[0] if tags else found.group(1) if found else "other"


def section_seconds(notebooks: list[Path]) -> dict[str, float]:
    """Mean kernel seconds per report section (:func:`cell_section`) over ``notebooks``,
    largest first."""
    totals: dict[str, float] = defaultdict(float)
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                totals[cell_section(cell)] += cell_seconds(cell)
    n = max(1, len(notebooks))
    return dict(sorted(((k, v / n) for k, v in totals.items()), key=lambda kv: -kv[1]))


def _poppler(tool: str, pdf: Path) -> str | None:
    if shutil.which(tool) is None:
        return None
    return subprocess.run([tool, str(pdf)], capture_output=True, text=True, check=True).stdout


def pdf_pages(pdf: Path) -> int | None:
    """The page count (``pdfinfo``; ``None`` without poppler-utils)."""
    info = _poppler("pdfinfo", pdf)
    found = re.search(r"^Pages:\s+(\d+)", info or "", re.M)
    return int(found.group(1)) if found else None


def fonts_embedded(pdf: Path) -> bool | None:
    """Every font embedded with a Unicode map, so text is searchable (``pdffonts``)."""
    table = _poppler("pdffonts", pdf)
    if table is None:
        return None
    rows = table.splitlines()[2:]
    return bool(rows) and all(r.split()[-5] == "yes" and r.split()[-3] == "yes" for r in rows)


def pdf_look(pdfs: list[Path], sample: int = 6) -> dict[str, Any]:
    """Size of every PDF; for the first ``sample``: fonts, and pages and seconds against
    WeasyPrint printing the same HTML (its time in this warm process, after one warm-up)."""
    from .pdf_engine import engine, weasyprint_pdf

    sizes = {p.stem: p.stat().st_size / 1e6 for p in pdfs}
    checked = []
    for i, pdf in enumerate(pdfs[:sample]):
        html = pdf.with_suffix(".html")
        if i == 0:
            weasyprint_pdf("<p>预热</p>")
        t = time.perf_counter()
        other = weasyprint_pdf(html.read_text("utf-8"), base_url=html.parent)
        seconds = time.perf_counter() - t
        copy = pdf.with_name(pdf.stem + ".weasyprint.pdf")
        copy.write_bytes(other)
        checked.append({"store": pdf.stem, "pages": pdf_pages(pdf),
                        "weasyprint_pages": pdf_pages(copy), "weasyprint_seconds": seconds,
                        "fonts_embedded": fonts_embedded(pdf)})
        copy.unlink()
    apart = [abs(c["pages"] - c["weasyprint_pages"]) for c in checked
             if None not in (c["pages"], c["weasyprint_pages"])]
    fonts = [c["fonts_embedded"] for c in checked if c["fonts_embedded"] is not None]
    return {"engine": engine(), "max_mb": max(sizes.values(), default=0.0),
            "largest": max(sizes, key=sizes.get, default=""), "checked": checked,
            "same_page_count": sum(d == 0 for d in apart) if apart else None,
            "pages_apart_max": max(apart) if apart else None,
            "fonts_ok": all(fonts) if fonts else None}
