"""The diagnosis on simulated networks: the simulator's own model, then the calibration
goals (false alarms ≤ 2 % of healthy stores, every planted defect kind found ≥ 90 %)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi_lib.analysis.calibration import MAX_FALSE_ALARMS, MIN_DETECTION, calibrate
from kpi_lib.analysis.diagnosis import evaluate
from kpi_lib.analysis.diagnosis_rules import TOO_FEW_ID, load_rules
from kpi_lib.analysis.simulate import DEFECTS, Settings, SimulatedContext, simulate


@pytest.fixture(scope="module")
def net():
    return simulate(7)


def _logit(p):
    return np.log(p / (1 - p))


def test_same_seed_same_network(net) -> None:
    again = simulate(7)
    pd.testing.assert_frame_equal(net.cube, again.cube)
    pd.testing.assert_frame_equal(net.stores, again.stores)
    assert not simulate(8).cube.equals(net.cube)


def test_the_network_is_what_the_docstring_says(net) -> None:
    s = Settings()
    stores = net.stores
    assert len(stores) == s.n_stores == 250 and len(net.months) == 13
    assert net.months[-1] == "2026-10" and net.months[0] == "2025-10"
    visits = net.cube[(net.cube["month"] == net.month) & (net.cube["metric"] == "visits")]
    assert visits["value"].min() >= 5 and visits["value"].max() <= 3000 * 1.25 * 1.4
    # five planted stores per defect kind, each with at least 800 visits of capacity
    planted = stores[stores["defect"].notna()]
    assert planted["defect"].value_counts().to_dict() == dict.fromkeys(DEFECTS, 5)
    assert planted["capacity"].min() >= 800
    # healthy stores' test-drive rates: logit spread ≈ between² + wobble² + binomial noise
    cube = net.cube[(net.cube["month"] == net.month) & (net.cube["metric"] == "test_drive_rate")]
    cube = cube.merge(stores, on="store_id")
    big = cube[cube["defect"].isna() & (cube["denominator"] >= 1000)]
    spread = _logit(big["value"]).std()
    noise = np.mean(1 / (big["denominator"] * big["value"] * (1 - big["value"])))
    expected = np.sqrt(s.between**2 + s.wobble**2 + noise)
    assert spread == pytest.approx(expected, rel=0.25)
    assert _logit(big["value"]).mean() == pytest.approx(_logit(s.norms["test_drive"]), abs=0.08)
    # a planted test-drive store sits near 0.45 × the norm
    td = cube[cube["defect"] == "test_drive_low"]["value"]
    assert td.mean() == pytest.approx(0.45 * s.norms["test_drive"], rel=0.2)


def test_ratios_come_from_the_registry_definitions(net) -> None:
    last = net.cube[net.cube["month"] == net.month].set_index(["store_id", "metric"])
    sid = net.stores["store_id"].iloc[0]
    assert last.loc[(sid, "test_drive_rate"), "value"] == pytest.approx(
        last.loc[(sid, "test_drives"), "value"] / last.loc[(sid, "visits"), "value"])
    assert last.loc[(sid, "negotiation_close_rate"), "value"] == pytest.approx(
        last.loc[(sid, "walk_in_orders"), "value"] / last.loc[(sid, "negotiations"), "value"])


def test_every_finding_rests_on_a_clear_verdict_of_its_own(net) -> None:
    from kpi_lib.metrics.benchmarks import benchmarks, load_benchmark_config
    from kpi_lib.metrics.comparison import compare

    rules, cfg = load_rules(), load_benchmark_config()
    cube = net.cube[net.cube["month"] == net.month]
    stores = net.stores[["store_id", "region", "tier"]]
    table = compare(cube, stores, benchmarks(cube, stores, config=cfg, supplied=pd.DataFrame()),
                    config=cfg)
    found = evaluate(table, rules, "zh", SimulatedContext(net, table, "zh", rules.texts))
    assert len(found) > 20
    for f in found:
        if f.rule_id == TOO_FEW_ID:
            continue
        verdicts = [e["verdict"] for e in f.evidence]
        assert any(str(v).startswith("clearly_") for v in verdicts), (f.rule_id, verdicts)
        assert not all(v == "in_line" for v in verdicts)


def test_calibration_meets_both_goals_on_a_fixed_seed() -> None:
    result = calibrate(seed=20261, networks=4)
    t = result.table.set_index("rule")
    assert result.healthy == 820 and result.planted == 180
    assert t.loc["any rule", "false_alarm"] <= MAX_FALSE_ALARMS
    detection = t["detection"].dropna()
    assert set(detection.index) == set(DEFECTS)
    assert (detection >= MIN_DETECTION).all(), detection.to_dict()
    assert result.passes()
    # the figures pasted in the closing note and the README (seed 20261, 4 networks)
    assert int(t.loc["any rule", "healthy_flagged"]) == 10
    assert t.loc["traffic_low", "found"] == 19 and t.loc["closing_low", "found"] == 20


def test_calibrate_command_prints_the_table_and_exits_by_the_goals(capsys) -> None:
    from typer.testing import CliRunner

    from kpi_lib.cli import app

    res = CliRunner().invoke(app, ["calibrate", "--networks", "1", "--stores", "250"])
    assert "any rule" in res.output and "traffic_low" in res.output
    assert res.exit_code in (0, 1)
    assert ("NO" in res.output) == (res.exit_code == 1)
