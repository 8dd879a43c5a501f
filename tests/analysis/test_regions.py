"""The region report's logic: stores that moved beyond chance (planted changes found, a
change shared by the network not blamed on anyone, false alarms rare in simulation), and
REGION checked like STORE."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from kpi_lib import stats
from kpi_lib.analysis.regions import change_tests, check_region
from kpi_lib.errors import ParameterError


def _cube(metric: str, rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """(store, month, numerator, denominator) → cube rows (value = k / n, or k for a
    count when the denominator is NaN)."""
    out = pd.DataFrame(rows, columns=["store_id", "month", "numerator", "denominator"])
    out["metric"] = metric
    out["value"] = np.where(out["denominator"].notna(),
                            out["numerator"] / out["denominator"], out["numerator"])
    return out


def test_a_planted_drop_is_found_and_called_a_slip():
    # ten stores at 40% of 500 test drives each month; S07 falls to 25% (75 fewer)
    rows = [(f"S{i:02d}", m, 200.0, 500.0) for i in range(10) for m in ("2026-09", "2026-10")]
    rows = [(s, m, 125.0 if (s, m) == ("S07", "2026-10") else k, n) for s, m, k, n in rows]
    out = change_tests(_cube("test_drive_rate", rows), "test_drive_rate", "2026-09",
                       "2026-10").set_index("store_id")
    # by hand: d = 0.25 − 0.40 = −0.15; the network's change −0.15 / 10 = −0.015; the other
    # stores' d − ref are all +0.015, so τ² = 0; v = 0.4·0.6/500 + 0.25·0.75/500 = 0.000855;
    # z = −0.135 / √0.000855 = −4.617
    assert out.loc["S07", "z"] == pytest.approx(-0.135 / 0.000855 ** 0.5, rel=1e-9)
    assert out.loc["S07", "p"] < 1e-5 and not out.loc["S07", "improved"]
    others = out.drop(index="S07")
    assert (others["p"] > 0.05).all()


def test_a_change_of_the_whole_network_is_nobodys():
    # a holiday month: every store's visits double (with a little noise) — nobody moved
    rng = np.random.default_rng(7)
    rows = []
    for i in range(12):
        base = 1500.0 + 100 * i
        rows += [(f"S{i:02d}", "2026-09", float(rng.poisson(base)), np.nan),
                 (f"S{i:02d}", "2026-10", float(rng.poisson(2 * base)), np.nan)]
    out = change_tests(_cube("visits", rows), "visits", "2026-09", "2026-10")
    reject, _ = stats.fdr(out["p"].to_numpy(), q=0.05)
    assert not reject.any()
    # one store that does not share the rise stands out, as falling behind
    rows = [(s, m, k / 2 if (s, m) == ("S05", "2026-10") else k, n) for s, m, k, n in rows]
    out = change_tests(_cube("visits", rows), "visits", "2026-09", "2026-10")
    s05 = out.set_index("store_id").loc["S05"]
    assert s05["p"] < 1e-4 and not s05["improved"]


def test_false_alarms_are_rare_in_simulated_networks():
    """200 networks of 12 stores whose rates do not change (stores differ, months are
    binomial draws): a network with any store flagged after FDR is rare."""
    rng = np.random.default_rng(2026)
    flagged = 0
    for _ in range(200):
        rates = rng.uniform(0.2, 0.6, 12)
        sizes = rng.integers(80, 2000, 12)
        rows = [(f"S{i:02d}", m, float(rng.binomial(sizes[i], rates[i])), float(sizes[i]))
                for i in range(12) for m in ("2026-09", "2026-10")]
        out = change_tests(_cube("test_drive_rate", rows), "test_drive_rate", "2026-09",
                           "2026-10")
        reject, _ = stats.fdr(out["p"].to_numpy(), q=0.05)
        flagged += bool(reject.any())
    assert flagged / 200 <= 0.08


def test_region_is_checked_like_a_store():
    assert check_region("华东", ["华东", "华北"]) == "华东"
    assert check_region(None, ["华东"]) is None
    with pytest.raises(ParameterError, match="region '火星' is not in the data; known "
                                             "regions: 华东, 华北"):
        check_region("火星", ["华东", "华北"])


def test_unknown_region_is_one_line_and_exit_2(tmp_path):
    from kpi_lib.demo import ensure_demo_data

    proc = subprocess.run([sys.executable, "-m", "kpi_lib", "region", "--region", "火星",
                           "--month", "2026-10", "--data", str(ensure_demo_data()),
                           "--out-dir", str(tmp_path / "r")], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert "known regions: 华东, 华北, 华南, 西南" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "r").exists()
