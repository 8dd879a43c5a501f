"""Marketing and traffic (section 7) on the literal data folder of test_delivery_mix.

Store S1, October 2026 (worked by hand from ``FILES`` there):

- spend 10,000 + 5,000 = 15,000; visits V1–V4 = 4 → ¥3,750 per visit; new leads L1 L2 L5
  L7 L8 = 5 → ¥3,000; orders O1 O2 O3 O4 O6 = 5 → ¥3,000.
- invite-to-visit: September callers K1, K2 (twice), K5, K4 = 4 (T6 has no customer id);
  K1 and K2 visited on 10-05; K4 only before the call (09-10), K5 never → 2 / 4. S2's K1
  phoned S2 but visited S1 → 0 / 1; network 2 / 5.
- dwell minutes 30, 60, 20, 60 → median 45; network adds S2's 100 → median 60.
- heatmap: Mon 10h ×2 (V1, V2), Tue 14h (V3), Sat 9h (V4).
- by source: 网络 3 visits (2 captured, 1 test drive), 3 new leads, 2 orders (O1, O2);
  自然到店 1 visit; 车展 1 lead, 1 order (O6); 朋友介绍 1 lead; 老客户 1 order (O3), no
  new lead; O4 has no lead.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpi_lib.analysis import traffic as tr
from kpi_lib.demo import ensure_demo_data
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.report import plots
from tests.analysis.test_delivery_mix import FILES, MONTH


@pytest.fixture(autouse=True, scope="module")
def _theme() -> None:
    plots.use_theme("zh")  # the CJK font for the figures


@pytest.fixture(scope="module")
def data(make_warehouse) -> tr.Traffic:
    with make_warehouse(FILES) as wh:
        assert wh.issues == []
        return tr.load_traffic(wh.con, "S1", MONTH)


def _kpi(data: tr.Traffic, metric: str) -> pd.Series:
    return data.kpis.set_index("metric").loc[metric]


def test_spend_and_cost_per_result(data):
    assert _kpi(data, "ad_spend")["value"] == 15000
    assert _kpi(data, "ad_spend")["last_value"] == 8000
    assert _kpi(data, "cost_per_visit")["value"] == 3750
    assert _kpi(data, "cost_per_lead")["value"] == 3000
    assert _kpi(data, "cost_per_order")["value"] == 3000
    by = data.spend_by_channel.set_index("channel")
    assert by["spend"].to_dict() == {"网络": 10000, "车展": 5000}
    frame = tr.spend_channel_frame(data, "zh")
    assert list(frame["占比"]) == ["66.7%", "33.3%"]
    assert list(frame["上月"]) == ["¥8,000", "—"]


def test_visits_and_calls(data):
    assert _kpi(data, "visits")["value"] == 4
    assert _kpi(data, "first_visits")["value"] == 3
    assert _kpi(data, "repeat_visits")["value"] == 1
    assert _kpi(data, "calls")["value"] == 1 and _kpi(data, "calls")["last_value"] == 6


def test_invite_to_visit_rate(data):
    row = _kpi(data, tr.INVITE)
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 4, 0.5)
    assert row["network_value"] == pytest.approx(0.4)
    assert pd.isna(row["last_value"]) and row["last_na_reason"] == "zero_denominator"
    assert data.anonymous_calls == 1
    note = tr.traffic_markdown(data, "zh")
    assert "本月为 2 / 4" in note and "上月另有 1 次来电无客户编号" in note


def test_dwell_median(data):
    row = _kpi(data, tr.DWELL)
    assert row["value"] == 45 and row["network_value"] == 60
    frame = tr.traffic_frame(data, "en").set_index("KPI")
    assert frame.loc["Showroom dwell time (median)", "This month"] == "45 min"


def test_heatmap_counts(data):
    h = data.heatmap
    assert list(h.columns) == [9, 10, 11, 12, 13, 14]
    assert h.loc[0, 10] == 2 and h.loc[1, 14] == 1 and h.loc[5, 9] == 1
    assert int(h.to_numpy().sum()) == 4
    kwargs = tr.heatmap_input(data, "zh")
    assert list(kwargs["counts"].index) == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    fig = plots.visit_heatmap(**kwargs)
    assert fig.get_size_inches()[1] <= 3.2
    plots.close(fig)


def test_conversion_by_source(data):
    """The registry's KPIs at the source grain (hand counts in the module docstring)."""
    s = data.sources.set_index("source")
    assert s.loc["网络", ["visits", "captured_visits", "test_drives", "new_leads", "orders",
                        "orders_new_leads"]].tolist() == [3, 2, 1, 3, 2, 2]
    assert s.loc["车展", ["visits", "new_leads", "orders", "orders_new_leads"]].tolist() == [
        0, 1, 1, 1]
    assert s.loc["老客户", ["new_leads", "orders"]].tolist() == [0, 1]  # O3: lead from 09-15
    assert s.loc["", "orders"] == 1 and data.unattributed_orders == 1  # O4 has no lead
    frame = tr.source_frame(data, "zh").set_index("信息来源")
    assert list(frame.index) == ["网络", "自然到店", "朋友介绍", "车展", "未注明", "老客户"]
    conversion = "新增意向客户订单转化率B"  # the registry's conversion_b, not a new term
    assert frame.loc["网络", conversion] == "66.7%"  # O1, O2 of L1, L2 / L1 L2 L7
    assert frame.loc["网络", "来店留资批次比例"] == "66.7%"  # the register flag, by visit source
    assert "来店客户留档率" not in frame.columns  # cards ÷ visits has no visit source
    assert frame.loc["网络", "占比"] == "75.0%"
    assert frame.loc["老客户", conversion] == "—²"  # no new lead: zero denominator
    assert frame.loc["朋友介绍", conversion] == "0.0%"
    assert frame.loc["未注明", "本月产生订单合计数"] == "1"
    assert "“未注明”一行含本月 1 张无对应客户卡的订单" in tr.traffic_markdown(data, "zh")


def test_absent_columns_say_so(make_warehouse):
    with make_warehouse(FILES, drop={"visits": ["time_in", "time_out"],
                                     "calls": ["customer_id"]}) as wh:
        data = tr.load_traffic(wh.con, "S1", MONTH)
    assert data.heatmap is None and tr.heatmap_input(data, "zh") is None
    assert "无进店时间" in tr.heatmap_markdown(data, "zh")
    assert _kpi(data, tr.INVITE)["na_reason"] == "no_data"
    assert _kpi(data, tr.DWELL)["na_reason"] == "no_data"
    frame = tr.traffic_frame(data, "zh").set_index("指标")
    assert frame.loc["来电客户邀约来店率", "本月"] == "—¹"
    assert frame.loc["展厅停留时间（中位数）", "全网"] == "—¹"
    note = tr.traffic_markdown(data, "zh")
    assert "无法计算来电客户邀约来店率" in note and "无法计算展厅停留时间" in note


@pytest.mark.parametrize("store", ["S001", "S012"])
def test_demo_smoke(store):
    with open_warehouse(ensure_demo_data()) as wh:
        data = tr.load_traffic(wh.con, store, MONTH)
    assert _kpi(data, "visits")["value"] > 0
    assert int(data.heatmap.to_numpy().sum()) == _kpi(data, "visits")["value"]
    assert 0 <= _kpi(data, tr.INVITE)["value"] <= 1
    for lang in ("zh", "en"):
        frames = (tr.spend_frame(data, lang), tr.spend_channel_frame(data, lang),
                  tr.traffic_frame(data, lang), tr.source_frame(data, lang))
        for frame in frames:
            assert not frame.astype(str).apply(lambda c: c.str.contains("nan")).any().any()
        assert tr.traffic_markdown(data, lang)
        plots.close(plots.visit_heatmap(**tr.heatmap_input(data, lang)))


def test_absent_calls_table_and_a_month_without_visits(make_warehouse):
    with make_warehouse({**FILES, "calls": None}) as wh:  # no calls table
        data = tr.load_traffic(wh.con, "S2", "2026-08")
    assert _kpi(data, "calls")["na_reason"] == "no_data"
    assert data.sources.empty and tr.heatmap_input(data, "en") is None
    assert tr.heatmap_markdown(data, "en") == "No visits this month: no chart of visits by hour."
    note = tr.traffic_markdown(data, "en")
    assert "No phone-in register" in note and "nothing to split by source" in note
