# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (kpi_lib)
#     language: python
#     name: kpi-report
# ---

# %% tags=["parameters"]
# Papermill parameters. data=None means the demo data (generated on first use).
store = "S001"
month = "2026-10"
lang = "zh"
data = None

# %% tags=["setup"]
# Setup: everything the sections below read comes from here (`sm`, the store's month, and
# `report`, the report layer). Keep each section cell self-contained: a single report runs
# them on two kernels (kpi_lib.run.two_kernels).
from IPython.display import Markdown, display

import kpi_lib
from kpi_lib.report import notebook as report

report.plots.use_theme(lang)
sm = kpi_lib.store_month(store, month, lang, data)
display(Markdown(report.header_markdown(sm)))
display(Markdown(report.coverage_markdown(sm)))
display(Markdown(report.heading("summary", lang)))
display(Markdown(report.summary.summary_markdown(sm)))

# %%
display(Markdown(report.heading("kpi_summary", lang)))
display(Markdown(report.text("kpi_summary_note", lang)))
display(report.styled(report.summary_frame(sm)))
display(Markdown(report.na_footnote(sm)))

# %%
display(Markdown(report.heading("funnel", lang)))
display(Markdown(report.funnel_note(lang)))
title = report.text("funnel_title", lang, month=report.month_label(month, lang))
report.show(report.plots.funnel_chart(report.funnel_stages(sm), title))

# %%
display(Markdown(report.heading("diagnosis", lang)))
history = report.findings.store_history(sm, data)  # the months before: new / persisting
display(Markdown(report.findings.findings_markdown(sm, history)))
display(Markdown(report.findings.resolved_markdown(history, lang)))
display(Markdown(report.findings.watch_markdown(sm)))
if sm.findings:
    display(Markdown(report.heading("finding_evidence", lang, level=3)))
    display(Markdown(report.text("evidence_note", lang)))
    display(report.styled(report.findings.evidence_frame(sm), numeric_from=2, compact=True))

# %%
display(Markdown(report.heading("comparison", lang)))
display(Markdown(report.text("comparison_note", lang)))
display(report.styled(report.comparison.comparison_frame(sm), compact=True))
display(Markdown(report.comparison.comparison_notes(sm)))

# %%
display(Markdown(report.heading("funnel_plots", lang)))
display(Markdown(report.text("funnel_plots_note", lang)))
report.show(report.plots.funnel_plot_grid(report.comparison.funnel_panels(sm), store))
display(Markdown(report.text("ranking_note", lang)))
display(report.styled(report.comparison.ranking_frame(sm)))

# %%
display(Markdown(report.heading("trends", lang)))
display(Markdown(report.trends.trends_note(sm.trends, lang)))
display(Markdown(report.text("trends_table_note", lang)))
display(report.styled(report.trends.trend_frame(sm.trends, lang), compact=True))
note = report.trends.trends_footnote(sm.trends, lang)
if note:
    display(Markdown(note))
if sm.trends.months:
    display(Markdown(report.trends.lines_note(sm.trends, lang)))
    report.show(report.plots.trend_lines(report.trends.trend_panels(sm.trends, lang),
                                         **report.trends.trend_legend(sm.trends, lang)))

# %%
display(Markdown(report.heading("trends_warnings", lang, level=3)))
display(Markdown(report.trends.warnings_markdown(sm.trends, lang)))

# %%
display(Markdown(report.heading("trends_charts", lang, level=3)))
display(Markdown(report.trends.charts_note(sm.trends, lang)))
for chart in report.trends.control_chart_panels(sm.trends, lang):
    display(Markdown(chart["caption"]))
    if chart["plot"]:
        report.show(report.plots.control_chart(**chart["plot"]))

# %%
display(Markdown(report.heading("pipeline", lang)))
display(Markdown(report.text("pipeline_note", lang)))
display(Markdown(report.pipeline.pipeline_markdown(sm.pipeline, lang)))
if sm.pipeline.has_leads:
    report.show(report.plots.grade_stock_bars(
        report.pipeline.stock_bars_input(sm.pipeline, lang),
        report.text("pipeline_chart_title", lang, month=report.month_label(month, lang)),
        *report.pipeline.stock_labels(lang)))
    display(report.styled(report.pipeline.grades_frame(sm.pipeline, lang)))
if sm.pipeline.compliance is not None:
    display(Markdown(report.heading("pipeline_compliance_title", lang, level=3)))
    display(Markdown(report.pipeline.compliance_note(lang)))
    display(report.styled(report.pipeline.compliance_frame(sm.pipeline, lang), numeric_from=2))
if sm.pipeline.overdue is not None and len(sm.pipeline.overdue):
    display(Markdown(report.heading("pipeline_overdue_title", lang, level=3)))
    display(Markdown(report.pipeline.overdue_note(lang)))
    display(report.styled(report.pipeline.overdue_frame(sm.pipeline, lang), numeric_from=4,
                          compact=True))
lost = report.pipeline.lost_frame(sm.pipeline, lang)
if lost is not None:
    display(Markdown(report.heading("pipeline_lost_title", lang, level=3)))
    display(Markdown(report.pipeline.lost_note(lang)))
    display(report.styled(lost, numeric_from=2))

# %%
display(Markdown(report.heading("pipeline_forecast", lang)))
display(Markdown(report.forecast.forecast_note(lang)))
display(Markdown(report.forecast.forecast_markdown(sm.forecast, lang)))
if sm.forecast.has_leads:
    display(report.styled(report.forecast.forecast_frame(sm.forecast, lang)))

# %%
display(Markdown(report.heading("consultants", lang)))
display(Markdown(report.consultants.consultants_markdown(sm.consultants, lang)))
if not sm.consultants.table.empty:
    display(Markdown(report.heading("consultants_kpi_heading", lang, level=3)))
    display(report.styled(report.consultants.consultant_frame(sm.consultants, lang), compact=True))
    display(Markdown(report.heading("consultants_score_heading", lang, level=3)))
    report.show(report.plots.consultant_scores(
        **report.consultants.score_chart(sm.consultants, lang)))
    display(report.styled(report.consultants.score_frame(sm.consultants, lang), compact=True))
    display(Markdown(report.text("consultants_na_note", lang)))

# %%
display(Markdown(report.heading("consultants_plan_heading", lang, level=3)))
plan = report.consultants.improvement_plan_frame(sm.consultants, sm.findings, lang)
if plan.empty:
    display(Markdown(report.consultants.plan_none_markdown(sm.consultants, lang)))
else:
    display(report.styled(plan, numeric_from=99, compact=True))

# %%
display(Markdown(report.heading("mix_aftercare_heading", lang)))
display(Markdown(report.heading("mix_aftercare_mix_heading", lang, level=3)))
display(Markdown(report.text("mix_aftercare_mix_note", lang)))
display(report.styled(report.delivery_mix.mix_frame(sm.delivery_mix, lang)))
display(Markdown(report.delivery_mix.mix_markdown(sm.delivery_mix, lang)))
report.show(report.plots.delivery_mix_trend(
    **report.delivery_mix.mix_trend_input(sm.delivery_mix, lang)))
display(Markdown(report.heading("mix_aftercare_aftercare_heading", lang, level=3)))
display(Markdown(report.text("mix_aftercare_aftercare_note", lang)))
display(report.styled(report.delivery_mix.aftercare_frame(sm.delivery_mix, lang)))
display(Markdown(report.delivery_mix.aftercare_markdown(sm.delivery_mix, lang)))

# %%
display(Markdown(report.heading("traffic_heading", lang)))
display(Markdown(report.heading("traffic_spend_heading", lang, level=3)))
display(report.styled(report.traffic.spend_frame(sm.traffic, lang)))
spend_channels = report.traffic.spend_channel_frame(sm.traffic, lang)
if spend_channels is not None and len(spend_channels):
    display(Markdown(report.heading("traffic_spend_channel_heading", lang, level=4)))
    display(report.styled(spend_channels))
display(Markdown(report.heading("traffic_visits_heading", lang, level=3)))
display(report.styled(report.traffic.traffic_frame(sm.traffic, lang)))
display(Markdown(report.heading("traffic_source_heading", lang, level=3)))
display(Markdown(report.text("traffic_source_intro", lang)))
if len(sm.traffic.sources):
    display(report.styled(report.traffic.source_frame(sm.traffic, lang), compact=True))
display(Markdown(report.heading("traffic_heatmap_heading", lang, level=3)))
heat = report.traffic.heatmap_input(sm.traffic, lang)
if heat is not None:
    report.show(report.plots.visit_heatmap(**heat))
else:
    display(Markdown(report.traffic.heatmap_markdown(sm.traffic, lang)))
display(Markdown(report.traffic.traffic_markdown(sm.traffic, lang)))

# %%
display(Markdown(report.heading("data_quality", lang)))
sentence, per_file = report.quality_summary(sm)
display(Markdown(sentence))
display(report.styled(per_file, numeric_from=2))
if len(sm.issues):
    display(Markdown(report.text("dq_examples", lang, n=len(report.quality_examples(sm)))))
    display(report.styled(report.quality_examples(sm), numeric_from=4))

# %%
# Next month's target and the path to it (the plan of the month after `month`); the
# workbook's 目标分解 sheet reuses it (the epilogue runs in this cell's kernel).
report.plan.show_section(sm, data)

# %%
display(Markdown(report.heading("appendix", lang)))
display(Markdown(report.text("appendix_note", lang)))
display(report.styled(report.appendix.appendix_frame(sm), numeric_from=99, compact=True))
