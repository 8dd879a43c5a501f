"""The summary page (the month in five lines) and the appendix of definitions."""

from __future__ import annotations

import pandas as pd

from .compute import previous_month
from .config import report_config
from .formatting import format_change, format_value, is_na
from .i18n import text
from .metrics import REGISTRY
from .report_data import StoreMonth

#: How many findings the summary names.
TOP_FINDINGS = 2


def _label(metric_id: str, lang: str) -> str:
    return REGISTRY[metric_id].label(lang)


def _deliveries_line(sm: StoreMonth) -> str:
    lang = sm.lang
    deliveries = sm.value("deliveries")
    target = sm.value("target_units")
    shown = format_value(deliveries, "count", lang)
    if is_na(target):
        return text("summary_deliveries_no_target", lang, deliveries=shown)
    return text("summary_deliveries", lang, deliveries=shown,
                target=format_value(target, "count", lang),
                completion=format_value(sm.value("target_completion"), "rate", lang))


def _finding_lines(sm: StoreMonth) -> list[str]:
    lang = sm.lang
    shown = [f for f in sm.findings if f.impact_text][:TOP_FINDINGS]
    if not shown:
        return [text("summary_no_findings", lang)]
    return [text("summary_finding", lang, title=f.title, effect=_sentence(f.impact_text))
            for f in shown if f.impact_text]


def _sentence(words: str) -> str:
    """First letter upper-case (English effect texts start lower-case)."""
    return words[:1].upper() + words[1:]


def biggest_change(sm: StoreMonth) -> tuple[str, float] | None:
    """The summary KPI that moved most against last month (relative change), if any."""
    last = previous_month(sm.month)
    best: tuple[str, float] | None = None
    for metric_id in report_config()["summary_metrics"]:
        now, before = sm.value(metric_id), sm.value(metric_id, last)
        if is_na(now) or is_na(before) or before == 0:
            continue
        change = (now - before) / abs(before)
        if best is None or abs(change) > abs(best[1]):
            best = (metric_id, change)
    return best


def _change_line(sm: StoreMonth) -> str:
    lang, last = sm.lang, previous_month(sm.month)
    best = biggest_change(sm)
    if best is None:
        return text("summary_no_change", lang)
    metric_id, _ = best
    unit = REGISTRY[metric_id].unit
    before, now = sm.value(metric_id, last), sm.value(metric_id)
    return text("summary_change", lang, kpi=_label(metric_id, lang),
                change=format_change(now, before, unit, lang),
                before=format_value(before, unit, lang), now=format_value(now, unit, lang))


def summary_markdown(sm: StoreMonth) -> str:
    """The month in at most five lines: deliveries vs target, top findings, biggest change,
    orders and the funnel's weakest stage."""
    lines = [_deliveries_line(sm), *_finding_lines(sm), _change_line(sm), _orders_line(sm)]
    return "\n".join(f"- {line}" for line in lines[:5])


def _orders_line(sm: StoreMonth) -> str:
    lang, last = sm.lang, previous_month(sm.month)
    orders, before = sm.value("orders"), sm.value("orders", last)
    return text("summary_orders", lang, orders=format_value(orders, "count", lang),
                change=format_change(orders, before, "count", lang),
                cancellations=format_value(sm.value("cancellations"), "count", lang))


def definitions_frame(lang: str, metric_ids: list[str] | None = None) -> pd.DataFrame:
    """Appendix: each KPI the report shows with its exact definition from the registry."""
    shown = set(metric_ids or [])
    if metric_ids is None:
        cfg = report_config()
        for key in ("summary_metrics", "comparison_metrics", "funnel_plot_metrics"):
            shown.update(cfg[key])
    rows = []
    for metric_id, metric in REGISTRY.items():
        if metric_id not in shown:
            continue
        rows.append({
            text("col_kpi", lang): metric.label(lang),
            text("appendix_id", lang): metric_id,
            text("appendix_definition", lang): metric.definition_zh if lang == "zh"
            else metric.definition,
            text("appendix_better", lang): text(f"appendix_direction_{metric.direction}", lang),
        })
    return pd.DataFrame(rows)
