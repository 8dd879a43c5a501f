"""What the store-report notebook shows, computed here so the notebook stays thin.

``load_store_month`` reads the warehouse once and computes the KPI cube for the report
month, the month before and the same month last year; the other functions turn that into
display-ready tables (pandas Styler) and figure inputs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler

from . import paths
from .compare import compare_month
from .compute import compute_cube, previous_month
from .config import report_config
from .consultants import load_consultants
from .coverage import store_coverage
from .delivery_mix import load_delivery_mix
from .diagnosis import diagnose
from .errors import IGNORED_CODES
from .forecast import load_forecast
from .formatting import format_change, format_value, is_na
from .i18n import check_lang, month_label, text  # noqa: F401  (re-exported for notebooks)
from .issue_text import translate_reason
from .metrics import REGISTRY
from .pipeline import load_pipeline
from .run_params import check_month_format, check_store_format
from .store_report import store_info
from .traffic import load_traffic
from .trends import load_trends
from .warehouse import open_warehouse

FUNNEL_STAGES = (
    ("stage_visits", "visits"),
    ("stage_leads", "new_leads"),
    ("stage_test_drives", "test_drives"),
    ("stage_negotiations", "negotiations"),
    ("stage_orders", "orders"),
    ("stage_deliveries", "deliveries"),
)


@dataclass
class StoreMonth:
    """One store's data for one report month."""

    store: dict[str, str | None]
    month: str
    lang: str
    cube: pd.DataFrame  # this store: month × metric → numerator, denominator, value, na_reason
    issues: pd.DataFrame  # quarantined rows of the whole data folder
    files: pd.DataFrame  # per input file: rows read and kept
    network: pd.DataFrame  # compare table of the report month, every store × metric
    findings: list  # kpi_lib.diagnosis.Finding of this store, by impact
    delivery_mix: object = None  # kpi_lib.delivery_mix.DeliveryMix
    traffic: object = None  # kpi_lib.traffic.Traffic
    trends: object = None  # kpi_lib.trends.Trends
    consultants: object = None  # kpi_lib.consultants.Consultants
    pipeline: object = None  # kpi_lib.pipeline.Pipeline
    forecast: object = None  # kpi_lib.forecast.Forecast
    coverage: object = None  # kpi_lib.coverage.Coverage
    #: files of the folder that were not read (file, reason, code), listed once
    ignored: pd.DataFrame | None = None

    def value(self, metric: str, month: str | None = None) -> float:
        """The metric's value (NaN when n/a) for ``month`` (default: the report month)."""
        row = self._row(metric, month or self.month)
        return float("nan") if row is None else row["value"]

    def na_reason(self, metric: str, month: str | None = None) -> str | None:
        row = self._row(metric, month or self.month)
        return "no_data" if row is None else row["na_reason"]

    def _row(self, metric: str, month: str) -> pd.Series | None:
        hit = self.cube[(self.cube["metric"] == metric) & (self.cube["month"] == month)]
        return None if hit.empty else hit.iloc[0]


def load_store_month(
    store: str, month: str, lang: str = "zh", data: str | Path | None = None
) -> StoreMonth:
    """Load everything the store report needs for ``store`` in ``month``.

    ``data=None`` uses the demo data (generated on first use), so that the notebook runs
    top to bottom with its default parameters.
    """
    check_store_format(store)
    check_month_format(month)
    check_lang(lang)
    data_dir = Path(data) if data else _demo_data()
    months = [month, previous_month(month), previous_month(month, 12)]
    with open_warehouse(data_dir) as wh:
        info = store_info(wh.con, store)
        cube = compute_cube(wh.con, months, stores=[store])
        every = wh.con.execute(
            'SELECT file, "row", "column", reason, code FROM _issues ORDER BY file, "row"'
        ).df()
        unread = every["code"].isin(IGNORED_CODES)
        issues = every[~unread].reset_index(drop=True)
        ignored = every[unread][["file", "reason", "code"]].reset_index(drop=True)
        files = wh.con.execute(
            "SELECT table_name, file, rows_read, rows_kept FROM _files ORDER BY table_name"
        ).df()
        network = compare_month(wh.con, month)
        findings = diagnose(wh.con, month, store, lang, compare=network)
        sections = {
            "delivery_mix": load_delivery_mix(wh.con, store, month),
            "traffic": load_traffic(wh.con, store, month),
            "trends": load_trends(wh.con, store, month),
            "consultants": load_consultants(wh.con, store, month),
            "pipeline": load_pipeline(wh.con, store, month),
            "forecast": load_forecast(wh.con, store, month),
            "coverage": store_coverage(wh.con, store, month),
        }
    return StoreMonth(info, month, lang, cube.reset_index(drop=True), issues, files, network,
                      findings, **sections, ignored=ignored)


def _demo_data() -> Path:
    marker = paths.DEMO_DATA / ".complete"
    if not marker.exists():
        from .demo import generate

        generate(paths.DEMO_DATA)
        marker.touch()
    return paths.DEMO_DATA


def header_markdown(sm: StoreMonth) -> str:
    """Title block: report title, store, region and month."""
    lang, s = sm.lang, {k: escape_markdown(v) for k, v in sm.store.items()}
    parts = [
        f"**{text('store', lang)}**: {s['store_id']} {s['store_name'] or ''}".rstrip(),
        f"**{text('region', lang)}**: {s['region'] or text('na', lang)}",
    ]
    if s.get("city"):
        parts.append(f"**{text('city', lang)}**: {s['city']}")
    parts.append(f"**{text('month', lang)}**: {month_label(sm.month, lang)}")
    return f"# {text('report_title', lang)}\n\n" + " · ".join(parts)


def escape_markdown(value: object) -> str | None:
    """A data value made inert inside Markdown: HTML escaped, Markdown markup backslashed."""
    if value is None:
        return None
    marked = re.sub(r"([\\`*_{}\[\]()#+!|~-])", r"\\\1", str(value))
    return html.escape(marked, quote=True)


def coverage_markdown(sm: StoreMonth) -> str:
    """Where the numbers come from and which sections lack their input ("" when complete)."""
    lang, cov = sm.lang, sm.coverage
    lines = []
    if cov.from_workbook:
        lines.append(text("coverage_workbook", lang))
    if cov.missing:
        sep = "；" if lang == "zh" else "; "
        parts = sep.join(text("coverage_item", lang, section=text(section, lang),
                              table=text(f"table_{table}", lang))
                         for section, table in cov.missing)
        lines.append(text("coverage_missing", lang, sections=parts))
    return "\n\n".join(f"> {line}" for line in lines)


def heading(key: str, lang: str, level: int = 2) -> str:
    """A section heading from the catalogue, as Markdown."""
    return f"{'#' * level} {text(key, lang)}"


def summary_frame(sm: StoreMonth) -> pd.DataFrame:
    """KPI summary: this month, last month, same month last year and both changes."""
    lang = sm.lang
    last, last_year = previous_month(sm.month), previous_month(sm.month, 12)
    rows = []
    for metric_id in report_config()["summary_metrics"]:
        m = REGISTRY[metric_id]
        now, before, year_ago = (sm.value(metric_id, mo) for mo in (sm.month, last, last_year))
        rows.append({
            text("col_kpi", lang): m.zh if lang == "zh" else m.en,
            text("col_this_month", lang): _cell(sm, metric_id, sm.month),
            text("col_last_month", lang): _cell(sm, metric_id, last),
            text("col_last_year", lang): _cell(sm, metric_id, last_year),
            text("col_mom", lang): format_change(now, before, m.unit, lang),
            text("col_yoy", lang): format_change(now, year_ago, m.unit, lang),
        })
    return pd.DataFrame(rows)


def _cell(sm: StoreMonth, metric_id: str, month: str) -> str:
    value = sm.value(metric_id, month)
    shown = format_value(value, REGISTRY[metric_id].unit, sm.lang)
    if is_na(value):
        reason = sm.na_reason(metric_id, month) or "no_data"
        shown += _NA_MARKS.get(reason, "")
    return shown


_NA_MARKS = {"no_data": "¹", "zero_denominator": "²"}


def na_footnote(sm: StoreMonth) -> str:
    """Footnote explaining the n/a marks used in the summary."""
    lang = sm.lang
    reasons = "；".join if lang == "zh" else "; ".join
    return text(
        "na_footnote", lang,
        reasons=reasons(f"{mark} {text('na_' + code, lang)}" for code, mark in _NA_MARKS.items()),
    )


def styled(frame: pd.DataFrame, numeric_from: int = 1, *, compact: bool = False) -> Styler:
    """A display table: no index, cells HTML-escaped, numbers right-aligned, our CSS class.

    ``compact`` uses smaller type for wide tables (the benchmark comparison).
    """
    css = "kpi-table compact" if compact else "kpi-table"
    styler = (frame.style.hide(axis="index").format(escape="html")
              .format_index(escape="html", axis=1)
              .set_table_attributes(f'class="{css}"'))
    numeric = list(frame.columns[numeric_from:])
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
        styler = styler.set_table_styles(
            {c: [{"selector": "th", "props": "text-align: right"}] for c in numeric},
            overwrite=False,
        )
    return styler


def funnel_stages(sm: StoreMonth) -> pd.DataFrame:
    """Funnel stages for the chart: label, count (NaN when n/a), rate from the stage before."""
    values = [sm.value(metric) for _, metric in FUNNEL_STAGES]
    rates = [float("nan")] + [
        cur / prev if not (is_na(cur) or is_na(prev) or prev == 0) else float("nan")
        for prev, cur in zip(values, values[1:], strict=False)
    ]
    return pd.DataFrame({
        "stage": [text(key, sm.lang) for key, _ in FUNNEL_STAGES],
        "value": values,
        "rate": rates,
    })


def quality_summary(sm: StoreMonth) -> tuple[str, pd.DataFrame]:
    """Sentence and per-file table of rows read, used and quarantined."""
    lang, files = sm.lang, sm.files
    read, kept = int(files["rows_read"].sum()), int(files["rows_kept"].sum())
    sentence = (text("dq_clean", lang, read=f"{read:,}") if read == kept else
                text("dq_summary", lang, read=f"{read:,}", quarantined=f"{read - kept:,}"))
    if sm.ignored is not None and len(sm.ignored):
        sep = "；" if lang == "zh" else "; "
        listed = sep.join(f"{f}（{translate_reason(c, r, lang).removeprefix('未读取：')}）"
                          if lang == "zh" else f"{f} ({r.removeprefix('not read: ')})"
                          for f, r, c in
                          zip(sm.ignored["file"], sm.ignored["reason"], sm.ignored["code"],
                              strict=True))
        sentence += " " + text("dq_ignored", lang, files=escape_markdown(listed))
    table = pd.DataFrame({
        text("dq_col_table", lang): files["table_name"],
        text("dq_col_file", lang): files["file"],
        text("dq_col_read", lang): files["rows_read"].map("{:,}".format),
        text("dq_col_kept", lang): files["rows_kept"].map("{:,}".format),
        text("dq_col_quarantined", lang): (files["rows_read"] - files["rows_kept"]).map(
            "{:,}".format),
    })
    return sentence, table


def quality_examples(sm: StoreMonth) -> pd.DataFrame:
    """The first quarantined rows (file, row, column, reason)."""
    lang, n = sm.lang, report_config()["quality_examples"]
    head = sm.issues.head(n)
    return pd.DataFrame({
        text("dq_col_file", lang): head["file"],
        text("dq_col_row", lang): head["row"].map(lambda r: "" if pd.isna(r) else f"{int(r)}"),
        text("dq_col_column", lang): head["column"].fillna(""),
        text("dq_col_reason", lang): [translate_reason(code, reason, lang)
                                      for code, reason in zip(head["code"], head["reason"],
                                                              strict=True)],
    })
