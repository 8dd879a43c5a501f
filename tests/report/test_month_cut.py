"""Issue 12.9, reproduced: the demo data cut at 2026-10-10 (every store, or one store only).

A month still running is not a month that failed: the report says up to which date the
store's own data run, paces month-to-date values before any comparison with whole months,
and raises no trend warning from the cut. The shares below are counted from the CSV files
here, independently of :mod:`kpi_lib.metrics.month_progress`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kpi_lib.analysis import forecast as fc
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.metrics.month_progress import store_month
from kpi_lib.paths import DEMO_DATA
from kpi_lib.report import store_month as rd
from kpi_lib.report import summary as rsum

CUT = "2026-10-10"


def cut_folder(src: Path, dst: Path, stores: list[str] | None = None) -> Path:
    """Copy the demo CSVs with the rows of ``stores`` (default: all) dated after CUT dropped:
    visits/calls by date, leads by created, follow-ups by date, orders by order date;
    deliveries and cancellations after the cut emptied; leads closed after the cut open
    again (status open, no status date, no lost reason / competitor)."""
    dst.mkdir(parents=True)
    con = duckdb.connect()
    mine = "TRUE" if stores is None else "store_id IN ({})".format(
        ", ".join(f"'{s}'" for s in stores))
    fu_mine = "TRUE" if stores is None else "substr(lead_id, 1, 4) IN ({})".format(
        ", ".join(f"'{s}'" for s in stores))
    late = f"({mine} AND status_date > '{CUT}')"
    queries = {
        "visits": f"SELECT * FROM t WHERE NOT ({mine} AND date > '{CUT}')",
        "calls": f"SELECT * FROM t WHERE NOT ({mine} AND date > '{CUT}')",
        "followups": f"SELECT * FROM t WHERE NOT ({fu_mine} AND date > '{CUT}')",
        "leads": f"""SELECT * REPLACE (
                        CASE WHEN {late} THEN 'open' ELSE status END AS status,
                        CASE WHEN {late} THEN NULL ELSE status_date END AS status_date,
                        CASE WHEN {late} THEN NULL ELSE lost_reason END AS lost_reason,
                        CASE WHEN {late} THEN NULL ELSE competitor END AS competitor)
                     FROM t WHERE NOT ({mine} AND created > '{CUT}')""",
        "orders": f"""SELECT * REPLACE (
                        CASE WHEN {mine} AND delivered > '{CUT}' THEN NULL
                             ELSE delivered END AS delivered,
                        CASE WHEN {mine} AND cancelled > '{CUT}' THEN NULL
                             ELSE cancelled END AS cancelled)
                      FROM t WHERE NOT ({mine} AND order_date > '{CUT}')""",
    }
    for csv in sorted(src.glob("*.csv")):
        query = queries.get(csv.stem, "SELECT * FROM t")
        con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{csv}', "
                    "all_varchar = true, header = true)")
        con.execute(f"COPY ({query}) TO '{dst / csv.name}' (HEADER, DELIMITER ',')")
    return dst


def _demo() -> Path:
    if not (DEMO_DATA / "stores.csv").exists():
        pytest.skip("demo data missing: run python -m kpi_lib demo")
    return DEMO_DATA


def _weekday_share(visits: pd.DataFrame) -> float:
    """Rule 2 by hand: network visits per calendar day of each weekday over 2026-07-01 …
    2026-09-30, then the share of October's weight on 1–10 October."""
    days = pd.to_datetime(visits["date"])
    window = days[(days >= "2026-07-01") & (days < "2026-10-01")]
    span = pd.date_range(window.min(), window.max())
    weight = (window.dt.day_of_week.value_counts().sort_index()
              / pd.Series(span.day_of_week).value_counts().sort_index())
    october = pd.date_range("2026-10-01", "2026-10-31")
    w = pd.Series(october.day_of_week).map(weight)
    return float(w[:10].sum() / w.sum())


@pytest.fixture(scope="module")
def all_cut(tmp_path_factory) -> Path:
    return cut_folder(_demo(), tmp_path_factory.mktemp("cut") / "data")


def test_every_table_cut_s008(all_cut: Path):
    sm = rd.load_store_month("S008", "2026-10", "zh", all_cut)
    visits = pd.read_csv(all_cut / "visits.csv", usecols=["store_id", "date"])
    # rule 1 by hand: the network's visits of 2025-10 on its days 1–10 over the month
    ly = visits[visits["date"].str.startswith("2025-10")]
    share = (ly["date"] <= "2025-10-10").sum() / len(ly)
    assert share == pytest.approx(11452 / 24900)
    assert sm.progress["data_end"] == date(2026, 10, 10) and not sm.progress["complete"]
    assert sm.share == pytest.approx(share)

    header = rd.header_markdown(sm)
    assert "**本月数据截至 2026-10-10（月中，已过 10/31 天，约占全月正常客流的 46.0%）**" in header

    lines = rsum.summary_markdown(sm).splitlines()
    # a finding may lead only on paced numbers (checked for the cost rise below)
    assert not any("350.7" in line or "290,698" in line for line in lines)
    # orders: 50 up to 10-10 against 71 in September; paced with the orders' share, which
    # falls back to the weekday rule (the orders of 2025-10 are in the data's warm-up)
    orders_share = _weekday_share(visits)
    assert sm.progress["share_orders"] == pytest.approx(orders_share)
    paced = 50 / orders_share
    orders_line = next(line for line in lines if "本月订单" in line)
    assert orders_line.startswith("- 截至 2026-10-10 本月订单 50 张（月中，已过 10/31 天；"
                                  f"按进度折算约 {round(paced)} 张")
    assert "-29.6%" not in "\n".join(lines)  # 50 against 71 as if October were complete
    assert "-54" not in "\n".join(lines)

    # cost per visit: S008 is the demo's rising-cost store (Jul ¥83.3, Aug ¥96.6, Sep
    # ¥134.2, Oct ¥170.2 on the full data). Cut, a finding may stand only on October's
    # visits paced before the whole month's spend is divided by them (¥161.3, marked), never
    # on the month-to-date ¥350.7 per visit nor its (¥350.7 − ¥83.3) × 1,087 = ¥290,698.
    spend = pd.read_csv(all_cut / "marketing.csv").query("store_id == 'S008'")
    spend = spend.groupby("month")["spend"].sum()
    mine = visits[visits["store_id"] == "S008"]
    oct_visits = mine["date"].str.startswith("2026-10").sum()
    assert (spend["2026-10"], oct_visits) == (381200, 1087)
    for f in (f for f in sm.findings if f.rule_id == "cost_per_visit_rising"):
        assert f.evidence[-1]["detail"] == "2026-10（按进度折算）"
        assert f.evidence[-1]["value"] == pytest.approx(381200 / (1087 / share))  # ¥161.3
        assert "290,698" not in f.impact_text
    assert "350.7" not in "\n".join(lines)

    # no trend warning from the cut; the growth checks say the month is not complete
    assert all(a.months[-1] != "2026-10" for a in sm.trends.alerts)
    assert all(g.partial and not g.flagged for g in sm.trends.growth)
    pacing = fc.pacing_markdown(sm.forecast.pacing, "2026-10", "zh")
    assert "数据完整" not in pacing and pacing.startswith("截至 2026-10-10，本月已交车 31 台")


def test_only_one_store_stops_early(tmp_path: Path):
    folder = cut_folder(_demo(), tmp_path / "data", stores=["S005"])
    sm = rd.load_store_month("S005", "2026-10", "zh", folder)
    assert sm.progress["data_end"] == date(2026, 10, 10)
    header = rd.header_markdown(sm)
    assert "本月数据截至 2026-10-10（月中，已过 10/31 天" in header
    assert "数据完整" not in header
    pacing = fc.pacing_markdown(sm.forecast.pacing, "2026-10", "zh")
    assert "数据完整（截至 2026-10-31）" not in pacing and "截至 2026-10-10" in pacing
    assert "截至 2026-10-10 本月订单" in rsum.summary_markdown(sm)
    with open_warehouse(folder) as wh:  # the other stores' data still run to 10-31
        other = store_month(wh.con, "S001", "2026-10")
        assert other["complete"] and other["data_end"] == date(2026, 10, 31)
        assert fc.load_forecast(wh.con, "S001", "2026-10").pacing.status == "complete"
