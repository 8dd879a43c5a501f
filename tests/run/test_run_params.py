"""Parameters are refused before anything runs, with a message that says why."""

from pathlib import Path

import pytest

from kpi_lib.errors import ParameterError
from kpi_lib.ingest.inputs import check_store_format, check_store_known
from kpi_lib.metrics.months import check_month_format
from kpi_lib.metrics.periods import check_period_format, check_period_in_data
from kpi_lib.run.params import inside


@pytest.mark.parametrize("month", ["2026-10", "1999-01", "2026-12"])
def test_good_months(month):
    assert check_month_format(month) == month


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-10", "2026/10", "2026-10; rm -rf /",
                                   "../2026-10", "", "2026-00"])
def test_bad_months(month):
    with pytest.raises(ParameterError, match="not of the form YYYY-MM"):
        check_month_format(month)


@pytest.mark.parametrize("store", ["../S001", "S001/../../etc", "S001;ls", "$(id)", "", "S 001",
                                   "<script>", "x" * 33, "-rf"])
def test_bad_store_ids(store):
    with pytest.raises(ParameterError, match="not a valid store id"):
        check_store_format(store)


def test_unknown_store_lists_the_valid_ones():
    with pytest.raises(ParameterError, match="known stores: S001, S002"):
        check_store_known("S999", ["S001", "S002"])


def test_month_outside_the_data():
    with pytest.raises(ParameterError, match="outside the data, which covers 2025-09 to 2026-10"):
        check_period_in_data("2026-11", "2025-09", "2026-10")
    assert check_period_in_data("2025-09", "2025-09", "2026-10") == "2025-09"


@pytest.mark.parametrize("period", ["2026-Q3", "2026", "2026-01..2026-10", "2025-12..2026-02",
                                    "2026-YTD"])
def test_good_periods(period):
    assert check_period_format(period) == period


@pytest.mark.parametrize("period", ["2026-Q5", "2026-Q0", "26-Q3", "2026-q3", "2026-10..",
                                    "..2026-10", "2026-10..2026-13", "2026-1..2026-3",
                                    "2026-01...2026-03", "../2026-Q3", "2026-Q3/..", "２０２６"])
def test_bad_periods(period):
    with pytest.raises(ParameterError, match="not of the form YYYY-MM, YYYY-Qn, YYYY"):
        check_period_format(period)


def test_reversed_range_says_which_end_comes_first():
    with pytest.raises(ParameterError, match="ends before it starts.*2026-01..2026-03"):
        check_period_format("2026-03..2026-01")


def test_period_reaching_outside_the_data():
    with pytest.raises(ParameterError, match="period 2026-Q4 is outside the data, which covers "
                                             "2025-09 to 2026-10"):
        check_period_in_data("2026-Q4", "2025-09", "2026-10")
    with pytest.raises(ParameterError, match="period 2025 is outside the data"):
        check_period_in_data("2025", "2025-09", "2026-10")
    assert check_period_in_data("2026-Q3", "2025-09", "2026-10") == "2026-Q3"
    assert check_period_in_data("2025-09..2026-10", "2025-09", "2026-10") == "2025-09..2026-10"


def test_year_to_date_is_refused_with_the_range_to_write():
    with pytest.raises(ParameterError, match="write the months it means, 2026-01..2026-10"):
        check_period_in_data("2026-YTD", "2025-09", "2026-10")
    with pytest.raises(ParameterError, match="write the months it means, 2025-09..2025-12"):
        check_period_in_data("2025-YTD", "2025-09", "2026-10")
    with pytest.raises(ParameterError, match="the data have no month in 2024"):
        check_period_in_data("2024-YTD", "2025-09", "2026-10")


def test_inside_refuses_escapes(tmp_path: Path):
    assert inside(tmp_path, "2026-10", "S001") == (tmp_path / "2026-10" / "S001").resolve()
    with pytest.raises(ParameterError, match="refusing to write outside"):
        inside(tmp_path, "..", "evil")
    with pytest.raises(ParameterError, match="refusing to write outside"):
        inside(tmp_path, "/etc/passwd")
