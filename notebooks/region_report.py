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
# Papermill parameters. region=None is the whole network; month may be a period (2026-Q3);
# data=None means the demo data.
region = "华东"
month = "2026-10"
lang = "zh"
data = None
reports = None  # the folder of the reports beside this one (default reports/<month>)

# %% tags=["setup"]
# Setup: the region's (or network's) month `rm` and the report layer; the sections below
# read only `rm`, `report` and `lang`.
from IPython.display import Markdown, display

from kpi_lib.report import notebook as report

report.plots.use_theme(lang)
rm = report.region.load(region, month, lang, data)
display(Markdown(report.region.header_markdown(rm)))
display(Markdown(report.region.links_markdown(rm, reports)))

# %%
display(Markdown(report.heading("region_vs_network_heading", lang)))
display(Markdown(report.text("region_vs_network_note", lang)))
display(report.styled(report.region.region_frame(rm), compact=True))

# %%
display(Markdown(report.period.words(report.heading("region_inbox_heading", lang), rm)))
display(Markdown(report.period.words(report.text("region_inbox_note", lang), rm)))
inbox = report.region.inbox_frame(rm)
if inbox.empty:
    display(Markdown(report.period.words(report.text("region_inbox_none", lang), rm)))
else:
    display(report.styled(inbox, numeric_from=99, compact=True))

# %%
display(Markdown(report.heading("region_stores_heading", lang)))
display(Markdown(report.text("region_stores_note", lang)))
for label, table in report.region.store_frames(rm):
    display(Markdown(f"### {label}"))
    display(report.styled(table, compact=True))

# %%
display(Markdown(report.heading("region_benchmarks_heading", lang)))
display(Markdown(report.text("region_benchmarks_note", lang)))
display(report.styled(report.region.benchmarks_frame(rm), numeric_from=99, compact=True))
display(report.styled(report.region.peers_frame(rm), numeric_from=99, compact=True))

# %%
display(Markdown(report.heading("region_trends_heading", lang)))
display(Markdown(report.text("region_trends_note", lang)))
report.show(report.region.trends_figure(rm))

# %%
display(Markdown(report.heading("region_movers_heading", lang)))
display(Markdown(report.text("region_movers_note", lang)))
movers = report.region.movers_frame(rm)
if movers.empty:
    display(Markdown(report.region.movers_none(rm)))
else:
    display(report.styled(movers, numeric_from=2, compact=True))
