"""A workbook-only store's sentences say what is true (issue 13.4/13.5): the spend comes
from the workbook, the register-only breakdowns are unavailable (said once), its month is
complete, a missing table is named once (in the coverage note), and the data-quality
sentence counts the workbook's sheets and rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi_lib.analysis import consultants as cons
from kpi_lib.analysis import delivery_mix as dm
from kpi_lib.analysis import forecast as fc
from kpi_lib.analysis import pipeline as pl
from kpi_lib.analysis import traffic as tr
from kpi_lib.demo import ensure_demo_data
from kpi_lib.formatting import format_value
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.report import data_quality as dq
from kpi_lib.report import store_month as rd
from kpi_lib.report import summary as rsum
from kpi_lib.workbook_demo import write_demo_workbook

STORE, MONTH = "S002", "2026-10"
POINTER = {"zh": "本部分缺少所需明细（见报告开头的数据范围说明）。",
           "en": "This section lacks its input (see the data coverage note at the top)."}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("workbook_only")
    write_demo_workbook(out, ensure_demo_data())
    return out


@pytest.fixture(scope="module", params=["zh", "en"])
def sm(request, folder) -> rd.StoreMonth:
    return rd.load_store_month(STORE, MONTH, request.param, folder)


def _all_text(sm: rd.StoreMonth) -> str:
    lang = sm.lang
    return "\n".join([
        rd.coverage_markdown(sm), rsum.summary_markdown(sm),
        pl.pipeline_markdown(sm.pipeline, lang), fc.forecast_markdown(sm.forecast, lang),
        cons.consultants_markdown(sm.consultants, lang),
        dm.aftercare_markdown(sm.delivery_mix, lang), tr.heatmap_markdown(sm.traffic, lang),
        tr.traffic_markdown(sm.traffic, lang), dq.quality_summary(sm)[0]])


def test_spend_and_breakdowns_are_said_as_they_are(sm):
    lang = sm.lang
    spend = format_value(sm.value("ad_spend"), "yuan", lang)
    visits = format_value(sm.value("visits"), "count", lang)
    leads = format_value(sm.value("new_leads"), "count", lang)
    assert spend.startswith("¥") and sm.value("visits") > 0 and sm.value("new_leads") > 0
    lines = tr.traffic_markdown(sm.traffic, lang).split("\n\n")
    if lang == "zh":
        assert lines[:2] == [
            f"本月广宣投放 {spend} 来自品牌月度KPI表（只有合计，没有分渠道明细）。",
            f"品牌月度KPI表只有合计（本月来店批次 {visits}，新增意向客户 {leads}）：按来源分列、"
            "展厅停留时间和来电统计需要登记表明细，本店本月没有。"]
    else:
        assert lines[:2] == [
            f"This month's ad spend of {spend} comes from the brand's KPI workbook (a total, "
            "without channels).",
            f"The brand's KPI workbook holds totals only ({visits} visits, {leads} new leads "
            "this month): sources, showroom dwell time and calls need the registers, which "
            "this store does not have for the month."]
    text = _all_text(sm)
    for false in ("无广宣投放数据", "本月无来店批次和新增意向客户", "来店登记缺少进店",
                  "来店登记无", "订单表无客户卡", "No marketing data", "no visits and no new "
                  "leads", "lacks time in", "has no source column"):
        assert false not in text


def test_the_workbook_month_is_complete_not_without_data(sm):
    assert sm.progress["complete"] and not sm.no_data
    assert str(sm.progress["data_end"]) == "2026-10-31"
    pacing = fc.forecast_markdown(sm.forecast, sm.lang).split("\n\n")[-1]
    assert "2026-10-31" in pacing
    if sm.lang == "zh":
        assert pacing == "2026年10月数据完整（截至 2026-10-31），无需推算月末交车。"
    text = _all_text(sm)
    assert "尚无数据" not in text and "没有任何数据" not in text
    assert "no data yet" not in text.lower() and "has no data" not in text.lower()


def test_a_missing_table_is_named_once_in_the_coverage_note(sm):
    lang = sm.lang
    assert pl.pipeline_markdown(sm.pipeline, lang) == POINTER[lang]
    assert fc.forecast_markdown(sm.forecast, lang).startswith(POINTER[lang])
    assert cons.consultants_markdown(sm.consultants, lang) == POINTER[lang]
    assert dm.aftercare_markdown(sm.delivery_mix, lang).split("\n\n")[0] == POINTER[lang]
    assert tr.heatmap_markdown(sm.traffic, lang) == POINTER[lang]
    text = _all_text(sm)
    assert "输入数据缺少订单表" not in text and "orders table" not in text
    table = "客户信息卡" if lang == "zh" else "customer information cards"
    assert rd.coverage_markdown(sm).count(table) == 2  # pipeline and forecast, in one note
    assert text.count(table) == 2


def test_no_cancellation_clause_without_cancellations(sm):
    orders = format_value(sm.value("orders"), "count", sm.lang)
    line = rsum.summary_markdown(sm).splitlines()[-1]
    assert line.startswith(f"- 本月订单 {orders} 张（环比 " if sm.lang == "zh"
                           else f"- {orders} orders (MoM ")
    assert "退订" not in line and "cancelled" not in line


def test_quality_counts_the_workbook_sheets_and_rows(sm, folder):
    with open_warehouse(folder) as wh:
        sheets, rows, values = wh.con.execute(
            "SELECT count(DISTINCT store_id), count(DISTINCT (store_id, metric)), count(*) "
            "FROM workbook_kpis").fetchone()
    assert sheets == 12 and rows > sheets and values > rows
    sentence = dq.quality_summary(sm)[0]
    if sm.lang == "zh":
        assert sentence == ("本期数据未发现问题：数据表 12 行全部参与计算。 "
                            f"品牌月度KPI表：读取 12 个门店工作表、{rows:,} 个指标行"
                            f"（{values:,} 个月度数值），比例类行由系统重新计算。")
    else:
        assert sentence == (f"No problems found: all 12 table rows are used. Brand KPI "
                            f"workbook: 12 store sheets read, {rows:,} KPI rows ({values:,} "
                            "monthly values); its ratio rows are recomputed.")


def test_no_consultant_problem_is_not_claimed_without_consultants(sm):
    assert cons.plan_none_markdown(sm.consultants, sm.lang) == (
        "没有销售顾问名单，只能检查门店问题：本月没有需要制定改进计划的门店问题。"
        if sm.lang == "zh" else
        "Without a consultant list only store problems can be checked: none needs an "
        "improvement plan this month.")


def test_all_clear_names_the_key_rates_it_could_not_judge(sm):
    """The template has no test drives, negotiations, register flags, targets or lost
    leads: "every key rate is in line" would claim rates the month does not have."""
    from kpi_lib.report import findings as rdiag

    assert not sm.findings
    unjudged = ("visit_capture_rate", "test_drive_rate", "negotiation_rate",
                "showroom_close_rate", "target_completion", "lost_rate")
    assert all(rd.is_na(sm.value(m)) for m in unjudged)
    assert not rd.is_na(sm.value("lead_capture_rate"))  # 1,050 / 2,171: judged
    sentence = rdiag.findings_markdown(sm)
    if sm.lang == "zh":
        assert sentence == (
            "本月未发现需要干预的问题：可判断的关键比率都在正常范围内；来店留资批次比例、试乘试驾率、"
            "商洽率、展厅成交率、销售完成率、战败率本月无数据，无法判断。")
    else:
        assert sentence == (
            "No problem needing action this month: the key rates that could be judged are in "
            "line; visits leaving details, test-drive rate, negotiation rate, showroom close "
            "rate, target completion, lost rate: no data this month, not judged.")
