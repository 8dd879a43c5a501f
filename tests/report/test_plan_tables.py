"""The report's section 下月目标与达成路径 and the sheet 目标分解 on the tiny fixture, by hand.

Report month 2026-10 of S1 plans 2026-11 (no data of its own). Recent months Aug–Oct:
S1 delivered 1, 4, 1 → run rate 2; the other bases are n/a (no 2025-11, no year of
history, the H/A stock's grades have too little history), so base = conservative = 2.
Nothing is carried into November (O03 delivered, O05 cancelled in October); the walk-in
share of S1's Aug–Oct orders is 3/8 (O01 O02 O05 of eight); C11 and C12 delivered 3
each → 0.5 / 0.5. November 2026: Sun 11-01, four Monday–Sunday weeks, Mon 11-30.
"""

from __future__ import annotations

import copy
import math
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from kpi_lib.report import plan_tables as pt
from kpi_lib.report.excel_style import FIRST_DATA_ROW, HEADER_ROW
from kpi_lib.report.store_month import load_store_month

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan_tables") / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md", ".warehouse*"))
    return folder


@pytest.fixture(scope="module")
def sm(data: Path):
    return load_store_month("S1", "2026-10", "zh", data)


@pytest.fixture(scope="module")
def ps(sm, data: Path) -> pt.PlanSection:
    return pt.load_plan(sm, data)


def _rate(p: dict, name: str) -> float:
    return next(r["used"] for r in p["rates"] if r["rate"] == name)


def test_plan_month_is_the_next_one_and_computed_once(sm, ps, data):
    assert (ps.store, ps.month, ps.plan["month"]) == ("S1", "2026-11", "2026-11")
    assert pt.load_plan(sm, data) is ps  # the section and the workbook share it
    assert ps.names == {"C11": "张三", "C12": "李四"}
    assert ps.partial.isoformat() == "2026-10-08"  # S1's data stop on 10-08


def test_required_numbers_are_the_path_arithmetic(ps):
    p = ps.plan
    assert p["recommendation"]["base"]["value"] == pytest.approx(2.0)  # (1 + 4 + 1) / 3
    assert p["carried_orders"] == 0 and p["walk_in_share"] == pytest.approx(3 / 8)
    orders = 2 / _rate(p, "delivery_conversion")
    walk_in = orders * 3 / 8
    nego = walk_in / _rate(p, "negotiation_close_rate")
    drives = nego / _rate(p, "negotiation_rate")
    visits = drives / _rate(p, "test_drive_rate")
    leads = visits * _rate(p, "lead_capture_rate")
    by_hand = [visits, leads, drives, nego, walk_in, orders, 2.0]
    assert [s["required"] for s in p["path"]] == pytest.approx(by_hand)
    table = pt.path_frame(p, "en")
    assert table.iloc[:, 0].tolist()[0] == "Showroom visits (batches)"
    assert table.iloc[:, 1].tolist() == [f"{x:,.0f}" for x in by_hand]
    rates = table.iloc[:, 2].tolist()
    assert rates[0] == f"{leads / visits:.2f}" and rates[-1] == ""  # deliveries: last stage


def test_traffic_sentence_follows_the_table(ps):
    # tiny: no national value of the close rate after negotiation → said, not 0 or nan
    assert pt.traffic_sentence(ps.plan, "en") == (
        "No comparison with the national average: it has no value for close rate after "
        "negotiation.")
    p = copy.deepcopy(ps.plan)
    p["path"][0]["required"], p["path_benchmark"][0]["required"] = 2023.8, 1500.4
    said = pt.traffic_sentence(p, "en")
    assert "needs 1,500 showroom visits (batches), 524 fewer than at the store's own " \
           "rates (2,024)" in said  # 2,024 − 1,500 = 524, the table's rounded numbers
    p["path_benchmark"][0]["required"] = 4433.3
    assert "4,433 showroom visits (batches), 2,409 more" in pt.traffic_sentence(p, "en")
    assert "多 2,409" in pt.traffic_sentence(p, "zh")


def test_section_in_english(ps):
    parts = pt.section_parts(ps, "en")
    words = [x for x in parts if isinstance(x, str)]
    assert words[0] == "## Next month's target and the path to it"
    assert words[1].startswith("Recommended targets for November 2026") and \
        "orders carried into the month 0." in words[1]
    assert "stop at 2026-10-08" in words[2]
    assert "The data hold no target for November 2026 yet" in " ".join(words)
    levels = next(x for x in parts if not isinstance(x, str)).data
    base = levels[levels["Item"] == "Base"].iloc[0]
    assert base["Deliveries"] == "2"
    assert base["Orders"] == f"{2 / _rate(ps.plan, 'delivery_conversion'):,.0f}"
    pipeline = levels[levels["Item"] == "H/A pipeline forecast"].iloc[0]
    assert pipeline["Deliveries"] == "—" and pipeline["Method"].startswith("n/a: a grade")
    shown = " ".join(str(x) if isinstance(x, str) else x.data.to_string() for x in parts)
    assert not re.search(r"\bnan\b", shown.lower())
    weeks = parts[-1].data
    assert weeks["Week"].tolist() == ["11-01", "11-02–11-08", "11-09–11-15", "11-16–11-22",
                                      "11-23–11-29", "11-30"]


def test_target_in_the_data_and_cannot_plan():
    p = {"target": {"units": 8.0, "probability": 0.25}}
    assert pt._target_sentence(p, "2026-09", True, "en") == (
        "The data hold a target of 8 deliveries for September 2026: the probability of "
        "reaching it is about 25.0% (normal approximation to the H/A pipeline forecast's "
        "interval).")
    ps = pt.PlanSection("S1", "2026-08", None, {"first": "2026-08", "last": "2026-10"})
    assert pt.section_parts(ps, "en")[1] == (
        "No target recommendation for August 2026: the data cover August 2026 to October "
        "2026, so the months that can be planned are September 2026 to November 2026.")


def test_sheet_rows_store_then_consultants_then_weeks(ps, sm):
    wb = openpyxl.Workbook()
    ws = pt.add_target_sheet(wb, ps, sm.store, "zh")
    assert ws.title == "目标分解"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=FIRST_DATA_ROW)]
    assert [r[0] for r in rows] == ["门店", "顾问", "顾问", *["周"] * 6]
    assert [r[1] for r in rows[:3]] == ["S1", "张三", "李四"]
    assert [r[3] for r in rows] == [30, None, None, 1, 7, 7, 7, 7, 1]
    assert [r[2] for r in rows[1:3]] == [0.5, 0.5]
    store = rows[0]
    path = {s["stage"]: s["required"] for s in ps.plan["path"]}
    assert store[4:] == pytest.approx([path[s] for s in pt.SHEET_STAGES])
    for col in range(4, 8):  # consultants and weeks each add up to the store row
        assert sum(r[col] for r in rows[1:3]) == pytest.approx(store[col])
        assert sum(r[col] for r in rows[3:]) == pytest.approx(store[col])
    en = pt.add_target_sheet(openpyxl.Workbook(), ps, sm.store, "en")
    assert en.title == "Target breakdown"
    assert [en.cell(HEADER_ROW, c).value for c in (1, 2, 5, 8)] == [
        "Level", "Name", "Showroom visits (batches)", "Deliveries"]


def test_without_registers_the_path_says_what_it_cannot_compute(ps, sm):
    p = copy.deepcopy(ps.plan)
    p["carried_orders"] = math.nan
    for stage in p["path"][:-1]:
        stage["required"] = math.nan
    broken = pt.PlanSection("S1", "2026-11", p, {}, names=ps.names)
    *_, said, splits = pt.section_parts(broken, "en")
    assert splits == "So there is no split of the stages by consultant or week either."
    assert said.startswith("The funnel cannot be traced back from the base target (2): ")
    assert "the orders carried into the month cannot be computed for August 2026" in said
    ws = pt.add_target_sheet(openpyxl.Workbook(), broken, sm.store, "en")
    cell = ws.cell(FIRST_DATA_ROW, 5)
    assert cell.value is None and cell.comment.text == said


def test_workbook_gets_the_sheet_with_a_data_folder(sm, data, tmp_path):
    from kpi_lib.report.excel_report import write_store_workbook

    out = write_store_workbook(sm, tmp_path / "S1.xlsx", data_dir=data)
    assert openpyxl.load_workbook(out).sheetnames[-1] == "目标分解"
