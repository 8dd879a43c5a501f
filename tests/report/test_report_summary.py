"""The summary page and the appendix, on the hand-counted tiny fixture."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpi_lib.report import store_month as rd
from kpi_lib.report import summary as rsum

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def s1(tmp_path_factory) -> rd.StoreMonth:
    folder = tmp_path_factory.mktemp("tiny") / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md"))
    return rd.load_store_month("S1", "2026-10", "zh", folder)


def test_summary_names_deliveries_target_and_orders(s1):
    lines = rsum.summary_markdown(s1).splitlines()
    assert 3 <= len(lines) <= 5 and all(line.startswith("- ") for line in lines)
    deliveries = s1.value("deliveries")
    assert f"本月交车 {deliveries:,.0f} 台" in lines[0]
    # the tiny data of S1 stop on 2026-10-08 (a month still running): orders up to that day
    assert any("截至 2026-10-08 本月订单 " in line for line in lines)


def _store_month(month: str, values: dict, *, progress: dict | None = None,
                 data_start: date | None = date(2024, 1, 1), lang: str = "zh"):
    """A hand-made StoreMonth: ``values[metric][month]`` is a count or a (k, n) pair."""
    rows = []
    for metric, by_month in values.items():
        for mo, v in by_month.items():
            k, n = v if isinstance(v, tuple) else (v, float("nan"))
            rows.append({"store_id": "S1", "month": mo, "metric": metric, "numerator": k,
                         "denominator": n, "value": k if n != n else k / n,
                         "na_reason": None})
    empty = pd.DataFrame()
    return rd.StoreMonth({"store_id": "S1", "store_name": "一号店", "region": "华东"}, month,
                         lang, pd.DataFrame(rows), empty, empty, empty, [],
                         progress=progress or {}, data_start=data_start)


def test_biggest_change_is_the_clearest_in_deliveries_not_the_largest_percentage():
    """Target completion 879/1000 = 87.9% → 838/1100 = 76.2%: the deliveries against the
    targets' ratio e = 1.1 give z = (838 − 1.1·879)/√(1.1·1717) = −128.9/43.46 = −2.97, and
    the change is worth (838/1100 − 0.879)·1100 = −128.9 deliveries. Conversion B 10% → 20%
    on 200 new leads: z = 0.1/√(0.15·0.85·0.01) = 2.80, worth +20 orders. Orders 5 → 8
    (+60%): z = 3/√13 = 0.83, not beyond chance. Deliveries 879 → 838: z = −0.99."""
    sm = _store_month("2026-10", {
        "deliveries": {"2026-09": 879, "2026-10": 838},
        "target_units": {"2026-09": 1000, "2026-10": 1100},
        "target_completion": {"2026-09": (879, 1000), "2026-10": (838, 1100)},
        "orders": {"2026-09": 5, "2026-10": 8},
        "new_leads": {"2026-09": 200, "2026-10": 200},
        "orders_new_leads": {"2026-09": 20, "2026-10": 40},
        "conversion_b": {"2026-09": (20, 200), "2026-10": (40, 200)},
    })
    by_metric = {c.metric: c for c in rsum.change_candidates(sm)}
    assert by_metric["target_completion"].z == pytest.approx(-128.9 / 43.4603, abs=1e-3)
    assert by_metric["target_completion"].effect == pytest.approx(-128.9)
    assert by_metric["conversion_b"].z == pytest.approx(2.8006, abs=1e-4)
    assert by_metric["conversion_b"].effect == pytest.approx(20)
    assert by_metric["orders"].z == pytest.approx(3 / 13 ** .5)
    best = rsum.biggest_change(sm)
    assert best.metric == "target_completion" and best.effect_unit == "deliveries"
    assert rsum._change_line(sm) == (
        "与上月相比最明确的变化：销售完成率 -11.7 个百分点（87.9% → 76.2%），约少 129 台交车/月。")


def test_nothing_beyond_chance_is_said_truthfully():
    sm = _store_month("2026-10", {
        "orders": {"2026-09": 5, "2026-10": 8},  # z = 0.83
        "new_leads": {"2026-09": 200, "2026-10": 200},
        "conversion_b": {"2026-09": (20, 200), "2026-10": (22, 200)},  # z = 0.46
    }, lang="en")
    assert rsum.biggest_change(sm) is None
    assert rsum._change_line(sm) == "No change from last month beyond chance."


def test_carried_lead_kpis_in_the_history_warm_up_never_drive_the_change():
    """Data start 2025-09-03: 2025-10 and 2025-11 are within the three warm-up months, so
    conversion A 10/100 → 50/100 (z = 6.5) is no candidate."""
    sm = _store_month("2025-11", {
        "carried_leads": {"2025-10": 100, "2025-11": 100},
        "orders_carried_leads": {"2025-10": 10, "2025-11": 50},
        "conversion_a": {"2025-10": (10, 100), "2025-11": (50, 100)},
    }, data_start=date(2025, 9, 3))
    assert rsum.biggest_change(sm) is None
    assert "conversion_a" not in {c.metric for c in rsum.change_candidates(sm)}
    table = rd.summary_frame(sm).set_index("指标")
    assert table.loc["留存意向客户数量", "本月"] == "100†"
    assert table.loc["留存意向客户数量", "上月"] == "100†"
    assert table.loc["留存意向客户数量", "环比"] == "0.0%†"
    assert table.loc["来店批次", "本月"] == "—¹"  # not a carried-lead KPI: no †
    note = rd.na_footnote(sm)
    assert "† 本店数据始于 2025-09-03：数据的前 3 个月（2025年9月至2025年11月）" in note


def test_year_on_year_base_in_the_warm_up_is_marked():
    sm = _store_month("2026-10", {
        "carried_leads": {"2025-10": 40, "2026-09": 480, "2026-10": 500},
        "visits": {"2025-10": 900, "2026-09": 1000, "2026-10": 1100},
    }, data_start=date(2025, 9, 3))
    table = rd.summary_frame(sm).set_index("指标")
    assert table.loc["留存意向客户数量", "去年同月"] == "40†"
    assert table.loc["留存意向客户数量", "同比"] == "+1150.0%†"
    assert table.loc["留存意向客户数量", "环比"] == "+4.2%"  # 2026-09 is past the warm-up
    assert table.loc["来店批次", "同比"] == "+22.2%"
    assert "†" in rd.na_footnote(sm) and "‡" not in rd.na_footnote(sm)


PARTIAL = {"store_id": "S1", "data_end": date(2026, 10, 10), "days_elapsed": 10,
           "days_in_month": 31, "elapsed_share": 0.5, "complete": False,
           "last_date": date(2026, 10, 10), "share_orders": 0.4, "share_deliveries": 0.25}


def test_a_month_still_running_is_paced_not_compared_as_complete():
    """Data to 10-10; elapsed shares: visits 0.5, orders 0.4, deliveries 0.25.
    Orders 45 → paced 45/0.4 = 112.5 against 100 (+12.5%, z = (45 − 40)/√(0.4·145) = 0.66);
    deliveries 20 → 80 against 80; visits 300 → 600 against 1,000: z = (300 − 500)/√(0.5·1300)
    = −7.8, worth (600 − 1000) × walk-in orders per visit (50 + 15)/(1000 + 300) = −20 orders."""
    sm = _store_month("2026-10", {
        "orders": {"2026-09": 100, "2026-10": 45},
        "cancellations": {"2026-09": 3, "2026-10": 1},
        "deliveries": {"2026-09": 80, "2026-10": 20},
        "target_units": {"2026-10": 100},
        "target_completion": {"2026-10": (20, 100)},
        "visits": {"2026-09": 1000, "2026-10": 300},
        "walk_in_orders": {"2026-09": 50, "2026-10": 15},
    }, progress=PARTIAL)
    lines = rsum.summary_markdown(sm).splitlines()
    assert lines[0] == ("- 截至 2026-10-10 本月交车 20 台（月中，按进度折算约 80 台），"
                        "目标 100 台，按进度折算完成 80.0%。")
    assert lines[2] == ("- 与上月相比最明确的变化（本月未完，按进度折算）：来店批次 -40.0%"
                        "（1,000 → 约 600），约少 20 张订单/月。")
    assert lines[3] == ("- 截至 2026-10-10 本月订单 45 张（月中，已过 10/31 天；按进度折算约 "
                        "112 张，环比 +12.5%）；本月退订 1 张（含以前月份的订单）。")
    assert "-55.0%" not in "\n".join(lines)  # 45 against 100 as if the month were complete
    table = rd.summary_frame(sm).set_index("指标")
    assert table.loc["本月产生订单合计数", "本月"] == "45"
    assert table.loc["本月产生订单合计数", "环比"] == "+12.5%‡"
    assert ("‡ 本月数据截至 2026-10-10（月中，已过 10/31 天，约占全月客流的 50.0%）"
            in rd.na_footnote(sm))
    assert rd.data_end_text(sm) == (
        "本月数据截至 2026-10-10（月中，已过 10/31 天，约占全月正常客流的 50.0%）")


def test_partial_month_without_a_clear_change():
    sm = _store_month("2026-10", {"orders": {"2026-09": 100, "2026-10": 45}},
                      progress=PARTIAL, lang="en")
    assert rsum._change_line(sm) == ("The month is not complete (data up to 2026-10-10); paced "
                                     "to the whole month, no change from last month beyond "
                                     "chance.")


def test_appendix_lists_definitions_from_the_registry():
    frame = rsum.definitions_frame("en", ["test_drive_rate", "visits"])
    assert list(frame["Id"]) == ["visits", "test_drive_rate"]  # registry (funnel) order
    row = frame.set_index("Id").loc["test_drive_rate"]
    assert row["Definition"] == rsum.REGISTRY["test_drive_rate"].definition
    assert row["Better"] == "higher"


@pytest.mark.parametrize(("extra", "words"), [
    ("summary_change: {z: -1}\n", "summary_change.z must be a number ≥ 0"),
    ("summary_change: {z: 2.58, min_orders: 1}\n", "unknown keys in summary_change"),
    ("summary_change: 3\n", "summary_change must be a mapping"),
    ("history_warmup_months: 1.5\n", "history_warmup_months must be a whole number ≥ 0"),
])
def test_report_settings_are_validated(tmp_path, monkeypatch, extra, words):
    from kpi_lib import config, paths
    from kpi_lib.metrics import settings

    text = (paths.PARAMS / "report.yml").read_text("utf-8")
    for key in ("summary_change:", "history_warmup_months:"):  # drop the shipped values
        if key in extra and key in text:
            head, _, rest = text.partition(key)
            text = head + "".join(line for line in rest.splitlines(True)[1:]
                                  if not line.startswith("  "))
    (tmp_path / "report.yml").write_text(text + extra, encoding="utf-8")
    monkeypatch.setattr(paths, "PARAMS", tmp_path)
    settings.report_config.cache_clear()
    try:
        with pytest.raises(config.ConfigError, match=words):
            settings.report_config()
    finally:
        settings.report_config.cache_clear()


def test_shipped_summary_settings():
    cfg = rsum.report_config()
    assert cfg["summary_change"] == {"z": 2.58, "min_effect": 1.0}
    assert cfg["history_warmup_months"] == 3


COMPLETE = {"store_id": "S1", "data_end": date(2026, 10, 31), "days_elapsed": 31,
            "days_in_month": 31, "elapsed_share": 1.0, "complete": True,
            "last_date": date(2026, 10, 31), "share_orders": 1.0, "share_deliveries": 1.0}


@pytest.mark.parametrize("lang, want", [
    ("zh", "本月订单 403 张（环比 +23.2%）；本月退订 20 张（含以前月份的订单）。"),
    ("en", "403 orders (MoM +23.2%); 20 orders cancelled this month (including orders placed "
           "in earlier months)."),
])
def test_cancellations_are_not_presented_as_part_of_the_month_orders(lang, want):
    """``cancellations`` counts orders cancelled in the month whenever they were placed
    (registry): never "of them" / 其中 of the month's orders."""
    sm = _store_month("2026-10", {"orders": {"2026-09": 327, "2026-10": 403},
                                  "cancellations": {"2026-10": 20}},
                      progress=COMPLETE, lang=lang)
    assert rsum._orders_line(sm) == want


def test_no_cancellation_clause_without_cancellation_data():
    """A workbook store has no cancellations (n/a): the sentence does not say "退订 —"."""
    sm = _store_month("2026-10", {"orders": {"2026-09": 101, "2026-10": 127}},
                      progress=COMPLETE)
    assert rsum._orders_line(sm) == "本月订单 127 张（环比 +25.7%）。"
