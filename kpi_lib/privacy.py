"""Masking of customers' personal data before anything is displayed.

Rules (the report never shows a customer's full name or phone number):

- **Names** keep their first character — the first two for a known two-character
  (compound) surname such as 欧阳 or 司马, when the name is longer than that — and every
  other character becomes ``*``: ``张伟`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``. Spaces are
  kept (``John Smith`` → ``J*** *****``). A one-character name becomes ``*``.
- **Phones**: the digits are taken (spaces, dashes, ``+`` dropped; a trailing ``.0`` from a
  spreadsheet number is ignored). A mainland mobile number (11 digits starting with 1,
  optionally after the country code 86) keeps its first 3 and last 4 digits:
  ``138****5678``. Any other number of at least 7 digits keeps its last 4 digits only
  (``********5678``); shorter digit strings and text without digits are masked whole.
- Missing values (None, NaN, empty text) stay missing (``None``); the display shows "—".
"""

from __future__ import annotations

import math
import re

import pandas as pd

#: Two-character surnames (复姓) kept whole when a name is longer than two characters.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
    "长孙", "宇文", "司徒", "司空", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门",
    "申屠", "澹台", "公冶", "闻人", "濮阳", "淳于", "单于", "太史", "钟离", "呼延",
})

_MOBILE = re.compile(r"(?:86)?(1\d{10})")


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def mask_name(name: object) -> str | None:
    """A customer's name with all but its surname's first character(s) masked.

    >>> mask_name("张伟"), mask_name("欧阳娜娜"), mask_name("王"), mask_name(None)
    ('张*', '欧阳**', '*', None)
    """
    if _missing(name):
        return None
    text = str(name).strip()
    keep = 2 if len(text) > 2 and text[:2] in COMPOUND_SURNAMES else 1
    if len(text) <= keep:
        return "*" * len(text)
    return text[:keep] + "".join(" " if ch.isspace() else "*" for ch in text[keep:])


def mask_phone(phone: object) -> str | None:
    """A phone number with its middle (mobile) or all but its last 4 digits masked.

    >>> mask_phone("13812345678"), mask_phone("+86 138-1234-5678"), mask_phone("021-55501234")
    ('138****5678', '138****5678', '*******1234')
    >>> mask_phone("12345"), mask_phone(None)
    ('*****', None)
    """
    if _missing(phone):
        return None
    text = str(phone).strip()
    if isinstance(phone, float) or text.endswith(".0"):
        text = text.removesuffix(".0")
    digits = re.sub(r"\D", "", text)
    mobile = _MOBILE.fullmatch(digits)
    if mobile:
        number = mobile.group(1)
        return f"{number[:3]}****{number[-4:]}"
    if len(digits) >= 7:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * max(len(digits), 3 if not digits else 0)


def mask_series(values: pd.Series, kind: str) -> pd.Series:
    """``mask_name`` or ``mask_phone`` over a column (``kind`` is "name" or "phone")."""
    func = {"name": mask_name, "phone": mask_phone}[kind]
    return pd.Series([func(v) for v in values], index=values.index, dtype=object)
