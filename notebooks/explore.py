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
# Papermill parameters. data=None means the demo data; excel=None writes
# reports/<month>/explore.xlsx.
month = "2026-10"
lang = "zh"
stores = ["S001", "S003"]
region = "华东"
data = None
excel = None

# %% [markdown]
# # Exploring the month
#
# Everything below goes through the public API (`import kpi_lib`; the README's
# "Notebooks" section lists it). Change the parameters above and run all cells.

# %%
from IPython.display import Markdown, display

import kpi_lib

kpi_lib.plots.use_theme(lang)

# %% [markdown]
# ## The KPI cube, every store
# One row per store × KPI (`numerator`, `denominator`, `value`, `na_reason`); `wide`
# turns it into a store × KPI table.

# %%
cube = kpi_lib.cube(month, data)
kpis = kpi_lib.wide(cube, ["visits", "test_drive_rate", "orders", "deliveries",
                           "target_completion"])
display(kpis)

# %% [markdown]
# ## A question the report does not answer: how long from lead to order?
# SQL on the DuckDB warehouse (tables as in DATA_CONTRACT.md); `$month` is a parameter.

# %%
days_to_order = kpi_lib.sql("""
    SELECT o.store_id, count(*) AS orders,
           round(avg(date_diff('day', l.created, o.order_date)), 1) AS avg_days,
           quantile_cont(date_diff('day', l.created, o.order_date), 0.5) AS median_days
    FROM orders o JOIN leads l ON l.lead_id = o.lead_id
    WHERE strftime(o.order_date, '%Y-%m') = $month
    GROUP BY o.store_id ORDER BY o.store_id
""", data, month=month)
display(days_to_order)

# %% [markdown]
# ## Two stores and a region, as the report judges them
# The report's 95% intervals, benchmarks and verdicts; a region is pooled
# (Σ numerator / Σ denominator of its stores) and judged against the network.

# %%
rates = ["lead_capture_rate", "test_drive_rate", "conversion_b", "showroom_close_rate"]
display(kpi_lib.verdict_frame(kpi_lib.compare_stores(month, stores, data=data), rates, lang))
display(kpi_lib.verdict_frame(kpi_lib.compare_regions(month, [region], data=data), rates,
                              lang))

# %% [markdown]
# ## A new KPI, declared here
# From the registry's building blocks: invited visits over visits. It is computed in the
# same pass as the registry's KPIs, for every store.

# %%
invited_share = kpi_lib.declare(
    "invited_visit_share", zh="邀约到店占比", en="Invited-visit share",
    numerator="invited_visits", denominator="visits", direction="up")
shares = kpi_lib.wide(kpi_lib.cube(month, data, extra=[invited_share]),
                      ["invited_visits", "visits", invited_share.id])
display(shares)

# %%
fig = kpi_lib.plots.metric_bars(shares[invited_share.id], title=invited_share.label(lang),
                                unit=invited_share.unit, highlight=stores[0])
display(fig)
kpi_lib.plots.close(fig)

# %% [markdown]
# ## To Excel
# One sheet per table, written atomically (a reader never sees half a file).

# %%
written = kpi_lib.to_excel({"kpis": kpis, "days_to_order": days_to_order,
                            "invited_share": shares},
                           excel or kpi_lib.paths.REPORTS / month / "explore.xlsx")
display(Markdown(f"`{written}`"))
