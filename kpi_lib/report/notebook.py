"""The report layer as the notebooks read it: one import, each section by its name.

``from kpi_lib.report import notebook as report`` gives a report notebook

- the words and tables every section uses: ``report.heading``, ``report.text``,
  ``report.styled``, ``report.month_label``, and the store-month displays (header, coverage,
  KPI summary, funnel, data quality);
- the section modules, named after what they show: ``report.summary``, ``report.findings``,
  ``report.comparison``, ``report.trends``, ``report.pipeline``, ``report.forecast``,
  ``report.consultants``, ``report.delivery_mix``, ``report.traffic``, ``report.plan`` (next
  month's target and the path to it), ``report.appendix``, ``report.network`` (the network
  overview), ``report.period`` (what a period report adds, and its words),
  ``report.region`` (the region and network reports), ``report.tooltips`` (a chart's
  points with hover titles, interactive pages) and ``report.plots``;
- :func:`show`, which displays a figure and closes it.

Nothing here computes: these are the same functions, gathered under one name.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ..analysis import consultants, delivery_mix, forecast, pipeline, traffic
from ..i18n import month_label, text
from . import appendix, findings, plots, summary
from . import comparison_tables as comparison
from . import network_index as network
from . import period_report as period
from . import plan_tables as plan
from . import region_tables as region
from . import svg_tooltips as tooltips
from . import trend_tables as trends
from .data_quality import quality_examples, quality_summary
from .store_month import (
    coverage_markdown,
    funnel_note,
    funnel_stages,
    header_markdown,
    heading,
    na_footnote,
    styled,
    summary_frame,
)

__all__ = [
    "appendix", "comparison", "consultants", "coverage_markdown", "delivery_mix", "findings",
    "forecast", "funnel_note", "funnel_stages", "header_markdown", "heading", "month_label",
    "na_footnote", "network", "period", "pipeline", "plan", "plots", "quality_examples", "region",
    "quality_summary", "show", "styled", "summary", "summary_frame", "text", "tooltips",
    "traffic", "trends",
]


def show(fig: Figure) -> None:
    """Display ``fig`` in the notebook, then close it (so it is not shown twice)."""
    from IPython.display import display

    display(fig)
    plots.close(fig)
