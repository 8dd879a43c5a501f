"""Forecast of next month's orders and month-end pacing, worked by hand.

Literal folder (data end 2026-10-31): at 2026-09-30 store S1 has 4 open H leads (2 order in
October, 2 are lost), 5 open A leads (1 orders in October, 4 stay open) and one lead that
orders on 10-02 with no follow-up before 09-30 (its grade O comes from the order: ungraded,
left out); S2 has 2 open H leads, both order in October. At 2026-10-31 S1 holds 2 new H
leads and the 4 open A leads.
"""

from __future__ import annotations

import math

import pytest

from kpi_lib.analysis import forecast as fc
from kpi_lib.analysis import pipeline as pl
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.paths import DEMO_DATA

HEAD = ("lead_id,store_id,consultant_id,created,source,grade,status,status_date,"
        "customer_name,phone\n")
LEADS = HEAD + """H1,S1,C1,2026-09-25,网络,O,ordered,2026-10-03,张伟,13812345678
H2,S1,C1,2026-09-25,网络,O,ordered,2026-10-05,李娜,13812345679
H3,S1,C1,2026-09-25,网络,H,lost,2026-10-15,王芳,13812345670
H4,S1,C1,2026-09-25,网络,H,lost,2026-10-15,刘洋,13812345671
A1,S1,C1,2026-09-20,网络,O,ordered,2026-10-20,陈静,13812345672
A2,S1,C1,2026-09-20,网络,A,open,,杨帆,13812345673
A3,S1,C1,2026-09-20,网络,A,open,,赵磊,13812345674
A4,S1,C1,2026-09-20,网络,A,open,,黄敏,13812345675
A5,S1,C1,2026-09-20,网络,A,open,,周杰,13812345676
X1,S1,C1,2026-09-29,网络,O,ordered,2026-10-02,吴刚,13812345677
N1,S1,C1,2026-10-30,网络,H,open,,徐丽,13812345680
N2,S1,C1,2026-10-30,网络,H,open,,孙强,13812345681
T1,S2,C2,2026-09-26,网络,O,ordered,2026-10-04,马超,13812345682
T2,S2,C2,2026-09-26,网络,O,ordered,2026-10-04,朱琳,13812345683
"""
FOLLOWUPS = """lead_id,date,kind,grade_after
H1,2026-09-28,call,H
H2,2026-09-28,call,H
A1,2026-09-27,call,A
T1,2026-09-28,call,H
T2,2026-09-28,call,H
"""
BASE = {
    "stores.csv": "store_id,store_name,region\nS1,一号店,华东\nS2,二号店,华东\n",
    "consultants.csv": "consultant_id,store_id,name\nC1,S1,张三\nC2,S2,李四\n",
}
ORDER_HEAD = "order_id,store_id,consultant_id,order_date,model,price,channel,trade_in,delivered\n"


@pytest.fixture()
def con(make_warehouse):
    with make_warehouse({
        **BASE, "leads.csv": LEADS, "followups.csv": FOLLOWUPS,
        "orders.csv": ORDER_HEAD + "O9,S2,C2,2026-10-31,A6,1,fleet,false,\n",
        "targets.csv": "store_id,month,units\nS1,2026-10,5\n",
    }) as wh:
        yield wh.con


def test_literal_example_from_the_brief():
    # H stock 10 at p = .5 and A stock 20 at p = .2 → 9 orders; binomial variance
    # 10·.5·.5 + 20·.2·.8 = 5.7; the rates' own variance adds n²p(1-p)/N: with N = 100 and
    # 200: 10²·.25/100 + 20²·.16/200 = .25 + .32 → 6.27.
    mean, sd, _ = fc.forecast_orders({"H": 10, "A": 20}, {"H": .5, "A": .2},
                                     {"H": math.inf, "A": math.inf})
    assert mean == pytest.approx(9) and sd ** 2 == pytest.approx(5.7)
    mean, sd, iv = fc.forecast_orders({"H": 10, "A": 20}, {"H": .5, "A": .2},
                                      {"H": 100, "A": 200})
    assert sd ** 2 == pytest.approx(6.27)
    assert iv[0.8] == pytest.approx((9 - 1.281552 * 6.27 ** .5, 9 + 1.281552 * 6.27 ** .5))
    assert iv[0.95][0] == pytest.approx(9 - 1.959964 * 6.27 ** .5)


def test_forecast_uses_the_network_rate_when_the_store_has_few(con):
    f = fc.load_forecast(con, "S1", "2026-10")
    g = f.grades.set_index("grade")
    assert g["stock"].tolist() == [2, 4]
    assert g["source"].tolist() == ["network", "network"]
    assert g["hist_n"].tolist() == [6, 5] and g["hist_orders"].tolist() == [4, 1]
    assert f.expected == pytest.approx(2 * 4 / 6 + 4 * 0.2)
    var = 2 * (2 / 3) * (1 / 3) * (1 + 2 / 6) + 4 * .2 * .8 * (1 + 4 / 5)
    assert f.sd ** 2 == pytest.approx(var)
    assert f.history[-1] == "2026-09" and len(f.history) == 6
    assert math.isnan(f.target_next) and math.isnan(f.actual)
    assert f.pacing.status == "complete"
    text = fc.forecast_markdown(f, "zh")
    assert "预计2026年11月" in text and "订单 2 张" in text and "尚无销售目标" in text
    assert "数据完整" in text


def test_forecast_uses_the_store_rate_with_enough_history(con, monkeypatch):
    patched = {**fc.forecast_config(), "min_history": 1}
    monkeypatch.setattr(fc, "forecast_config", lambda: patched)
    f = fc.load_forecast(con, "S1", "2026-10")
    g = f.grades.set_index("grade")
    assert g["source"].tolist() == ["store", "store"]
    assert g["rate"].tolist() == pytest.approx([0.5, 0.2])  # the ungraded X1 is left out
    assert f.expected == pytest.approx(1.8)
    assert f.sd ** 2 == pytest.approx(2 * .25 * 1.5 + 4 * .16 * 1.8)


def test_without_history_no_forecast_but_the_actual_and_target(con):
    f = fc.load_forecast(con, "S1", "2026-09")
    assert math.isnan(f.expected) and f.actual == 3 and f.target_next == 5
    assert "无法估计H、A级客户的历史转化率" in fc.forecast_markdown(f, "zh")
    frame = fc.forecast_frame(f, "en")
    assert frame["Historical conversion"].tolist() == ["—", "—"]
    assert "nan" not in frame.to_string().lower()


def test_pacing_on_data_that_stop_mid_month(make_warehouse):
    rows = "".join(f"D{i},S1,C1,2026-10-01,A6,1,walk_in,false,2026-10-{1 + i % 15:02d}\n"
                   for i in range(40))
    with make_warehouse({**BASE, "orders.csv": ORDER_HEAD + rows,
                         "targets.csv": "store_id,month,units\nS1,2026-10,90\n"}) as wh:
        f = fc.load_forecast(wh.con, "S1", "2026-10")
        assert str(pl.as_of_date(wh.con, "2026-10")) == "2026-10-15"
    p = f.pacing
    assert (p.status, p.deliveries, p.elapsed, p.days) == ("partial", 40, 15, 31)
    assert p.projected == pytest.approx(40 * 31 / 15)  # 82.7
    assert p.sd ** 2 == pytest.approx(40 * 16 * 31 / 15 ** 2)
    text = fc.pacing_markdown(p, "2026-10", "zh")
    assert "已交车 40 台" in text and "预计月末交车 83 台" in text
    assert "80%区间 70–95" in text and "预计完成 91.9%" in text
    assert "no sales target" not in fc.pacing_markdown(p, "2026-10", "en").lower()
    assert fc.forecast_markdown(f, "zh").startswith(  # no leads table: said once, at the top
        "本部分缺少所需明细（见报告开头的数据范围说明）。")


def test_project_month_by_hand():
    mean, sd, iv = fc.project_month(40, 15, 31)
    assert round(mean, 1) == 82.7
    assert iv[0.95][0] >= 40  # never below what is already delivered
    assert fc.project_month(0, 10, 30)[0] == 0


@pytest.mark.parametrize("store", ["S001", "S012"])
def test_demo_forecast(store):
    if not (DEMO_DATA / "stores.csv").exists():
        pytest.skip("demo data missing: run python -m kpi_lib demo")
    with open_warehouse(DEMO_DATA) as wh:
        f = fc.load_forecast(wh.con, store, "2026-10")
    assert f.expected >= 0 and f.pacing.status == "complete"
    for lang in ("zh", "en"):
        text = fc.forecast_markdown(f, lang) + fc.forecast_frame(f, lang).to_string()
        assert "nan" not in text.lower()
    lo, hi = f.intervals[0.8]
    assert lo <= f.expected <= hi
