"""Report section 7: marketing and traffic (集客与广宣).

Registry KPIs (ad spend, cost per visit / lead / order, visits, first and repeat visits,
lead capture rate = new leads / visits, visits leaving details = the register flag's
share, invited visits, calls) come from one :func:`compute_cube` call over the
report month and the month before, for every store (network = pooled Σ / Σ; for counts
and money the network column is the mean per store with data; for the median dwell time
the network's own median over all its visits). The phone invite-to-visit rate and the
dwell time are registry KPIs over the relations of :mod:`kpi_lib.metrics.relations`.

by source (按来源)
    not computed here: the registry's own KPIs at the source grain
    (:func:`kpi_lib.metrics.cube.grain_cube`; a visit's ``source``, a lead's, an order's lead's;
    orders without a lead card are in the "not given" row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from ..formatting import format_value, is_na
from ..i18n import data_value, text
from ..ingest.warehouse import present_columns
from ..metrics.coverage import store_coverage
from ..metrics.cube import NO_DATA, ZERO_DENOMINATOR, compute_cube, grain_cube
from ..metrics.cube_sql import NOT_AT_GRAIN
from ..metrics.months import month_bounds, previous_month
from ..metrics.registry import REGISTRY, kpi_label
from .delivery_mix import cell, na_note, pooled

SPEND_KPIS: tuple[str, ...] = ("ad_spend", "cost_per_visit", "cost_per_lead", "cost_per_order")
VISIT_KPIS: tuple[str, ...] = ("visits", "first_visits", "repeat_visits", "repeat_visit_share",
                               "lead_capture_rate", "visit_capture_rate", "invited_visits",
                               "calls")
INVITE, DWELL = "invite_to_visit_rate", "dwell_minutes"


@dataclass
class Traffic:
    """Language-free data of the marketing and traffic section for one store/month."""

    store: str
    month: str
    #: one row per KPI (registry ids): ``metric``, ``unit``,
    #: ``value``, ``numerator``, ``denominator``, ``na_reason``, ``last_value``,
    #: ``last_na_reason``, ``network_value``
    kpis: pd.DataFrame
    #: ``channel``, ``spend``, ``last_spend``; None when the reason is in ``notes``
    spend_by_channel: pd.DataFrame | None
    #: ``source``, ``visits``, ``captured``, ``test_drives``, ``new_leads``, ``orders``
    #: (NaN where the input lacks the column)
    sources: pd.DataFrame
    unattributed_orders: int
    #: weekday (0 = Monday) × hour of ``time_in``; None when time_in is absent
    heatmap: pd.DataFrame | None
    #: calls of M−1 without a customer id (left out of the invite-to-visit rate)
    anonymous_calls: int
    #: catalogue keys (with fields) of the notes on what is missing
    notes: list[tuple[str, dict]] = field(default_factory=list)
    #: the month's numbers come from the brand workbook (totals; no register rows): the
    #: register-only breakdowns are said to be unavailable once, not table by table
    from_workbook: bool = False


def _span(month: str) -> tuple[str, str]:
    start, end = month_bounds(month)
    return str(start), str(end)




def _kpi_rows(cube: pd.DataFrame, store: str, month: str, last: str,
              medians: dict[str, float]) -> list[dict]:
    """The section's KPI rows; ``medians``: the network's own median of median KPIs."""
    mine = cube[cube["store_id"] == store].set_index(["month", "metric"])
    network = pooled(cube[cube["month"] == month])
    this_month = cube[cube["month"] == month]
    rows = []
    for metric_id in (*SPEND_KPIS, *VISIT_KPIS, INVITE, DWELL):
        unit = REGISTRY[metric_id].unit
        now, before = mine.loc[(month, metric_id)], mine.loc[(last, metric_id)]
        net = network.at[metric_id, "value"]
        if REGISTRY[metric_id].type == "median":  # of every visit, not of store medians
            net = medians.get(metric_id, np.nan)
        elif REGISTRY[metric_id].type != "ratio":  # mean per store with data
            vals = this_month.loc[this_month["metric"] == metric_id, "value"]
            net = vals.mean() if vals.notna().any() else np.nan
        rows.append({"metric": metric_id, "unit": unit, "value": now["value"],
                     "numerator": now["numerator"], "denominator": now["denominator"],
                     "na_reason": now["na_reason"], "last_value": before["value"],
                     "last_na_reason": before["na_reason"], "network_value": net})
    return rows




def load_traffic(con: duckdb.DuckDBPyConnection, store: str, month: str) -> Traffic:
    """Spend, cost per result, visits by source and hour, calls and invite-to-visit rate."""
    last = previous_month(month)
    start, end = _span(month)
    cols = {t: present_columns(con, t) for t in ("visits", "calls", "leads", "orders",
                                                  "marketing")}
    notes: list[tuple[str, dict]] = []
    cube = pd.concat([compute_cube(con, [last, month]),
                      compute_cube(con, [last, month], metrics=[INVITE])], ignore_index=True)
    medians = grain_cube(con, month, "network", metrics=[DWELL])
    rows = _kpi_rows(cube, store, month, last,
                     dict(zip(medians["metric"], medians["value"], strict=True)))
    from_workbook = store_coverage(con, store, month).from_workbook
    mine = cube[(cube["store_id"] == store) & (cube["month"] == month)]
    now = dict(zip(mine["metric"], mine["value"], strict=True))

    if not cols["calls"]:
        notes.append(("traffic_note_no_calls", {}))
    elif not ("customer_id" in cols["calls"] and "customer_id" in cols["visits"]):
        notes.append(("traffic_note_no_invite", {}))
    if not {"time_in", "time_out"} <= cols["visits"]:
        notes.append(("traffic_note_no_dwell", {}))
    anonymous = now.get("anonymous_calls_last_month", np.nan)
    anonymous = 0 if is_na(anonymous) else int(anonymous)

    spend = None
    if not cols["marketing"] and from_workbook and not is_na(now.get("ad_spend")):
        notes.append(("traffic_note_spend_workbook", {
            "spend": format_value(now["ad_spend"], "yuan", "zh")}))
    elif not cols["marketing"]:
        notes.append(("traffic_note_no_marketing", {}))
    elif "channel" not in cols["marketing"]:
        notes.append(("traffic_note_no_spend_channel", {}))
    else:
        spend = _spend_by_channel(con, store, month, last)

    sources = _sources(con, store, month)
    if sources.empty:
        notes.append(("traffic_note_no_sources", {}))
    if "source" not in cols["visits"]:
        notes.append(("traffic_note_no_visit_source", {}))
    unattributed = 0
    if "lead_id" in cols["orders"]:
        unattributed = int(con.execute("""
            SELECT count(*) FROM orders o LEFT JOIN leads l USING (lead_id)
            WHERE o.store_id = ? AND o.order_date >= ?::DATE AND o.order_date < ?::DATE
              AND l.lead_id IS NULL""", [store, start, end]).fetchone()[0])
    else:
        notes.append(("traffic_note_no_lead_id", {}))

    heatmap = _heatmap(con, store, start, end) if "time_in" in cols["visits"] else None
    if from_workbook:  # one true sentence instead of one per register the store lacks
        notes = [n for n in notes if n[0] not in _REGISTER_NOTES]
        notes.append(("traffic_note_workbook_breakdowns", {
            "visits": format_value(now.get("visits", np.nan), "count", "zh"),
            "new_leads": format_value(now.get("new_leads", np.nan), "count", "zh")}))
    return Traffic(store, month, pd.DataFrame(rows), spend, sources, unattributed, heatmap,
                   anonymous, notes, from_workbook)


#: notes about registers a workbook store has none of (replaced by one sentence)
_REGISTER_NOTES = frozenset({"traffic_note_no_calls", "traffic_note_no_invite",
                             "traffic_note_no_dwell", "traffic_note_no_sources",
                             "traffic_note_no_visit_source", "traffic_note_no_lead_id"})


def _spend_by_channel(con: duckdb.DuckDBPyConnection, store: str, month: str,
                      last: str) -> pd.DataFrame:
    """``channel, spend, last_spend``: the registry's ``ad_spend`` at the channel grain
    (NaN: no row of that channel in that month), biggest spend first."""
    cube = grain_cube(con, [last, month], "channel", [store], ["ad_spend"])
    wide = cube[cube["metric"] == "ad_spend"].pivot(index="channel", columns="month",
                                                     values="value")
    out = pd.DataFrame({"channel": wide.index.to_numpy(dtype=object)})
    for column, mo in (("spend", month), ("last_spend", last)):
        out[column] = wide[mo].to_numpy(dtype=float) if mo in wide else np.nan
    out["channel"] = out["channel"].replace("", None)
    return out.sort_values(["spend", "channel"], ascending=[False, True], na_position="last",
                           key=lambda c: c if c.name == "spend" else c.fillna("")
                           ).reset_index(drop=True)


#: The KPIs of the by-source table, at the source grain (:func:`compute.grain_cube`).
SOURCE_COUNTS = ("visits", "captured_visits", "test_drives", "new_leads", "orders",
                 "orders_new_leads")
SOURCE_RATES = ("visit_capture_rate", "test_drive_rate", "conversion_b")


def _sources(con: duckdb.DuckDBPyConnection, store: str, month: str) -> pd.DataFrame:
    """Per source with any visit, new lead or order in the month: the registry's counts
    and rates at the source grain (a visit's ``source``, a lead's, an order's lead's); a
    rate's ``<id>_na`` is its n/a reason."""
    cube = grain_cube(con, month, "source", [store], [*SOURCE_COUNTS, *SOURCE_RATES])
    cube = cube[cube["month"] == month]
    value = cube.pivot(index="source", columns="metric", values="value")
    reason = cube.pivot(index="source", columns="metric", values="na_reason")
    columns = ["source", *SOURCE_COUNTS, *SOURCE_RATES, *(f"{r}_na" for r in SOURCE_RATES)]
    if value.empty:
        return pd.DataFrame(columns=columns)
    out = value[[*SOURCE_COUNTS, *SOURCE_RATES]].astype(float)
    for rate in SOURCE_RATES:  # no source column in the input: no data by source
        out[f"{rate}_na"] = reason[rate].replace(NOT_AT_GRAIN, NO_DATA)
    out = out.reset_index()
    active = out[["visits", "new_leads", "orders"]].fillna(0).sum(axis=1) > 0
    return (out[active].sort_values(["visits", "new_leads", "source"],
                                    ascending=[False, False, True])
            .reset_index(drop=True)[columns])


def _heatmap(con: duckdb.DuckDBPyConnection, store: str, start: str,
             end: str) -> pd.DataFrame:
    """Visit counts, weekday (0 = Monday, rows) × hour of arrival (columns)."""
    df = con.execute("""
        SELECT isodow(date) - 1 AS weekday, hour(time_in) AS hour, count(*) AS n
        FROM visits WHERE store_id = ? AND date >= ?::DATE AND date < ?::DATE
          AND time_in IS NOT NULL GROUP BY ALL""", [store, start, end]).df()
    if df.empty:
        return pd.DataFrame(index=range(7), dtype=float)
    hours = range(int(df["hour"].min()), int(df["hour"].max()) + 1)
    grid = df.pivot(index="weekday", columns="hour", values="n")
    return grid.reindex(index=range(7), columns=hours).fillna(0).astype(int)


# --- display ------------------------------------------------------------------------

def _label(metric_id: str, lang: str) -> str:
    return kpi_label(metric_id, lang)


def _kpi_frame(data: Traffic, ids: tuple[str, ...], lang: str) -> pd.DataFrame:
    rows = []
    for r in data.kpis.set_index("metric").loc[list(ids)].itertuples():
        rows.append({
            text("col_kpi", lang): _label(r.Index, lang),
            text("col_this_month", lang): cell(r.value, r.unit, r.na_reason, lang),
            text("col_last_month", lang): cell(r.last_value, r.unit, r.last_na_reason, lang),
            text("traffic_col_network", lang): cell(r.network_value, r.unit, None, lang),
        })
    return pd.DataFrame(rows)


def spend_frame(data: Traffic, lang: str) -> pd.DataFrame:
    """Ad spend and cost per visit / lead / order: this month, last month, network."""
    return _kpi_frame(data, SPEND_KPIS, lang)


def spend_channel_frame(data: Traffic, lang: str) -> pd.DataFrame | None:
    """Ad spend by marketing channel (None when the input has no channel column)."""
    if data.spend_by_channel is None:
        return None
    df = data.spend_by_channel
    total = df["spend"].sum(min_count=1)
    share = df["spend"] / total if total and not is_na(total) else df["spend"] * np.nan
    return pd.DataFrame({
        text("traffic_col_channel", lang): df["channel"].map(lambda v: data_value(v, lang))
        .fillna(text("traffic_unknown", lang)),
        text("col_this_month", lang): [format_value(v, "yuan", lang) for v in df["spend"]],
        text("traffic_col_share", lang): [format_value(v, "rate", lang) for v in share],
        text("col_last_month", lang): [format_value(v, "yuan", lang) for v in df["last_spend"]],
    })


def traffic_frame(data: Traffic, lang: str) -> pd.DataFrame:
    """Visits, first / repeat visits, calls, invite-to-visit rate and dwell time."""
    return _kpi_frame(data, (*VISIT_KPIS, INVITE, DWELL), lang)


def source_frame(data: Traffic, lang: str) -> pd.DataFrame:
    """Visits and the registry's KPIs by source (n/a "—" with its reason)."""
    s = data.sources
    total = s["visits"].sum()
    share = s["visits"] / total if total else s["visits"] * np.nan

    def counts(metric: str) -> list[str]:
        return [cell(v, "count", NO_DATA, lang) for v in s[metric]]

    def rates(metric: str) -> list[str]:
        return [cell(v, "rate", r, lang) for v, r in zip(s[metric], s[f"{metric}_na"],
                                                         strict=True)]

    return pd.DataFrame({
        text("traffic_col_source", lang): s["source"].map(lambda v: data_value(v, lang))
        .replace("", text("traffic_unknown", lang)),
        REGISTRY["visits"].label(lang): counts("visits"),
        text("traffic_col_share", lang): [cell(v, "rate", ZERO_DENOMINATOR, lang)
                                          for v in share],
        REGISTRY["visit_capture_rate"].label(lang): rates("visit_capture_rate"),
        REGISTRY["test_drive_rate"].label(lang): rates("test_drive_rate"),
        REGISTRY["new_leads"].label(lang): counts("new_leads"),
        REGISTRY["orders"].label(lang): counts("orders"),
        REGISTRY["conversion_b"].label(lang): rates("conversion_b"),
    })


def traffic_markdown(data: Traffic, lang: str) -> str:
    """Definitions with this month's counts, what is missing, and the n/a footnote."""
    inv = data.kpis.set_index("metric").loc[INVITE]
    lines = []
    if not is_na(inv["denominator"]):
        note = text("traffic_invite_note", lang, callers=f"{inv['denominator']:,.0f}",
                    visited=f"{inv['numerator']:,.0f}")
        if data.anonymous_calls:
            note += text("traffic_invite_anonymous", lang, n=f"{data.anonymous_calls:,}")
        lines.append(note)
    if data.unattributed_orders:
        lines.append(text("traffic_source_note", lang, n=f"{data.unattributed_orders:,}"))
    lines += [text(key, lang, **fields) for key, fields in data.notes]
    lines.append(text("traffic_network_note", lang))
    lines.append(na_note(lang))
    return "\n\n".join(lines)


def heatmap_input(data: Traffic, lang: str) -> dict | None:
    """Keyword arguments of :func:`kpi_lib.report.plots.visit_heatmap`; None when nothing to draw.

    When None, :func:`heatmap_markdown` says why.
    """
    if data.heatmap is None or data.heatmap.empty or data.heatmap.shape[1] == 0:
        return None
    counts = data.heatmap.copy()
    counts.index = [text(f"traffic_weekday_{d}", lang) for d in counts.index]
    return {"counts": counts, "title": text("traffic_heatmap_title", lang),
            "xlabel": text("traffic_heatmap_x", lang), "ylabel": text("traffic_heatmap_y", lang)}


def heatmap_markdown(data: Traffic, lang: str) -> str:
    """Why there is no heatmap (empty string when there is one)."""
    if data.from_workbook:  # the coverage note at the top names the missing register
        return text("section_input_see_coverage", lang)
    if data.heatmap is None:
        return text("traffic_note_no_time_in", lang)
    if data.heatmap.empty or data.heatmap.shape[1] == 0:
        return text("traffic_note_no_visits", lang)
    return ""
