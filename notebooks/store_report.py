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
# Setup: everything the sections below read comes from here (`sm`). Keep each section
# cell self-contained: a single report runs them on two kernels (kpi_lib.run.two_kernels).
from IPython.display import Markdown, display

import kpi_lib
from kpi_lib.analysis import consultants as cons
from kpi_lib.analysis import delivery_mix as dm
from kpi_lib.analysis import forecast as fc
from kpi_lib.analysis import pipeline as pl
from kpi_lib.analysis import traffic as tr
from kpi_lib.report import appendix as rappx
from kpi_lib.report import comparison_tables as rc
from kpi_lib.report import findings as rdiag
from kpi_lib.report import plots
from kpi_lib.report import store_month as rd
from kpi_lib.report import summary as rsum
from kpi_lib.report import trend_tables as rtr

plots.use_theme(lang)
sm = kpi_lib.store_month(store, month, lang, data)
display(Markdown(rd.header_markdown(sm)))
display(Markdown(rd.coverage_markdown(sm)))
display(Markdown(rd.heading("summary", lang)))
display(Markdown(rsum.summary_markdown(sm)))

# %%
display(Markdown(rd.heading("kpi_summary", lang)))
display(Markdown(rd.text("kpi_summary_note", lang)))
display(rd.styled(rd.summary_frame(sm)))
display(Markdown(rd.na_footnote(sm)))

# %%
display(Markdown(rd.heading("funnel", lang)))
display(Markdown(rd.funnel_note(lang)))
fig = plots.funnel_chart(
    rd.funnel_stages(sm), rd.text("funnel_title", lang, month=rd.month_label(month, lang))
)
display(fig)
plots.close(fig)

# %%
display(Markdown(rd.heading("diagnosis", lang)))
display(Markdown(rdiag.findings_markdown(sm)))
display(Markdown(rdiag.watch_markdown(sm)))
if sm.findings:
    display(Markdown(rd.heading("finding_evidence", lang, level=3)))
    display(Markdown(rd.text("evidence_note", lang)))
    display(rd.styled(rdiag.evidence_frame(sm), numeric_from=2, compact=True))

# %%
display(Markdown(rd.heading("comparison", lang)))
display(Markdown(rd.text("comparison_note", lang)))
display(rd.styled(rc.comparison_frame(sm), compact=True))
display(Markdown(rc.comparison_notes(sm)))

# %%
display(Markdown(rd.heading("funnel_plots", lang)))
display(Markdown(rd.text("funnel_plots_note", lang)))
fig = plots.funnel_plot_grid(rc.funnel_panels(sm), store)
display(fig)
plots.close(fig)
display(Markdown(rd.text("ranking_note", lang)))
display(rd.styled(rc.ranking_frame(sm)))

# %%
display(Markdown(rd.heading("trends", lang)))
display(Markdown(rtr.trends_note(sm.trends, lang)))
display(Markdown(rd.text("trends_table_note", lang)))
display(rd.styled(rtr.trend_frame(sm.trends, lang), compact=True))
note = rtr.trends_footnote(sm.trends, lang)
if note:
    display(Markdown(note))
if sm.trends.months:
    display(Markdown(rtr.lines_note(sm.trends, lang)))
    fig = plots.trend_lines(rtr.trend_panels(sm.trends, lang), **rtr.trend_legend(sm.trends, lang))
    display(fig)
    plots.close(fig)

# %%
display(Markdown(rd.heading("trends_warnings", lang, level=3)))
display(Markdown(rtr.warnings_markdown(sm.trends, lang)))

# %%
display(Markdown(rd.heading("trends_charts", lang, level=3)))
display(Markdown(rtr.charts_note(sm.trends, lang)))
for chart in rtr.control_chart_panels(sm.trends, lang):
    display(Markdown(chart["caption"]))
    if chart["plot"]:
        fig = plots.control_chart(**chart["plot"])
        display(fig)
        plots.close(fig)

# %%
display(Markdown(rd.heading("pipeline", lang)))
display(Markdown(rd.text("pipeline_note", lang)))
display(Markdown(pl.pipeline_markdown(sm.pipeline, lang)))
if sm.pipeline.has_leads:
    fig = plots.grade_stock_bars(
        pl.stock_bars_input(sm.pipeline, lang),
        rd.text("pipeline_chart_title", lang, month=rd.month_label(month, lang)),
        *pl.stock_labels(lang))
    display(fig)
    plots.close(fig)
    display(rd.styled(pl.grades_frame(sm.pipeline, lang)))
if sm.pipeline.compliance is not None:
    display(Markdown(rd.heading("pipeline_compliance_title", lang, level=3)))
    display(Markdown(pl.compliance_note(lang)))
    display(rd.styled(pl.compliance_frame(sm.pipeline, lang), numeric_from=2))
if sm.pipeline.overdue is not None and len(sm.pipeline.overdue):
    display(Markdown(rd.heading("pipeline_overdue_title", lang, level=3)))
    display(Markdown(pl.overdue_note(lang)))
    display(rd.styled(pl.overdue_frame(sm.pipeline, lang), numeric_from=4, compact=True))
lost = pl.lost_frame(sm.pipeline, lang)
if lost is not None:
    display(Markdown(rd.heading("pipeline_lost_title", lang, level=3)))
    display(Markdown(pl.lost_note(lang)))
    display(rd.styled(lost, numeric_from=2))

# %%
display(Markdown(rd.heading("pipeline_forecast", lang)))
display(Markdown(fc.forecast_note(lang)))
display(Markdown(fc.forecast_markdown(sm.forecast, lang)))
if sm.forecast.has_leads:
    display(rd.styled(fc.forecast_frame(sm.forecast, lang)))

# %%
display(Markdown(rd.heading("consultants", lang)))
display(Markdown(cons.consultants_markdown(sm.consultants, lang)))
if not sm.consultants.table.empty:
    display(Markdown(rd.heading("consultants_kpi_heading", lang, level=3)))
    display(rd.styled(cons.consultant_frame(sm.consultants, lang), compact=True))
    display(Markdown(rd.heading("consultants_score_heading", lang, level=3)))
    fig = plots.consultant_scores(**cons.score_chart(sm.consultants, lang))
    display(fig)
    plots.close(fig)
    display(rd.styled(cons.score_frame(sm.consultants, lang), compact=True))
    display(Markdown(rd.text("consultants_na_note", lang)))

# %%
display(Markdown(rd.heading("consultants_plan_heading", lang, level=3)))
plan = cons.improvement_plan_frame(sm.consultants, sm.findings, lang)
if plan.empty:
    display(Markdown(cons.plan_none_markdown(sm.consultants, lang)))
else:
    display(rd.styled(plan, numeric_from=99, compact=True))

# %%
display(Markdown(rd.heading("mix_aftercare_heading", lang)))
display(Markdown(rd.heading("mix_aftercare_mix_heading", lang, level=3)))
display(Markdown(rd.text("mix_aftercare_mix_note", lang)))
display(rd.styled(dm.mix_frame(sm.delivery_mix, lang)))
display(Markdown(dm.mix_markdown(sm.delivery_mix, lang)))
fig = plots.delivery_mix_trend(**dm.mix_trend_input(sm.delivery_mix, lang))
display(fig)
plots.close(fig)
display(Markdown(rd.heading("mix_aftercare_aftercare_heading", lang, level=3)))
display(Markdown(rd.text("mix_aftercare_aftercare_note", lang)))
display(rd.styled(dm.aftercare_frame(sm.delivery_mix, lang)))
display(Markdown(dm.aftercare_markdown(sm.delivery_mix, lang)))

# %%
display(Markdown(rd.heading("traffic_heading", lang)))
display(Markdown(rd.heading("traffic_spend_heading", lang, level=3)))
display(rd.styled(tr.spend_frame(sm.traffic, lang)))
spend_channels = tr.spend_channel_frame(sm.traffic, lang)
if spend_channels is not None and len(spend_channels):
    display(Markdown(rd.heading("traffic_spend_channel_heading", lang, level=4)))
    display(rd.styled(spend_channels))
display(Markdown(rd.heading("traffic_visits_heading", lang, level=3)))
display(rd.styled(tr.traffic_frame(sm.traffic, lang)))
display(Markdown(rd.heading("traffic_source_heading", lang, level=3)))
display(Markdown(rd.text("traffic_source_intro", lang)))
if len(sm.traffic.sources):
    display(rd.styled(tr.source_frame(sm.traffic, lang), compact=True))
display(Markdown(rd.heading("traffic_heatmap_heading", lang, level=3)))
heat = tr.heatmap_input(sm.traffic, lang)
if heat is not None:
    fig = plots.visit_heatmap(**heat)
    display(fig)
    plots.close(fig)
else:
    display(Markdown(tr.heatmap_markdown(sm.traffic, lang)))
display(Markdown(tr.traffic_markdown(sm.traffic, lang)))

# %%
display(Markdown(rd.heading("data_quality", lang)))
sentence, per_file = rd.quality_summary(sm)
display(Markdown(sentence))
display(rd.styled(per_file, numeric_from=2))
if len(sm.issues):
    display(Markdown(rd.text("dq_examples", lang, n=len(rd.quality_examples(sm)))))
    display(rd.styled(rd.quality_examples(sm), numeric_from=4))

# %%
display(Markdown(rd.heading("appendix", lang)))
display(Markdown(rd.text("appendix_note", lang)))
display(rd.styled(rappx.appendix_frame(sm), numeric_from=99, compact=True))
