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
        "comparison": "横向比较",
        "comparison_note": "本店与全国平均、区域平均、全国标杆、区域标杆和对标门店对比"
        "（平均值为分子合计 / 分母合计），并给出本店比率的95%置信区间。"
        "判断考虑了门店规模和门店间的正常差异（漏斗图控制限，过度离散调整），"
        "并对全网所有门店×指标的检验做了错误发现率（FDR）控制。",
        "col_store_value": "本店",
        "col_national_avg": "全国平均",
        "col_regional_avg": "区域平均",
        "col_national_best": "全国标杆",
        "col_regional_best": "区域标杆",
        "col_peers": "对标门店",
        "col_verdict": "判断",
        "col_gap": "与基准差距",
        "verdict_in_line": "正常",
        "verdict_watch_below": "值得关注 ▼",
        "verdict_watch_above": "值得关注 ▲",
        "verdict_clearly_below": "明显偏低 ▼▼",
        "verdict_clearly_above": "明显偏高 ▲▲",
        "verdict_too_few": "样本太少",
        "verdict_na": "—",
        "gap_fewer": "少约 {n}{unit}",
        "gap_more": "多约 {n}{unit}",
        "benchmark_used": "判断基准：{scope}。",
        "scope_national_avg": "全国平均",
        "scope_regional_avg": "区域平均",
        "scope_national_best": "全国标杆",
        "scope_regional_best": "区域标杆",
        "scope_peers": "对标门店",
        "scope_rule": "规则阈值",
        "col_shrunk": "收缩后比率",
        "col_rank": "全网排名",
        "ranking_note": "排名按经验贝叶斯收缩后的比率（向所在区域收缩，门店规模越小收缩越多），"
        "避免小店因偶然波动排在前列。",
        "scope_network": "全网",
        "scope_team": "团队其他成员",
        "scope_store_b_x_network_ratio": "本店B × 全网A/B比",
        "supplied_note": "品牌发布的基准值：{metrics}。",
        "pvalue_footnote": "p值（双侧，FDR校正后）：{items}。",
        "funnel_plots": "漏斗图：与全网门店对比",
        "funnel_plots_note": "每个点是一家门店（◆ 为本店），横轴为分母规模，纵轴为比率；"
        "灰线为全国平均，实线和虚线为95%和99.8%控制限（已按门店间差异调整）。"
        "点落在线外才说明与全国水平确有差异。",
        "funnel_plot_x": "分母（{unit}）",
        "diagnosis": "诊断与建议",
        "diagnosis_none": "本月未发现需要干预的问题：各项关键比率都在正常范围内。",
        "finding_cause": "可能原因",
        "finding_actions": "建议措施",
        "finding_impact": "预期效果",
        "finding_evidence": "证据",
        "severity_high": "高",
        "severity_medium": "中",
        "severity_low": "低",
        "severity_info": "提示",
        "col_severity": "严重程度",
        "col_finding": "问题",
        "col_benchmark": "基准",
        "col_interval": "95%区间",
        "evidence_note": "证据表列出每条诊断所依据的指标、本店数值与区间、所用基准及判断。",
        # --- section: summary (zh) ---
        "summary": "本月概要",
        "summary_deliveries": "本月交车 {deliveries} 台，目标 {target} 台，完成 {completion}。",
        "summary_deliveries_no_target": "本月交车 {deliveries} 台（无目标数据，无法计算完成率）。",
        "summary_finding": "需优先解决：{title}。{effect}。",
        "summary_no_findings": "本月未发现需要干预的问题。",
        "summary_change": "与上月相比变化最大：{kpi} {change}（{before} → {now}）。",
        "summary_no_change": "与上月无可比数据。",
        "summary_orders": "本月订单 {orders} 张（环比 {change}），其中退订 {cancellations} 张。",
        "appendix": "附录：指标定义",
        "appendix_note": "所有指标在 kpi_lib/metrics.py 中唯一定义；比率为分子合计 / 分母合计，"
        "分母为零时不计算（显示为“—”）。",
        "appendix_id": "指标代码",
        "appendix_definition": "定义",
        "appendix_better": "方向",
        "appendix_direction_up": "越高越好",
        "appendix_direction_down": "越低越好",
        "appendix_direction_None": "—",
        # --- section: trends (zh) ---
        # --- section: pipeline (zh) ---
        # --- section: consultants (zh) ---
        # --- section: mix_aftercare (zh) ---
        # --- section: traffic (zh) ---
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
        "comparison": "Comparison with benchmarks",
        "comparison_note": "The store beside the national and regional averages (pooled: sum "
        "of numerators / sum of denominators), the national and regional benchmark stores and "
        "its peers, with the 95% interval of the store's rate. Verdicts allow for the "
        "store's volume and for normal store-to-store variation (funnel-plot limits with "
        "an overdispersion adjustment), with false-discovery-rate control over all stores × KPIs.",
        "col_store_value": "Store",
        "col_national_avg": "National avg",
        "col_regional_avg": "Regional avg",
        "col_national_best": "National best",
        "col_regional_best": "Regional best",
        "col_peers": "Peers",
        "col_verdict": "Verdict",
        "col_gap": "Gap to benchmark",
        "verdict_in_line": "in line",
        "verdict_watch_below": "worth watching ▼",
        "verdict_watch_above": "worth watching ▲",
        "verdict_clearly_below": "clearly below ▼▼",
        "verdict_clearly_above": "clearly above ▲▲",
        "verdict_too_few": "too few to tell",
        "verdict_na": "—",
        "gap_fewer": "≈{n} fewer{unit}",
        "gap_more": "≈{n} more{unit}",
        "benchmark_used": "Verdicts compare with the {scope}.",
        "scope_national_avg": "national average",
        "scope_regional_avg": "regional average",
        "scope_national_best": "national benchmark store",
        "scope_regional_best": "regional benchmark store",
        "scope_peers": "peer stores",
        "scope_rule": "rule threshold",
        "col_shrunk": "Shrunk rate",
        "col_rank": "Network rank",
        "ranking_note": "Ranks use empirical-Bayes rates (pulled toward the region, the more "
        "the less volume backs them), so that a small store's lucky month does not top the list.",
        "scope_network": "network",
        "scope_team": "rest of the team",
        "scope_store_b_x_network_ratio": "store's B × network A/B ratio",
        "supplied_note": "Benchmarks published by the brand: {metrics}.",
        "pvalue_footnote": "p-values (two-sided, FDR-adjusted): {items}.",
        "funnel_plots": "Funnel plots: the store among all stores",
        "funnel_plots_note": "Each dot is a store (◆ this store); across, the volume "
        "(denominator); up, the rate. The grey line is the national average, the solid and "
        "dashed lines the 95% and 99.8% limits (adjusted for store-to-store variation). Only "
        "a dot outside the lines differs from the network beyond chance.",
        "funnel_plot_x": "volume ({unit})",
        "diagnosis": "Diagnosis and actions",
        "diagnosis_none": "No problem needing action this month: every key rate is in line.",
        "finding_cause": "Likely cause",
        "finding_actions": "Recommended actions",
        "finding_impact": "Expected effect",
        "finding_evidence": "Evidence",
        "severity_high": "high",
        "severity_medium": "medium",
        "severity_low": "low",
        "severity_info": "note",
        "col_severity": "Severity",
        "col_finding": "Finding",
        "col_benchmark": "Benchmark",
        "col_interval": "95% interval",
        "evidence_note": "The evidence lists, for each finding, the KPIs it rests on: the "
        "store's value and interval, the benchmark used and the verdict.",
        # --- section: summary (en) ---
        "summary": "The month at a glance",
        "summary_deliveries": "{deliveries} deliveries against a target of {target}: "
        "{completion} complete.",
        "summary_deliveries_no_target": "{deliveries} deliveries (no target in the data, so no "
        "completion rate).",
        "summary_finding": "First to fix: {title}. {effect}.",
        "summary_no_findings": "No problem needing action this month.",
        "summary_change": "Biggest change from last month: {kpi} {change} ({before} → {now}).",
        "summary_no_change": "No comparable data for last month.",
        "summary_orders": "{orders} orders (MoM {change}), {cancellations} of them cancelled.",
        "appendix": "Appendix: KPI definitions",
        "appendix_note": "Every KPI is defined once, in kpi_lib/metrics.py; a ratio is the sum of "
        "numerators / the sum of denominators and is not computed (shown as “—”) when the "
        "denominator is zero.",
        "appendix_id": "Id",
        "appendix_definition": "Definition",
        "appendix_better": "Better",
        "appendix_direction_up": "higher",
        "appendix_direction_down": "lower",
        "appendix_direction_None": "—",
        # --- section: trends (en) ---
        # --- section: pipeline (en) ---
        # --- section: consultants (en) ---
        # --- section: mix_aftercare (en) ---
        # --- section: traffic (en) ---
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
