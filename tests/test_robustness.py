"""Issue 14: what a clumsy or hostile user, a shared cluster or a busy disk still broke.

One section per item of the issue, in its order (worst first). Each test reproduces the
item as the issue describes it (real processes where it says so: a Dask scheduler and
workers for items 2 and 5) and asserts the exact line the program now prints.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

from typer.testing import CliRunner

from kpi_lib.cli import app

ROOT = Path(__file__).resolve().parent.parent
NOT_A_TABLE = "(such as visits or 来店客户登记表)"
#: the environment of a CLI subprocess: no warm renderer, not under CI rules
LOCAL = {**os.environ, "KPI_WARM": "0", "LANG": "C.UTF-8"}


def run_cli(*args: str):
    """``python -m kpi_lib ARGS`` in this process (no warm renderer)."""
    return CliRunner().invoke(app, list(args), env={"KPI_WARM": "0", "CI": "1"})


def kpis_of(path: Path) -> dict[tuple[str, str], str]:
    """The kpis CSV as (store, metric) -> value."""
    with path.open(encoding="utf-8") as fh:
        return {(r["store_id"], r["metric"]): r["value"] for r in csv.DictReader(fh)}


def add_stray_files(folder: Path) -> None:
    """What office folders hold beside the tables: a copy and a notes file."""
    (folder / "visits - 副本.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "说明.xlsx").write_bytes(b"not really a workbook")


STRAY_LINES = [
    "ignored: visits - 副本.csv: not read: 'visits - 副本' is not the name of a table "
    f"{NOT_A_TABLE}",
    "ignored: 说明.xlsx: not read: it is named after no table and cannot be opened as a "
    "workbook",
]


# --------------------------------------------------------------------------- 1 stray files


def test_1_stray_files_are_listed_once_as_ignored_by_kpis(tiny_data: Path, tmp_path: Path):
    add_stray_files(tiny_data)
    out = tmp_path / "kpis.csv"
    result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == STRAY_LINES
    cube = kpis_of(out)  # the tables are read as if the stray files were not there
    assert (cube["S1", "visits"], cube["S1", "orders"], cube["S2", "calls"]) == ("8", "5", "1")
    strict = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out",
                     str(tmp_path / "strict.csv"), "--strict")
    assert strict.exit_code == 0, "a file not read is no quarantined row"


def test_1_doctor_warns_about_stray_files(tiny_data: Path):
    from kpi_lib.doctor import check_data

    add_stray_files(tiny_data)
    check = check_data(tiny_data)
    assert check.status == "warn"
    assert check.detail.endswith(
        "0 quarantined rows; ignored: visits - 副本.csv (not read: 'visits - 副本' is not the "
        f"name of a table {NOT_A_TABLE}); 说明.xlsx (not read: it is named after no table and "
        "cannot be opened as a workbook)")
    assert "move it out of" in check.fix


def test_1_report_lists_stray_files_once_in_the_data_quality_section(tiny_data, tmp_path):
    add_stray_files(tiny_data)
    out = tmp_path / "reports"
    result = run_cli("report", "--store", "S1", "--month", "2026-09", "--lang", "en",
                     "--data", str(tiny_data), "--out-dir", str(out))
    assert result.exit_code == 0, result.output
    html = (out / "2026-09" / "S1.html").read_text("utf-8")
    assert html.count("visits - 副本.csv") == 1 and html.count("说明.xlsx") == 1
    text = re.sub(r"<[^>]+>", "", html)
    assert "No problems found: all 70 rows are used. Files not read (ignored): " in text
    assert "Quarantined rows (first" not in text  # no row was quarantined
