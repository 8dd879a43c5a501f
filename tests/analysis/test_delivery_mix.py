"""Delivery mix and aftercare (section 6) on a small literal data folder, worked by hand.

Store S1, October 2026: deliveries O1 (walk-in, trade-in), O2 (walk-in), O3 (existing
customer, trade-in), O4 (fleet) → 4; walk-in 2/4, existing 1/4, fleet 1/4, trade-in 2/4.
3-day call O1 O2 O3 = 3/4; 7-day letter O1 O3 = 2/4; referral O3 = 1/4; ceremony O1 O2 O4
= 3/4; insurance O1 O3 O4 = 3/4. September: O5 only (call yes) → 1/1. June: O9 (walk-in).
S2, October: O7 (existing, trade-in, call yes), O8 (walk-in, call no). Network October:
6 deliveries, walk-in 3/6, existing 2/6, trade-in 3/6, 3-day call 4/6.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpi_lib.analysis import delivery_mix as dm
from kpi_lib.demo import ensure_demo_data
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.report import plots

MONTH = "2026-10"

FILES: dict[str, str] = {
    "stores": """store_id,store_name,region
S1,一号店,华东
S2,二号店,华东
""",
    "consultants": """consultant_id,store_id,name
C1,S1,张三
C2,S2,李四
""",
    "visits": """visit_id,store_id,date,time_in,time_out,customer_id,first_visit,source,\
lead_captured,test_drive
V1,S1,2026-10-05,10:10,10:40,K1,true,网络,true,true
V2,S1,2026-10-05,10:50,11:50,K2,true,网络,false,false
V3,S1,2026-10-06,14:00,14:20,,true,自然到店,true,true
V4,S1,2026-10-10,09:30,10:30,K3,false,网络,true,false
V5,S1,2026-09-10,15:00,15:30,K4,true,网络,false,false
V6,S2,2026-10-07,11:00,12:40,K9,true,车展,true,false
""",
    "calls": """call_id,store_id,date,customer_id,invited
T1,S1,2026-09-03,K1,true
T2,S1,2026-09-10,K2,true
T3,S1,2026-09-25,K2,false
T4,S1,2026-09-12,K5,true
T5,S1,2026-09-15,K4,false
T6,S1,2026-09-20,,false
T7,S1,2026-10-02,K3,true
T8,S2,2026-09-05,K1,false
""",
    "leads": """lead_id,store_id,consultant_id,created,source,grade,status,status_date
L1,S1,C1,2026-10-01,网络,O,ordered,2026-10-02
L2,S1,C1,2026-10-01,网络,O,ordered,2026-10-03
L3,S1,C1,2026-09-15,老客户,O,ordered,2026-10-04
L4,S1,C1,2026-09-01,网络,O,ordered,2026-09-10
L5,S1,C1,2026-10-10,车展,O,ordered,2026-10-15
L6,S1,C1,2026-05-20,网络,O,ordered,2026-06-01
L7,S1,C1,2026-10-05,网络,B,open,
L8,S1,C1,2026-10-06,朋友介绍,C,open,
""",
    "orders": """order_id,store_id,consultant_id,lead_id,order_date,model,price,channel,\
trade_in,insurance,delivered,ceremony,call_3d,letter_7d,referral
O1,S1,C1,L1,2026-10-02,A6,100000,walk_in,true,true,2026-10-05,true,true,true,false
O2,S1,C1,L2,2026-10-03,A6,100000,walk_in,false,false,2026-10-10,true,true,false,false
O3,S1,C1,L3,2026-10-04,A6,100000,existing_customer,true,true,2026-10-20,false,true,true,true
O4,S1,C1,,2026-10-06,A6,100000,fleet,false,true,2026-10-25,true,false,false,false
O5,S1,C1,L4,2026-09-10,A6,100000,walk_in,false,true,2026-09-20,true,true,true,false
O6,S1,C1,L5,2026-10-15,A6,100000,outdoor,false,false,,false,false,false,false
O9,S1,C1,L6,2026-06-01,A6,100000,walk_in,false,true,2026-06-05,true,true,true,false
O7,S2,C2,,2026-10-01,A6,100000,existing_customer,true,false,2026-10-03,true,true,false,true
O8,S2,C2,,2026-10-02,A6,100000,walk_in,false,false,2026-10-04,true,false,false,false
""",
    "marketing": """store_id,month,channel,spend
S1,2026-10,网络,10000
S1,2026-10,车展,5000
S1,2026-09,网络,8000
""",
}


@pytest.fixture(autouse=True, scope="module")
def _theme() -> None:
    plots.use_theme("zh")  # the CJK font for the figures


@pytest.fixture(scope="module")
def mix(make_warehouse) -> dm.DeliveryMix:
    with make_warehouse(FILES) as wh:
        assert wh.issues == []
        return dm.load_delivery_mix(wh.con, "S1", MONTH)


def _row(frame: pd.DataFrame, key: str) -> pd.Series:
    return frame.set_index(frame.columns[0]).loc[key]


def test_deliveries_by_channel_and_shares(mix):
    m = mix.mix.set_index("key")
    assert mix.deliveries == 4
    assert m["count"].to_dict() == {"walk_in": 2, "fleet": 1, "existing_customer": 1,
                                    "outdoor": 0, "secondary_outlet": 0, "other": 0,
                                    "trade_in": 2}
    assert m.at["walk_in", "share"] == 0.5 and m.at["fleet", "share"] == 0.25
    assert m.at["trade_in", "share"] == 0.5
    # 12 months: Jun O9 + Sep O5 + Oct → walk-in 4/6, trade-in 2/6
    assert m.at["walk_in", "share_12m"] == pytest.approx(4 / 6)
    assert m.at["trade_in", "share_12m"] == pytest.approx(2 / 6)
    # network October: S1 + S2
    assert m.at["walk_in", "network_share"] == pytest.approx(3 / 6)
    assert m.at["existing_customer", "network_share"] == pytest.approx(2 / 6)
    assert m.at["trade_in", "network_share"] == pytest.approx(3 / 6)
    assert list(mix.trend["deliveries"].fillna(0)) == [0] * 7 + [1, 0, 0, 1, 4]


def test_mix_frame_formats(mix):
    frame = dm.mix_frame(mix, "zh")
    assert list(frame.iloc[:, 0]) == ["来店", "行业开拓", "保有客户", "户外展示", "二级网点",
                                      "其他", "合计", "其中：二手车置换"]
    assert _row(frame, "来店")["本月占比"] == "50.0%"
    assert _row(frame, "合计")["本月交车数"] == "4"
    assert _row(frame, "其中：二手车置换")["全网"] == "50.0%"


def test_aftercare_rates(mix):
    a = mix.aftercare.set_index("metric")
    assert a["value"].to_dict() == {"call_3d_rate": 0.75, "letter_7d_rate": 0.5,
                                    "referral_rate": 0.25, "ceremony_rate": 0.75,
                                    "insurance_rate": 0.75}
    assert a.at["call_3d_rate", "last_value"] == 1.0
    assert a.at["call_3d_rate", "network_value"] == pytest.approx(4 / 6)
    assert a["missing"].isna().all()  # every column present
    row = _row(dm.aftercare_frame(mix, "en"), "3-day call follow-up rate")
    assert (row["This month"], row["Done / deliveries"], row["Network"]) == (
        "75.0%", "3 / 4", "66.7%")


def test_mix_shift_too_few(mix):
    assert mix.shift is None  # 1 delivery (June) before, 5 recent: fewer than 20
    assert "不足 20 台" in dm.mix_markdown(mix, "zh")


def test_mix_shift_by_hand(make_warehouse, monkeypatch):
    monkeypatch.setattr(dm, "MIN_SHIFT_DELIVERIES", 1)
    with make_warehouse(FILES) as wh:
        data = dm.load_delivery_mix(wh.con, "S1", MONTH)
    assert data.shift == {"delivery_share_existing_customer": (0.0, 0.2),
                          "trade_in_share": (0.0, 0.4), "delivery_share_walk_in": (1.0, 0.6)}
    sentence = dm.mix_markdown(data, "zh")
    assert "来店交车占比 100.0% → 60.0%（下降）" in sentence
    assert "结构在改善" in sentence


def test_absent_aftercare_column_is_no_data(make_warehouse):
    with make_warehouse(FILES, drop={"orders": ["letter_7d"]}) as wh:
        data = dm.load_delivery_mix(wh.con, "S1", MONTH)
    a = data.aftercare.set_index("metric")
    assert pd.isna(a.at["letter_7d_rate", "value"])
    assert a.at["letter_7d_rate", "na_reason"] == "no_data"
    assert a.at["letter_7d_rate", "missing"] == "letter_7d"
    assert a.at["call_3d_rate", "value"] == 0.75  # the rest is unchanged
    row = _row(dm.aftercare_frame(data, "zh"), "交车7日信函回访执行率")
    assert row["本月"] == "—¹" and row["全网"] == "—¹"
    assert "“7日信函回访”字段" in dm.aftercare_markdown(data, "zh")


def test_plot_from_input(mix):
    fig = plots.delivery_mix_trend(**dm.mix_trend_input(mix, "en"))
    assert fig.get_size_inches()[1] <= 3.2
    plots.close(fig)


@pytest.mark.parametrize("store", ["S001", "S012"])
def test_demo_smoke(store):
    with open_warehouse(ensure_demo_data()) as wh:
        data = dm.load_delivery_mix(wh.con, store, MONTH)
    assert data.deliveries > 0
    assert abs(data.mix["share"].iloc[:6].sum() - 1) < 1e-9
    for lang in ("zh", "en"):
        for frame in (dm.mix_frame(data, lang), dm.aftercare_frame(data, lang)):
            assert not frame.astype(str).apply(lambda c: c.str.contains("nan")).any().any()
        assert dm.mix_markdown(data, lang)
        plots.close(plots.delivery_mix_trend(**dm.mix_trend_input(data, lang)))
