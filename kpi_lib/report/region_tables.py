"""What the region and network reports show (``notebooks/region_report.ipynb``), from a
:class:`kpi_lib.analysis.regions.RegionMonth`: the header, the region beside the network,
one table per key KPI with every store's value, interval, verdict, shrunk rate and ranks,
the benchmark and peer stores, the small multiples of deliveries and target, the stores
that moved beyond chance, and the findings inbox."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from .. import paths
from ..analysis.finding_history import status_words
from ..analysis.regions import RegionMonth, key_rates, load_region
from ..formatting import format_change, format_value, is_na
from ..i18n import data_value, list_sep, month_label, text, verdict_words
from ..metrics.periods import previous_period
from ..metrics.registry import REGISTRY
from .comparison_tables import _interval
from .period_report import frame, words
from .region_plots import small_multiples

_SEVERITY = {"high": 0, "medium": 1, "low": 2}


def who(rm: RegionMonth) -> str:
    """The region's name as shown, or "the network"."""
    if rm.region is None:
        return text("region_network_name", rm.lang)
    return str(data_value(rm.region, rm.lang))


def header_markdown(rm: RegionMonth) -> str:
    """Title and one line on what the report covers."""
    lang = rm.lang
    title = text("network_report_title" if rm.region is None else "region_report_title", lang)
    intro = text("region_intro", lang, who=who(rm), n=len(rm.stores),
                 month=month_label(rm.month, lang))
    heading = title if rm.region is None else f"{title} · {who(rm)}"
    return f"# {heading}\n\n{intro}"


def region_frame(rm: RegionMonth) -> pd.DataFrame:
    """The region (the network report: every region) beside the national average on the
    key rates (counts and costs are not compared between regions of different sizes)."""
    lang, rows = rm.lang, []
    regions = (sorted(rm.regions["store_id"].unique(), key=str) if rm.region is None
               else [rm.region])
    for metric in key_rates():
        m = REGISTRY[metric]
        if m.unit != "rate":
            continue
        part = rm.regions[rm.regions["metric"] == metric].set_index("store_id")
        for region in regions:
            if region not in part.index:
                continue
            row = part.loc[region].rename(metric)
            rows.append({
                text("col_kpi", lang): m.label(lang),
                text("region", lang): data_value(region, lang),
                text("col_this_month", lang): format_value(row["value"], m.unit, lang),
                text("col_interval", lang): _interval(row, m.unit, lang),
                text("col_benchmark", lang): format_value(row["benchmark"], m.unit, lang),
                text("col_verdict", lang): verdict_words(row["verdict"], row["worse"], lang),
            })
    return frame(pd.DataFrame(rows), rm)


def store_frames(rm: RegionMonth) -> list[tuple[str, pd.DataFrame]]:
    """(KPI label, table) per key KPI: each store's value, interval, benchmark, verdict,
    shrunk rate and ranks (proportions), best shrunk rank first."""
    lang, out = rm.lang, []
    names = dict(zip(rm.stores["store_id"], rm.stores["store_name"], strict=True))
    for metric in key_rates():
        m = REGISTRY[metric]
        part = rm.compare[rm.compare["metric"] == metric].set_index("store_id")
        ranks = rm.ranks[rm.ranks["metric"] == metric].set_index("store_id")
        rows = []
        for store in part.index:
            row = part.loc[store].rename(metric)
            rec = {
                text("store", lang): f"{store} {names.get(store) or ''}".strip(),
                text("col_this_month", lang): format_value(row["value"], m.unit, lang),
                text("col_interval", lang): _interval(row, m.unit, lang),
                text("col_benchmark", lang): format_value(row["benchmark"], m.unit, lang),
                text("col_verdict", lang): verdict_words(row["verdict"], row["worse"], lang),
            }
            if not ranks.empty:
                r = ranks.loc[store] if store in ranks.index else None
                rec[text("region_col_shrunk", lang)] = (
                    text("na", lang) if r is None else format_value(r["shrunk"], "rate", lang))
                rec[text("region_col_rank_region", lang)] = (
                    text("na", lang) if r is None else f"{int(r['rank_region'])} / "
                    f"{int(r['region_n'])}")
                rec[text("region_col_rank_network", lang)] = (
                    text("na", lang) if r is None else f"{int(r['rank_network'])} / "
                    f"{int(r['network_n'])}")
                rec["_order"] = 10**6 if r is None else float(r["rank_network"])
            rows.append(rec)
        table = pd.DataFrame(rows)
        if "_order" in table:
            table = table.sort_values("_order", kind="stable").drop(columns="_order")
        out.append((words(m.label(lang), rm), frame(table.reset_index(drop=True), rm)))
    return out


def benchmarks_frame(rm: RegionMonth) -> pd.DataFrame:
    """Per key KPI: the national and regional benchmark stores (value), and per store its
    peers (one column)."""
    lang, rows = rm.lang, []
    for metric in key_rates():
        m = REGISTRY[metric]
        part = rm.compare[rm.compare["metric"] == metric]
        if part.empty:
            continue
        first = part.iloc[0]

        def best(store: object, value: object, _u: str = m.unit) -> str:
            if is_na(store) or not str(store):
                return text("na", lang)
            return f"{store} ({format_value(value, _u, lang)})"

        regional = sorted({best(r["regional_best_store"], r["regional_best"])
                           for _, r in part.iterrows()})
        rows.append({text("col_kpi", lang): m.label(lang),
                     text("region_col_national_best", lang): best(
                         first["national_best_store"], first["national_best"]),
                     text("region_col_regional_best", lang): "; ".join(regional)})
    return pd.DataFrame(rows)


def peers_frame(rm: RegionMonth) -> pd.DataFrame:
    """Each store's peer stores (the same for every KPI)."""
    lang = rm.lang
    peers = rm.compare.drop_duplicates("store_id").set_index("store_id")["peer_stores"]
    return pd.DataFrame({text("store", lang): list(peers.index),
                         text("region_col_peers", lang): [
                             str(p).replace(",", list_sep(lang))
                             if not is_na(p) and str(p) else text("na", lang)
                             for p in peers]})


def trends_figure(rm: RegionMonth) -> Figure:
    """Small multiples: deliveries and target per store over the trend periods."""
    periods = sorted(rm.trend["month"].unique(), key=str)
    values = rm.trend.set_index(["store_id", "month", "metric"])["value"]

    def series(store: str, metric: str) -> list[float]:
        return [float(values.get((store, p, metric), float("nan"))) for p in periods]

    panels = [{"title": store, "deliveries": series(store, "deliveries"),
               "target": series(store, "target_units")} for store in rm.stores["store_id"]]
    labels = [month_label(p, rm.lang) for p in periods]
    return small_multiples(panels, labels, text("region_trends_title", rm.lang))


def movers_frame(rm: RegionMonth) -> pd.DataFrame:
    """The stores that moved beyond chance: store, KPI, previous, now, change, direction."""
    lang, rows = rm.lang, []
    for _, r in rm.movers.iterrows():
        m = REGISTRY[r["metric"]]
        shown = (format_change(r["now"], r["before"], m.unit, lang) if m.unit == "rate"
                 else f"{r['now'] - r['before']:+,.0f}")
        rows.append({text("store", lang): r["store_id"], text("col_kpi", lang): m.label(lang),
                     text("region_col_before", lang): format_value(r["before"], m.unit, lang),
                     text("col_this_month", lang): format_value(r["now"], m.unit, lang),
                     text("region_col_change", lang): shown,
                     text("region_col_direction", lang): text(
                         "region_improved" if r["improved"] else "region_slipped", lang)})
    return frame(pd.DataFrame(rows), rm)


def movers_none(rm: RegionMonth) -> str:
    """The sentence for no mover."""
    return text("region_movers_none", rm.lang,
                before=month_label(previous_period(rm.month), rm.lang))


def load(region: str | None, month: str, lang: str = "zh",
         data: str | Path | None = None) -> RegionMonth:
    """The region's (None: the network's) month from the warehouse of ``data`` (None:
    the demo data), as the region notebook reads it."""
    from ..ingest.warehouse import open_warehouse

    with open_warehouse(Path(data) if data else paths.DEMO_DATA) as wh:
        return load_region(wh.con, month, region, lang)


def inbox_frame(rm: RegionMonth) -> pd.DataFrame:
    """The findings inbox: the stores' findings by store (their owner), then severity,
    with their status over time and the first action; those resolved since the previous
    month (period) last, per store."""
    lang = rm.lang
    names = dict(zip(rm.stores["store_id"], rm.stores["store_name"], strict=True))
    tracked = sorted(rm.history.current + rm.history.resolved,
                     key=lambda t: (t.finding.store_id, t.status == "resolved",
                                    _SEVERITY.get(t.finding.severity, 9), -t.months))
    return pd.DataFrame([{
        text("region_col_owner", lang):
            f"{t.finding.store_id} {names.get(t.finding.store_id) or ''}".strip(),
        text("overview_col_severity", lang):
            text(f"overview_severity_{t.finding.severity}", lang),
        text("overview_col_diagnosis", lang): t.finding.title,
        text("region_col_status", lang): status_words(t, lang),
        text("region_col_action", lang): (t.finding.actions[0] if t.finding.actions and
                                          t.status != "resolved" else text("na", lang)),
    } for t in tracked if t.finding.store_id in names])


def links_markdown(rm: RegionMonth, report_dir: str | Path | None = None) -> str:
    """Drill-down links to the reports beside this one (``report_dir``, default
    ``reports/<month>``): each region's report (the network page) and each store's report
    and its consultants section, in this report's language when it exists; "" when none
    is there yet."""
    from urllib.parse import quote

    from .network_index import file_key, region_pages, report_files

    lang = rm.lang
    folder = Path(report_dir) if report_dir else paths.REPORTS / rm.month
    parts = []
    if rm.region is None:
        pages = region_pages(folder, sorted(rm.stores["region"].dropna().unique()), lang)
        if pages:
            parts.append(text("region_links_regions", lang) + " " + " · ".join(
                f"[{data_value(r, lang)}]({quote(page)})" for r, page in pages.items()))
    stores = []
    for store in rm.stores["store_id"]:
        files = report_files(folder, store)
        page = files.get(file_key("html", lang)) or files.get("html")
        if page:
            stores.append(f"[{store}]({quote(page)}) ([{text('overview_consultants_link', lang)}]"
                          f"({quote(page)}#sec-consultants))")
    if stores:
        parts.append(text("region_links_stores", lang) + " " + " · ".join(stores))
    return "\n\n".join(parts)
