"""Months: the one home of month strings ``YYYY-MM`` — their check, their bounds and
arithmetic. Every other module takes a month from here, checked once where it enters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from ..errors import ParameterError

# ASCII digits only: \d would also take full-width and other scripts' digits
MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def check_month_format(month: str) -> str:
    """Return ``month`` if it is ``YYYY-MM``, else raise ParameterError."""
    if not isinstance(month, str) or not MONTH_RE.fullmatch(month):
        raise ParameterError(f"month {month!r} is not of the form YYYY-MM (e.g. 2026-10)")
    return month


def month_bounds(month: str) -> tuple[date, date]:
    """First day of ``month`` and first day of the next month (half-open ``[start, end)``).

    >>> month_bounds("2026-12")
    (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
    """
    check_month_format(month)
    year, mon = int(month[:4]), int(month[5:])
    end = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
    return date(year, mon, 1), end


def previous_month(month: str, n: int = 1) -> str:
    """The month ``n`` months before ``month`` (``n`` may be negative).

    >>> previous_month("2026-01"), previous_month("2026-10", 12), previous_month("2026-12", -1)
    ('2025-12', '2025-10', '2027-01')
    """
    check_month_format(month)
    index = int(month[:4]) * 12 + int(month[5:]) - 1 - n
    if not 0 <= index // 12 <= 9999:
        raise ParameterError(f"month {month!r} minus {n} months is out of range")
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_list(months: str | Sequence[str]) -> list[str]:
    """One month or several as a sorted list of distinct, checked months.

    >>> month_list(["2026-10", "2026-09", "2026-10"])
    ['2026-09', '2026-10']
    """
    items = [months] if isinstance(months, str) else list(months)
    if not items:
        raise ParameterError("no month given: pass at least one month YYYY-MM")
    return sorted({check_month_format(m) for m in items})
