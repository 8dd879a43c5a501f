"""Bad input suite (issue 8): one malformed input per case, run through the real CLI.

Each case copies the tiny fixture (tests/fixtures/tiny, hand-counted in its README),
applies one corruption and runs ``kpis`` (or ``report`` for run-parameter cases) in
process. It asserts the exit code, every line printed on stderr (file, row, column and
reason worked out by hand from the fixture; rows count from 1 = first data row), no
traceback, and for runs that go on a few KPIs of the cube, so that a quarantined row
is seen to be left out. A run that fails leaves an existing output file as it was.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from kpi_lib.cli import app
from kpi_lib.ingest.schema import TABLES
from kpi_lib.ingest.validate import LIMITS
from kpi_lib.paths import warehouse_path

Corruption = Callable[[Path], None]
PREVIOUS = "previous output\n"


# --- corruptions ---------------------------------------------------------------------

def edit(name: str, old: str, new: str) -> Corruption:
    """Replace the one occurrence of ``old`` in the UTF-8 file ``name``."""
    def apply(folder: Path) -> None:
        path = folder / name
        text = path.read_text("utf-8")
        assert text.count(old) == 1, (name, old)
        path.write_text(text.replace(old, new), "utf-8")
    return apply


def append(name: str, line: str) -> Corruption:
    def apply(folder: Path) -> None:
        with (folder / name).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    return apply


def write(name: str, data: bytes) -> Corruption:
    def apply(folder: Path) -> None:
        (folder / name).write_bytes(data)
    return apply


def remove(name: str) -> Corruption:
    def apply(folder: Path) -> None:
        (folder / name).unlink()
    return apply


def rename(name: str, new: str) -> Corruption:
    def apply(folder: Path) -> None:
        (folder / name).rename(folder / new)
    return apply


def copy(name: str, new: str) -> Corruption:
    def apply(folder: Path) -> None:
        shutil.copy(folder / name, folder / new)
    return apply


def rows(name: str, change: Callable[[dict[str, str]], None],
         drop: str | None = None) -> Corruption:
    """Rewrite the CSV ``name`` row by row (``change`` edits each dict); ``drop`` a column."""
    def apply(folder: Path) -> None:
        path = folder / name
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = [f for f in reader.fieldnames or [] if f != drop]
            body = list(reader)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore",
                                    lineterminator="\n")
            writer.writeheader()
            for row in body:
                change(row)
                writer.writerow(row)
    return apply


def encode(name: str, encoding: str, header: tuple[str, str] | None = None,
           bytes_edit: tuple[bytes, bytes] | None = None) -> Corruption:
    """Re-encode ``name``; optionally rename its header first and then edit its bytes."""
    def apply(folder: Path) -> None:
        path = folder / name
        text = path.read_text("utf-8")
        if header:
            text = text.replace(*header, 1)
        data = text.encode(encoding)
        if bytes_edit:
            assert data.count(bytes_edit[0]) == 1
            data = data.replace(*bytes_edit)
        path.write_bytes(data)
    return apply


def both(*corruptions: Corruption) -> Corruption:
    def apply(folder: Path) -> None:
        for c in corruptions:
            c(folder)
    return apply


def visits_sheets(folder: Path) -> None:
    """The visits table moved into ``data.xlsx`` under the sheet names Excel gives."""
    with (folder / "visits.csv").open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    (folder / "visits.csv").unlink()
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    for row in table:
        wb.active.append(row)
    wb.create_sheet("说明").append(["每个表一页"])
    wb.save(folder / "data.xlsx")


def workbook_only(folder: Path) -> None:
    """Only the brand's KPI workbook: sheet S1 with a visitor count of 10^12."""
    for path in folder.glob("*.csv"):
        path.unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S1"
    for row in (["区域", "华东"], ["", "2026-09"], ["来店批次", 10**12],
                ["本月展厅交车数", 3], ["本月广宣投放(元)", 2e9]):
        ws.append(row)
    wb.save(folder / "kpi_workbook.xlsx")


def stored(sql: str, expected: list[tuple]) -> Callable[[Path], None]:
    """A check on the warehouse the run built: ``sql`` returns ``expected``."""
    def check(folder: Path) -> None:
        con = duckdb.connect(str(warehouse_path(folder)), read_only=True)
        try:
            assert con.execute(sql).fetchall() == expected
        finally:
            con.close()
    return check


# --- the cases -------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    corrupt: Corruption
    #: every stderr line, exactly and in order ("{data}" stands for the data folder)
    lines: tuple[str, ...] = ()
    exit_code: int = 0
    #: (store, metric) -> the cube's value as written ("" = n/a), for runs that go on
    kpis: dict[tuple[str, str], str] = field(default_factory=dict)
    #: the command after ``kpis``/``report``; {data} and {out} are filled in
    args: tuple[str, ...] = ("kpis", "--data", "{data}", "--month", "2026-09", "--out", "{out}")
    check: Callable[[Path], None] | None = None


def quarantined(file: str, row: int | None, column: str | None, reason: str) -> str:
    where = file + (f", row {row}" if row is not None else "") + (
        f", column {column}" if column else "")
    return f"quarantined: {where}: {reason}"


def ignored(file: str, reason: str) -> str:
    """The line of a file that is not read (no row): listed once as ignored."""
    return f"ignored: {file}: {reason}"


DAMAGED = "the file is damaged here or mixes encodings; save it again as UTF-8"
NOT_A_TABLE = "(such as visits or 来店客户登记表)"
VISITS_COLUMNS = ("visit_id, store_id, date, time_in, time_out, consultant_id, customer_id, "
                  "source, model, lead_captured, test_drive, negotiated, invited")
ORDERS_COLUMNS = ("order_id, store_id, consultant_id, lead_id, order_date, model, 成交金额, "
                  "channel, trade_in, insurance, delivered, cancelled, receivable, collected, "
                  "ceremony, call_3d, letter_7d, referral")
REPORT = ("report", "--data", "{data}", "--out-dir", "{out_dir}", "--store")
HYPERLINK = '=HYPERLINK("http://evil.example","点我")'
# the fixture's September rows (README): S1 has 8 visits V02-V09, 5 orders
# O02 O03 O04 O05 O08, 4 deliveries O01 O02 O04 O08, 3 calls T02-T04, ad spend 32 000
V02, V03 = "V02,S1,2026-09-02,09:30", "V03,S1,2026-09-03,11:00"
O02 = "O02,S1,C12,L04,2026-09-06,A6,200000,"
O04 = "O04,S1,C12,,2026-09-18,A4,100000,"
O08 = "O08,S1,C12,,2026-09-25,A4,90000,"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))

CASES = [
    # --- files that cannot be used: exit 2, one message, no output file ----------------
    pytest.param(Case(
        rows("visits.csv", lambda r: None, drop="first_visit"),
        (f"error: visits.csv: required column first_visit (首次来店) missing; the columns "
         f"found are: {VISITS_COLUMNS}",), 2), id="missing-required-column"),
    pytest.param(Case(
        edit("orders.csv", ",model,price,", ",model,成交金额,"),
        (f"error: orders.csv: required column price (成交价) missing; the columns found are: "
         f"{ORDERS_COLUMNS} (not recognised: 成交金额)",), 2), id="renamed-required-column"),
    pytest.param(Case(
        edit("visits.csv", ",first_visit,source,", ",first_visit,来店日期,"),
        ("error: visits.csv: columns 'date' and '来店日期' both mean date; keep one",), 2),
        id="column-given-twice-two-spellings"),
    pytest.param(Case(
        edit("visits.csv", ",source,model,", ",source,source,"),
        ("error: visits.csv: column 'source' appears twice; keep one",), 2),
        id="column-given-twice-same-name"),
    pytest.param(Case(
        write("orders.csv", PNG),
        ("error: orders.csv: cannot be read as a text table (it contains binary data; save "
         "it as CSV in UTF-8 or GBK, or as .xlsx)",), 2), id="binary-file-named-csv"),
    pytest.param(Case(
        encode("visits.csv", "utf-16"),
        ("error: visits.csv: the file is UTF-16 text (Excel's 'Unicode text'); save it as "
         "'CSV UTF-8 (comma delimited)' instead",), 2), id="utf16-unicode-text-export"),
    pytest.param(Case(
        lambda folder: (folder / "visits.csv").write_text(
            (folder / "visits.csv").read_text("utf-8").replace(",", ";"), "utf-8"),
        ("error: visits.csv: the values are separated by semicolons, not by commas; save it "
         "as CSV (comma delimited)",), 2), id="semicolon-separated"),
    pytest.param(Case(
        write("orders.csv", PNG),
        ("error: orders.csv: cannot be read as a text table (it contains binary data; save "
         "it as CSV in UTF-8 or GBK, or as .xlsx)",), 2, args=(*REPORT, "S1", "--month",
                                                              "2026-09")),
        id="report-with-binary-file"),
    pytest.param(Case(
        write("orders.csv", bytes(range(0x80, 0x100)) * 8),
        ("error: orders.csv: cannot be read as a text table (neither UTF-8 nor GBK/GB18030 "
         "text; save it as CSV in UTF-8 or as .xlsx)",), 2), id="neither-utf8-nor-gbk"),
    pytest.param(Case(
        both(remove("orders.csv"), write("orders.xlsx", b"PK\x03\x04 not really a workbook")),
        ("error: orders.xlsx: cannot be read as an Excel workbook (the file is damaged or not "
         "really .xlsx: File is not a zip file)",), 2), id="corrupt-xlsx"),
    pytest.param(Case(
        write("visits.xls", b"\xd0\xcf\x11\xe0 old excel"),
        ("error: visits.xls: the old Excel .xls format is not supported; save it as .xlsx or "
         "CSV",), 2), id="old-xls"),
    pytest.param(Case(
        copy("visits.csv", "来店客户登记表.csv"),
        ("error: table visits is given twice: in visits.csv and in 来店客户登记表.csv; keep "
         "one of them",), 2), id="table-given-twice"),
    pytest.param(Case(
        write("stores.csv", b""),
        ("error: stores.csv: the stores table has no rows; add one row per store",), 2),
        id="empty-stores-0-bytes"),
    pytest.param(Case(
        write("stores.csv", b"store_id,store_name,region,city,tier\n"),
        ("error: stores.csv: the stores table has no rows; add one row per store",), 2),
        id="header-only-stores"),
    pytest.param(Case(
        rows("stores.csv", lambda r: r.update(region="")),
        ("error: stores.csv: none of its 2 store rows can be used (stores.csv, row 1, column "
         "region: region is required but empty; stores.csv, row 2, column region: region is "
         "required but empty)",), 2), id="every-store-row-bad"),
    pytest.param(Case(
        remove("stores.csv"),
        ("error: no stores table in {data}: add stores.csv (or 门店.csv, or a sheet named "
         "stores) with the columns store_id (门店代码), store_name (门店名称), region (区域)",),
        2), id="no-stores-table"),
    pytest.param(Case(
        lambda folder: None,
        ("error: month '2026-13' is not of the form YYYY-MM, YYYY-Qn, YYYY, YYYY-MM..YYYY-MM "
         "or YYYY-YTD (e.g. 2026-10, 2026-Q3)",), 2,
        args=("kpis", "--data", "{data}", "--month", "2026-13", "--out", "{out}")),
        id="bad-month-parameter"),
    pytest.param(Case(
        lambda folder: None,
        ("error: month 2027-05 is outside the data, which covers 2026-08 to 2026-10",), 2,
        args=(*REPORT, "S1", "--month", "2027-05")), id="report-month-with-no-data"),
    pytest.param(Case(
        lambda folder: None,
        ("error: store 'S9' is not in the data; known stores: S1, S2",), 2,
        args=(*REPORT, "S9", "--month", "2026-09")), id="report-store-not-in-data"),

    # --- rows that break a rule: quarantined and listed, the run goes on (exit 0) ------
    pytest.param(Case(
        edit("orders.csv", O04, O04.replace("100000", "十万")),
        (quarantined("orders.csv", 4, "price", "'十万' is not a number"),),
        kpis={("S1", "orders"): "4", ("S1", "deliveries"): "3"}), id="text-in-number-cell"),
    pytest.param(Case(
        edit("visits.csv", V03, V03.replace("2026-09-03", "上周三")),
        (quarantined("visits.csv", 3, "date", "'上周三' is not a date (expected YYYY-MM-DD)"),),
        kpis={("S1", "visits"): "7", ("S1", "lead_capture_rate"): repr(4 / 7),
              ("S1", "visit_capture_rate"): repr(5 / 7)}),
        id="text-in-date-cell"),
    pytest.param(Case(
        edit("visits.csv", "V04,S1,2026-09-05", "V04,S1,2026-02-30"),
        (quarantined("visits.csv", 4, "date",
                     "'2026-02-30' is not a date (expected YYYY-MM-DD)"),),
        kpis={("S1", "visits"): "7"}), id="impossible-date"),
    pytest.param(Case(
        edit("visits.csv", "V05,S1,2026-09-10,15:00,16:30", "V05,S1,2026-09-10,15:00,14:30"),
        (quarantined("visits.csv", 5, "time_out", "time_out 14:30 is before time_in 15:00"),),
        kpis={("S1", "visits"): "7"}), id="time-out-before-time-in"),
    pytest.param(Case(
        edit("marketing.csv", "S1,2026-09,车展,12000", "S1,2026-09,车展,-12000"),
        (quarantined("marketing.csv", 3, "spend", "spend -12000 is negative"),),
        kpis={("S1", "ad_spend"): "20000", ("S1", "cost_per_visit"): "2500"}),
        id="negative-money"),
    pytest.param(Case(
        edit("targets.csv", "S1,2026-09,,8,", "S1,2026-09,,-8,"),
        (quarantined("targets.csv", 1, "units", "units -8 is negative"),),
        # without the store row the target is the consultant rows' sum, 5 + 4
        kpis={("S1", "target_completion"): repr(4 / 9)}), id="negative-count"),
    pytest.param(Case(
        edit("visits.csv", "V09,S1,", "V08,S1,"),
        (quarantined("visits.csv", 9, "visit_id", "visit_id 'V08' already appears in row 8"),),
        kpis={("S1", "visits"): "7"}), id="duplicate-id"),
    pytest.param(Case(
        edit("calls.csv", "T03,S1,", "T03,S9,"),
        (quarantined("calls.csv", 3, "store_id", "store_id 'S9' is not in stores"),),
        kpis={("S1", "calls"): "2"}), id="orphan-store-id"),
    pytest.param(Case(
        edit("orders.csv", "O02,S1,C12,", "O02,S1,C99,"),
        (quarantined("orders.csv", 2, "consultant_id", "consultant_id 'C99' is not in "
                                                        "consultants"),),
        kpis={("S1", "orders"): "4", ("S1", "deliveries"): "3"}), id="orphan-consultant"),
    pytest.param(Case(
        edit("orders.csv", "O03,S1,C11,L05,", "O03,S1,C11,L55,"),
        (quarantined("orders.csv", 3, "lead_id", "lead_id 'L55' is not in leads"),),
        kpis={("S1", "orders"): "4", ("S1", "orders_new_leads"): "0"}),
        id="order-with-unknown-lead"),
    pytest.param(Case(
        edit("leads.csv", ",lost,2026-09-12,", ",lost,,"),
        (quarantined("leads.csv", 2, "status_date", "status is 'lost' but status_date is "
                                                     "empty"),
         # the lead's follow-up goes with it
         quarantined("followups.csv", 3, "lead_id", "lead_id 'L02' is not in leads")),
        # lost in September: L10 only; carried leads L01 L04; new leads 4
        kpis={("S1", "carried_leads"): "2", ("S1", "lost_rate"): repr(1 / 6)}),
        id="lost-lead-without-status-date"),
    pytest.param(Case(
        edit("orders.csv", ",90000,secondary_outlet,", ",90000,二网,"),
        (quarantined("orders.csv", 8, "channel", "'二网' is not an allowed channel (allowed: "
                     "walk_in, fleet, existing_customer, outdoor, secondary_outlet, other)"),),
        kpis={("S1", "deliveries"): "3", ("S1", "deliveries_secondary_outlet"): "0"}),
        id="unknown-channel"),
    pytest.param(Case(
        edit("visits.csv", V02, V02.replace("V02,S1,", "V02,,")),
        (quarantined("visits.csv", 2, "store_id", "store_id is required but empty"),),
        kpis={("S1", "visits"): "7"}), id="empty-required-cell"),
    pytest.param(Case(
        edit("visits.csv", "V07,S1,2026-09-20,16:00,16:15,C12,,false,",
             "V07,S1,2026-09-20,16:00,16:15,C12,,:smile:,"),
        # printed as typed (no emoji, no markup)
        (quarantined("visits.csv", 7, "first_visit", "':smile:' is not a yes/no value "
                     "(expected true/false, 1/0, yes/no, 是/否)"),),
        kpis={("S1", "visits"): "7", ("S1", "first_visits"): "5"}), id="bad-boolean"),
    pytest.param(Case(
        edit("targets.csv", "S2,2026-09,C21,", "S2,2026-13,C21,"),
        (quarantined("targets.csv", 4, "month", "'2026-13' is not a month (expected "
                                                 "YYYY-MM)"),),
        # S2's target is then C22's 2 units alone; S2 delivered 2
        kpis={("S2", "target_completion"): "1"}), id="bad-month-in-targets"),
    pytest.param(Case(
        edit("orders.csv", ",2026-09-25,,200000,", ",2026-09-01,,200000,"),
        (quarantined("orders.csv", 2, "delivered", "delivered 2026-09-01 is before "
                                                    "order_date 2026-09-06"),),
        kpis={("S1", "deliveries"): "3"}), id="delivered-before-ordered"),
    pytest.param(Case(
        write("visits.csv", b'"visit_id,store_id,date,first_visit,lead_captured,test_drive\n'
                            b'V02,S1,2026-09-02,1,1,1\n'),
        ("error: visits.csv: a quote (\") opened in the header row is never closed, so the "
         "header runs into the rows below; remove it",), 2), id="quote-never-closed-in-header"),
    pytest.param(Case(
        edit("visits.csv", "\nV05,S1,", '\n"V05,S1,'),
        (quarantined("visits.csv", 5, None, "a quote (\") opened in this row is never closed, "
                     "so the rows after it were read as one value; remove it or close it"),),
        # V05 to the last row are swallowed: September keeps V02 V03 V04
        kpis={("S1", "visits"): "3"}), id="quote-never-closed-in-a-row"),
    pytest.param(Case(
        edit("visits.csv", ",date,", ',"来店\n日期",'),
        kpis={("S1", "visits"): "8"}), id="line-break-in-a-header-cell"),
    pytest.param(Case(
        lambda folder: (folder / "visits.csv").write_bytes(
            (folder / "visits.csv").read_bytes().replace(b"\n", b"\r")),
        kpis={("S1", "visits"): "8"}), id="old-mac-line-endings"),
    pytest.param(Case(
        append("visits.csv", "V99,S1,2026-09-12"),
        (quarantined("visits.csv", 14, None, "row has 3 values but the header has 14 "
                                              "columns"),),
        kpis={("S1", "visits"): "8"}), id="ragged-row"),
    pytest.param(Case(
        edit("orders.csv", O02, O02.replace("200000", "1e20")),
        (quarantined("orders.csv", 2, "price", "price 1e20 is too large to be right (more "
                                                "than 1,000,000,000)"),),
        kpis={("S1", "orders"): "4", ("S1", "avg_deal_value"): repr(340000 / 3)}),
        id="huge-price"),
    pytest.param(Case(
        edit("targets.csv", "S1,2026-09,,8,", "S1,2026-09,,1000000000000,"),
        (quarantined("targets.csv", 1, "units", "units 1000000000000 is too large to be "
                                                 "right (more than 1,000,000)"),),
        kpis={("S1", "target_completion"): repr(4 / 9)}), id="huge-count"),
    pytest.param(Case(
        workbook_only,
        (quarantined("kpi_workbook.xlsx[S1]", 3, "2026-09", "来店批次 1000000000000 is too "
                     "large to be right (more than 1,000,000)"),
         quarantined("kpi_workbook.xlsx[S1]", 5, "2026-09", "本月广宣投放(元) 2000000000 is "
                     "too large to be right (more than 1,000,000,000)")),
        kpis={("S1", "visits"): "", ("S1", "ad_spend"): "", ("S1", "deliveries"): "3"}),
        id="huge-visitor-count-in-kpi-workbook"),
    pytest.param(Case(
        both(edit("orders.csv", O04, O04.replace("100000", "=1+1")),
             edit("orders.csv", O08, O08.replace("90000", "\"+cmd|' /C calc'!A0\""))),
        (quarantined("orders.csv", 4, "price", "'=1+1' is not a number"),
         quarantined("orders.csv", 8, "price", "'+cmd|' /C calc'!A0' is not a number")),
        kpis={("S1", "deliveries"): "2"}), id="formula-in-number-cells"),
    pytest.param(Case(
        edit("orders.csv", O02, O02.replace(",A6,", ',"' + HYPERLINK.replace('"', '""') + '",')),
        kpis={("S1", "orders"): "5"},
        check=stored("SELECT model FROM orders WHERE order_id = 'O02'", [(HYPERLINK,)])),
        id="formula-in-text-cell-kept-as-text"),
    pytest.param(Case(
        encode("visits.csv", "utf-8", bytes_edit=("朋友介绍".encode(), b"\xff\xfe" +
                                                   "介绍".encode())),
        (quarantined("visits.csv", 3, "source", f"source holds characters that cannot be "
                     f"read ('\ufffd\ufffd介绍'): {DAMAGED}"),),
        kpis={("S1", "visits"): "7"}), id="invalid-utf8-bytes-mid-file"),
    pytest.param(Case(
        # row V06 pasted from a GBK file: 车展 is B3 B5 D5 B9; B3 and B5 cannot start a
        # UTF-8 character, D5 B9 happens to be the UTF-8 of U+0579
        encode("visits.csv", "utf-8", bytes_edit=("车展,Q3".encode(), "车展,Q3".encode("gbk"))),
        (quarantined("visits.csv", 6, "source", f"source holds characters that cannot be "
                     f"read ('\ufffd\ufffd\u0579'): {DAMAGED}"),),
        kpis={("S1", "visits"): "7"}), id="gbk-row-in-utf8-file"),
    pytest.param(Case(
        both(encode("stores.csv", "gb18030", header=("store_id,store_name,region,city,tier",
                                                     "门店代码,门店名称,区域,城市,级别")),
             encode("leads.csv", "gb18030")),
        kpis={("S1", "new_leads"): "4", ("S1", "lost_rate"): repr(2 / 7),
              ("S2", "orders"): "2"}), id="gb18030-files-beside-utf8"),
    pytest.param(Case(
        encode("leads.csv", "gb18030", bytes_edit=("奔驰".encode("gb18030"),
                                                   b"\xff" + "奔驰".encode("gb18030"))),
        (quarantined("leads.csv", 3, "competitor", f"competitor holds characters that cannot "
                     f"be read ('\ufffd奔驰GLC'): {DAMAGED}"),),
        kpis={("S1", "lost_rate"): repr(2 / 7)}), id="invalid-byte-in-gb18030-file"),
    pytest.param(Case(
        encode("visits.csv", "utf-8-sig", header=(
            "visit_id,store_id,date,time_in,time_out,consultant_id,customer_id,first_visit",
            "ＶＩＳＩＴ＿ＩＤ,门店代码,来店日期,来店时间,离店时间,顾问编号,客户编号,"
            "　首次来店　")),
        kpis={("S1", "visits"): "8", ("S1", "first_visits"): "5",
              ("S1", "lead_capture_rate"): "0.5", ("S1", "visit_capture_rate"): "0.75"}),
        id="bom-and-full-width-header"),
    pytest.param(Case(
        edit("visits.csv", ",negotiated,", ",洽谈结果,"),
        # an unknown header is an extra column: the optional KPI it fed becomes n/a
        kpis={("S1", "negotiation_rate"): "", ("S1", "test_drive_rate"): "0.5"}),
        id="renamed-optional-column"),
    pytest.param(Case(
        write("visits.csv", b""),
        # one line (issue 14.10), and the table is absent: n/a, not 0
        (ignored("visits.csv", "the file is empty (0 bytes): its table has no rows"),),
        kpis={("S1", "visits"): "", ("S1", "calls"): "3"}), id="empty-visits-0-bytes"),
    pytest.param(Case(
        write("visits.csv", b"visit_id,store_id,date,first_visit,lead_captured,test_drive\n"),
        kpis={("S1", "visits"): "0", ("S1", "lead_capture_rate"): ""}),
        id="header-only-visits"),
    pytest.param(Case(
        rows("visits.csv", lambda r: r.update(date="n/a")),
        tuple(quarantined("visits.csv", i, "date", "'n/a' is not a date (expected "
                                                    "YYYY-MM-DD)") for i in range(1, 14)),
        kpis={("S1", "visits"): "0", ("S1", "calls"): "3"}), id="every-visit-row-bad"),
    pytest.param(Case(
        visits_sheets,
        (ignored("data.xlsx", "not read: none of its sheets (Sheet1, 说明) "
                     f"is named after a table {NOT_A_TABLE}"),),
        kpis={("S1", "visits"): "", ("S1", "orders"): "5"}), id="xlsx-with-wrong-sheet-names"),
    pytest.param(Case(
        rename("visits.csv", "visit.csv"),
        (ignored("visit.csv", f"not read: 'visit' is not the name of a table {NOT_A_TABLE}"),),
        kpis={("S1", "visits"): ""}), id="misspelt-file-name"),
    pytest.param(Case(
        lambda folder: None,
        args=("kpis", "--data", "{data}", "--month", "2027-05", "--out", "{out}"),
        # a month outside the data: zeros and n/a, not an error (DATA_CONTRACT.md)
        kpis={("S1", "visits"): "0", ("S1", "ad_spend"): "", ("S1", "deliveries"): "0"}),
        id="kpis-month-with-no-data"),
]


def invoke(case: Case, data: Path, out: Path, out_dir: Path):
    args = [a.replace("{data}", str(data)).replace("{out}", str(out))
            .replace("{out_dir}", str(out_dir)) for a in case.args]
    # KPI_WARM=0: a report runs here, never in a background renderer
    return CliRunner().invoke(app, args, env={"KPI_WARM": "0", "CI": "1"})


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case: Case, tiny_data: Path, tmp_path: Path) -> None:
    case.corrupt(tiny_data)
    out, out_dir = tmp_path / "kpis.csv", tmp_path / "reports"
    out.write_text(PREVIOUS, encoding="utf-8")
    result = invoke(case, tiny_data, out, out_dir)

    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    expected = [line.replace("{data}", str(tiny_data.resolve())) for line in case.lines]
    assert result.stderr.splitlines() == expected
    assert result.stdout == ""
    assert result.exit_code == case.exit_code
    if case.exit_code:
        assert out.read_text(encoding="utf-8") == PREVIOUS  # nothing overwritten
        assert not out_dir.exists()
        return
    with out.open(encoding="utf-8") as fh:
        cube = {(r["store_id"], r["metric"]): r["value"] for r in csv.DictReader(fh)}
    assert {key: cube[key] for key in case.kpis} == case.kpis
    if case.check:
        case.check(tiny_data)


def test_every_number_column_has_a_plausibility_limit() -> None:
    numbers = {c.name for t in TABLES.values() for c in t.columns if c.kind == "number"}
    assert numbers == set(LIMITS)


def test_at_least_28_distinct_cases() -> None:  # issue 8 asks for 25
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)) >= 28
