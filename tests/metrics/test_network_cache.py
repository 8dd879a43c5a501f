"""The network cache: the month's compare table on disk, network frames in memory."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi_lib import paths
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.metrics import comparison as compare
from kpi_lib.metrics import network_cache
from kpi_lib.metrics.comparison import compare_month

MONTH = "2026-10"


@pytest.fixture
def cache_on(monkeypatch):
    monkeypatch.setattr(network_cache, "_FRAMES", {})


def test_month_cache_same_table_and_reused(cache_on):
    with open_warehouse(paths.DEMO_DATA) as wh:
        path = network_cache.cache_path(wh.con, f"compare-{MONTH}")
        assert path is not None and path.parent == paths.DEMO_DATA
        cached = compare_month(wh.con, MONTH)
        assert path.is_file()
        fresh = compare._compare_month(wh.con, MONTH, compare.load_benchmark_config())
        pd.testing.assert_frame_equal(cached, fresh)
        assert network_cache.cache_path(wh.con, "compare-2026-09") != path


def test_month_cache_is_parquet_and_reads_back_exactly(tiny_data, monkeypatch):
    monkeypatch.setattr(network_cache, "_FRAMES", None)  # off, whatever ran before here
    with open_warehouse(tiny_data) as wh:
        for old in tiny_data.glob(".compare-*"):
            old.unlink()
        fresh = compare_month(wh.con, "2026-09")  # the cache off: computed, not written
        assert not list(tiny_data.glob(".compare-*"))
        monkeypatch.setattr(network_cache, "_FRAMES", {})
        compare_month(wh.con, "2026-09")  # computes and writes
        path = network_cache.cache_path(wh.con, "compare-2026-09")
        assert path.read_bytes()[:4] == b"PAR1"  # data only: no pickle to run code from
        monkeypatch.setattr(compare, "_compare_month",
                            lambda *a, **k: pytest.fail("recomputed"))
        again = compare_month(wh.con, "2026-09")
    pd.testing.assert_frame_equal(again, fresh)
    # n/a reasons stay text or None (not NaN): the report joins them into sentences
    assert set(again["na_reason"].map(type)) == {str, type(None)}
    assert "zero_denominator" in set(again["na_reason"])


def test_an_explicit_config_bypasses_the_cache(tiny_data, cache_on, monkeypatch):
    with open_warehouse(tiny_data) as wh:
        compare_month(wh.con, "2026-09")
        monkeypatch.setattr(network_cache, "_read_frame",
                            lambda *a: pytest.fail("read the cache"))
        compare_month(wh.con, "2026-09", config=compare.load_benchmark_config())


def test_store_rows_are_filters_of_the_remembered_network(tiny_data, monkeypatch):
    """Grain cubes and relation rows of a store, the cache on, equal those computed for
    the store alone (the cache off)."""
    from kpi_lib.metrics.cube import grain_cube
    from kpi_lib.metrics.relation_tables import relation_rows

    def store_frames(con):
        return [f for s in ("S1", "S2") for f in (
            grain_cube(con, "2026-09", "grade", [s]),
            grain_cube(con, ["2026-09", "2026-10"], "consultant", [s]),
            relation_rows(con, "lead_stock", "2026-10", s),
            relation_rows(con, "lead_stock", "2026-09", s, "overdue"))]

    monkeypatch.setattr(network_cache, "_FRAMES", None)
    with open_warehouse(tiny_data) as wh:
        fresh = store_frames(wh.con)
    monkeypatch.setattr(network_cache, "_FRAMES", {})
    with open_warehouse(tiny_data) as wh:
        cached = store_frames(wh.con)
        assert any(k[1] == "grain" for k in network_cache._FRAMES)
    with open_warehouse(tiny_data) as wh:  # another connection: remembered, not queried
        monkeypatch.setattr("kpi_lib.metrics.relation_tables.relation_source",
                            lambda *a: pytest.fail("queried again"))
        again = store_frames(wh.con)
    assert any(len(f) for f in fresh)
    for a, b, c in zip(fresh, cached, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(a, c)


def test_least_recently_used_frames_go_beyond_the_budget(tiny_data, cache_on, monkeypatch):
    frame = pd.DataFrame({"x": range(1000)})  # 8,000 bytes
    monkeypatch.setattr(network_cache, "MAX_BYTES", 20_000)
    with open_warehouse(tiny_data) as wh:
        for key in ("a", "b"):
            network_cache.remembered(wh.con, (key,), frame.copy)
        network_cache.remembered(wh.con, ("a",), lambda: pytest.fail("forgotten"))
        network_cache.remembered(wh.con, ("c",), frame.copy)  # "b" was used least recently
        assert [k[1:] for k in network_cache._FRAMES] == [("a",), ("c",)]


def test_saved_frame_gives_each_caller_its_own_copy(tiny_data, cache_on):
    with open_warehouse(tiny_data) as wh:
        first = compare_month(wh.con, "2026-09")
        first.loc[:, "value"] = -1.0
        assert (compare_month(wh.con, "2026-09")["value"] != -1.0).any()


def test_one_check_context_per_month_when_cached(tiny_data, monkeypatch):
    from kpi_lib.analysis.check_context import CheckContext

    with open_warehouse(tiny_data) as wh, open_warehouse(tiny_data) as other:
        compare = compare_month(wh.con, "2026-09")
        args = ("2026-09", compare, "zh", {})
        monkeypatch.setattr(network_cache, "_FRAMES", None)
        assert CheckContext.shared(wh.con, *args) is not CheckContext.shared(wh.con, *args)
        monkeypatch.setattr(network_cache, "_FRAMES", {})
        ctx = CheckContext.shared(wh.con, *args)
        assert CheckContext.shared(other.con, *args) is ctx and ctx.con is other.con
        assert CheckContext.shared(wh.con, "2026-10", compare, "zh", {}) is not ctx
        other = compare.assign(value=compare["value"] + 1)  # e.g. other benchmark settings
        assert CheckContext.shared(wh.con, "2026-09", other, "zh", {}).compare is other
