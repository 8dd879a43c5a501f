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
# Papermill parameters. data=None means the demo data; reports=None means reports/<month>.
month = "2026-10"
lang = "zh"
data = None
reports = None

# %%
from IPython.display import SVG, Markdown, display

from kpi_lib.report import notebook as report

report.plots.use_theme(lang)
overview = report.network.load_overview(data, month, lang, reports)
# a quarter's or a year's overview reads 本期, not 本月 (report.period)
display(report.period.md(report.network.intro_markdown(overview), overview))

# %%
display(Markdown(report.heading("overview_region_heading", lang)))
display(Markdown(report.text("overview_region_note", lang)))
display(report.period.table(report.network.region_frame(overview), overview, compact=True))

# %%
display(Markdown(report.heading("overview_funnel_heading", lang)))
display(Markdown(report.text("overview_funnel_note", lang)))
panels = report.network.funnel_panels(overview)
fig = report.plots.funnel_plot_grid(panels, highlight="")
# SVG: hovering a point names the store, its rate and volume; the figure's title describes it
alt = report.text("overview_funnel_alt", lang,
                  rates=("、" if lang == "zh" else ", ").join(p["title"] for p in panels))
names = dict(zip(overview.stores["store_id"], overview.stores["store_name"], strict=True))
display(SVG(report.tooltips.svg_with_point_titles(
    fig, report.tooltips.funnel_point_titles(panels, "", names, lang), alt)),
    metadata={"image/svg+xml": {"inline": True}})  # inline on an interactive page (template)
report.plots.close(fig)
display(report.period.md(report.network.outliers_markdown(overview), overview))

# %%
display(Markdown(report.heading("overview_diagnosis_heading", lang)))
findings = report.network.diagnosis_frame(overview)
if findings.empty:
    display(report.period.md(report.text("overview_diagnosis_none", lang), overview))
else:
    display(report.period.table(findings, overview, numeric_from=3))

# %%
display(Markdown(report.heading("overview_links_heading", lang)))
display(Markdown(report.text("overview_links_note", lang)))
display(Markdown(report.network.links_markdown(overview)))
