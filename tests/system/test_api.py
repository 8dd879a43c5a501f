"""The public API (kpi_lib/__init__.py) and its helpers (kpi_lib/explore.py).

Expected values are the hand counts of tests/fixtures/tiny/README.md (2026-09).
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import kpi_lib
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.metrics.comparison import VERDICTS, compare_month
from kpi_lib.metrics.cube import compute_cube
from kpi_lib.metrics.registry import REGISTRY
from kpi_lib.report import explore

NO_DATA, ZERO = "no_data", "zero_denominator"


def _at(cube: pd.DataFrame, store: str, metric: str) -> pd.Series:
    return cube.set_index(["store_id", "metric"]).loc[(store, metric)]


@pytest.fixture()
def tiny(tiny_data: Path) -> Path:
    return tiny_data


def test_cube_is_the_hand_counted_cube(tiny):
    cube = kpi_lib.cube("2026-09", tiny)
    assert len(cube) == 2 * len(REGISTRY)
    assert _at(cube, "S1", "visits")["value"] == 8
    assert _at(cube, "S1", "test_drive_rate")[["numerator", "denominator", "value"]].tolist() \
        == [4, 8, 0.5]
    assert _at(cube, "S1", "lost_rate")["value"] == pytest.approx(2 / 7)
    assert _at(cube, "S2", "ad_spend")["na_reason"] == NO_DATA
    assert _at(cube, "S2", "lead_capture_rate")["na_reason"] == ZERO
    assert _at(cube, "S2", "target_completion")["value"] == pytest.approx(0.4)
    with open_warehouse(tiny) as wh:
        pd.testing.assert_frame_equal(cube, compute_cube(wh.con, "2026-09",
                                                         metrics=list(REGISTRY)))
    only_s2 = kpi_lib.cube(["2026-09", "2026-10"], tiny, stores=["S2"])
    assert set(only_s2["store_id"]) == {"S2"} and set(only_s2["month"]) == {"2026-09", "2026-10"}


def test_declared_kpis_are_computed_for_every_store(tiny):
    invited = kpi_lib.declare("invited_share", en="Invited-visit share",
                              numerator="invited_visits", denominator="visits")
    # test drives of visitors who came before: S1 V05 only (V02 V03 V08 are first visits)
    repeat_td = kpi_lib.declare(
        "repeat_test_drives", en="Repeat-visit test drives",
        measure=kpi_lib.Measure("visits", "in_month", "date", "test_drive AND NOT first_visit"))
    repeat_td_rate = kpi_lib.declare("repeat_test_drive_rate", en="Repeat test-drive rate",
                                     numerator="repeat_test_drives",
                                     denominator="repeat_visits", known=(repeat_td,))
    extra = [invited, repeat_td, repeat_td_rate]
    cube = kpi_lib.cube("2026-09", tiny, extra=extra)
    assert len(cube) == 2 * (len(REGISTRY) + 3)
    assert list(cube["metric"][len(REGISTRY):len(REGISTRY) + 3]) == [m.id for m in extra]
    assert _at(cube, "S1", "invited_share")[["numerator", "denominator"]].tolist() == [3, 8]
    assert _at(cube, "S1", "invited_share")["value"] == 3 / 8
    assert _at(cube, "S2", "invited_share")["na_reason"] == ZERO  # no visits
    assert _at(cube, "S1", "repeat_test_drives")["value"] == 1
    assert _at(cube, "S2", "repeat_test_drives")["value"] == 0
    assert _at(cube, "S1", "repeat_test_drive_rate")["value"] == pytest.approx(1 / 3)
    # the registry's own rows are unchanged by the extras
    plain = kpi_lib.cube("2026-09", tiny)
    pd.testing.assert_frame_equal(
        cube[~cube["metric"].isin([m.id for m in extra])].reset_index(drop=True), plain)
    assert "invited_share" not in REGISTRY


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"numerator": "visits", "denominator": "visit"}, "unknown metric id 'visit'"),
    ({"numerator": "test_drive_rate", "denominator": "visits"}, "is a ratio"),
    ({"measure": kpi_lib.Measure("visits", "in_month", "date", requires=("colour",))},
     "no column 'colour'"),
    ({"measure": kpi_lib.Measure("cars", "in_month", "date")}, "unknown table 'cars'"),
    ({}, "either a measure or"),
    ({"numerator": "visits", "denominator": "calls", "unit": "percent"}, "unit 'percent'"),
])
def test_declare_refuses_what_cannot_be_computed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kpi_lib.declare("new_kpi", en="New", **kwargs)
    with pytest.raises(ValueError, match="taken"):
        kpi_lib.declare("visits", en="Visits", numerator="calls", denominator="visits")


def test_sql_and_open_warehouse_read_the_given_folder(tiny):
    got = kpi_lib.sql("SELECT store_id, count(*) AS n FROM visits WHERE date >= $start "
                      "AND date < $end GROUP BY store_id", tiny,
                      start=pd.Timestamp("2026-09-01").date(),
                      end=pd.Timestamp("2026-10-01").date())
    assert got.to_dict("records") == [{"store_id": "S1", "n": 8}]  # V02–V09; S2 none
    with kpi_lib.open_warehouse(tiny) as wh:
        assert wh.issues == []


def test_region_cube_pools_sums_of_parts():
    cube = pd.DataFrame({
        "store_id": ["S1", "S1", "S1", "S2", "S2", "S2"], "month": ["2026-09"] * 6,
        "metric": ["visits", "visit_capture_rate", "cost_per_visit"] * 2,
        "numerator": [8, 6, 32000, 0, 0, float("nan")],
        "denominator": [float("nan"), 8, 8, float("nan"), 0, 0],
        "value": [8, 0.75, 4000, 0, float("nan"), float("nan")],
        "na_reason": [None, None, None, None, ZERO, NO_DATA]})
    stores = pd.DataFrame({"store_id": ["S1", "S2"], "region": ["R", "R"]})
    got = explore.region_cube(cube, stores).set_index("metric")
    assert set(got["store_id"]) == {"R"}
    assert got.loc["visits", "value"] == 8
    assert got.loc["visit_capture_rate", ["numerator", "denominator", "value"]].tolist() \
        == [6, 8, 0.75]  # S2's 0/0 adds nothing
    assert got.loc["cost_per_visit", "value"] == 4000  # S2 has no spend row: left out
    alone = explore.region_cube(cube[cube["store_id"] == "S2"], stores).set_index("metric")
    assert alone.loc["visit_capture_rate", "na_reason"] == ZERO
    assert alone.loc["cost_per_visit", "na_reason"] == NO_DATA


def test_compare_stores_is_the_reports_table_for_the_chosen_stores():
    rows = kpi_lib.compare_stores("2026-10", ["S001", "S003"])
    with kpi_lib.open_warehouse() as wh:  # what load_store_month keeps as sm.network
        network = compare_month(wh.con, "2026-10")
    mine = network[network["store_id"].isin(["S001", "S003"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows, mine)
    shown = kpi_lib.verdict_frame(rows, ["test_drive_rate"], "zh")
    assert list(shown["门店"]) == ["S001", "S003"]
    s003 = shown.iloc[1]
    assert s003["判断"] == "明显差于基准 ▼▼"  # the demo's planted test-drive defect
    row = rows.set_index(["store_id", "metric"]).loc[("S003", "test_drive_rate")]
    assert s003["95%区间"] == f"{row['ci_low']:.1%}\u2060–\u2060{row['ci_high']:.1%}"
    assert s003["基准"].startswith(f"{row['benchmark']:.1%} (")  # value, then its scope
    english = kpi_lib.verdict_frame(rows, ["visits", "cost_per_visit"], "en")
    assert list(english.columns) == ["Store", "KPI", "This month", "95% interval",
                                     "Benchmark", "Verdict", "Gap to benchmark"]
    assert list(english["Store"]) == ["S001", "S003", "S001", "S003"]
    assert set(english["KPI"]) == {"Showroom visits (batches)", "Cost per visit"}


def test_compare_regions_tests_each_region_against_the_network():
    rows = kpi_lib.compare_regions("2026-10")
    cube = kpi_lib.cube("2026-10")
    stores = kpi_lib.sql("SELECT store_id, region FROM stores")
    td = cube[cube["metric"] == "test_drive_rate"].merge(stores, on="store_id")
    for region, part in td.groupby("region"):
        got = rows.set_index(["store_id", "metric"]).loc[(region, "test_drive_rate")]
        assert got["numerator"] == part["numerator"].sum()
        assert got["denominator"] == part["denominator"].sum()
        # the report's Wilson 95% interval, computed here independently
        low, high = proportion_confint(part["numerator"].sum(), part["denominator"].sum(),
                                       alpha=0.05, method="wilson")
        assert (got["ci_low"], got["ci_high"]) == (pytest.approx(low), pytest.approx(high))
        assert got["benchmark"] == got[got["benchmark_scope"]]  # one of the report's scopes
        assert got["verdict"] in VERDICTS
    assert set(kpi_lib.compare_regions("2026-10", ["华东"])["store_id"]) == {"华东"}


def test_to_excel_writes_every_sheet_atomically(tmp_path):
    frame = pd.DataFrame({"store": ["S1", "S2"], "share": [0.375, float("nan")]})
    out = kpi_lib.to_excel({"invited": frame, "wide": frame.set_index("store")},
                           tmp_path / "x" / "kpis.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["invited", "wide"]
    assert [c.value for c in book["invited"]["B"]] == ["share", 0.375, None]
    assert [c.value for c in book["wide"]["A"]] == ["store", "S1", "S2"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["kpis.xlsx"]  # no temp files


def test_wide_is_store_by_metric(tiny):
    table = kpi_lib.wide(kpi_lib.cube("2026-09", tiny), ["visits", "test_drive_rate"])
    expected = pd.DataFrame({"visits": [8.0, 0.0], "test_drive_rate": [0.5, float("nan")]},
                            index=pd.Index(["S1", "S2"], name="store_id"))
    pd.testing.assert_frame_equal(table, expected)  # S2: no visits, so no rate
    months = kpi_lib.wide(kpi_lib.cube(["2026-09", "2026-10"], tiny), ["deliveries"])
    assert months["deliveries"].to_dict() == {("S1", "2026-09"): 4, ("S1", "2026-10"): 1,
                                              ("S2", "2026-09"): 2, ("S2", "2026-10"): 0}


def test_no_api_name_hides_a_submodule():
    modules = {m.name for m in pkgutil.iter_modules(kpi_lib.__path__)}
    for name in kpi_lib.__all__:
        value = getattr(kpi_lib, name)
        if name in modules:  # served as the module itself, never as something else
            assert value is importlib.import_module(f"kpi_lib.{name}")
        else:
            assert value is not None
    assert "paths" in modules and "compare" not in kpi_lib.__all__
    assert kpi_lib.plots is importlib.import_module("kpi_lib.report.plots")


def test_importing_kpi_lib_stays_light():
    code = "import sys, kpi_lib; print(sorted(m for m in ('pandas', 'duckdb', 'numpy') " \
           "if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
