"""The store's month as an Excel workbook in the brand's template layout (openpyxl).

Sheets (names from the catalogue):

1. vertical (纵向比较): the template's KPI rows (``params/excel.yml``, registry ids) ×
   January–December of the report's year and a year-total column — sums for counts and
   money, pooled Σ numerator / Σ denominator for ratios, empty for month-start stocks
   (carried leads/orders: adding months up means nothing). Months after the report month
   are empty; months outside the data are empty with a note on their header;
2. horizontal (横向比较): the same rows × 本店, 全国平均, 区域平均, 全国标杆, 区域标杆, 对标门店 and
   the verdict, from the month's compare table (:func:`kpi_lib.metrics.comparison.compare_month`);
3. consultants (销售顾问), 4. findings (诊断), 5. improvement plan (改进计划), and — when the
   plan of the next month is given (:func:`kpi_lib.report.plan_tables.load_plan`) —
6. target breakdown (目标分解: store → consultants → weeks, :mod:`kpi_lib.report.plan_tables`).

Cells follow :mod:`kpi_lib.report.excel_style`: values, never formulas; n/a is an empty cell with
a comment giving the reason; ¥ / 0.0% / #,##0 formats; texts from data neutralised
against formula injection. The year's KPI cube is read by :func:`load_year_cube` (the only
I/O besides :func:`write_store_workbook`); everything else only formats.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..analysis.consultants import column_label, improvement_plan_frame
from ..analysis.diagnosis import evidence_line
from ..i18n import check_lang, data_value, list_sep, month_label, text, verdict_words
from ..metrics.cube import CUBE_COLUMNS, compute_cube
from ..metrics.periods import is_month, period_months
from .excel_style import (
    TemplateRow,  # noqa: F401  (re-exported)
    fit_columns,
    is_na,
    message,
    note,
    print_setup,
    put,
    shade_row,
    start_sheet,
    template_rows,
)

SCOPES = ("national_avg", "regional_avg", "national_best", "regional_best", "peers")


# --------------------------------------------------------------------------- data (I/O)


def year_months(month: str) -> list[str]:
    """January … ``month`` of the report's year (a period: up to its last month)."""
    month = period_months(month)[-1]
    return [f"{month[:4]}-{m:02d}" for m in range(1, int(month[5:7]) + 1)]


def year_cube(con, store: str, month: str) -> pd.DataFrame:
    """The store's KPI cube for January … ``month``, months outside the data left out."""
    from ..ingest.warehouse import data_months

    first, last = data_months(con)
    months = [m for m in year_months(month) if first and first <= m <= last]
    if not months:
        return pd.DataFrame(columns=list(CUBE_COLUMNS))
    return compute_cube(con, months, stores=[store])


def load_year_cube(data_dir: str | Path, store: str, month: str) -> pd.DataFrame:
    """:func:`year_cube` read from the warehouse of ``data_dir``."""
    from ..ingest.warehouse import open_warehouse

    with open_warehouse(Path(data_dir)) as wh:
        return year_cube(wh.con, store, month)


# --------------------------------------------------------------------------- values


def _na(reason: str | None, lang: str) -> str:
    return text("na_" + (reason or "no_data"), lang)


def _cell_value(cells: pd.DataFrame, row: TemplateRow, month: str) -> tuple[float, str | None]:
    """(value, na_reason code) of a template row in a month of the year cube."""
    if row.part is None:
        if (row.metric, month) not in cells.index:
            return math.nan, "no_data"
        hit = cells.loc[(row.metric, month)]
        return float(hit["value"]), hit["na_reason"]
    values = [cells.loc[(p, month), "value"] if (p, month) in cells.index else math.nan
              for p in row.parts]
    total = float(sum(values))
    return total, ("no_data" if math.isnan(total) else None)


def _year_total(cells: pd.DataFrame, row: TemplateRow, months: list[str],
                lang: str) -> tuple[float, str | None]:
    """(total, reason text): Σ for counts and money, pooled ratio for ratios, none for stocks."""
    if row.is_stock:
        return math.nan, text("excel_na_stock", lang)
    if row.is_ratio:
        sub = cells.xs(row.metric, level="metric").reindex(months)
        known = sub[sub["numerator"].notna() & sub["denominator"].notna()]
        if known.empty:
            return math.nan, _na("no_data", lang)
        den = float(known["denominator"].sum())
        if den == 0:
            return math.nan, _na("zero_denominator", lang)
        reason = None if len(known) == len(months) else text(
            "excel_total_partial", lang, n=len(known))
        return float(known["numerator"].sum()) / den, reason
    values = [_cell_value(cells, row, m)[0] for m in months]
    known = [v for v in values if not math.isnan(v)]
    if not known:
        return math.nan, _na("no_data", lang)
    reason = None if len(known) == len(months) else text("excel_total_partial", lang, n=len(known))
    return float(sum(known)), reason


# --------------------------------------------------------------------------- sheets


def _title(sheet_key: str, store: dict, month: str, lang: str) -> str:
    return text("excel_title", lang, sheet=text(sheet_key, lang), store=store["store_id"],
                name=store.get("store_name") or "", month=month_label(month, lang))


def _info(store: dict, lang: str) -> list[tuple[str, object]]:
    """Label/value pairs of the info row: store id, store name, region."""
    return [(text("store", lang), store["store_id"]),
            (text("excel_store_name", lang), store.get("store_name") or None),
            (text("region", lang), data_value(store.get("region"), lang) or text("na", lang))]


def _new_sheet(wb: Workbook, key: str, lang: str) -> Worksheet:
    ws = wb.create_sheet(text(key, lang))
    print_setup(ws, text("excel_footer", lang))
    return ws


def add_vertical_sheet(wb: Workbook, cube: pd.DataFrame, store: dict, month: str,
                       lang: str, *, sheet_name: str | None = None) -> Worksheet:
    """纵向比较: template rows × January–December of ``month``'s year, and the year total.

    ``cube`` is the store's cube of that year (:func:`year_cube`); a month up to ``month``
    without rows in it is outside the data. Usable on its own: with ``sheet_name`` =
    the store id it is a store sheet of the brand workbook that :mod:`kpi_lib.ingest.brand_workbook`
    reads back (门店名称, 区域 and 年份 cells above the header, 1月…12月 in zh).
    """
    ws = _new_sheet(wb, "excel_sheet_vertical", lang)
    if sheet_name:
        ws.title = sheet_name
    year, upto = int(month[:4]), int(month[5:7])
    headers = [text("excel_col_kpi", lang), *(text(f"excel_month_{m}", lang) for m in range(1, 13)),
               text("excel_col_total", lang)]
    info = [*_info(store, lang), (text("excel_year", lang), year)]
    first = start_sheet(ws, _title("excel_sheet_vertical", store, month, lang), info, headers)
    cells = cube.set_index(["metric", "month"]).sort_index()
    present = set(cube["month"])
    months = [m for m in year_months(month) if m in present]
    for m in range(1, upto + 1):
        if f"{year}-{m:02d}" not in present:
            note(ws.cell(row=first - 1, column=1 + m), text("excel_month_outside_data", lang))
    note(ws.cell(row=first - 1, column=14), text("excel_total_note", lang))
    for i, row in enumerate(template_rows()):
        r = first + i
        put(ws, r, 1, row.label(lang))
        for mo in months:
            value, reason = _cell_value(cells, row, mo)
            put(ws, r, 1 + int(mo[5:7]), value, row.unit, na_reason=_na(reason, lang))
        if months:
            total, why = _year_total(cells, row, months, lang)
            cell = put(ws, r, 14, total, row.unit, na_reason=why)
            if why and not is_na(total):
                note(cell, why)
    fit_columns(ws)
    return ws


def add_horizontal_sheet(wb: Workbook, network: pd.DataFrame, store: dict, month: str,
                         lang: str) -> Worksheet:
    """横向比较: template rows × this store, the four benchmarks, peers and the verdict.

    ``network`` is the month's compare table (every store, or this store's rows).
    """
    ws = _new_sheet(wb, "excel_sheet_horizontal", lang)
    headers = [text("excel_col_kpi", lang), text("col_store_value", lang),
               *(text(f"col_{s}", lang) for s in SCOPES), text("col_verdict", lang)]
    info = _info(store, lang)
    first = start_sheet(ws, _title("excel_sheet_horizontal", store, month, lang), info, headers)
    rows = network[network["store_id"] == store["store_id"]].set_index("metric")
    no_bench = text("excel_na_no_benchmark", lang)
    for i, row in enumerate(template_rows()):
        r, unit = first + i, row.unit
        put(ws, r, 1, row.label(lang))
        if row.part is not None:  # a ratio's part: the store's count, no benchmark of it
            rec = rows.loc[row.metric]
            value = rec[row.part]
            put(ws, r, 2, value, unit, na_reason=_na("no_data", lang))
            for col in range(3, 3 + len(SCOPES) + 1):
                put(ws, r, col, None, na_reason=no_bench)
            continue
        rec = rows.loc[row.metric]
        reason = _na(rec["na_reason"], lang)
        put(ws, r, 2, rec["value"], unit, na_reason=reason)
        for j, scope in enumerate(SCOPES):
            put(ws, r, 3 + j, rec[scope], unit, na_reason=no_bench)
        verdict = rec["verdict"]
        put(ws, r, 3 + len(SCOPES), None if verdict == "na" else verdict_words(
            verdict, rec["worse"], lang),
            na_reason=reason if is_na(rec["value"]) else no_bench)
    fit_columns(ws)
    return ws


#: consultant sheet columns: (catalogue key of the header, table column, unit)
_CONSULTANT_COLS = (
    ("consultants_col_name", "name", None), ("consultants_col_visits", "visits", "count"),
    ("consultants_col_new_leads", "new_leads", "count"),
    ("consultants_col_test_drive_rate", "test_drive_rate", "rate"),
    ("consultants_col_conversion", "conversion", "rate"),
    ("consultants_col_orders", "orders", "count"), ("excel_col_deliveries", "deliveries", "count"),
    ("excel_col_target", "target_units", "count"),
    ("consultants_col_completion", "completion", "rate"),
    ("consultants_col_completion_prev", "completion_prev", "rate"),
    ("consultants_col_completion_last_year", "completion_last_year", "rate"),
    ("consultants_col_avg_deal_value", "avg_deal_value", "yuan_per"),
    ("consultants_col_collection", "collection", "rate"),
    ("consultants_col_process", "process", "rate"), ("consultants_col_score", "score", "score"),
)
#: a rate's denominator column: 0 there → "zero denominator", else "no data"
_DENOMINATORS = {"test_drive_rate": "visits", "conversion": "new_leads",
                 "completion": "target_units", "avg_deal_value": "deliveries",
                 "collection": "receivable", "process": "due"}


def _consultant_reason(rec, column: str, lang: str) -> str:
    den = rec.get(_DENOMINATORS.get(column, ""), math.nan)
    return _na("zero_denominator" if not is_na(den) and den == 0 else "no_data", lang)


def add_consultant_sheet(wb: Workbook, data, store: dict, month: str, lang: str) -> Worksheet:
    """销售顾问: each consultant's KPIs, score, grade and flags, then the team row."""
    ws = _new_sheet(wb, "excel_sheet_consultants", lang)
    basis = data.params.completion_basis if data is not None else "units"
    headers = [column_label(k.removeprefix("consultants_col_"), lang, basis)
               if k.startswith("consultants_col_") else text(k, lang)
               for k, _, _ in _CONSULTANT_COLS]
    headers += [text("consultants_col_grade", lang), text("consultants_col_flags", lang)]
    info = _info(store, lang)
    first = start_sheet(ws, _title("excel_sheet_consultants", store, month, lang), info, headers)
    table = data.table if data is not None else pd.DataFrame()
    if table.empty:
        missing = data.missing if data is not None else []
        lines = [text(k, lang) for k in missing] or [text("excel_none", lang)]
        message(ws, first, "\n".join(lines), len(headers))
        fit_columns(ws)
        return ws
    team = dict(data.team, name=text("consultants_team", lang))
    records = [r for _, r in table.iterrows()] + [team]
    for i, rec in enumerate(records):
        r = first + i
        for j, (_, column, unit) in enumerate(_CONSULTANT_COLS, start=1):
            value = rec.get(column, math.nan)
            put(ws, r, j, value, unit, na_reason=_consultant_reason(rec, column, lang))
        if i < len(table):
            grade = rec["grade"]
            put(ws, r, len(_CONSULTANT_COLS) + 1,
                text("consultants_grade_" + grade, lang) if isinstance(grade, str) else None,
                na_reason=_na("no_data", lang))
            flags = [text("consultants_flag_" + k, lang) for k in ("excellent", "needs_improvement")
                     if bool(rec.get(k))]
            put(ws, r, len(_CONSULTANT_COLS) + 2, list_sep(lang, "clauses").join(flags) or None)
        else:
            shade_row(ws, r, len(headers))
    fit_columns(ws)
    return ws


def add_findings_sheet(wb: Workbook, findings: list, store: dict, month: str,
                       lang: str, none_text: str | None = None) -> Worksheet:
    """诊断: one row per finding — severity, rule, title, cause, evidence, impact, actions.

    ``none_text``: what to say without findings (the report's sentence, which names KPIs
    clearly worse than their benchmark when there are some)."""
    ws = _new_sheet(wb, "excel_sheet_findings", lang)
    keys = ("excel_col_no", "col_severity", "excel_col_rule", "col_finding", "finding_cause",
            "finding_evidence", "excel_col_impact_orders", "finding_impact", "finding_actions")
    info = _info(store, lang)
    first = start_sheet(ws, _title("excel_sheet_findings", store, month, lang), info,
                        [text(k, lang) for k in keys])
    if not findings:
        message(ws, first, none_text or text("diagnosis_none", lang), len(keys))
    for i, f in enumerate(findings):
        r = first + i
        impact = f.impact if f.impact and not is_na(f.impact) else None
        cells = (i + 1, text("severity_" + f.severity, lang), f.rule_id, f.title, f.cause,
                 "\n".join(evidence_line(ev, lang, plain_words=True) for ev in f.evidence), impact,
                 f.impact_text or None,
                 "\n".join(f"{n}. {a}" for n, a in enumerate(f.actions, start=1)))
        for j, value in enumerate(cells, start=1):
            put(ws, r, j, value, "count" if j == 1 else "decimal", wrap=j >= 4,
                na_reason=text("excel_no_impact", lang) if j in (7, 8) else None)
    fit_columns(ws)
    return ws


def add_plan_sheet(wb: Workbook, consultants, findings: list, store: dict, month: str,
                   lang: str) -> Worksheet:
    """改进计划: :func:`kpi_lib.analysis.consultants.improvement_plan_frame`, deadlines as dates."""
    ws = _new_sheet(wb, "excel_sheet_plan", lang)
    plan = (improvement_plan_frame(consultants, findings, lang) if consultants is not None
            else pd.DataFrame())
    info = _info(store, lang)
    keys = ("owner", "item", "measures", "deadline", "support", "effect")
    first = start_sheet(ws, _title("excel_sheet_plan", store, month, lang), info,
                        [text("consultants_plan_col_" + k, lang) for k in keys])
    if plan.empty:
        message(ws, first, text("excel_plan_none", lang), len(keys))
    for i, values in enumerate(plan.itertuples(index=False)):
        for j, (key, value) in enumerate(zip(keys, values, strict=True), start=1):
            if key == "deadline" and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            put(ws, first + i, j, value, wrap=j > 1)
    fit_columns(ws)
    return ws


# --------------------------------------------------------------------------- workbook


def _lang_of(sm, lang: str | None) -> str:
    lang = check_lang(lang or sm.lang)
    if lang != sm.lang:
        raise ValueError(f"the StoreMonth was loaded in {sm.lang!r}; its findings are worded "
                         f"in it — load it with lang={lang!r} for a {lang!r} workbook")
    return lang


def build_workbook(sm, lang: str | None = None, *, year_cube: pd.DataFrame,
                   plan=None) -> Workbook:
    """The five sheets for a :class:`kpi_lib.report.store_month.StoreMonth`, and the target
    breakdown when ``plan`` (a :class:`kpi_lib.report.plan_tables.PlanSection`) is given.

    ``year_cube``: the store's cube for January … the report month (:func:`load_year_cube`).
    """
    from .findings import findings_markdown  # the report's own sentence
    from .plan_tables import add_target_sheet

    lang = _lang_of(sm, lang)
    wb = Workbook()
    wb.remove(wb.active)
    store, month = sm.store, sm.month
    add_vertical_sheet(wb, year_cube, store, period_months(month)[-1], lang)
    add_horizontal_sheet(wb, sm.network, store, month, lang)
    add_consultant_sheet(wb, sm.consultants, store, month, lang)
    add_findings_sheet(wb, sm.findings, store, month, lang, findings_markdown(sm))
    add_plan_sheet(wb, sm.consultants, sm.findings, store, month, lang)
    if plan is not None:
        add_target_sheet(wb, plan, store, lang)
    wb.active = 0
    wb.properties.title = _title("excel_sheet_vertical", store, month, lang)
    wb.properties.creator = "kpi_lib"
    wb.properties.language = "zh-CN" if lang == "zh" else "en"
    return wb


def workbook_bytes(sm, lang: str | None = None, *, year_cube: pd.DataFrame,
                   plan=None) -> bytes:
    """:func:`build_workbook` as the bytes of an .xlsx file (for an atomic publish)."""
    buffer = io.BytesIO()
    build_workbook(sm, lang, year_cube=year_cube, plan=plan).save(buffer)
    return buffer.getvalue()


def write_store_workbook(data, out: str | Path, lang: str | None = None, *,
                         data_dir: str | Path | None = None,
                         year_cube: pd.DataFrame | None = None) -> Path:
    """Write the workbook of ``data`` (a StoreMonth) to ``out`` atomically; return ``out``.

    The year's cube is ``year_cube`` or read from ``data_dir``; one of them is required.
    With ``data_dir`` a monthly report's workbook also gets the next month's target
    breakdown (a period report's has none).
    """
    from ..atomic import atomic_write
    from .plan_tables import load_plan

    if year_cube is None:
        if data_dir is None:
            raise ValueError("write_store_workbook needs data_dir or year_cube for the "
                             "vertical sheet (the StoreMonth holds three months only)")
        year_cube = load_year_cube(data_dir, data.store["store_id"], data.month)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    plan = (load_plan(data, data_dir)  # next month's: a monthly report's section
            if data_dir is not None and is_month(data.month) else None)
    atomic_write(out, workbook_bytes(data, lang, year_cube=year_cube, plan=plan))
    return out
