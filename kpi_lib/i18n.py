"""The report's words, one catalogue per language.

Every heading, label and sentence a reader sees comes from here (metric labels come
from the registry). ``text(key, lang)`` fails loudly on a missing key; a test checks that
both languages have the same keys.
"""

from __future__ import annotations

from .errors import ParameterError

LANGS = ("zh", "en")

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "report_title": "门店月度销售KPI报告",
        "store": "门店",
        "region": "区域",
        "city": "城市",
        "tier": "级别",
        "month": "月份",
        "kpi_summary": "关键指标概览",
        "kpi_summary_note": "本月与上月、去年同月对比。比率为分子合计 / 分母合计；"
        "“—”表示无法计算（原因见脚注）。",
        "col_kpi": "指标",
        "col_this_month": "本月",
        "col_last_month": "上月",
        "col_last_year": "去年同月",
        "col_mom": "环比",
        "col_yoy": "同比",
        "funnel": "销售漏斗",
        "funnel_note": "来店批次 → 留档 → 试乘试驾 → 商洽 → 订单 → 交车；箭头旁为相邻环节转化率。",
        "funnel_title": "{month} 销售漏斗",
        "stage_visits": "来店批次",
        "stage_leads": "留档（新增意向客户）",
        "stage_test_drives": "试乘试驾",
        "stage_negotiations": "商洽",
        "stage_orders": "订单",
        "stage_deliveries": "交车",
        "data_quality": "数据质量",
        "dq_summary": "读取 {read} 行，隔离 {quarantined} 行（有问题的行不参与计算）。",
        "dq_clean": "本期数据未发现问题，全部 {read} 行参与计算。",
        "dq_col_table": "数据表",
        "dq_col_file": "文件",
        "dq_col_read": "读取行数",
        "dq_col_kept": "有效行数",
        "dq_col_quarantined": "隔离行数",
        "dq_col_row": "行",
        "dq_col_column": "列",
        "dq_col_reason": "原因",
        "dq_examples": "隔离行示例（最多 {n} 行）",
        "dq_store_note": "本门店相关的隔离行：{n} 行。",
        "na": "—",
        "na_no_data": "无数据",
        "na_zero_denominator": "分母为零",
        "na_footnote": "— 表示无法计算：{reasons}。",
        "pct_points": "个百分点",
        "generated": "生成时间",
    },
    "en": {
        "report_title": "Monthly store sales KPI report",
        "store": "Store",
        "region": "Region",
        "city": "City",
        "tier": "Tier",
        "month": "Month",
        "kpi_summary": "KPI summary",
        "kpi_summary_note": "This month against last month and the same month last year. "
        "Ratios are sum of numerators / sum of denominators; "
        "“—” means not computable (reason in the footnote).",
        "col_kpi": "KPI",
        "col_this_month": "This month",
        "col_last_month": "Last month",
        "col_last_year": "Same month last year",
        "col_mom": "MoM",
        "col_yoy": "YoY",
        "funnel": "Sales funnel",
        "funnel_note": "Visits → leads → test drives → negotiations → orders → deliveries; "
        "the arrows show each stage's conversion from the one before.",
        "funnel_title": "Sales funnel, {month}",
        "stage_visits": "Visit batches",
        "stage_leads": "Leads captured (new leads)",
        "stage_test_drives": "Test drives",
        "stage_negotiations": "Negotiations",
        "stage_orders": "Orders",
        "stage_deliveries": "Deliveries",
        "data_quality": "Data quality",
        "dq_summary": "{read} rows read, {quarantined} quarantined "
        "(rows with problems are left out of every figure).",
        "dq_clean": "No problems found: all {read} rows are used.",
        "dq_col_table": "Table",
        "dq_col_file": "File",
        "dq_col_read": "Rows read",
        "dq_col_kept": "Rows used",
        "dq_col_quarantined": "Quarantined",
        "dq_col_row": "Row",
        "dq_col_column": "Column",
        "dq_col_reason": "Reason",
        "dq_examples": "Quarantined rows (first {n})",
        "dq_store_note": "Quarantined rows of this store: {n}.",
        "na": "—",
        "na_no_data": "no data",
        "na_zero_denominator": "zero denominator",
        "na_footnote": "— means not computable: {reasons}.",
        "pct_points": "pp",
        "generated": "Generated",
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if the report speaks it, else raise ParameterError."""
    if lang not in LANGS:
        raise ParameterError(f"language {lang!r} is not available; use one of: {', '.join(LANGS)}")
    return lang


def text(key: str, lang: str = "zh", **fields: object) -> str:
    """The catalogue entry ``key`` in ``lang``, with ``{fields}`` filled in."""
    template = TEXTS[check_lang(lang)][key]
    return template.format(**fields) if fields else template


def month_label(month: str, lang: str = "zh") -> str:
    """``2026-10`` as a reader writes it.

    >>> month_label("2026-10")
    '2026年10月'
    >>> month_label("2026-10", "en")
    'October 2026'
    """
    year, mon = int(month[:4]), int(month[5:7])
    if check_lang(lang) == "zh":
        return f"{year}年{mon}月"
    names = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
    return f"{names[mon - 1]} {year}"
