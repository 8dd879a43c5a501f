"""`python -m kpi_lib kpis` as the data contract describes it: exit codes, stderr, no FILE."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi_lib", *args], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)


@pytest.fixture()
def data(tiny_data: Path) -> Path:
    return tiny_data  # a writable copy of tests/fixtures/tiny (conftest.py)


def test_kpis_writes_the_tidy_cube(data: Path, tmp_path: Path):
    out = tmp_path / "kpis.csv"
    proc = run("kpis", "--data", str(data), "--month", "2026-09", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["store_id", "metric", "numerator", "denominator", "value"]
    by_key = {(r["store_id"], r["metric"]): r for r in rows}
    # hand counts from tests/fixtures/tiny/README.md: S1 has visits V02–V09 in 2026-09,
    # four new leads (L05 L06 L07 L10) and six visits with lead_captured; S2 has no visits
    # (zero denominator → empty value)
    assert by_key[("S1", "visits")] | {} == {"store_id": "S1", "metric": "visits",
                                            "numerator": "8", "denominator": "", "value": "8"}
    assert by_key[("S1", "lead_capture_rate")]["value"] == "0.5"  # 4 / 8 (contract v2)
    assert by_key[("S1", "visit_capture_rate")]["value"] == "0.75"  # 6 / 8
    assert by_key[("S2", "lead_capture_rate")]["value"] == ""
    assert by_key[("S2", "lead_capture_rate")]["denominator"] == "0"


def test_quarantined_rows_are_listed_and_the_run_goes_on(data: Path, tmp_path: Path):
    visits = data / "visits.csv"
    visits.write_text(visits.read_text("utf-8") +
                      "V99,S1,2026-09-31,10:00,10:40,C11,K09,true,网络,A6,true,false,false,false\n",
                      encoding="utf-8")
    out = tmp_path / "kpis.csv"
    proc = run("kpis", "--data", str(data), "--month", "2026-09", "--out", str(out))
    assert proc.returncode == 0
    assert "visits.csv, row" in proc.stderr and "column date" in proc.stderr
    assert "'2026-09-31' is not a date" in proc.stderr
    assert out.exists()
    strict = run("kpis", "--data", str(data), "--month", "2026-09", "--out",
                 str(tmp_path / "strict.csv"), "--strict")
    assert strict.returncode != 0 and not (tmp_path / "strict.csv").exists()
    assert "Traceback" not in strict.stderr


def test_unusable_file_stops_without_traceback_and_keeps_old_output(data: Path, tmp_path: Path):
    out = tmp_path / "kpis.csv"
    out.write_text("previous", encoding="utf-8")
    (data / "orders.csv").write_bytes(b"\x00\x01\x02PK\x03\x04 binary junk \xff\xfe")
    proc = run("kpis", "--data", str(data), "--month", "2026-09", "--out", str(out))
    assert proc.returncode == 2
    assert "orders.csv" in proc.stderr and "cannot be read" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text(encoding="utf-8") == "previous"


def test_bad_month_and_missing_folder(tmp_path: Path):
    proc = run("kpis", "--data", str(tmp_path / "nope"), "--month", "2026-09", "--out",
               str(tmp_path / "k.csv"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    proc = run("kpis", "--data", str(tmp_path), "--month", "Oct 2026", "--out",
               str(tmp_path / "k.csv"))
    assert proc.returncode == 2 and "not of the form YYYY-MM" in proc.stderr


def test_kpis_of_a_range_counted_by_hand(data: Path, tmp_path: Path):
    out = tmp_path / "kpis.csv"
    proc = run("kpis", "--data", str(data), "--month", "2026-09..2026-10", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    by_key = {(r["store_id"], r["metric"]): r
              for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert by_key[("S1", "visits")]["value"] == "9"  # V02–V09 + V10 (10-01)
    assert by_key[("S2", "ad_spend")]["value"] == "0"  # no September row, October's 0
    assert by_key[("S1", "carried_leads")]["value"] == "3"  # at 09-01: L01 L02 L04


@pytest.mark.parametrize(("period", "says"), [
    ("2026-Q5", "is not of the form YYYY-MM, YYYY-Qn, YYYY"),
    ("2026-10..2026-08", "ends before it starts: write the earlier month first "
                         "(2026-08..2026-10)"),
    ("2026-YTD", "write the months it means, 2026-08..2026-10 (year to date"),
])
def test_bad_periods_are_one_plain_line_and_exit_2(data: Path, tmp_path: Path, period, says):
    proc = run("kpis", "--data", str(data), "--month", period, "--out",
               str(tmp_path / "k.csv"))
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "k.csv").exists()


def test_a_report_period_outside_the_data_is_refused(data: Path, tmp_path: Path):
    reports = tmp_path / "reports"
    proc = run("report", "--store", "S1", "--month", "2026-Q4", "--data", str(data),
               "--out-dir", str(reports))
    assert proc.returncode == 2
    assert "period 2026-Q4 is outside the data, which covers 2026-08 to 2026-10" in proc.stderr
    assert not reports.exists()  # no folder named after a refused period


def test_diagnose_a_quarter_as_json():
    import json

    from kpi_lib.demo import ensure_demo_data

    proc = run("diagnose", "--data", str(ensure_demo_data()), "--month", "2026-Q3",
               "--store", "S012", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    assert {f["store_id"] for f in findings} == {"S012"}
    assert "too_few_to_tell" in {f["rule_id"] for f in findings}
