"""What the store-report notebook shows, computed here so the notebook stays thin.

``load_store_month`` reads the warehouse once and computes the KPI cube for the report
month, the month before and the same month last year; the other functions turn that into
display-ready tables (pandas Styler) and figure inputs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler

from .. import paths
from ..analysis.consultants import load_consultants
from ..analysis.delivery_mix import load_delivery_mix
from ..analysis.diagnosis import diagnose
from ..analysis.forecast import load_forecast
from ..analysis.pipeline import load_pipeline
from ..analysis.traffic import load_traffic
from ..analysis.trends import load_trends
from ..errors import IGNORED_CODES
from ..formatting import format_change, format_value, is_na
from ..i18n import check_lang, data_value, in_sentence, list_sep, month_label, text
from ..ingest.inputs import check_store_format
from ..ingest.warehouse import open_warehouse, store_info
from ..metrics.comparison import compare_month
from ..metrics.coverage import store_coverage
from ..metrics.cube import compute_cube
from ..metrics.month_progress import (
    PARTIAL_HISTORY,
    history_incomplete,
    mark_partial_periods,
    store_data_start,
    store_month,
)
from ..metrics.months import previous_month
from ..metrics.periods import (
    check_period_format,
    is_month,
    period_months,
    previous_period,
    same_period_last_year,
)
from ..metrics.registry import REGISTRY, kpi_label_ids
from ..metrics.settings import report_config
from ..metrics.workbook_check import workbook_checks

FUNNEL_STAGES: tuple[tuple[str, str | None], ...] = (
    ("visits", None),
    ("new_leads", "lead_capture_rate"),
    ("test_drives", "test_drive_rate"),
    ("negotiations", "negotiation_rate"),
    ("walk_in_orders", "negotiation_close_rate"),
    ("deliveries", "delivery_conversion"),
)
"""The funnel chart's stages: a registry count and the registry rate whose numerator it
is (the same KPI, label and value as in the tables). Each rate keeps its own denominator,
so no ratio of two neighbouring bars of different cohorts is drawn as a conversion."""

#: KPIs built on stocks open at the month start (leads / orders carried into the month):
#: incomplete in the first ``history_warmup_months`` of a store's data (params/report.yml).
CARRIED_LEAD_KPIS = frozenset({"carried_leads", "conversion_a", "orders_carried_leads",
                               "carried_orders", "delivery_conversion", "lost_rate"})

#: How a month-to-date value is paced to the whole month (按进度折算): +1 divides by the
#: elapsed share (counts of register rows, and ratios over a fixed whole-month base such as
#: target completion), −1 multiplies by it (whole-month spend over month-to-date counts).
#: Orders and deliveries use the elapsed share by their own profile
#: (:func:`kpi_lib.metrics.month_progress.store_month`), the rest the visits'. Other KPIs (rates,
#: stocks at the month start, monthly spend) are not paced.
PACED = {"visits": 1, "first_visits": 1, "repeat_visits": 1, "captured_visits": 1,
         "invited_visits": 1, "calls": 1, "new_leads": 1, "test_drives": 1, "negotiations": 1,
         "lost_leads": 1, "orders": 1, "orders_new_leads": 1, "orders_carried_leads": 1,
         "walk_in_orders": 1, "cancellations": 1, "deliveries": 1, "target_completion": 1,
         "delivered_revenue": 1, "cost_per_visit": -1, "cost_per_lead": -1,
         "cost_per_order": -1}
_PACE_MEASURE = {"orders": "orders", "orders_new_leads": "orders",
                 "orders_carried_leads": "orders", "walk_in_orders": "orders",
                 "cancellations": "orders", "cost_per_order": "orders",
                 "deliveries": "deliveries", "target_completion": "deliveries",
                 "delivered_revenue": "deliveries"}


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
    findings: list  # kpi_lib.analysis.diagnosis.Finding of this store, by impact
    delivery_mix: object = None  # kpi_lib.analysis.delivery_mix.DeliveryMix
    traffic: object = None  # kpi_lib.analysis.traffic.Traffic
    trends: object = None  # kpi_lib.analysis.trends.Trends
    consultants: object = None  # kpi_lib.analysis.consultants.Consultants
    pipeline: object = None  # kpi_lib.analysis.pipeline.Pipeline
    forecast: object = None  # kpi_lib.analysis.forecast.Forecast
    coverage: object = None  # kpi_lib.metrics.coverage.Coverage
    #: files of the folder that were not read (file, reason, code), listed once
    ignored: pd.DataFrame | None = None
    #: how far the store's own data run into the month (kpi_lib.metrics.month_progress.store_month)
    progress: dict = field(default_factory=dict)
    #: the store's first register date (None: no data), for the history warm-up rule
    data_start: date | None = None
    #: evidence rows of checks only worth watching (kpi_lib.analysis.diagnosis.evaluate)
    watched: list = field(default_factory=list)
    #: what the brand workbook gave the whole folder: (store sheets, KPI rows with a value,
    #: monthly values); None without a workbook
    workbook_read: tuple[int, int, int] | None = None
    #: this store's derived workbook cells that differ from their recomputation
    #: (kpi_lib.metrics.workbook_check.CHECK_COLUMNS); None without the warehouse table
    workbook_checks: pd.DataFrame | None = None
    #: for a period of several months: the compare table of its last month (how much the
    #: period's volume adds to what a single month can judge)
    last_month_network: pd.DataFrame | None = None
    _rows: dict | None = field(default=None, init=False, repr=False, compare=False)

    def value(self, metric: str, month: str | None = None) -> float:
        """The metric's value (NaN when n/a) for ``month`` (default: the report month)."""
        row = self._row(metric, month or self.month)
        return float("nan") if row is None else row["value"]

    def na_reason(self, metric: str, month: str | None = None) -> str | None:
        row = self._row(metric, month or self.month)
        return "no_data" if row is None else row["na_reason"]

    @property
    def is_period(self) -> bool:
        """The report covers a period of several months (a quarter, year or range)."""
        return not is_month(self.month)

    @property
    def previous(self) -> str:
        """The month (or period of the same length) before the report's."""
        return previous_period(self.month)

    @property
    def last_year(self) -> str:
        """The report's month (or period) a year earlier."""
        return same_period_last_year(self.month)

    @property
    def partial(self) -> bool:
        """The store's own data stop inside the report month."""
        p = self.progress
        return bool(p) and not p.get("complete", True) and p.get("data_end") is not None

    @property
    def no_data(self) -> bool:
        """The store's data end before the report month (or it has none)."""
        return bool(self.progress) and self.progress.get("data_end") is None

    @property
    def share(self) -> float:
        """Elapsed share of the report month by the visits' profile (1 when complete, NaN
        without data)."""
        return self.share_of("visits")

    def share_of(self, measure: str) -> float:
        """Elapsed share by ``measure``'s profile: visits, orders or deliveries."""
        if not self.progress or self.progress.get("complete"):
            return 1.0
        key = "elapsed_share" if measure == "visits" else f"share_{measure}"
        share = self.progress.get(key)
        return float("nan") if share is None else float(share)

    def pace_share(self, metric: str) -> float:
        """The elapsed share ``metric`` is paced with (1 for a complete month)."""
        return self.share_of(_PACE_MEASURE.get(metric, "visits")) if self.partial else 1.0

    def paced(self, metric: str, month: str | None = None) -> float:
        """The value of ``metric`` paced to the whole month (see :data:`PACED`): the value
        itself for a complete month or a KPI that is not paced."""
        month = month or self.month
        value = self.value(metric, month)
        power = PACED.get(metric, 0)
        if month != self.month or not self.partial or power == 0 or is_na(value):
            return value
        share = self.pace_share(metric)
        return value / share ** power if share > 0 else float("nan")

    def history_incomplete(self, metric: str, month: str | None = None) -> bool:
        """A carried-lead KPI in a month within the store's history warm-up."""
        return metric in CARRIED_LEAD_KPIS and history_incomplete(
            self.data_start, month or self.month, report_config()["history_warmup_months"])

    def _row(self, metric: str, month: str) -> pd.Series | None:
        if self._rows is None:  # (metric, month) -> its first row's position, once
            keys = zip(self.cube["metric"].tolist(), self.cube["month"].tolist(), strict=True)
            self._rows = {k: i for i, k in reversed(list(enumerate(keys)))}
        i = self._rows.get((metric, month))
        return None if i is None else self.cube.iloc[i]


def load_store_month(
    store: str, month: str, lang: str = "zh", data: str | Path | None = None
) -> StoreMonth:
    """Load everything the store report needs for ``store`` in ``month``.

    ``data=None`` uses the demo data (generated on first use), so that the notebook runs
    top to bottom with its default parameters.
    """
    check_store_format(store)
    check_period_format(month)
    check_lang(lang)
    data_dir = Path(data) if data else paths.DEMO_DATA
    months = [month, previous_period(month), same_period_last_year(month)]
    inside = period_months(month) if not is_month(month) else []
    with open_warehouse(data_dir) as wh:
        info = store_info(wh.con, store)
        cube = compute_cube(wh.con, [*months, *inside], stores=[store])
        every = wh.con.execute(
            'SELECT file, "row", "column", reason, code, store_id FROM _issues '
            'ORDER BY file, "row"'
        ).df()
        unread = every["code"].isin(IGNORED_CODES)
        issues = every[~unread].reset_index(drop=True)
        ignored = every[unread][["file", "reason", "code"]].reset_index(drop=True)
        files = wh.con.execute(
            "SELECT table_name, file, rows_read, rows_kept FROM _files ORDER BY table_name"
        ).df()
        network = compare_month(wh.con, month)
        watched: list = []
        findings = diagnose(wh.con, month, store, lang, compare=network, watched=watched)
        sections = _sections(wh.con, store, month)
        progress = store_month(wh.con, store, month)
        start = store_data_start(wh.con).get(store)
        sheets, kpi_rows, values = wh.con.execute(
            "SELECT count(DISTINCT store_id), count(DISTINCT (store_id, metric)), count(*) "
            "FROM workbook_kpis").fetchone()
        checks = workbook_checks(wh.con, store)
        last_month = (None if is_month(month) else
                      compare_month(wh.con, period_months(month)[-1]))
    if not is_month(month):
        cube = mark_partial_periods(cube, start)
    return StoreMonth(info, month, lang, cube.reset_index(drop=True), issues, files, network,
                      findings, **sections, ignored=ignored, progress=progress,
                      data_start=start, watched=watched,
                      workbook_read=(sheets, kpi_rows, values) if values else None,
                      workbook_checks=checks, last_month_network=last_month)


def _sections(con, store: str, month: str) -> dict[str, object]:
    """The section data of a month, or of a period: its delivery mix and consultants over
    the period, the lead pipeline at its end (its last month's); no month-end forecast,
    traffic detail or monthly trend warnings (a period report says where to read them)."""
    common = {"delivery_mix": load_delivery_mix(con, store, month),
              "consultants": load_consultants(con, store, month),
              "coverage": store_coverage(con, store, month)}
    if not is_month(month):
        return {**common, "pipeline": load_pipeline(con, store, period_months(month)[-1])}
    return {**common, "traffic": load_traffic(con, store, month),
            "trends": load_trends(con, store, month),
            "pipeline": load_pipeline(con, store, month),
            "forecast": load_forecast(con, store, month)}


def header_markdown(sm: StoreMonth) -> str:
    """Title block: report title, store, region and month."""
    lang, s = sm.lang, {k: escape_markdown(v) for k, v in sm.store.items()}
    parts = [
        f"**{text('store', lang)}**: {s['store_id']} {s['store_name'] or ''}".rstrip(),
        f"**{text('region', lang)}**: {data_value(s['region'], lang) or text('na', lang)}",
    ]
    if s.get("city"):
        parts.append(f"**{text('city', lang)}**: {s['city']}")
    parts.append(f"**{text('month', lang)}**: {month_label(sm.month, lang)}")
    head = f"# {text('report_title', lang)}\n\n" + " · ".join(parts)
    data = data_end_text(sm)
    return head + (f"\n\n**{data}**" if sm.partial or sm.no_data else f"\n\n{data}"
                   ) if data else head


def data_end_text(sm: StoreMonth) -> str:
    """Up to which date this store's own data run, and plainly whether the month is
    complete ("" without progress information)."""
    p, lang = sm.progress, sm.lang
    if not p:
        return ""
    if sm.no_data:
        last = p.get("last_date")
        return (text("header_data_none_at_all", lang) if last is None else
                text("header_data_none", lang, date=last.isoformat()))
    if sm.partial:
        return text("header_data_partial", lang, date=p["data_end"].isoformat(),
                    elapsed=p["days_elapsed"], days=p["days_in_month"],
                    share=format_value(sm.share, "rate", lang))
    return text("header_data_complete", lang, date=p["data_end"].isoformat())


def escape_markdown(value: object) -> str | None:
    """A data value made inert inside Markdown: HTML escaped, Markdown markup backslashed,
    and no autolink: ``http://``, ``www.`` get an entity (``http&#58;//``), which the
    Markdown renderer shows as the plain character. Text from the data is never a link or
    an image."""
    if value is None:
        return None
    marked = re.sub(r"([\\`*_{}\[\]()#+!|~-])", r"\\\1", str(value))
    escaped = html.escape(marked, quote=True)
    escaped = re.sub(r":(?=//)", "&#58;", escaped)
    return re.sub(r"(?i)\b(www)\.", r"\1&#46;", escaped)


def coverage_markdown(sm: StoreMonth) -> str:
    """Where the numbers come from and which sections lack their input ("" when complete)."""
    lang, cov = sm.lang, sm.coverage
    lines = []
    if cov.from_workbook:
        lines.append(text("coverage_workbook", lang))
    if cov.missing:
        sep = list_sep(lang, "clauses")
        parts = sep.join(text("coverage_item", lang, section=text(section, lang),
                              table=text(f"table_{table}", lang))
                         for section, table in cov.missing)
        lines.append(text("coverage_missing", lang, sections=parts))
    return "\n\n".join(f"> {line}" for line in lines)


def heading(key: str, lang: str, level: int = 2) -> str:
    """A section heading from the catalogue, as Markdown."""
    return f"{'#' * level} {text(key, lang)}"


def summary_frame(sm: StoreMonth) -> pd.DataFrame:
    """KPI summary: this month, last month, same month last year and both changes.

    A carried-lead KPI (:data:`CARRIED_LEAD_KPIS`) of a month within the store's history
    warm-up is marked † (value and the changes it enters); in a month whose data stop
    early the changes are marked ‡ and compare the paced value
    (:meth:`StoreMonth.paced`) with the whole months (see :func:`na_footnote`).
    """
    lang = sm.lang
    last, last_year = sm.previous, sm.last_year
    rows = []
    for metric_id in report_config()["summary_metrics"]:
        m = REGISTRY[metric_id]
        now, before, year_ago = (sm.value(metric_id, mo) for mo in (sm.month, last, last_year))
        if sm.partial:
            now = sm.paced(metric_id)
        dagger = {mo: HISTORY_MARK if sm.history_incomplete(metric_id, mo) else ""
                  for mo in (sm.month, last, last_year)}
        pace = PARTIAL_MARK if sm.partial else ""

        def change(base: str, value: float, *, _now=now, _d=dagger, _p=pace, _u=m.unit) -> str:
            shown = format_change(_now, value, _u, lang)
            if shown == text("na", lang):
                return shown
            return shown + (_d[sm.month] or _d[base]) + _p

        rows.append({
            text("col_kpi", lang): m.label(lang),
            text("col_this_month", lang): _cell(sm, metric_id, sm.month) + dagger[sm.month],
            text("col_last_month", lang): _cell(sm, metric_id, last) + dagger[last],
            text("col_last_year", lang): _cell(sm, metric_id, last_year) + dagger[last_year],
            text("col_mom", lang): change(last, before),
            text("col_yoy", lang): change(last_year, year_ago),
        })
    return pd.DataFrame(rows)


#: Marks of the KPI summary: a value within the history warm-up; a paced comparison.
HISTORY_MARK, PARTIAL_MARK = "†", "‡"


def _cell(sm: StoreMonth, metric_id: str, month: str) -> str:
    value = sm.value(metric_id, month)
    shown = format_value(value, REGISTRY[metric_id].unit, sm.lang)
    if is_na(value):
        reason = sm.na_reason(metric_id, month) or "no_data"
        shown += _NA_MARKS.get(reason, "")
    return shown


_NA_MARKS = {"no_data": "¹", "zero_denominator": "²", PARTIAL_HISTORY: "³"}


def na_footnote(sm: StoreMonth) -> str:
    """Footnote explaining the marks used in the summary: n/a reasons, and — when used —
    the history warm-up (†) and the month not complete (‡)."""
    lang = sm.lang
    reasons = list_sep(lang, "clauses").join
    out = text(
        "na_footnote", lang,
        reasons=reasons(f"{mark} {text('na_' + code, lang)}" for code, mark in _NA_MARKS.items()
                        if code != PARTIAL_HISTORY or sm.is_period),
    )
    notes = [n for n in (history_footnote(sm), partial_footnote(sm)) if n]
    return "\n\n".join([out, *notes])


def history_footnote(sm: StoreMonth) -> str:
    """What † means, with the store's data start and warm-up months ("" when unused)."""
    months = [sm.month, sm.previous, sm.last_year]
    shown = [k for k in report_config()["summary_metrics"] if k in CARRIED_LEAD_KPIS]
    if sm.data_start is None or not any(sm.history_incomplete(k, mo)
                                        for k in shown for mo in months):
        return ""
    n = report_config()["history_warmup_months"]
    first = sm.data_start.strftime("%Y-%m")
    sep = "、" if sm.lang == "zh" else ", "
    return text("history_footnote", sm.lang, start=sm.data_start.isoformat(), n=n,
                first=month_label(first, sm.lang),
                last=month_label(previous_month(first, 1 - n), sm.lang),
                kpis=sep.join(in_sentence(REGISTRY[k].label(sm.lang), sm.lang)
                              for k in shown))


def partial_footnote(sm: StoreMonth) -> str:
    """What ‡ means: the store's data end and how the month is paced ("" when complete)."""
    if not sm.partial:
        return ""
    p = sm.progress
    return text("partial_footnote", sm.lang, date=p["data_end"].isoformat(),
                elapsed=p["days_elapsed"], days=p["days_in_month"],
                share=format_value(sm.share, "rate", sm.lang))


_VERDICT_COLUMNS = {text("col_verdict", lang) for lang in ("zh", "en")}
_TONES = {**{text("verdict_clearly_worse", lang): "color: #b3261e; font-weight: 600"
             for lang in ("zh", "en")},
          **{text("verdict_clearly_better", lang): "color: #1b7f3b; font-weight: 600"
             for lang in ("zh", "en")}}


def _verdict_color(cell: object) -> str:
    """Red for a clearly worse verdict, green for a clearly better one."""
    words = str(cell).rsplit(" ", 1)[0]
    return _TONES.get(words, "")


_MARKS = "†‡*¹²³⁴⁵ "


def kpis_named(frame: pd.DataFrame | None) -> list[str]:
    """The registry KPI ids a display table names in its headers or
    first column, in either language, footnote marks stripped; none for an empty table."""
    if frame is None or frame.empty:
        return []
    known = {**kpi_label_ids("zh"), **kpi_label_ids("en")}
    labels = (*frame.columns, *frame.iloc[:, 0].tolist())
    return list(dict.fromkeys(hit for label in labels
                              if (hit := known.get(str(label).rstrip(_MARKS)))))


def styled(frame: pd.DataFrame, numeric_from: int = 1, *, compact: bool = False) -> Styler:
    """A display table: no index, cells HTML-escaped, numbers right-aligned, our CSS class.

    ``compact`` uses smaller type for wide tables (the benchmark comparison).
    """
    css = "kpi-table compact" if compact else "kpi-table"
    styler = (frame.style.hide(axis="index").format(escape="html")
              .format_index(escape="html", axis=1)
              .set_table_attributes(f'class="{css}"'))
    verdicts = [c for c in frame.columns if c in _VERDICT_COLUMNS]
    if verdicts:  # favourable deviations look favourable, unfavourable ones not
        styler = styler.map(_verdict_color, subset=verdicts)
    numeric = list(frame.columns[numeric_from:])
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
        styler = styler.set_table_styles(
            {c: [{"selector": "th", "props": "text-align: right"}] for c in numeric},
            overwrite=False,
        )
    return styler


def funnel_stages(sm: StoreMonth) -> pd.DataFrame:
    """Funnel stages for the chart: the count's label and value (NaN when n/a), and the
    registry rate of that stage (``rate_label``, ``rate``; none for the first stage)."""
    lang = sm.lang
    return pd.DataFrame({
        "stage": [REGISTRY[count].label(lang) for count, _ in FUNNEL_STAGES],
        "value": [sm.value(count) for count, _ in FUNNEL_STAGES],
        "rate_label": [REGISTRY[rate].label(lang) if rate else "" for _, rate in FUNNEL_STAGES],
        "rate": [sm.value(rate) if rate else float("nan") for _, rate in FUNNEL_STAGES],
    })


def funnel_note(lang: str) -> str:
    """What the funnel chart shows, with each rate's registry definition."""
    sep = list_sep(lang, "clauses")
    rates = [REGISTRY[rate] for _, rate in FUNNEL_STAGES if rate]
    definitions = sep.join(
        f"{m.label(lang)} = {m.definition_zh if lang == 'zh' else m.definition}"
        for m in rates)
    return text("funnel_note", lang, definitions=definitions)
