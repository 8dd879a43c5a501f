"""Numbers as a reader sees them: units, thousands separators, n/a as "—"."""

from __future__ import annotations

import math

from .i18n import text


def is_na(value: object) -> bool:
    """True for None and NaN (the cube's n/a)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: object, unit: str, lang: str = "zh") -> str:
    """Format one KPI value for display; n/a becomes "—" (never "nan" or "#DIV/0!").

    >>> format_value(0.3456, "rate")
    '34.6%'
    >>> format_value(1234567.0, "yuan")
    '¥1,234,567'
    >>> format_value(float("nan"), "count")
    '—'
    """
    if is_na(value):
        return text("na", lang)
    number = float(value)  # type: ignore[arg-type]
    if unit == "rate":
        return f"{number:.1%}"
    if unit == "ratio":  # a plain ratio of two rates, e.g. conversion A / conversion B
        return f"{number:.2f}"
    if unit == "yuan":
        return f"¥{number:,.0f}"
    if unit == "minutes":
        return text("traffic_minutes", lang, n=f"{number:.0f}")
    if unit == "yuan_per":
        return f"¥{number:,.0f}" if abs(number) >= 1000 else f"¥{number:,.1f}"
    return f"{number:,.0f}" if abs(number) >= 10 or number == round(number) else f"{number:.1f}"


def format_change(current: object, previous: object, unit: str, lang: str = "zh") -> str:
    """Change from ``previous`` to ``current``: percentage points for rates, else relative.

    >>> format_change(0.30, 0.25, "rate")
    '+5.0 个百分点'
    >>> format_change(110.0, 100.0, "count", "en")
    '+10.0%'
    >>> format_change(5.0, 0.0, "count")
    '—'
    >>> format_change(0.19801, 0.19804, "rate", "en")
    '0.0 pp'
    """
    if is_na(current) or is_na(previous):
        return text("na", lang)
    cur, prev = float(current), float(previous)  # type: ignore[arg-type]
    if unit == "rate":
        points = round((cur - prev) * 100, 1)
        return f"{_signed(points, '.1f')} {text('pct_points', lang)}"
    if prev == 0:
        return text("na", lang)
    return _signed(round((cur - prev) / abs(prev) * 100, 1), ".1f") + "%"


def _signed(number: float, spec: str) -> str:
    """``+1.5`` / ``-1.5``, and ``0.0`` without a sign (never ``-0.0``)."""
    return format(0.0, spec) if number == 0 else format(number, "+" + spec)
