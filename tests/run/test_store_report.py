"""End to end: the demo data → one store's HTML + PDF + executed notebook."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import openpyxl
import pytest

from kpi_lib.demo import ensure_demo_data
from kpi_lib.errors import ParameterError
from kpi_lib.run.store_reports import render_store_report
from tests.pdf_checks import FIRST_PAGE_FOOTER, assert_cjk_font_embedded


@pytest.fixture(scope="module")
def demo() -> Path:
    return ensure_demo_data()


@pytest.fixture(scope="module")
def rendered(demo: Path, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return render_store_report("S001", "2026-10", "zh", demo, out)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_outputs_exist(rendered):
    assert {p.suffix for p in rendered.values()} == {".html", ".pdf", ".ipynb", ".xlsx"}
    for path in rendered.values():
        assert path.stat().st_size > 1000
        assert path.parent.name == "2026-10" and path.stem == "S001"


def test_html_is_chinese_offline_and_has_no_raw_na(rendered):
    html = next(p for p in rendered.values() if p.suffix == ".html").read_text("utf-8")
    assert '<html lang="zh-CN"' in html
    assert "门店月度销售KPI报告" in html and "来店批次" in html and "数据质量" in html
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    assert not re.search(r"<link[^>]+href=[\"']https?://", html)
    visible = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    assert not re.search(r">\s*(nan|NaN|#DIV/0!)\s*<", visible)
    assert "import kpi_lib" not in visible and "from kpi_lib" not in visible


def test_pdf_has_chinese_text_page_numbers_and_embedded_cjk_font(rendered):
    pdf = next(p for p in rendered.values() if p.suffix == ".pdf")
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "门店月度销售KPI报告" in words
    assert "试乘试驾率" in words
    assert FIRST_PAGE_FOOTER.search(words)
    assert_cjk_font_embedded(pdf)


def test_workbook_opens_and_holds_the_template_sheet(rendered):
    book = openpyxl.load_workbook(next(p for p in rendered.values() if p.suffix == ".xlsx"))
    assert book.sheetnames[:2] == ["纵向比较", "横向比较"]
    assert book["纵向比较"].page_setup.orientation == "landscape"


def test_executed_notebook_has_no_errors(rendered):
    nb = nbformat.read(next(p for p in rendered.values() if p.suffix == ".ipynb"), as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors == []
    params = nb.metadata["papermill"]["parameters"]
    assert params["store"] == "S001" and params["month"] == "2026-10"


def test_bad_parameters_leave_the_report_untouched(rendered, demo):
    folder = next(iter(rendered.values())).parent
    before = _digest(folder)
    with pytest.raises(ParameterError, match="known stores: S001"):
        render_store_report("S999", "2026-10", "zh", demo, folder.parent)
    with pytest.raises(ParameterError, match="outside the data"):
        render_store_report("S001", "2030-01", "zh", demo, folder.parent)
    assert _digest(folder) == before


def test_cli_reports_a_user_mistake_without_traceback(demo, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "kpi_lib", "report", "--store", "S001", "--month", "2026-13",
         "--data", str(demo), "--out-dir", str(tmp_path)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert "not of the form YYYY-MM" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_two_kernel_report_lists_every_kpi_it_shows_in_its_appendix(rendered):
    """A single report runs its sections on two kernels (KernelPair): the appendix must
    still list what both halves show — no more, no less."""
    from kpi_lib.report.store_month import FUNNEL_STAGES
    from tests.system.test_every_store import _tables_and_appendix

    html = next(p for p in rendered.values() if p.suffix == ".html").read_text("utf-8")
    visible = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    shown, appendix = _tables_and_appendix(visible)
    funnel = {i for stage in FUNNEL_STAGES for i in stage if i}
    assert appendix == shown | funnel
    assert {"followup_compliance", "new_lead_order_share", "call_3d_rate"} <= appendix
