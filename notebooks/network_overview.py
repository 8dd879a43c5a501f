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
from IPython.display import Markdown, display

from kpi_lib.report import network_index as ov
from kpi_lib.report import plots
from kpi_lib.report import store_month as rd

plots.use_theme(lang)
net = ov.load_overview(data, month, lang, reports)
display(Markdown(ov.intro_markdown(net)))

# %%
display(Markdown(rd.heading("overview_region_heading", lang)))
display(Markdown(rd.text("overview_region_note", lang)))
display(rd.styled(ov.region_frame(net), compact=True))

# %%
display(Markdown(rd.heading("overview_funnel_heading", lang)))
display(Markdown(rd.text("overview_funnel_note", lang)))
fig = plots.funnel_plot_grid(ov.funnel_panels(net), highlight="")
display(fig)
plots.close(fig)
display(Markdown(ov.outliers_markdown(net)))

# %%
display(Markdown(rd.heading("overview_diagnosis_heading", lang)))
diag = ov.diagnosis_frame(net)
if diag.empty:
    display(Markdown(rd.text("overview_diagnosis_none", lang)))
else:
    display(rd.styled(diag, numeric_from=3))

# %%
display(Markdown(rd.heading("overview_links_heading", lang)))
display(Markdown(rd.text("overview_links_note", lang)))
display(Markdown(ov.links_markdown(net)))
