"""Network overview data, the month cache, and a bench smoke test."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from kpi_lib import paths
from kpi_lib.report import network_index as ov

MONTH = "2026-10"


def _overview(network: pd.DataFrame, stores: pd.DataFrame, lang="zh", **kw) -> ov.Overview:
    return ov.Overview(MONTH, lang, stores, network, kw.get("findings", []),
                       kw.get("files", {}), kw.get("status", {}))


def _net(rows):
    cols = ["store_id", "region", "metric", "numerator", "denominator", "value", "verdict"]
    return pd.DataFrame(rows, columns=cols)


def test_region_table_pools_rates_by_hand():
    stores = pd.DataFrame({"store_id": ["A", "B", "C"], "store_name": ["a", "b", "c"],
                           "region": ["东", "东", "西"], "city": None, "tier": None})
    nan = math.nan
    net = _net([
        ("A", "东", "visits", 100, nan, 100, "in_line"),
        ("B", "东", "visits", 300, nan, 300, "in_line"),
        ("C", "西", "visits", 50, nan, 50, "in_line"),
        ("A", "东", "test_drive_rate", 20, 100, 0.2, "in_line"),
        ("B", "东", "test_drive_rate", 120, 300, 0.4, "clearly_above"),
        ("C", "西", "test_drive_rate", nan, 0, nan, "na"),
    ])
    table = ov.region_table(_overview(net, stores)).set_index(
        pd.Index(["东", "西", "all"]))
    assert table.loc["东", "stores"] == 2 and table.loc["all", "stores"] == 3
    assert table.loc["东", "visits"] == 400 and table.loc["all", "visits"] == 450
    assert table.loc["东", "test_drive_rate"] == pytest.approx(140 / 400)
    assert math.isnan(table.loc["西", "test_drive_rate"])  # n/a, never 0
    frame = ov.region_frame(_overview(net, stores))
    assert list(frame.iloc[:, 0]) == ["东", "西", "全网"]
    assert frame.loc[1, "试乘试驾率"] == "—" and frame.loc[0, "试乘试驾率"] == "35.0%"
    assert list(ov.outliers(_overview(net, stores))["store_id"]) == ["B"]


def test_links_only_to_existing_files_and_names_escaped():
    stores = pd.DataFrame({"store_id": ["S1", "S2"], "store_name": ["A|B*店", "乙"],
                           "region": ["东", "东"], "city": None, "tier": None})
    o = _overview(_net([]), stores, lang="en",
                  files={"S1": {"html": "S1.html", "pdf": "S1.pdf"}},
                  status={"S2": {"status": "failed", "reason": "boom"}})
    md = ov.links_markdown(o)
    assert "[HTML](S1.html)" in md and "[PDF](S1.pdf)" in md and "S2.html" not in md
    assert r"A\|B\*店" in md
    assert "failed: boom" in md


def test_links_both_languages_where_both_exist(tmp_path):
    for name in ("S1.html", "S1.pdf", "S1.en.html", "S1.en.xlsx", "S2.en.html", "S2.en.pdf",
                 ".S1.en.pdf.x.tmp"):
        (tmp_path / name).write_text("x")
    assert ov.report_files(tmp_path, "S1") == {"html": "S1.html", "pdf": "S1.pdf",
                                               "en.html": "S1.en.html",
                                               "en.xlsx": "S1.en.xlsx"}
    assert ov.report_files(tmp_path, "S2") == {"en.html": "S2.en.html", "en.pdf": "S2.en.pdf"}
    assert ov.report_files(tmp_path, "S3") == {}
    stores = pd.DataFrame({"store_id": ["S1", "S2", "S3"], "store_name": ["甲", "乙", "丙"],
                           "region": ["东"] * 3, "city": None, "tier": None})
    files = {s: ov.report_files(tmp_path, s) for s in ("S1", "S2", "S3")}
    md = ov.links_markdown(_overview(_net([]), stores, files=files))
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[4:7]
            for line in md.splitlines()[2:]}
    assert rows["S1"] == ["[HTML](S1.html) · [EN](S1.en.html)", "[PDF](S1.pdf)",
                          "[EN](S1.en.xlsx)"]
    assert rows["S2"] == ["[EN](S2.en.html)", "[EN](S2.en.pdf)", "—"]
    assert rows["S3"] == ["—", "—", "—"]
    intro = ov.intro_markdown(_overview(_net([]), stores, files=files))
    assert "2 份门店报告" in intro  # S1 (both languages) and S2 (English only)


def test_load_overview_demo():
    o = ov.load_overview(paths.DEMO_DATA, MONTH, "zh", paths.REPORTS / "no-such-month")
    assert len(o.stores) == 12 and all(not f for f in o.files.values())
    diag = ov.diagnosis_frame(o)
    row = diag[diag["诊断"].str.contains("试乘试驾率低")]
    assert list(row["门店"]) == ["S003"]
    assert len(ov.funnel_panels(o)) == 4
    assert "12 家门店" in ov.intro_markdown(o)


def test_bench_cube_smoke(tmp_path):
    from kpi_lib.timing import run_bench

    result = run_bench(tmp_path, cube_stores=10, loop_sample=2, parts=("cube",))
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    saved = json.loads(files[0].read_text("utf-8"))
    assert saved["cube"]["runs"][-1]["stores"] == 10
    for key in ("cube_speedup", "cube_seconds", "cube_rss_mb"):
        assert saved["ratios"][key] > 0
    assert result["ratios"]["cube_speedup"] == saved["ratios"]["cube_speedup"]
