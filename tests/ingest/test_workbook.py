"""The brand's KPI workbook: reading (kpi_lib.ingest.brand_workbook), the warehouse and the cube."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kpi_lib.errors import RowIssue
from kpi_lib.ingest.brand_workbook import BASE_METRICS, metric_of, suggest
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.ingest.workbook_reader import load_workbooks, read_workbooks
from kpi_lib.metrics.cube import compute_cube
from kpi_lib.workbook_demo import FILE_NAME, demo_cube, write_workbook

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
NAME = "kpi_workbook.xlsx"


def book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write ``sheets`` (name -> rows; row 1 first) with openpyxl."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def codes(issues: list[RowIssue], code: str) -> list[RowIssue]:
    return [i for i in issues if i.code == code]


def cube_dict(cube: pd.DataFrame, store: str, month: str) -> dict[str, tuple[float, object]]:
    rows = cube[(cube.store_id == store) & (cube.month == month)]
    return {m: (v, r) for m, v, r in zip(rows.metric, rows.value, rows.na_reason, strict=True)}


#: a sheet in the 1月…12月 style: Excel rows 1…
S9 = [
    ["门店名称", "珠海香洲4S店"],                                  # 1
    ["区域：华南"],                                               # 2
    ["年份", 2026],                                               # 3
    ["销售KPI", "1月", "2月", "年度合计"],                         # 4
    ["本月广宣投放（元）", "12,000", 9000, 21000],                 # 5
    [" 来店 批次 ", 100, "-", 100],                                # 6
    ["单批次来店成本(元)", 999, "#DIV/0!", None],                   # 7 derived: ignored
    ["新增意向客户数", 40, None],                                  # 8
    ["留存意向客户数量", 50, 60],                                  # 9
    ["新增意向客户产生订单数", 4, 3],                              # 10
    ["留存意向客户产生订单数", "6", 2],                            # 11
    ["留存订单及全款数", 5, 5],                                    # 12
    ["本月展厅交车数", 10, 0],                                     # 13
    ["留有资料比例", "#DIV/0!", "#DIV/0!"],                        # 14 derived
    ["交车转化率", 0.01, 7],                                       # 15 derived
    [],
    ["交车结构", "1月", "2月"],                                    # 17
    ["来店", 6, 0],
    ["行业开拓", 4, 0],
    ["保有客户", 0, 0],
    ["户外展示", 0, 0],
    ["其他", 0, 0],
    ["二级网点", 0, 0],
    ["二手车置换", 2, 0],
    ["二手车所占结构比", 0.9, "#DIV/0!"],
]


# --- labels ------------------------------------------------------------------------------

def test_labels_ignore_spaces_and_full_width_forms() -> None:
    assert metric_of("本月广宣投放（元）") == metric_of("本月广宣投放(元)") == "ad_spend"
    assert metric_of(" 来店　批次 ") == "visits"
    assert metric_of("二手车置换") == "trade_in_deliveries"
    assert metric_of("来店") == "deliveries_walk_in"
    assert metric_of("交车转化率") is None  # derived: recomputed, never read
    assert metric_of("来店批数") is None
    assert suggest("来店批数") == "来店批次"


# --- a folder holding only the workbook ---------------------------------------------------

def test_month_names_year_cell_region_and_recomputed_ratios(tmp_path: Path) -> None:
    book(tmp_path / NAME, {"说明": [["填写说明：每店一页"], ["比例由系统计算"]], "S9": S9})
    with open_warehouse(tmp_path) as wh:
        stores = wh.con.execute("SELECT store_id, store_name, region FROM stores").fetchall()
        assert stores == [("S9", "珠海香洲4S店", "华南")]
        assert wh.issues == []
        assert wh.notes == [f"{NAME}[说明]: no month header row (YYYY-MM or 1月…12月 with "
                            "年份); sheet skipped"]
        cube = compute_cube(wh.con, ["2026-01", "2026-02", "2026-03"])
    jan, feb = cube_dict(cube, "S9", "2026-01"), cube_dict(cube, "S9", "2026-02")
    assert jan["ad_spend"] == (12000, None)
    assert jan["cost_per_visit"] == (120, None)           # 12,000 / 100, not the sheet's 999
    assert jan["lead_capture_rate"] == (0.4, None)        # new leads / visits = 40 / 100
    # the template has no register flag: the flag's share is n/a, not 0
    assert math.isnan(jan["visit_capture_rate"][0])
    assert jan["visit_capture_rate"][1] == "no_data"
    assert jan["conversion_b"] == (0.1, None)             # 4 / 40
    assert jan["conversion_a"] == (0.12, None)            # 6 / 50
    assert jan["orders"] == (10, None)                    # 4 + 6
    assert jan["delivery_conversion"] == (pytest.approx(10 / 15), None)  # 10 / (5 + 10)
    assert jan["delivery_share_walk_in"] == (0.6, None)
    assert jan["trade_in_share"] == (0.2, None)           # 2 / 10, not the sheet's 0.9
    assert jan["cost_per_lead"] == (300, None)
    for metric in ("calls", "first_visits", "test_drive_rate", "target_completion"):
        assert math.isnan(jan[metric][0]) and jan[metric][1] == "no_data", metric
    # February: visits '-' and new leads blank are n/a, so are the ratios using them
    assert math.isnan(feb["visits"][0]) and feb["visits"][1] == "no_data"
    assert feb["cost_per_visit"][1] == "no_data" and feb["conversion_b"][1] == "no_data"
    assert feb["conversion_a"] == (pytest.approx(2 / 60), None)
    assert feb["delivery_share_walk_in"] == (pytest.approx(np.nan, nan_ok=True),
                                             "zero_denominator")
    # a month the workbook does not give: nothing to read, no table: n/a
    assert cube_dict(cube, "S9", "2026-03")["visits"][1] == "no_data"


def test_kpis_command_on_a_workbook_only_folder(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kpi_lib.cli import app

    book(tmp_path / NAME, {"S9": S9})
    out = tmp_path / "kpis.csv"
    result = CliRunner().invoke(app, ["kpis", "--data", str(tmp_path), "--month", "2026-01",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("metric")
    assert rows.loc["cost_per_visit", "value"] == "120"
    assert rows.loc["calls", "value"] == ""


def test_iso_header_text_numbers_and_na_cells(tmp_path: Path) -> None:
    path = book(tmp_path / "kpi_workbook_2026.xlsx", {"S1": [
        ["区域", "华北"],
        ["KPI", "2026-09", "2026-10", "2026-11", "合计"],
        ["本月广宣投放(元)", "1,234", "¥2,000", "#DIV/0!", 5],
        ["来店批次", "-", None, "１２", 5],
        ["本月展厅交车数", 3, "", "—", 5],
    ]})
    wb = read_workbooks([path])
    assert wb.issues == []
    got = {(r.month, r.metric): r.value for r in wb.values.itertuples()}
    assert got == {("2026-09", "ad_spend"): 1234, ("2026-10", "ad_spend"): 2000,
                   ("2026-11", "visits"): 12, ("2026-09", "deliveries"): 3}
    assert wb.stores.to_dict("records") == [
        {"store_id": "S1", "store_name": "S1", "region": "华北"}]


def test_store_without_region_cell_is_in_region_unknown(tmp_path: Path) -> None:
    book(tmp_path / NAME, {"S5": [["", "2026-01"], ["来店批次", 10]]})
    wb = load_workbooks(tmp_path)
    assert wb.stores.to_dict("records") == [
        {"store_id": "S5", "store_name": "S5", "region": "未知"}]


# --- what is reported --------------------------------------------------------------------

def test_misspelled_and_unknown_rows_are_reported_with_sheet_and_row(tmp_path: Path) -> None:
    book(tmp_path / NAME, {"S1": [
        ["区域", "华东"],                  # 1
        ["", "2026-01", "2026-02"],       # 2
        ["来店批次", 10, 12],              # 3
        ["来店批数", 11, 13],              # 4 misspelled
        ["来电批次", 5, 6],                # 5 a KPI the template has no row for
        ["备注", None, None],              # 6 a label without values: a note, ignored
        ["新增意向客户数", "abc", -3],      # 7
    ]})
    wb = load_workbooks(tmp_path)
    wrong = codes(wb.issues, "unknown_kpi_row")
    assert [(i.file, i.row, i.column) for i in wrong] == [
        (f"{NAME}[S1]", 4, None), (f"{NAME}[S1]", 5, None)]
    assert wrong[0].reason == ("'来店批数' is not a row of the KPI template "
                               "(did you mean '来店批次'?)")
    assert str(wrong[0]).startswith(f"{NAME}[S1], row 4: '来店批数'")
    assert "calls" in wrong[1].reason and "did you mean" not in wrong[1].reason
    bad = codes(wb.issues, "bad_number")[0]
    assert (bad.row, bad.column, bad.value) == (7, "2026-01", "abc")
    neg = codes(wb.issues, "negative")[0]
    assert (neg.row, neg.column) == (7, "2026-02")
    assert set(wb.values.metric) == {"visits"}  # misspelled rows and bad cells not read


def test_sheet_naming_no_known_store_is_reported(tmp_path: Path) -> None:
    (tmp_path / "stores.csv").write_text("store_id,store_name,region\nS1,一店,华东\n")
    book(tmp_path / NAME, {"S1": [["", "2026-01"], ["来店批次", 10]],
                           "S7": [["", "2026-01"], ["来店批次", 20]]})
    with open_warehouse(tmp_path) as wh:
        assert [s for (s,) in wh.con.execute("SELECT store_id FROM stores").fetchall()] == [
            "S1"]
        issue = codes(wh.issues, "unknown_store_sheet")[0]
        assert (issue.file, issue.row) == (f"{NAME}[S7]", None)
        assert wh.con.execute("SELECT DISTINCT store_id FROM workbook_kpis").fetchall() == [
            ("S1",)]


def test_month_header_without_year_and_conflicting_rows(tmp_path: Path) -> None:
    book(tmp_path / NAME, {
        "S1": [["", "1月", "2月"], ["来店批次", 10, 12]],
        "S2": [["", "2026-01"], ["本月展厅交车数", 4], ["月度交车合计", 5], ["来店批次", 9]],
    })
    wb = load_workbooks(tmp_path)
    no_year = codes(wb.issues, "month_without_year")[0]
    assert (no_year.file, no_year.row, no_year.column) == (f"{NAME}[S1]", 1, "1月")
    conflict = codes(wb.issues, "workbook_conflict")[0]
    assert (conflict.file, conflict.row, conflict.column) == (f"{NAME}[S2]", 3, "2026-01")
    got = {(r.store_id, r.metric): r.value for r in wb.values.itertuples()}
    assert got == {("S2", "deliveries"): 4, ("S2", "visits"): 9}


def test_registers_win_over_the_workbook_for_the_months_they_cover(tmp_path: Path) -> None:
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    book(tmp_path / "kpi_workbook_s1.xlsx", {"S1": [
        ["", "2026-05", "2026-09"],
        ["来店批次", 50, 999],
        ["本月广宣投放(元)", 5000, 1],
    ]})
    with open_warehouse(tmp_path) as wh:
        cube = compute_cube(wh.con, ["2026-05", "2026-09"])
    may, sep = cube_dict(cube, "S1", "2026-05"), cube_dict(cube, "S1", "2026-09")
    assert sep["visits"] == (8, None) and sep["cost_per_visit"] == (4000, None)
    # from the registers, the same definitions: new leads L05 L06 L07 L10 / visits V02–V09,
    # and the flag (V02 V03 V05 V06 V08 V09) / visits
    assert sep["lead_capture_rate"] == (0.5, None)
    assert sep["visit_capture_rate"] == (0.75, None)
    assert may["visits"] == (50, None) and may["cost_per_visit"] == (100, None)
    assert may["new_leads"][1] == "no_data"  # the workbook's row is missing: n/a, not 0


def test_lead_capture_has_one_definition_on_both_paths(tmp_path: Path) -> None:
    """Contract v2 on the tiny fixture, counted by hand (tests/fixtures/tiny/README.md).

    S1 (registers), 2026-09: new leads L05 L06 L07 L10 = 4, visits V02–V09 = 8, visits
    flagged 留档 V02 V03 V05 V06 V08 V09 = 6. S3 exists only in the workbook: 2026-09 holds
    S1's own counts (来店批次 8, 新增意向客户数 4), 2026-10 来店批次 20, 新增意向客户数 7.
    """
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    with (tmp_path / "stores.csv").open("a", encoding="utf-8") as fh:
        fh.write("S3,三号店,华北,北京,C\n")
    book(tmp_path / NAME, {"S3": [
        ["", "2026-09", "2026-10"],
        ["来店批次", 8, 20],
        ["新增意向客户数", 4, 7],
        ["留有资料比例", 0.75, "#DIV/0!"],   # derived: recomputed, never read
    ]})
    with open_warehouse(tmp_path) as wh:
        cube = compute_cube(wh.con, ["2026-09", "2026-10"])
    at = cube.set_index(["store_id", "month", "metric"])

    def parts(store: str, month: str, metric: str) -> tuple[object, ...]:
        row = at.loc[(store, month, metric)]
        return row["numerator"], row["denominator"], row["value"], row["na_reason"]

    # the register path: lead_capture_rate = new leads / visits; the flag apart
    assert parts("S1", "2026-09", "lead_capture_rate") == (4, 8, 0.5, None)
    assert parts("S1", "2026-09", "visit_capture_rate") == (6, 8, 0.75, None)
    # the workbook path, same numbers: the same numerator, denominator and value
    assert parts("S3", "2026-09", "lead_capture_rate") == parts(
        "S1", "2026-09", "lead_capture_rate")
    assert parts("S3", "2026-10", "lead_capture_rate") == (7, 20, 0.35, None)
    # the workbook has no register flag: n/a (no data), never 0 or the sheet's 0.75
    for month in ("2026-09", "2026-10"):
        num, den, value, reason = parts("S3", month, "visit_capture_rate")
        assert math.isnan(value) and reason == "no_data"
        assert den == (8 if month == "2026-09" else 20) and math.isnan(num)


# --- the round trip: demo cube -> workbook -> cube ---------------------------------------

def test_round_trip_demo_workbook_gives_the_same_kpis(tmp_path: Path) -> None:
    from kpi_lib.demo import ensure_demo_data

    ensure_demo_data()
    raw, stores = demo_cube()
    write_workbook(raw, stores, tmp_path / FILE_NAME)
    with open_warehouse(tmp_path) as wh:
        assert wh.issues == []
        assert wh.con.execute("SELECT store_id, region FROM stores ORDER BY 1").fetchall() \
            == list(stores.sort_values("store_id")[["store_id", "region"]].itertuples(
                index=False, name=None))
        back = compute_cube(wh.con, sorted(raw.month.unique()))
    key = ["store_id", "month", "metric"]
    both = raw.merge(back, on=key, suffixes=("_raw", "_wb"), validate="one_to_one")
    assert len(both) == len(raw) == len(back)
    w = both.pivot_table(index=["store_id", "month"], columns="metric", values="value_raw",
                         aggfunc="first", dropna=False)

    def same(metric: str, top: pd.Series | None = None, bottom: pd.Series | None = None
             ) -> None:
        rows = both[both.metric == metric].set_index(["store_id", "month"])
        if top is None:
            want, reason = rows.value_raw, rows.na_reason_raw
        else:
            top = top.reindex(rows.index)
            bottom = pd.Series(1.0, index=rows.index) if bottom is None else bottom.reindex(
                rows.index)
            want = (top / bottom).where(bottom != 0)
            reason = pd.Series(np.where(top.isna() | bottom.isna(), "no_data", np.where(
                bottom == 0, "zero_denominator", None)), index=rows.index)
        assert np.allclose(rows.value_wb, want, rtol=1e-12, equal_nan=True), metric
        assert (rows.na_reason_wb.fillna("") == reason.fillna("")).all(), metric

    # the workbook's inputs and every ratio derived from them alone
    derived = ["cost_per_visit", "cost_per_lead", "conversion_a", "conversion_b",
               *(f"delivery_share_{c}" for c in ("walk_in", "fleet", "existing_customer",
                                                 "outdoor", "secondary_outlet", "other")),
               "trade_in_share"]
    for metric in (*BASE_METRICS, *derived):
        same(metric)
    # the template's own definitions: orders without fleet deals, 留有资料比例
    orders = w["orders_new_leads"] + w["orders_carried_leads"]
    same("orders", orders)
    same("delivery_conversion", w["deliveries"], w["carried_orders"] + orders)
    same("cost_per_order", w["ad_spend"], orders)
    same("lead_capture_rate", w["new_leads"], w["visits"])
    same("lead_capture_rate")  # contract v2: the registers' own value, one definition
    # what the workbook cannot give stays n/a (no data)
    for metric in ("calls", "test_drive_rate", "lost_rate", "avg_deal_value",
                   "visit_capture_rate"):
        rows = both[both.metric == metric]
        assert rows.value_wb.isna().all() and (rows.na_reason_wb == "no_data").all(), metric


def test_a_damaged_workbook_stops_the_run(tmp_path: Path) -> None:
    from kpi_lib.errors import InputFileError

    (tmp_path / NAME).write_text("not an xlsx")
    with pytest.raises(InputFileError, match=f"{NAME}: cannot be read as an Excel workbook"):
        open_warehouse(tmp_path)


def test_a_month_twice_in_the_header_is_not_read(tmp_path: Path) -> None:
    # the brand's own template has "Jun Feb Mar …": January mislabelled June
    book(tmp_path / NAME, {"S1": [["年份", 2026], ["", "Jun", "Feb", "Jun"],
                                  ["来店批次", 1, 2, 6]]})
    wb = load_workbooks(tmp_path)
    issue = codes(wb.issues, "duplicate_month")[0]
    assert (issue.row, issue.column, issue.value) == (2, "Jun", "2026-06")
    assert wb.values[["month", "value"]].values.tolist() == [["2026-02", 2.0]]
