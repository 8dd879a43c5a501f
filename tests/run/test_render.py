"""Rendering: probe notebook → ipynb + HTML + PDF, published atomically; the plot theme."""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

from kpi_lib.atomic import atomic_write, publish
from kpi_lib.errors import RenderError
from kpi_lib.report import plots
from kpi_lib.run.render import notebook_to_html, render_report
from tests.pdf_checks import FIRST_PAGE_FOOTER, assert_cjk_font_embedded

matplotlib.use("Agg")

PROBE = Path(__file__).parents[1] / "fixtures" / "render_probe.ipynb"
PARAMS = {"store": "S001", "month": "2026-10", "lang": "zh", "data": None}
META = {"store": "S001", "store_name": "城南旗舰店", "region": "华东", "month": "2026-10",
        "lang": "zh"}
PHRASE = "本报告用于检验渲染流程"

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("render")
    return render_report(PROBE, PARAMS, META, out / "S001")


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _visible(html: str) -> str:
    return re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)


def test_outputs_are_published_together(rendered):
    assert set(rendered) == {"ipynb", "html", "pdf"}
    folder = rendered["pdf"].parent
    assert sorted(p.name for p in folder.iterdir()) == ["S001.html", "S001.ipynb", "S001.pdf"]
    assert rendered["pdf"].read_bytes().startswith(b"%PDF")


def test_kernel_is_this_venv(rendered):
    nb = nbformat.read(rendered["ipynb"], as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "kernel: " in printed
    exe = re.search(r"kernel: (\S+)", printed).group(1)
    assert Path(exe).parent.parent.resolve() == Path(__import__("sys").prefix).resolve()


def test_html_is_chinese_offline_and_hides_code(rendered):
    html = rendered["html"].read_text("utf-8")
    assert '<html lang="zh-CN"' in html
    assert not re.search(r"<script[^>]*\bsrc=[\"']?https?:", html)
    assert not re.search(r"<link[^>]*\bhref=[\"']?https?:", html)
    assert "<script" not in html
    visible = _visible(html)
    assert PHRASE in visible and "关键指标概览" in visible
    assert "import " not in visible and "plots.use_theme" not in visible  # no code input
    assert "In&nbsp;[" not in visible and "Out[" not in visible  # no prompts
    assert "must not show" not in visible  # stderr dropped
    assert '"S001 城南旗舰店 · 2026年10月"' in html  # running header in @page
    assert "data:image/png;base64," in html


@needs_poppler
def test_pdf_text_header_and_page_numbers(rendered):
    words = subprocess.run(["pdftotext", "-layout", str(rendered["pdf"]), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert PHRASE in words
    assert "S001 城南旗舰店" in words and "门店月度销售KPI报告" in words
    assert FIRST_PAGE_FOOTER.search(words)
    assert "must not show" not in words


@needs_poppler
def test_pdf_embeds_noto_sans_cjk(rendered):
    assert_cjk_font_embedded(rendered["pdf"])


def test_failed_render_leaves_previous_outputs_untouched(rendered):
    folder = rendered["pdf"].parent
    before = _digest(folder)
    with pytest.raises(RenderError) as info:
        render_report(PROBE, {**PARAMS, "fail": True}, META, folder / "S001")
    message = str(info.value)
    assert "if fail:" in message and "ValueError" in message and "探针故障" in message
    assert "Traceback" not in message and "\x1b[" not in message
    assert _digest(folder) == before  # same files, same bytes, no temp files


def test_english_html_has_english_lang_and_page_label(rendered):
    nb = nbformat.read(rendered["ipynb"], as_version=4)
    html = notebook_to_html(nb, {**META, "lang": "en", "title": "Monthly KPI report"})
    assert '<html lang="en"' in html
    assert '"Page " counter(page) " of " counter(pages)' in html
    assert "October 2026" in html
    assert '<header class="report-title">' in html and "Monthly KPI report" in html


def test_header_text_is_css_escaped(rendered):
    nb = nbformat.read(rendered["ipynb"], as_version=4)
    html = notebook_to_html(nb, {**META, "store_name": 'A "B" \\ </style>'})
    assert 'content: "S001 A \\"B\\" \\\\ \\3c /style> · 2026年10月";' in html


def test_publish_writes_all_or_nothing(tmp_path):
    good = tmp_path / "a.html"
    atomic_write(good, "old")
    with pytest.raises(OSError):
        publish({good: "new", tmp_path / "missing" / "b.pdf": b"x"})
    assert good.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]
    with pytest.raises(TypeError):
        publish({good: "new", tmp_path / "c.pdf": object()})  # type: ignore[dict-item]
    assert good.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]
    publish({good: "new", tmp_path / "c.pdf": b"%PDF"})
    assert good.read_text() == "new" and (tmp_path / "c.pdf").read_bytes() == b"%PDF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "c.pdf"]


def test_funnel_chart_marks_missing_values_with_a_dash():
    plots.use_theme("zh")
    stages = pd.DataFrame({
        "stage": ["来店批次", "新增意向客户数", "试乘试驾批次", "展厅订单数"],
        "value": [1200, 600, math.nan, 90],
        "rate_label": ["", "来店客户留档率", "试乘试驾率", "展厅成交率"],
        "rate": [math.nan, 0.5, math.nan, math.nan],
    })
    fig = plots.funnel_chart(stages, "销售漏斗")
    try:
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert "1,200" in texts and "600" in texts and "90" in texts
        assert "—" in texts  # the missing count
        assert "来店客户留档率 50.0%" in texts
        assert "试乘试驾率 —" in texts and "展厅成交率 —" in texts
        assert len(texts) == 4 + 3  # counts and the three named rates; none on the top row
        assert not any("nan" in t.lower() for t in texts)
        assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(stages["stage"])
    finally:
        plots.close(fig)


def test_theme_uses_noto_sans_cjk_sc_without_missing_glyphs(recwarn):
    from matplotlib import font_manager

    plots.use_theme("zh")
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert "NotoSansCJK" in font_manager.findfont("Noto Sans CJK SC")
    fig = plots.funnel_chart(
        pd.DataFrame({"stage": ["留档（新增意向客户）"], "value": [-3.0], "rate": [math.nan]}),
        "试乘试驾 −5%",
    )
    fig.canvas.draw()
    plots.close(fig)
    assert not [w for w in recwarn if "missing from font" in str(w.message)]
