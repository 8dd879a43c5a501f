"""From a parameterised notebook to the published report: ipynb + HTML + PDF, atomically.

``render_report`` executes the notebook (papermill's parameters, nbclient, in a
:class:`~kpi_lib.run.notebook_kernel.WarmKernel`), converts it in-process with nbconvert
and our ``kpi_report`` template (code hidden, offline, A4 print CSS) and prints the HTML to
PDF (:mod:`kpi_lib.run.pdf_engine`: a warm Chromium, else WeasyPrint). Nothing is written
until all three are ready; then they are moved into place together, so a failed run leaves
the previous report untouched.

**Interactive pages (opt in).** ``notebook_to_html(nb, meta, interactive=True)`` (or
``render_report(..., interactive=True)``, or ``"interactive": True`` in ``meta``) sets
``nb.metadata["kpi_report"]["interactive"]`` and the words of the controls
(``kpi_report.ui``, from :mod:`kpi_lib.i18n`: ``ui_filter_*``, ``ui_sort_hint``); the
template then inlines ``templates/kpi_report/interactive.js``: every table with a header
and two or more rows sorts by a click on a column header (numbers as numbers, n/a last,
Chinese by pinyin, ``aria-sort``) and gets a filter box; an image's alt text becomes its
tooltip, and an SVG output displayed with ``metadata={"image/svg+xml": {"inline": True}}``
is inlined, so its ``<title>`` elements show on hover (the index's funnel plots:
:func:`kpi_lib.report.svg_tooltips.svg_with_point_titles`, one title per store point). A
Content-Security-Policy forbids every request (images only as ``data:``). The
network index is interactive (:func:`kpi_lib.run.batch.render_overview`); region and
network pages opt in the same way. The controls are made by the script, which the PDF printer
does not run, so a page's PDF is the same either way.

**Section anchors (every page).** A heading whose text is a catalogue entry of
:mod:`kpi_lib.i18n` (``report.heading(key, lang)``, also as worded for a period) gets a
stable, language-independent anchor ``<span class="section-anchor" id="sec-<key>">``
(:func:`section_anchors`), so other pages can link to a section: the index links each
store's consultants as ``S001.html#sec-consultants``. nbconvert's own heading ids (made from
the words) stay as they are.
"""

from __future__ import annotations

import base64
import copy
import functools
import html as html_lib
import re
import struct
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat

from .. import paths
from ..atomic import publish
from ..errors import RenderError
from ..i18n import TEXTS, month_label, period_wording, text
from ..zh_breaks import LONG_LABEL, header_html

TEMPLATE_NAME = "kpi_report"

#: Cell tags honoured when converting: drop the whole cell / only its outputs.
REMOVE_CELL_TAGS = {"remove-cell", "remove_cell"}
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output"}

# --------------------------------------------------------------------------- convert


def report_metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    """``meta`` completed with what the template shows: month label, header, title."""
    out = {k: v for k, v in dict(meta).items() if v is not None}
    lang = out.setdefault("lang", "zh")
    month = out.get("month", "")
    if month and "month_label" not in out:
        try:
            out["month_label"] = month_label(month, lang)
        except (ValueError, KeyError, IndexError):
            out["month_label"] = month
    if "header" not in out:
        who = " ".join(str(out[k]) for k in ("store", "store_name") if out.get(k))
        out["header"] = " · ".join(s for s in (who, out.get("month_label", "")) if s)
    if "report_title" not in out:
        out["report_title"] = out.get("title") or text("report_title", lang)
    return out


#: The words of the interactive controls (template name -> catalogue key).
UI_TEXTS = {"filter_label": "ui_filter_label", "filter_placeholder": "ui_filter_placeholder",
            "filter_count": "ui_filter_count", "sort_hint": "ui_sort_hint"}
#: Labels of total rows ("全网", "合计", "团队合计" …): a table's last rows so labelled stay
#: last when it is sorted (keys missing from the catalogue are skipped).
TOTAL_KEYS = ("overview_network", "region_network_name", "scope_network", "pipeline_all",
              "consultants_team", "mix_aftercare_total")


def notebook_to_html(nb: nbformat.NotebookNode, meta: Mapping[str, Any], *,
                     interactive: bool = False) -> str:
    """The executed notebook as one self-contained HTML page (code hidden, offline).

    ``meta`` (store, store_name, month, lang, optional title/region) is stored in
    ``nb.metadata["kpi_report"]`` of a copy, where the template reads it. ``interactive``
    (or ``meta["interactive"]``) adds the inline script of sortable, filterable tables
    (module docstring); without it the page has no script at all.
    """

    nb = copy.deepcopy(nb)
    kr = report_metadata(meta)
    if interactive or kr.get("interactive"):
        kr["interactive"] = True
        kr["ui"] = {name: text(key, kr["lang"]) for name, key in UI_TEXTS.items()}
        kr["ui"]["total_labels"] = "|".join(sorted({TEXTS[kr["lang"]][k] for k in TOTAL_KEYS
                                                    if k in TEXTS[kr["lang"]]}))
    else:
        kr.pop("interactive", None)
    nb.metadata["kpi_report"] = kr
    exporter = _exporter()
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": _name(meta)}})
    return sized_images(section_anchors(mark_short_labels(html), kr["lang"]))


@functools.cache
def _exporter():
    """The HTML exporter with our template, made once per process (its templates compiled
    once: ~0.1 s a report)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = REMOVE_CELL_TAGS
    config.TagRemovePreprocessor.remove_all_outputs_tags = REMOVE_OUTPUT_TAGS
    config.TagRemovePreprocessor.enabled = True
    return HTMLExporter(config=config, template_name=TEMPLATE_NAME,
                        extra_template_basedirs=[str(paths.TEMPLATES)], exclude_input=True,
                        exclude_input_prompt=True, exclude_output_prompt=True)


_HEADING = re.compile(r"<h([1-4])\b([^>]*)>(.*?)</h\1>", re.S)
_ANCHOR_LINK = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
SECTION_PREFIX = "sec-"


def _heading_keys(lang: str) -> dict[str, str]:
    """Catalogue text (and its period wording) -> key; the first key of a text wins."""
    out: dict[str, str] = {}
    for key, words in TEXTS[lang].items():
        if "{" in words:
            continue
        for variant in (words, period_wording(words, lang)):
            out.setdefault(" ".join(variant.split()), key)
    return out


def section_anchors(html: str, lang: str) -> str:
    """``html`` with ``<span class="section-anchor" id="sec-<key>">`` at the start of each
    heading whose text is the catalogue entry ``key`` (the first such heading only).

    >>> section_anchors('<h2 id="x">销售顾问业绩评估<a class="anchor-link" href="#x">¶</a></h2>',
    ...                 "zh")[:68]
    '<h2 id="x"><span class="section-anchor" id="sec-consultants"></span>'
    """
    keys = _heading_keys(lang)
    seen: set[str] = set()

    def add(m: re.Match[str]) -> str:
        level, attrs, inner = m.groups()
        words = " ".join(html_lib.unescape(_TAG.sub("", _ANCHOR_LINK.sub("", inner))).split())
        key = keys.get(words)
        if key is None or key in seen:
            return m.group(0)
        seen.add(key)
        return (f'<h{level}{attrs}><span class="section-anchor" id="{SECTION_PREFIX}{key}">'
                f"</span>{inner}</h{level}>")

    return _HEADING.sub(add, html)


#: A table cell holding only text (no markup inside).
_TEXT_CELL = re.compile(r"<(t[dh])\b([^>]*)>([^<]*)</\1>")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
#: Cells with Chinese text up to this many characters are labels, kept on one line.
SHORT_LABEL_CJK = 6
SHORT_LABEL_CLASS = "short-label"


def mark_short_labels(html: str) -> str:
    """``html`` with short Chinese table labels in class ``short-label`` (no line break).

    WeasyPrint may break Chinese between any two characters, so a narrow column printed
    "越高越 / 好" or "团队合 / 计" (and it has no ``word-break: keep-all``). A ``td`` or
    ``th`` holding only text with 1–:data:`SHORT_LABEL_CJK` CJK characters (and at most 16
    characters in all) gets the class, which the template sets ``white-space: nowrap``;
    longer Chinese labels (up to :data:`LONG_LABEL` characters; in a body cell, without
    sentence punctuation) wrap only between words
    (:func:`kpi_lib.zh_breaks.header_html`: "新增意向客户 / 当月下单比例", never "新增意 /
    向客户"); sentences wrap anywhere. See :mod:`kpi_lib.run.layout_check`.
    """
    def mark(m: re.Match[str]) -> str:
        tag, attrs, body = m.groups()
        label = " ".join(html_lib.unescape(body).split())
        cjk = len(_CJK.findall(label))
        if cjk > SHORT_LABEL_CJK and len(label) <= LONG_LABEL and not (
                tag == "td" and re.search(r"[，。；：！？,;]", label)):  # a phrase, not a label
            return f"<{tag}{attrs}>{header_html(label)}</{tag}>"
        if not (1 <= cjk <= SHORT_LABEL_CJK and len(label) <= 16):
            return m.group(0)
        if re.search(r'\bclass="', attrs):
            attrs = re.sub(r'\bclass="', f'class="{SHORT_LABEL_CLASS} ', attrs, count=1)
        else:
            attrs += f' class="{SHORT_LABEL_CLASS}"'
        return f"<{tag}{attrs}>{body}</{tag}>"

    return _TEXT_CELL.sub(mark, html)


def _name(meta: Mapping[str, Any]) -> str:
    return "-".join(str(meta[k]) for k in ("store", "month") if meta.get(k)) or "report"


#: A PNG image given as a data URI (the figures), with the start of its base64 data.
_PNG_IMG = re.compile(r'<img\b[^>]*?src="data:image/png;base64,([A-Za-z0-9+/]{400})[^>]*>')
_INCH = 0.0254


def sized_images(html: str) -> str:
    """``html`` with each PNG figure given its printed width in CSS px (from its dpi).

    Matplotlib writes the figure's dpi into the PNG (``pHYs``); WeasyPrint would size it
    from CSS ``image-resolution``, which Chromium ignores (it shows one pixel per CSS px,
    a 150-dpi figure 1.56× too large), so both engines get the same explicit width.
    An image with a width already, or without a dpi, is left as it is.
    """
    def size(m: re.Match[str]) -> str:
        tag = m.group(0)
        if re.search(r"\swidth=|style=", tag):
            return tag
        head = base64.b64decode(m.group(1))
        at = head.find(b"pHYs")
        if head[12:16] != b"IHDR" or at < 0 or len(head) < at + 13 or head[at + 12] != 1:
            return tag
        width, dots_per_metre = struct.unpack(">I", head[16:20])[0], struct.unpack(
            ">I", head[at + 4:at + 8])[0]
        css_px = width * 96 / (dots_per_metre * _INCH)
        return f'{tag[:4]} style="width: {css_px:.2f}px"{tag[4:]}'

    return _PNG_IMG.sub(size, html)


def html_to_pdf(html: str, base_url: Path | None = None) -> bytes:
    """Print the HTML to PDF (A4, fonts embedded) with :func:`pdf_engine.engine`."""
    from .pdf_engine import html_to_pdf as print_pdf

    return print_pdf(html, base_url)


# --------------------------------------------------------------------------- together


def render_report(
    notebook: Path, parameters: dict[str, Any], meta: dict[str, Any], out_stem: Path,
    extra: Mapping[Path, bytes | str] | None = None, *, kernel=None,
    epilogue: str | None = None, produced: Mapping[str, Path] | None = None,
    timings: dict[str, float] | None = None,
    sidecar: Callable[[Mapping[Path, bytes | str]], Mapping[Path, bytes | str]] | None = None,
    interactive: bool = False,
) -> dict[str, Path]:
    """Execute, convert and print ``notebook``; publish ``<out_stem>.{ipynb,html,pdf}``.

    The notebook runs in ``kernel`` (a :class:`~kpi_lib.run.notebook_kernel.WarmKernel`, kept
    running) or in one started for it. ``epilogue`` is code run after its cells (not part
    of the report); ``produced`` maps extensions to files the notebook or the epilogue
    wrote (e.g. ``{"xlsx": path}``), published as ``<out_stem>.<ext>``; ``extra`` maps more
    paths to their bytes; ``sidecar`` is called with the report's files (path -> data) and
    returns more files made from them (the batch's stamp of their hashes). Everything is
    published together; returns ``{"ipynb": path,
    "html": path, "pdf": path, …}``. Raises :class:`RenderError` when a cell fails; then
    the previous outputs are left exactly as they were. ``timings``, if given, receives the
    seconds of each step. ``interactive`` makes the HTML interactive (module docstring;
    the PDF is the same).
    """
    from .notebook_kernel import WarmKernel

    out_stem = Path(out_stem)
    own = kernel is None
    kernel = WarmKernel() if own else kernel
    t0 = time.perf_counter()
    try:
        nb = kernel.execute(Path(notebook), parameters, epilogue)
    finally:
        if own:
            kernel.shutdown()
    made = {ext: Path(p).read_bytes() for ext, p in (produced or {}).items() if Path(p).is_file()}
    t1 = time.perf_counter()
    html = notebook_to_html(nb, meta, interactive=interactive)
    t2 = time.perf_counter()
    pdf = html_to_pdf(html, base_url=out_stem.parent)
    t3 = time.perf_counter()
    files: dict[str, bytes | str] = {"ipynb": nbformat.writes(nb), "html": html, "pdf": pdf,
                                     **made}
    targets = {ext: out_stem.with_name(f"{out_stem.name}.{ext}") for ext in files}
    outputs = {targets[ext]: data for ext, data in files.items()}
    side = sidecar(outputs) if sidecar is not None else {}
    try:
        publish({**outputs, **(extra or {}), **side})
    except OSError as exc:  # disk full or made read-only meanwhile: nothing was replaced
        raise RenderError(f"cannot write the report to {out_stem.parent}: "
                          f"{exc.strerror or exc}; the previous report is left as it was"
                          ) from None
    if timings is not None:
        timings.update(execute=t1 - t0, html=t2 - t1, pdf=t3 - t2,
                       publish=time.perf_counter() - t3)
    return targets
