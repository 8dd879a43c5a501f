"""Periods: a month, a quarter, a year or a range of months (DATA_CONTRACT.md, "Periods").

A period ``P`` is written

- ``YYYY-MM`` — a month;
- ``YYYY-Qn`` — a quarter (``2026-Q3`` = 2026-07..2026-09);
- ``YYYY`` — a calendar year;
- ``YYYY-MM..YYYY-MM`` — a range of whole months, both ends included
  (``2026-01..2026-10``, e.g. year to date);
- ``YYYY-YTD`` — year to date: refused with the range to write instead
  (``2026-01..2026-10``: January to the last month with data; :func:`check_period_in_data`),
  so that a report's folder names the months it holds.

Every KPI definition reads "in M" as "in P" (:mod:`kpi_lib.metrics.cube_sql`): flows over
P's months, stocks at P's start, spend and targets added over P's months. Its months
(:func:`period_months`), previous period of the same length (:func:`previous_period`) and
the same period a year earlier (:func:`same_period_last_year`) live here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from ..errors import ParameterError
from .months import MONTH_RE, month_bounds, previous_month

_QUARTER_RE = re.compile(r"^([0-9]{4})-Q([1-4])$")
_YEAR_RE = re.compile(r"^[0-9]{4}$")
_YTD_RE = re.compile(r"^([0-9]{4})-YTD$")
_RANGE_SEP = ".."
#: What a period may look like, for messages.
FORMS = "YYYY-MM, YYYY-Qn, YYYY, YYYY-MM..YYYY-MM or YYYY-YTD (e.g. 2026-10, 2026-Q3)"


def is_month(period: str) -> bool:
    """Whether ``period`` is a single month ``YYYY-MM``."""
    return isinstance(period, str) and bool(MONTH_RE.fullmatch(period))


def check_period_format(period: str) -> str:
    """Return ``period`` if it is written as a period (:data:`FORMS`), else ParameterError.

    >>> check_period_format("2026-Q3"), check_period_format("2026-YTD")
    ('2026-Q3', '2026-YTD')
    """
    if not (isinstance(period, str) and _YTD_RE.fullmatch(period)):
        period_months(period)
    return period


def period_months(period: str) -> list[str]:
    """The months of ``period``, in order (``YYYY-YTD`` must be resolved first).

    >>> period_months("2026-Q3")
    ['2026-07', '2026-08', '2026-09']
    >>> len(period_months("2026")), period_months("2026-11..2027-01")
    (12, ['2026-11', '2026-12', '2027-01'])
    """
    if not isinstance(period, str):
        raise ParameterError(f"month {period!r} is not of the form {FORMS}")
    if is_month(period):
        return [period]
    if m := _QUARTER_RE.fullmatch(period):
        first = (int(m[2]) - 1) * 3 + 1
        return [f"{m[1]}-{first + i:02d}" for i in range(3)]
    if _YEAR_RE.fullmatch(period):
        return [f"{period}-{i:02d}" for i in range(1, 13)]
    if _YTD_RE.fullmatch(period):
        raise ParameterError(f"period {period}: write the months it means, e.g. "
                             f"{period[:4]}-01..{period[:4]}-10 (year to date)")
    if _RANGE_SEP in period:
        start, _, end = period.partition(_RANGE_SEP)
        if is_month(start) and is_month(end):
            if end < start:
                raise ParameterError(f"period {period} ends before it starts: write the "
                                     f"earlier month first ({end}..{start})")
            months, m = [], start
            while m <= end:
                months.append(m)
                m = previous_month(m, -1)
            return months
    raise ParameterError(f"month {period!r} is not of the form {FORMS}")


def period_bounds(period: str) -> tuple[date, date]:
    """First day of ``period`` and first day after it (half-open ``[start, end)``)."""
    months = period_months(period)
    return month_bounds(months[0])[0], month_bounds(months[-1])[1]


def period_of(months: list[str]) -> str:
    """The shortest name of consecutive ``months``: a month, a quarter, a year or a range.

    >>> period_of(["2026-07", "2026-08", "2026-09"]), period_of(["2026-02", "2026-03"])
    ('2026-Q3', '2026-02..2026-03')
    """
    first, last = months[0], months[-1]
    if first == last:
        return first
    year, n = first[:4], len(months)
    if n == 12 and first == f"{year}-01":
        return year
    q, rest = divmod(int(first[5:]) - 1, 3)
    if n == 3 and rest == 0:
        return f"{year}-Q{q + 1}"
    return f"{first}{_RANGE_SEP}{last}"


def shift_period(period: str, n: int) -> str:
    """``period`` moved by ``n`` periods of its own length (negative: back in time).

    >>> shift_period("2026-Q1", -1), shift_period("2026-10", -12), shift_period("2026", 1)
    ('2025-Q4', '2025-10', '2027')
    """
    months = period_months(period)
    return period_of([previous_month(m, -n * len(months)) for m in months])


def previous_period(period: str) -> str:
    """The period of the same length just before ``period``.

    >>> previous_period("2026-Q1"), previous_period("2026"), previous_period("2026-10")
    ('2025-Q4', '2025', '2026-09')
    """
    return shift_period(period, -1)


def same_period_last_year(period: str) -> str:
    """``period`` twelve months earlier.

    >>> same_period_last_year("2026-Q3"), same_period_last_year("2026-01..2026-10")
    ('2025-Q3', '2025-01..2025-10')
    """
    return period_of([previous_month(m, 12) for m in period_months(period)])


def check_period_in_data(period: str, first: str | None, last: str | None, *,
                         inside: bool = True) -> str:
    """Return ``period`` checked against the data's months ``first``…``last``: with
    ``inside``, all its months lie within them. ``YYYY-YTD`` is refused with the range to
    write instead (January to the last month with data in that year).

    >>> check_period_in_data("2026-Q3", "2025-10", "2026-10")
    '2026-Q3'
    """
    if first is None or last is None:
        raise ParameterError("the data folder holds no dated rows (visits or orders)")
    if m := (_YTD_RE.fullmatch(period) if isinstance(period, str) else None):
        year = m[1]
        end = min(last, f"{year}-12")
        if end < f"{year}-01" or last < f"{year}-01" or first > f"{year}-12":
            raise ParameterError(f"period {period}: the data have no month in {year} "
                                 f"(they cover {first} to {last})")
        start = max(first, f"{year}-01")
        raise ParameterError(f"period {period}: write the months it means, "
                             f"{period_of(period_months(f'{start}{_RANGE_SEP}{end}'))} "
                             f"(year to date: January to the last month with data)")
    months = period_months(period)
    if inside and (months[0] < first or months[-1] > last):
        what = "month" if len(months) == 1 else "period"
        raise ParameterError(f"{what} {period} is outside the data, which covers {first} "
                             f"to {last}")
    return period


def period_list(periods: str | Sequence[str]) -> list[str]:
    """One period or several as a list of distinct, checked periods, by start.

    >>> period_list(["2026-10", "2026-Q3", "2026-10"])
    ['2026-Q3', '2026-10']
    """
    items = [periods] if isinstance(periods, str) else list(periods)
    if not items:
        raise ParameterError("no month given: pass at least one month YYYY-MM")
    return sorted({check_period_format(p) for p in items},
                  key=lambda p: (period_bounds(p), p))
