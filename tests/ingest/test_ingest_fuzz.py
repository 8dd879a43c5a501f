"""Property-based fuzzing of the ingest (hypothesis; reproducible: derandomized, no database).

Whatever is in the cells or the bytes of a file, :func:`kpi_lib.ingest.load.load_folder`
either reads the folder, keeping or quarantining every row it read, or raises
:class:`~kpi_lib.errors.InputFileError` with a message; never another exception. What it
reads, the warehouse stores as it is.
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_lib.errors import InputFileError
from kpi_lib.ingest.load import Ingested, load_folder
from kpi_lib.ingest.warehouse import build

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
#: the referenced tables every example's folder holds, as in the tiny fixture
BASE = ("stores.csv", "consultants.csv", "leads.csv")
#: cell values that broke or could break a reader or a parser
NASTY = [
    "", " ", "\x00", '"', '""', "'", ",", "\n", "\r\n", "\r", "a\nb", '"quoted, comma"',
    "=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1,1)", "-1",
    "1e400", "-1e400", "1e20", "NaN", "inf", "-0", "0x1F", "１２３", "¥1,234", "1,2,3",
    "2026-02-30", "9999-12-31", "0000-00-00", "2026-09-31 25:61", "24:00", "是", "否",
    "\ufeff", "\u2028", "\u0085", "\ufffd", "\U0001f600", "𠀋", "V02", "S9", "L55",
    "9" * 400,
]
CELL = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.floats().map(repr),
)
_n = itertools.count()


def table_rows(name: str) -> list[list[str]]:
    with (TINY / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


TABLES = {name: table_rows(name) for name in ("visits.csv", "orders.csv")}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def folder_with(root: Path, name: str, data: bytes) -> Path:
    """A fresh folder holding the base tables and ``name`` with ``data``."""
    folder = root / f"ex{next(_n)}"
    folder.mkdir()
    for base in BASE:
        shutil.copy(TINY / base, folder / base)
    (folder / name).write_bytes(data)
    return folder


def read_or_refuse(folder: Path) -> Ingested | None:
    """load_folder's result after checking its invariants; None if it refused the folder."""
    try:
        ing = load_folder(folder)
    except InputFileError as exc:
        assert str(exc).strip()
        return None
    for issue in ing.issues:
        assert issue.file and issue.reason and issue.code, issue
        assert issue.row is None or issue.row >= 1, issue
    for name, label in ing.files.items():
        quarantined = {i.row for i in ing.issues if i.file == label and i.row is not None}
        assert ing.rows_read[name] == ing.rows_kept[name] + len(quarantined), (name, ing.issues)
        assert len(ing.tables[name]) == ing.rows_kept[name]
    return ing


def stored_as_read(ing: Ingested) -> None:
    """The warehouse build takes what the ingest kept, row for row, issue for issue."""
    con = duckdb.connect(":memory:")
    try:
        build(con, ing, "fuzz")
        for name, kept in ing.rows_kept.items():
            assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone() == (kept,)
        assert con.execute("SELECT count(*) FROM _issues").fetchone() == (len(ing.issues),)
    finally:
        con.close()


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)  # quotes \r and \n
    return buf.getvalue().encode(encoding)


@settings(max_examples=60, **SETTINGS)
@given(name=st.sampled_from(sorted(TABLES)), data=st.data(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_text_in_any_cell(root: Path, name: str, data: st.DataObject,
                              encoding: str) -> None:
    rows = [list(r) for r in TABLES[name]]
    edits = data.draw(st.lists(st.tuples(st.integers(0, len(rows) - 1),
                                         st.integers(0, len(rows[0]) - 1), CELL),
                               min_size=1, max_size=4))
    for r, c, value in edits:  # row 0 is the header
        rows[r][c] = value
    ing = read_or_refuse(folder_with(root, name, csv_bytes(rows, encoding)))
    if ing is not None:
        stored_as_read(ing)
        if not any(r == 0 for r, _, _ in edits):
            assert ing.rows_read[name.removesuffix(".csv")] == len(rows) - 1


@settings(max_examples=70, **SETTINGS)
@given(name=st.sampled_from(sorted(TABLES)), at=st.integers(0, 10**6),
       junk=st.binary(min_size=1, max_size=12))
def test_any_bytes_inside_a_valid_file(root: Path, name: str, at: int, junk: bytes) -> None:
    data = (TINY / name).read_bytes()
    at %= len(data)
    read_or_refuse(folder_with(root, name, data[:at] + junk + data[at:]))


@settings(max_examples=80, **SETTINGS)
@given(name=st.sampled_from(["visits.csv", "stores.csv", "orders.xlsx", "kpi_workbook.xlsx"]),
       data=st.one_of(st.binary(max_size=600),
                      st.binary(max_size=600).map(lambda b: b"visit_id,store_id,date,"
                                                  b"first_visit,lead_captured,test_drive\n" + b)))
def test_any_bytes_as_a_whole_file(root: Path, name: str, data: bytes) -> None:
    read_or_refuse(folder_with(root, name, data))


XLSX_CELL = st.one_of(
    st.none(), st.booleans(), st.integers(-10**18, 10**18), st.floats(allow_nan=False),
    st.dates(), st.datetimes(), st.times(),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from([s for s in NASTY if s.isprintable()]),
)


@settings(max_examples=25, **SETTINGS)
@given(cells=st.lists(st.tuples(st.integers(1, 13), st.integers(0, 13), XLSX_CELL),
                      min_size=1, max_size=4))
def test_any_value_in_an_xlsx_sheet(root: Path, cells: list) -> None:
    rows: list[list[object]] = [list(r) for r in table_rows("visits.csv")]
    for r, c, value in cells:
        rows[r][c] = value
    wb = openpyxl.Workbook()
    wb.active.title = "visits"
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    ing = read_or_refuse(folder_with(root, "data.xlsx", buf.getvalue()))
    if ing is not None:
        stored_as_read(ing)
