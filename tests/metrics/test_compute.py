"""The KPI cube and the CSV export against the hand-counted tiny fixture.

Every expected number is derived row by row in ``tests/fixtures/tiny/README.md``.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpi_lib.errors import KpiError, ParameterError
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.metrics.cube import ON_DEMAND, compute_cube, grain_cube
from kpi_lib.metrics.months import month_bounds, previous_month
from kpi_lib.metrics.registry import REFERENCE_IDS, REGISTRY
from kpi_lib.run import kpis_export

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
NO_DATA, ZERO = "no_data", "zero_denominator"

#: (store, month) -> metric -> value, or the n/a reason (a string).
EXPECTED: dict[tuple[str, str], dict[str, float | str]] = {
    ("S1", "2026-09"): {
        "ad_spend": 32000, "visits": 8, "first_visits": 5,
        # contract v2: new leads L05 L06 L07 L10 / visits V02–V09; the register flag
        # (V02 V03 V05 V06 V08 V09) is visit_capture_rate
        "lead_capture_rate": 4 / 8, "visit_capture_rate": 6 / 8,
        "test_drives": 4, "test_drive_rate": 0.5, "negotiation_rate": 0.75, "calls": 3,
        "cost_per_visit": 4000, "new_leads": 4, "carried_leads": 3, "orders": 5,
        "cancellations": 1, "orders_new_leads": 1, "orders_carried_leads": 2,
        "conversion_b": 0.25, "conversion_a": 2 / 3, "showroom_close_rate": 0.25,
        "cost_per_order": 6400, "carried_orders": 2, "deliveries": 4,
        "delivery_conversion": 4 / 7,
        "deliveries_walk_in": 2, "deliveries_fleet": 1, "deliveries_existing_customer": 0,
        "deliveries_outdoor": 0, "deliveries_secondary_outlet": 1, "deliveries_other": 0,
        "delivery_share_walk_in": 0.5, "delivery_share_fleet": 0.25,
        "delivery_share_existing_customer": 0, "delivery_share_outdoor": 0,
        "delivery_share_secondary_outlet": 0.25, "delivery_share_other": 0,
        "trade_in_share": 0.25, "target_completion": 0.5, "avg_deal_value": 135000,
        "collection_rate": 17 / 18, "insurance_rate": 0.75, "call_3d_rate": 0.5,
        "referral_rate": 0.25, "lost_rate": 2 / 7,
        # extras
        "repeat_visit_share": 3 / 8, "cost_per_lead": 8000, "ceremony_rate": 0.5,
        "letter_7d_rate": 0.5, "invited_visits": 3, "target_units": 8,
    },
    ("S2", "2026-09"): {
        "ad_spend": NO_DATA, "visits": 0, "first_visits": 0, "lead_capture_rate": ZERO,
        "visit_capture_rate": ZERO,
        "test_drives": 0, "test_drive_rate": ZERO, "negotiation_rate": ZERO, "calls": 1,
        "cost_per_visit": NO_DATA, "new_leads": 1, "carried_leads": 1, "orders": 2,
        "cancellations": 0, "orders_new_leads": 1, "orders_carried_leads": 0,
        "conversion_b": 1, "conversion_a": 0, "showroom_close_rate": ZERO,
        "cost_per_order": NO_DATA, "carried_orders": 0, "deliveries": 2,
        "delivery_conversion": 1,
        "deliveries_walk_in": 0, "deliveries_fleet": 1, "deliveries_existing_customer": 1,
        "deliveries_outdoor": 0, "deliveries_secondary_outlet": 0, "deliveries_other": 0,
        "delivery_share_walk_in": 0, "delivery_share_fleet": 0.5,
        "delivery_share_existing_customer": 0.5, "delivery_share_outdoor": 0,
        "delivery_share_secondary_outlet": 0, "delivery_share_other": 0,
        "trade_in_share": 0.5, "target_completion": 0.4, "avg_deal_value": 102500,
        "collection_rate": 39 / 41, "insurance_rate": 0.5, "call_3d_rate": 0.5,
        "referral_rate": 0.5, "lost_rate": 0,
        "cost_per_lead": NO_DATA, "target_units": 5,
    },
    ("S1", "2026-10"): {
        "carried_leads": 3, "new_leads": 1, "orders": 0, "cancellations": 1,
        "carried_orders": 2, "deliveries": 1, "delivery_conversion": 0.5,
        "deliveries_existing_customer": 1, "delivery_share_existing_customer": 1,
        "ad_spend": 25000, "cost_per_visit": 25000, "cost_per_order": ZERO,
        "target_completion": ZERO, "avg_deal_value": 120000,
        "lead_capture_rate": 1 / 1, "visit_capture_rate": 1 / 1,  # L09 / V10; V10 flagged
    },
    ("S2", "2026-10"): {
        "carried_leads": 1, "new_leads": 0, "deliveries": 0, "delivery_conversion": ZERO,
        "ad_spend": 0, "cost_per_visit": 0, "cost_per_order": ZERO,
        "target_completion": NO_DATA, "avg_deal_value": ZERO, "delivery_share_fleet": ZERO,
        # no new lead over V22 V23; of the two visits only V23 kept details: the two
        # capture KPIs part ways
        "visits": 2, "lead_capture_rate": 0 / 2, "visit_capture_rate": 1 / 2,
    },
}

CASES = [(s, m, metric, exp) for (s, m), d in EXPECTED.items() for metric, exp in d.items()]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    wh = open_warehouse(TINY, db_path=tmp_path_factory.mktemp("wh") / "w.duckdb")
    assert wh.issues == [], "the tiny fixture is clean"
    yield wh.con
    wh.close()


@pytest.fixture(scope="module")
def cube(con):
    frame = compute_cube(con, ["2026-08", "2026-09", "2026-10"], metrics=list(REGISTRY))
    return frame.set_index(["store_id", "month", "metric"])


def test_september_covers_every_reference_metric():
    for store in ("S1", "S2"):
        assert set(REFERENCE_IDS) <= set(EXPECTED[(store, "2026-09")])


@pytest.mark.parametrize(("store", "month", "metric", "expected"), CASES,
                         ids=[f"{s}-{m}-{x}" for s, m, x, _ in CASES])
def test_hand_counted_value(cube, store, month, metric, expected):
    row = cube.loc[(store, month, metric)]
    if isinstance(expected, str):
        assert pd.isna(row["value"])
        assert row["na_reason"] == expected
    else:
        assert row["value"] == pytest.approx(expected, rel=1e-12)
        assert row["na_reason"] is None


def test_cube_shape_and_conventions(cube):
    flat = cube.reset_index()
    assert list(flat.columns) == ["store_id", "month", "metric", "numerator", "denominator",
                                  "value", "na_reason"]
    assert len(flat) == 2 * 3 * len(REGISTRY)
    assert not flat.duplicated(["store_id", "month", "metric"]).any()
    assert list(flat["metric"][: len(REGISTRY)]) == list(REGISTRY)
    assert set(flat["na_reason"].dropna()) <= {NO_DATA, ZERO}
    base = flat[flat["metric"].map(lambda m: REGISTRY[m].type != "ratio")]
    assert base["denominator"].isna().all()
    known = base[base["na_reason"].isna()]
    assert (known["numerator"] == known["value"]).all()
    ratio = cube.loc[("S1", "2026-09", "delivery_conversion")]
    assert (ratio["numerator"], ratio["denominator"]) == (4, 7)
    zero = cube.loc[("S2", "2026-09", "lead_capture_rate")]
    assert (zero["numerator"], zero["denominator"]) == (1, 0)  # L22, no visit
    zero = cube.loc[("S2", "2026-09", "visit_capture_rate")]
    assert (zero["numerator"], zero["denominator"]) == (0, 0)


def test_multi_month_equals_single_months(con):
    months = ["2026-08", "2026-09", "2026-10"]
    together = compute_cube(con, months)
    apart = pd.concat([compute_cube(con, m) for m in months])
    apart = apart.sort_values(["store_id", "month"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(together, apart)


def test_store_filter(con):
    everyone = compute_cube(con, "2026-09")
    s2 = compute_cube(con, "2026-09", stores=["S2"])
    assert set(s2["store_id"]) == {"S2"}
    pd.testing.assert_frame_equal(
        s2, everyone[everyone["store_id"] == "S2"].reset_index(drop=True))
    assert compute_cube(con, "2026-09", stores=["nope"]).empty


def test_remembered_network_cube_gives_the_same_store_rows(con, monkeypatch):
    from kpi_lib.metrics import cube as compute
    from kpi_lib.metrics import network_cache

    months = ["2026-09", "2026-10"]
    direct = compute_cube(con, months, stores=["S1"])
    monkeypatch.setattr(network_cache, "_FRAMES", {})  # the cache on, for this test
    assert compute_cube(con, months, stores=["S1"]).equals(direct)
    # the second store comes from the remembered cube: no query at all
    monkeypatch.setattr(compute, "cube_sql", lambda *a, **k: pytest.fail("queried again"))
    s2 = compute_cube(con, months, stores=["S2"])
    assert s2.set_index(["month", "metric"]).loc[("2026-10", "carried_leads"), "value"] == 1
    assert s2.set_index(["month", "metric"]).loc[("2026-10", "deliveries"), "value"] == 0
    assert set(s2["store_id"]) == {"S2"}


def test_month_outside_the_data_gives_zeros_and_na(con):
    cube = compute_cube(con, "2030-01").set_index(["store_id", "metric"])
    assert cube.loc[("S1", "visits"), "value"] == 0
    assert cube.loc[("S1", "ad_spend"), "na_reason"] == NO_DATA
    assert cube.loc[("S1", "carried_leads"), "value"] == 3  # L01, L06, L09 still open
    assert cube.loc[("S1", "lead_capture_rate"), "na_reason"] == ZERO


def test_bad_month_is_a_parameter_error(con):
    for bad in ("2026-13", "2026-9", "202609", ""):
        with pytest.raises(ParameterError, match="YYYY-MM"):
            compute_cube(con, bad)
    with pytest.raises(ParameterError):
        compute_cube(con, [])


def test_month_helpers():
    assert month_bounds("2026-09") == (date(2026, 9, 1), date(2026, 10, 1))
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    assert previous_month("2026-01") == "2025-12"
    assert previous_month("2026-10", 12) == "2025-10"
    assert previous_month("2026-10", -3) == "2027-01"
    with pytest.raises(ParameterError):
        previous_month("26-10")


# --- absent optional columns and tables ---------------------------------------------

def _cube_of(make_warehouse, tables: dict[str, str | None],
             drop: dict[str, list[str]] | None = None, month: str = "2026-09") -> pd.DataFrame:
    """The cube of the fixture's tables, some without some columns or absent (None)."""
    with make_warehouse(tables, drop=drop) as wh:
        assert wh.issues == []
        return compute_cube(wh.con, month).set_index(["store_id", "metric"])


def test_absent_negotiated_column_is_no_data(make_warehouse, tiny_tables):
    cube = _cube_of(make_warehouse, tiny_tables, drop={"visits": ["negotiated"]})
    for store in ("S1", "S2"):
        assert cube.loc[(store, "negotiation_rate"), "na_reason"] == NO_DATA
        assert pd.isna(cube.loc[(store, "negotiation_rate"), "value"])
    assert cube.loc[("S1", "test_drive_rate"), "value"] == 0.5  # the rest is unchanged


def test_absent_optional_order_columns_are_no_data(make_warehouse, tiny_tables):
    cube = _cube_of(make_warehouse, tiny_tables,
                    drop={"orders": ["delivered", "cancelled", "insurance"]})
    for metric in ("deliveries", "delivery_conversion", "carried_orders", "cancellations",
                   "insurance_rate", "delivery_share_walk_in", "target_completion"):
        assert cube.loc[("S1", metric), "na_reason"] == NO_DATA, metric
    assert cube.loc[("S1", "orders"), "value"] == 5


def test_absent_tables_are_no_data(make_warehouse, tiny_tables):
    cube = _cube_of(make_warehouse, {**tiny_tables, "marketing": None, "targets": None})
    for metric in ("ad_spend", "cost_per_visit", "cost_per_order", "target_completion"):
        assert (cube.loc[(slice(None), metric), "na_reason"] == NO_DATA).all(), metric
    assert cube.loc[("S1", "visits"), "value"] == 8


# --- the CSV export ------------------------------------------------------------------

@pytest.fixture
def data_copy(tiny_data):
    return tiny_data  # a writable copy of the fixture (conftest.py)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_export_csv_format(data_copy, tmp_path):
    out = tmp_path / "out" / "kpis.csv"
    assert kpis_export.export_kpis(data_copy, "2026-09", out) == []
    assert out.read_text(encoding="utf-8").splitlines()[0] == (
        "store_id,metric,numerator,denominator,value")
    rows = _read(out)
    assert len(rows) == 2 * len(REGISTRY)
    got = {(r["store_id"], r["metric"]): r for r in rows}
    assert got[("S1", "visits")] == {"store_id": "S1", "metric": "visits", "numerator": "8",
                                     "denominator": "", "value": "8"}
    assert got[("S1", "lost_rate")]["numerator"] == "2"
    assert got[("S1", "lost_rate")]["denominator"] == "7"
    assert float(got[("S1", "lost_rate")]["value"]) == 2 / 7  # full precision
    assert got[("S2", "ad_spend")]["value"] == "" and got[("S2", "ad_spend")]["numerator"] == ""
    assert got[("S2", "lead_capture_rate")]["value"] == ""
    assert got[("S2", "lead_capture_rate")]["denominator"] == "0"
    for metric, expected in EXPECTED[("S1", "2026-09")].items():
        cell = got[("S1", metric)]
        if isinstance(expected, str):
            assert cell["value"] == ""
        else:
            assert float(cell["value"]) == pytest.approx(expected, rel=1e-12)
    assert sorted(p.name for p in out.parent.iterdir()) == ["kpis.csv"]


def test_failed_export_leaves_existing_file(data_copy, tmp_path, monkeypatch):
    out = tmp_path / "kpis.csv"
    out.write_text("previous run\n", encoding="utf-8")

    def broken_cube(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(kpis_export, "compute_cube", broken_cube)
    with pytest.raises(RuntimeError):
        kpis_export.export_kpis(data_copy, "2026-09", out)
    assert out.read_text(encoding="utf-8") == "previous run\n"
    monkeypatch.undo()

    real_to_csv = pd.DataFrame.to_csv

    def half_written(self, fh, **kwargs):
        real_to_csv(self.head(3), fh, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_written)
    # one plain line (issue 14.9), the previous file kept
    with pytest.raises(KpiError, match=r"cannot write .*kpis.csv: disk full; an existing "
                                       r"file is left as it was"):
        kpis_export.export_kpis(data_copy, "2026-09", out)
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "kpis.csv"]


def test_failed_export_creates_no_file(data_copy, tmp_path, monkeypatch):
    out = tmp_path / "new.csv"
    monkeypatch.setattr(kpis_export.os, "replace", lambda *a: (_ for _ in ()).throw(
        OSError("rename failed")))
    with pytest.raises(KpiError, match="rename failed"):
        kpis_export.export_kpis(data_copy, "2026-09", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_strict_export_with_quarantined_rows(data_copy, tmp_path):
    with (data_copy / "visits.csv").open("a", encoding="utf-8") as fh:
        fh.write("V99,S1,2026-09-31,10:00,10:30,C11,,true,网络,A6,true,false,false,false\n")
    out = tmp_path / "strict.csv"
    with pytest.raises(KpiError, match="quarantined"):
        kpis_export.export_kpis(data_copy, "2026-09", out, strict=True)
    assert not out.exists()
    issues = kpis_export.export_kpis(data_copy, "2026-09", out)
    assert [(i.file, i.row, i.column) for i in issues] == [("visits.csv", 14, "date")]
    visits = [r["value"] for r in _read(out) if (r["store_id"], r["metric"]) == ("S1", "visits")]
    assert visits == ["8"]  # the quarantined row is not counted


# --------------------------------------------------------------------------- grains


def _at(cube: pd.DataFrame, by: str, store: str, unit: str, metric: str) -> pd.Series:
    hit = cube[(cube["store_id"] == store) & (cube[by] == unit) & (cube["metric"] == metric)]
    assert len(hit) == 1, (store, unit, metric)
    return hit.iloc[0]


def test_registry_kpis_by_consultant_from_the_same_engine(con):
    """S1, September, by visits.csv's consultant_id: C11 V02 V05 V06 V08 (test drives
    V02 V05 V08), C12 V03 V04 V07 V09 (test drive V03); targets.csv: C11 5, C12 4."""
    cube = grain_cube(con, "2026-09", "consultant")
    assert list(cube.columns[:3]) == ["store_id", "consultant", "month"]
    for unit, visits, drives, target in (("C11", 4, 3, 5), ("C12", 4, 1, 4)):
        assert _at(cube, "consultant", "S1", unit, "visits")["value"] == visits
        rate = _at(cube, "consultant", "S1", unit, "test_drive_rate")
        assert (rate["numerator"], rate["denominator"]) == (drives, visits)
        assert rate["value"] == pytest.approx(drives / visits)
        assert _at(cube, "consultant", "S1", unit, "target_units")["value"] == target
    # the consultants add up to the store's own cube
    store = compute_cube(con, "2026-09", ["S1"]).set_index("metric")["value"]
    mine = cube[(cube["store_id"] == "S1") & cube["metric"].isin(["visits", "test_drives"])]
    assert mine.groupby("metric")["value"].sum().to_dict() == {
        "test_drives": store["test_drives"], "visits": store["visits"]}
    # spend has no consultant: n/a with its reason, never 0
    spend = _at(cube, "consultant", "S1", "C11", "cost_per_visit")
    assert pd.isna(spend["value"]) and spend["na_reason"] == "not_at_grain"


def test_registry_kpis_by_source(con):
    """S1, September: visits 网络 V02 V05 V08 V09, 路过 V04 V07, 朋友介绍 V03, 车展 V06; new
    leads 网络 L07 L10, 朋友介绍 L05, 车展 L06."""
    cube = grain_cube(con, "2026-09", "source")
    expected = {"网络": (4, 2), "路过": (2, 0), "朋友介绍": (1, 1), "车展": (1, 1)}
    for unit, (visits, leads) in expected.items():
        assert _at(cube, "source", "S1", unit, "visits")["value"] == visits
        assert _at(cube, "source", "S1", unit, "new_leads")["value"] == leads
    assert _at(cube, "source", "S1", "路过", "visit_capture_rate")["value"] == 0  # 0 / 2
    with pytest.raises(ParameterError, match="unknown grain 'region'"):
        grain_cube(con, "2026-09", "region")


def test_ad_spend_by_channel(con):
    """marketing.csv: S1 September 网络 20,000 + 车展 12,000; a channel without a row in a
    month has no row in the grain cube (never a 0); S2's explicit October 0 stays 0."""
    cube = grain_cube(con, ["2026-09", "2026-10"], "channel")
    spend = cube[cube["metric"] == "ad_spend"].set_index(["store_id", "channel", "month"])
    assert spend.loc[("S1", "网络", "2026-09"), "value"] == 20000
    assert spend.loc[("S1", "车展", "2026-09"), "value"] == 12000
    assert ("S1", "车展", "2026-10") not in spend.index
    assert spend.loc[("S2", "网络", "2026-10"), "value"] == 0
    assert ("S2", "网络", "2026-09") not in spend.index
    visits = cube[cube["metric"] == "visits"]
    assert set(visits["na_reason"]) == {"not_at_grain"}  # visits have no ad channel


def test_new_leads_ordering_in_their_month(con, cube):
    """S1, September: new leads L05 L06 (C11), L07 L10 (C12); orders dated in September
    with a lead: O02 (L04, created in August), O03 (L05), O05 (L01, July) → only L05 is a
    new lead with an order in its month: 1 / 4. S2: L22 with O21 → 1 / 1."""
    assert cube.loc[("S1", "2026-09", "new_leads_ordered"), "value"] == 1
    share = cube.loc[("S1", "2026-09", "new_lead_order_share")]
    assert (share["numerator"], share["denominator"], share["value"]) == (1, 4, 0.25)
    assert cube.loc[("S2", "2026-09", "new_lead_order_share"), "value"] == 1
    by = grain_cube(con, "2026-09", "consultant", ["S1"], ["new_lead_order_share"])
    rates = by[by["metric"] == "new_lead_order_share"].set_index("consultant")
    assert rates.loc["C11", "value"] == 0.5 and rates.loc["C12", "value"] == 0  # 1/2, 0/2
    assert set(by["metric"]) == {"new_leads", "new_leads_ordered", "new_lead_order_share"}


def test_default_cube_leaves_out_only_the_on_demand_kpis(con, cube):
    """compute_cube without ``metrics``: every KPI but the lead-month and caller ones,
    with the same values as when everything is asked for."""
    default = compute_cube(con, "2026-09")
    assert set(default["metric"]) == set(REGISTRY) - ON_DEMAND
    assert {"callers_last_month", "callers_visited", "invite_to_visit_rate",
                         "open_leads_new", "open_leads_carried", "open_leads", "overdue_leads",
                         "leads_followup_due", "followups_due", "followups_done",
                         "followup_compliance"} == ON_DEMAND
    full = cube.reset_index()
    full = full[full["month"] == "2026-09"].set_index(["store_id", "metric"])["value"]
    mine = default.set_index(["store_id", "metric"])["value"]
    assert mine.equals(full.loc[mine.index])


def test_invite_to_visit_rate_by_hand(cube):
    """Callers of September with a customer id: S1 T02 (K02, 09-01), T04 (K06, 09-30);
    K02 visited on 09-30 (V09, after the call), K06 only on 09-28 (V08, before it) → 1/2.
    T03 has no customer id (anonymous: 1). S2: T21 anonymous → 0 callers (zero
    denominator); in November T22 (K24, 10-11) visited on 10-20 (V23) → but November is
    outside the cube, so S2's October value is 0/0."""
    inv = cube.loc[("S1", "2026-10", "invite_to_visit_rate")]
    assert (inv["numerator"], inv["denominator"], inv["value"]) == (1, 2, 0.5)
    assert cube.loc[("S1", "2026-10", "anonymous_calls_last_month"), "value"] == 1
    assert cube.loc[("S2", "2026-10", "invite_to_visit_rate"), "na_reason"] == ZERO
    assert cube.loc[("S2", "2026-10", "anonymous_calls_last_month"), "value"] == 1


def test_invite_callers_who_visit_the_month_after(con):
    """S2: T22 (K24) called on 10-11 and came on 10-20 (V23): November's rate is 1/1."""
    nov = compute_cube(con, "2026-11", ["S2"], metrics=["invite_to_visit_rate"])
    row = nov.set_index("metric").loc["invite_to_visit_rate"]
    assert (row["numerator"], row["denominator"]) == (1, 1)


def test_dwell_median_by_hand(con, cube):
    """S1 September dwell minutes 60 50 20 90 50 15 70 75 → median (50 + 60) / 2 = 55;
    S2 has no September visit (n/a). October: S1 V10 40, S2 V22 30 and V23 60 → 45; the
    network's own median of 40, 30, 60 is 40 (not the mean of store medians, 42.5)."""
    assert cube.loc[("S1", "2026-09", "dwell_minutes"), "value"] == 55
    assert cube.loc[("S2", "2026-09", "dwell_minutes"), "na_reason"] == NO_DATA
    assert cube.loc[("S2", "2026-10", "dwell_minutes"), "value"] == 45
    net = grain_cube(con, "2026-10", "network", metrics=["dwell_minutes"])
    assert net.set_index("metric").loc["dwell_minutes", "value"] == 40


def test_out_of_control_rate_by_hand(cube):
    """S1 October: L07 out of control on 10-15 → 1 / (carried 3 + new 1)."""
    row = cube.loc[("S1", "2026-10", "out_of_control_rate")]
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 4, 0.25)


def test_lead_stock_and_follow_ups_by_grade_by_hand(con, cube):
    """S1 at 2026-09-30. Open: L01 (B: follow-up 09-02, carded 07-15), L06 (A: 09-22,
    new), L07 (B: no follow-up, new); O stock: L05 (ordered 09-10, O03 delivered 10-08,
    new); L04 (O02 delivered 09-25) and L08 (O01 delivered 09-03) are not. Overdue: L01
    (28 days since 09-02 > 14), L06 (8 > 7); not L07 (2 days).
    Follow-ups due in September (k × frequency after the card, inside the open span):
    L01 B/14: 09-09, 09-23 → 2, made 1 (09-02); L02 C/30 until 09-11: 09-09 → 1, made 0;
    L04 O/7 until 09-04: 09-03 → 1, made 1; L06 A/7 from 09-15: 09-22, 09-29 → 2, made 1;
    L05, L07, L10: none due. Total 3 / 6."""
    by = grain_cube(con, "2026-09", "grade", ["S1"], ["open_leads_new", "open_leads_carried",
                                                      "overdue_leads", "followup_compliance"])
    wide = by.pivot(index="grade", columns="metric", values="value")
    stock = wide[["open_leads_new", "open_leads_carried", "overdue_leads"]].astype(int)
    assert stock.to_dict("index") == {
        "O": {"open_leads_new": 1, "open_leads_carried": 0, "overdue_leads": 0},
        "A": {"open_leads_new": 1, "open_leads_carried": 0, "overdue_leads": 1},
        "B": {"open_leads_new": 1, "open_leads_carried": 1, "overdue_leads": 1},
        "C": {"open_leads_new": 0, "open_leads_carried": 0, "overdue_leads": 0}}
    assert wide["followups_due"].astype(int).to_dict() == {"O": 1, "A": 2, "B": 2, "C": 1}
    assert wide["followups_done"].astype(int).to_dict() == {"O": 1, "A": 1, "B": 1, "C": 0}
    store = cube.loc[("S1", "2026-09", "followup_compliance")]
    assert (store["numerator"], store["denominator"], store["value"]) == (3, 6, 0.5)
    assert cube.loc[("S1", "2026-09", "open_leads"), "value"] == 4
    assert cube.loc[("S1", "2026-09", "leads_followup_due"), "value"] == 4
    by = grain_cube(con, "2026-09", "consultant", ["S1"], ["followup_compliance"])
    c = by[by["metric"] == "followup_compliance"].set_index("consultant")
    assert (c.loc["C11", "numerator"], c.loc["C11", "denominator"]) == (2, 5)  # L01 L02 L06
    assert (c.loc["C12", "numerator"], c.loc["C12", "denominator"]) == (1, 1)  # L04
