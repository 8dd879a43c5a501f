"""The diagnosis section: findings and actions in prose first, then the evidence."""

from __future__ import annotations

import pandas as pd

from ..analysis.diagnosis import watch_list
from ..analysis.finding_history import History
from ..formatting import format_value, is_na
from ..i18n import in_sentence, list_sep, text, verdict_words
from ..metrics.registry import REGISTRY
from ..metrics.settings import report_config
from .finding_status import resolved_markdown, status_words, store_history  # noqa: F401
from .store_month import StoreMonth


def worse_kpis(sm: StoreMonth) -> list[str]:
    """Labels of the store's KPIs clearly worse than their benchmark (any KPI compared)."""
    net = sm.network
    if net is None or not {"store_id", "verdict", "worse"} <= set(net.columns):
        return []
    rows = net[(net["store_id"] == sm.store["store_id"])
               & net["verdict"].isin(("clearly_below", "clearly_above"))]
    bad = rows[rows["worse"].fillna(False).astype(bool)]
    return [REGISTRY[m].label(sm.lang) for m in bad["metric"]]


def unjudged_rates(sm: StoreMonth) -> list[str]:
    """Labels of the KPI summary's rates that are n/a this month (nothing to judge)."""
    return [REGISTRY[m].label(sm.lang) for m in report_config()["summary_metrics"]
            if REGISTRY[m].unit == "rate" and is_na(sm.value(m))]


def all_clear(sm: StoreMonth) -> bool:
    """"No problem needing action" holds: no finding (not even "too few to tell") and no
    KPI clearly worse than its benchmark."""
    return not sm.findings and not worse_kpis(sm)


def findings_markdown(sm: StoreMonth, history: History | None = None) -> str:
    """Each finding as a short block: title and severity (with its status over time when
    ``history`` is given: "持续 3 个月"), cause, actions, expected effect."""
    lang = sm.lang
    if not sm.findings:
        worse = worse_kpis(sm)
        if worse:
            return text("diagnosis_none_but_worse", lang, kpis=list_sep(lang).join(worse))
        unjudged = unjudged_rates(sm)
        if unjudged:  # "every key rate is in line" only of the rates there are
            return text("diagnosis_none_some_na", lang, kpis=list_sep(lang).join(
                in_sentence(k, lang) for k in unjudged))
        return text("diagnosis_none", lang)
    colon = "：" if lang == "zh" else ": "
    blocks = []
    for i, f in enumerate(sm.findings, start=1):
        tracked = None if history is None else history.of(f)
        status = "" if tracked is None else " · " + status_words(tracked, lang)
        lines = [
            f"### {i}. {f.title}",
            f"**{text('col_severity', lang)}**{colon}{text('severity_' + f.severity, lang)}"
            + status,
            "",
            f"**{text('finding_cause', lang)}**{colon}{f.cause}",
            "",
            f"**{text('finding_actions', lang)}**{colon}",
            "",
            *[f"- {action}" for action in f.actions],
        ]
        if f.impact_text:
            lines += ["", f"**{text('finding_impact', lang)}**{colon}{f.impact_text}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def watch_markdown(sm: StoreMonth) -> str:
    """The quieter list (值得关注): KPIs off their benchmark in the bad direction beyond
    the 95% limits, not established — no severity, no action ("" when none)."""
    lang = sm.lang
    rows = watch_list(sm.network, sm.store["store_id"], lang) + list(sm.watched)
    if not rows:
        return ""
    lines = [f"**{text('watch_heading', lang)}**{'：' if lang == 'zh' else ': '}"
             f"{text('watch_note', lang)}", ""]
    for ev in rows:
        unit = ev.get("unit") or "count"
        scope = text("scope_" + ev["benchmark_scope"], lang) if ev.get("benchmark_scope") \
            else text("scope_benchmark", lang)
        lines.append(text("watch_line", lang, kpi=ev["label"],
                          value=format_value(ev["value"], unit, lang),
                          benchmark=format_value(ev["benchmark"], unit, lang), scope=scope))
    return "\n".join(lines)


def evidence_frame(sm: StoreMonth) -> pd.DataFrame:
    """One row per piece of evidence: finding, KPI, value [interval], benchmark, verdict."""
    lang, out = sm.lang, []
    for i, f in enumerate(sm.findings, start=1):
        for ev in f.evidence:
            unit = ev.get("unit") or "count"
            interval = text("na", lang)
            if not (is_na(ev.get("ci_low")) or is_na(ev.get("ci_high"))):
                interval = (f"{format_value(ev['ci_low'], unit, lang)}–"
                            f"{format_value(ev['ci_high'], unit, lang)}")
            scope = ev.get("benchmark_scope")
            bench = format_value(ev.get("benchmark"), unit, lang)
            if scope and not is_na(ev.get("benchmark")):
                bench += f" ({text('scope_' + scope, lang)})"
            verdict = ev.get("verdict")
            out.append({
                text("col_finding", lang): f"{i}. {f.title}",
                text("col_kpi", lang): ev.get("label") or ev.get("metric"),
                text("col_store_value", lang): format_value(ev.get("value"), unit, lang)
                + (f" ({ev['detail']})" if ev.get("detail") else ""),
                text("col_interval", lang): interval,
                text("col_benchmark", lang): bench,
                text("col_verdict", lang): verdict_words(verdict, ev.get("worse"), lang)
                if verdict
                else (ev.get("detail") or text("na", lang)),
            })
    return pd.DataFrame(out)
