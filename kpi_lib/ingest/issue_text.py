"""Quarantine reasons in the report's language.

Ingest words each reason from an English template of :data:`kpi_lib.ingest.validate.REASONS`
or :data:`kpi_lib.ingest.brand_workbook.REASONS` (the CLI prints those). The report translates by
the
issue's code: the English template is turned into a pattern that recovers the fields,
which fill the template of the report's language. A reason that does not match its
template is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from ..i18n import check_lang
from .brand_workbook import REASONS as WORKBOOK_REASONS
from .validate import REASONS as TABLE_REASONS

#: Every English reason template of ingest, by code (tables and the brand workbook).
REASONS: dict[str, str] = {**TABLE_REASONS, **WORKBOOK_REASONS}

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
    "unclosed_quote": "此行的引号（\"）没有闭合，其后的行被读成了一个值；请删除或补全引号",
    "too_large": "{column} {value} 过大，不可能正确（超过 {limit}）",
    "bad_text": "{column} 含有无法识别的字符（“{value}”）：文件此处已损坏或混用了编码；"
                "请重新保存为 UTF-8",
    "unknown_file": "未读取：“{value}”不是表名（应为 visits、来店客户登记表 等）",
    "unknown_sheets": "未读取：没有以表名命名的工作表（现有 {value}），"
                      "应为 visits、来店客户登记表 等",
    "unreadable_file": "未读取：文件名不是表名，且无法作为Excel工作簿打开",
    "outside_link": "指向数据文件夹以外文件的链接，未读取",
    "empty_file": "文件为空（0 字节），该表没有数据行",
    "unsafe_id": "“{value}”不能用作门店代码：{why}",
    "date_future": "{column} {value} 晚于今天（{today}），是未来的日期",
    "consultant_store": "顾问“{value}”属于门店 {other}，不属于 {store}",
    "unknown_kpi_row": "“{value}”不是KPI模板中的行{hint}",
    "unknown_store_sheet": "工作表“{value}”不对应门店表中的任何门店，已跳过",
    "month_without_year": "月份表头“{value}”没有年份：请在表头上方的单元格填写“年份”和年份",
    "duplicate_month": "月份 {value} 在表头中出现多次，这些列未读取",
    "workbook_conflict": "{row_label} 在 {month} 有两个不同的值（{value} 和 {other}），采用第一个",
    "excel_error": "单元格为Excel错误值 {value}，按无数据处理",
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
    if not match:
        return reason
    fields = match.groupdict()
    if "hint" in fields:
        fields["hint"] = _hint_zh(fields["hint"])
    if "why" in fields:
        fields["why"] = _why_zh(fields["why"])
    return REASONS_ZH[code].format(**fields)


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
