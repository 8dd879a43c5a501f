"""Quarantine reasons in the report's language.

Ingest words each reason from an English template of :data:`kpi_lib.validate.REASONS`
(the CLI prints those). The report translates by the issue's code: the English template
is turned into a pattern that recovers the fields, which fill the template of the
report's language. A reason that does not match its template is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from .i18n import check_lang
from .validate import REASONS

#: Chinese templates, same codes and fields as ``validate.REASONS``.
REASONS_ZH: dict[str, str] = {
    "bad_date": "“{value}”不是日期（应为 YYYY-MM-DD）",
    "bad_time": "“{value}”不是时间（应为 HH:MM）",
    "bad_month": "“{value}”不是月份（应为 YYYY-MM）",
    "bad_bool": "“{value}”不是是/否值（应为 true/false、1/0、yes/no、是/否）",
    "bad_number": "“{value}”不是数字",
    "missing_value": "{column} 为必填项，但为空",
    "bad_code": "“{value}”不是允许的 {column} 取值（允许：{allowed}）",
    "negative": "{column} 为负数：{value}",
    "duplicate_key": "{column}“{value}”已在第 {first_row} 行出现",
    "missing_status_date": "状态为“{status}”，但状态日期为空",
    "unknown_reference": "{column}“{value}”不在 {table} 中",
    "time_order": "离店时间 {value} 早于来店时间 {other}",
    "date_order": "{column} {value} 早于 {other_column} {other}",
    "bad_row": "该行有 {found} 个值，但表头有 {expected} 列",
}


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
    if check_lang(lang) == "en" or code not in REASONS_ZH:
        return reason
    match = _pattern(code).match(reason)
    return REASONS_ZH[code].format(**match.groupdict()) if match else reason
