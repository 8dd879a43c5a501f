"""Tests for kpi_lib.ingest.load and kpi_lib.ingest.validate: reading, header mapping,
quarantine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpi_lib.errors import InputFileError, RowIssue
from kpi_lib.ingest.load import load_folder
from kpi_lib.ingest.validate import REASONS

STORES = "store_id,store_name,region\nS1,北京一店,华北\nS2,上海一店,华东\n"
CONSULTANTS = "consultant_id,store_id,name\nC1,S1,张三\nC2,S2,李四\n"
LEADS = (
    "lead_id,store_id,consultant_id,created,source,grade,status,status_date\n"
    "L1,S1,C1,2024-02-10,网络,H,open,\n"
    "L2,S1,C1,2024-03-02,来店,A,ordered,2024-03-15\n"
)
VISITS_HEADER = "visit_id,store_id,date,first_visit,lead_captured,test_drive\n"
ORDERS_HEADER = ("order_id,store_id,consultant_id,lead_id,order_date,model,price,channel,"
                 "trade_in,delivered\n")


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def base(folder: Path, **extra: str) -> Path:
    """A small valid folder (stores, consultants, leads) plus the given files."""
    write(folder, "stores.csv", STORES)
    write(folder, "consultants.csv", CONSULTANTS)
    write(folder, "leads.csv", LEADS)
    for name, text in extra.items():
        write(folder, name.replace("_csv", ".csv"), text)
    return folder


def only(issues: list[RowIssue], code: str) -> RowIssue:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, issues
    return found[0]


# --- reading and mapping ---------------------------------------------------------------

def test_chinese_headers_and_boolean_spellings(tmp_path: Path) -> None:
    visits = (
        "来店编号,门店代码,来店日期,首次来店,留档,试乘试驾,商洽\n"
        "V1,S1,2024-03-01,true,1,yes,是\n"
        "V2,S1,2024/03/02,false,0,no,否\n"
        "V3,S2,2024-03-03,是,否,TRUE, \n"
        "V4,S2,2024-03-04,Yes,No,0,\n"
    )
    ing = load_folder(base(tmp_path, visits_csv=visits))
    assert ing.issues == []
    v = ing.tables["visits"]
    assert list(v["visit_id"]) == ["V1", "V2", "V3", "V4"]
    assert list(v["first_visit"]) == [True, False, True, True]
    assert list(v["lead_captured"]) == [True, False, False, False]
    assert list(v["test_drive"]) == [True, False, True, False]
    assert v["negotiated"].isna().tolist() == [False, False, True, True]
    assert list(v["date"]) == list(pd.to_datetime(
        ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]))
    assert ing.columns_present["visits"] == {
        "visit_id", "store_id", "date", "first_visit", "lead_captured", "test_drive",
        "negotiated"}


def test_tier_in_stores_is_grade_in_leads(tmp_path: Path) -> None:
    write(tmp_path, "stores.csv", "门店代码,门店名称,区域,级别\nS1,一店,华北,A\n")
    write(tmp_path, "consultants.csv", "顾问编号,门店代码,姓名\nC1,S1,张三\n")
    write(tmp_path, "leads.csv", "客户卡编号,门店代码,顾问编号,建卡日期,来源,级别,状态\n"
                                 "L1,S1,C1,2024-03-01,网络,h,跟进中\n")
    ing = load_folder(tmp_path)
    assert ing.tables["stores"]["tier"].tolist() == ["A"]
    assert ing.tables["leads"]["grade"].tolist() == ["H"]
    assert ing.tables["leads"]["status"].tolist() == ["open"]


def test_gb18030_file(tmp_path: Path) -> None:
    write(tmp_path, "stores.csv", "门店代码,门店名称,区域\nS1,北京一店,华北\n", "gb18030")
    ing = load_folder(tmp_path)
    assert ing.tables["stores"]["store_name"].tolist() == ["北京一店"]
    assert ing.files == {"stores": "stores.csv"}


def test_gb18030_beyond_the_sniffed_head(tmp_path: Path) -> None:
    rows = "".join(f"S{i},门店{i},华北\n" for i in range(5000))
    write(tmp_path, "stores.csv", "store_id,store_name,region\n" + rows, "gbk")
    assert len(load_folder(tmp_path).tables["stores"]) == 5000


def test_utf8_with_bom(tmp_path: Path) -> None:
    write(tmp_path, "stores.csv", "\ufeff门店代码,门店名称,区域\nS1,北京一店,华北\n")
    ing = load_folder(tmp_path)
    assert ing.columns_present["stores"] == {"store_id", "store_name", "region"}
    assert ing.tables["stores"]["store_id"].tolist() == ["S1"]


def test_full_width_headers_and_numbers(tmp_path: Path) -> None:
    orders = (
        "ＯＲＤＥＲ＿ＩＤ,Store_ID,顾问编号,订单日期,车型,成交价,渠道,二手车置换,　交车日期　\n"
        "O1,S1,C1,2024-03-01,X5,\"1,234\",来店,否,2024-03-20\n"
        "O2,S1,C1,2024-03-02,X5,¥2500.5,行业开拓,是,\n"
        "O3,S2,C2,2024-03-03,X3,１２３４,保有客户,0,\n"
        "O4,S2,C2,2024-03-03,X3,\"￥1,000\",Outdoor,0,\n"
        "O5,S2,C2,2024-03-03,X3,99,二级网点,0,\n"
        "O6,S2,C2,2024-03-03,X3,99,其他,0,\n"
    )
    ing = load_folder(base(tmp_path, orders_csv=orders))
    assert ing.issues == []
    o = ing.tables["orders"]
    assert o["price"].tolist() == [1234.0, 2500.5, 1234.0, 1000.0, 99.0, 99.0]
    assert o["channel"].tolist() == ["walk_in", "fleet", "existing_customer", "outdoor",
                                     "secondary_outlet", "other"]
    assert o["trade_in"].tolist() == [False, True, False, False, False, False]
    assert o["delivered"].notna().tolist() == [True] + [False] * 5


def test_xlsx_sheets_and_excel_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "stores"
    ws.append(["store_id", "store_name", "region"])
    ws.append(["S1", "一店", "华北"])
    ws = wb.create_sheet("来店客户登记表")
    ws.append(["visit_id", "store_id", "来店日期", "来店时间", "首次来店", "留档", "试乘试驾"])
    ws.append(["V1", "S1", dt.datetime(2024, 3, 1), dt.time(10, 30), True, 1, "否"])
    ws.append([None] * 7)  # blank rows are skipped but keep their number
    ws.append(["V2", "S1", "2024-03-02", "11:00", False, 0, "是"])
    ws = wb.create_sheet("notes")
    ws.append(["anything"])
    wb.save(tmp_path / "data.xlsx")
    wb = openpyxl.Workbook()
    wb.active.append(["store_id", "month", "spend"])
    wb.active.append(["S1", dt.datetime(2024, 3, 1), 1500])
    wb.active.append(["S1", "2024/04", "1,500.5"])
    wb.save(tmp_path / "marketing.xlsx")

    ing = load_folder(tmp_path)
    assert ing.issues == []
    assert ing.files == {"stores": "data.xlsx[stores]", "visits": "data.xlsx[来店客户登记表]",
                         "marketing": "marketing.xlsx"}
    v = ing.tables["visits"]
    assert v["date"].tolist() == list(pd.to_datetime(["2024-03-01", "2024-03-02"]))
    assert v["time_in"].tolist() == ["10:30:00", "11:00:00"]
    assert v["first_visit"].tolist() == [True, False]
    assert ing.tables["marketing"]["month"].tolist() == ["2024-03", "2024-04"]
    assert ing.tables["marketing"]["spend"].tolist() == [1500.0, 1500.5]


def test_xlsx_row_numbers_count_blank_rows(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["store_id", "store_name", "region"])
    wb.active.append(["S1", "一店", "华北"])
    wb.active.append([None, None, None])
    wb.active.append(["S2", "", "华东"])
    wb.save(tmp_path / "stores.xlsx")
    issue = only(load_folder(tmp_path).issues, "missing_value")
    assert (issue.file, issue.row, issue.column) == ("stores.xlsx", 3, "store_name")


def test_chinese_file_name_extra_columns_and_ignored_files(tmp_path: Path) -> None:
    base(tmp_path)
    write(tmp_path, "来店客户登记表.csv",
          VISITS_HEADER.rstrip("\n") + ",备注\nV1,S1,2024-03-01,1,0,0,老客户介绍\n")
    wb = openpyxl.Workbook()  # the brand workbook is no table, even with a sheet "visits"
    wb.active.title = "visits"
    wb.save(tmp_path / "kpi_workbook_2024.xlsx")
    write(tmp_path, ".hidden.csv", "\x00\x01")
    write(tmp_path, "readme.csv", "whatever\n")
    ing = load_folder(tmp_path)
    assert ing.files["visits"] == "来店客户登记表.csv"
    assert ing.tables["visits"]["备注"].tolist() == ["老客户介绍"]
    assert "备注" not in ing.columns_present["visits"]
    assert set(ing.tables) == {"stores", "consultants", "leads", "visits"}


def test_empty_file_and_header_only_file_are_empty_tables(tmp_path: Path) -> None:
    base(tmp_path, visits_csv="")
    write(tmp_path, "orders.csv", ORDERS_HEADER)
    ing = load_folder(tmp_path)
    assert len(ing.tables["visits"]) == 0 and ing.columns_present["visits"] == set()
    assert len(ing.tables["orders"]) == 0 and ing.rows_read["orders"] == 0
    # the 0-byte file is said once (issue 14.10); it is no quarantined row
    assert [(i.file, i.code, i.ignored) for i in ing.issues] == [
        ("visits.csv", "empty_file", True)]


def test_all_rows_quarantined_leaves_an_empty_table(tmp_path: Path) -> None:
    ing = load_folder(base(tmp_path, visits_csv=VISITS_HEADER + "V1,S1,soon,1,0,0\n"))
    assert ing.rows_read["visits"] == 1 and ing.rows_kept["visits"] == 0
    assert len(ing.tables["visits"]) == 0


# --- quarantined rows -------------------------------------------------------------------

def visits_issue(tmp_path: Path, row: str, code: str) -> RowIssue:
    ok = "V0,S1,2024-03-01,1,0,0\n"
    ing = load_folder(base(tmp_path, visits_csv=VISITS_HEADER + ok + row + "\n"))
    assert ing.rows_kept["visits"] == 1
    return only(ing.issues, code)


def test_bad_date(tmp_path: Path) -> None:
    i = visits_issue(tmp_path, "V1,S1,2024-02-30,1,0,0", "bad_date")
    assert (i.file, i.row, i.column, i.value) == ("visits.csv", 2, "date", "2024-02-30")
    assert i.reason == "'2024-02-30' is not a date (expected YYYY-MM-DD)"


def test_bad_bool(tmp_path: Path) -> None:
    i = visits_issue(tmp_path, "V1,S1,2024-03-02,1,maybe,0", "bad_bool")
    assert (i.file, i.row, i.column) == ("visits.csv", 2, "lead_captured")
    assert "'maybe' is not a yes/no value" in i.reason


def test_empty_required_cell(tmp_path: Path) -> None:
    i = visits_issue(tmp_path, "V1,,2024-03-02,1,0,0", "missing_value")
    assert (i.row, i.column, i.reason) == (2, "store_id", "store_id is required but empty")


def test_duplicate_id_keeps_the_first(tmp_path: Path) -> None:
    i = visits_issue(tmp_path, "V0,S2,2024-03-02,1,0,0", "duplicate_key")
    assert (i.row, i.column) == (2, "visit_id")
    assert i.reason == "visit_id 'V0' already appears in row 1"


def test_unknown_store_and_consultant(tmp_path: Path) -> None:
    i = visits_issue(tmp_path, "V1,S9,2024-03-02,1,0,0", "unknown_reference")
    assert (i.row, i.column, i.reason) == (2, "store_id", "store_id 'S9' is not in stores")


def test_time_out_before_time_in(tmp_path: Path) -> None:
    visits = ("visit_id,store_id,date,time_in,time_out,first_visit,lead_captured,test_drive\n"
              "V1,S1,2024-03-01,10:00,10:40,1,0,0\nV2,S1,2024-03-01,10:00,9:40,1,0,0\n")
    i = only(load_folder(base(tmp_path, visits_csv=visits)).issues, "time_order")
    assert (i.row, i.column, i.reason) == (2, "time_out", "time_out 09:40 is before time_in 10:00")


def order_issue(tmp_path: Path, row: str, code: str) -> RowIssue:
    ok = "O0,S1,C1,L2,2024-03-05,X5,100000,walk_in,0,\n"
    ing = load_folder(base(tmp_path, orders_csv=ORDERS_HEADER + ok + row + "\n"))
    assert ing.rows_kept["orders"] == 1, ing.issues
    return only(ing.issues, code)


def test_bad_number(tmp_path: Path) -> None:
    i = order_issue(tmp_path, "O1,S1,C1,,2024-03-05,X5,about 10k,fleet,0,", "bad_number")
    assert (i.file, i.row, i.column, i.reason) == (
        "orders.csv", 2, "price", "'about 10k' is not a number")


def test_negative_price(tmp_path: Path) -> None:
    i = order_issue(tmp_path, "O1,S1,C1,,2024-03-05,X5,-100,fleet,0,", "negative")
    assert (i.row, i.column, i.reason) == (2, "price", "price -100 is negative")


def test_unknown_channel_code(tmp_path: Path) -> None:
    i = order_issue(tmp_path, "O1,S1,C1,,2024-03-05,X5,100,bus,0,", "bad_code")
    assert (i.row, i.column, i.value) == (2, "channel", "bus")
    assert i.reason.startswith("'bus' is not an allowed channel (allowed: walk_in, fleet,")


def test_order_with_unknown_lead(tmp_path: Path) -> None:
    i = order_issue(tmp_path, "O1,S1,C1,L9,2024-03-05,X5,100,fleet,0,", "unknown_reference")
    assert (i.row, i.column, i.reason) == (2, "lead_id", "lead_id 'L9' is not in leads")


def test_delivered_before_order_date(tmp_path: Path) -> None:
    i = order_issue(tmp_path, "O1,S1,C1,,2024-03-05,X5,100,fleet,0,2024-03-01", "date_order")
    assert (i.row, i.column) == (2, "delivered")
    assert i.reason == "delivered 2024-03-01 is before order_date 2024-03-05"


def test_lost_lead_without_status_date(tmp_path: Path) -> None:
    write(tmp_path, "stores.csv", STORES)
    write(tmp_path, "consultants.csv", CONSULTANTS)
    write(tmp_path, "leads.csv", LEADS + "L3,S2,C2,2024-03-01,网络,C,战败,\n")
    write(tmp_path, "followups.csv", "lead_id,date,kind\nL1,2024-03-02,电话\nL3,2024-03-03,call\n")
    ing = load_folder(tmp_path)
    i = only(ing.issues, "missing_status_date")
    assert (i.file, i.row, i.column) == ("leads.csv", 3, "status_date")
    assert i.reason == "status is 'lost' but status_date is empty"
    # the follow-up of the quarantined lead is quarantined too
    f = only(ing.issues, "unknown_reference")
    assert (f.file, f.row, f.reason) == ("followups.csv", 2, "lead_id 'L3' is not in leads")
    assert ing.tables["followups"]["kind"].tolist() == ["call"]


def test_bad_month(tmp_path: Path) -> None:
    base(tmp_path, marketing_csv="store_id,month,spend\nS1,2024-03,100\nS1,March,100\n")
    i = only(load_folder(tmp_path).issues, "bad_month")
    assert (i.file, i.row, i.column, i.reason) == (
        "marketing.csv", 2, "month", "'March' is not a month (expected YYYY-MM)")


def test_ragged_row(tmp_path: Path) -> None:
    ing = load_folder(base(tmp_path, visits_csv=VISITS_HEADER + "V1,S1,2024-03-01,1\n"
                                                               "V2,S1,2024-03-01,1,0,0\n"))
    i = only(ing.issues, "bad_row")
    assert (i.row, i.reason) == (1, "row has 4 values but the header has 6 columns")
    assert ing.rows_read["visits"] == 2 and ing.rows_kept["visits"] == 1


def test_every_code_has_a_reason() -> None:
    assert {"bad_date", "bad_time", "bad_month", "bad_bool", "bad_number", "missing_value",
            "bad_code", "negative", "duplicate_key", "missing_status_date",
            "unknown_reference", "time_order", "date_order", "bad_row"} <= set(REASONS)


# --- files that cannot be used ------------------------------------------------------------

def test_missing_required_column(tmp_path: Path) -> None:
    base(tmp_path, visits_csv="visit_id,store_id,来店日期,留档,试乘试驾\nV1,S1,2024-03-01,1,0\n")
    with pytest.raises(InputFileError) as exc:
        load_folder(tmp_path)
    msg = str(exc.value)
    assert msg.startswith("visits.csv: required column first_visit (首次来店) missing")
    assert "the columns found are: visit_id, store_id, 来店日期, 留档, 试乘试驾" in msg


def test_column_given_twice(tmp_path: Path) -> None:
    base(tmp_path, visits_csv="visit_id,store_id,date,来店日期,first_visit,lead_captured,"
                              "test_drive\n")
    with pytest.raises(InputFileError, match="'date' and '来店日期' both mean date"):
        load_folder(tmp_path)


def test_binary_file_named_csv(tmp_path: Path) -> None:
    base(tmp_path)
    (tmp_path / "visits.csv").write_bytes(b"PK\x03\x04\x00\x00binary\xff\xfe")
    with pytest.raises(InputFileError, match=r"^visits\.csv: cannot be read as a text table"):
        load_folder(tmp_path)


def test_corrupt_xlsx(tmp_path: Path) -> None:
    base(tmp_path)
    (tmp_path / "orders.xlsx").write_bytes(b"this is not a zip file")
    with pytest.raises(InputFileError, match=r"^orders\.xlsx: cannot be read as an Excel"):
        load_folder(tmp_path)


def test_two_sources_for_one_table(tmp_path: Path) -> None:
    base(tmp_path)
    wb = openpyxl.Workbook()
    wb.active.title = "stores"
    wb.save(tmp_path / "data.xlsx")
    with pytest.raises(InputFileError, match=r"table stores is given twice: in data\.xlsx"
                                             r"\[stores\] and in stores\.csv"):
        load_folder(tmp_path)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="data folder not found"):
        load_folder(tmp_path / "nope")


def test_quoted_line_breaks_and_blank_rows(tmp_path: Path) -> None:
    visits = (VISITS_HEADER.rstrip("\n") + ",备注\n"
              "V1,S1,2024-03-01,1,0,0,\"两行\n备注\"\n"
              ",,,,,,\n"
              "V2,S1,2024-03-02,1,0,0,\n")
    ing = load_folder(base(tmp_path, visits_csv=visits))
    assert ing.issues == []
    assert ing.tables["visits"]["备注"].tolist()[0] == "两行\n备注"
    assert ing.tables["visits"]["visit_id"].tolist() == ["V1", "V2"]
