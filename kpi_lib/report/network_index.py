"""The network overview of a month (``reports/<month>/index.html``).

:func:`load_overview` gathers what the overview notebook shows: the regional table, the
funnel-plot inputs of every store, which store got which diagnosis, and links to each
store's HTML/PDF/xlsx (relative, so the index works from the file system, offline): the
Chinese report (``S007.html``) and, where it exists, the English one (``S007.en.html``;
names from :func:`kpi_lib.paths.report_stem`).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pandas as pd

from .. import paths
from ..formatting import format_value
from ..i18n import data_value, list_sep, text
from ..metrics import network_cache
from ..metrics.comparison import compare_month
from ..metrics.registry import REGISTRY
from ..metrics.settings import report_config

#: Counts shown per region, then the key rates (pooled Σ numerator / Σ denominator).
REGION_COUNTS = ("visits", "new_leads", "orders", "deliveries")
REPORT_KINDS = ("html", "pdf", "xlsx")
#: Report languages the index links, in this order (Chinese first).
REPORT_LANGS = ("zh", "en")


# --------------------------------------------------------------------------- overview data


@dataclass
class Overview:
    """The month's network: stores, compare table, findings, report files and batch status."""

    month: str
    lang: str
    stores: pd.DataFrame  # store_id, store_name, region, city, tier
    network: pd.DataFrame  # compare table (every store × metric)
    findings: list  # kpi_lib.analysis.diagnosis.Finding, every store, by impact
    #: store → key → file name relative to the index; the key is the kind ("html") for
    #: the Chinese report and "<lang>.<kind>" ("en.html") for another language
    files: dict[str, dict[str, str]]
    status: dict[str, dict[str, Any]]  # store → batch result (status, reason), if known
    #: region → its report's HTML beside the index (``region-华东.html``), in the index's
    #: language where it exists, else in the other; regions without one are left out
    region_pages: dict[str, str] = field(default_factory=dict)


def load_overview(data: str | Path | None, month: str, lang: str = "zh",
                  report_dir: str | Path | None = None) -> Overview:
    """Everything the overview notebook shows; ``report_dir`` holds the store reports."""
    from ..analysis.diagnosis import diagnose
    from ..ingest.warehouse import open_warehouse
    from ..metrics.periods import check_period_format

    check_period_format(month)
    data_dir = Path(data) if data else paths.DEMO_DATA
    report_dir = Path(report_dir) if report_dir else paths.REPORTS / month
    network_cache.enable()  # the overview and the diagnosis share the month's frames
    with open_warehouse(data_dir) as wh:
        stores = wh.con.execute(
            "SELECT store_id, store_name, region, city, tier FROM stores ORDER BY store_id"
        ).df()
        network = compare_month(wh.con, month)
        findings = diagnose(wh.con, month, None, lang)
    files = {store: report_files(report_dir, store) for store in stores["store_id"]}
    status: dict[str, dict[str, Any]] = {}
    summary = report_dir / f"{paths.report_stem('batch', lang)}.json"
    if summary.is_file():
        with contextlib.suppress(ValueError, OSError):
            status = {r["store"]: r for r in json.loads(summary.read_text("utf-8"))["stores"]}
    return Overview(month, lang, stores, network, findings, files, status,
                    region_pages(report_dir, stores["region"].dropna().unique(), lang))


def region_pages(report_dir: Path, regions, lang: str) -> dict[str, str]:
    """The region reports (``region-<region>[.en].html``) present in ``report_dir``."""
    found = {}
    for region in regions:
        for page_lang in (lang, *(x for x in REPORT_LANGS if x != lang)):
            name = f"{paths.report_stem(f'region-{region}', page_lang)}.html"
            if (Path(report_dir) / name).is_file():
                found[str(region)] = name
                break
    return found


def file_key(kind: str, lang: str) -> str:
    """The key of a report file in :attr:`Overview.files`: ``html`` or ``en.html``."""
    return kind if lang == paths.DEFAULT_LANG else f"{lang}.{kind}"


def report_files(report_dir: Path, store: str) -> dict[str, str]:
    """The store's report files present in ``report_dir``, in every language."""
    found = {}
    for lang in REPORT_LANGS:
        stem = paths.report_stem(store, lang)
        for kind in REPORT_KINDS:
            if (Path(report_dir) / f"{stem}.{kind}").is_file():
                found[file_key(kind, lang)] = f"{stem}.{kind}"
    return found


def _label(metric_id: str, lang: str) -> str:
    m = REGISTRY[metric_id]
    return m.label(lang)


def key_rates() -> list[str]:
    """The rates of the funnel plots (``params/report.yml``: funnel_plot_metrics)."""
    return list(report_config()["funnel_plot_metrics"])


def region_table(ov: Overview) -> pd.DataFrame:
    """Per region and for the network: stores, counts, pooled key rates (numbers)."""
    net = ov.network.copy()
    net["region"] = net["region"].fillna("—")
    rows = []
    groups = [(r, g) for r, g in net.groupby("region", sort=True)] + [(None, net)]
    for region, g in groups:
        row: dict[str, Any] = {"region": region, "stores": g["store_id"].nunique()}
        for m in REGION_COUNTS:
            v = g.loc[g["metric"] == m, "value"]
            row[m] = float(v.sum()) if v.notna().any() else float("nan")
        for m in key_rates():
            r = g[(g["metric"] == m) & g["value"].notna()]
            den = float(r["denominator"].sum())
            row[m] = float(r["numerator"].sum()) / den if den > 0 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def region_frame(ov: Overview) -> pd.DataFrame:
    """:func:`region_table` formatted for display (headers from the catalogue)."""
    lang, table = ov.lang, region_table(ov)
    out = pd.DataFrame({
        text("region", lang): [data_value(r, lang) if isinstance(r, str)
                               else text("overview_network", lang)
                               for r in table["region"]],
        text("overview_col_stores", lang): [format_value(v, "count", lang)
                                            for v in table["stores"]],
    })
    for m in (*REGION_COUNTS, *key_rates()):
        out[_label(m, lang)] = [format_value(v, REGISTRY[m].unit, lang) for v in table[m]]
    return out


def funnel_panels(ov: Overview) -> list[dict]:
    """Funnel-plot inputs of every store for the key rates (as in the store report)."""
    from .comparison_tables import funnel_panels as panels

    return panels(SimpleNamespace(network=ov.network, lang=ov.lang))


def outliers(ov: Overview) -> pd.DataFrame:
    """Stores clearly or worth watching below/above on the key rates: store, metric, verdict."""
    net = ov.network
    hit = net[net["metric"].isin(key_rates()) & net["verdict"].astype(str).str.match(
        r"(clearly|watch)_")]
    return hit[["store_id", "metric", "verdict"]].reset_index(drop=True)


def diagnosis_frame(ov: Overview) -> pd.DataFrame:
    """Which stores got which diagnosis: one row per rule, its stores by effect."""
    lang = ov.lang
    if not ov.findings:
        return pd.DataFrame()
    rows: dict[str, dict[str, Any]] = {}
    for f in ov.findings:
        row = rows.setdefault(f.rule_id, {"title": f.title, "severity": f.severity,
                                          "stores": [], "impact": 0.0})
        row["stores"].append(f.store_id)
        row["impact"] += float(f.impact or 0.0)
    sev = {"high": 0, "medium": 1, "low": 2}
    ordered = sorted(rows.values(), key=lambda r: (sev.get(r["severity"], 3), -r["impact"]))
    return pd.DataFrame({
        text("overview_col_diagnosis", lang): [r["title"] for r in ordered],
        text("overview_col_severity", lang): [text(f"overview_severity_{r['severity']}", lang)
                                              if r["severity"] in sev else r["severity"]
                                              for r in ordered],
        text("overview_col_stores_hit", lang): ["、".join(r["stores"]) if lang == "zh"
                                                else ", ".join(r["stores"]) for r in ordered],
        text("overview_col_effect", lang): [format_value(r["impact"], "count", lang)
                                            for r in ordered],
    })


def _md(value: object) -> str:
    from .store_month import escape_markdown

    return escape_markdown(value) or "—"


def links_markdown(ov: Overview) -> str:
    """A Markdown table: every store, its top finding, and links to its report files."""
    lang = ov.lang
    top: dict[str, list[str]] = {}
    for f in ov.findings:
        top.setdefault(f.store_id, []).append(f.title)
    head = [text("store", lang), text("overview_col_name", lang), text("region", lang),
            text("overview_col_findings", lang), "HTML", "PDF", "Excel",
            text("overview_col_consultants", lang), text("overview_col_status", lang)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in ov.stores.itertuples(index=False):
        files = ov.files.get(s.store_id, {})
        links = [_links(files, kind) for kind in REPORT_KINDS] + [
            _links(files, "html", CONSULTANTS_ANCHOR, text("overview_consultants_link", lang))]
        titles = top.get(s.store_id, [])
        shown = _md(titles[0]) + (f" (+{len(titles) - 1})" if len(titles) > 1 else "") \
            if titles else text("overview_no_finding", lang)
        st = ov.status.get(s.store_id, {})
        status = st.get("status")
        status_text = text(f"overview_status_{status}", lang) if status in (
            "rendered", "unchanged", "failed") else "—"
        if status == "failed" and st.get("reason"):
            status_text += ": " + _md(str(st["reason"])[:120])
        region = _md(s.region)
        if s.region in ov.region_pages:  # drill down: network → region → store
            region = f"[{region}]({quote(ov.region_pages[s.region])})"
        lines.append("| " + " | ".join([_md(s.store_id), _md(s.store_name), region,
                                         shown, *links, status_text]) + " |")
    return "\n".join(lines)


#: The consultants section of a store's HTML report: the stable anchor that
#: kpi_lib.run.render.section_anchors gives the heading of the catalogue key "consultants".
CONSULTANTS_ANCHOR = "sec-consultants"


def _links(files: dict[str, str], kind: str, anchor: str = "", word: str = "") -> str:
    """One cell of the links table: the Chinese file (``HTML``) and the English one
    (``EN``) where they exist, e.g. ``[HTML](S007.html) · [EN](S007.en.html)``; ``—``
    when neither does. ``anchor`` links a section of the file, named ``word``."""
    out = []
    for lang in REPORT_LANGS:
        name = files.get(file_key(kind, lang))
        if name:
            label = lang.upper() if lang != paths.DEFAULT_LANG else (
                word or (kind.upper() if kind != "xlsx" else "xlsx"))
            out.append(f"[{label}]({name}{'#' + anchor if anchor else ''})")
    return " · ".join(out) or "—"


def intro_markdown(ov: Overview) -> str:
    """Title and one sentence: stores, findings, reports available."""
    from ..i18n import month_label

    n_files = sum(1 for f in ov.files.values()
                  if any(file_key("html", lang) in f for lang in REPORT_LANGS))
    stores_hit = len({f.store_id for f in ov.findings})
    return (f"# {text('overview_title', ov.lang)}\n\n"
            + text("overview_intro", ov.lang, month=month_label(ov.month, ov.lang),
                   stores=len(ov.stores), reports=n_files, findings=len(ov.findings),
                   stores_hit=stores_hit))


def outliers_markdown(ov: Overview) -> str:
    """One sentence naming the stores outside the 95% limits on a key rate."""
    hit = outliers(ov)
    if hit.empty:
        return text("overview_outliers_none", ov.lang)
    items = list_sep(ov.lang, "clauses").join(
        f"{_md(r.store_id)} {_label(r.metric, ov.lang)} "
        f"{text('overview_verdict_' + str(r.verdict), ov.lang)}"
        for r in hit.itertuples(index=False))
    return text("overview_outliers", ov.lang, items=items)
