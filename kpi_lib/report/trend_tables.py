"""What section 2 (trends and early warning) shows: tables, sentences, figure inputs.

Display side of :mod:`kpi_lib.analysis.trends` (as :mod:`kpi_lib.report.comparison_tables` is of
:mod:`kpi_lib.metrics.comparison`): every function takes the language-free
:class:`~kpi_lib.analysis.trends.Trends` and a language and returns formatted strings, or the
keyword arguments of :func:`kpi_lib.report.plots.trend_lines` /
:func:`kpi_lib.report.plots.control_chart`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.trends import Growth, Trends
from ..formatting import format_change, format_value, is_na
from ..i18n import list_sep, month_label, text
from ..metrics.months import previous_month
from ..metrics.registry import REGISTRY

_NA_MARKS = {"no_data": "¹", "zero_denominator": "²"}


def _label(metric: str, lang: str) -> str:
    """Registry label, without "本月" / a unit suffix, to read well inside a sentence."""
    return re.sub(r"^本月|\s*\((元|CNY)\)$", "", REGISTRY[metric].label(lang))


def _short(month: str, lang: str) -> str:
    """``2026-10`` as an axis or table label: 10月 / Oct (unique within 12 months)."""
    return f"{int(month[5:])}月" if lang == "zh" else month_label(month, "en")[:3]


def _cell(tr: Trends, metric: str, month: str, lang: str) -> str:
    value, reason = tr.point(metric, month)
    shown = format_value(value, REGISTRY[metric].unit, lang)
    return shown + _NA_MARKS.get(reason or "no_data", "") if is_na(value) else shown


def _signal_text(metric: str, rule: str, direction: str, month: str, lang: str,
                 run: int) -> str:
    return text(f"trends_sig_{rule}_{direction}", lang, month=_short(month, lang), n=run)


def trend_frame(tr: Trends, lang: str = "zh") -> pd.DataFrame:
    """KPI × (this month, last month, MoM, a year ago, YoY, range over the shown months,
    latest control-chart signal): formatted strings, n/a "—" with a footnote mark."""
    last, year_ago = previous_month(tr.month), previous_month(tr.month, 12)
    rows = []
    for metric in tr.config["metrics"]:
        unit = REGISTRY[metric].unit
        now = tr.at(metric, tr.month)
        values = tr.values(metric)
        known = values[~np.isnan(values)]
        span = (f"{format_value(known.min(), unit, lang)}–{format_value(known.max(), unit, lang)}"
                if known.size else text("na", lang))
        chart = tr.charts.get(metric)
        if chart is None:
            signal = text("trends_sig_no_chart", lang)
        elif chart.signals:
            s = chart.signals[-1]
            signal = _signal_text(metric, s.rule, s.direction, s.month, lang,
                                  tr.config["run_length"])
        else:
            signal = text("trends_sig_none", lang)
        rows.append({
            text("col_kpi", lang): REGISTRY[metric].label(lang),
            text("col_this_month", lang): _cell(tr, metric, tr.month, lang),
            text("col_last_month", lang): _cell(tr, metric, last, lang),
            text("col_mom", lang): format_change(now, tr.at(metric, last), unit, lang),
            text("col_last_year", lang): _cell(tr, metric, year_ago, lang),
            text("col_yoy", lang): format_change(now, tr.at(metric, year_ago), unit, lang),
            text("trends_col_range", lang, n=len(tr.months)): span,
            text("trends_col_signal", lang): signal,
        })
    return pd.DataFrame(rows)


def trends_footnote(tr: Trends, lang: str = "zh") -> str:
    """What the n/a marks of :func:`trend_frame` mean ("" when there is none)."""
    cells = trend_frame(tr, lang).to_numpy().ravel()
    used = [(c, m) for c, m in _NA_MARKS.items() if any(str(x).endswith(m) for x in cells)]
    if not used:
        return ""
    sep = list_sep(lang, "clauses")
    return text("na_footnote", lang,
                reasons=sep.join(f"{m} {text('na_' + c, lang)}" for c, m in used))


def trends_note(tr: Trends, lang: str = "zh") -> str:
    """Which months the section covers, and what is missing (short history, no last year)."""
    if not tr.months:
        return text("trends_no_data", lang)
    first, last = month_label(tr.months[0], lang), month_label(tr.months[-1], lang)
    if len(tr.months) < tr.window:
        parts = [text("trends_short_history", lang, start=month_label(tr.data_start, lang),
                      n=len(tr.months), window=tr.window)]
    else:
        parts = [text("trends_window", lang, n=tr.window, first=first, last=last)]
    with_ly = sum(previous_month(m, 12) >= tr.data_start for m in tr.months)  # type: ignore[operator]
    if with_ly == 0:
        parts.append(text("trends_no_last_year", lang))
    elif with_ly < len(tr.months):
        parts.append(text("trends_some_last_year", lang, n=with_ly))
    if len(tr.months) < tr.config["min_chart_months"]:
        parts.append(text("trends_too_short_for_charts", lang, n=tr.config["min_chart_months"]))
    if tr.partial_end is not None:
        parts.append(text("trends_partial_month", lang, date=tr.partial_end.isoformat()))
    return list_sep(lang, "sentences").join(parts)


def warnings_markdown(tr: Trends, lang: str = "zh") -> str:
    """Early warnings as a bullet list (or the "no warning" sentence), then the growth
    checks that raised no warning, with their numbers."""
    if not tr.months:
        return text("trends_no_data", lang)
    bullets = []
    for a in tr.alerts:
        unit, label = REGISTRY[a.metric].unit, _label(a.metric, lang)
        if a.kind == "worse":
            path = " → ".join(format_value(v, unit, lang) for v in a.values)
            bullets.append(text(f"trends_warn_worse_{a.direction}", lang, label=label,
                                n=len(a.values) - 1, path=path))
        else:
            bound = a.limit if a.rule == "beyond_limits" else a.centre
            bullets.append(text(f"trends_warn_{a.rule}_{a.direction}", lang, label=label,
                                month=month_label(a.months[-1], lang),
                                value=format_value(a.values[-1], unit, lang),
                                bound=format_value(bound, unit, lang),
                                n=tr.config["run_length"]))
    plain = []
    for g in tr.growth:
        line = _growth_text(tr, g, lang)
        (bullets if g.flagged else plain).append(line)
    body = ("\n".join(f"- {b}" for b in bullets) if bullets else
            text("trends_no_warnings", lang, n=len(tr.months)))
    return body + ("\n\n" + list_sep(lang, "sentences").join(plain) if plain else "")


def _growth_text(tr: Trends, g: Growth, lang: str) -> str:
    cost, sales = tr.config["growth"]["cost"], tr.config["growth"]["sales"]
    basis = text(f"col_{g.basis}", lang)
    if g.partial:
        return text("trends_growth_partial", lang, basis=basis,
                    date=tr.partial_end.isoformat())  # type: ignore[union-attr]
    if not g.computable:
        return text("trends_growth_na", lang, basis=basis, month=month_label(g.before, lang))

    def fmt(metric: str, pair: tuple[float, float]) -> dict[str, str]:
        unit = REGISTRY[metric].unit
        return {"before": format_value(pair[0], unit, lang),
                "now": format_value(pair[1], unit, lang),
                "growth": format_change(pair[1], pair[0], "count", lang)}

    c, s = fmt(cost, g.cost), fmt(sales, g.sales)
    key = "trends_growth_warn" if g.flagged else "trends_growth_ok"
    return text(key, lang, basis=basis, cost=_label(cost, lang), sales=_label(sales, lang),
                c_growth=c["growth"], c_before=c["before"], c_now=c["now"],
                s_growth=s["growth"], s_before=s["before"], s_now=s["now"])


def trend_panels(tr: Trends, lang: str = "zh") -> list[dict[str, Any]]:
    """Inputs of :func:`kpi_lib.report.plots.trend_lines`: one panel per ``plot_metrics`` KPI."""
    return [{"title": _label(m, lang), "unit": REGISTRY[m].unit,
             "labels": [_short(mo, lang) for mo in tr.months],
             "this_year": tr.values(m), "last_year": tr.values(m, "ly_value")}
            for m in tr.config["plot_metrics"]]


def trend_legend(tr: Trends, lang: str = "zh") -> dict[str, str]:
    """Legend words of :func:`kpi_lib.report.plots.trend_lines`."""
    return {"this_label": text("trends_this_year", lang, n=len(tr.months)),
            "last_label": text("trends_last_year", lang)}


def control_chart_panels(tr: Trends, lang: str = "zh") -> list[dict[str, Any]]:
    """One entry per configured control chart: ``caption`` (what the chart is, its
    limits and signals, or why there is none) and ``plot`` (keyword arguments of
    :func:`kpi_lib.report.plots.control_chart`, None when there is no chart)."""
    out = []
    run = tr.config["run_length"]
    for metric in tr.config["control_charts"]:
        chart, label, unit = tr.charts.get(metric), _label(metric, lang), REGISTRY[metric].unit
        if chart is None:
            known = int(np.count_nonzero(~np.isnan(tr.values(metric)))) if tr.months else 0
            out.append({"caption": text("trends_chart_too_short", lang, label=label, k=known,
                                        n=tr.config["min_chart_months"]), "plot": None})
            continue
        fields = {"label": label, "centre": format_value(chart.centre, unit, lang),
                  "sz": "—" if is_na(chart.sigma_z) else f"{chart.sigma_z:.2f}"}
        if chart.kind == "xmr":
            mr = (float(np.nanmax(chart.upper)) - chart.centre) / 2.66
            fields["mr"] = format_value(mr, unit, lang)
        caption = text(f"trends_chart_{chart.kind}", lang, **fields)
        if chart.signals:
            items = list_sep(lang).join(
                _signal_text(metric, s.rule, s.direction, s.month, lang, run)
                for s in chart.signals)
            caption += text("trends_chart_signals", lang, items=items)
        else:
            caption += text("trends_chart_no_signal", lang, n=run)
        kind_name = text(f"trends_kind_{chart.kind}", lang)
        out.append({"caption": caption, "plot": {
            "labels": [_short(m, lang) for m in chart.labels], "values": chart.values,
            "centre": chart.centre, "lower": chart.lower, "upper": chart.upper,
            "signals": [chart.labels.index(s.month) for s in chart.signals], "unit": unit,
            "title": f"{REGISTRY[metric].label(lang)} · {kind_name}",
            "centre_label": text("trends_centre_line", lang),
            "limit_label": text("trends_limits", lang),
            "signal_label": text("trends_signal", lang)}})
    return out


def lines_note(tr: Trends, lang: str = "zh") -> str:
    """Caption of :func:`kpi_lib.report.plots.trend_lines`."""
    return text("trends_lines_note", lang, n=len(tr.months))


def charts_note(tr: Trends, lang: str = "zh") -> str:
    """What a control chart is for and which chart each kind of KPI gets."""
    return text("trends_charts_note", lang, n=tr.config["run_length"])
