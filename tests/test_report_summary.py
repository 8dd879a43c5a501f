"""The summary page and the appendix, on the hand-counted tiny fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpi_lib import report_data as rd
from kpi_lib import report_summary as rsum

TINY = Path(__file__).parent / "fixtures" / "tiny"


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
    assert any(line.startswith("- 本月订单 ") for line in lines)


def test_biggest_change_is_the_largest_relative_move(s1):
    metric, change = rsum.biggest_change(s1)
    others = []
    for m in rsum.report_config()["summary_metrics"]:
        now, before = s1.value(m), s1.value(m, "2026-09")
        if now == now and before == before and before != 0:
            others.append(abs((now - before) / before))
    assert abs(change) == pytest.approx(max(others))
    assert metric in rsum.report_config()["summary_metrics"]


def test_appendix_lists_definitions_from_the_registry():
    frame = rsum.definitions_frame("en", ["test_drive_rate", "visits"])
    assert list(frame["Id"]) == ["visits", "test_drive_rate"]  # registry (funnel) order
    row = frame.set_index("Id").loc["test_drive_rate"]
    assert row["Definition"] == rsum.REGISTRY["test_drive_rate"].definition
    assert row["Better"] == "higher"
