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
# Papermill parameters. month is a period: a quarter (2026-Q3), a year (2026) or a range of
# months (2026-01..2026-10); data=None means the demo data (generated on first use).
store = "S001"
month = "2026-Q3"
lang = "zh"
data = None

# %% tags=["setup"]
# Setup: the store's period (`sm`) and the report layer. The sections are the monthly
# report's, computed over the whole period; `report.period` reads their words for a period
# (本月 → 本期) and adds what only a period has. Keep each section cell self-contained.
from IPython.display import Markdown, display

import kpi_lib
from kpi_lib.report import notebook as report

report.plots.use_theme(lang)
sm = kpi_lib.store_month(store, month, lang, data)
period = report.period
display(period.md(report.header_markdown(sm), sm))
display(period.md(report.coverage_markdown(sm), sm))
display(Markdown(period.intro_markdown(sm)))
display(period.heading("summary", sm))
display(period.md(report.summary.summary_markdown(sm), sm))

# %%
display(period.heading("kpi_summary", sm))
display(period.md(report.text("kpi_summary_note", lang), sm))
display(period.table(report.summary_frame(sm), sm))
display(period.md(report.na_footnote(sm), sm))

# %%
display(period.heading("period_months_heading", sm))
display(Markdown(report.text("period_months_note", lang)))
display(period.table(period.months_frame(sm), sm, compact=True))

# %%
display(period.heading("funnel", sm))
display(period.md(report.funnel_note(lang), sm))
title = report.text("funnel_title", lang, month=report.month_label(month, lang))
report.show(report.plots.funnel_chart(period.frame(report.funnel_stages(sm), sm), title))

# %%
display(period.heading("diagnosis", sm))
display(Markdown(period.volume_markdown(sm)))
history = report.findings.store_history(sm, data)  # the periods before: new / persisting
display(period.md(report.findings.findings_markdown(sm, history), sm))
display(period.md(report.findings.resolved_markdown(history, lang), sm))
display(period.md(report.findings.watch_markdown(sm), sm))
if sm.findings:
    display(period.heading("finding_evidence", sm, level=3))
    display(period.md(report.text("evidence_note", lang), sm))
    display(period.table(report.findings.evidence_frame(sm), sm, numeric_from=2, compact=True))

# %%
display(period.heading("comparison", sm))
display(period.md(report.text("comparison_note", lang), sm))
display(period.table(report.comparison.comparison_frame(sm), sm, compact=True))
display(period.md(report.comparison.comparison_notes(sm), sm))

# %%
display(period.heading("funnel_plots", sm))
display(period.md(report.text("funnel_plots_note", lang), sm))
report.show(report.plots.funnel_plot_grid(report.comparison.funnel_panels(sm), store))
display(period.md(report.text("ranking_note", lang), sm))
display(period.table(report.comparison.ranking_frame(sm), sm))

# %%
display(period.heading("consultants", sm))
display(period.md(report.consultants.consultants_markdown(sm.consultants, lang), sm))
if not sm.consultants.table.empty:
    display(period.heading("consultants_kpi_heading", sm, level=3))
    display(period.table(report.consultants.consultant_frame(sm.consultants, lang), sm,
                         compact=True))
    display(period.heading("consultants_score_heading", sm, level=3))
    report.show(report.plots.consultant_scores(
        **report.consultants.score_chart(sm.consultants, lang)))
    display(period.table(report.consultants.score_frame(sm.consultants, lang), sm,
                         compact=True))
    display(period.md(report.text("consultants_na_note", lang), sm))

# %%
display(period.heading("mix_aftercare_heading", sm))
display(period.heading("mix_aftercare_mix_heading", sm, level=3))
display(period.md(report.text("mix_aftercare_mix_note", lang), sm))
display(period.table(report.delivery_mix.mix_frame(sm.delivery_mix, lang), sm))
display(period.md(report.delivery_mix.mix_markdown(sm.delivery_mix, lang), sm))
report.show(report.plots.delivery_mix_trend(
    **report.delivery_mix.mix_trend_input(sm.delivery_mix, lang)))
display(period.heading("mix_aftercare_aftercare_heading", sm, level=3))
display(period.md(report.text("mix_aftercare_aftercare_note", lang), sm))
display(period.table(report.delivery_mix.aftercare_frame(sm.delivery_mix, lang), sm))
display(period.md(report.delivery_mix.aftercare_markdown(sm.delivery_mix, lang), sm))

# %%
# The lead pipeline as of the period's end: its last month's, in the month's words.
display(Markdown(report.heading("pipeline", lang)))
display(Markdown(period.pipeline_note(sm)))
display(Markdown(report.pipeline.pipeline_markdown(sm.pipeline, lang)))
if sm.pipeline.has_leads:
    display(report.styled(report.pipeline.grades_frame(sm.pipeline, lang)))
if sm.pipeline.compliance is not None:
    display(Markdown(report.heading("pipeline_compliance_title", lang, level=3)))
    display(Markdown(report.pipeline.compliance_note(lang)))
    display(report.styled(report.pipeline.compliance_frame(sm.pipeline, lang), numeric_from=2))

# %%
display(period.heading("period_elsewhere_heading", sm))
display(Markdown(period.elsewhere_markdown(sm)))

# %%
display(period.heading("data_quality", sm))
sentence, per_file = report.quality_summary(sm)
display(period.md(sentence, sm))
display(report.styled(per_file, numeric_from=2))
if len(sm.issues):
    display(Markdown(report.text("dq_examples", lang, n=len(report.quality_examples(sm)))))
    display(report.styled(report.quality_examples(sm), numeric_from=4))

# %%
display(period.heading("appendix", sm))
display(period.md(report.text("appendix_note", lang), sm))
display(period.table(report.appendix.appendix_frame(sm), sm, numeric_from=99, compact=True))
