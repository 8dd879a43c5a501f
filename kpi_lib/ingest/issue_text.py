"""Quarantine reasons in the report's language.

Ingest words each reason from an English template of :data:`kpi_lib.ingest.validate.REASONS`
or :data:`kpi_lib.ingest.brand_workbook.REASONS` (the CLI prints those). The report translates by
the issue's code: the English template is turned into a pattern that recovers the fields,
which fill the catalogue's ``reason_<code>`` entry (:mod:`kpi_lib.i18n`) in the report's
language. A reason that does not match its template is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from ..i18n import TEXTS, check_lang, text
from .validate import REASONS as TABLE_REASONS
from .workbook_reader import REASONS as WORKBOOK_REASONS

#: Every English reason template of ingest, by code (tables and the brand workbook).
REASONS: dict[str, str] = {**TABLE_REASONS, **WORKBOOK_REASONS}


@cache
def _pattern(code: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", REASONS[code])
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)"
                    for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.S)


def translate_reason(code: str | None, reason: str, lang: str) -> str:
    """``reason`` (English, from ingest) in ``lang``.

    >>> translate_reason("bad_date", "'2026-09-31' is not a date (expected YYYY-MM-DD)", "zh")
    '“2026-09-31”不是日期（应为 YYYY-MM-DD）'
    >>> translate_reason("bad_date", "something else", "zh")
    'something else'
    """
    key = f"reason_{code}"
    if check_lang(lang) == "en" or key not in TEXTS["zh"]:
        return reason
    match = _pattern(code).match(reason)
    if not match:
        return reason
    fields = match.groupdict()
    if "hint" in fields:
        fields["hint"] = _hint_zh(fields["hint"])
    if "why" in fields:
        fields["why"] = _why_zh(fields["why"])
    return text(key, "zh", **fields)


def _hint_zh(hint: str) -> str:
    """The workbook's "did you mean" / "cannot be read" hint in Chinese."""
    if m := re.fullmatch(r" \(did you mean '(.+)'\?\)", hint):
        return f"（是否应为“{m.group(1)}”？）"
    if m := re.fullmatch(r" \(the KPI (.+) cannot be read from the workbook\)", hint):
        return f"（指标 {m.group(1)} 无法从KPI表读取）"
    return hint


def _why_zh(why: str) -> str:
    """Why a value cannot be a store id (:func:`kpi_lib.ingest.validate.id_problem`) in Chinese."""
    if m := re.fullmatch(r"it is longer than (\d+) characters", why):
        return f"超过 {m.group(1)} 个字符"
    if m := re.fullmatch(r"it contains '(.+)'", why):
        return f"含有“{m.group(1)}”"
    if m := re.fullmatch(r"it starts with '(.)'", why):
        return f"以“{m.group(1)}”开头"
    return {"it starts or ends with a space": "首尾有空格",
            "it contains a control character": "含有控制字符"}.get(why, why)
