"""`plan`: target recommendation and achievement path, on the tiny fixture, counted by hand.

Tiny fixture (tests/fixtures/tiny/README.md), months 2026-08 … 2026-10; planning 2026-11
uses Aug–Oct as the recent months. S1 deliveries: Aug O07, Sep O01 O02 O04 O08, Oct O03
→ 1, 4, 1; by consultant C11 O07 O01 O03 = 3, C12 O02 O04 O08 = 3. S1 visits Aug V01,
Sep V02–V09, Oct V10 = 10; test drives V02 V03 V05 V08 V10 = 5; negotiations V02 V05 V09 = 3.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpi_lib.analysis import plan as pl
from kpi_lib.analysis import plan_path as pp
from kpi_lib.errors import ParameterError
from kpi_lib.ingest.warehouse import open_warehouse

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan") / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md", ".warehouse*"))
    return folder


@pytest.fixture(scope="module")
def plans(data: Path) -> dict:
    with open_warehouse(data) as wh:
        return pl.build_plans(wh.con, "2026-11")


def _store(plans: dict, sid: str) -> dict:
    return next(s for s in plans["stores"] if s["store_id"] == sid)


def test_run_rate_is_the_mean_of_the_last_three_months(plans: dict):
    assert _store(plans, "S1")["bases"]["run_rate"]["value"] == pytest.approx((1 + 4 + 1) / 3)
    assert _store(plans, "S2")["bases"]["run_rate"]["value"] == pytest.approx((0 + 2 + 0) / 3)
    assert pl.run_rate(pd.Series([9, 1, 2, 3])) == 2.0


def test_own_rates_are_pooled_over_the_recent_months(plans: dict):
    rates = {r["rate"]: r for r in _store(plans, "S1")["rates"]}
    assert (rates["test_drive_rate"]["k"], rates["test_drive_rate"]["n"]) == (5, 10)
    assert (rates["negotiation_rate"]["k"], rates["negotiation_rate"]["n"]) == (3, 5)
    r = rates["negotiation_rate"]  # shrunk: (k + s·p) / (n + s), weight n / (n + s)
    s = r["strength"]
    assert r["used"] == pytest.approx((3 + s * r["peers"]) / (5 + s)) if r["peers"] is not None \
        else r["used"] == pytest.approx(3 / 5)
    assert pp.shrink_rate(3, 5, 0.5, 5) == (0.55, 0.5)


def test_path_chains_and_a_stage_by_hand():
    rates = {"delivery_conversion": 4 / 7, "negotiation_close_rate": 1.0,
             "negotiation_rate": 3 / 5, "test_drive_rate": 5 / 10, "lead_capture_rate": 0.5}
    # S1's own raw Sep rates for conversion; 8 deliveries with 2 carried orders:
    # orders 8 / (4/7) − 2 = 12; walk-in share 1/2 → 6; negotiations 6; test drives 6 / 0.6
    # = 10; visits 10 / 0.5 = 20; new leads 20 × 0.5 = 10
    path = pp.reverse_funnel(8, 2, rates, 0.5)
    assert [s["stage"] for s in path] == list(pp.STAGES)
    req = {s["stage"]: s["required"] for s in path}
    assert req == pytest.approx({"visits": 20, "new_leads": 10, "test_drives": 10,
                                 "negotiations": 6, "walk_in_orders": 6, "orders": 12,
                                 "deliveries": 8})
    for a, b in zip(path, path[1:], strict=False):
        assert a["required"] * a["rate_to_next"] == pytest.approx(b["required"])
    assert path[-1]["rate_to_next"] is None


def test_store_path_in_the_plan_chains(plans: dict):
    for p in plans["stores"]:
        path = p["path"]
        assert [s["stage"] for s in path] == list(pp.STAGES)
        assert path[-1]["required"] == pytest.approx(p["recommendation"]["base"]["value"])
        for a, b in zip(path, path[1:], strict=False):
            if a["rate_to_next"] is not None:
                assert a["required"] * a["rate_to_next"] == pytest.approx(b["required"])
    s1 = _store(plans, "S1")
    # orders needed: base / delivery conversion used − carried orders at 11-01 (none: O03
    # delivered, O05 cancelled in October)
    dc = next(r["used"] for r in s1["rates"] if r["rate"] == "delivery_conversion")
    assert s1["carried_orders"] == 0
    assert s1["path"][5]["required"] == pytest.approx(s1["recommendation"]["base"]["value"] / dc)
    # walk-in share of S1's Aug–Oct orders: O01 O02 O05 of O01 O02 O03 O04 O05 O06 O07 O08
    assert s1["walk_in_share"] == pytest.approx(3 / 8)


def test_weeks_split_the_path_by_days(plans: dict):
    weeks = pp.month_weeks("2026-11")  # Sun 11-01 alone, then Mon–Sun, last Mon 11-30
    assert [w["days"] for w in weeks] == [1, 7, 7, 7, 7, 1]
    s1 = _store(plans, "S1")
    total = sum(w["visits"] for w in s1["by_week"])
    assert total == pytest.approx(s1["path"][0]["required"])


def test_consultant_split_sums_to_the_store(plans: dict):
    s1 = _store(plans, "S1")
    assert {c["consultant_id"]: c["share"] for c in s1["consultants"]} == {"C11": 0.5,
                                                                           "C12": 0.5}
    for lv in pl.LEVELS:
        assert sum(c[lv]["deliveries"] for c in s1["consultants"]) == pytest.approx(
            s1["recommendation"][lv]["value"])
    orders = sum(c["orders"] for c in s1["by_consultant"])
    assert orders == pytest.approx(s1["path"][5]["required"])


def test_seasonal_index_on_a_small_history():
    # 2024-01..2025-12: every month 10 except January 5 and 3 (mean 4) and July 15, 17
    # (mean 16); calendar means 4, 16, 10 ×10 → mean of means 120 / 12 = 10
    # → SI January 0.4, July 1.6, March 1.0
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    values = [10.0] * 24
    values[0], values[12], values[6], values[18] = 5, 3, 15, 17
    si = pl.seasonal_index(pd.Series(values, index=months))
    assert si[1] == pytest.approx(0.4) and si[7] == pytest.approx(1.6)
    assert si[3] == pytest.approx(1.0)
    # short history: no index; a store without one takes the network's
    assert pl.seasonal_index(pd.Series([1.0, 2.0], index=["2025-01", "2025-02"])).empty
    net = pd.Series(1.0, index=range(1, 13))
    assert pl.blended_index(pd.Series(dtype=float), net, pd.Series(dtype=float)).equals(net)
    # one year of the store's own: weight 1 / (1 + 1) = 0.5
    own = pd.Series(2.0, index=range(1, 13))
    years = pd.Series(1, index=range(1, 13))
    assert pl.blended_index(own, net, years)[5] == pytest.approx(1.5)
    # a year at level 10 (each month 10 × its index) → July: 10 × 1.6
    year = pd.Series(10 * si.to_numpy(), index=[f"2025-{m:02d}" for m in si.index])
    assert pl.seasonal_estimate(year, si, "2026-07") == pytest.approx(16)


def test_warmup_and_trend():
    stock = pd.DataFrame({"carried_leads": [0, 5, 10, 10, 12],
                          "carried_orders": [0, 8, 9, 10, 10]},
                         index=["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"])
    assert pl.warmup_months(stock) == ["2025-01", "2025-02"]  # 5 < 0.75 × 10
    net = pd.Series({"2024-09": 100.0, "2024-10": 50.0, "2025-09": 110.0, "2025-10": 70.0,
                     "2025-08": 1.0})
    usable = ["2024-09", "2024-10", "2025-08", "2025-09", "2025-10"]
    g, months = pl.network_trend(net, ["2025-08", "2025-09", "2025-10"], usable)
    assert months == ["2025-09", "2025-10"] and g == pytest.approx(180 / 150)


def test_month_checks():
    assert pl.plan_history("2026-11", "2026-08", "2026-10") == ["2026-08", "2026-09",
                                                                "2026-10"]
    for bad in ("2026-12", "2026-08", "2026-1", "Nov"):
        with pytest.raises(ParameterError):
            pl.plan_history(bad, "2026-08", "2026-10")


def _run(*args: str):
    from typer.testing import CliRunner

    from kpi_lib.cli import app

    return CliRunner().invoke(app, ["plan", *args])


def test_cli_json_and_exit_2(data: Path):
    res = _run("--data", str(data), "--month", "2026-11", "--store", "S1", "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [s["store_id"] for s in out["stores"]] == ["S1"]
    assert out["stores"][0]["path"][0]["stage"] == "visits"
    for month in ("2026-12", "2026-13", "Nov 2026"):
        res = _run("--data", str(data), "--month", month)
        assert res.exit_code == 2 and res.exception is None or isinstance(
            res.exception, SystemExit)
        assert len(res.stderr.strip().splitlines()) == 1 and "error:" in res.stderr
    assert _run("--data", str(data), "--month", "2026-11", "--format", "csv").exit_code == 2


def test_table_renders_in_english(plans: dict):
    from rich.console import Console

    console = Console(record=True, width=160)
    console.print(pl.plan_table(plans, "en"))
    shown = console.export_text()
    assert "target recommendation" in shown and "Showroom visits" in shown


def test_a_store_s_plan_is_the_same_with_the_network_cache(data: Path, plans: dict,
                                                          monkeypatch):
    """With the network cache on (batch, warm renderer) every store's rates are computed
    once and kept; each store's plan is still the one of the whole network's plan."""
    from kpi_lib.metrics import network_cache

    monkeypatch.setattr(network_cache, "_FRAMES", {})
    with open_warehouse(data) as wh:
        one = [pl.build_plans(wh.con, "2026-11", sid) for sid in ("S1", "S2", "S1")]
    def text(value) -> str:  # NaN == NaN as text
        return json.dumps(value, sort_keys=True, default=str)

    assert [text(p["stores"]) for p in one] == [text([_store(plans, s)])
                                               for s in ("S1", "S2", "S1")]
    assert any(k[1] == "plan_rates" for k in network_cache._FRAMES)
