"""Month progress: each store's own data end and the weekday-weighted elapsed share."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import pytest

from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.metrics.month_progress import (
    elapsed_share,
    history_incomplete,
    month_elapsed,
    store_data_end,
    store_data_start,
    weekday_weights,
)


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    """Five stores, hand-made (only the dated columns the module reads).

    Network visits before 2026-10: one week only, Mon 2026-09-21 … Sun 09-27: one visit on
    each weekday and three on Saturday and Sunday → weights Mon–Fri 1, Sat 3, Sun 3.
    - SA: those visits, and a call on 2026-10-10 → data end 10-10 (partial);
    - SB: an order of 2026-10-20 delivered 2026-11-02 → data end 11-02 (complete);
    - SC: a lead of 2026-08-01 followed up on 2026-10-31 → data end 10-31 (complete);
    - SD: a lead created 2026-09-30, nothing after → no data in 2026-10;
    - SE: in ``stores`` only → no dated row at all;
    - SG: a call on 2026-10-29 → within two days of the month's end while the network (SB)
      runs past it: complete.
    """
    c = duckdb.connect(":memory:")
    c.execute("CREATE TABLE stores (store_id VARCHAR)")
    c.execute("INSERT INTO stores VALUES ('SA'), ('SB'), ('SC'), ('SD'), ('SE'), ('SG')")
    c.execute("CREATE TABLE visits (store_id VARCHAR, date DATE)")
    week = ["2026-09-21", "2026-09-22", "2026-09-23", "2026-09-24", "2026-09-25",
            *["2026-09-26"] * 3, *["2026-09-27"] * 3]
    c.executemany("INSERT INTO visits VALUES ('SA', ?)", [[d] for d in week])
    c.execute("CREATE TABLE calls (store_id VARCHAR, date DATE)")
    c.execute("INSERT INTO calls VALUES ('SA', '2026-10-10'), ('SG', '2026-10-29')")
    c.execute("CREATE TABLE leads (lead_id VARCHAR, store_id VARCHAR, created DATE)")
    c.execute("INSERT INTO leads VALUES ('L1', 'SC', '2026-08-01'), ('L2', 'SD', '2026-09-30')")
    c.execute("CREATE TABLE followups (lead_id VARCHAR, date DATE)")
    c.execute("INSERT INTO followups VALUES ('L1', '2026-10-31')")
    c.execute("CREATE TABLE orders (store_id VARCHAR, order_date DATE, delivered DATE)")
    c.execute("INSERT INTO orders VALUES ('SB', '2026-10-20', '2026-11-02')")
    return c


def test_store_data_end_is_each_stores_own(con: duckdb.DuckDBPyConnection) -> None:
    assert store_data_end(con) == {
        "SA": date(2026, 10, 10), "SB": date(2026, 11, 2), "SC": date(2026, 10, 31),
        "SD": date(2026, 9, 30), "SE": None, "SG": date(2026, 10, 29)}
    assert store_data_start(con) == {
        "SA": date(2026, 9, 21), "SB": date(2026, 10, 20), "SC": date(2026, 8, 1),
        "SD": date(2026, 9, 30), "SE": None, "SG": date(2026, 10, 29)}


def test_history_incomplete_within_the_warmup() -> None:
    start = date(2025, 9, 14)  # first month 2025-09: 09, 10, 11 are the three warm-up months
    assert [history_incomplete(start, m, 3) for m in
            ("2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-10")] == [
        True, True, True, True, False, False]
    assert history_incomplete(None, "2026-10", 3)
    assert not history_incomplete(start, "2025-09", 0)


def test_weekday_weights_from_the_previous_months(con: duckdb.DuckDBPyConnection) -> None:
    assert weekday_weights(con, "2026-10").tolist() == [1, 1, 1, 1, 1, 3, 3]
    # no visit in 2026-06 … 2026-08: every day weighs the same
    assert weekday_weights(con, "2026-09").tolist() == [1] * 7


def test_month_elapsed_hand_counted(con: duckdb.DuckDBPyConnection) -> None:
    frame = month_elapsed(con, "2026-10").set_index("store_id")
    assert list(frame.columns) == ["data_end", "days_elapsed", "days_in_month",
                                   "elapsed_share", "complete"]
    # 2026-10-01 is a Thursday. Days 1–10: Thu Fri Sat Sun Mon Tue Wed Thu Fri Sat
    # = 1+1+3+3+1+1+1+1+1+3 = 16. Whole month: Thu/Fri/Sat five times, the rest four:
    # (4·3 + 5·2)·1 + 5·3 + 4·3 = 22 + 15 + 12 = 49.
    sa = frame.loc["SA"]
    assert (sa["data_end"], sa["days_elapsed"], sa["days_in_month"], sa["complete"]) == (
        date(2026, 10, 10), 10, 31, False)
    assert sa["elapsed_share"] == pytest.approx(16 / 49)
    for store, end in (("SB", date(2026, 11, 2)), ("SC", date(2026, 10, 31)),
                       ("SG", date(2026, 10, 29))):
        row = frame.loc[store]
        assert (row["data_end"], row["days_elapsed"], row["elapsed_share"], row["complete"]) \
            == (end, 31, 1.0, True)
    for store in ("SD", "SE"):
        row = frame.loc[store]
        assert row["data_end"] is None and row["days_elapsed"] == 0
        assert math.isnan(row["elapsed_share"]) and not row["complete"]


def test_month_before_the_data_end_is_complete(con: duckdb.DuckDBPyConnection) -> None:
    frame = month_elapsed(con, "2026-09").set_index("store_id")
    assert frame.loc["SD", "complete"] and frame.loc["SD", "elapsed_share"] == 1.0
    assert frame.loc["SA", "complete"] and frame.loc["SA", "days_elapsed"] == 30


def test_plain_day_share_without_weights() -> None:
    assert elapsed_share("2026-10", date(2026, 10, 10)) == pytest.approx(10 / 31)
    assert elapsed_share("2026-02", date(2026, 2, 14)) == pytest.approx(14 / 28)
    assert elapsed_share("2026-10", date(2026, 9, 30)) == 0.0
    assert elapsed_share("2026-10", date(2026, 10, 31)) == 1.0


def test_tiny_fixture_data_ends(tmp_path: Path) -> None:
    """tests/fixtures/tiny: S1's last date is O03's delivery 2026-10-08 (after visit V10
    10-01, lead L09 10-02, follow-up of L07 10-05); S2's is visit V23 2026-10-20."""
    from tests.conftest import TINY

    with open_warehouse(TINY, db_path=tmp_path / "w.duckdb") as wh:
        assert store_data_end(wh.con) == {"S1": date(2026, 10, 8), "S2": date(2026, 10, 20)}
        frame = month_elapsed(wh.con, "2026-10").set_index("store_id")
        assert frame["days_elapsed"].to_dict() == {"S1": 8, "S2": 20}
        assert not frame["complete"].any()
        assert month_elapsed(wh.con, "2026-09")["complete"].all()


def test_same_month_last_year_gives_the_day_profile() -> None:
    """The network's visits span 2025-09-30 … 2025-11-01, so 2025-10 is covered: 2026-10's
    days weigh 2025-10's visits by day of month — 6 on the 1st, 2 on the 20th, 0 else."""
    c = duckdb.connect(":memory:")
    c.execute("CREATE TABLE stores (store_id VARCHAR)")
    c.execute("INSERT INTO stores VALUES ('SX'), ('SY')")
    c.execute("CREATE TABLE visits (store_id VARCHAR, date DATE)")
    days = ["2025-09-30", *["2025-10-01"] * 6, *["2025-10-20"] * 2, "2025-11-01"]
    c.executemany("INSERT INTO visits VALUES ('SY', ?)", [[d] for d in days])
    c.execute("CREATE TABLE calls (store_id VARCHAR, date DATE)")
    c.execute("INSERT INTO calls VALUES ('SX', '2026-10-10'), ('SY', '2026-10-25')")
    c.execute("CREATE TABLE leads (lead_id VARCHAR, store_id VARCHAR, created DATE)")
    c.execute("CREATE TABLE followups (lead_id VARCHAR, date DATE)")
    c.execute("CREATE TABLE orders (store_id VARCHAR, order_date DATE, delivered DATE)")
    frame = month_elapsed(c, "2026-10").set_index("store_id")
    assert frame.loc["SX", "elapsed_share"] == pytest.approx(6 / 8)  # days 1–10: 6 of 8
    assert frame.loc["SY", "elapsed_share"] == 1.0  # days 1–25 hold all 8 ...
    assert not frame.loc["SY", "complete"]  # ... but the month is still not complete
    assert frame.loc["SX", "days_elapsed"] == 10
    assert month_elapsed(c, "2026-11")["elapsed_share"].isna().all()  # nobody's data reach it
