"""Section 2: control-chart limits and signals by hand, warnings on literal series, and the
section on the demo and tiny data (a store with two months of history, no marketing)."""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from kpi_lib.analysis.control_charts import laney_sigma_z, p_chart, p_limits, signals, xmr_chart
from kpi_lib.analysis.trends import load_trends, trends_config, trends_from_cube, worse_run
from kpi_lib.demo import ensure_demo_data
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.metrics.months import previous_month
from kpi_lib.report import plots
from kpi_lib.report import trend_tables as rt

matplotlib.use("Agg")
TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


# --- control charts, by hand -------------------------------------------------------------

def test_p_chart_limits_from_the_issue():
    # 0.2313 ± 3·sqrt(0.2313·0.7687/50) = 0.2313 ± 3·0.059622 = 0.2313 ± 0.178866
    low, high = p_limits(0.2313, 50)
    assert round(float(high), 4) == 0.4102
    assert round(float(low), 4) == 0.0524


def test_p_chart_centre_is_pooled_and_limits_follow_n():
    # k = 10, 30, 20 of n = 100, 50, 50: p̄ = 60/200 = 0.3 (not the mean of the rates 0.37)
    c = p_chart([10, 30, 20], [100, 50, 50], ["a", "b", "c"], laney=False)
    assert c.centre == pytest.approx(0.3)
    # n = 100: 0.3 ± 3·sqrt(0.21/100) = 0.3 ± 0.137477; n = 50: 0.3 ± 0.194422
    assert c.upper[0] == pytest.approx(0.437477, abs=1e-6)
    assert c.lower[1] == pytest.approx(0.105578, abs=1e-6)
    # b: 30/50 = 0.6 > 0.494422 (above); a: 0.1 < 0.162523 (below)
    assert [(s.month, s.rule, s.direction) for s in c.signals] == [
        ("a", "beyond_limits", "down"), ("b", "beyond_limits", "up")]


def test_laney_sigma_z_and_limits_by_hand():
    # p̄ = 60/300 = 0.2, σ_p = sqrt(0.2·0.8/100) = 0.04; z = -2.5, 2.5, 0
    # MR = 5, 2.5 → mean 3.75; σ_z = 3.75 / 1.128 = 3.324468
    k, n = [10, 30, 20], [100, 100, 100]
    assert laney_sigma_z(k, n) == pytest.approx(3.75 / 1.128)
    c = p_chart(k, n)
    assert c.kind == "laney"  # σ_z > 1: overdispersed
    # 0.2 + 3·0.04·3.324468 = 0.598936; the lower limit 0.2 − 0.398936 is clipped to 0
    assert c.upper[0] == pytest.approx(0.598936, abs=1e-6)
    assert c.lower[0] == 0.0
    assert c.signals == []  # the wide limits hold every month


def test_plain_p_chart_when_months_vary_binomially():
    # p̄ = 0.2, σ_p = 0.04; z = 0, 0.25, -0.25, 0 → MR = .25 .5 .25 → σ_z = (1/3)/1.128 < 1
    c = p_chart([20, 21, 19, 20], [100] * 4)
    assert c.sigma_z == pytest.approx((1 / 3) / 1.128)
    assert c.kind == "p"
    assert c.upper[0] == pytest.approx(0.2 + 3 * 0.04)


def test_p_chart_skips_months_without_denominator():
    c = p_chart([5, 0, 7], [50, 0, 50])
    assert math.isnan(c.values[1]) and math.isnan(c.upper[1])
    assert c.centre == pytest.approx(12 / 100)


def test_xmr_limits_by_hand():
    # X̄ = 60/5 = 12; MR = 2, 1, 4, 3 → MR̄ = 2.5; 12 ± 2.66·2.5 = 12 ± 6.65
    c = xmr_chart([10, 12, 11, 15, 12])
    assert c.kind == "xmr" and c.centre == 12
    assert c.upper[0] == pytest.approx(18.65)
    assert c.lower[0] == pytest.approx(5.35)
    # a count cannot go below 0: X̄ = 3, MR̄ = 4, 3 − 10.64 floored at 0
    assert xmr_chart([1, 5, 1, 5], floor=0.0).lower[0] == 0.0


def test_xmr_beyond_limits():
    # X̄ = 130/6 = 21.667; MR = 1 1 1 1 26 → 6; UCL = 21.667 + 15.96 = 37.627 < 45
    c = xmr_chart([17, 18, 17, 18, 17, 43], list("abcdef"))
    assert c.upper[0] == pytest.approx(130 / 6 + 2.66 * 6)
    assert [(s.month, s.rule, s.direction) for s in c.signals] == [
        ("f", "beyond_limits", "up")]


def test_run_of_eight():
    lo, hi = [-9.0] * 10, [9.0] * 10
    # 8 above the centre 0: one signal, at the 8th point
    eight = signals([1] * 8, 0.0, lo[:8], hi[:8], list("abcdefgh"))
    assert [(s.month, s.rule, s.direction) for s in eight] == [("h", "run", "up")]
    # 7 are not enough; a point on the centre line breaks a run; 9 below: 8th and 9th
    assert signals([1] * 7, 0.0, lo[:7], hi[:7]) == []
    assert signals([1] * 4 + [0] + [1] * 4, 0.0, lo[:9], hi[:9]) == []
    nine = signals([-1] * 9, 0.0, lo[:9], hi[:9])
    assert [(s.month, s.direction) for s in nine] == [("7", "down"), ("8", "down")]


# --- warnings on literal series ------------------------------------------------------------

def test_worse_run_needs_every_step_bad_and_a_real_move():
    assert worse_run([0.50, 0.451, 0.41, 0.382], "down", 3)
    assert not worse_run([0.50, 0.451, 0.46, 0.382], "down", 3)  # one step up
    assert not worse_run([0.451, 0.41, 0.382], "down", 3)  # too short
    assert worse_run([80.0, 90.0, 100.0, 120.0], "up", 3)  # cost rising
    # 50% of 30 → 38% of 29: two-proportion z = 0.94 < 2 (a tiny store's noise)
    assert not worse_run([0.5, 0.45, 0.41, 0.38], "down", 3, k=[15, 14, 12, 11],
                         n=[30, 31, 29, 29], min_z=2)
    # the same rates on 1,000 visits: z = 5.4
    assert worse_run([0.5, 0.45, 0.41, 0.38], "down", 3, k=[500, 450, 410, 380],
                     n=[1000] * 4, min_z=2)


def _cube(rows: dict[str, dict[str, tuple[float, float | None]]]) -> pd.DataFrame:
    """Literal cube rows: metric -> month -> (numerator, denominator or None)."""
    out = []
    for metric, by_month in rows.items():
        for month, (k, n) in by_month.items():
            value = k if n is None else k / n
            out.append({"store_id": "X1", "month": month, "metric": metric, "numerator": k,
                        "denominator": np.nan if n is None else n, "value": value,
                        "na_reason": None})
    return pd.DataFrame(out)


def test_down_trend_warning_in_plain_words():
    months = [previous_month("2026-10", i) for i in range(3, -1, -1)]  # 07 … 10
    k = [500, 451, 410, 382]
    cube = _cube({"visits": {m: (1000, None) for m in months},
                  "test_drives": {m: (x, None) for m, x in zip(months, k, strict=True)},
                  "test_drive_rate": {m: (x, 1000) for m, x in zip(months, k, strict=True)}})
    tr = trends_from_cube(cube, "X1", "2026-10")
    assert tr.months == months and tr.data_start == "2026-07"
    [alert] = tr.alerts
    assert (alert.kind, alert.metric, alert.direction) == ("worse", "test_drive_rate", "down")
    text = rt.warnings_markdown(tr, "zh")
    assert "- 试乘试驾率连续3个月下降：50.0% → 45.1% → 41.0% → 38.2%" in text
    assert "Test-drive rate fell 3 months running: 50.0% → 45.1%" in rt.warnings_markdown(
        tr, "en")
    assert "仅有4个月（不足12个月）" in rt.trends_note(tr, "zh")
    assert "数据少于6个月，不绘制控制图" in rt.trends_note(tr, "zh")


def test_growth_check_marketing_cost_above_sales():
    cube = _cube({
        "ad_spend": {"2025-10": (100_000, None), "2026-09": (120_000, None),
                     "2026-10": (120_000, None)},
        "deliveries": {"2025-10": (50, None), "2026-09": (50, None), "2026-10": (55, None)},
    })
    tr = trends_from_cube(cube, "X1", "2026-10")
    yoy, mom = tr.growth
    assert yoy.basis == "yoy" and yoy.flagged  # +20% spend vs +10% deliveries
    assert yoy.cost_growth == pytest.approx(0.2) and yoy.sales_growth == pytest.approx(0.1)
    assert mom.basis == "mom" and not mom.flagged  # 0% spend vs +10% deliveries
    text = rt.warnings_markdown(tr, "zh")
    assert ("- 广宣投放同比+20.0%（¥100,000 → ¥120,000），高于展厅交车数同比+10.0%（50 → 55）："
            "营销费用增速超过销量增速") in text
    assert "增长检查（环比）：广宣投放0.0%（¥120,000 → ¥120,000），展厅交车数+10.0%" in text
    # the months between 2025-10 and 2026-09 have no row: the data start in 2025-10,
    # so the window shows 2025-11 … 2026-10, all before 2026-09 empty (not 0 rows shown)
    assert tr.data_start == "2025-10" and tr.months[0] == "2025-11"


def test_a_month_whose_data_stop_early_raises_no_warning():
    """Visits 1,100 → 1,050 → 1,000 (07 … 09), then October cut on the 10th: 300. Read as a
    whole month, visits fall three months running (z = 800/√1400 = 21) and cost per visit
    (¥120,000 a month) rises; with the data end given, the runs stop at September (two
    changes: no 3-month run) and the growth checks say the month is not complete."""
    months = [previous_month("2026-10", i) for i in range(3, -1, -1)]  # 07 … 10
    k, v = [500, 451, 410, 110], [1100, 1050, 1000, 300]
    cube = _cube({
        "visits": {m: (x, None) for m, x in zip(months, v, strict=True)},
        "test_drives": {m: (x, None) for m, x in zip(months, k, strict=True)},
        "test_drive_rate": {m: (x, n) for m, x, n in zip(months, k, v, strict=True)},
        "ad_spend": {m: (120_000, None) for m in months},
        "cost_per_visit": {m: (120_000, n) for m, n in zip(months, v, strict=True)},
        "deliveries": {"2026-09": (50, None), "2026-10": (12, None)},
    })
    whole = trends_from_cube(cube, "X1", "2026-10")
    assert {a.metric for a in whole.alerts if a.months[-1] == "2026-10"} >= {"visits"}
    cut = trends_from_cube(cube, "X1", "2026-10", partial_end=date(2026, 10, 10))
    assert cut.alerts == [] and cut.partial_end == date(2026, 10, 10)
    assert [g.partial and not g.flagged for g in cut.growth] == [True, True]
    text = rt.warnings_markdown(cut, "zh")
    assert ("增长检查（环比）：本月数据截至 2026-10-10（月中），不以月初至今的交车与整月投放比较。"
            in text)
    assert "本月数据截至 2026-10-10（月中）：表中本月为月初至今的数值，预警只看完整的月份。" in (
        rt.trends_note(cut, "zh"))


# --- the section on real folders ----------------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    with open_warehouse(ensure_demo_data()) as wh:
        yield {s: load_trends(wh.con, s, "2026-10") for s in ("S001", "S008", "S012")}


@pytest.mark.parametrize("store", ["S001", "S012"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_section_renders(demo, store, lang):
    tr = demo[store]
    assert len(tr.months) == 12 and tr.months[-1] == "2026-10"
    frame = rt.trend_frame(tr, lang)
    assert len(frame) == len(trends_config()["metrics"]) and len(frame.columns) <= 10
    assert not frame.apply(lambda c: c.astype(str).str.contains("nan")).any().any()
    assert rt.warnings_markdown(tr, lang) and rt.trends_note(tr, lang)
    fig = plots.trend_lines(rt.trend_panels(tr, lang), **rt.trend_legend(tr, lang))
    assert fig.get_size_inches()[1] <= 3.2
    plots.close(fig)
    panels = rt.control_chart_panels(tr, lang)
    assert [p["plot"] is not None for p in panels] == [True, True]
    for p in panels:
        fig = plots.control_chart(**p["plot"])
        plots.close(fig)


def test_demo_archetypes(demo):
    # S008's cost per visit rises the last three months: run, beyond-limit and growth
    s008 = rt.warnings_markdown(demo["S008"], "zh")
    assert "单批次来店成本连续3个月上升：¥83.3 → ¥96.6 → ¥134.2 → ¥170.2" in s008
    assert "单批次来店成本2026年10月为¥170.2，高于控制上限" in s008
    assert "广宣投放同比+124.4%" in s008
    # the tiny store's noisy rates raise no warning; the benchmark store has none either
    for store in ("S001", "S012"):
        assert demo[store].alerts == []
    assert demo["S001"].charts["visits"].kind == "xmr"
    assert demo["S001"].charts["test_drive_rate"].kind in ("p", "laney")


def test_store_with_two_months_and_no_marketing(tmp_path: Path):
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md", "marketing.csv"))
    with open_warehouse(folder) as wh:
        tr = load_trends(wh.con, "S1", "2026-08")
    # the first rows: lead L01 created 2026-07-15; in August one visit (V01, 08-31)
    assert tr.months == ["2026-07", "2026-08"] and tr.data_start == "2026-07"
    assert all(c is None for c in tr.charts.values())
    note = rt.trends_note(tr, "zh")
    assert "本店数据自2026年7月起，仅有2个月（不足12个月）" in note
    assert "没有一年前同期的数据，无法计算同比" in note
    frame = rt.trend_frame(tr, "zh").set_index("指标")
    assert frame.loc["来店批次", "本月"] == "1"
    assert frame.loc["来店批次", "上月"] == "0"  # July is inside the data: a real 0
    assert frame.loc["来店批次", "去年同月"] == "—¹"
    assert frame.loc["本月广宣投放(元)", "本月"] == "—¹"  # no marketing table: n/a, not 0
    assert frame.loc["试乘试驾率", "控制图信号"] == "月数不足"
    assert "¹ 无数据" in rt.trends_footnote(tr, "zh")
    text = rt.warnings_markdown(tr, "zh")
    assert "增长检查（同比）：缺少2025年8月的可比数据，无法比较。" in text
    captions = [p["caption"] for p in rt.control_chart_panels(tr, "en")]
    # July has no visit: its test-drive rate is n/a (zero denominator), August's is 0/1
    assert captions[0] == ("Test-drive rate: months with a value: 1, fewer than 6: "
                           "no control chart.")
    fig = plots.trend_lines(rt.trend_panels(tr, "zh"), **rt.trend_legend(tr, "zh"))
    plots.close(fig)


def test_no_data_at_all(tmp_path: Path):
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md"))
    with open_warehouse(folder) as wh:
        tr = load_trends(wh.con, "S1", "2024-01")
    assert tr.months == [] and tr.data_start is None
    assert rt.warnings_markdown(tr, "zh") == rt.trends_note(tr, "zh") == (
        "本店在所选期间没有任何数据，无法分析趋势。")
    assert len(rt.trend_frame(tr, "en")) == len(trends_config()["metrics"])
