"""Lead pipeline on a hand-worked literal data folder (2026-10), then the demo stores.

The folder (one store S1, consultant 张三; the data end on 2026-10-31):

====  ==========  =====  ===============  ===========================================
lead  created     grade  status (date)    follow-ups (grade after)
====  ==========  =====  ===============  ===========================================
L1    2026-09-01  B      open             09-15 B, 09-29 B, 10-13 B
L2    2026-10-20  H      open             10-22 H, 10-30 A
L3    2026-09-10  O      ordered 10-05    09-17 A, 09-24 H, 10-01 H; order undelivered
L4    2026-08-01  C      lost 10-10       08-31 C, 09-30 C (价格原因, 比亚迪汉)
L5    2026-10-03  C      out_of_control   — (10-25)
L6    2026-10-28  C      open             —
L7    2026-07-01  B      lost 10-20       — (竞品优惠, no competitor)
L8    2026-09-01  O      ordered 09-20    — ; order delivered 10-10
====  ==========  =====  ===============  ===========================================

Stock at 10-31: O carried 1 (L3), A new 1 (L2: its last follow-up says A), B carried 1
(L1), C new 1 (L6). Compliance (k-th follow-up due k × frequency days after creation,
inside the lead's open span in October): L1 B/14 d: due 10-13, 10-27 → 2, done 1; L2 A/7 d:
due 10-27 → 1, done 1 (two made, capped); L3 H/2 d up to 10-04: due 10-02, 10-04 → 2,
done 1; L7 B/14 d up to 10-19: due 10-14 → 1, done 0; L4, L5, L6: nothing due.
H 1/2, A 1/1, B 1/3, all 3/6. Overdue: L1 (last contact 10-13, 18 days > 14: 4 over).
Lost 2 (L4, L7), out of control 1 (L5); base = carried 4 (L1, L3, L4, L7) + new 3 = 7.
"""

from __future__ import annotations

import numpy as np
import pytest

from kpi_lib.analysis import pipeline as pl
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.paths import DEMO_DATA

LEADS = """lead_id,store_id,consultant_id,created,source,grade,status,status_date,lost_reason,\
competitor,customer_name,phone
L1,S1,C1,2026-09-01,网络,B,open,,,,欧阳娜娜,13812345678
L2,S1,C1,2026-10-20,网络,H,open,,,,王小明,13900001111
L3,S1,C1,2026-09-10,网络,O,ordered,2026-10-05,,,李雷,13700002222
L4,S1,C1,2026-08-01,车展,C,lost,2026-10-10,价格原因,比亚迪汉,韩梅梅,13600003333
L5,S1,C1,2026-10-03,网络,C,out_of_control,2026-10-25,,,赵四,13500004444
L6,S1,C1,2026-10-28,网络,C,open,,,,钱五,13400005555
L7,S1,C1,2026-07-01,网络,B,lost,2026-10-20,竞品优惠,,孙六,13300006666
L8,S1,C1,2026-09-01,网络,O,ordered,2026-09-20,,,周七,13200007777
"""
FOLLOWUPS = """lead_id,date,kind,grade_after
L1,2026-09-15,call,B
L1,2026-09-29,call,B
L1,2026-10-13,call,B
L2,2026-10-22,call,H
L2,2026-10-30,visit,A
L3,2026-09-17,call,A
L3,2026-09-24,call,H
L3,2026-10-01,call,H
L4,2026-08-31,call,C
L4,2026-09-30,call,C
"""
ORDERS = """order_id,store_id,consultant_id,lead_id,order_date,model,price,channel,trade_in,\
delivered
O3,S1,C1,L3,2026-10-05,A6,200000,walk_in,false,
O8,S1,C1,L8,2026-09-20,A6,200000,walk_in,false,2026-10-10
O9,S1,C1,,2026-10-31,A6,200000,fleet,false,
"""


def _tables(followups: bool = True, leads: bool = True) -> dict[str, str]:
    files = {
        "stores.csv": "store_id,store_name,region\nS1,一号店,华东\n",
        "consultants.csv": "consultant_id,store_id,name\nC1,S1,张三\n",
        "orders.csv": ORDERS if leads else ORDERS.replace("L3", "").replace("L8", ""),
    }
    if leads:
        files["leads.csv"] = LEADS
    if followups:
        files["followups.csv"] = FOLLOWUPS
    return files


@pytest.fixture()
def pipe(make_warehouse) -> pl.Pipeline:
    with make_warehouse(_tables()) as wh:
        return pl.load_pipeline(wh.con, "S1", "2026-10")


def test_stock_by_grade_new_and_carried(pipe):
    stock = pipe.stock.set_index("grade")
    assert list(stock.index) == ["O", "H", "A", "B", "C"]  # nothing ungraded
    assert stock[["new", "carried"]].to_dict("index") == {
        "O": {"new": 0, "carried": 1}, "H": {"new": 0, "carried": 0},
        "A": {"new": 1, "carried": 0}, "B": {"new": 0, "carried": 1},
        "C": {"new": 1, "carried": 0}}
    assert stock["overdue"].to_dict() == {"O": 0, "H": 0, "A": 0, "B": 1, "C": 0}
    assert str(pipe.as_of) == "2026-10-31"


def test_compliance_by_grade(pipe):
    c = pipe.compliance.set_index("grade")
    assert c.loc["H", ["leads", "due", "done"]].tolist() == [1, 2, 1]
    assert c.loc["A", ["leads", "due", "done"]].tolist() == [1, 1, 1]
    assert c.loc["B", ["leads", "due", "done"]].tolist() == [2, 3, 1]
    assert c.loc["C", "due"] == 0 and c["rate"].isna()["C"]
    assert c.loc["all", ["leads", "due", "done"]].tolist() == [4, 6, 3]
    assert c.loc["all", "rate"] == pytest.approx(0.5)
    assert "O" not in c.index  # no lead was graded O while open


def test_overdue_lead_is_listed_masked(pipe):
    assert pipe.overdue_total == 1
    row = pipe.overdue.iloc[0]
    assert (row["lead_id"], row["consultant"], row["grade"]) == ("L1", "张三", "B")
    assert (row["days_since"], row["days_overdue"]) == (18, 4)
    assert (row["customer"], row["phone"]) == ("欧阳**", "138****5678")
    shown = pl.overdue_frame(pipe, "zh").to_string()
    assert "欧阳娜娜" not in shown and "13812345678" not in shown and "欧阳**" in shown


def test_lost_counts_reasons_and_competitors(pipe):
    assert pipe.lost["lost"] == 2 and pipe.lost["out_of_control"] == 1
    assert pipe.lost["base"] == 7
    assert pipe.lost["lost_rate"] == pytest.approx(2 / 7)
    assert dict(zip(pipe.reasons["item"], pipe.reasons["count"], strict=True)) == {
        "价格原因": 1, "竞品优惠": 1}
    assert pipe.competitors[["item", "count", "share"]].values.tolist() == [["比亚迪汉", 1, 0.5]]
    table = pl.lost_frame(pipe, "en")
    assert list(table["Kind"]) == ["Lost reason", "Lost reason", "Competitor model"]


def test_display_frames_and_sentences(pipe):
    grades = pl.grades_frame(pipe, "zh").set_index("级别")
    assert grades.loc["合计"].tolist() == ["2", "2", "4", "1"]
    comp = pl.compliance_frame(pipe, "zh").set_index("级别")
    assert comp.loc["合计", "跟进执行率"] == "50.0%" and comp.loc["C", "跟进执行率"] == "—"
    assert comp.loc["B", "跟进频次"] == "每 14 天"
    text = pl.pipeline_markdown(pipe, "zh")
    assert "跟进执行率 50.0%" in text and "战败 2 个" in text and "28.6%" in text
    assert "nan" not in text.lower()
    assert pl.stock_bars_input(pipe, "en")["grade"].tolist() == ["O", "H", "A", "B", "C"]


def test_without_followups_says_what_is_missing(make_warehouse):
    with make_warehouse(_tables(followups=False)) as wh:
        pipe = pl.load_pipeline(wh.con, "S1", "2026-10")
    assert pipe.compliance is None and pipe.overdue is None
    assert pl.compliance_frame(pipe, "zh") is None and pl.overdue_frame(pipe, "zh") is None
    assert "本期无跟进记录" in pl.pipeline_markdown(pipe, "zh")
    # without follow-ups the grade column decides: L2 is H
    assert pipe.stock.set_index("grade").loc["H", "new"] == 1
    assert pl.grades_frame(pipe, "en")["Overdue leads"].eq("—").all()


def test_without_leads_says_so(make_warehouse):
    with make_warehouse(_tables(followups=False, leads=False)) as wh:
        pipe = pl.load_pipeline(wh.con, "S1", "2026-10")
    # the coverage note at the top names the missing table once; the section points to it
    assert pl.pipeline_markdown(pipe, "en") == (
        "This section lacks its input (see the data coverage note at the top).")
    # without a leads table the registry's lead counts are n/a, not 0
    assert pipe.stock["total"].sum() == 0 and np.isnan(pipe.lost["base"])
    assert pl.lost_frame(pipe, "zh") is None


# --- the demo network -------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    if not (DEMO_DATA / "stores.csv").exists():
        pytest.skip("demo data missing: run python -m kpi_lib demo")
    with open_warehouse(DEMO_DATA) as wh:
        yield wh.con


@pytest.mark.parametrize("store", ["S001", "S012"])
def test_demo_stores_render_every_part(demo, store):
    pipe = pl.load_pipeline(demo, store, "2026-10")
    for lang in ("zh", "en"):
        frames = [pl.grades_frame(pipe, lang), pl.compliance_frame(pipe, lang),
                  pl.overdue_frame(pipe, lang), pl.lost_frame(pipe, lang)]
        for frame in frames:
            assert frame is not None and len(frame)
            assert "nan" not in frame.to_string().lower()
        assert "nan" not in pl.pipeline_markdown(pipe, lang).lower()
    assert pipe.stock["total"].sum() > 0


def test_no_customer_name_or_phone_leaks_for_s001(demo):
    pipe = pl.load_pipeline(demo, "S001", "2026-10")
    shown = "\n".join(f.to_string() for f in (
        pl.grades_frame(pipe, "zh"), pl.compliance_frame(pipe, "zh"),
        pl.overdue_frame(pipe, "zh"), pl.lost_frame(pipe, "zh"))) + pl.pipeline_markdown(
        pipe, "zh")
    staff = {r[0] for r in demo.execute("SELECT name FROM consultants").fetchall()}
    listed = list(pipe.overdue["lead_id"])
    people = demo.execute(
        "SELECT customer_name, phone FROM leads WHERE lead_id IN (SELECT unnest(?))",
        [listed]).fetchall()
    assert len(people) == len(listed) > 0
    people += demo.execute("SELECT customer_name, phone FROM leads WHERE store_id = 'S001' "
                           "AND status = 'open' ORDER BY lead_id LIMIT 200").fetchall()
    for name, phone in people:
        assert phone not in shown
        if name not in staff:  # a customer may share a consultant's name
            assert name not in shown
    assert "****" in shown
