"""Tests for kpi_lib.ingest.warehouse: typed tables, present columns, caching, issues."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest

from kpi_lib.ingest.schema import TABLES
from kpi_lib.ingest.warehouse import open_warehouse

STORES = "store_id,store_name,region\nS1,北京一店,华北\n"
CONSULTANTS = "consultant_id,store_id,name\nC1,S1,张三\n"
VISITS = (
    "visit_id,store_id,date,time_in,first_visit,lead_captured,test_drive,备注\n"
    "V1,S1,2024-03-01,10:00,1,0,是,x\n"
    "V2,S1,2024-03-02,11:30,0,1,否,\n"
    "V3,S1,not a date,11:30,0,1,否,\n"
)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "stores.csv").write_text(STORES, encoding="utf-8")
    (folder / "consultants.csv").write_text(CONSULTANTS, encoding="utf-8")
    (folder / "visits.csv").write_text(VISITS, encoding="utf-8")
    return folder


def test_typed_tables(data: Path) -> None:
    with open_warehouse(data) as wh:
        types = dict(wh.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'visits'").fetchall())
        assert types["date"] == "DATE" and types["time_in"] == "TIME"
        assert types["first_visit"] == "BOOLEAN" and types["visit_id"] == "VARCHAR"
        assert types["negotiated"] == "BOOLEAN"  # absent optional column, typed NULLs
        assert types["备注"] == "VARCHAR"  # extra column kept
        rows = wh.con.execute(
            "SELECT visit_id, date, time_in, first_visit, test_drive, negotiated "
            "FROM visits ORDER BY visit_id").fetchall()
        assert rows == [
            ("V1", dt.date(2024, 3, 1), dt.time(10, 0), True, True, None),
            ("V2", dt.date(2024, 3, 2), dt.time(11, 30), False, False, None),
        ]
        # every contract table exists with all its columns, absent ones with zero rows
        for name, table in TABLES.items():
            cols = [r[0] for r in wh.con.execute(f'DESCRIBE "{name}"').fetchall()]
            assert cols[: len(table.columns)] == [c.name for c in table.columns]
        assert wh.con.execute("SELECT count(*) FROM orders").fetchone() == (0,)
        price = wh.con.execute("SELECT data_type FROM information_schema.columns "
                               "WHERE table_name = 'orders' AND column_name = 'price'")
        assert price.fetchone() == ("DOUBLE",)


def test_columns_present(data: Path) -> None:
    with open_warehouse(data) as wh:
        present = {c for (c,) in wh.con.execute(
            "SELECT column_name FROM _columns WHERE table_name = 'visits'").fetchall()}
        assert present == {"visit_id", "store_id", "date", "time_in", "first_visit",
                           "lead_captured", "test_drive"}
        assert wh.has("visits", "time_in") and not wh.has("visits", "negotiated")
        assert wh.has("stores") and not wh.has("orders")
        assert wh.con.execute("SELECT * FROM _files WHERE table_name = 'visits'").fetchall() \
            == [("visits", "visits.csv", 3, 2)]


def test_cached_until_inputs_change(data: Path) -> None:
    with open_warehouse(data) as wh:
        assert wh.rebuilt and wh.path == data / ".warehouse.duckdb"
    with open_warehouse(data) as wh:
        assert not wh.rebuilt
        assert wh.con.execute("SELECT count(*) FROM visits").fetchone() == (2,)
    path = data / "visits.csv"
    path.write_text(VISITS + "V4,S1,2024-03-04,12:00,1,1,1,\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    with open_warehouse(data) as wh:
        assert wh.rebuilt
        assert wh.con.execute("SELECT count(*) FROM visits").fetchone() == (3,)
    with open_warehouse(data, rebuild=True) as wh:
        assert wh.rebuilt
    assert sorted(p.name for p in data.iterdir()) == [
        ".warehouse.duckdb", "consultants.csv", "stores.csv", "visits.csv"]


def test_issues_persist_in_a_cached_open(data: Path) -> None:
    with open_warehouse(data) as first:
        assert first.rebuilt
        issues = first.issues
    with open_warehouse(data) as cached:
        assert not cached.rebuilt
        assert cached.issues == issues
    (issue,) = issues
    assert (issue.file, issue.row, issue.column, issue.code) == (
        "visits.csv", 3, "date", "bad_date")
    assert issue.reason == "'not a date' is not a date (expected YYYY-MM-DD)"


def test_custom_path_and_damaged_cache(data: Path, tmp_path: Path) -> None:
    db = tmp_path / "cache" / "wh.duckdb"
    with open_warehouse(data, db) as wh:
        assert wh.rebuilt and wh.path == db
    db.write_bytes(b"garbage")
    with open_warehouse(data, db) as wh:
        assert wh.rebuilt
        assert wh.con.execute("SELECT count(*) FROM stores").fetchone() == (1,)


def test_rebuild_while_an_old_connection_is_open(data: Path) -> None:
    old = open_warehouse(data)
    (data / "stores.csv").write_text(STORES + "S2,上海一店,华东\n", encoding="utf-8")
    with open_warehouse(data) as new:
        assert new.rebuilt
        assert new.con.execute("SELECT count(*) FROM stores").fetchone() == (2,)
        assert new.files["stores"] == ("stores.csv", 2, 2)
    assert old.con.execute("SELECT count(*) FROM stores").fetchone() == (1,)
    old.close()


def test_read_only_connection_allows_temp_objects(data: Path) -> None:
    with open_warehouse(data) as wh:
        wh.con.execute("CREATE TEMP TABLE t AS SELECT count(*) AS n FROM visits")
        assert wh.con.execute("SELECT n FROM t").fetchone() == (2,)
        with pytest.raises(duckdb.Error):
            wh.con.execute("DELETE FROM visits")
