"""`python -m kpi_lib flash`: a wrong DATE, STORE or LANG is one plain line and exit 2,
checked before anything is rendered (kpi_lib/run/flash_reports.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi_lib.cli import app


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args), env={"KPI_WARM": "0", "CI": "1"})


@pytest.mark.parametrize(("store", "day", "lang", "message"), [
    ("S1", "2026-9-10", "zh", "error: date '2026-9-10' is not of the form YYYY-MM-DD "
                              "(e.g. 2026-10-15)"),
    ("S1", "2026-02-30", "zh", "error: date '2026-02-30' is not a calendar date"),
    ("S1", "", "zh", "error: date '' is not of the form YYYY-MM-DD (e.g. 2026-10-15)"),
    # the tiny data run from L01's card (2026-07-15) to V23's visit (2026-10-20)
    ("S1", "2026-10-21", "zh", "error: date 2026-10-21 is outside the data, which cover "
                               "2026-07-15 to 2026-10-20"),
    ("S1", "2026-07-14", "zh", "error: date 2026-07-14 is outside the data, which cover "
                               "2026-07-15 to 2026-10-20"),
    ("S9", "2026-09-10", "zh", "error: store 'S9' is not in the data; known stores: S1, S2"),
    ("S1", "2026-09-10", "fr", "error: language 'fr' is not available; use one of: zh, en"),
])
def test_a_wrong_parameter_is_one_line_and_exit_2(tiny_data: Path, tmp_path: Path, store,
                                                  day, lang, message):
    out = tmp_path / "reports"
    result = run_cli("flash", "--store", store, "--date", day, "--lang", lang,
                     "--data", str(tiny_data), "--out-dir", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [message]
    assert "Traceback" not in result.output
    assert not list(out.rglob("*.html"))  # nothing rendered


def test_flash_file_names():
    from datetime import date

    from kpi_lib.run.flash_reports import flash_stem

    assert flash_stem("S001", date(2026, 10, 15), "zh") == "S001.flash-2026-10-15"
    assert flash_stem("S001", date(2026, 10, 15), "en") == "S001.en.flash-2026-10-15"
