"""What a period report (a quarter, a year or a range of months) adds to the month's
sections, and the words those sections take for a period.

The period report (``notebooks/period_report.ipynb``) shows the sections that have a
meaning over several months — summary, KPIs against the previous period and the same
period last year, funnel, diagnosis, benchmarks, consultants, delivery mix — computed over
the whole period by the same functions as the monthly report (the registry reads "in M"
as "in P"); their words are the month's read for a period (:func:`md`, :func:`table`:
本月 → 本期, this month → this period). It adds the months inside the period
(:func:`months_frame`), what the period's volume makes judgeable (:func:`volume_markdown`),
the pipeline as of the period's end, and where the month-only sections are.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from ..i18n import month_label, period_wording, text
from ..metrics.periods import is_month, period_bounds, period_months
from ..metrics.registry import REGISTRY
from ..metrics.settings import report_config
from .store_month import StoreMonth, _cell, styled

#: KPIs of the month-by-month table (a subset of the summary's, in its order).
MONTH_KPIS = ("visits", "new_leads", "lead_capture_rate", "test_drive_rate", "orders",
              "deliveries", "target_completion", "ad_spend", "cost_per_visit")
_TOO_FEW = "too_few"


def words(value: str, sm: StoreMonth | Any) -> str:
    """``value`` as it reads for ``sm``'s period (unchanged for a month); ``sm`` is a
    :class:`StoreMonth` or anything with its ``month`` and ``lang`` (the network overview)."""
    return value if is_month(sm.month) else period_wording(value, sm.lang)


def md(value: str, sm: StoreMonth | Any) -> Markdown:
    """Markdown of month words, read for the period."""
    return Markdown(words(value, sm))


def heading(key: str, sm: StoreMonth | Any, level: int = 2) -> Markdown:
    """A catalogue heading, read for the period."""
    return md(f"{'#' * level} {text(key, sm.lang)}", sm)


def frame(data: pd.DataFrame, sm: StoreMonth | Any) -> pd.DataFrame:
    """``data`` with its headers and text cells read for the period (e.g. a chart's
    labels)."""
    out = data.rename(columns=lambda c: words(str(c), sm))
    return out.map(lambda v: words(v, sm) if isinstance(v, str) else v)


def table(data: pd.DataFrame, sm: StoreMonth | Any, **kwargs: object) -> Styler:
    """:func:`~kpi_lib.report.store_month.styled` of :func:`frame`."""
    return styled(frame(data, sm), **kwargs)  # type: ignore[arg-type]


def intro_markdown(sm: StoreMonth) -> str:
    """What the period holds and what it is compared with."""
    lang, months = sm.lang, period_months(sm.month)
    return text("period_intro", lang, label=month_label(sm.month, lang),
                first=month_label(months[0], lang), last=month_label(months[-1], lang),
                n=len(months), start=period_bounds(sm.month)[0].isoformat(),
                previous=month_label(sm.previous, lang),
                last_year=month_label(sm.last_year, lang))


def months_frame(sm: StoreMonth) -> pd.DataFrame:
    """The key KPIs (rows) of each month of the period and of the whole period."""
    lang, months = sm.lang, period_months(sm.month)
    rows = []
    for metric_id in MONTH_KPIS:
        row = {text("col_kpi", lang): REGISTRY[metric_id].label(lang)}
        for m in months:
            row[month_label(m, lang)] = _cell(sm, metric_id, m)
        row[text("period_col_total", lang)] = _cell(sm, metric_id, sm.month)
        rows.append(row)
    return pd.DataFrame(rows)


def _too_few(network: pd.DataFrame | None, store: str) -> set[str]:
    if network is None:
        return set()
    mine = network[(network["store_id"] == store) & (network["verdict"] == _TOO_FEW)]
    return set(mine["metric"])


def volume_markdown(sm: StoreMonth) -> str:
    """How many of the store's KPIs are too few to compare over the period, against its
    last month alone, and how many the period makes judgeable ("" for a month)."""
    if not sm.is_period:
        return ""
    store, lang = str(sm.store["store_id"]), sm.lang
    compared = set(report_config()["comparison_metrics"]) | set(
        report_config()["summary_metrics"])
    period = _too_few(sm.network, store) & compared
    month = _too_few(sm.last_month_network, store) & compared
    out = text("period_volume", lang, n_period=len(period), n_month=len(month),
               month=month_label(period_months(sm.month)[-1], lang))
    gained = len(month - period)
    return out + (text("period_volume_more", lang, n=gained) if gained else "")


def pipeline_note(sm: StoreMonth) -> str:
    """The pipeline section of a period shows its last month's."""
    return text("period_pipeline_note", sm.lang,
                month=month_label(period_months(sm.month)[-1], sm.lang))


def elsewhere_markdown(sm: StoreMonth) -> str:
    """Where the month-only sections (forecast, plan, trend warnings, traffic detail) are."""
    last = period_months(sm.month)[-1]
    return text("period_elsewhere", sm.lang, month=month_label(last, sm.lang),
                store=sm.store["store_id"], code=last)
