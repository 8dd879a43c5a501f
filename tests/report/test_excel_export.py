"""The Excel export: template layout, values from the cube, n/a, formats, safety, printing."""

from __future__ import annotations

import dataclasses
import io
import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpi_lib import paths
from kpi_lib.analysis.diagnosis import Finding
from kpi_lib.i18n import text, verdict_words
from kpi_lib.report import excel_report as xl
from kpi_lib.report.excel_style import FIRST_DATA_ROW, HEADER_ROW, display_width, safe_text
from kpi_lib.report.store_month import load_store_month

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
TOTAL_COL = 14  # A = KPI, B..M = January..December, N = year total

#: the template's row names (shared/seeds 000: 纵向比较, showroom block then 交车结构)
TEMPLATE_ZH = [
    "本月广宣投放(元)", "来店批次", "单批次来店成本(元)", "新增意向客户数", "留存意向客户数量",
    "新增意向客户产生订单数", "留存意向客户产生订单数", "留存订单及全款数", "本月展厅交车数",
    "留有资料比例", "本月产生订单合计数", "留存订单+本月订单", "留存意向客户订单转化率A",
    "新增意向客户订单转化率B", "交车转化率",
    "来店", "行业开拓", "保有客户", "户外展示", "其他", "二级网点",
    "来店所占结构比", "行业开拓所占结构比", "保有客户所占结构比", "户外展示所占结构比",
    "其他所占结构比", "二级网点所占结构比", "月度交车合计", "二手车置换", "二手车所占结构比",
]


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws) -> dict[str, int]:
    """Row label (column A) → row number, from the first data row."""
    return {ws.cell(r, 1).value: r for r in range(FIRST_DATA_ROW, ws.max_row + 1)}


def _month_col(month: str) -> int:
    return 1 + int(month[5:7])


@pytest.fixture(scope="module")
def demo():
    """S001 2026-10 in zh and en: StoreMonth, year cube and the workbook loaded back."""
    cube = xl.load_year_cube(paths.DEMO_DATA, "S001", "2026-10")
    out = {}
    for lang in ("zh", "en"):
        sm = load_store_month("S001", "2026-10", lang)
        out[lang] = (sm, _load(xl.workbook_bytes(sm, lang, year_cube=cube)))
    return cube, out


@pytest.fixture(scope="module")
def tiny():
    """Store S2 of the hand-counted fixture, report month 2026-09 (months 08–10 in the data)."""
    sm = load_store_month("S2", "2026-09", "zh", data=TINY)
    cube = xl.load_year_cube(TINY, "S2", "2026-09")
    return sm, cube, _load(xl.workbook_bytes(sm, year_cube=cube))


def test_sheet_names_in_both_languages(demo):
    _, books = demo
    assert books["zh"][1].sheetnames == ["纵向比较", "横向比较", "销售顾问", "诊断", "改进计划"]
    assert books["en"][1].sheetnames == [
        "Month by month", "Benchmarks", "Consultants", "Findings", "Improvement plan"]


def test_vertical_sheet_has_the_template_rows_in_order(demo):
    _, books = demo
    ws = books["zh"][1]["纵向比较"]
    labels = [ws.cell(r, 1).value for r in range(FIRST_DATA_ROW, ws.max_row + 1)]
    assert labels == TEMPLATE_ZH
    assert [ws.cell(HEADER_ROW, c).value for c in range(1, 15)] == [
        "销售KPI", *(f"{m}月" for m in range(1, 13)), "年度合计"]
    assert ws["A1"].value == "纵向比较：S001 上海浦东4S店，2026年10月"
    assert (ws["A2"].value, ws["B2"].value, ws["C2"].value, ws["D2"].value) == (
        "门店", "S001", "门店名称", "上海浦东4S店")
    assert (ws["G2"].value, ws["H2"].value) == ("年份", 2026)
    en = books["en"][1]["Month by month"]
    assert en.cell(FIRST_DATA_ROW, 1).value == "Ad spend (CNY)"
    assert en.cell(HEADER_ROW, 2).value == "Jan"


def test_vertical_values_are_the_cube(demo):
    cube, books = demo
    ws = books["zh"][1]["纵向比较"]
    rows = _rows(ws)

    def cube_value(metric, month):
        hit = cube[(cube.metric == metric) & (cube.month == month)]
        return float(hit["value"].iloc[0])

    visits = ws.cell(rows["来店批次"], _month_col("2026-10"))
    assert visits.value == cube_value("visits", "2026-10") and visits.number_format == "#,##0"
    assert ws.cell(rows["来店批次"], _month_col("2026-03")).value == cube_value("visits", "2026-03")
    rate = ws.cell(rows["留有资料比例"], _month_col("2026-10"))
    assert rate.value == pytest.approx(cube_value("lead_capture_rate", "2026-10"))
    assert 0 < rate.value < 1 and rate.number_format == "0.0%"
    money = ws.cell(rows["本月广宣投放(元)"], _month_col("2026-10"))
    assert money.value == cube_value("ad_spend", "2026-10")
    assert money.number_format == '"¥"#,##0'
    share = ws.cell(rows["二级网点"], _month_col("2026-07"))
    assert share.value == cube_value("deliveries_secondary_outlet", "2026-07")
    # 留存订单+本月订单 is the denominator of the delivery conversion
    open_orders = ws.cell(rows["留存订单+本月订单"], _month_col("2026-10")).value
    assert open_orders == cube_value("carried_orders", "2026-10") + cube_value("orders", "2026-10")
    # months after October: empty, no comment
    for col in (_month_col("2026-11"), _month_col("2026-12")):
        for r in rows.values():
            assert ws.cell(r, col).value is None and ws.cell(r, col).comment is None


def test_year_total_sums_counts_pools_ratios_and_skips_stocks(demo):
    cube, books = demo
    ws = books["zh"][1]["纵向比较"]
    rows = _rows(ws)
    year = cube[cube.month <= "2026-10"]
    visits = year[year.metric == "visits"]["value"].sum()
    assert ws.cell(rows["来店批次"], TOTAL_COL).value == visits
    conv = year[year.metric == "conversion_a"]
    pooled = conv["numerator"].sum() / conv["denominator"].sum()
    assert ws.cell(rows["留存意向客户订单转化率A"], TOTAL_COL).value == pytest.approx(pooled)
    stock = ws.cell(rows["留存意向客户数量"], TOTAL_COL)
    assert stock.value is None and stock.comment.text == text("excel_na_stock", "zh")


def test_hand_counted_store_na_cells_and_months_outside_the_data(tiny):
    _, _, wb = tiny
    ws = wb["纵向比较"]
    rows = _rows(ws)
    aug, sep = _month_col("2026-08"), _month_col("2026-09")
    # S2: one visit (V21) and 10 000 of ad spend in August; no visit, no marketing row in Sept
    assert ws.cell(rows["来店批次"], aug).value == 1
    assert ws.cell(rows["来店批次"], sep).value == 0  # a real zero stays 0
    spend = ws.cell(rows["本月广宣投放(元)"], sep)
    assert spend.value is None and spend.comment.text == "无数据"
    capture = ws.cell(rows["留有资料比例"], sep)
    assert capture.value is None and capture.comment.text == "分母为零"
    assert ws.cell(rows["二手车置换"], sep).value == 1  # O21 trade-in
    assert ws.cell(rows["行业开拓所占结构比"], sep).value == 0.5  # O22 of 2 deliveries
    # totals: Σ over Aug+Sep; pooled B = (0 + 1) / (1 + 1); spend only from August
    assert ws.cell(rows["新增意向客户数"], TOTAL_COL).value == 2
    assert ws.cell(rows["新增意向客户订单转化率B"], TOTAL_COL).value == 0.5
    total_spend = ws.cell(rows["本月广宣投放(元)"], TOTAL_COL)
    assert total_spend.value == 10000 and "1 个月" in total_spend.comment.text
    # January–July lie before the data: empty cells, a note on the month's header
    assert ws.cell(HEADER_ROW, _month_col("2026-07")).comment.text == "该月不在数据范围内"
    assert ws.cell(HEADER_ROW, aug).comment is None
    assert all(ws.cell(r, _month_col("2026-03")).value is None for r in rows.values())
    # no cell anywhere holds an error or a formula
    for sheet in wb:
        for row in sheet.iter_rows():
            assert not any(c.data_type in ("e", "f") for c in row)


def test_horizontal_sheet_matches_the_compare_table(demo):
    _, books = demo
    sm, wb = books["zh"]
    ws = wb["横向比较"]
    assert [ws.cell(HEADER_ROW, c).value for c in range(1, 9)] == [
        "销售KPI", "本店", "全国平均", "区域平均", "全国标杆", "区域标杆", "对标门店", "判断"]
    net = sm.network[sm.network.store_id == "S001"].set_index("metric")
    rows = _rows(ws)
    for label, metric in (("来店批次", "visits"), ("留有资料比例", "lead_capture_rate"),
                          ("交车转化率", "delivery_conversion"),
                          ("本月广宣投放(元)", "ad_spend")):
        rec, r = net.loc[metric], rows[label]
        for col, field in enumerate(("value", *xl.SCOPES), start=2):
            cell = ws.cell(r, col)
            if math.isnan(rec[field]):
                assert cell.value is None and cell.comment is not None
            else:
                assert cell.value == pytest.approx(rec[field])
        assert ws.cell(r, 8).value == verdict_words(rec["verdict"], rec["worse"], "zh")


def test_consultants_findings_and_plan_sheets(demo, tiny):
    _, books = demo
    sm, wb = books["zh"]
    ws = wb["销售顾问"]
    names = [ws.cell(r, 1).value for r in range(FIRST_DATA_ROW, ws.max_row + 1)]
    assert names == [*sm.consultants.table["name"], "团队合计"]
    first = sm.consultants.table.iloc[0]
    assert ws.cell(FIRST_DATA_ROW, 9).value == pytest.approx(first["completion"])
    assert ws.cell(FIRST_DATA_ROW, 9).number_format == "0.0%"
    # S001's one finding: its H follow-up (35.3% against the 80% standard)
    assert wb["诊断"].cell(FIRST_DATA_ROW, 4).value == sm.findings[0].title
    assert [f.rule_id for f in sm.findings] == ["followup_compliance_low"]
    plan = wb["改进计划"]
    assert plan.cell(FIRST_DATA_ROW, 4).value.date().isoformat() == "2026-11-30"

    tiny_sm, _, tiny_wb = tiny
    f = tiny_wb["诊断"]
    finding = tiny_sm.findings[0]
    assert [f.cell(FIRST_DATA_ROW, c).value for c in (1, 3, 4)] == [1, finding.rule_id,
                                                                    finding.title]
    impact = f.cell(FIRST_DATA_ROW, 7)
    assert impact.value is None and impact.comment.text == text("excel_no_impact", "zh")


def test_data_strings_never_become_formulas(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    stores = (data / "stores.csv").read_text(encoding="utf-8")
    (data / "stores.csv").write_text(
        stores.replace("S1,一号店,华东", "S1,\"=cmd|' /C calc'!A0\",@SUM(1+1)"), encoding="utf-8")
    cons = (data / "consultants.csv").read_text(encoding="utf-8")
    evil_name = '=HYPERLINK("http://evil","x")'
    (data / "consultants.csv").write_text(
        cons.replace("C11,S1,张三", 'C11,S1,"=HYPERLINK(""http://evil"",""x"")"'),
        encoding="utf-8")
    sm = load_store_month("S1", "2026-09", data=data)
    sm = dataclasses.replace(sm, findings=[Finding("r1", "S1", "high", "-1+2", "+cause",
                                                   ["@act"], impact=2.5, impact_text="≈3")])
    out = xl.write_store_workbook(sm, tmp_path / "out" / "S1.xlsx", data_dir=data)
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert "'=cmd|' /C calc'!A0" in values and "'@SUM(1+1)" in values
    assert "'" + evil_name in values and "'-1+2" in values and "'+cause" in values
    name_cell = next(c for c in cells if c.value == "'" + evil_name)
    assert name_cell.data_type == "s" and name_cell.quotePrefix
    with zipfile.ZipFile(out) as z:  # openpyxl wrote no <f> element anywhere
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist())


def test_safe_text_and_display_width():
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("\t=1") == "'\t=1"
    assert safe_text("a=1") == "a=1" and safe_text("—") == "—"
    assert safe_text("x\x01y") == "xy"  # characters Excel refuses are dropped
    assert display_width("来店ab") == 6


def test_print_setup_and_frozen_header(demo):
    _, books = demo
    for ws in books["zh"][1]:
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        assert ws.freeze_panes == f"B{FIRST_DATA_ROW}"
    ws = books["zh"][1]["纵向比较"]
    assert ws.column_dimensions["A"].width >= display_width("新增意向客户订单转化率B")


def test_write_is_atomic_and_needs_the_year(tiny, tmp_path, monkeypatch):
    sm, cube, _ = tiny
    out = tmp_path / "S2.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(ValueError, match="data_dir or year_cube"):
        xl.write_store_workbook(sm, out)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(xl, "workbook_bytes", boom)
    with pytest.raises(RuntimeError):
        xl.write_store_workbook(sm, out, year_cube=cube)
    assert out.read_bytes() == b"old" and list(tmp_path.iterdir()) == [out]
    monkeypatch.undo()
    assert xl.write_store_workbook(sm, out, year_cube=cube) == out
    assert openpyxl.load_workbook(out).sheetnames[0] == "纵向比较"
    with pytest.raises(ValueError, match="loaded in 'zh'"):
        xl.build_workbook(sm, "en", year_cube=cube)


def test_libreoffice_converts_the_workbook(demo, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (apt-get install -y libreoffice-calc-nogui)")
    cube, books = demo
    sm = books["en"][0]
    src = xl.write_store_workbook(sm, tmp_path / "S001.xlsx", year_cube=cube)
    run = subprocess.run(
        [office, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(src)],
        capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "pdf" / "S001.pdf"
    assert run.returncode == 0 and pdf.is_file(), run.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_tiny_demo_store_renders_every_sheet():
    sm = load_store_month("S012", "2026-10")
    cube = xl.load_year_cube(paths.DEMO_DATA, "S012", "2026-10")
    wb = _load(xl.workbook_bytes(sm, year_cube=cube))
    assert len(wb.sheetnames) == 5
    for ws in wb:
        assert ws.cell(HEADER_ROW, 1).value and ws.max_row >= FIRST_DATA_ROW
        assert not any(c.data_type in ("e", "f") for row in ws.iter_rows() for c in row)
