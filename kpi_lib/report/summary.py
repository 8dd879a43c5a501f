"""The summary page (the month in five lines) and the appendix of definitions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..analysis.diagnosis_rules import TOO_FEW_ID
from ..formatting import format_change, format_value, is_na
from ..i18n import in_sentence, list_sep, text
from ..metrics.registry import REGISTRY
from ..metrics.settings import report_config
from .data_quality import store_quarantined
from .findings import worse_kpis
from .store_month import PACED, StoreMonth

#: How many findings the summary names.
TOP_FINDINGS = 2


def _label(metric_id: str, lang: str) -> str:
    return REGISTRY[metric_id].label(lang)


def _deliveries_line(sm: StoreMonth) -> str:
    lang = sm.lang
    deliveries = sm.value("deliveries")
    target = sm.value("target_units")
    shown = format_value(deliveries, "count", lang)
    if sm.partial:
        day = sm.progress["data_end"].isoformat()
        paced = format_value(round(sm.paced("deliveries")), "count", lang)
        if is_na(target) or target == 0:
            return text("summary_deliveries_partial_no_target", lang, deliveries=shown,
                        date=day, paced=paced)
        return text("summary_deliveries_partial", lang, deliveries=shown, date=day,
                    paced=paced, target=format_value(target, "count", lang),
                    completion=format_value(sm.paced("target_completion"), "rate", lang))
    if is_na(target):
        return text("summary_deliveries_no_target", lang, deliveries=shown)
    return text("summary_deliveries", lang, deliveries=shown,
                target=format_value(target, "count", lang),
                completion=format_value(sm.value("target_completion"), "rate", lang))


def _finding_lines(sm: StoreMonth) -> list[str]:
    lang = sm.lang
    shown = [f for f in sm.findings
             if f.impact_text and f.rule_id != TOO_FEW_ID][:TOP_FINDINGS]
    n = store_quarantined(sm)  # said whenever there are some, never "no problem" then
    note = [text("summary_quarantined", lang, n=f"{n:,}")] if n else []
    if not shown and any(f.rule_id == TOO_FEW_ID for f in sm.findings):
        return [text("summary_too_few", lang,
                     visits=format_value(sm.value("visits"), "count", lang),
                     orders=format_value(sm.value("orders"), "count", lang)), *note]
    if not shown:
        worse = worse_kpis(sm)
        if worse:  # never "no problem" beside a KPI clearly worse than its benchmark
            return [text("summary_worse_kpis", lang,
                         kpis=list_sep(lang).join(in_sentence(k, lang) for k in worse)), *note]
        return note or [text("summary_no_findings", lang)]
    return [text("summary_finding", lang, title=f.title, effect=_sentence(f.impact_text))
            for f in shown if f.impact_text] + note


def _sentence(words: str) -> str:
    """First letter upper-case (English effect texts start lower-case)."""
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class Change:
    """A change of one KPI against last month, tested and valued in orders/deliveries.

    ``now`` is paced to the whole month when the month is not complete
    (:meth:`~kpi_lib.report.store_month.StoreMonth.paced`); ``effect`` is the signed consequence
    in ``effect_unit`` ("orders" or "deliveries") per month.
    """

    metric: str
    before: float
    now: float
    z: float
    effect: float
    effect_unit: str


#: Candidates of the "biggest change": metric -> (test, effect unit, downstream), where test
#: is "count" (Poisson), "target" (deliveries against the target) or "rate" (two
#: proportions), and downstream the metric whose numerator the change is carried to
#: (orders per unit of the KPI's own numerator, the store's pooled rate of both months;
#: None: the KPI is already in orders or deliveries).
CHANGE_CANDIDATES: dict[str, tuple[str, str, tuple[str, str] | None]] = {
    "orders": ("count", "orders", None),
    "deliveries": ("count", "deliveries", None),
    "target_completion": ("target", "deliveries", None),
    "visits": ("count", "orders", ("walk_in_orders", "visits")),
    "new_leads": ("count", "orders", ("orders_new_leads", "new_leads")),
    "conversion_b": ("rate", "orders", None),
    "conversion_a": ("rate", "orders", None),
    "showroom_close_rate": ("rate", "orders", None),
    "delivery_conversion": ("rate", "deliveries", None),
    "lead_capture_rate": ("rate", "orders", ("orders_new_leads", "new_leads")),
    "test_drive_rate": ("rate", "orders", ("walk_in_orders", "test_drives")),
    "negotiation_rate": ("rate", "orders", ("walk_in_orders", "negotiations")),
}

#: Rates whose month-to-date value is not biased by a cut inside the month (both parts
#: are counted by the day they happen: visits, or cards created); the others (orders of
#: leads created in the month, deliveries over a whole-month base) are left out of a month
#: that is not complete.
_CUT_SAFE_RATES = frozenset({"lead_capture_rate", "visit_capture_rate", "test_drive_rate",
                             "negotiation_rate", "showroom_close_rate"})


def poisson_z(now: float, before: float, exposure: float = 1.0) -> float:
    r"""z of a count ``now`` against ``before`` when ``now`` had ``exposure`` times the
    opportunity (the share of the month elapsed, × the target ratio for completion):
    :math:`(k_1 - e k_0)/\sqrt{e (k_1 + k_0)}` (conditionally on :math:`k_1 + k_0`,
    :math:`k_1 \sim \mathrm{Bin}(k_1 + k_0, e/(1+e))`; normal approximation).

    >>> round(poisson_z(8, 5), 3)  # (8 − 5) / √13
    0.832
    >>> round(poisson_z(10, 20, 0.5), 3)  # (10 − 10) / √15
    0.0
    """
    total = now + before
    if not (total > 0 and exposure > 0):
        return float("nan")
    return (now - exposure * before) / math.sqrt(exposure * total)


def two_proportion_z(k1: float, n1: float, k0: float, n0: float) -> float:
    r"""Pooled two-proportion z of :math:`k_1/n_1` against :math:`k_0/n_0`.

    >>> round(two_proportion_z(30, 100, 20, 100), 3)  # 0.1 / √(0.25·0.75·0.02)
    1.633
    """
    if not (n1 > 0 and n0 > 0):
        return float("nan")
    pooled = (k1 + k0) / (n1 + n0)
    if not 0 < pooled < 1:
        return float("nan")
    return (k1 / n1 - k0 / n0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))


def _row(sm: StoreMonth, metric: str, month: str) -> tuple[float, float]:
    row = sm._row(metric, month)
    if row is None:
        return float("nan"), float("nan")
    return float(row["numerator"]), float(row["denominator"])


def _downstream(sm: StoreMonth, pair: tuple[str, str] | None, last: str) -> float:
    if pair is None:
        return 1.0
    k = sum(sm.value(pair[0], m) for m in (sm.month, last))
    n = sum(sm.value(pair[1], m) for m in (sm.month, last))
    return k / n if n > 0 else float("nan")


def _candidate(sm: StoreMonth, metric: str, last: str) -> Change | None:
    test, unit, downstream = CHANGE_CANDIDATES[metric]
    share = sm.pace_share(metric)
    if sm.history_incomplete(metric) or sm.history_incomplete(metric, last):
        return None
    before, now = sm.value(metric, last), sm.paced(metric)
    if is_na(before) or is_na(now):
        return None
    factor = _downstream(sm, downstream, last)
    if test == "count":
        z = poisson_z(sm.value(metric), before, share)
        effect = (now - before) * factor
    elif test == "target":
        (d1, t1), (d0, t0) = _row(sm, metric, sm.month), _row(sm, metric, last)
        if not (t1 > 0 and t0 > 0):
            return None
        z = poisson_z(d1, d0, share * t1 / t0)
        effect = (now - before) * t1
    else:
        if sm.partial and metric not in _CUT_SAFE_RATES:
            return None
        (k1, n1), (k0, n0) = _row(sm, metric, sm.month), _row(sm, metric, last)
        z = two_proportion_z(k1, n1, k0, n0)
        effect = (now - before) * n1 / share * factor
    if is_na(z) or is_na(effect):
        return None
    return Change(metric, before, now, z, effect, unit)


def change_candidates(sm: StoreMonth) -> list[Change]:
    """Every candidate KPI's change against last month (tested, valued), unfiltered."""
    last = sm.previous
    out = [_candidate(sm, m, last) for m in CHANGE_CANDIDATES]
    return [c for c in out if c is not None]


def biggest_change(sm: StoreMonth) -> Change | None:
    """The clearest and most consequential change against last month: among the changes
    beyond chance (|z| ≥ ``summary_change.z`` of params/report.yml), the one worth most
    orders or deliveries (at least ``summary_change.min_effect``); None when there is none.

    Counts are tested as Poisson (:func:`poisson_z`, with the elapsed share as exposure in a
    month not complete), target completion as its deliveries against the targets' ratio,
    rates by :func:`two_proportion_z`. The consequence is the difference in orders or
    deliveries: a count of them itself, target completion × this month's target units, a
    rate × this month's denominator, carried to orders with the store's own downstream
    rate where the KPI is not in orders (visits and funnel rates: walk-in orders per unit;
    new leads: conversion B). Carried-lead KPIs within the history warm-up, and rates a cut
    inside the month biases, are never candidates.
    """
    if sm.no_data:
        return None
    cfg = report_config()["summary_change"]
    clear = [c for c in change_candidates(sm)
             if abs(c.z) >= cfg["z"] and abs(c.effect) >= max(cfg["min_effect"], 1e-9)]
    if not clear:
        return None
    return max(clear, key=lambda c: (abs(c.effect), abs(c.z)))


def _effect_text(c: Change, lang: str) -> str:
    sign = text("summary_effect_more" if c.effect > 0 else "summary_effect_less", lang)
    return text(f"summary_effect_{c.effect_unit}", lang, sign=sign,
                n=f"{abs(c.effect):,.0f}")


def _change_line(sm: StoreMonth) -> str:
    lang, last = sm.lang, sm.previous
    if sm.no_data:
        return _no_data_line(sm)
    best = biggest_change(sm)
    if best is None:
        comparable = [m for m in CHANGE_CANDIDATES
                      if not is_na(sm.value(m)) and not is_na(sm.value(m, last))]
        if not comparable:
            return text("summary_no_change", lang)
        if sm.partial:
            return text("summary_no_significant_change_partial", lang,
                        date=sm.progress["data_end"].isoformat())
        return text("summary_no_significant_change", lang)
    unit = REGISTRY[best.metric].unit
    key = "summary_change_partial" if sm.partial and PACED.get(best.metric) else "summary_change"
    return text(key, lang, kpi=_label(best.metric, lang),
                change=format_change(best.now, best.before, unit, lang),
                before=format_value(best.before, unit, lang),
                now=format_value(best.now, unit, lang), effect=_effect_text(best, lang))


def _no_data_line(sm: StoreMonth) -> str:
    end = sm.progress.get("last_date")
    if end is None:
        return text("summary_month_no_data_at_all", sm.lang)
    return text("summary_month_no_data", sm.lang, date=end.isoformat())


def summary_markdown(sm: StoreMonth) -> str:
    """The month in at most five lines: deliveries vs target, top findings, biggest change,
    orders and the funnel's weakest stage. A month whose data stop early is said to be
    incomplete, and its counts are paced to the whole month before any comparison."""
    lines = [_deliveries_line(sm), *_finding_lines(sm), _change_line(sm), _orders_line(sm)]
    return "\n".join(f"- {line}" for line in lines[:5])


def _orders_line(sm: StoreMonth) -> str:
    lang, last = sm.lang, sm.previous
    orders, before = sm.value("orders"), sm.value("orders", last)
    n = sm.value("cancellations")  # cancelled in the month, whenever they were placed
    cancellations = "" if is_na(n) else text(
        "summary_cancelled", lang, cancellations=format_value(n, "count", lang))
    if sm.partial:
        paced = sm.paced("orders")
        p = sm.progress
        return text("summary_orders_partial", lang, orders=format_value(orders, "count", lang),
                    date=p["data_end"].isoformat(), elapsed=p["days_elapsed"],
                    days=p["days_in_month"], paced=format_value(round(paced), "count", lang),
                    change=format_change(paced, before, "count", lang),
                    cancelled=cancellations)
    change = text("na", lang) if sm.no_data else format_change(orders, before, "count", lang)
    return text("summary_orders", lang, orders=format_value(orders, "count", lang),
                change=change, cancelled=cancellations)


def definitions_frame(lang: str, metric_ids: list[str]) -> pd.DataFrame:
    """Appendix: each KPI of ``metric_ids`` with its exact definition, in registry order; see
    :func:`kpi_lib.report.appendix.appendix_frame` for the store report's."""
    shown = set(metric_ids)
    rows = []
    for metric in REGISTRY.values():
        if metric.id not in shown:
            continue
        rows.append({
            text("col_kpi", lang): metric.label(lang),
            text("appendix_id", lang): metric.id,
            text("appendix_definition", lang): metric.definition_zh if lang == "zh"
            else metric.definition,
            text("appendix_better", lang): text(f"appendix_direction_{metric.direction}", lang),
        })
    return pd.DataFrame(rows)
