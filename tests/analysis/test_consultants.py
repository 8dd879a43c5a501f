"""Consultants section: per-consultant KPIs on a literal data folder counted by hand, the
score of a consultant without target, what is said when data are missing, and a smoke
run on the demo stores S001 and S012 (2026-10)."""

from __future__ import annotations

import pytest

from kpi_lib.analysis import consultants as cons
from kpi_lib.analysis.diagnosis import Finding
from kpi_lib.demo import ensure_demo_data
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.report import plots

MONTH = "2026-10"

FILES = {
    "stores": "store_id,store_name,region\nS1,测试店,华东\n",
    # C3 left before October, C4 is a manager without target: neither is listed;
    # C5 joined on 10-05 and has no target
    "consultants": "consultant_id,store_id,name,role,hired,left\n"
                   "C1,S1,张三,sales,2024-01-01,\nC2,S1,李四,sales,2024-01-01,\n"
                   "C3,S1,王五,sales,2024-01-01,2026-09-15\nC4,S1,赵六,manager,2020-01-01,\n"
                   "C5,S1,钱七,sales,2026-10-05,\n",
    "visits": "visit_id,store_id,date,consultant_id,first_visit,lead_captured,test_drive\n"
              "V1,S1,2026-10-01,C1,true,true,true\nV2,S1,2026-10-02,C1,true,true,true\n"
              "V3,S1,2026-10-03,C1,true,true,false\nV4,S1,2026-10-04,C1,true,true,false\n"
              "V5,S1,2026-10-05,C2,true,true,true\nV6,S1,2026-10-06,C2,true,true,false\n"
              "V7,S1,2026-10-07,C5,true,true,false\nV8,S1,2026-09-30,C1,true,false,true\n"
              "V9,S1,2026-10-31,C4,false,false,false\n",  # data run to the month's end
    "leads": "lead_id,store_id,consultant_id,created,source,grade,status,status_date\n"
             "L0,S1,C1,2026-09-01,自然到店,B,open,\n"
             "L1,S1,C1,2026-10-01,自然到店,O,ordered,2026-10-05\n"
             "L2,S1,C1,2026-10-02,自然到店,C,open,\nL3,S1,C1,2026-10-03,自然到店,C,open,\n"
             "L4,S1,C1,2026-10-04,自然到店,C,open,\n"
             "L5,S1,C2,2026-10-25,自然到店,H,open,\nL6,S1,C2,2026-10-20,自然到店,C,open,\n"
             "L7,S1,C5,2026-10-06,自然到店,O,ordered,2026-10-10\n",
    "followups": "lead_id,date,kind\nL0,2026-09-14,call\nL0,2026-09-28,call\n"
                 "L0,2026-10-30,call\nL5,2026-10-26,call\n"
                 "L5,2026-10-29,call\n",
    "orders": "order_id,store_id,consultant_id,lead_id,order_date,model,price,channel,"
              "trade_in,delivered,receivable,collected\n"
              "O1,S1,C1,L1,2026-10-05,X,200000,walk_in,false,2026-10-20,200000,180000\n"
              "O2,S1,C1,,2026-09-10,X,100000,fleet,false,2026-10-02,100000,100000\n"
              "O3,S1,C2,,2026-10-08,X,150000,walk_in,false,,150000,20000\n"
              "O4,S1,C5,L7,2026-10-10,X,120000,walk_in,false,2026-10-25,120000,120000\n"
              "O5,S1,C2,,2026-09-01,X,90000,walk_in,false,2026-09-20,90000,90000\n"
              "O6,S1,C1,,2025-10-01,X,90000,walk_in,false,2025-10-15,90000,90000\n",
    "targets": "store_id,month,consultant_id,units\nS1,2026-10,,5\nS1,2026-10,C1,2\n"
               "S1,2026-10,C2,2\nS1,2026-09,C1,2\nS1,2026-09,C2,4\nS1,2025-10,C1,1\n",
}


def _tables(drop: tuple[str, ...] = (), **replace: str) -> dict[str, str | None]:
    """The tables above, some replaced, the ``drop`` ones absent."""
    return {name: None if name in drop else body for name, body in {**FILES, **replace}.items()}


@pytest.fixture(scope="module")
def data(make_warehouse) -> cons.Consultants:
    with make_warehouse(_tables()) as wh:
        return cons.load_consultants(wh.con, "S1", MONTH)


def _row(data: cons.Consultants, cid: str) -> dict:
    return data.table.set_index("consultant_id").loc[cid].to_dict()


def test_who_is_listed(data):
    assert data.table["consultant_id"].tolist() == ["C1", "C2", "C5"]
    assert data.missing == []


def test_kpis_counted_by_hand(data):
    c1 = _row(data, "C1")
    # V1–V4 (V8 is September); L1–L4 created in October, L1 ordered (O1) in October
    assert (c1["visits"], c1["test_drives"], c1["test_drive_rate"]) == (4, 2, 0.5)
    assert (c1["new_leads"], c1["converted"], c1["conversion"]) == (4, 1, 0.25)
    # O1 ordered in October; O1 and O2 (ordered in September) delivered in October
    assert (c1["orders"], c1["deliveries"], c1["target_units"]) == (1, 2, 2)
    assert c1["completion"] == 1.0 and c1["avg_deal_value"] == 150_000
    assert c1["collection"] == pytest.approx(280_000 / 300_000)
    assert c1["completion_prev"] == 0.0  # September: 0 of 2
    assert c1["completion_last_year"] == 1.0  # O6: 1 of 1
    # L0 (B, every 14 days from 09-01): due 10-13 and 10-27, one follow-up in October
    # (10-30); L1 ordered (O, not measured); the C leads have nothing due before 11-01
    assert (c1["due"], c1["on_time"], c1["process"]) == (2, 1, 0.5)

    c2 = _row(data, "C2")
    assert (c2["visits"], c2["test_drives"], c2["new_leads"], c2["converted"]) == (2, 1, 2, 0)
    assert (c2["orders"], c2["deliveries"], c2["completion"]) == (1, 0, 0.0)
    assert c2["completion_prev"] == 0.25  # O5: 1 of 4
    assert pd_isna(c2["avg_deal_value"]) and pd_isna(c2["collection"])
    # L5 (H, every 2 days from 10-25): due 10-27, 10-29, 10-31; follow-ups 10-26, 10-29
    assert (c2["due"], c2["on_time"]) == (3, 2)

    c5 = _row(data, "C5")
    assert (c5["new_leads"], c5["converted"], c5["deliveries"]) == (1, 1, 1)
    assert pd_isna(c5["target_units"]) and pd_isna(c5["completion"])
    assert c5["due"] == 0 and pd_isna(c5["process"])


def pd_isna(x: object) -> bool:
    return x is None or x != x  # noqa: PLR0124


def test_team_and_references(data):
    team = data.team
    assert (team["visits"], team["new_leads"], team["converted"]) == (7, 7, 2)
    assert team["deliveries"] == 3 and team["avg_deal_value"] == 140_000
    assert team["collection"] == pytest.approx(400_000 / 420_000)
    assert team["completion"] == 0.5  # C1 2 + C2 0 deliveries against 2 + 2 (C5: no target)
    assert data.refs["conversion"] == pytest.approx(1.5 * 2 / 7)
    assert data.refs["avg_deal_value"] == 140_000


def test_scores_by_hand(data):
    c1, c2, c5 = (_row(data, c) for c in ("C1", "C2", "C5"))
    # C1: 100/1.2 = 83.33; 0.25/0.42857 = 58.33; 150k ≥ 140k → 100; 0.9333/0.95 = 98.25; 50
    assert c1["score"] == pytest.approx((30 * 250 / 3 + 25 * 175 / 3 + 2000
                                         + 15 * 100 * (28 / 30) / 0.95 + 500) / 100)
    assert c1["grade"] == "pass" and not c1["renormalised"]
    # C2: completion 0, conversion 0, process 66.7; deal value and collection n/a → /65
    assert c2["score"] == pytest.approx(10 * 200 / 3 / 65)
    assert c2["grade"] == "needs_improvement" and c2["renormalised"]
    assert c2["needs_improvement"] and not c2["excellent"]  # 25% then 0%
    # C5, no target: completion and process n/a; 60 of 100 weight left (the minimum)
    assert c5["score"] == pytest.approx((25 * 100 + 20 * 100 * 12 / 14 + 15 * 100) / 60)
    assert c5["renormalised"] and c5["grade"] == "excellent"
    assert data.team["score"] == pytest.approx((c1["score"] + c2["score"] + c5["score"]) / 3)


def test_frames(data):
    kpis = cons.consultant_frame(data, "zh")
    assert kpis.iloc[:, 0].tolist() == ["张三", "李四", "钱七", "团队合计"]
    assert kpis.loc[0, "交车 / 目标"] == "2 / 2" and kpis.loc[2, "销售完成率"] == "—"
    assert kpis.loc[3, "客单价"] == "¥140,000"
    scores = cons.score_frame(data, "en")
    assert scores.loc[1, "Score"].endswith("*") and scores.loc[1, "Grade"] == "needs improvement"
    assert "two months" in scores.loc[1, "Flags"]
    finding = Finding("r1", "S1", "high", "成交率低", "原因", ["措施一", "措施二", "措施三"],
                      impact=3.0, impact_text="每月约多 3 张订单")
    plan = cons.improvement_plan_frame(data, [finding], "zh")
    assert plan.columns.tolist() == ["责任人", "改进项目", "具体措施", "完成时限", "所需支持",
                                     "预期效果"]
    # 钱七 grades 优秀 but has no target, so no ★ flag and no plan row
    assert plan.iloc[:, 0].tolist() == ["李四", "团队整体"]
    assert plan.loc[0, "完成时限"] == "2026-11-30"
    assert plan.loc[0, "预期效果"] == "销售完成率由0.0%提升至100.0%"
    assert plan.loc[1, "具体措施"] == "1. 措施一；2. 措施二"
    assert plan.loc[1, "预期效果"] == "每月约多 3 张订单"
    text = cons.consultants_markdown(data, "zh")
    assert "销售完成率×30%" in text and "待改进 <70" in text and "重新归一" in text


def test_missing_tables_are_said(make_warehouse):
    visits = FILES["visits"].replace(",consultant_id", "").replace(",C1,", ",").replace(
        ",C2,", ",").replace(",C5,", ",")
    with make_warehouse(_tables(drop=("followups",), visits=visits)) as wh:
        d = cons.load_consultants(wh.con, "S1", MONTH)
        empty = cons.load_consultants(wh.con, "S9", MONTH)
        before = cons.load_consultants(wh.con, "S1", "2023-01")  # a list, nobody in post
    assert d.missing == ["consultants_missing_visits", "consultants_missing_followups"]
    assert d.table["process"].isna().all() and d.table["test_drive_rate"].isna().all()
    # 李四 keeps only completion (30) and conversion (25): 55% of the weight < 60% → n/a
    assert d.table["score"].isna().tolist() == [False, True, False]
    row = cons.score_frame(d, "zh").iloc[1]
    assert (row["综合评分"], row["等级"], row["过程行为得分"]) == ("—", "—", "—")
    assert "营业日报表" in cons.consultants_markdown(d, "zh")
    assert empty.table.empty and cons.consultant_frame(empty, "zh").empty
    assert cons.improvement_plan_frame(empty, [], "en").empty
    # S9 has no consultant list at all: the coverage note at the top says so, once
    assert cons.consultants_markdown(empty, "en") == (
        "This section lacks its input (see the data coverage note at the top).")
    assert "no sales consultant" in cons.consultants_markdown(before, "en")


@pytest.fixture(scope="module")
def demo():
    out = {}
    with open_warehouse(ensure_demo_data()) as wh:
        for store in ("S001", "S012"):
            out[store] = cons.load_consultants(wh.con, store, MONTH)
    return out


@pytest.mark.parametrize("store", ["S001", "S012"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_smoke(demo, store, lang):
    d = demo[store]
    assert len(d.table) >= 2 and d.table["score"].notna().all()
    frames = [cons.consultant_frame(d, lang), cons.score_frame(d, lang),
              cons.improvement_plan_frame(d, [], lang)]
    for f in frames:
        assert not f.astype(str).apply(lambda c: c.str.contains("nan|None")).any().any()
    assert len(frames[0]) == len(d.table) + 1
    fig = plots.consultant_scores(**cons.score_chart(d, lang))
    assert fig.get_size_inches()[1] <= 3.2
    plots.close(fig)


def test_store_target_differing_from_the_consultants_is_said_once(data):
    """S1's store row is 5 units, its listed consultants' rows 2 + 2 = 4 (钱七 has none):
    the report's target completion uses 5 (a store row wins, see ``target_units`` in the
    registry), the consultant table each one's own target — said once, in this section."""
    assert data.store_target == 5 and data.team["target_units"] == 4
    zh = cons.consultants_markdown(data, "zh")
    want = ("门店目标 5 台（首页与KPI汇总的目标完成率使用）；顾问目标合计 4 台"
            "（顾问表使用各自目标）。")
    assert zh.count(want) == 1 and zh.count("门店目标") == 1
    assert cons.target_note(data, "en") == (
        "Store target 5 units (used for target completion on the summary and KPI tables); "
        "the consultants' targets add up to 4 (the consultant table uses each consultant's "
        "own target).")


def test_no_target_sentence_when_the_targets_agree(make_warehouse):
    targets = FILES["targets"].replace("S1,2026-10,,5", "S1,2026-10,,4")
    with make_warehouse(_tables(targets=targets)) as wh:
        d = cons.load_consultants(wh.con, "S1", MONTH)
    assert d.store_target == 4 and cons.target_note(d, "zh") is None
    assert "门店目标" not in cons.consultants_markdown(d, "zh")
