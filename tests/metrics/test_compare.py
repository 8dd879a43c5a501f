"""compare(): verdicts, gaps and tests on hand-worked literal cubes, then the demo network."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kpi_lib.metrics import benchmarks as bm
from kpi_lib.metrics import comparison as cmp
from kpi_lib.metrics.registry import REGISTRY
from kpi_lib.paths import DEMO_DATA

NO_SUPPLIED = pd.DataFrame(columns=list(bm.SUPPLIED_COLUMNS))
#: E[min(max(Z, −a), a)²] for a standard normal Z winsorised at 10 % per side
#: (a = 1.2816): (2Φ(a)−1) − 2aφ(a) + 2a²(1−Φ(a))
WINSOR_10 = 0.6786545589528745


def make_cube(rows: list[tuple[str, str, float, float | None]]) -> pd.DataFrame:
    """(store, metric, numerator, denominator) → one month's cube (as in test_benchmarks)."""
    out = []
    for store, metric, num, den in rows:
        ratio = REGISTRY[metric].type == "ratio"
        value = (num / den if den else math.nan) if ratio else num
        reason = "zero_denominator" if ratio and den == 0 else None
        if math.isnan(num):
            value, reason = math.nan, "no_data"
        out.append((store, "2026-10", metric, num, den if ratio else math.nan, value, reason))
    return pd.DataFrame(out, columns=["store_id", "month", "metric", "numerator",
                                      "denominator", "value", "na_reason"])

SIX = pd.DataFrame({"store_id": list("ABCDEF"), "region": ["R1"] * 3 + ["R2"] * 3,
                    "tier": ["A", "B", "C"] * 2})


def run(cube: pd.DataFrame, stores: pd.DataFrame = SIX, config: dict | None = None,
        supplied: pd.DataFrame = NO_SUPPLIED) -> pd.DataFrame:
    # the hand-worked averages below include the store itself (a pool of any size);
    # leaving it out of small pools is tested in test_benchmarks
    config = dict(config or {})
    config["comparison"] = {"min_pool_stores": 1, **config.get("comparison", {})}
    # … and are worked on the identity scale (the logit scale has its own test)
    config["tests"] = {"scale": "identity", **config.get("tests", {})}
    cfg = bm.validate_benchmark_config(config)
    bench = bm.benchmarks(cube, stores, config=cfg, supplied=supplied)
    return cmp.compare(cube, stores, bench, config=cfg)


def row(out: pd.DataFrame, store: str, metric: str) -> pd.Series:
    hit = out[(out.store_id == store) & (out.metric == metric)]
    assert len(hit) == 1
    return hit.iloc[0]


def published(values: dict[str, float], metrics: list[str]) -> pd.DataFrame:
    return pd.DataFrame([("2026-10", m, s, v) for m in metrics for s, v in values.items()],
                        columns=list(bm.SUPPLIED_COLUMNS))


def test_clearly_below_with_hand_computed_gap_and_overdispersion() -> None:
    # test drives / visits: A, B, D, E, F 300/1000, C 60/1000; benchmark national_avg
    cube = make_cube([(s, "test_drive_rate", 60 if s == "C" else 300, 1000) for s in "ABCDEF"])
    out = run(cube, config={"comparison": {"default": "national_avg"}})
    c = row(out, "C", "test_drive_rate")
    assert tuple(out.columns) == cmp.COMPARE_COLUMNS
    # national = 1560/6000 = 0.26: expected 1000 × 0.26 = 260 test drives, gap −200
    assert (c.benchmark, c.benchmark_scope) == (pytest.approx(0.26), "national_avg")
    assert (c.expected, c.gap) == (pytest.approx(260), pytest.approx(-200))
    # overdispersion, by hand: s² = .26·.74/1000; z = +0.04/s (×5), −0.2/s (C);
    # 10 % winsorising of 6 z's (type-7 quantile, h = 0.5) pulls C halfway to the others
    s2 = 0.26 * 0.74 / 1000
    z_o, z_c = 0.04 / math.sqrt(s2), -0.2 / math.sqrt(s2)
    # … divided by 0.678655, the winsorised mean square of standard normal z's (the
    # consistency factor: winsorising alone would shrink φ and τ²)
    phi = (5 * z_o**2 + (z_c + 0.5 * (z_o - z_c)) ** 2) / 6 / WINSOR_10
    tau2 = (6 * phi - 5) / (5 / s2)  # (Iφ − (I−1)) / (Σw − Σw²/Σw), w = 1/s² for all
    assert (c.phi, c.tau2) == (pytest.approx(phi), pytest.approx(tau2))
    z = -0.2 / math.sqrt(s2 + tau2)  # −3.07: beyond 1.96 (95 %), not 3.09 (99.8 %)
    assert c.z == pytest.approx(z) and round(z, 2) == -3.07
    assert c.p == pytest.approx(2 * norm.sf(-z))
    assert (c.verdict, bool(c.worse)) == ("watch_below", True)
    q = 1.959964  # Wilson: (p + q²/2n ± q√(p(1−p)/n + q²/4n²)) / (1 + q²/n) ≈ (0.0469, 0.0765)
    mid, half = 0.06 + q**2 / 2000, q * math.sqrt(0.06 * 0.94 / 1000 + q**2 / 4e6)
    assert (c.ci_low, c.ci_high) == (pytest.approx((mid - half) / (1 + q**2 / 1000)),
                                     pytest.approx((mid + half) / (1 + q**2 / 1000)))
    a = row(out, "A", "test_drive_rate")
    assert a.verdict == "in_line" and pd.isna(a.worse)


def test_the_default_logit_scale_by_hand() -> None:
    # the same network on the logit scale (params/benchmarks.yml tests.scale): empirical
    # logits y = ln((k+½)/(n−k+½)), target logit(.26), s² = 1/(1000·.26·.74)
    cube = make_cube([(s, "test_drive_rate", 60 if s == "C" else 300, 1000) for s in "ABCDEF"])
    out = run(cube, config={"comparison": {"default": "national_avg"},
                            "tests": {"scale": "logit"}})
    t, s2 = math.log(0.26 / 0.74), 1 / (1000 * 0.26 * 0.74)
    y_o, y_c = math.log(300.5 / 700.5), math.log(60.5 / 940.5)
    z_o, z_c = (y_o - t) / math.sqrt(s2), (y_c - t) / math.sqrt(s2)
    phi = (5 * z_o**2 + (z_c + 0.5 * (z_o - z_c)) ** 2) / 6 / WINSOR_10  # C halfway
    tau2 = (6 * phi - 5) / (5 / s2)
    c = row(out, "C", "test_drive_rate")
    assert (c.phi, c.tau2) == (pytest.approx(phi), pytest.approx(tau2))
    assert c.z == pytest.approx((y_c - t) / math.sqrt(s2 + tau2))
    assert round(c.z, 2) == -3.59 and c.verdict == "clearly_below"  # beyond 3.09
    assert row(out, "A", "test_drive_rate").verdict == "in_line"


def test_regional_benchmark_and_fallback_for_small_regions() -> None:
    cube = make_cube([(s, "test_drive_rate", 60 if s == "C" else 300, 1000) for s in "ABCDEF"])
    out = run(cube)
    c = row(out, "C", "test_drive_rate")
    # R1 = 660/3000 = 0.22 → expected 220, gap −160; z = −0.16/√(.22·.78/1000 + τ²) ≈ −2.99
    assert (c.benchmark_scope, c.expected, c.gap) == ("regional_avg", pytest.approx(220),
                                                      pytest.approx(-160))
    assert c.verdict == "watch_below"  # outside 95 % but not 99.8 %
    two = SIX.assign(region=["R1"] * 4 + ["R2"] * 2)
    out2 = run(cube, stores=two)
    assert row(out2, "E", "test_drive_rate").benchmark_scope == "national_avg"
    assert row(out2, "A", "test_drive_rate").benchmark_scope == "regional_avg"


def test_tiny_store_gets_too_few_not_an_alarm() -> None:
    cube = make_cube([("A", "test_drive_rate", 300, 1000), ("B", "test_drive_rate", 300, 1000),
                      ("C", "test_drive_rate", 5, 40), ("D", "test_drive_rate", 300, 1000)])
    out = run(cube, stores=SIX.iloc[:4])
    c = row(out, "C", "test_drive_rate")
    assert c.verdict == "too_few" and pd.isna(c.worse) and np.isnan(c.p_adj)
    assert 0 < c.ci_low < 0.125 < c.ci_high  # the interval is still shown


FDR_METRICS = ["test_drive_rate", "lead_capture_rate", "showroom_close_rate",
               "repeat_visit_share", "conversion_b", "conversion_a"]


@pytest.mark.parametrize(("metrics", "verdict", "p_adj"), [
    # A: 231/400 against 0.5 → z = 0.0775/0.025 = 3.1, p = 0.001935 (beyond 99.8 % = 3.09)
    (FDR_METRICS[:1], "clearly_above", 0.001935 * 6),  # 6 tests: BH p_adj = 6p = 0.0116
    (FDR_METRICS, "watch_above", 0.001935 * 36),       # 36 tests: 36p = 0.0697 > q
])
def test_fdr_turns_a_marginal_result_into_watch(metrics, verdict, p_adj) -> None:
    rows = [(s, m, 231 if (s, m) == ("A", "test_drive_rate") else 200, 400)
            for s in "ABCDEF" for m in metrics]
    supplied = published({"national_avg": 0.5, "regional_avg": 0.5}, metrics)
    out = run(make_cube(rows), supplied=supplied)
    a = row(out, "A", "test_drive_rate")
    assert (a.z, a.tau2) == (pytest.approx(3.1), 0.0)  # one outlier: not overdispersed
    assert a.p_adj == pytest.approx(p_adj, rel=1e-3)
    assert (a.verdict, a.worse) == (verdict, False)
    assert set(out.loc[out.store_id != "A", "verdict"]) == {"in_line"}


def test_na_propagates_never_zero() -> None:
    cube = make_cube([("A", "test_drive_rate", 0, 0), ("B", "test_drive_rate", 300, 1000),
                      ("C", "test_drive_rate", 300, 1000), ("A", "visits", math.nan, None),
                      ("B", "visits", 1000, None), ("C", "visits", 1000, None)])
    out = run(cube, stores=SIX.iloc[:3])
    for metric in ("test_drive_rate", "visits"):
        a = row(out, "A", metric)
        assert a.verdict == "na" and pd.isna(a.worse)
        assert np.isnan([a.value, a.expected, a.gap, a.network_pct]).all()
    assert row(out, "A", "test_drive_rate").na_reason == "zero_denominator"
    assert row(out, "B", "test_drive_rate").benchmark == pytest.approx(0.3)


NO_PEER_SPREAD = {"capacity": {"metrics": [], "spread_metrics": []}}


def test_counts_are_ranked_in_the_network() -> None:
    visits = dict(zip("ABCDE", (100, 200, 300, 400, 500), strict=True))
    out = run(make_cube([(s, "visits", v, None) for s, v in visits.items()]),
              stores=SIX.iloc[:5], config=NO_PEER_SPREAD)
    # mid-rank percentile (rank − ½)/5: 0.1 0.3 0.5 0.7 0.9
    assert out.network_pct.tolist() == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
    assert out.verdict.tolist() == ["watch_below", "in_line", "in_line", "in_line",
                                    "watch_above"]
    assert out.worse.tolist()[0] is True and out.worse.tolist()[-1] is False
    a = row(out, "A", "visits")  # R1 mean (100+200+300)/3 = 200
    assert (a.benchmark, a.expected, a.gap) == (200, 200, -100)
    assert np.isnan(a.z) and np.isnan(a.ci_low)


def test_amount_per_event_against_the_poisson_interval() -> None:
    # 10 000 yuan / 40 visits = 250; Garwood 95 %: (183.59, 349.94), 99.8 %: (157.08, 429.92)
    stores = pd.DataFrame({"store_id": list("ABE"), "region": ["R1", "R2", "R3"]})
    cube = make_cube([(s, "cost_per_visit", 10_000, 40) for s in "ABE"])
    supplied = pd.DataFrame({"month": "2026-10", "metric": "cost_per_visit",
                             "scope": ["regional_avg:R1", "regional_avg:R2", "regional_avg:R3"],
                             "value": [170.0, 140.0, 250.0]})
    cfg = {"min_volume": {"default": 10}, "comparison": {"min_region_stores": 1},
           **NO_PEER_SPREAD}
    out = run(cube, stores=stores, config=cfg, supplied=supplied)
    a, b, e = (row(out, s, "cost_per_visit") for s in "ABE")
    assert (a.ci_low, a.ci_high) == (pytest.approx(183.5919, abs=1e-3),
                                     pytest.approx(349.9368, abs=1e-3))
    assert (a.verdict, a.worse) == ("watch_above", True)  # cost is a down-metric
    assert (a.expected, a.gap) == (pytest.approx(6800), pytest.approx(3200))  # yuan
    assert (b.verdict, b.worse) == ("clearly_above", True)
    assert e.verdict == "in_line" and np.isnan(a.p_adj)


TEN = pd.DataFrame({"store_id": list("ABCDEFGHIJ"), "region": ["R1"] * 10,
                    "tier": ["B"] * 9 + ["B"]})
TEN_VISITS = dict(zip("ABCDEFGHIJ", (1000, 1100, 900, 1050, 950, 1200, 800, 1000, 1000, 300),
                      strict=True))


PEERS_OF_8 = {"capacity": {"min_group": 8}}


def _winsorised_sd(r: list[float], w: float = 0.2) -> float:
    """The spread by its definition: winsorised at w per side around the median, divided
    by E[min(max(Z, −a), a)²] = (2Φ(a)−1) − 2aφ(a) + 2a²(1−Φ(a)), a = Φ⁻¹(1−w)."""
    x = np.asarray(r)
    lo, hi = np.quantile(x, [w, 1 - w])
    d = np.clip(x, lo, hi) - np.median(x)
    a = norm.ppf(1 - w)
    c = (2 * norm.cdf(a) - 1) - 2 * a * norm.pdf(a) + 2 * a * a * norm.sf(a)
    return math.sqrt(np.mean(d**2) / c)


def test_visits_against_the_peer_group_of_its_tier() -> None:
    out = run(make_cube([(s, "visits", v, None) for s, v in TEN_VISITS.items()]), stores=TEN,
              config=PEERS_OF_8)
    j = row(out, "J", "visits")
    # J's peers: the 9 others of tier B in R1 (≥ min_group 8), median 1000. The spread:
    # each other store's ln visits minus the median of ITS nine others, then the
    # winsorised SD of those nine residuals; z = ln(300/1000) / sqrt(σ² + 1/300)
    logs = {k: math.log(x) for k, x in TEN_VISITS.items()}

    def resid(s: str) -> float:
        return logs[s] - float(np.median([x for k, x in logs.items() if k != s]))

    sigma = _winsorised_sd([resid(s) for s in "ABCDEFGHI"])
    z = math.log(0.3) / math.sqrt(sigma**2 + 1 / 300)
    assert (j.benchmark, j.benchmark_scope) == (pytest.approx(1000), "tier_region_peers")
    assert j.z == pytest.approx(z) and round(z, 2) == -12.04
    assert j.verdict == "clearly_below" and bool(j.worse) is True
    assert (j.expected, j.gap) == (pytest.approx(1000), pytest.approx(-700))
    # G (800) against the other nine (median 1000 — J's 300 is one of them now), the
    # spread of the other nine's residuals: z = −2.51, outside 95% but not 99.8%: watch
    g = row(out, "G", "visits")
    sigma_g = _winsorised_sd([resid(s) for s in "ABCDEFHIJ"])
    assert g.z == pytest.approx(math.log(0.8) / math.sqrt(sigma_g**2 + 1 / 800))
    assert round(g.z, 2) == -2.51 and g.verdict == "watch_below"
    assert row(out, "A", "visits").verdict == "in_line"


def test_peer_group_falls_back_when_the_tier_is_small() -> None:
    stores = TEN.assign(tier=["A"] * 5 + ["B"] * 5)  # 4 others of the same tier < 8
    out = run(make_cube([(s, "visits", v, None) for s, v in TEN_VISITS.items()]),
              stores=stores, config=PEERS_OF_8)
    assert row(out, "J", "visits").benchmark_scope == "region_peers"
    # the shipped setting asks for 20 stores of the tier in the region: the network here
    assert row(run(make_cube([(s, "visits", v, None) for s, v in TEN_VISITS.items()]),
                   stores=stores), "J", "visits").benchmark_scope == "network_peers"


def test_a_month_still_running_is_paced() -> None:
    # J's data cover 30% of the month: 300 visits so far are on pace for 1,000
    cube = make_cube([(s, "visits", v, None) for s, v in TEN_VISITS.items()])
    cfg = bm.validate_benchmark_config({"comparison": {"min_pool_stores": 1}, **PEERS_OF_8})
    bench = bm.benchmarks(cube, TEN, config=cfg, supplied=NO_SUPPLIED)
    out = cmp.compare(cube, TEN, bench, config=cfg, elapsed=pd.Series({"J": 0.3}))
    j = row(out, "J", "visits")
    assert j.verdict == "in_line" and j.z == pytest.approx(0.0, abs=1e-9)
    assert j.benchmark == pytest.approx(300)  # the peers' median at 30% of the month


def test_method_of_each_kpi() -> None:
    assert cmp.method_of("lead_capture_rate") == "proportion"
    assert cmp.method_of("delivery_conversion") == "proportion"
    assert cmp.method_of("cost_per_lead") == "amount_per_event"
    assert cmp.method_of("collection_rate") == "descriptive"
    assert cmp.method_of("deliveries") == "rank"


def test_shrunk_rates_pull_small_stores_to_their_region() -> None:
    cube = make_cube([("A", "test_drive_rate", 300, 1000), ("B", "test_drive_rate", 250, 1000),
                      ("C", "test_drive_rate", 5, 10), ("D", "test_drive_rate", 350, 1000),
                      ("E", "test_drive_rate", 100, 1000), ("F", "test_drive_rate", 200, 1000)])
    out = cmp.shrunk_rates(cube, SIX, "test_drive_rate").set_index("store_id")
    assert out.loc["C", "raw"] == 0.5  # the best raw rate, but from 10 visits only
    assert 0.25 < out.loc["C", "shrunk"] < 0.35  # pulled to R1 (≈ 0.28), below D
    assert abs(out.loc["A", "shrunk"] - 0.3) < 0.01
    assert out.loc["D", "rank"] == 1 and out.loc["C", "rank"] != 1


# --- the demo network -------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    from kpi_lib.ingest.warehouse import open_warehouse

    if not (DEMO_DATA / "stores.csv").exists():
        pytest.skip("demo data missing: run python -m kpi_lib demo")
    with open_warehouse(DEMO_DATA) as wh:
        return cmp.compare_month(wh.con, "2026-10")


def test_demo_test_drive_store_is_clearly_below(demo: pd.DataFrame) -> None:
    s003 = row(demo, "S003", "test_drive_rate")
    assert (s003.verdict, s003.worse) == ("clearly_below", True)
    assert s003.gap < -300  # hundreds of test drives short of the regional rate


def test_demo_benchmark_store_is_never_worse_on_key_rates(demo: pd.DataFrame) -> None:
    key = ["test_drive_rate", "lead_capture_rate", "negotiation_rate", "conversion_b",
           "showroom_close_rate"]
    s001 = demo[(demo.store_id == "S001") & demo.metric.isin(key)]
    assert len(s001) == len(key)
    assert not s001.worse.fillna(False).any()


def test_demo_tiny_store_is_too_few_for_rates(demo: pd.DataFrame) -> None:
    rates = demo[(demo.store_id == "S012") & (demo.unit == "rate") & demo.value.notna()]
    assert len(rates) > 10
    assert set(rates.verdict) == {"too_few"}


def test_demo_one_row_per_store_and_metric(demo: pd.DataFrame) -> None:
    assert tuple(demo.columns) == cmp.COMPARE_COLUMNS
    assert not demo.duplicated(["store_id", "metric"]).any()
    assert set(demo.verdict) <= set(cmp.VERDICTS)
