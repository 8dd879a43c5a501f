"""The brand workbook's derived cells checked against their recomputation (issue 13.5):
a cell that differs is listed with sheet, row, month, workbook value and recomputed value
(kpi_lib.metrics.workbook_check), and the store's own cells are in its data-quality section."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kpi_lib.demo import ensure_demo_data
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.ingest.workbook_reader import cell_value, load_workbooks
from kpi_lib.metrics.workbook_check import check_derived, differs, recompute, workbook_checks
from kpi_lib.report import data_quality as dq
from kpi_lib.report import store_month as rd
from kpi_lib.workbook_demo import write_demo_workbook
from tests.ingest.test_workbook import NAME, book

#: Excel rows 1… of a store sheet with two wrong derived cells and one right #DIV/0!.
S1 = [
    ["区域", "华东"],                                                     # 1
    ["KPI", "2026-01", "2026-02", "2026-03"],                             # 2
    ["本月广宣投放(元)", 12000, 8000, 0],                                  # 3
    ["来店批次", 100, 80, 0],                                              # 4
    # Jan 12,000/100 = 120 ✓; Feb 8,000/80 = 100 but #DIV/0! ✗; Mar 0/0: #DIV/0! ✓
    ["单批次来店成本(元)", 120, "#DIV/0!", "#DIV/0!"],                      # 5
    ["新增意向客户数", 40, 20, 0],                                         # 6
    # Jan 40/100 = 40.0% ✓ (as text); Feb 20/80 = 0.25 but 0.3 ✗; Mar 0/0 ✓
    ["留有资料比例", "40.0%", 0.3, "#DIV/0!"],                               # 7
    ["留存意向客户数量", 50, 60, 10],                                      # 8
    ["新增意向客户产生订单数", 4, 3, 0],                                   # 9
    ["留存意向客户产生订单数", 6, 2, 1],                                   # 10
    ["本月产生订单合计数", 10, 5, 1],                                      # 11 4+6, 3+2, 0+1 ✓
    # 6/50 = 0.12 (0.05 pp off ✓), 2/60 = 3.33% (0.03 pp off ✓), 1/10 ✓
    ["留存意向客户订单转化率A", 0.1205, "3.3%", 0.1],                       # 12
]
#: another store: its wrong cells must not appear in S1's report
S2 = [
    ["KPI", "2026-02"],                                                   # 1
    ["本月广宣投放(元)", 1000],                                            # 2
    ["来店批次", 10],                                                      # 3
    ["单批次来店成本(元)", 999],                                            # 4 1,000/10 = 100 ✗
    ["留存订单及全款数", 5],                                                # 5
    ["新增意向客户产生订单数", 4],                                          # 6
    ["留存意向客户产生订单数", 6],                                          # 7
    ["留存订单+本月订单", 14],                                              # 8 5+4+6 = 15 ✗
]
S1_WRONG = [
    (f"{NAME}[S1]", "S1", 5, "2026-02", "cost_per_visit", "#DIV/0!", math.nan, 100.0),
    (f"{NAME}[S1]", "S1", 7, "2026-02", "lead_capture_rate", "0.3", 0.3, 0.25),
]
S2_WRONG = [
    (f"{NAME}[S2]", "S2", 4, "2026-02", "cost_per_visit", "999", 999.0, 100.0),
    (f"{NAME}[S2]", "S2", 8, "2026-02", "carried_plus_orders", "14", 14.0, 15.0),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wrong_cells")
    book(out / NAME, {"S1": S1, "S2": S2})
    return out


def _rows(frame) -> list[tuple]:
    return [tuple(r) for r in frame[["sheet", "store_id", "row", "month", "metric", "written",
                                     "workbook", "recomputed"]].itertuples(index=False)]


def _same(got: list[tuple], want: list[tuple]) -> None:
    """Equal row by row; NaN equals NaN, floats to 1e-12."""
    assert len(got) == len(want), got
    for g, w in zip(got, want, strict=True):
        assert g[:6] == w[:6]
        for a, b in zip(g[6:], w[6:], strict=True):
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12), (g, w)


def test_exactly_the_wrong_derived_cells_are_listed(folder):
    wb = load_workbooks(folder)
    assert wb.issues == []
    # every derived cell is kept as written: S1 rows 5, 7, 11, 12 × 3 months, S2 rows 4, 8
    assert len(wb.derived) == 4 * 3 + 2
    _same(_rows(check_derived(wb.derived, wb.values)), S1_WRONG + S2_WRONG)
    # the warehouse keeps the same list for the reports
    with open_warehouse(folder) as wh:
        stored = pd.concat([workbook_checks(wh.con, s) for s in ("S1", "S2")])
    _same(_rows(stored.sort_values(["sheet", "row"])), S1_WRONG + S2_WRONG)


def test_cells_read_as_written():
    assert cell_value("26.4%") == (pytest.approx(0.264), "26.4%")
    assert cell_value("２６.４％")[0] == pytest.approx(0.264)  # full-width
    assert cell_value(0.264) == (0.264, "0.264")
    assert cell_value("¥1,234.5") == (1234.5, "¥1,234.5")
    assert cell_value(15) == (15.0, "15")
    for raw, shown in (("#DIV/0!", "#DIV/0!"), (None, ""), ("-", "-"), ("#VALUE!", "#VALUE!"),
                       ("", "")):
        value, written = cell_value(raw)
        assert math.isnan(value) and written == shown, raw


def test_recomputation_follows_the_registry():
    inputs = {"ad_spend": 8000.0, "visits": 80.0, "new_leads": 20.0, "carried_orders": 5.0,
              "orders_new_leads": 4.0, "orders_carried_leads": 6.0, "deliveries": 12.0}
    assert recompute("cost_per_visit", inputs) == (100.0, None)
    assert recompute("lead_capture_rate", inputs) == (0.25, None)
    assert recompute("orders", inputs) == (10.0, None)                 # 4 + 6
    assert recompute("carried_plus_orders", inputs) == (15.0, None)    # 5 + 4 + 6
    assert recompute("delivery_conversion", inputs) == (12 / 15, None)  # 12 / (5 + 10)
    assert recompute("cost_per_order", inputs) == (800.0, None)         # 8,000 / 10
    value, reason = recompute("conversion_a", inputs)                  # no carried leads
    assert math.isnan(value) and reason == "no_data"
    value, reason = recompute("cost_per_visit", {"ad_spend": 0.0, "visits": 0.0})
    assert math.isnan(value) and reason == "zero_denominator"


def test_tolerance_is_the_template_rounding():
    nan = math.nan
    # rates: 0.1 percentage point
    assert not differs("lead_capture_rate", 0.264, 0.2649, None)
    assert differs("lead_capture_rate", 0.264, 0.2651, None)
    assert differs("lead_capture_rate", 0.26, 0.2643, None)  # a whole percent is 0.43 pp off
    # money per unit: ¥1
    assert not differs("cost_per_visit", 120.9, 120.0, None)
    assert differs("cost_per_visit", 121.2, 120.0, None)
    # counts: exact
    assert differs("orders", 11.0, 10.0, None)
    assert not differs("orders", 10.0, 10.0, None)
    # a value where the definition has one, but the cell is n/a (#DIV/0!, blank)
    assert differs("cost_per_visit", nan, 100.0, None)
    # zero denominator: #DIV/0! / blank agree, a number (IFERROR(…, 0)) does not
    assert not differs("cost_per_visit", nan, nan, "zero_denominator")
    assert differs("cost_per_visit", 0.0, nan, "zero_denominator")
    # an input missing: nothing to check against
    assert not differs("cost_per_visit", 999.0, nan, "no_data")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_store_report_lists_its_own_cells(folder, lang):
    sm = rd.load_store_month("S1", "2026-02", lang, folder)
    _same(_rows(sm.workbook_checks), S1_WRONG)
    sentence = dq.quality_summary(sm)[0]
    book_name = r"kpi\_workbook.xlsx\[S1\]"
    if lang == "zh":
        assert sentence.endswith(
            "比例类行由系统重新计算。 工作簿中 2 个计算格与按定义重新计算的结果不一致，"
            "报告使用重新计算的值：\n\n"
            "| 工作表 | 行 | 月份 | 指标 | 工作簿中的值 | 重新计算的值 |\n"
            "|---|---:|---|---|---:|---:|\n"
            f"| {book_name} | 5 | 2026年2月 | 单批次来店成本 | \\#DIV/0\\! | ¥100.0 |\n"
            f"| {book_name} | 7 | 2026年2月 | 来店客户留档率 | 30.0% | 25.0% |")
    else:
        assert sentence.endswith(
            "its ratio rows are recomputed. Workbook cells that differ from their "
            "recomputation by definition: 2; the report uses the recomputed values:\n\n"
            "| Sheet | Row | Month | KPI | Workbook value | Recomputed value |\n"
            "|---|---:|---|---|---:|---:|\n"
            f"| {book_name} | 5 | February 2026 | Cost per visit | \\#DIV/0\\! | ¥100.0 |\n"
            f"| {book_name} | 7 | February 2026 | Lead capture rate | 30.0% | 25.0% |")
    assert "S2" not in sentence


def test_a_long_list_says_how_many_are_shown(folder, monkeypatch):
    config = dq.report_config()
    monkeypatch.setattr(dq, "report_config", lambda: {**config, "quality_examples": 1})
    sm = rd.load_store_month("S2", "2026-02", "en", folder)
    _same(_rows(sm.workbook_checks), S2_WRONG)
    text = dq.workbook_checks_markdown(sm)
    assert text == (
        "Workbook cells that differ from their recomputation by definition: 2; the report "
        "uses the recomputed values (the first 1 are listed):\n\n"
        "| Sheet | Row | Month | KPI | Workbook value | Recomputed value |\n"
        "|---|---:|---|---|---:|---:|\n"
        r"| kpi\_workbook.xlsx\[S2\] | 4 | February 2026 | Cost per visit | ¥999.0 | ¥100.0 |")


def test_the_demo_workbook_has_no_wrong_derived_cell(tmp_path):
    """The demo writes what the template's formulas give (rates as 0.2643 or "26.43%",
    #DIV/0! for a zero denominator): nothing to list, so its reports add no table."""
    write_demo_workbook(tmp_path, ensure_demo_data())
    wb = load_workbooks(tmp_path)
    raw = wb.derived["written"]
    assert len(wb.derived) > 1000 and raw.str.endswith("%").any()
    assert set(wb.derived["metric"]) >= {"cost_per_visit", "lead_capture_rate", "orders",
                                         "carried_plus_orders", "conversion_a", "conversion_b",
                                         "delivery_conversion", "trade_in_share"}
    assert check_derived(wb.derived, wb.values).empty
    with open_warehouse(tmp_path) as wh:
        assert all(workbook_checks(wh.con, s).empty for s in ("S001", "S002", "S012"))
    sm = rd.load_store_month("S002", "2026-10", "zh", tmp_path)
    assert sm.workbook_checks is not None and sm.workbook_checks.empty
    assert dq.workbook_checks_markdown(sm) == ""
