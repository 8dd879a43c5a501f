"""The comparison section: the store beside its benchmarks, and funnel plots of the network.

Reads the month's compare table (:func:`kpi_lib.metrics.comparison.compare_month`, every store),
kept
in :class:`kpi_lib.report.store_month.StoreMonth`; turns it into display tables and the inputs of
:func:`kpi_lib.report.plots.funnel_plot`. No statistics are computed here beyond the plotted
control limits, which use the same :func:`kpi_lib.stats.funnel_limits` and τ².
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import stats
from ..formatting import format_value, is_na
from ..i18n import list_sep, text, verdict_words
from ..metrics.benchmarks import load_benchmark_config, load_supplied
from ..metrics.comparison import shrunk_rates
from ..metrics.peer_spread import PEER_LEVELS
from ..metrics.registry import REGISTRY
from ..metrics.settings import report_config
from .store_month import StoreMonth

SCOPES = ("national_avg", "regional_avg", "national_best", "regional_best", "peers")
FLAGGED = ("watch_below", "watch_above", "clearly_below", "clearly_above")


def store_rows(sm: StoreMonth) -> pd.DataFrame:
    """This store's compare rows, indexed by metric."""
    return sm.network[sm.network["store_id"] == sm.store["store_id"]].set_index("metric")


def _label(metric_id: str, lang: str) -> str:
    m = REGISTRY[metric_id]
    return m.label(lang)


def _interval(row: pd.Series, unit: str, lang: str) -> str:
    if unit != "rate" or is_na(row["ci_low"]) or is_na(row["ci_high"]):
        return text("na", lang)
    # word joiners (U+2060, not drawn) keep the interval on one line in a narrow column
    return f"{row['ci_low']:.1%}\u2060–\u2060{row['ci_high']:.1%}"


def gap_text(row: pd.Series, lang: str) -> str:
    """"≈14 fewer test drives" for proportions and counts; "—" where it has no meaning."""
    m = REGISTRY[row.name]
    if is_na(row["gap"]) or row["verdict"] in ("na", "too_few"):
        return text("na", lang)
    if m.type == "ratio" and m.unit != "rate":
        return text("na", lang)
    count = abs(float(row["gap"]))
    if round(count) == 0:
        return "0"
    noun = _label(m.numerator, lang) if m.type == "ratio" else ""
    unit = f" {noun}" if noun else ""
    key = "gap_fewer" if row["gap"] < 0 else "gap_more"
    return text(key, lang, n=f"{count:,.0f}", unit=unit)


def comparison_frame(sm: StoreMonth) -> pd.DataFrame:
    """KPI × (store, 95% interval, five benchmarks, verdict, gap)."""
    lang, rows = sm.lang, store_rows(sm)
    out = []
    for metric_id in report_config()["comparison_metrics"]:
        row, unit = rows.loc[metric_id], REGISTRY[metric_id].unit
        record = {
            text("col_kpi", lang): _label(metric_id, lang),
            text("col_store_value", lang): format_value(row["value"], unit, lang),
            text("col_interval", lang): _interval(row, unit, lang),
        }
        for scope in SCOPES:
            cell = format_value(row[scope], unit, lang)
            store = row.get(f"{scope}_store")  # the benchmark store, named
            if isinstance(store, str) and not is_na(row[scope]):
                cell += f" ({store})"
            record[text(f"col_{scope}", lang)] = cell
        record[text("col_verdict", lang)] = verdict_words(row["verdict"], row["worse"], lang)
        record[text("col_gap", lang)] = gap_text(row, lang)
        out.append(record)
    return pd.DataFrame(out)


def comparison_notes(sm: StoreMonth) -> str:
    """Which benchmark the verdicts use, supplied values, and p-values (footnote)."""
    lang, rows = sm.lang, store_rows(sm)
    shown = rows.loc[report_config()["comparison_metrics"]]
    order = [*SCOPES, *(scope for scope, _ in PEER_LEVELS)]
    scopes = sorted(set(shown["benchmark_scope"].dropna()),
                    key=lambda s: order.index(s) if s in order else len(order))
    sep = list_sep(lang)
    notes = [text("benchmark_used", lang,
                  scope=sep.join(text(f"scope_{s}", lang) for s in scopes))]
    peers = shown["peer_stores"].dropna()
    if len(peers):
        notes.append(text("peers_named", lang, stores=sep.join(str(peers.iloc[0]).split(","))))
    supplied = load_supplied()
    supplied = sorted(set(supplied.loc[supplied["month"] == sm.month, "metric"]))
    if supplied:
        notes.append(text("supplied_note", lang,
                          metrics=sep.join(_label(m, lang) for m in supplied)))
    tested = shown[shown["verdict"].isin(FLAGGED) & shown["p"].notna()]
    if len(tested):
        items = sep.join(
            f"{_label(metric, lang)} p={_p(r['p'])} ({_p(r['p_adj'])})"
            for metric, r in tested.iterrows()
        )
        notes.append(text("pvalue_footnote", lang, items=items))
    return " ".join(notes)


def _p(p: float) -> str:
    if is_na(p):
        return "—"
    return "<0.0001" if p < 0.0001 else f"{p:.4f}"


def funnel_panels(sm: StoreMonth, grid: int = 120) -> list[dict]:
    """Inputs of one funnel plot per configured rate: points, limits, target, labels."""
    lang, panels = sm.lang, []
    scale = load_benchmark_config()["tests"]["scale"]  # the scale of the verdicts' test
    for metric_id in report_config()["funnel_plot_metrics"]:
        rows = sm.network[sm.network["metric"] == metric_id]
        usable = rows.dropna(subset=["value", "denominator"])
        usable = usable[usable["denominator"] > 0]
        targets = usable["national_avg"].dropna()
        if usable.empty or targets.empty:
            continue
        target = float(targets.iloc[0])
        tau2 = rows["tau2"].dropna()
        tau2 = float(tau2.max()) if len(tau2) else 0.0
        n_max = float(usable["denominator"].max()) * 1.08
        n = np.linspace(max(1.0, float(usable["denominator"].min()) * 0.5), n_max, grid)
        limits = {"n": n}
        for level, name in ((0.95, "95"), (0.998, "998")):
            low, high = stats.funnel_limits(target, n, level, tau2=tau2, scale=scale)
            limits[f"low{name}"], limits[f"high{name}"] = low, high
        metric = REGISTRY[metric_id]
        panels.append({
            "points": pd.DataFrame({"store_id": usable["store_id"].to_numpy(),
                                    "n": usable["denominator"].to_numpy(dtype=float),
                                    "rate": usable["value"].to_numpy(dtype=float)}),
            "limits": pd.DataFrame(limits),
            "target": target,
            "title": _label(metric_id, lang),
            "xlabel": text("funnel_plot_x", lang,
                           unit=" + ".join(_label(d, lang) for d in metric.denominator)),
            "ylabel": "",
        })
    return panels


def ranking_frame(sm: StoreMonth) -> pd.DataFrame:
    """The store's rank in the network on each funnel-plot rate, after shrinkage.

    Ranks use empirical-Bayes rates (:func:`kpi_lib.metrics.comparison.shrunk_rates`: each rate
    pulled
    toward its region in proportion to how little volume backs it), so that a tiny store's
    lucky month does not top the table.
    """
    lang, store = sm.lang, sm.store["store_id"]
    month_cube = sm.network[["store_id", "metric", "numerator", "denominator", "value"]]
    stores = sm.network[["store_id", "region"]].drop_duplicates()
    out = []
    for metric_id in report_config()["funnel_plot_metrics"]:
        ranked = shrunk_rates(month_cube, stores, metric_id)
        mine = ranked[ranked["store_id"] == store]
        if mine.empty:
            raw = shrunk = float("nan")
            rank = text("na", lang)
        else:
            raw, shrunk = float(mine["raw"].iloc[0]), float(mine["shrunk"].iloc[0])
            rank = f"{int(mine['rank'].iloc[0])} / {len(ranked)}"
        out.append({
            text("col_kpi", lang): _label(metric_id, lang),
            text("col_store_value", lang): format_value(raw, "rate", lang),
            text("col_shrunk", lang): format_value(shrunk, "rate", lang),
            text("col_rank", lang): rank,
        })
    return pd.DataFrame(out)
