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
        "send_subject_store": "{store_name}（{store}）销售KPI报告 · {period}",
        "send_subject_region": "{region}区域销售KPI报告 · {period}",
        "send_greeting": "{name}，您好：",
        "send_greeting_anon": "您好：",
        "send_body_store": "附件是{store_name}（{store}）{period}的销售KPI报告（PDF）。",
        "send_body_region": "附件是{region}区域{period}的销售KPI报告（PDF）。",
        "send_footer": "本邮件由门店销售KPI报告系统自动发送，请勿直接回复。",
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
        "funnel_note": "每条为当月的计数（与指标表同名）；右侧为该环节的比率，"
        "与 KPI 汇总表同一定义：{definitions}。各比率按自己的分母计算，分母不一定是上一条。",
        "funnel_title": "{month} 销售漏斗",
        "data_quality": "数据质量",
        "dq_summary": "读取 {read} 行，隔离 {quarantined} 行（有问题的行不参与计算）。",
        "dq_clean": "本期数据未发现问题，全部 {read} 行参与计算。",
        "dq_clean_tables": "本期数据未发现问题：数据表 {read} 行全部参与计算。",
        "dq_workbook": "品牌月度KPI表：读取 {sheets} 个门店工作表、{rows} 个指标行（{values} 个月度"
        "数值），比例类行由系统重新计算。",
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
        "dq_ignored": "未读取（已忽略）的文件：{files}。",
        "dq_workbook_checks": "工作簿中 {n} 个计算格与按定义重新计算的结果不一致，"
        "报告使用重新计算的值：",
        "dq_workbook_checks_first": "工作簿中 {n} 个计算格与按定义重新计算的结果不一致，"
        "报告使用重新计算的值（下表列出前 {shown} 个）：",
        "dq_col_sheet": "工作表",
        "dq_col_workbook_value": "工作簿中的值",
        "dq_col_recomputed": "重新计算的值",
        "dq_blank_cell": "（空白）",
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
        "verdict_clearly_worse": "明显差于基准",
        "verdict_clearly_better": "明显好于基准",
        "verdict_watch_worse": "值得关注",
        "verdict_watch_better": "略好于基准",
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
        "scope_tier_region_peers": "同区域同级别门店",
        "scope_tier_peers": "同级别门店",
        "scope_region_peers": "同区域门店",
        "scope_network_peers": "全网其他门店",
        "scope_network_others": "全网其他门店",
        "scope_standard": "跟进标准",
        "scope_target": "目标",
        "scope_benchmark": "基准",
        "scope_first_month": "首月",
        "scope_own_seasonal": "去年同月×全网同比",
        "peers_named": "对标门店（区域、级别和客流最接近的门店）：{stores}。",
        "diagnosis_none_but_worse": "本月没有触发诊断规则的问题，但以下指标明显差于基准"
                                    "（见横向比较）：{kpis}。",
        "watch_heading": "值得关注",
        "watch_note": "以下指标偏离基准超出95%范围，但尚未超出随机波动的把握"
                      "（不作为问题，下月继续观察）。",
        "watch_line": "- {kpi} {value}，{scope} {benchmark}",
        "summary_worse_kpis": "本月没有触发诊断规则的问题，但{kpis}明显差于基准。",
        "summary_too_few": "本月来店 {visits} 批次、订单 {orders} 张，数量太少，比率的随机波动大于"
                           "与基准的差距，不作诊断（见趋势与预警的近12个月走势）。",
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
        "diagnosis_none_some_na": "本月未发现需要干预的问题：可判断的关键比率都在正常范围内；"
        "{kpis}本月无数据，无法判断。",
        "finding_cause": "可能原因",
        "finding_actions": "建议措施",
        "finding_impact": "预期效果",
        "finding_evidence": "证据",
        "severity_high": "高",
        "severity_medium": "中",
        "severity_low": "低",
        "severity_info": "提示",
        "finding_status_new": "新发现",
        "finding_status_new_start": "新发现（数据首{unit}）",
        "finding_status_persisting": "持续 {n} {unit}",
        "finding_status_persisting_start": "持续 {n} {unit}（自数据起始）",
        "finding_status_persisting_lookback": "持续至少 {n} {unit}",
        "finding_status_unit": "个月",
        "finding_status_resolved": "已解决（上次出现：{month}）",
        "finding_status_unit_period": "期",
        "finding_resolved": "上月以来已解决",
        "finding_resolved_period": "上期以来已解决",
        "col_severity": "严重程度",
        "col_finding": "问题",
        "col_benchmark": "基准",
        "col_interval": "95%区间",
        "evidence_note": "证据表列出每条诊断所依据的指标、本店数值与区间、所用基准及判断。",
        # --- section: summary (zh) ---
        "coverage_workbook": "本店本月数据来自品牌月度KPI表，只含模板中的指标；"
        "其余指标显示为“—”（无数据）。其中订单数 = 新增意向客户产生订单数 + "
        "留存意向客户产生订单数；模板没有登记表的留档标记，来店留资批次比例为“—”。",
        "coverage_missing": "以下部分缺少所需明细，只显示可计算的内容：{sections}。",
        "coverage_item": "{section}（缺少{table}）",
        "table_visits": "本月来店客户登记表",
        "table_leads": "客户信息卡",
        "table_consultants": "销售顾问名单",
        "table_orders": "本月交车记录",
        "summary": "本月概要",
        "summary_deliveries": "本月交车 {deliveries} 台，目标 {target} 台，完成 {completion}。",
        "summary_deliveries_no_target": "本月交车 {deliveries} 台（无目标数据，无法计算完成率）。",
        "summary_finding": "需优先解决：{title}。{effect}。",
        "summary_no_findings": "本月未发现需要干预的问题。",
        "summary_quarantined": "本门店有 {n} 行数据被隔离（未参与任何计算），部分指标可能偏低："
        "见“数据质量”。",
        "summary_change": "与上月相比最明确的变化：{kpi} {change}（{before} → {now}），"
        "{effect}。",
        "summary_change_partial": "与上月相比最明确的变化（本月未完，按进度折算）：{kpi} "
        "{change}（{before} → 约 {now}），{effect}。",
        "summary_no_change": "与上月无可比数据。",
        "summary_no_significant_change": "与上月相比没有超出随机波动的变化。",
        "summary_no_significant_change_partial": "本月未完（数据截至 {date}）；按进度折算，"
        "与上月相比没有超出随机波动的变化。",
        "summary_effect_orders": "约{sign} {n} 张订单/月",
        "summary_effect_deliveries": "约{sign} {n} 台交车/月",
        "summary_effect_more": "多",
        "summary_effect_less": "少",
        "summary_orders": "本月订单 {orders} 张（环比 {change}）{cancelled}。",
        "summary_cancelled": "；本月退订 {cancellations} 张（含以前月份的订单）",
        "summary_orders_partial": "截至 {date} 本月订单 {orders} 张（月中，已过 {elapsed}/{days}"
        " 天；按进度折算约 {paced} 张，环比 {change}）{cancelled}。",
        "summary_deliveries_partial": "截至 {date} 本月交车 {deliveries} 台（月中，按进度折算约 "
        "{paced} 台），目标 {target} 台，按进度折算完成 {completion}。",
        "summary_deliveries_partial_no_target": "截至 {date} 本月交车 {deliveries} 台（月中，按"
        "进度折算约 {paced} 台；无目标数据，无法计算完成率）。",
        "summary_month_no_data": "本月没有本店的数据（本店数据截至 {date}），不与上月比较。",
        "summary_month_no_data_at_all": "本店没有任何数据。",
        "paced_month": "{month}（按进度折算）",
        "header_data_complete": "本月数据完整（本店数据截至 {date}）",
        "header_data_partial": "本月数据截至 {date}（月中，已过 {elapsed}/{days} 天，约占全月正常"
        "客流的 {share}）",
        "header_data_none": "本月没有本店的数据（本店数据截至 {date}）",
        "header_data_none_at_all": "本店没有任何数据",
        "history_footnote": "† 本店数据始于 {start}：数据的前 {n} 个月（{first}至{last}）里，"
        "结转类指标（{kpis}）只含数据起始后建卡的客户和下单的订单，偏低；标 † 的数值及其变化"
        "不宜比较，也不用于任何判断。",
        "partial_footnote": "‡ 本月数据截至 {date}（月中，已过 {elapsed}/{days} 天，约占全月客流的"
        " {share}）：计数和单位成本先按进度折算（除以已过部分的占比：来店类按客流，订单、交车按"
        "各自以往的日分布）再与整月比较；比率为月初至今的数值。",
        "appendix": "附录：指标定义",
        "appendix_note": "本报告表格和漏斗图中出现的每个指标及其定义。"
        "所有指标在 kpi_lib/ingest/kpi_catalogue.py 中唯一定义；比率为分子合计 / 分母合计，"
        "分母为零时不计算（显示为“—”）。",
        "appendix_id": "指标代码",
        "appendix_definition": "定义",
        "appendix_better": "方向",
        "appendix_direction_up": "越高越好",
        "appendix_direction_down": "越低越好",
        "appendix_direction_None": "—",
        # --- section: trends (zh) ---
        "trends": "趋势与预警",
        "trends_table_note": "关键指标的本月、上月、去年同月及变化（比率的变化为百分点）；"
        "“区间”为所示各月的最低–最高值，“控制图信号”为最近一次异常信号。",
        "trends_lines_note": "实线为近{n}个月，虚线为一年前的同月（有数据时）。",
        "trends_charts": "控制图",
        "trends_charts_note": "控制图区分正常波动与异常变化：点超出控制限，或连续{n}个月落在"
        "中心线同一侧，才说明出现了值得追查的变化。比率用 p 图（月间差异超过二项分布时用"
        " Laney p′ 图，控制限相应放宽），批次、台数和金额用 XmR 单值图。",
        "trends_warnings": "预警",
        "trends_col_range": "近{n}个月区间",
        "trends_col_signal": "控制图信号",
        "trends_sig_no_chart": "月数不足",
        "trends_sig_none": "无",
        "trends_sig_beyond_limits_up": "{month}高于上限",
        "trends_sig_beyond_limits_down": "{month}低于下限",
        "trends_sig_run_up": "至{month}连续{n}月偏高",
        "trends_sig_run_down": "至{month}连续{n}月偏低",
        "trends_no_data": "本店在所选期间没有任何数据，无法分析趋势。",
        "trends_window": "统计期为近{n}个月：{first}至{last}。",
        "trends_short_history": "本店数据自{start}起，仅有{n}个月（不足{window}个月），"
        "趋势只看这几个月。",
        "trends_no_last_year": "没有一年前同期的数据，无法计算同比。",
        "trends_some_last_year": "一年前同期数据只覆盖其中{n}个月，同比只对这些月份计算。",
        "trends_too_short_for_charts": "数据少于{n}个月，不绘制控制图。",
        "trends_warn_worse_down": "{label}连续{n}个月下降：{path}",
        "trends_warn_worse_up": "{label}连续{n}个月上升：{path}",
        "trends_warn_beyond_limits_down": "{label}{month}为{value}，低于控制下限{bound}，"
        "超出正常波动范围",
        "trends_warn_beyond_limits_up": "{label}{month}为{value}，高于控制上限{bound}，"
        "超出正常波动范围",
        "trends_warn_run_down": "{label}至{month}已连续{n}个月低于中心线（{bound}），"
        "水平已下移（本月{value}）",
        "trends_warn_run_up": "{label}至{month}已连续{n}个月高于中心线（{bound}），"
        "水平已上移（本月{value}）",
        "trends_no_warnings": "近{n}个月关键指标没有连续恶化，也没有不利方向的控制图信号。",
        "trends_growth_warn": "{cost}{basis}{c_growth}（{c_before} → {c_now}），高于{sales}"
        "{basis}{s_growth}（{s_before} → {s_now}）：营销费用增速超过销量增速",
        "trends_growth_ok": "增长检查（{basis}）：{cost}{c_growth}（{c_before} → {c_now}），"
        "{sales}{s_growth}（{s_before} → {s_now}），营销费用增速未超过销量增速。",
        "trends_growth_na": "增长检查（{basis}）：缺少{month}的可比数据，无法比较。",
        "trends_growth_partial": "增长检查（{basis}）：本月数据截至 {date}（月中），不以月初至今的"
        "交车与整月投放比较。",
        "trends_partial_month": "本月数据截至 {date}（月中）：表中本月为月初至今的数值，预警只看"
        "完整的月份。",
        "trends_this_year": "近{n}个月",
        "trends_last_year": "一年前同月",
        "trends_chart_too_short": "{label}：只有{k}个月有数值，少于{n}个月，不绘制控制图。",
        "trends_chart_p": "{label}：p 控制图，中心线 p̄ = {centre}，控制限 p̄ ± 3√(p̄(1−p̄)/n)"
        "随当月分母变化；σz = {sz}，月间差异未超过二项分布。",
        "trends_chart_laney": "{label}：Laney p′ 控制图，中心线 p̄ = {centre}；月间差异超过二项"
        "分布（σz = {sz} > 1），控制限放宽为 p̄ ± 3·σz·√(p̄(1−p̄)/n)。",
        "trends_chart_xmr": "{label}：XmR 单值控制图，中心线为均值 {centre}，控制限为均值 ± "
        "2.66 × 平均移动极差（{mr}）。",
        "trends_chart_signals": "信号：{items}。",
        "trends_chart_no_signal": "无信号：各月都在控制限内，也没有连续{n}个月落在中心线同一侧。",
        "trends_kind_p": "p 控制图",
        "trends_kind_laney": "Laney p′ 控制图",
        "trends_kind_xmr": "XmR 控制图",
        "trends_centre_line": "中心线",
        "trends_limits": "控制限",
        "trends_signal": "信号",
        # --- section: pipeline (zh) ---
        "pipeline": "意向客户管理",
        "pipeline_note": "月末仍在跟进的意向客户按级别统计（级别取月末前最后一次跟进后的级别；O级"
        "含已签约未交车的客户）。本月建卡与此前建卡分列（与新增意向客户数、留存意向客户数量不同：这里只计月末仍在跟进的客户）。",
        "pipeline_grades_title": "月末意向客户级别结构",
        "pipeline_chart_title": "{month}末意向客户（按级别）",
        "pipeline_compliance_title": "跟进执行率",
        "pipeline_compliance_note": "跟进频次：{freqs}。第k次跟进在建卡后 k×频次 天到期；执行率 = "
        "本月实际跟进次数（每位客户不超过到期次数）/ 本月到期跟进次数。",
        "pipeline_overdue_title": "超期未跟进客户",
        "pipeline_overdue_note": "月末仍在跟进、距最近一次联系（无跟进时为建卡日）超过该级别跟进频"
        "次的客户，按超期天数列出前 {n} 个；客户姓名和电话已脱敏。",
        "pipeline_lost_title": "战败与失控",
        "pipeline_lost_note": "全部战败原因，及战败车型的前 {n} 名；占比为占本月战败客户数的比例。",
        "pipeline_ungraded": "未分级",
        "pipeline_all": "合计",
        "pipeline_col_grade": "级别",
        "pipeline_col_days": "跟进频次",
        "pipeline_col_lead": "客户卡编号",
        "pipeline_col_consultant": "销售顾问",
        "pipeline_col_last_contact": "最近联系",
        "pipeline_col_days_since": "未联系天数",
        "pipeline_col_days_overdue": "超期天数",
        "pipeline_col_customer": "客户",
        "pipeline_col_phone": "电话",
        "pipeline_col_kind": "类别",
        "pipeline_col_item": "项目",
        "pipeline_col_count": "数量",
        "pipeline_col_share": "占比",
        "pipeline_every_days": "每 {n} 天",
        "pipeline_reason": "战败原因",
        "pipeline_competitor": "战败车型",
        "pipeline_no_leads": "本期无客户信息卡（意向客户）数据，无法分析意向客户。",
        "pipeline_as_of": "截至 {date}，在跟进的意向客户（含O级已签约未交车）共 {total} 个。",
        "pipeline_no_followups": "本期无跟进记录（营业日报表），无法计算跟进执行率和超期客户。",
        "pipeline_compliance": "本月跟进执行率 {rate}（实际跟进 {done} 次 / 到期 {due} 次）。",
        "pipeline_overdue": "超期未跟进的客户共 {n} 个。",
        "pipeline_no_overdue": "没有超期未跟进的客户。",
        "pipeline_lost": "{month}战败 {lost} 个（战败率 {lost_rate}），失控 {ooc} 个（失控率 "
        "{ooc_rate}）；基数为留存与新增意向客户 {base} 个。",
        "pipeline_no_reasons": "数据中无战败原因和战败车型，无法分析战败去向。",
        "pipeline_no_lost": "本月无战败客户。",
        "pipeline_forecast": "订单预测",
        "pipeline_forecast_note": "下月订单 = 月末{grades}级客户数 × 该级别近{n}个月的历史转化率（"
        "月末该级别客户在下月下订单的比例；本店样本不足时用全网）。区间同时考虑客户成交的随机性和"
        "转化率的估计误差。只预测这些客户产生的订单，不含下月新建卡客户和大客户订单。",
        "pipeline_forecast_col_stock": "月末存量",
        "pipeline_forecast_col_rate": "历史转化率",
        "pipeline_forecast_col_basis": "依据",
        "pipeline_forecast_col_expected": "预计订单",
        "pipeline_forecast_basis_store": "本店近{n}个月",
        "pipeline_forecast_basis_network": "全网（本店样本不足）",
        "pipeline_forecast_no_leads": "本期无意向客户数据，无法预测下月订单。",
        "pipeline_forecast_no_history": "此前数据不足，无法估计{grades}级客户的历史转化率，不预测"
        "{month}订单。",
        "pipeline_forecast_orders": "预计{month}由 {date} 在跟进的{grades}级客户产生订单 {n} 张（"
        "{level1}区间 {range1}，{level2}区间 {range2}）。",
        "pipeline_forecast_target": "{month}目标 {target} 台。",
        "pipeline_forecast_no_target": "{month}尚无销售目标数据。",
        "pipeline_forecast_actual": "实际为 {n} 张。",
        "pipeline_pacing_complete": "{month}数据完整（截至 {date}），无需推算月末交车。",
        "pipeline_pacing_no_data": "{month}尚无数据，无法推算月末交车。",
        "pipeline_pacing_partial": "截至 {date}，本月已交车 {n} 台（已过 {elapsed}/{days} 天），按"
        "当前节奏预计月末交车 {projected} 台（{level}区间 {range}）。",
        "pipeline_pacing_target": "本月目标 {target} 台，预计完成 {completion}。",
        "pipeline_pacing_no_target": "本月无销售目标数据，无法计算预计完成率。",
        # --- section: consultants (zh) ---
        "consultants_band_last": "{grade} <{min}",
        "consultants_ref_team_avg": "{label} {ref}（团队平均）",
        "consultants": "销售顾问业绩评估",
        "consultants_kpi_heading": "顾问业绩指标",
        "consultants_score_heading": "综合评分与等级",
        "consultants_plan_heading": "改进计划",
        "consultants_plan_none": "本月没有需要制定改进计划的顾问或门店问题。",
        "consultants_plan_none_no_roster": "没有销售顾问名单，只能检查门店问题：本月没有需要制定"
        "改进计划的门店问题。",
        "consultants_na_note": "“—”表示无法计算：无目标（销售完成率）、"
        "无新增意向客户（当月下单比例）、无交车（客单价、回款率）或本月无到期跟进（跟进执行率）。",
        "consultants_col_name": "顾问",
        "consultants_col_deliveries_target": "交车 / 目标",
        "consultants_col_completion_prev": "上月",
        "consultants_col_completion_last_year": "去年同月",
        "consultants_col_score": "综合评分",
        "consultants_col_grade": "等级",
        "consultants_col_flags": "标记",
        "consultants_team": "团队合计",
        "consultants_team_mean": "团队平均",
        "consultants_team_owner": "团队整体",
        "consultants_flag_excellent": "超额完成≥20%",
        "consultants_flag_needs_improvement": "连续两月完成率<80%",
        "consultants_grade_excellent": "优秀",
        "consultants_grade_good": "良好",
        "consultants_grade_pass": "合格",
        "consultants_grade_needs_improvement": "待改进",
        "consultants_points_completion": "销售完成率得分",
        "consultants_points_conversion": "当月下单比例得分",
        "consultants_points_avg_deal_value": "客单价得分",
        "consultants_points_collection": "回款率得分",
        "consultants_points_process": "过程行为得分",
        "consultants_ref_fixed": "{label} {ref}",
        "consultants_ref_team": "{label} {ref}（团队的{factor}倍）",
        "consultants_summary": "本月参与评估的销售顾问 {n} 名，合计交车 {deliveries} 台，完成率 "
        "{completion}，平均综合评分 {score}；超额完成≥20%的 {excellent} "
        "人，连续两月完成率低于80%的 {improvement} 人。",
        "consultants_target_differs": "门店目标 {store} 台（首页与KPI汇总的目标完成率"
        "使用）；顾问目标合计 {consultants} 台（顾问表使用各自目标）。",
        "consultants_weight": "{label}×{w}%",
        "consultants_band": "{grade} ≥{min}",
        "consultants_rule": "综合评分 = {weights}。各分项得分 = 100 × 实际值 / "
        "参照值，最高100分；本月参照值（满分水平）：{refs}。等级：{bands}。",
        "consultants_flags_rule": "标记：★ 完成率≥{high}；▼ 连续 {months} 个月完成率低于{low}。",
        "consultants_renormalised": "* 该顾问部分分项无法计算，综合评分按其余分项的权重重新归一（"
        "其余分项权重合计不足{share}时不评分）。",
        "consultants_missing_roster": "销售顾问名单中没有本店本月在岗的销售顾问，无法评估顾问业绩"
        "。",
        "consultants_missing_visits": "来店登记表没有接待顾问字段，无法按顾问统计接待批次和试驾率"
        "。",
        "consultants_missing_followups": "没有营业日报表（跟进记录），无法计算跟进执行率，过程行为"
        "分项不计入评分。",
        "consultants_missing_collection": "订单表没有应收/已收金额，无法计算回款率，回款率分项不计"
        "入评分。",
        "consultants_missing_targets": "本月没有分配到顾问的销售目标，无法计算顾问完成率，完成率分"
        "项不计入评分。",
        "consultants_chart_title": "销售顾问综合评分",
        "consultants_effect": "{label}由{now}提升至{goal}",
        "consultants_plan_col_owner": "责任人",
        "consultants_plan_col_item": "改进项目",
        "consultants_plan_col_measures": "具体措施",
        "consultants_plan_col_deadline": "完成时限",
        "consultants_plan_col_support": "所需支持",
        "consultants_plan_col_effect": "预期效果",
        "consultants_plan_item_completion": "提升目标完成率",
        "consultants_plan_measures_completion": "1. 按周拆解交车目标，每日跟踪进度；2. "
        "盘点H/A级意向客户，逐一制定成交与交车计划",
        "consultants_plan_support_completion": "销售经理每周一对一复盘；协调车源与金融审批",
        "consultants_plan_item_conversion": "提升新增意向客户当月下单比例",
        "consultants_plan_measures_conversion": "1. 新增意向客户48小时内回访并邀约试驾；2. "
        "学习并应用SPIN提问法，参加异议处理角色演练",
        "consultants_plan_support_conversion": "销售经理陪同接待与模拟谈判；优秀顾问分享成交案例",
        "consultants_plan_item_avg_deal_value": "提升客单价",
        "consultants_plan_measures_avg_deal_value": "1. 按客户需求推荐高配车型与选装包；2. "
        "同步推荐金融、保险、精品等增值业务",
        "consultants_plan_support_avg_deal_value": "市场部提供配置对比资料与话术；金融保险专员协助",
        "consultants_plan_item_collection": "提升回款率",
        "consultants_plan_measures_collection": "1. 交车前确认付款方式与到账时间；2. "
        "逐笔跟进未收款项，每周更新",
        "consultants_plan_support_collection": "财务部每周提供应收明细",
        "consultants_plan_item_process": "提高跟进及时性",
        "consultants_plan_measures_process": "1. 按级别频率跟进（H级每2天、A级每周、B级每2周、C级"
        "每月）；2. 每日下班前更新营业日报表",
        "consultants_plan_support_process": "销售经理每日检查跟进记录；系统逾期提醒",
        "consultants_plan_item_excellent": "总结推广优秀经验",
        "consultants_plan_measures_excellent": "1. 整理成交案例与沟通话术；2. "
        "在周例会分享并带教一名同事",
        "consultants_plan_support_excellent": "销售经理组织经验分享会",
        "consultants_plan_effect_excellent": "团队销售完成率与当月下单比例向其看齐",
        "consultants_plan_support_store": "销售经理督导，每周复盘进度",
        # --- section: mix_aftercare (zh) ---
        "mix_aftercare_heading": "交车结构与售后回访",
        "mix_aftercare_mix_heading": "交车结构",
        "mix_aftercare_mix_note": "本月交车按客户来源渠道分列，占比为该渠道交车数 / 交车数；"
        "近12个月占比为12个月合计之比；全网占比为全网门店本月合计之比。",
        "mix_aftercare_aftercare_heading": "交车服务与回访",
        "mix_aftercare_aftercare_note": "各执行率 = 执行台数 / 本月交车数（按交车日期计入当月）；"
        "全网为全网门店合计之比。",
        "mix_aftercare_channel_walk_in": "来店",
        "mix_aftercare_channel_fleet": "行业开拓",
        "mix_aftercare_channel_existing_customer": "保有客户",
        "mix_aftercare_channel_outdoor": "户外展示",
        "mix_aftercare_channel_secondary_outlet": "二级网点",
        "mix_aftercare_channel_other": "其他",
        "mix_aftercare_channel_trade_in": "其中：二手车置换",
        "mix_aftercare_col_channel": "渠道",
        "mix_aftercare_col_count": "本月交车数",
        "mix_aftercare_col_share": "本月占比",
        "mix_aftercare_col_share_12m": "近12个月占比",
        "mix_aftercare_col_network": "全网",
        "mix_aftercare_col_counts": "执行台数 / 交车数",
        "mix_aftercare_total": "合计",
        "mix_aftercare_no_deliveries": "本月无交车记录，无法计算交车结构与回访执行率。",
        "mix_aftercare_shift_too_few": "近三个月或前三个月交车不足 {n} 台，"
        "交车结构的变化无法判断。",
        "mix_aftercare_shift_part": "{label} {before} → {recent}（{move}）",
        "mix_aftercare_move_up": "上升",
        "mix_aftercare_move_down": "下降",
        "mix_aftercare_move_flat": "基本持平",
        "mix_aftercare_verdict_good": "保有客户与置换占比上升、对来店的依赖下降，结构在改善",
        "mix_aftercare_verdict_bad": "三项均未朝期望方向变化，结构未见改善",
        "mix_aftercare_verdict_mixed": "部分朝期望方向变化",
        "mix_aftercare_shift": "近三个月与前三个月相比：{parts}。{verdict}。",
        "mix_aftercare_missing_column": "输入数据缺少{column}，无法计算{kpi}（显示为“—”）。",
        "mix_aftercare_column_delivered": "订单表的“交车日期”字段",
        "mix_aftercare_column_call_3d": "订单表的“3日电话回访”字段",
        "mix_aftercare_column_letter_7d": "订单表的“7日信函回访”字段",
        "mix_aftercare_column_referral": "订单表的“推荐购车”字段",
        "mix_aftercare_column_ceremony": "订单表的“交车仪式”字段",
        "mix_aftercare_column_insurance": "订单表的“投保”字段",
        "mix_aftercare_column_table": "订单表",
        "mix_aftercare_trend_title": "近12个月交车结构",
        "mix_aftercare_trend_ylabel": "交车数（台）",
        # --- section: traffic (zh) ---
        "overview_title": "全网月度概览",
        "overview_intro": "{month}：{stores} 家门店，{reports} 份门店报告；"
        "{stores_hit} 家门店共 {findings} 条诊断。",
        "overview_network": "全网",
        "overview_region_heading": "分区域概览",
        "overview_region_note": "批次、订单、交车为合计；比率为分子合计 / 分母合计。",
        "overview_funnel_heading": "全网漏斗图",
        "overview_funnel_note": "每个点是一家门店；虚线为 99.8% 控制限，实线为 95% 控制限，"
        "横线为全国平均。",
        "overview_outliers_none": "本月没有门店的关键比率超出 95% 控制限。",
        "overview_outliers": "超出控制限的门店：{items}。",
        "overview_verdict_clearly_below": "明显偏低",
        "overview_verdict_clearly_above": "明显偏高",
        "overview_verdict_watch_below": "偏低，值得关注",
        "overview_verdict_watch_above": "偏高，值得关注",
        "overview_diagnosis_heading": "诊断分布",
        "overview_diagnosis_none": "本月没有门店触发诊断规则。",
        "overview_links_heading": "门店报告",
        "overview_links_note": "点击链接打开各门店报告（与本页位于同一文件夹）；"
        "“EN”为英文版；“—”表示该文件不存在。",
        "overview_col_stores": "门店数",
        "overview_col_name": "门店名称",
        "overview_col_findings": "主要诊断",
        "overview_col_status": "本次生成",
        "overview_col_consultants": "顾问",
        "overview_consultants_link": "顾问",
        "overview_funnel_alt": "全网漏斗图：{rates}。每个点是一家门店（横轴为分母的数量，"
        "纵轴为比率），虚线为 99.8% 控制限，实线为 95% 控制限，横线为全国平均。",
        "ui_filter_label": "筛选表格行",
        "ui_filter_placeholder": "筛选：输入门店、区域或文字…",
        "ui_filter_count": "显示 {shown} / {total} 行",
        "ui_sort_hint": "点击排序，再点反向",
        "overview_col_diagnosis": "诊断",
        "overview_col_severity": "严重程度",
        "overview_col_stores_hit": "门店",
        "overview_col_effect": "预计每月可增订单",
        "overview_severity_high": "高",
        "overview_severity_medium": "中",
        "overview_severity_low": "低",
        "overview_no_finding": "无",
        "overview_status_rendered": "已生成",
        "overview_status_unchanged": "未变化",
        "overview_status_failed": "失败",
        "traffic_heading": "集客与广宣",
        "traffic_spend_heading": "广宣投放与集客成本",
        "traffic_spend_channel_heading": "按投放渠道",
        "traffic_visits_heading": "来店与来电",
        "traffic_source_heading": "按信息来源的来店与转化",
        "traffic_source_intro": "来店批次、来店留资批次比例、试乘试驾率按来店登记的信息来源统计；"
        "新增意向客户按客户卡来源统计；订单按订单所属客户卡的来源归属；"
        "新增意向客户订单转化率B = 本月建卡客户的本月订单数 / 新增意向客户数（同一来源）。",
        "traffic_heatmap_heading": "来店时段分布",
        "traffic_minutes": "{n} 分钟",
        "traffic_col_network": "全网",
        "traffic_col_channel": "投放渠道",
        "traffic_col_share": "占比",
        "traffic_col_source": "信息来源",
        "traffic_unknown": "未注明",
        "traffic_invite_note": "来电客户邀约来店率 = 上月来电客户中、在上月来电之后至本月底"
        "到本店来店的客户数 / 上月来电客户数（按客户编号去重）：本月为 {visited} / {callers}。",
        "traffic_invite_anonymous": "上月另有 {n} 次来电无客户编号，无法追踪，未计入。",
        "traffic_source_note": "“未注明”一行含本月 {n} 张无对应客户卡的订单（无法按来源归属）。",
        "traffic_note_no_invite": "来电或来店登记缺少客户编号，无法计算来电客户邀约来店率。",
        "traffic_note_no_calls": "无来电客户登记数据，无法计算来电批次和来电客户邀约来店率。",
        "traffic_note_no_sources": "本月无来店批次和新增意向客户，无法按来源分列。",
        "traffic_note_no_dwell": "来店登记缺少进店或离店时间，无法计算展厅停留时间。",
        "traffic_note_no_marketing": "无广宣投放数据，无法计算投放金额及集客成本。",
        "traffic_note_spend_workbook": "本月广宣投放 {spend} 来自品牌月度KPI表（只有合计，没有分"
        "渠道明细）。",
        "traffic_note_workbook_breakdowns": "品牌月度KPI表只有合计（本月来店批次 {visits}，新增"
        "意向客户 {new_leads}）：按来源分列、展厅停留时间和来电统计需要登记表明细，本店本月没有。",
        "section_input_see_coverage": "本部分缺少所需明细（见报告开头的数据范围说明）。",
        "traffic_note_no_spend_channel": "广宣投放表无投放渠道字段，无法按渠道分列。",
        "traffic_note_no_visit_source": "来店登记无信息来源字段，来店批次无法按来源分列。",
        "traffic_note_no_lead_id": "订单表无客户卡编号字段，订单无法按来源归属。",
        "traffic_note_no_time_in": "来店登记无进店时间字段，无法绘制来店时段分布。",
        "traffic_note_no_visits": "本月无来店记录，无法绘制来店时段分布。",
        "traffic_network_note": "全网：比率为全网门店合计之比，金额与批次为有数据门店的店均值，"
        "停留时间为全网来店的中位数。",
        "traffic_weekday_0": "周一",
        "traffic_weekday_1": "周二",
        "traffic_weekday_2": "周三",
        "traffic_weekday_3": "周四",
        "traffic_weekday_4": "周五",
        "traffic_weekday_5": "周六",
        "traffic_weekday_6": "周日",
        "traffic_heatmap_title": "本月来店批次：星期 × 进店时段",
        "traffic_heatmap_x": "进店时段（时）",
        "traffic_heatmap_y": "星期",
        # --- section: excel (zh) ---
        "excel_sheet_vertical": "纵向比较",
        "excel_sheet_horizontal": "横向比较",
        "excel_sheet_consultants": "销售顾问",
        "excel_sheet_findings": "诊断",
        "excel_sheet_plan": "改进计划",
        "excel_title": "{sheet}：{store} {name}，{month}",
        "excel_footer": "第 &P 页 / 共 &N 页",
        "excel_year": "年份",
        "excel_store_name": "门店名称",
        "excel_col_kpi": "销售KPI",
        "excel_col_total": "年度合计",
        "excel_total_note": "计数与金额为各月合计；比率为各月分子合计 / "
        "分母合计（不是各月比率的平均）。",
        "excel_total_partial": "仅含有数据的 {n} 个月",
        "excel_na_stock": "月初存量，各月相加没有意义",
        "excel_na_no_benchmark": "无可比基准",
        "excel_month_outside_data": "该月不在数据范围内",
        "excel_col_deliveries": "交车",
        "excel_col_target": "目标台数",
        "excel_col_no": "序号",
        "excel_col_rule": "规则",
        "excel_col_impact_orders": "预期每月增加订单",
        "excel_no_impact": "无可估算的订单效果",
        "excel_none": "无",
        "excel_plan_none": "本月无改进计划项。",
        "excel_row_cost_per_visit": "单批次来店成本(元)",
        "excel_row_lead_capture_rate": "留有资料比例",
        "excel_row_open_orders": "留存订单+本月订单",
        "excel_row_deliveries_total": "月度交车合计",
        "excel_row_trade_in": "二手车置换",
        "excel_row_trade_in_share": "二手车所占结构比",
        "excel_month_1": "1月",
        "excel_month_2": "2月",
        "excel_month_3": "3月",
        "excel_month_4": "4月",
        "excel_month_5": "5月",
        "excel_month_6": "6月",
        "excel_month_7": "7月",
        "excel_month_8": "8月",
        "excel_month_9": "9月",
        "excel_month_10": "10月",
        "excel_month_11": "11月",
        "excel_month_12": "12月",
        "excel_row_deliveries_walk_in": "来店",
        "excel_row_share_walk_in": "来店所占结构比",
        "excel_row_deliveries_fleet": "行业开拓",
        "excel_row_share_fleet": "行业开拓所占结构比",
        "excel_row_deliveries_existing_customer": "保有客户",
        "excel_row_share_existing_customer": "保有客户所占结构比",
        "excel_row_deliveries_outdoor": "户外展示",
        "excel_row_share_outdoor": "户外展示所占结构比",
        "excel_row_deliveries_other": "其他",
        "excel_row_share_other": "其他所占结构比",
        "excel_row_deliveries_secondary_outlet": "二级网点",
        "excel_row_share_secondary_outlet": "二级网点所占结构比",
        "plan_title": "{store} {month} 目标建议",
        "plan_col_item": "项目",
        "plan_col_deliveries": "交车",
        "plan_col_orders": "订单",
        "plan_col_method": "方法",
        "plan_basis_last_year": "去年同月×全网趋势",
        "plan_basis_seasonal": "季节指数",
        "plan_basis_pipeline": "H/A级意向预测",
        "plan_basis_run_rate": "近期月均",
        "plan_level_conservative": "保守",
        "plan_level_base": "基准",
        "plan_level_stretch": "挑战",
        "plan_method_last_year": "{ly_month} 交车 {ly} × 全网同比 {trend}（{months}）",
        "plan_method_last_year_no_trend": "{ly_month} 交车 {ly}（无可比月份，未乘趋势）",
        "plan_method_seasonal": "去季节化水平 × {month_label}季节指数 {index}（本店权重 {weight}）",
        "plan_method_pipeline": "交车转化率 {dc} ×（留存订单 {carried} + H/A预计订单 {stock}"
        " + 其他订单 {other}）",
        "plan_method_run_rate": "{months} 交车平均",
        "plan_method_conservative": "基准 − 1.28 × 预测标准差 {sd}（80%区间下限）",
        "plan_method_lowest": "各依据中的最低值",
        "plan_method_base": "各依据的中位数",
        "plan_method_stretch": "基准 × 同类门店交车转化率上四分位 {q3} / 本店 {own}",
        "plan_method_stretch_top": "基准 × 同类门店上四分位 {q3} / 中位数 {median}"
        "（本店已在上四分位）",
        "plan_orders_note": "订单 = 交车 / 交车转化率 {dc} − 留存订单 {carried}",
        "plan_target": "已有目标 {target} 台：按预测区间（正态近似）达成概率 {p}",
        "plan_no_target": "数据中没有本月目标",
        "plan_consultants_title": "顾问分解（按近3个月交车占比）",
        "plan_col_consultant": "顾问",
        "plan_col_share": "占比",
        "plan_path_title": "达成路径（基准目标 {target} 台，逆推漏斗）",
        "plan_col_stage": "环节",
        "plan_col_required": "所需",
        "plan_col_rate": "转化到下一环节",
        "plan_col_per_week": "每周",
        "plan_col_per_consultant_week": "每顾问每周",
        "plan_col_benchmark": "按标杆转化率",
        "plan_col_difference": "差额",
        "plan_path_note": "本店近3个月转化率向同类门店收缩（经验贝叶斯，权重见JSON）；"
        "标杆：{scope}；每周按天数分摊",
        # the report's section 下月目标与达成路径 and the sheet 目标分解 (report.plan_tables)
        "plan_section": "下月目标与达成路径",
        "plan_section_intro": "{month} 的目标建议与达成路径，依据截至 {last} 的数据"
        "（近期月份：{recent}）。交车与订单各给出保守、基准、挑战三档；"
        "订单 = 交车 / 交车转化率 {dc} − 月初留存订单 {carried}。",
        "plan_section_partial": "注意：本店本月数据只到 {date}，本月的交车、订单不完整，"
        "近期月均等依据因此偏低。",
        "plan_section_cannot": "无法给出 {month} 的目标建议：数据覆盖 {first} 至 {last}，"
        "可规划的月份为 {lo} 至 {hi}。",
        "plan_section_no_data": "无法给出 {month} 的目标建议：数据中没有带日期的记录。",
        "plan_na": "无法计算：{reason}",
        "plan_na_last_year": "没有 {ly_month} 的交车数据（或该月属于数据开始时的预热期）",
        "plan_na_seasonal": "季节指数需要每个日历月至少一年的历史",
        "plan_na_pipeline_leads": "需要意向客户登记表（H/A级存量）",
        "plan_na_pipeline_orders": "没有月初留存订单（需要订单登记表）",
        "plan_na_pipeline_rates": "H/A级存量中有级别的历史太短，无法估计其转化率",
        "plan_na_pipeline_other": "近期月份的其他订单无法计算",
        "plan_stretch_no_peers": "没有同类门店的交车转化率可比，挑战值等于基准",
        "plan_na_run_rate": "近期月份没有交车数据",
        "plan_na_base": "没有任何可用的依据",
        "plan_section_orders_na": "订单一栏无法计算：{reason}。",
        "plan_orders_na_carried": "没有月初留存订单（需要订单登记表）",
        "plan_orders_na_dc": "交车转化率无法计算",
        "plan_section_target": "数据中已有 {month} 的目标 {target} 台：按H/A级意向预测的区间"
        "（正态近似），达成的概率约为 {p}。",
        "plan_section_target_no_p": "数据中已有 {month} 的目标 {target} 台，但达成概率无法估计："
        "H/A级意向预测无法计算（{reason}）。",
        "plan_section_no_target": "数据中还没有 {month} 的目标；以上三档可作为设定目标的依据。",
        "plan_section_path_heading": "达成路径（逆推漏斗）",
        "plan_section_path_note": "从基准目标 {target} 台交车逆推各环节所需数量："
        "本店按近期月份的转化率（向同类门店收缩），对照按{scope}的转化率。"
        "“到下一环节”= 下一环节所需 / 本环节所需。",
        "plan_col_required_own": "按本店转化率所需",
        "plan_col_rate_own": "到下一环节（本店）",
        "plan_col_required_bench": "按标杆转化率所需",
        "plan_col_rate_bench": "到下一环节（标杆）",
        "plan_section_saves": "按{scope}的转化率，同样的目标需要{visits} {bench}，比按本店转化率"
        "（{own}）少 {diff}：这就是转化率达到标杆水平每月可以节省的客流。",
        "plan_section_costs": "按{scope}的转化率，同样的目标需要{visits} {bench}，比按本店转化率"
        "（{own}）多 {diff}：本店的转化率好于{scope}，每月因此少需要这么多客流。",
        "plan_section_same": "按{scope}的转化率，同样的目标需要{visits} {bench}，"
        "与按本店转化率所需相同。",
        "plan_section_bench_na": "无法与{scope}比较：{missing}的标杆值缺失。",
        "plan_section_path_na": "无法从基准目标（{target} 台）逆推漏斗：{months} 的{missing}"
        "无法计算（需要这些月份的来店、意向客户和订单记录）。",
        "plan_section_splits_na": "因此按顾问、按周的各环节分解也无法给出。",
        "plan_missing_walk_in_share": "展厅订单占比",
        "plan_missing_carried": "月初留存订单",
        "plan_section_consultants_heading": "按顾问分解（基准目标）",
        "plan_section_consultants_note": "按各顾问在 {months} 的交车占比分摊，已离职的顾问不计。",
        "plan_section_consultants_none": "无法按顾问分解：{months} 没有可归属到在职顾问的交车。",
        "plan_section_weeks_heading": "按周分解（基准目标）",
        "plan_section_weeks_note": "各周按天数占比分摊（周一至周日，月初、月末的周按实际天数）。",
        "plan_col_week": "周",
        "plan_col_days": "天数",
        "excel_sheet_target": "目标分解",
        "excel_target_col_level": "层级",
        "excel_target_col_name": "名称",
        "excel_target_store": "门店",
        "excel_target_consultant": "顾问",
        "excel_target_week": "周",
        "excel_target_base": "基准目标（台）",
        "excel_target_note": "基准目标的逆推漏斗：顾问行之和、周行之和都等于门店行。",
        # quarantine reasons, by issue code (kpi_lib.ingest.issue_text translates ingest's
        # English ones: the en entries below)
        "reason_bad_date": "“{value}”不是日期（应为 YYYY-MM-DD）",
        "reason_bad_time": "“{value}”不是时间（应为 HH:MM）",
        "reason_bad_month": "“{value}”不是月份（应为 YYYY-MM）",
        "reason_bad_bool": "“{value}”不是是/否值（应为 true/false、1/0、yes/no、是/否）",
        "reason_bad_number": "“{value}”不是数字",
        "reason_missing_value": "{column} 为必填项，但为空",
        "reason_bad_code": "“{value}”不是允许的 {column} 取值（允许：{allowed}）",
        "reason_negative": "{column} 为负数：{value}",
        "reason_duplicate_key": "{column}“{value}”已在第 {first_row} 行出现",
        "reason_missing_status_date": "状态为“{status}”，但状态日期为空",
        "reason_unknown_reference": "{column}“{value}”不在 {table} 中",
        "reason_time_order": "离店时间 {value} 早于来店时间 {other}",
        "reason_date_order": "{column} {value} 早于 {other_column} {other}",
        "reason_bad_row": "该行有 {found} 个值，但表头有 {expected} 列",
        "reason_unclosed_quote": "此行的引号（\"）没有闭合，其后的行被读成了一个值；"
        "请删除或补全引号",
        "reason_too_large": "{column} {value} 过大，不可能正确（超过 {limit}）",
        "reason_bad_text": "{column} 含有无法识别的字符（“{value}”）："
        "文件此处已损坏或混用了编码；请重新保存为 UTF-8",
        "reason_unknown_file": "未读取：“{value}”不是表名（应为 visits、来店客户登记表 等）",
        "reason_unknown_sheets": "未读取：没有以表名命名的工作表（现有 {value}），应为 visits、"
        "来店客户登记表 等",
        "reason_unreadable_file": "未读取：文件名不是表名，且无法作为Excel工作簿打开",
        "reason_outside_link": "指向数据文件夹以外文件的链接，未读取",
        "reason_empty_file": "文件为空（0 字节），该表没有数据行",
        "reason_unsafe_id": "“{value}”不能用作门店代码：{why}",
        "reason_date_future": "{column} {value} 晚于今天（{today}），是未来的日期",
        "reason_consultant_store": "顾问“{value}”属于门店 {other}，不属于 {store}",
        "reason_unknown_kpi_row": "“{value}”不是KPI模板中的行{hint}",
        "reason_unknown_store_sheet": "工作表“{value}”不对应门店表中的任何门店，已跳过",
        "reason_month_without_year": "月份表头“{value}”没有年份："
        "请在表头上方的单元格填写“年份”和年份",
        "reason_duplicate_month": "月份 {value} 在表头中出现多次，这些列未读取",
        "reason_workbook_conflict": "{row_label} 在 {month} 有两个不同的值（{value} 和 {other}），"
        "采用第一个",
        "reason_excel_error": "单元格为Excel错误值 {value}，按无数据处理",
        # ---- the flash (销售快报, issue 17.4): kpi_lib/report/flash_tables.py
        "flash_title": "销售快报",
        "flash_header": "{date}（本月第 {day}/{days} 天）",
        "flash_col_due": "{days}天内应跟进",
        "flash_cut_note": "只使用 {date} 及以前的记录：之后才交车、退订或战败的，按当日状态计"
        "（未交车、仍在跟进）。",
        "flash_as_of": "全网最近一条记录为 {as_of}，客户存量与超期按该日计算。",
        "flash_mtd": "截至 {date}，本月已交车 {done} 台。按历史节奏，到今天应完成全月交车的 "
        "{share}，"
        "全月目标 {target} 台折算应交 {paced} 台，进度完成率 {pace}。",
        "flash_mtd_no_target": "截至 {date}，本月已交车 {done} 台；本月无交车目标数据，无法计算进度"
        "完成率与目标风险。",
        "flash_projection": "按当前节奏，月末预计交车 {point} 台（{level} 区间 {low}–{high} 台）。",
        "flash_no_projection": "按历史节奏到今天尚无应交车辆，无法推算月末交车。",
        "flash_status_at_risk": "目标有风险：{level} 区间上限 {high} 台低于目标 {target} 台，"
        "至少还差 {gap} 台。",
        "flash_status_on_track": "目标可望达成：{level} 区间下限 {low} 台不低于目标 {target} 台。",
        "flash_status_open": "目标能否达成尚难判断：目标 {target} 台落在 {level} 区间 {low}–{high} "
        "台之内。",
        "flash_share_item": "{what} {share}（{how}）",
        "flash_measure_visits": "来店",
        "flash_measure_orders": "订单",
        "flash_measure_deliveries": "交车",
        "flash_season_last_year": "去年同月逐日分布",
        "flash_season_profile": "近 {n} 个月的月内分布",
        "flash_season_none": "仅按星期",
        "flash_pace_note": "进度节奏：到今天应完成的全月比例为 {shares}（按天数平均 {plain}），"
        "均按本店近 "
        "{weeks} 个月的星期规律（向全网收缩）加权；月末区间为 {level} 预测区间。",
        "flash_h_indicators": "先行指标与达成路径",
        "flash_h_consultants": "销售顾问进度",
        "flash_h_due": "未来 {days} 天应跟进的 H/A 级客户",
        "flash_h_overdue": "超期未跟进客户（按级别、超期天数排序）",
        "flash_h_lost": "待审核的 H/A 级战败客户",
        "flash_ha_stock": "H/A级意向客户存量",
        "flash_col_indicator": "指标",
        "flash_col_actual": "本月至今",
        "flash_col_month_need": "全月需要",
        "flash_col_need_now": "到今天应达",
        "flash_col_gap": "差额",
        "flash_col_done": "完成比例",
        "flash_path_no_target": "本月无交车目标数据，无法按达成路径计算先行指标的需要量。",
        "flash_path_no_history": "本月之前没有完整月份的数据，无法计算达成路径。",
        "flash_path_no_rates": "本店近期的漏斗比率缺少分母，达成路径中有环节无法计算"
        "（表中为“—”）。",
        "flash_short": "（差 {n}）",
        "flash_behind": "落后于达成路径：{items}。",
        "flash_not_behind": "各先行指标均不低于达成路径到今天的需要量。",
        "flash_ha_note": "H/A 存量：达成路径本月需要 {orders} 张订单；按本店近 3 个月月末"
        "平均每张月订单对应 "
        "{ratio} 个在跟 H/A 级客户，约需 {need} 个，现有 {have} 个。",
        "flash_ha_na": "H/A 存量的需要量无法计算（近 3 个月没有订单或没有意向客户登记）。",
        "flash_path_note": "“全月需要”：从本月目标 {target} 台倒推的达成路径"
        "（本店近 3 个月比率，向同类门店"
        "收缩）；“到今天应达”= 全月需要 × 到今天应完成的比例（来店至商洽按来店节奏）。",
        "flash_col_target": "目标",
        "flash_col_paced": "到今天应交",
        "flash_col_pace": "进度完成率",
        "flash_col_ha": "H/A级在跟",
        "flash_col_overdue": "超期未跟进",
        "flash_consultants_no_target": "本月没有分到销售顾问的目标，无法计算顾问进度。",
        "flash_consultants_all_on_pace": "有目标的销售顾问交车均不低于到今天应交的台数。",
        "flash_consultants_behind": "{n} 位销售顾问交车低于到今天应交的台数：{names}。",
        "flash_more": "（显示前 {n} 个，共 {total} 个）",
        "flash_col_next_due": "应跟进日",
        "flash_no_followups": "没有跟进记录（营业日报表），无法列出应跟进与超期客户。",
        "flash_due_note": "截至 {date} 仍在跟进、未超期、下次应跟进日"
        "（最近联系 + 该级别跟进频率）在 "
        "{days} 天内的 H/A 级客户共 {n} 个（各顾问的个数见上表），下表按应跟进日排序",
        "flash_overdue_note": "超期未跟进的客户共 {n} 个（{by}），先按级别（O、H、A、B、C）再按超期"
        "天数排序",
        "flash_col_lost_on": "战败日期",
        "flash_col_reason": "战败原因",
        "flash_col_competitor": "战败车型",
        "flash_lost_note": "截至 {date} 的 {days} 天内战败、战败时为 H/A 级的客户共 {n} 个，"
        "请销售经理"
        "审核（数据中没有审核记录，故全部列出）",
        # ---- region and network reports
        "region_report_title": "区域销售KPI报告",
        "network_report_title": "全网销售KPI报告",
        "region_stores_count": "门店",
        "region_intro": "{who}：{n} 家门店，{month}。所有数值与门店报告同一口径（同一指标定义、"
        "同一比较方法）。",
        "region_network_name": "全网",
        "region_vs_network_heading": "区域与全网对比",
        "region_vs_network_note": "各区域按分子合计 / 分母合计汇总后与全国平均比较，与门店报告"
        "同一方法（95%区间、门店间差异调整、FDR）。",
        "region_stores_heading": "各门店关键指标",
        "region_stores_note": "每个指标一张表：门店数值与95%区间、与基准的判断（与门店报告一致），"
        "以及经验贝叶斯收缩后的比率与排名（向所在区域收缩，样本越小收缩越多），避免小店因偶然"
        "波动排在前列。",
        "region_col_shrunk": "收缩后比率",
        "region_col_rank_region": "区域排名",
        "region_col_rank_network": "全网排名",
        "region_col_peers": "对标门店",
        "region_col_national_best": "全国标杆",
        "region_col_regional_best": "区域标杆",
        "region_benchmarks_heading": "标杆门店与对标门店",
        "region_benchmarks_note": "标杆门店：样本足够的门店中该指标最好的一家（全国、本区域）；"
        "对标门店：与本店区域、级别和客流最接近的门店。",
        "region_trends_heading": "各门店近 12 期交车与目标",
        "region_trends_note": "每个小图一家门店：实线为交车数，虚线为目标台数（无目标时不画）。",
        "region_trends_title": "交车（实线）与目标（虚线）",
        "region_movers_heading": "明显改善或下滑的门店",
        "region_movers_note": "与上期相比，各门店关键指标的变化与全网同期变化之差，按门店间"
        "通常的波动判断（z 检验，FDR 5%）；节假日等全网共同的变化"
        "不算门店自己的改善或下滑。",
        "region_movers_none": "与上期（{before}）相比，没有门店的关键指标变化超出门店间"
        "通常的波动。",
        "region_col_before": "上期",
        "region_col_change": "变化",
        "region_col_direction": "方向",
        "region_improved": "改善",
        "region_slipped": "下滑",
        "region_inbox_heading": "问题清单",
        "region_inbox_note": "各门店本期的诊断，按门店、严重程度排列，并注明是新发现、持续几个月"
        "还是上月以来已解决；负责人为门店，措施为诊断的第一条建议。",
        "region_inbox_none": "本期没有门店触发诊断规则。",
        "region_col_owner": "负责",
        "region_col_action": "首要措施",
        "region_col_status": "状态",
        "region_links_regions": "区域报告：",
        "region_links_stores": "门店报告：",
        # ---- the period report (a quarter, a year or a range of months)
        "na_partial_history": "本店数据始于该期间之内，合计不完整",
        "period_intro": "本报告覆盖 {label}（{first} 至 {last}，{n} 个月）：来店、线索、订单"
        "与交车按整期合计，期初存量（留存意向客户、留存订单）按 {start} 计，"
        "广宣投放与目标为各月之和；比率为整期"
        "分子合计 / 分母合计。对比上期（{previous}）与去年同期（{last_year}）。",
        "period_months_heading": "期内各月",
        "period_months_note": "期内各月的主要指标，最后一列为整期（比率为整期分子合计 / 分母合计，"
        "不是各月比率的平均）。",
        "period_col_total": "整期",
        "period_volume": "样本量：本期有 {n_period} 项指标因样本太少无法与标杆比较；"
        "单看最后一个月（{month}）有 {n_month} 项。",
        "period_volume_more": "按整期合计，样本更多，单月“样本太少、无法判断”的指标中有 {n} 项"
        "在本期可以判断。",
        "period_pipeline_note": "线索存量与跟进按期末计：以下为本期最后一个月（{month}）"
        "的数据，"
        "其中“本月”指 {month}。",
        "period_elsewhere_heading": "按月查看的内容",
        "period_elsewhere": "月末交车预测、下月目标与达成路径、月度趋势预警与控制图、"
        "来店时段热力图与渠道细分按单月计算，本报告不含；请看 {month} 的月度报告"
        "（make report STORE={store} "
        "MONTH={code}）。",
    },
    "en": {
        "report_title": "Monthly store sales KPI report",
        "send_subject_store": "Sales KPI report {period}: {store_name} ({store})",
        "send_subject_region": "Sales KPI report {period}: region {region}",
        "send_greeting": "Dear {name},",
        "send_greeting_anon": "Hello,",
        "send_body_store": "Attached is the sales KPI report of {store_name} ({store}) for "
        "{period} (PDF).",
        "send_body_region": "Attached is the sales KPI report of the region {region} for "
        "{period} (PDF).",
        "send_footer": "This e-mail was sent by the store sales KPI report system; please do "
        "not reply to it.",
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
        "funnel_note": "Each bar is the month's count under its KPI name; beside it, that "
        "stage's rate as defined in the KPI tables: {definitions}. Each rate has its own "
        "denominator, which is not always the bar above.",
        "funnel_title": "Sales funnel, {month}",
        "data_quality": "Data quality",
        "dq_summary": "{read} rows read, {quarantined} quarantined "
        "(rows with problems are left out of every figure).",
        "dq_clean": "No problems found: all {read} rows are used.",
        "dq_clean_tables": "No problems found: all {read} table rows are used.",
        "dq_workbook": "Brand KPI workbook: {sheets} store sheets read, {rows} KPI rows ({values} "
        "monthly values); its ratio rows are recomputed.",
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
        "dq_ignored": "Files not read (ignored): {files}.",
        "dq_workbook_checks": "Workbook cells that differ from their recomputation by "
        "definition: {n}; the report uses the recomputed values:",
        "dq_workbook_checks_first": "Workbook cells that differ from their recomputation "
        "by definition: {n}; the report uses the recomputed values (the first {shown} "
        "are listed):",
        "dq_col_sheet": "Sheet",
        "dq_col_workbook_value": "Workbook value",
        "dq_col_recomputed": "Recomputed value",
        "dq_blank_cell": "(blank)",
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
        "verdict_clearly_worse": "clearly worse",
        "verdict_clearly_better": "clearly better",
        "verdict_watch_worse": "worth watching",
        "verdict_watch_better": "slightly better",
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
        "scope_tier_region_peers": "stores of its tier in its region",
        "scope_tier_peers": "stores of its tier",
        "scope_region_peers": "stores of its region",
        "scope_network_peers": "other stores of the network",
        "scope_network_others": "other stores of the network",
        "scope_standard": "follow-up standard",
        "scope_target": "target",
        "scope_benchmark": "benchmark",
        "scope_first_month": "first month shown",
        "scope_own_seasonal": "last year's month × the network's change",
        "peers_named": "Peer stores (closest in region, tier and traffic): {stores}.",
        "diagnosis_none_but_worse": "No diagnosis rule was triggered this month, but these "
                                    "KPIs are clearly worse than their benchmark (see the "
                                    "comparison): {kpis}.",
        "watch_heading": "Worth watching",
        "watch_note": "these KPIs are off their benchmark beyond the 95% range but not "
                      "established beyond chance (not findings; watch them next month).",
        "watch_line": "- {kpi} {value}, {scope} {benchmark}",
        "summary_worse_kpis": "No diagnosis rule was triggered this month, but these KPIs are "
                              "clearly worse than their benchmark: {kpis}.",
        "summary_too_few": "{visits} visits and {orders} orders this month are too few to "
                           "judge: chance moves the rates more than any gap to the benchmark "
                           "(see the 12-month trends).",
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
        "diagnosis_none_some_na": "No problem needing action this month: the key rates that "
        "could be judged are in line; {kpis}: no data this month, not judged.",
        "finding_cause": "Likely cause",
        "finding_actions": "Recommended actions",
        "finding_impact": "Expected effect",
        "finding_evidence": "Evidence",
        "severity_high": "high",
        "severity_medium": "medium",
        "severity_low": "low",
        "severity_info": "note",
        "finding_status_new": "new",
        "finding_status_new_start": "new (first {unit} of data)",
        "finding_status_persisting": "for {n} {unit}s running",
        "finding_status_persisting_start": "for {n} {unit}s running (since the data begin)",
        "finding_status_persisting_lookback": "for at least {n} {unit}s running",
        "finding_status_unit": "month",
        "finding_status_resolved": "resolved (last seen {month})",
        "finding_status_unit_period": "period",
        "finding_resolved": "Resolved since last month",
        "finding_resolved_period": "Resolved since the last period",
        "col_severity": "Severity",
        "col_finding": "Finding",
        "col_benchmark": "Benchmark",
        "col_interval": "95% interval",
        "evidence_note": "The evidence lists, for each finding, the KPIs it rests on: the "
        "store's value and interval, the benchmark used and the verdict.",
        # --- section: summary (en) ---
        "coverage_workbook": "This month's numbers come from the brand's monthly KPI workbook, "
        "which holds only the template's KPIs; the others show “—” (no data). Orders = orders "
        "from new leads + orders from carried-over leads; the template has no register flag "
        "for details kept, so visits leaving details show “—”.",
        "coverage_missing": "These parts lack the detailed data they need and show only what "
        "can be computed: {sections}.",
        "coverage_item": "{section} (no {table})",
        "table_visits": "walk-in register for the month",
        "table_leads": "customer information cards",
        "table_consultants": "consultant list",
        "table_orders": "deliveries of the month",
        "summary": "The month at a glance",
        "summary_deliveries": "{deliveries} deliveries against a target of {target}: "
        "{completion} complete.",
        "summary_deliveries_no_target": "{deliveries} deliveries (no target in the data, so no "
        "completion rate).",
        "summary_finding": "First to fix: {title}. {effect}.",
        "summary_no_findings": "No problem needing action this month.",
        "summary_quarantined": "{n} rows of this store were quarantined (left out of every "
        "figure), so some figures may be too low: see “Data quality”.",
        "summary_change": "Clearest change from last month: {kpi} {change} ({before} → {now}), "
        "{effect}.",
        "summary_change_partial": "Clearest change from last month (month not complete, paced "
        "to the whole month): {kpi} {change} ({before} → about {now}), {effect}.",
        "summary_no_change": "No comparable data for last month.",
        "summary_no_significant_change": "No change from last month beyond chance.",
        "summary_no_significant_change_partial": "The month is not complete (data up to "
        "{date}); paced to the whole month, no change from last month beyond chance.",
        "summary_effect_orders": "about {sign}{n} orders a month",
        "summary_effect_deliveries": "about {sign}{n} deliveries a month",
        "summary_effect_more": "+",
        "summary_effect_less": "−",
        "summary_orders": "{orders} orders (MoM {change}){cancelled}.",
        "summary_cancelled": "; {cancellations} orders cancelled this month (including orders "
        "placed in earlier months)",
        "summary_orders_partial": "{orders} orders up to {date} (month not complete: {elapsed} "
        "of {days} days; paced to the whole month about {paced}, MoM {change})"
        "{cancelled}.",
        "summary_deliveries_partial": "{deliveries} deliveries up to {date} (month not "
        "complete; paced to the whole month about {paced}) against a target of {target}: "
        "paced completion {completion}.",
        "summary_deliveries_partial_no_target": "{deliveries} deliveries up to {date} (month "
        "not complete; paced to the whole month about {paced}; no target in the data).",
        "summary_month_no_data": "No data of this store in this month (its data end on {date}):"
        " no comparison with last month.",
        "summary_month_no_data_at_all": "This store has no data.",
        "paced_month": "{month} (paced)",
        "header_data_complete": "Data for this month complete (the store's data run to {date})",
        "header_data_partial": "Data for this month run to {date} only (month not complete: "
        "{elapsed} of {days} days, about {share} of a month's usual traffic)",
        "header_data_none": "No data of this store in this month (its data end on {date})",
        "header_data_none_at_all": "This store has no data",
        "history_footnote": "† The store's data start on {start}: in the first {n} months of "
        "data ({first} to {last}) the carried-over KPIs ({kpis}) count only leads and orders "
        "created after the data begin, so they are too low; values marked † and their changes "
        "are not comparable and drive no verdict.",
        "partial_footnote": "‡ This month's data run to {date} (month not complete: {elapsed} "
        "of {days} days, about {share} of a month's usual traffic): counts and unit costs are "
        "paced to the whole month (divided by the elapsed share: by traffic for visit counts, "
        "by their own past daily profile for orders and deliveries) before the comparison "
        "with whole months; rates are month to date.",
        "appendix": "Appendix: KPI definitions",
        "appendix_note": "Every KPI this report's tables and funnel chart show, with its "
        "definition. Each is defined once, in kpi_lib/ingest/kpi_catalogue.py; a ratio is the "
        "sum of numerators / the sum of denominators and is not computed (shown as “—”) when "
        "the denominator is zero.",
        "appendix_id": "Id",
        "appendix_definition": "Definition",
        "appendix_better": "Better",
        "appendix_direction_up": "higher",
        "appendix_direction_down": "lower",
        "appendix_direction_None": "—",
        # --- section: trends (en) ---
        "trends": "Trends and early warning",
        "trends_table_note": "Key KPIs this month, last month and a year ago, with the "
        "changes (percentage points for rates); the range is the lowest–highest of the "
        "months shown, the chart signal the latest special-cause signal.",
        "trends_lines_note": "Solid: the last {n} months; dashed: the same months a year "
        "earlier (where the data have them).",
        "trends_charts": "Control charts",
        "trends_charts_note": "A control chart separates ordinary variation from real change: "
        "only a point beyond the limits, or {n} months in a row on one side of the centre "
        "line, is worth looking into. Rates use a p-chart (Laney's p′ chart, with wider "
        "limits, when the months vary more than binomially); counts and money an XmR chart.",
        "trends_warnings": "Early warnings",
        "trends_col_range": "{n}-month range",
        "trends_col_signal": "Chart signal",
        "trends_sig_no_chart": "too few months",
        "trends_sig_none": "none",
        "trends_sig_beyond_limits_up": "{month} above limit",
        "trends_sig_beyond_limits_down": "{month} below limit",
        "trends_sig_run_up": "run of {n} high to {month}",
        "trends_sig_run_down": "run of {n} low to {month}",
        "trends_no_data": "The store has no data in the period: no trend to show.",
        "trends_window": "Period: the last {n} months, {first} to {last}.",
        "trends_short_history": "The store's data start in {start}: only {n} months (fewer "
        "than {window}); the trends use these months only.",
        "trends_no_last_year": "No data a year earlier: no year-on-year change.",
        "trends_some_last_year": "Data a year earlier cover {n} of these months only; the "
        "year-on-year change is computed for those.",
        "trends_too_short_for_charts": "Fewer than {n} months of data: no control chart.",
        "trends_warn_worse_down": "{label} fell {n} months running: {path}",
        "trends_warn_worse_up": "{label} rose {n} months running: {path}",
        "trends_warn_beyond_limits_down": "{label} in {month} was {value}, below the lower "
        "control limit {bound}: beyond ordinary variation",
        "trends_warn_beyond_limits_up": "{label} in {month} was {value}, above the upper "
        "control limit {bound}: beyond ordinary variation",
        "trends_warn_run_down": "{label} has been below its centre line ({bound}) {n} months "
        "running up to {month}: the level has shifted down (this month {value})",
        "trends_warn_run_up": "{label} has been above its centre line ({bound}) {n} months "
        "running up to {month}: the level has shifted up (this month {value})",
        "trends_no_warnings": "Over the last {n} months no key KPI worsened steadily or gave "
        "a control-chart signal in its bad direction.",
        "trends_growth_warn": "{cost} {basis} {c_growth} ({c_before} → {c_now}), ahead of "
        "{sales} {basis} {s_growth} ({s_before} → {s_now}): marketing cost is growing faster "
        "than sales",
        "trends_growth_ok": "Growth check ({basis}): {cost} {c_growth} ({c_before} → "
        "{c_now}), {sales} {s_growth} ({s_before} → {s_now}); marketing cost is not growing "
        "faster than sales.",
        "trends_growth_na": "Growth check ({basis}): no comparable figures for {month}.",
        "trends_growth_partial": "Growth check ({basis}): this month's data run to {date} only "
        "(month not complete): month-to-date deliveries are not compared with a whole "
        "month's spend.",
        "trends_partial_month": "This month's data run to {date} only (month not complete): "
        "this month's values are month to date, and early warnings read the complete months "
        "only.",
        "trends_this_year": "last {n} months",
        "trends_last_year": "a year earlier",
        "trends_chart_too_short": "{label}: months with a value: {k}, fewer than {n}: "
        "no control chart.",
        "trends_chart_p": "{label}: p-chart, centre p̄ = {centre}, limits p̄ ± "
        "3√(p̄(1−p̄)/n) with each month's denominator; σz = {sz}, the months vary no more "
        "than binomially.",
        "trends_chart_laney": "{label}: Laney p′ chart, centre p̄ = {centre}; the months vary "
        "more than binomially (σz = {sz} > 1), so the limits widen to p̄ ± "
        "3·σz·√(p̄(1−p̄)/n).",
        "trends_chart_xmr": "{label}: XmR (individuals) chart, centre = mean {centre}, limits "
        "= mean ± 2.66 × average moving range ({mr}).",
        "trends_chart_signals": " Signals: {items}.",
        "trends_chart_no_signal": " No signal: every month within the limits and no {n} "
        "months in a row on one side of the centre line.",
        "trends_kind_p": "p-chart",
        "trends_kind_laney": "Laney p′ chart",
        "trends_kind_xmr": "XmR chart",
        "trends_centre_line": "centre line",
        "trends_limits": "control limits",
        "trends_signal": "signal",
        # --- section: pipeline (en) ---
        "pipeline": "Lead pipeline",
        "pipeline_note": "Leads still open at month end by grade (the grade after the last "
        "follow-up before month end; O includes signed orders not yet delivered), split by card "
        "created this month or before (unlike new leads and carried-over leads, only leads "
        "still open at month end count here).",
        "pipeline_grades_title": "Open leads at month end by grade",
        "pipeline_chart_title": "Open leads at the end of {month}, by grade",
        "pipeline_compliance_title": "Follow-up compliance",
        "pipeline_compliance_note": "Follow-up frequency: {freqs}. The k-th follow-up is due k × "
        "frequency days after the card was created; compliance = follow-ups made this month (at "
        "most as many as were due per lead) / follow-ups due this month.",
        "pipeline_overdue_title": "Overdue leads",
        "pipeline_overdue_note": "Open leads whose last contact (or card creation, without "
        "follow-ups) is longer ago than their grade's frequency, the {n} most overdue first; "
        "customer names and phone numbers are masked.",
        "pipeline_lost_title": "Lost and out-of-control leads",
        "pipeline_lost_note": "Every lost reason, and the top {n} competitor models; shares are "
        "of the month's lost leads.",
        "pipeline_ungraded": "Ungraded",
        "pipeline_all": "Total",
        "pipeline_col_grade": "Grade",
        "pipeline_col_days": "Frequency",
        "pipeline_col_lead": "Lead card",
        "pipeline_col_consultant": "Consultant",
        "pipeline_col_last_contact": "Last contact",
        "pipeline_col_days_since": "Days since contact",
        "pipeline_col_days_overdue": "Days overdue",
        "pipeline_col_customer": "Customer",
        "pipeline_col_phone": "Phone",
        "pipeline_col_kind": "Kind",
        "pipeline_col_item": "Item",
        "pipeline_col_count": "Count",
        "pipeline_col_share": "Share",
        "pipeline_every_days": "every {n} days",
        "pipeline_reason": "Lost reason",
        "pipeline_competitor": "Competitor model",
        "pipeline_no_leads": "No lead cards in the data: the pipeline cannot be analysed.",
        "pipeline_as_of": "On {date}, {total} leads were open (including grade O: signed, not yet "
        "delivered).",
        "pipeline_no_followups": "No follow-up register in the data: follow-up compliance and "
        "overdue leads cannot be computed.",
        "pipeline_compliance": "Follow-up compliance this month: {rate} ({done} follow-ups made / "
        "{due} due).",
        "pipeline_overdue": "{n} open leads are overdue for a follow-up.",
        "pipeline_no_overdue": "No lead is overdue for a follow-up.",
        "pipeline_lost": "{month}: {lost} leads lost (lost rate {lost_rate}), {ooc} out of "
        "control (rate {ooc_rate}); base: {base} carried-over and new leads.",
        "pipeline_no_reasons": "The data hold no lost reasons or competitor models.",
        "pipeline_no_lost": "No lead was lost this month.",
        "pipeline_forecast": "Order forecast",
        "pipeline_forecast_note": "Next month's orders = the grade {grades} leads open at month "
        "end × each grade's conversion over the last {n} months (the share of that grade's leads "
        "open at a month end that ordered the next month; the network's when the store has too "
        "few). The interval covers both the chance in each lead's decision and the uncertainty of "
        "the rates. Only orders from these leads are forecast, not those of leads created next "
        "month or fleet deals.",
        "pipeline_forecast_col_stock": "Open at month end",
        "pipeline_forecast_col_rate": "Historical conversion",
        "pipeline_forecast_col_basis": "Basis",
        "pipeline_forecast_col_expected": "Expected orders",
        "pipeline_forecast_basis_store": "this store, last {n} months",
        "pipeline_forecast_basis_network": "network (too few at this store)",
        "pipeline_forecast_no_leads": "No lead data: next month's orders cannot be forecast.",
        "pipeline_forecast_no_history": "Too little earlier data to estimate the conversion of "
        "grade {grades} leads: no forecast for {month}.",
        "pipeline_forecast_orders": "Expected orders in {month} from the grade {grades} leads "
        "open on {date}: {n} ({level1} interval {range1}, {level2} interval {range2}).",
        "pipeline_forecast_target": "Target for {month}: {target} units.",
        "pipeline_forecast_no_target": "No sales target for {month} yet.",
        "pipeline_forecast_actual": "Actual: {n}.",
        "pipeline_pacing_complete": "The data for {month} are complete (up to {date}): no "
        "month-end projection needed.",
        "pipeline_pacing_no_data": "No data for {month} yet: no month-end projection.",
        "pipeline_pacing_partial": "Up to {date}, {n} deliveries this month ({elapsed} of {days} "
        "days); at this pace the month ends at {projected} deliveries ({level} interval {range}).",
        "pipeline_pacing_target": "Target {target} units: projected completion {completion}.",
        "pipeline_pacing_no_target": "No sales target this month: no projected completion.",
        # --- section: consultants (en) ---
        "consultants_band_last": "{grade} <{min}",
        "consultants_ref_team_avg": "{label} {ref} (the team's average)",
        "consultants": "Sales consultants",
        "consultants_kpi_heading": "Consultants' KPIs",
        "consultants_score_heading": "Composite score and grade",
        "consultants_plan_heading": "Improvement plan",
        "consultants_plan_none_no_roster": "Without a consultant list only store problems can "
        "be checked: none needs an improvement plan this month.",
        "consultants_plan_none": "No consultant or store problem needs an improvement plan this "
        "month.",
        "consultants_na_note": "“—” means not computable: no target (target completion), no new "
        "leads (new leads ordering this month), no deliveries (deal value, collection) or no "
        "follow-up due this month (follow-up compliance).",
        "consultants_col_name": "Consultant",
        "consultants_col_deliveries_target": "Deliveries / target",
        "consultants_col_completion_prev": "Last month",
        "consultants_col_completion_last_year": "Same month last year",
        "consultants_col_score": "Score",
        "consultants_col_grade": "Grade",
        "consultants_col_flags": "Flags",
        "consultants_team": "Team total",
        "consultants_team_mean": "Team average",
        "consultants_team_owner": "Whole team",
        "consultants_flag_excellent": "target beaten by ≥20%",
        "consultants_flag_needs_improvement": "completion <80% two months running",
        "consultants_grade_excellent": "excellent",
        "consultants_grade_good": "good",
        "consultants_grade_pass": "pass",
        "consultants_grade_needs_improvement": "needs improvement",
        "consultants_points_completion": "Completion pts",
        "consultants_points_conversion": "Ordering pts",
        "consultants_points_avg_deal_value": "Deal value pts",
        "consultants_points_collection": "Collection pts",
        "consultants_points_process": "Process pts",
        "consultants_ref_fixed": "{label} {ref}",
        "consultants_ref_team": "{label} {ref} ({factor} × the team's)",
        "consultants_summary": "{n} consultants assessed this month: {deliveries} deliveries, "
        "completion {completion}, average score {score}; {excellent} beat their target by 20% or "
        "more, {improvement} were below 80% two months running.",
        "consultants_target_differs": "Store target {store} units (used for target completion on "
        "the summary and KPI tables); the consultants' targets add up to {consultants} (the "
        "consultant table uses each consultant's own target).",
        "consultants_weight": "{label} × {w}%",
        "consultants_band": "{grade} ≥{min}",
        "consultants_rule": "Score = {weights}. Each component scores 100 × value / reference, at "
        "most 100; this month's references (full marks): {refs}. Grades: {bands}.",
        "consultants_flags_rule": "Flags: ★ completion ≥{high}; ▼ completion below {low} {months} "
        "months running.",
        "consultants_renormalised": "* Some components of this consultant cannot be computed; the "
        "score re-weights the others (no score when they carry less than {share} of the weight).",
        "consultants_missing_roster": "The consultant list has no sales consultant of this store "
        "active this month: consultants cannot be assessed.",
        "consultants_missing_visits": "The visit register has no consultant column: visits and "
        "test-drive rates per consultant are not available.",
        "consultants_missing_followups": "No follow-up register: follow-up compliance cannot be "
        "computed and the process component is left out of the score.",
        "consultants_missing_collection": "The orders have no receivable/collected amounts: the "
        "collection rate cannot be computed and is left out of the score.",
        "consultants_missing_targets": "No target was assigned to consultants this month: "
        "completion cannot be computed and is left out of the score.",
        "consultants_chart_title": "Consultants' composite score",
        "consultants_effect": "{label} from {now} to {goal}",
        "consultants_plan_col_owner": "Owner",
        "consultants_plan_col_item": "Item",
        "consultants_plan_col_measures": "Measures",
        "consultants_plan_col_deadline": "Deadline",
        "consultants_plan_col_support": "Support needed",
        "consultants_plan_col_effect": "Expected effect",
        "consultants_plan_item_completion": "Raise target completion",
        "consultants_plan_measures_completion": "1. Split the delivery target by week and track "
        "it daily; 2. Go through the H/A leads one by one with a closing and delivery plan",
        "consultants_plan_support_completion": "Weekly one-to-one review with the manager; stock "
        "and finance approvals coordinated",
        "consultants_plan_item_conversion": "More new leads ordering in their month",
        "consultants_plan_measures_conversion": "1. Call every new lead back within 48 hours and "
        "invite a test drive; 2. Learn the SPIN questions; objection-handling role play",
        "consultants_plan_support_conversion": "Manager joins visits and mock negotiations; top "
        "consultants share closing cases",
        "consultants_plan_item_avg_deal_value": "Raise average deal value",
        "consultants_plan_measures_avg_deal_value": "1. Offer higher trims and option packs that "
        "fit the customer; 2. Offer finance, insurance and accessories with every deal",
        "consultants_plan_support_avg_deal_value": "Marketing provides trim comparisons and "
        "scripts; finance and insurance staff assist",
        "consultants_plan_item_collection": "Raise the collection rate",
        "consultants_plan_measures_collection": "1. Confirm payment method and date before "
        "delivery; 2. Chase every open amount, updated weekly",
        "consultants_plan_support_collection": "Finance sends the open receivables weekly",
        "consultants_plan_item_process": "Follow up on time",
        "consultants_plan_measures_process": "1. Follow up at each grade's frequency (H every 2 "
        "days, A weekly, B every 2 weeks, C monthly); 2. Update the daily report every evening",
        "consultants_plan_support_process": "Manager checks follow-ups daily; overdue reminders",
        "consultants_plan_item_excellent": "Share what works",
        "consultants_plan_measures_excellent": "1. Write up closing cases and talk tracks; 2. "
        "Present them at the weekly meeting and coach one colleague",
        "consultants_plan_support_excellent": "Manager organises a sharing session",
        "consultants_plan_effect_excellent": "the team's target completion and new leads ordering "
        "move toward theirs",
        "consultants_plan_support_store": "Sales manager oversees; weekly progress review",
        # --- section: mix_aftercare (en) ---
        "mix_aftercare_heading": "Delivery mix and aftercare",
        "mix_aftercare_mix_heading": "Delivery mix",
        "mix_aftercare_mix_note": "The month's deliveries by customer channel; a share is the "
        "channel's deliveries / deliveries. The 12-month share pools the twelve months; the "
        "network share pools every store of the network this month.",
        "mix_aftercare_aftercare_heading": "Delivery service and follow-up",
        "mix_aftercare_aftercare_note": "Each rate = deliveries with the action / deliveries of "
        "the month (by delivery date); the network pools every store.",
        "mix_aftercare_channel_walk_in": "Walk-in",
        "mix_aftercare_channel_fleet": "Fleet / industry",
        "mix_aftercare_channel_existing_customer": "Existing customers",
        "mix_aftercare_channel_outdoor": "Outdoor display",
        "mix_aftercare_channel_secondary_outlet": "Secondary outlets",
        "mix_aftercare_channel_other": "Other",
        "mix_aftercare_channel_trade_in": "of which: used-car trade-in",
        "mix_aftercare_col_channel": "Channel",
        "mix_aftercare_col_count": "Deliveries",
        "mix_aftercare_col_share": "Share",
        "mix_aftercare_col_share_12m": "12-month share",
        "mix_aftercare_col_network": "Network",
        "mix_aftercare_col_counts": "Done / deliveries",
        "mix_aftercare_total": "Total",
        "mix_aftercare_no_deliveries": "No deliveries this month: the delivery mix and the "
        "follow-up rates cannot be computed.",
        "mix_aftercare_shift_too_few": "Fewer than {n} deliveries in the last three months or "
        "the three before: too few to tell how the mix moved.",
        "mix_aftercare_shift_part": "{label} {before} → {recent} ({move})",
        "mix_aftercare_move_up": "up",
        "mix_aftercare_move_down": "down",
        "mix_aftercare_move_flat": "flat",
        "mix_aftercare_verdict_good": "Existing-customer and trade-in shares rose and walk-in "
        "dependence fell: the mix is improving",
        "mix_aftercare_verdict_bad": "None of the three moved the desired way: no improvement "
        "in the mix",
        "mix_aftercare_verdict_mixed": "Some moved the desired way",
        "mix_aftercare_shift": "Last three months against the three before: {parts}. "
        "{verdict}.",
        "mix_aftercare_missing_column": "The input has no {column}: {kpi} cannot be computed "
        "(shown as “—”).",
        "mix_aftercare_column_delivered": "delivery date column in the orders table",
        "mix_aftercare_column_call_3d": "3-day call column in the orders table",
        "mix_aftercare_column_letter_7d": "7-day letter column in the orders table",
        "mix_aftercare_column_referral": "referral column in the orders table",
        "mix_aftercare_column_ceremony": "delivery-ceremony column in the orders table",
        "mix_aftercare_column_insurance": "insurance column in the orders table",
        "mix_aftercare_column_table": "orders table",
        "mix_aftercare_trend_title": "Delivery mix, last 12 months",
        "mix_aftercare_trend_ylabel": "Deliveries (units)",
        # --- section: traffic (en) ---
        "overview_title": "Network overview of the month",
        "overview_intro": "{month}: {stores} stores, {reports} store reports; "
        "{findings} findings in {stores_hit} stores.",
        "overview_network": "Network",
        "overview_region_heading": "By region",
        "overview_region_note": "Visits, orders and deliveries are totals; rates are "
        "Σ numerator / Σ denominator.",
        "overview_funnel_heading": "Funnel plots of the network",
        "overview_funnel_note": "Each dot is a store; dashed lines are the 99.8% limits, solid "
        "lines the 95% limits, the horizontal line the national average.",
        "overview_outliers_none": "No store's key rate lies outside the 95% limits this month.",
        "overview_outliers": "Stores outside the limits: {items}.",
        "overview_verdict_clearly_below": "clearly below",
        "overview_verdict_clearly_above": "clearly above",
        "overview_verdict_watch_below": "below, worth watching",
        "overview_verdict_watch_above": "above, worth watching",
        "overview_diagnosis_heading": "Findings across the network",
        "overview_diagnosis_none": "No store triggered a diagnosis rule this month.",
        "overview_links_heading": "Store reports",
        "overview_links_note": "The links open each store's report (in the same folder as this "
        "page); “EN” is its English edition; “—” means the file does not exist.",
        "overview_col_stores": "Stores",
        "overview_col_name": "Store name",
        "overview_col_findings": "Main finding",
        "overview_col_status": "This run",
        "overview_col_consultants": "Consultants",
        "overview_consultants_link": "consultants",
        "overview_funnel_alt": "Funnel plots of the network: {rates}. Each dot is a store (volume "
        "across, rate up); dashed lines are the 99.8% limits, solid lines the 95% limits, the "
        "horizontal line the national average.",
        "ui_filter_label": "Filter the table's rows",
        "ui_filter_placeholder": "Filter: type a store, region or word…",
        "ui_filter_count": "{shown} of {total} rows shown",
        "ui_sort_hint": "Click to sort, again to reverse",
        "overview_col_diagnosis": "Finding",
        "overview_col_severity": "Severity",
        "overview_col_stores_hit": "Stores",
        "overview_col_effect": "Expected extra orders a month",
        "overview_severity_high": "high",
        "overview_severity_medium": "medium",
        "overview_severity_low": "low",
        "overview_no_finding": "none",
        "overview_status_rendered": "rendered",
        "overview_status_unchanged": "unchanged",
        "overview_status_failed": "failed",
        "traffic_heading": "Marketing and traffic",
        "traffic_spend_heading": "Ad spend and cost per result",
        "traffic_spend_channel_heading": "By marketing channel",
        "traffic_visits_heading": "Visits and phone inquiries",
        "traffic_source_heading": "Visits and conversion by source",
        "traffic_source_intro": "Visits, visits leaving details and test-drive rate by the "
        "source in the "
        "walk-in register; new leads by the source on the lead card; orders by the source of "
        "their lead card; conversion B = orders from leads created this month / new leads "
        "(of the same source).",
        "traffic_heatmap_heading": "Visits by weekday and hour",
        "traffic_minutes": "{n} min",
        "traffic_col_network": "Network",
        "traffic_col_channel": "Marketing channel",
        "traffic_col_share": "Share",
        "traffic_col_source": "Source",
        "traffic_unknown": "Not given",
        "traffic_invite_note": "Phone invite-to-visit rate = callers of last month who visited "
        "this store after their call and by the end of this month / callers of last month "
        "(distinct customer ids): {visited} / {callers} this month.",
        "traffic_invite_anonymous": " {n} calls of last month had no customer id, cannot be "
        "followed and are left out.",
        "traffic_source_note": "The “Not given” row includes {n} orders of this month "
        "without a matching lead card (no source to attribute them to).",
        "traffic_note_no_invite": "The phone or walk-in register has no customer id: the phone "
        "invite-to-visit rate cannot be computed.",
        "traffic_note_no_calls": "No phone-in register: phone inquiries and the invite-to-visit "
        "rate cannot be computed.",
        "traffic_note_no_sources": "No visits and no new leads this month: nothing to split by "
        "source.",
        "traffic_note_no_dwell": "The walk-in register lacks time in or time out: dwell time "
        "cannot be computed.",
        "traffic_note_no_marketing": "No marketing data: ad spend and cost per result cannot "
        "be computed.",
        "traffic_note_spend_workbook": "This month's ad spend of {spend} comes from the brand's "
        "KPI workbook (a total, without channels).",
        "traffic_note_workbook_breakdowns": "The brand's KPI workbook holds totals only ({visits} "
        "visits, {new_leads} new leads this month): sources, showroom dwell time and calls "
        "need the registers, which this store does not have for the month.",
        "section_input_see_coverage": "This section lacks its input (see the data coverage note "
        "at the top).",
        "traffic_note_no_spend_channel": "The marketing table has no channel column: spend "
        "cannot be split by channel.",
        "traffic_note_no_visit_source": "The walk-in register has no source column: visits "
        "cannot be split by source.",
        "traffic_note_no_lead_id": "The orders table has no lead id: orders cannot be "
        "attributed to a source.",
        "traffic_note_no_time_in": "The walk-in register has no time-in column: no chart of "
        "visits by hour.",
        "traffic_note_no_visits": "No visits this month: no chart of visits by hour.",
        "traffic_network_note": "Network: rates pool every store; money and counts are the "
        "mean per store with data; dwell time is the median over the network's visits.",
        "traffic_weekday_0": "Mon",
        "traffic_weekday_1": "Tue",
        "traffic_weekday_2": "Wed",
        "traffic_weekday_3": "Thu",
        "traffic_weekday_4": "Fri",
        "traffic_weekday_5": "Sat",
        "traffic_weekday_6": "Sun",
        "traffic_heatmap_title": "Visits this month: weekday × hour of arrival",
        "traffic_heatmap_x": "Hour of arrival",
        "traffic_heatmap_y": "Weekday",
        # --- section: excel (en) ---
        "excel_sheet_vertical": "Month by month",
        "excel_sheet_horizontal": "Benchmarks",
        "excel_sheet_consultants": "Consultants",
        "excel_sheet_findings": "Findings",
        "excel_sheet_plan": "Improvement plan",
        "excel_title": "{sheet}: {store} {name}, {month}",
        "excel_footer": "Page &P of &N",
        "excel_year": "Year",
        "excel_store_name": "Store name",
        "excel_col_kpi": "KPI",
        "excel_col_total": "Year total",
        "excel_total_note": "Counts and money: the sum of the months; ratios: sum of numerators / "
        "sum of denominators over the months (not the mean of the monthly ratios).",
        "excel_total_partial": "Only the {n} months with data",
        "excel_na_stock": "A stock at the start of each month: adding months up means nothing",
        "excel_na_no_benchmark": "No benchmark available",
        "excel_month_outside_data": "This month is outside the data",
        "excel_col_deliveries": "Deliveries",
        "excel_col_target": "Target (units)",
        "excel_col_no": "No.",
        "excel_col_rule": "Rule",
        "excel_col_impact_orders": "Expected extra orders a month",
        "excel_no_impact": "No order effect can be estimated",
        "excel_none": "None",
        "excel_plan_none": "No improvement items this month.",
        "excel_row_cost_per_visit": "Cost per visit (CNY)",
        "excel_row_lead_capture_rate": "Lead capture rate",
        "excel_row_open_orders": "Carried-over + new orders",
        "excel_row_deliveries_total": "Deliveries (total)",
        "excel_row_trade_in": "Trade-in deliveries",
        "excel_row_trade_in_share": "Trade-in share",
        "excel_month_1": "Jan",
        "excel_month_2": "Feb",
        "excel_month_3": "Mar",
        "excel_month_4": "Apr",
        "excel_month_5": "May",
        "excel_month_6": "Jun",
        "excel_month_7": "Jul",
        "excel_month_8": "Aug",
        "excel_month_9": "Sep",
        "excel_month_10": "Oct",
        "excel_month_11": "Nov",
        "excel_month_12": "Dec",
        "excel_row_deliveries_walk_in": "Deliveries: walk-in",
        "excel_row_share_walk_in": "Share: walk-in",
        "excel_row_deliveries_fleet": "Deliveries: fleet / industry",
        "excel_row_share_fleet": "Share: fleet / industry",
        "excel_row_deliveries_existing_customer": "Deliveries: existing customers",
        "excel_row_share_existing_customer": "Share: existing customers",
        "excel_row_deliveries_outdoor": "Deliveries: outdoor display",
        "excel_row_share_outdoor": "Share: outdoor display",
        "excel_row_deliveries_other": "Deliveries: other",
        "excel_row_share_other": "Share: other",
        "excel_row_deliveries_secondary_outlet": "Deliveries: secondary outlets",
        "excel_row_share_secondary_outlet": "Share: secondary outlets",
        "plan_title": "{store}: target recommendation for {month}",
        "plan_col_item": "Item",
        "plan_col_deliveries": "Deliveries",
        "plan_col_orders": "Orders",
        "plan_col_method": "Method",
        "plan_basis_last_year": "Last year × network trend",
        "plan_basis_seasonal": "Seasonal index",
        "plan_basis_pipeline": "H/A pipeline forecast",
        "plan_basis_run_rate": "Recent run rate",
        "plan_level_conservative": "Conservative",
        "plan_level_base": "Base",
        "plan_level_stretch": "Stretch",
        "plan_method_last_year": "{ly_month} deliveries {ly} × network year-over-year {trend}"
        " ({months})",
        "plan_method_last_year_no_trend": "{ly_month} deliveries {ly} (no comparable months: no"
        " trend applied)",
        "plan_method_seasonal": "deseasonalised level × {month_label} seasonal index {index}"
        " (store weight {weight})",
        "plan_method_pipeline": "delivery conversion {dc} × (carried orders {carried} + H/A orders"
        " {stock} + other orders {other})",
        "plan_method_run_rate": "mean deliveries {months}",
        "plan_method_conservative": "base − 1.28 × forecast sd {sd} (low end of an 80% interval)",
        "plan_method_lowest": "the lowest basis",
        "plan_method_base": "median of the bases",
        "plan_method_stretch": "base × peers' top-quartile delivery conversion {q3} / own {own}",
        "plan_method_stretch_top": "base × peers' top quartile {q3} / median {median} (already in"
        " the top quartile)",
        "plan_orders_note": "orders = deliveries / delivery conversion {dc} − carried orders"
        " {carried}",
        "plan_target": "target in the data {target} units: probability of reaching it {p}"
        " (forecast interval, normal approximation)",
        "plan_no_target": "no target for the month in the data",
        "plan_consultants_title": "By consultant (share of the last 3 months' deliveries)",
        "plan_col_consultant": "Consultant",
        "plan_col_share": "Share",
        "plan_path_title": "Achievement path (base target {target} units, reverse funnel)",
        "plan_col_stage": "Stage",
        "plan_col_required": "Required",
        "plan_col_rate": "Rate to next",
        "plan_col_per_week": "Per week",
        "plan_col_per_consultant_week": "Per consultant per week",
        "plan_col_benchmark": "At benchmark rates",
        "plan_col_difference": "Difference",
        "plan_path_note": "The store's last 3 months' rates, shrunk toward its peers' (empirical"
        " Bayes, weights in the JSON); benchmark: {scope}; weeks by days.",
        # the report's section 下月目标与达成路径 and the sheet 目标分解 (report.plan_tables)
        "plan_section": "Next month's target and the path to it",
        "plan_section_intro": "Recommended targets for {month} and the path to them, from the "
        "data up to {last} (recent months: {recent}). Deliveries and orders come at three "
        "levels, conservative, base and stretch; orders = deliveries / delivery conversion "
        "{dc} − orders carried into the month {carried}.",
        "plan_section_partial": "Note: the store's data for this month stop at {date}, so this "
        "month's deliveries and orders are incomplete and the recent run rate and the other "
        "bases are too low.",
        "plan_section_cannot": "No target recommendation for {month}: the data cover {first} "
        "to {last}, so the months that can be planned are {lo} to {hi}.",
        "plan_section_no_data": "No target recommendation for {month}: the data hold no dated "
        "rows.",
        "plan_na": "n/a: {reason}",
        "plan_na_last_year": "no deliveries for {ly_month} (or it is in the data's warm-up "
        "months)",
        "plan_na_seasonal": "a seasonal index needs a year of history for every calendar month",
        "plan_na_pipeline_leads": "needs the leads register (the H/A stock)",
        "plan_na_pipeline_orders": "the orders carried into the month are unknown (they need "
        "the orders register)",
        "plan_na_pipeline_rates": "a grade in the H/A stock has too little history to estimate "
        "its conversion",
        "plan_na_pipeline_other": "the recent months' other orders cannot be computed",
        "plan_stretch_no_peers": "no peers' delivery conversion to compare with: the stretch "
        "equals the base",
        "plan_na_run_rate": "no deliveries in the recent months",
        "plan_na_base": "no basis is available",
        "plan_section_orders_na": "The orders cannot be computed: {reason}.",
        "plan_orders_na_carried": "the orders carried into the month are unknown (they need the "
        "orders register)",
        "plan_orders_na_dc": "the delivery conversion is n/a",
        "plan_section_target": "The data hold a target of {target} deliveries for {month}: the "
        "probability of reaching it is about {p} (normal approximation to the H/A pipeline "
        "forecast's interval).",
        "plan_section_target_no_p": "The data hold a target of {target} deliveries for {month}, "
        "but the probability of reaching it cannot be estimated: the H/A pipeline forecast is "
        "n/a ({reason}).",
        "plan_section_no_target": "The data hold no target for {month} yet; the three levels "
        "above are a basis for setting one.",
        "plan_section_path_heading": "The path (reverse funnel)",
        "plan_section_path_note": "Each stage's count needed for the base target (deliveries: "
        "{target}): at the store's recent rates (shrunk toward its peers') and at the {scope} "
        "rates. \"Rate to next\" = the next stage's required / this stage's required.",
        "plan_col_required_own": "Required at own rates",
        "plan_col_rate_own": "Rate to next (own)",
        "plan_col_required_bench": "Required at benchmark rates",
        "plan_col_rate_bench": "Rate to next (benchmark)",
        "plan_section_saves": "At the {scope} rates the same target needs {bench} {visits}, "
        "{diff} fewer than at the store's own rates ({own}): that is the traffic "
        "benchmark-level conversion would save each month.",
        "plan_section_costs": "At the {scope} rates the same target would need {bench} "
        "{visits}, {diff} more than at the store's own rates ({own}): the store converts "
        "better than the {scope} and needs that much less traffic a month.",
        "plan_section_same": "At the {scope} rates the same target needs {bench} {visits}, "
        "as many as at the store's own rates.",
        "plan_section_bench_na": "No comparison with the {scope}: it has no value for "
        "{missing}.",
        "plan_section_path_na": "The funnel cannot be traced back from the base target "
        "({target}): {missing} cannot be computed for {months} (they need those months' visit, "
        "lead and order records).",
        "plan_section_splits_na": "So there is no split of the stages by consultant or week "
        "either.",
        "plan_missing_walk_in_share": "the share of showroom orders",
        "plan_missing_carried": "the orders carried into the month",
        "plan_section_consultants_heading": "By consultant (base target)",
        "plan_section_consultants_note": "Split by each consultant's share of the store's "
        "deliveries in {months}; consultants who have left are not counted.",
        "plan_section_consultants_none": "No split by consultant: no deliveries in {months} "
        "belong to a consultant still employed.",
        "plan_section_weeks_heading": "By week (base target)",
        "plan_section_weeks_note": "Each week gets its share of the month's days (Monday to "
        "Sunday; the first and last weeks are cut at the month's ends).",
        "plan_col_week": "Week",
        "plan_col_days": "Days",
        "excel_sheet_target": "Target breakdown",
        "excel_target_col_level": "Level",
        "excel_target_col_name": "Name",
        "excel_target_store": "Store",
        "excel_target_consultant": "Consultant",
        "excel_target_week": "Week",
        "excel_target_base": "Base target (units)",
        "excel_target_note": "The reverse funnel of the base target: the consultant rows and "
        "the week rows each add up to the store row.",
        # quarantine reasons, by issue code: ingest's English templates (validate.REASONS,
        # brand_workbook.REASONS), the same text (a test keeps them equal)
        "reason_bad_date": "'{value}' is not a date (expected YYYY-MM-DD)",
        "reason_bad_time": "'{value}' is not a time (expected HH:MM)",
        "reason_bad_month": "'{value}' is not a month (expected YYYY-MM)",
        "reason_bad_bool": "'{value}' is not a yes/no value (expected true/false, 1/0, yes/no, "
        "是/否)",
        "reason_bad_number": "'{value}' is not a number",
        "reason_missing_value": "{column} is required but empty",
        "reason_bad_code": "'{value}' is not an allowed {column} (allowed: {allowed})",
        "reason_negative": "{column} {value} is negative",
        "reason_duplicate_key": "{column} '{value}' already appears in row {first_row}",
        "reason_missing_status_date": "status is '{status}' but status_date is empty",
        "reason_unknown_reference": "{column} '{value}' is not in {table}",
        "reason_time_order": "time_out {value} is before time_in {other}",
        "reason_date_order": "{column} {value} is before {other_column} {other}",
        "reason_bad_row": "row has {found} values but the header has {expected} columns",
        "reason_unclosed_quote": "a quote (\") opened in this row is never closed, so the rows "
        "after it were read as one value; remove it or close it",
        "reason_too_large": "{column} {value} is too large to be right (more than {limit})",
        "reason_bad_text": "{column} holds characters that cannot be read ('{value}'): the file "
        "is damaged here or mixes encodings; save it again as UTF-8",
        "reason_unknown_file": "not read: '{value}' is not the name of a table (such as visits "
        "or 来店客户登记表)",
        "reason_unknown_sheets": "not read: none of its sheets ({value}) is named after a table "
        "(such as visits or 来店客户登记表)",
        "reason_unreadable_file": "not read: it is named after no table and cannot be opened as "
        "a workbook",
        "reason_outside_link": "a link to a file outside the data folder; not read",
        "reason_empty_file": "the file is empty (0 bytes): its table has no rows",
        "reason_unsafe_id": "'{value}' cannot be used as a store id: {why}",
        "reason_date_future": "{column} {value} is in the future (after {today})",
        "reason_consultant_store": "consultant_id '{value}' belongs to store {other}, not to "
        "{store}",
        "reason_unknown_kpi_row": "'{value}' is not a row of the KPI template{hint}",
        "reason_unknown_store_sheet": "sheet '{value}' names no store of the stores table; skipped",
        "reason_month_without_year": "the month header '{value}' has no year: put 年份 and the "
        "year in a cell above the header row",
        "reason_duplicate_month": "month {value} appears more than once in the header; its "
        "columns are not read",
        "reason_workbook_conflict": "{row_label} for {month} is given twice ({value} and "
        "{other}); the first is used",
        "reason_excel_error": "the cell holds the Excel error {value}; read as n/a",
        # ---- the flash (issue 17.4): kpi_lib/report/flash_tables.py
        "flash_title": "Sales flash",
        "flash_header": "{date} (day {day} of {days})",
        "flash_col_due": "Due in {days} days",
        "flash_cut_note": "Only records dated {date} or earlier are used: what was delivered, "
        "cancelled or lost later counts as it stood that day (not delivered, still open).",
        "flash_as_of": "The network's latest record is of {as_of}; lead stock and overdue "
        "leads are counted on that day.",
        "flash_mtd": "By {date} the store has delivered {done} cars this month. By its usual "
        "rhythm {share} of a month's deliveries fall by today, so the month's target of {target} "
        "means {paced} by now: {pace} of the paced target.",
        "flash_mtd_no_target": "By {date} the store has delivered {done} cars this month; there "
        "is no delivery target for the month, so neither pace nor risk can be given.",
        "flash_projection": "At this pace the month ends at about {point} deliveries ({level} "
        "interval {low}–{high}).",
        "flash_no_projection": "By the usual rhythm no deliveries fall by today, so the month "
        "end cannot be projected.",
        "flash_status_at_risk": "Target at risk: the {level} interval's upper end, {high}, is "
        "below the target of {target}, at least {gap} short.",
        "flash_status_on_track": "On track: the {level} interval's lower end, {low}, reaches the "
        "target of {target}.",
        "flash_status_open": "Too close to call: the target of {target} lies inside the {level} "
        "interval {low}–{high}.",
        "flash_share_item": "{what} {share} ({how})",
        "flash_measure_visits": "visits",
        "flash_measure_orders": "orders",
        "flash_measure_deliveries": "deliveries",
        "flash_season_last_year": "day by day as in the same month last year",
        "flash_season_profile": "the within-month profile of the last {n} months",
        "flash_season_none": "by weekday only",
        "flash_pace_note": "Pacing: the share of the month due by today is {shares} (by days "
        "alone {plain}), each weighted by the store's weekday pattern of the last {weeks} months "
        "(shrunk toward the network's); the month-end interval is the {level} prediction "
        "interval.",
        "flash_h_indicators": "Leading indicators and the achievement path",
        "flash_h_consultants": "Consultants' pace",
        "flash_h_due": "H/A leads due for follow-up in the next {days} days",
        "flash_h_overdue": "Overdue leads (by grade, then days overdue)",
        "flash_h_lost": "Lost H/A leads awaiting review",
        "flash_ha_stock": "Open H/A leads",
        "flash_col_indicator": "Indicator",
        "flash_col_actual": "Month to date",
        "flash_col_month_need": "Month need",
        "flash_col_need_now": "Need by now",
        "flash_col_gap": "Gap",
        "flash_col_done": "Share of need",
        "flash_path_no_target": "There is no delivery target for the month, so the path gives "
        "no need for the leading indicators.",
        "flash_path_no_history": "No full month precedes this one in the data, so there is no "
        "achievement path.",
        "flash_path_no_rates": "Some of the store's recent funnel rates have no denominator: "
        "those stages of the path are n/a (—).",
        "flash_short": " ({n} short)",
        "flash_behind": "Behind the achievement path: {items}.",
        "flash_not_behind": "Every leading indicator is at or above the path's need by now.",
        "flash_ha_note": "H/A stock: the path needs {orders} orders this month; at the store's "
        "usual {ratio} open H/A leads per monthly order (month ends of its last 3 months), that "
        "takes about {need} open H/A leads, and the store has {have}.",
        "flash_ha_na": "The H/A stock needed cannot be given (no orders or no lead register in "
        "the last 3 months).",
        "flash_path_note": "Month need: the achievement path back from the target of {target} "
        "(the store's last 3 months' rates, shrunk toward its peers); need by now = month need × "
        "the share due by today (visits to negotiations by the visits' rhythm).",
        "flash_col_target": "Target",
        "flash_col_paced": "Due by now",
        "flash_col_pace": "Pace",
        "flash_col_ha": "Open H/A",
        "flash_col_overdue": "Overdue",
        "flash_consultants_no_target": "No consultant has a target this month, so their pace "
        "cannot be given.",
        "flash_consultants_all_on_pace": "Every consultant with a target has delivered at least "
        "what is due by now.",
        "flash_consultants_behind": "{n} consultants have delivered less than is due by now: "
        "{names}.",
        "flash_more": " (first {n} of {total} shown)",
        "flash_col_next_due": "Due on",
        "flash_no_followups": "There is no follow-up register, so leads due or overdue cannot "
        "be listed.",
        "flash_due_note": "{n} open H/A leads, not overdue on {date}, whose next follow-up (last "
        "contact + the grade's frequency) falls within {days} days (per consultant in the table "
        "above); below by due date",
        "flash_overdue_note": "{n} open leads are overdue ({by}), ranked by grade (O, H, A, B, "
        "C), then by days overdue",
        "flash_col_lost_on": "Lost on",
        "flash_col_reason": "Reason",
        "flash_col_competitor": "Competitor model",
        "flash_lost_note": "{n} leads lost in the {days} days up to {date} that were graded H or "
        "A when lost, for the sales manager to review (the data hold no review record, so all "
        "are listed)",
        # ---- region and network reports
        "region_report_title": "Regional sales KPI report",
        "network_report_title": "Network sales KPI report",
        "region_stores_count": "Stores",
        "region_intro": "{who}: {n} stores, {month}. Every number is defined and compared as in "
        "the store reports.",
        "region_network_name": "The network",
        "region_vs_network_heading": "The region against the network",
        "region_vs_network_note": "Each region pooled (Σ numerator / Σ denominator) and compared "
        "with the national average by the store reports' method (95% interval, adjusted for "
        "differences between stores, FDR).",
        "region_stores_heading": "Every store on the key KPIs",
        "region_stores_note": "One table per KPI: the store's value and 95% interval and its "
        "verdict against the benchmark (as in its report), and its empirical-Bayes rate and "
        "rank (pulled toward its region the more, the less volume backs it), so that a small "
        "store's lucky month does not top the list.",
        "region_col_shrunk": "Shrunk rate",
        "region_col_rank_region": "Rank in region",
        "region_col_rank_network": "Rank in network",
        "region_col_peers": "Peer stores",
        "region_col_national_best": "National benchmark",
        "region_col_regional_best": "Regional benchmark",
        "region_benchmarks_heading": "Benchmark and peer stores",
        "region_benchmarks_note": "Benchmark store: the best store on the KPI among those with "
        "enough volume (nationally, in the region); peer stores: the stores closest to each "
        "store in region, tier and traffic.",
        "region_trends_heading": "Deliveries and target per store, last 12 periods",
        "region_trends_note": "One small chart per store: the line is deliveries, the dashed "
        "line the target (not drawn without one).",
        "region_trends_title": "Deliveries (line) and target (dashed)",
        "region_movers_heading": "Stores that clearly improved or slipped",
        "region_movers_note": "Each store's change on the key KPIs since the previous period, "
        "less the network's own change, judged against the usual spread of stores' changes (z "
        "test, FDR 5%): a holiday that lifts every store is no store's merit.",
        "region_movers_none": "Since the previous period ({before}) no store's key KPI moved "
        "beyond the usual spread of stores' changes.",
        "region_col_before": "Previous",
        "region_col_change": "Change",
        "region_col_direction": "Direction",
        "region_improved": "improved",
        "region_slipped": "slipped",
        "region_inbox_heading": "Findings inbox",
        "region_inbox_note": "The stores' findings of the period by store and severity, each "
        "new, running for some months or resolved since last month; the owner is the store, "
        "the action the finding's first one.",
        "region_inbox_none": "No store triggered a diagnosis rule in this period.",
        "region_col_owner": "Owner",
        "region_col_action": "First action",
        "region_col_status": "Status",
        "region_links_regions": "Region reports:",
        "region_links_stores": "Store reports:",
        # ---- the period report (a quarter, a year or a range of months)
        "na_partial_history": "the store's data begin inside that period: its total is "
        "incomplete",
        "period_intro": "This report covers {label} ({first} to {last}, {n} months): visits, "
        "leads, orders and deliveries are totals over the period, stocks at its start "
        "(carried-over leads and orders) are as of {start}, ad spend and targets add up over "
        "its months; rates are the period's Σ numerator / Σ denominator. Compared with the "
        "previous period ({previous}) and the same period last year ({last_year}).",
        "period_months_heading": "Month by month",
        "period_months_note": "The key KPIs of each month in the period; the last column is the "
        "whole period (rates are its Σ numerator / Σ denominator, not a mean of monthly rates).",
        "period_col_total": "Period",
        "period_volume": "Volume: {n_period} KPIs have too few cases to compare with their "
        "benchmark over the period; in its last month alone ({month}) {n_month} do.",
        "period_volume_more": "With the period's larger totals, {n} of the KPIs that a single "
        "month leaves too few to tell can be judged.",
        "period_pipeline_note": "The lead pipeline is as of the period's end: below are the "
        "figures of its last month ({month}); \"this month\" there means {month}.",
        "period_elsewhere_heading": "What is read by month",
        "period_elsewhere": "The month-end delivery forecast, next month's target and path, "
        "the monthly trend warnings and control charts, and the visit heatmap and source "
        "breakdown are computed per month and are not in this report; see the monthly report "
        "of {month} (make report STORE={store} MONTH={code}).",
    },
}


#: English names of code values that come from the data: visit and lead sources, ad
#: channels, lost reasons and the brand's regions (the seeds' and the demo's vocabulary).
#: A value not listed is shown as written; store and city names, people and competitor
#: models are proper names and always stay as named.
DATA_VALUES_EN: dict[str, str] = {
    # sources (信息来源) and ad channels (广宣渠道)
    "自然到店": "Walk-in", "网络": "Online", "朋友介绍": "Friend's referral",
    "朋友推荐": "Friend's referral", "转介绍": "Referral", "车展": "Auto show",
    "电话邀约": "Phone invitation", "老客户": "Existing customer",
    "保有客户": "Existing customer", "户外广告": "Outdoor ads", "汽车之家": "Autohome",
    "懂车帝": "Dongchedi", "易车": "Yiche", "抖音": "Douyin", "微信朋友圈": "WeChat Moments",
    "微信": "WeChat", "电台广告": "Radio ads", "电视广告": "TV ads", "报纸": "Newspaper",
    "报纸广告": "Newspaper ads", "短信": "SMS", "路过": "Passing by", "外拓": "Outreach",
    "展厅活动": "Showroom event", "网络广告": "Online ads", "来电": "Phone call",
    "其他": "Other", "其它": "Other",
    # lost reasons (战败原因)
    "价格原因": "Price", "竞品优惠": "Competitor's discount", "车型配置": "Model and features",
    "贷款未批": "Loan not approved", "交车周期长": "Long delivery time",
    "暂缓购车": "Purchase postponed", "服务态度": "Service attitude",
    "资金不足": "Not enough funds", "家人反对": "Family against it",
    "购买竞品": "Bought a competitor", "颜色": "Colour", "外观": "Styling",
    "油耗": "Fuel consumption", "空间": "Space", "品牌": "Brand",
    # regions (大区)
    "华东": "East China", "华北": "North China", "华南": "South China",
    "华中": "Central China", "西南": "Southwest China", "西北": "Northwest China",
    "东北": "Northeast China",
}


def data_value(value: object, lang: str = "zh") -> object:
    """A code value from the data as shown in ``lang``: its English name from
    :data:`DATA_VALUES_EN`, else as written (and always as written in Chinese).

    >>> data_value("价格原因", "en"), data_value("价格原因"), data_value("比亚迪汉", "en")
    ('Price', '价格原因', '比亚迪汉')
    """
    if lang != "en" or not isinstance(value, str):
        return value
    return DATA_VALUES_EN.get(value.strip(), value)


def in_sentence(label: str, lang: str = "zh") -> str:
    """A KPI label as it reads inside an English sentence (sentence case: first letter
    lower-cased unless the first word is an acronym); Chinese unchanged.

    >>> in_sentence("Conversion A (carried-over leads)", "en"), in_sentence("YoY change", "en")
    ('conversion A (carried-over leads)', 'YoY change')
    """
    first = label.split(" ", 1)[0]
    if lang != "en" or len(first) < 2 or not first[1].islower() or not first[1:].islower():
        return label  # Chinese, a one-letter word, or an acronym such as YoY or H-grade
    return label[:1].lower() + label[1:]


#: What joins the parts of a list in running text, by kind: ``items`` (a、b / a, b),
#: ``clauses`` (a；b / a; b), ``sentences`` (Chinese sentences need no space between them)
#: and ``grades`` (H、A、B / H/A/B).
SEPARATORS: dict[str, dict[str, str]] = {
    "items": {"zh": "、", "en": ", "},
    "clauses": {"zh": "；", "en": "; "},
    "sentences": {"zh": "", "en": " "},
    "grades": {"zh": "、", "en": "/"},
}


def list_sep(lang: str, kind: str = "items") -> str:
    """The separator of a ``kind`` of list (see :data:`SEPARATORS`) in ``lang``.

    >>> list_sep("zh"), list_sep("en"), list_sep("zh", "clauses"), list_sep("en", "clauses")
    ('、', ', ', '；', '; ')
    """
    return SEPARATORS[kind]["zh" if lang == "zh" else "en"]


def check_lang(lang: str) -> str:
    """Return ``lang`` if the report speaks it, else raise ParameterError."""
    if lang not in LANGS:
        raise ParameterError(f"language {lang!r} is not available; use one of: {', '.join(LANGS)}")
    return lang


def text(key: str, lang: str = "zh", **fields: object) -> str:
    """The catalogue entry ``key`` in ``lang``, with ``{fields}`` filled in."""
    template = TEXTS[check_lang(lang)][key]
    return template.format(**fields) if fields else template


#: arrows of a flagged verdict: the side of the benchmark the value is on
_ARROWS = {"clearly_below": "▼▼", "clearly_above": "▲▲", "watch_below": "▼",
           "watch_above": "▲"}


def verdict_words(verdict: str | None, worse: object, lang: str = "zh") -> str:
    """A verdict as a reader takes it: favourable deviations read favourable.

    ``worse`` (the compare table's) True/False turns "clearly below" into "clearly worse"
    or "clearly better" (arrows keep the side); without a direction the side words stay.

    >>> verdict_words("clearly_below", False, "en"), verdict_words("watch_above", True)
    ('clearly better ▼▼', '值得关注 ▲')
    """
    if verdict is None:
        return text("verdict_na", lang)
    try:  # True/False, numpy's, or pandas' NA (no direction)
        side = None if isinstance(worse, float) and worse != worse else bool(worse)
    except TypeError:
        side = None
    if verdict in _ARROWS and worse is not None and side is not None:
        grade = verdict.split("_")[0]
        key = f"verdict_{grade}_{'worse' if side else 'better'}"
        return f"{text(key, lang)} {_ARROWS[verdict]}"
    return text(f"verdict_{verdict}", lang)


_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]


def month_label(month: str, lang: str = "zh") -> str:
    """``2026-10`` — or a period (``2026-Q3``, ``2026``, ``2026-01..2026-10``) — as a
    reader writes it.

    >>> month_label("2026-10"), month_label("2026-Q3"), month_label("2026-01..2026-10")
    ('2026年10月', '2026年第3季度', '2026年1月–2026年10月')
    >>> month_label("2026-10", "en"), month_label("2026-Q3", "en"), month_label("2026", "en")
    ('October 2026', 'Q3 2026', 'the year 2026')
    """
    zh = check_lang(lang) == "zh"
    if ".." in month:
        first, last = month.split("..")
        if not zh and first[:4] == last[:4]:
            return f"{_MONTH_NAMES[int(first[5:7]) - 1]}–{month_label(last, lang)}"
        return f"{month_label(first, lang)}–{month_label(last, lang)}"
    if len(month) == 4:
        return f"{month}年" if zh else f"the year {month}"
    if month[5] == "Q":
        return f"{month[:4]}年第{month[6]}季度" if zh else f"{month[5:]} {month[:4]}"
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year}年{mon}月" if zh else f"{_MONTH_NAMES[mon - 1]} {year}"


#: How a month's words read for a period of several months (DATA_CONTRACT.md: "in M" reads
#: "in P"): applied to a period report's sections (:func:`period_wording`), longest first.
PERIOD_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "zh": (("门店月度销售KPI报告", "门店销售KPI报告"),
           ("见趋势与预警的近12个月走势", "见“期内各月”与各月的月度报告"),
           ("上月来电客户在本月底前", "各月来电客户在次月底前"), ("连续两月", "连续两期"),
           ("连续 2 个月", "连续 2 期"), ("去年同月", "去年同期"), ("本月", "本期"),
           ("上月", "上期"), ("当月", "当期"),
           ("月度", "期间"), ("**月份**", "**期间**"), ("每月", "每期"), ("/月", "/期")),
    "en": (("Monthly store sales KPI report", "Store sales KPI report"),
           ("see the 12-month trends", "see the months of the period and each month's report"),
           ("last month's callers came to the showroom",
            "each month's callers came to the showroom by the end of the next month"),
           ("two months running", "two periods running"),
           ("same month last year", "same period last year"),
           ("Same month last year", "Same period last year"), ("this month", "this period"),
           ("This month", "This period"), ("last month", "the previous period"),
           ("Last month", "Previous period"), ("in the month", "in the period"),
           ("Monthly", "Period"), ("MoM", "vs previous"), ("The month at a glance",
           "The period at a glance"), ("the month's", "the period's"), ("**Month**", "**Period**"),
           ("per month", "per period"), ("/month", "/period"), ("a month", "a period")),
}


def period_wording(words: str, lang: str = "zh") -> str:
    """``words`` written for a month, as they read for a period (:data:`PERIOD_WORDS`).

    >>> period_wording("本月交车 371 台，上月 301 台"), period_wording("This month", "en")
    ('本期交车 371 台，上期 301 台', 'This period')
    """
    for month_words, period_words in PERIOD_WORDS[check_lang(lang)]:
        words = words.replace(month_words, period_words)
    return words
