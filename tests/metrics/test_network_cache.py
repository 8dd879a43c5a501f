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
