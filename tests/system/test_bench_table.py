"""``make bench``'s verdicts: each ratio against issue 19's goal, computed by hand here."""

from __future__ import annotations

from rich.console import Console

from kpi_lib.timing import TARGETS, ratios
from kpi_lib.timing_table import profile_table, ratio_table


def _result() -> dict:
    single = {"report_cold": 9.0, "report_warm": 4.0, "flash_cold": 7.0, "flash_warm": 1.2,
              "plan_cold": 2.0, "plan_warm": 0.7}
    demo = {"stores": 12, "naive_per_store": 14.0, "single": single,
            "batch": {"stores": 12, "seconds": 36.0, "per_store": 3.0, "workers": 2,
                      "failed": 0, "store_seconds_mean": 5.0,
                      "steps_mean": {"execute": 3.8, "html": 0.2, "pdf": 0.9, "publish": 0.1}}}
    big = {"stores": 100, "naive_per_store": 35.0,
           "batch": {**demo["batch"], "stores": 100, "seconds": 250.0, "per_store": 2.5}}
    checked = [{"store": "S001", "pages": 16, "weasyprint_pages": 16, "weasyprint_seconds": 3.0,
                "fonts_embedded": True},
               {"store": "S004", "pages": 16, "weasyprint_pages": 17, "weasyprint_seconds": 3.1,
                "fonts_embedded": True}]
    batch = {"networks": [demo, big], "sections": {"setup": 0.3, "funnel_plots": 0.5},
             "look": {"engine": "chromium", "max_mb": 1.36, "largest": "S001",
                      "checked": checked, "same_page_count": 1, "pages_apart_max": 1,
                      "fonts_ok": True}}
    return {"targets": TARGETS, "batch": batch}


def _rows(table) -> dict[str, tuple[str, str]]:
    cells = [list(col.cells) for col in table.columns]
    return {name: (value, met) for name, value, _goal, met in zip(*cells, strict=True)}


def test_each_ratio_is_judged_against_its_goal():
    result = _result()
    result["ratios"] = r = ratios(result)
    assert r["batch_12_vs_naive"] == 3.0 / 14.0  # 0.214: not ≤ 0.15
    assert r["batch_100_vs_naive"] == 2.5 / 35.0  # 0.071
    assert r["warm_cli_vs_naive"] == 4.0 / 14.0 and r["flash_vs_naive"] == 1.2 / 14.0
    rows = _rows(ratio_table(result))

    def verdict(start: str) -> str:
        return next(met for name, (_v, met) in rows.items() if name.startswith(start))

    assert verdict("batch of a 12-store network") == "NO"
    assert verdict("batch of a 100-store network") == "yes"
    assert verdict("warm `make report`") == "NO"  # 0.286 > 0.25
    assert verdict("warm `make flash`") == "yes"  # 0.086
    assert verdict("warm `make plan`") == "yes"  # 0.05
    assert verdict("largest PDF, MB") == "yes"
    assert rows["page count against WeasyPrint printing the same HTML"] == (
        "1/2 equal, max 1 apart", "yes")


def test_the_profile_is_the_largest_network_s_batch():
    console = Console(width=120, record=True)
    console.print(profile_table(_result()["batch"]))
    text = console.export_text()
    assert "batch of 100" in text and "2.50" in text and "kernel: funnel_plots" in text
