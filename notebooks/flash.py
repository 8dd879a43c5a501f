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
date = "2026-10-15"
lang = "zh"
data = None

# %% tags=["setup"]
# The flash for the daily/weekly sales meeting: everything below reads `fr`, computed on
# the data as they stood on `date` (kpi_lib.report.flash_tables).
from IPython.display import Markdown, display

from kpi_lib.report import flash_tables as flash
from kpi_lib.report import notebook as report

fr = flash.load_flash_report(store, date, lang, data)
display(Markdown(flash.header_markdown(fr)))
display(Markdown(flash.headline_markdown(fr)))
display(Markdown(flash.pace_note(fr)))

# %%
display(Markdown(flash.heading(fr, "indicators")))
display(report.styled(flash.indicators_frame(fr), compact=True))
display(Markdown(flash.indicators_markdown(fr)))

# %%
display(Markdown(flash.heading(fr, "consultants")))
display(report.styled(flash.consultants_frame(fr), compact=True))
display(Markdown(flash.consultants_note(fr)))

# %%
display(Markdown(flash.heading(fr, "due")))
display(Markdown(flash.due_note(fr)))
display(report.styled(flash.due_frame(fr), compact=True))

# %%
display(Markdown(flash.heading(fr, "overdue")))
display(Markdown(flash.overdue_note(fr)))
display(report.styled(flash.overdue_frame(fr), compact=True))

# %%
display(Markdown(flash.heading(fr, "lost")))
display(Markdown(flash.lost_note(fr)))
display(report.styled(flash.lost_frame(fr), compact=True))
