"""The diagnosis section: findings and actions in prose first, then the evidence."""

from __future__ import annotations

import pandas as pd

from .formatting import format_value, is_na
from .i18n import text
from .report_data import StoreMonth


def findings_markdown(sm: StoreMonth) -> str:
    """Each finding as a short block: title and severity, cause, actions, expected effect."""
    lang = sm.lang
    if not sm.findings:
        return text("diagnosis_none", lang)
    colon = "：" if lang == "zh" else ": "
    blocks = []
    for i, f in enumerate(sm.findings, start=1):
        lines = [
            f"### {i}. {f.title}",
            f"**{text('col_severity', lang)}**{colon}{text('severity_' + f.severity, lang)}",
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
                text("col_verdict", lang): text(f"verdict_{verdict}", lang) if verdict
                else (ev.get("detail") or text("na", lang)),
            })
    return pd.DataFrame(out)
