"""Benchmarks on small literal cubes whose expected values are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kpi_lib.config import ConfigError
from kpi_lib.metrics import benchmarks as bm
from kpi_lib.metrics.registry import REGISTRY

MONTH = "2026-10"
NO_SUPPLIED = pd.DataFrame(columns=list(bm.SUPPLIED_COLUMNS))


def make_cube(rows: list[tuple[str, str, float, float | None]], month: str = MONTH
              ) -> pd.DataFrame:
    """(store, metric, numerator, denominator) → a cube like compute_cube's."""
    out = []
    for store, metric, num, den in rows:
        if REGISTRY[metric].type == "ratio":
            value = num / den if den else math.nan
            reason = "zero_denominator" if den == 0 else None
        else:
            value, den, reason = num, math.nan, None
        if num is None or (isinstance(num, float) and math.isnan(num)):
            value, reason = math.nan, "no_data"
        out.append((store, month, metric, num, den, value, reason))
    return pd.DataFrame(out, columns=["store_id", "month", "metric", "numerator",
                                      "denominator", "value", "na_reason"])


STORES = pd.DataFrame({
    "store_id": ["A", "B", "C", "D", "E"],
    "region": ["R1", "R1", "R1", "R2", "R2"],
    "tier": ["A", "B", "A", "A", "B"],
})

# test_drive_rate: A 10/100, B 90/300, C 50/100 (R1); D 20/200, E 60/200 (R2)
# lost_rate (down): A 30/100, B 60/300, C 1/10 (tiny), D 50/200, E 30/200
# visits (count): 100, 300, 100, 200, 200
CUBE = make_cube([
    ("A", "test_drive_rate", 10, 100), ("B", "test_drive_rate", 90, 300),
    ("C", "test_drive_rate", 50, 100), ("D", "test_drive_rate", 20, 200),
    ("E", "test_drive_rate", 60, 200),
    ("A", "lost_rate", 30, 100), ("B", "lost_rate", 60, 300), ("C", "lost_rate", 1, 10),
    ("D", "lost_rate", 50, 200), ("E", "lost_rate", 30, 200),
    ("A", "visits", 100, None), ("B", "visits", 300, None), ("C", "visits", 100, None),
    ("D", "visits", 200, None), ("E", "visits", 200, None),
])


def bench(config: dict | None = None, supplied: pd.DataFrame = NO_SUPPLIED,
          cube: pd.DataFrame = CUBE) -> pd.DataFrame:
    return bm.benchmarks(cube, STORES, config=config or {}, supplied=supplied)


def one(b: pd.DataFrame, store: str, metric: str, scope: str) -> pd.Series:
    hit = b[(b.store_id == store) & (b.metric == metric) & (b.scope == scope)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_columns_and_one_row_per_store_metric_scope() -> None:
    b = bench()
    assert tuple(b.columns) == bm.BENCH_COLUMNS
    assert len(b) == 5 * 3 * len(bm.SCOPES)
    assert set(b.source) == {"computed"}


def test_averages_are_pooled_not_means_of_rates() -> None:
    b = bench({"comparison": {"min_pool_stores": 2}})  # big enough to include the store
    nat = one(b, "A", "test_drive_rate", "national_avg")
    assert nat.value == pytest.approx(230 / 900)  # mean of the five rates would be 0.26
    assert (nat.numerator, nat.denominator) == (230, 900)
    assert one(b, "B", "test_drive_rate", "regional_avg").value == pytest.approx(150 / 500)
    assert one(b, "E", "test_drive_rate", "regional_avg").value == pytest.approx(80 / 400)


def test_small_groups_leave_the_store_out() -> None:
    # default min_pool_stores 10: every group here is small, so each store's own numbers
    # leave its averages: A's national rate is (230 − 10) / (900 − 100)
    b = bench()
    nat = one(b, "A", "test_drive_rate", "national_avg")
    assert (nat.value, nat.numerator, nat.denominator) == (pytest.approx(220 / 800), 220, 800)
    assert one(b, "B", "test_drive_rate", "regional_avg").value == pytest.approx(60 / 200)
    assert one(b, "E", "test_drive_rate", "regional_avg").value == pytest.approx(20 / 200)
    assert one(b, "A", "visits", "national_avg").value == pytest.approx(800 / 4)
    reg = one(b, "D", "visits", "regional_avg")
    assert (reg.value, reg.numerator, reg.denominator) == (200, 200, 1)


def test_the_benchmark_store_is_never_the_store_itself() -> None:
    b = bench()
    # C has the best test-drive rate (0.5): its own benchmark is the next best, B and E
    # tie at 0.3 and the lower id wins
    best = one(b, "C", "test_drive_rate", "national_best")
    assert (best.value, best.reference_store) == (pytest.approx(0.3), "B")
    assert one(b, "C", "test_drive_rate", "regional_best").reference_store == "B"
    assert one(b, "E", "test_drive_rate", "regional_best").reference_store == "D"


def test_count_averages_are_means_per_store() -> None:
    b = bench({"comparison": {"min_pool_stores": 2}})
    assert one(b, "A", "visits", "national_avg").value == pytest.approx(900 / 5)
    reg = one(b, "D", "visits", "regional_avg")
    assert (reg.value, reg.numerator, reg.denominator) == (200, 400, 2)


def test_best_store_respects_direction_and_min_volume() -> None:
    b = bench()
    best = one(b, "D", "test_drive_rate", "national_best")
    assert (best.value, best.reference_store) == (0.5, "C")
    assert one(b, "D", "test_drive_rate", "regional_best").reference_store == "E"
    # lost_rate is a down-metric: the lowest wins, but C (10 leads) is below min_volume 100
    low = one(b, "A", "lost_rate", "national_best")
    assert (low.value, low.reference_store) == (pytest.approx(0.15), "E")
    assert one(b, "A", "lost_rate", "regional_best").reference_store == "B"
    # with min_volume 5 the tiny store C is eligible and wins
    b5 = bench({"min_volume": {"default": 5}})
    assert one(b5, "A", "lost_rate", "national_best").reference_store == "C"
    # count metric: volume (visits) ≥ 250 leaves only B
    b250 = bench({"min_volume": {"default": 250}})
    assert one(b250, "E", "visits", "national_best").reference_store == "B"
    assert np.isnan(one(b250, "E", "visits", "regional_best").value)


def test_named_peers_are_pooled() -> None:
    b = bench({"peers": {"A": ["B", "D"]}})
    row = one(b, "A", "test_drive_rate", "peers")
    assert row.value == pytest.approx((90 + 20) / (300 + 200))
    assert row.reference_store == "B,D"


def test_nearest_peers_by_region_tier_and_volume() -> None:
    # k=1, weights region 1, tier 0.5, volume 1 (|ln v_i/v_j|), visits as volume:
    # A: B 0.5+ln3=1.60, C 0, D 1+ln2=1.69, E 1+0.5+ln2=2.19 → C
    # B: A 0.5+ln3=1.60, C 1.60, D 1+0.5+ln1.5=1.91, E 1+ln1.5=1.41 → E (other region!)
    # D: A 1.69, B 1.5+0.41, C 1.69, E 0.5 → E
    peers = bm.peers_of(CUBE, STORES, {"nearest_peers": {"k": 1}})
    assert peers == {"A": ["C"], "B": ["E"], "C": ["A"], "D": ["E"], "E": ["D"]}
    # ties go to the lower id: with k=2, B's second peer is A (1.60), not C (1.60)
    assert bm.peers_of(CUBE, STORES, {"nearest_peers": {"k": 2}})["B"] == ["E", "A"]
    b = bench({"nearest_peers": {"k": 1}})
    row = one(b, "D", "test_drive_rate", "peers")
    assert (row.value, row.reference_store) == (pytest.approx(0.3), "E")


def test_supplied_values_win_and_say_so() -> None:
    supplied = pd.DataFrame({
        "month": [MONTH, MONTH, "2026-09"],
        "metric": ["test_drive_rate", "test_drive_rate", "test_drive_rate"],
        "scope": ["regional_avg:R1", "national_best", "national_avg"],
        "value": [0.42, 0.6, 0.99],
    })
    b = bench({"comparison": {"min_pool_stores": 2}}, supplied=supplied)
    r1 = one(b, "A", "test_drive_rate", "regional_avg")
    assert (r1.value, r1.source) == (0.42, "supplied")
    assert np.isnan(r1.numerator)
    r2 = one(b, "D", "test_drive_rate", "regional_avg")
    assert (r2.value, r2.source) == (pytest.approx(0.2), "computed")
    best = one(b, "E", "test_drive_rate", "national_best")
    assert (best.value, best.source, best.reference_store) == (0.6, "supplied", None)
    # another month's value does not apply
    assert one(b, "A", "test_drive_rate", "national_avg").source == "computed"


def test_na_values_stay_out_of_the_pool() -> None:
    cube = pd.concat([CUBE, make_cube([("A", "cost_per_visit", math.nan, 100),
                                       ("B", "cost_per_visit", 6000, 300)])])
    b = bench({"comparison": {"min_pool_stores": 2}}, cube=cube)
    assert one(b, "B", "cost_per_visit", "national_avg").value == pytest.approx(20.0)
    # left out of its own (small) pool, B has no other store with a value: no benchmark
    assert np.isnan(one(bench(cube=cube), "B", "cost_per_visit", "national_avg").value)


def test_config_errors_are_plain() -> None:
    with pytest.raises(ConfigError, match="unknown metric ids.*nope"):
        bm.validate_benchmark_config({"min_volume": {"by_metric": {"nope": 10}}})
    with pytest.raises(ConfigError, match="min_volume.default"):
        bm.validate_benchmark_config({"min_volume": {"default": -1}})
    with pytest.raises(ConfigError, match="unknown stores in peers.*Z"):
        bm.validate_benchmark_config({"peers": {"A": ["Z"]}}, stores=["A", "B"])
    with pytest.raises(ConfigError, match="unknown stores in peers"):
        bench({"peers": {"A": ["Z"]}})
    with pytest.raises(ConfigError, match="scopes"):
        bm.validate_benchmark_config({"comparison": {"default": "best_ever"}})
    with pytest.raises(ConfigError, match="unknown settings"):
        bm.validate_benchmark_config({"min_volumes": 3})


def test_supplied_file_errors_name_the_row(tmp_path) -> None:
    path = tmp_path / "published.csv"
    path.write_text("month,metric,scope,value\n# comment\n2026-10,test_drive_rate,"
                    "regional_avg:华东,0.4\n2026-10,test_drive_rate,peers,0.3\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="row 2: scope"):
        bm.load_supplied(path)
    path.write_text("month,metric,scope,value\n2026-10,nope,national_avg,0.4\n")
    with pytest.raises(ConfigError, match="unknown metric id 'nope'"):
        bm.load_supplied(path)


def test_shipped_params_load() -> None:
    cfg = bm.load_benchmark_config()
    assert cfg["comparison"]["default"] == "regional_avg"
    assert bm.load_supplied().empty
