"""The store report's section 下月目标与达成路径 and the workbook's sheet 目标分解 (issue 17.3).

A report of month ``M`` plans ``M + 1``: :func:`kpi_lib.analysis.plan.build_plans` for the
store, reusing the report's own forecast from the stock at the end of ``M`` (``sm.forecast``),
so ``M + 1`` needs no data of its own. :func:`load_plan` does that once per ``StoreMonth``;
:func:`section` turns it into the section's Markdown and tables, :func:`add_target_sheet`
into the sheet (store row, its consultants, the weeks of the month). Every number shown is
the plan's, rounded only for display; n/a is "—" with the reason said in words.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .. import paths
from ..analysis.plan import BASES, LEVELS, build_plans, method_texts
from ..analysis.plan_path import month_weeks
from ..errors import ParameterError
from ..i18n import in_sentence, list_sep, month_label, text
from ..ingest.warehouse import data_months, open_warehouse
from ..metrics.months import previous_month
from ..metrics.registry import kpi_label
from .excel_style import fit_columns, message, note, print_setup, put, shade_row, start_sheet

#: Stages of the week table (the consultant table and the sheet show :data:`SHEET_STAGES`).
WEEK_STAGES = ("visits", "new_leads", "test_drives", "negotiations", "orders", "deliveries")
SHEET_STAGES = ("visits", "test_drives", "orders", "deliveries")


@dataclass
class PlanSection:
    """The store's plan for the month after the report month (language-free)."""

    store: str
    month: str  # the plan month, M + 1
    plan: dict[str, Any] | None  # the store's entry of build_plans; None: cannot plan
    cannot: dict[str, str | None]  # why not: the data's first and last month; {} if planned
    partial: date | None = None  # the store's data end when the report month is incomplete
    names: dict[str, str] = field(default_factory=dict)  # consultant id → name (roster)
    leads: bool = True  # the data hold the leads register (the H/A stock)


_LAST: list[tuple[weakref.ref, PlanSection]] = []


def _fin(x: object) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def load_plan(sm: Any, data: str | Path | None = None) -> PlanSection:
    """The plan of ``sm``'s store for the month after ``sm.month`` from the data folder
    ``data`` (None: the demo data, as :func:`kpi_lib.report.store_month.load_store_month`).
    Computed once per ``sm`` (the section and the workbook share it)."""
    for ref, hit in _LAST:
        if ref() is sm:
            return hit
    store, month = str(sm.store["store_id"]), previous_month(sm.month, -1)
    with open_warehouse(Path(data) if data else paths.DEMO_DATA) as wh:
        try:
            plans = build_plans(wh.con, month, store, forecast=sm.forecast)
            out = PlanSection(store, month, plans["stores"][0], {})
        except ParameterError:
            first, last = data_months(wh.con)
            out = PlanSection(store, month, None, {"first": first, "last": last})
        out.names = _roster(wh.con, store)
    if sm.partial:
        out.partial = sm.progress["data_end"]
    out.leads = bool(getattr(sm.forecast, "has_leads", True))
    _LAST[:] = [(weakref.ref(sm), out)]
    return out


# --------------------------------------------------------------------------- words


def _count(x: object, lang: str) -> str:
    return f"{x:,.0f}" if _fin(x) else text("na", lang)


def _one(x: object, lang: str) -> str:
    return f"{x:,.1f}" if _fin(x) else text("na", lang)


def _pct(x: object, lang: str) -> str:
    return f"{x:.1%}" if _fin(x) else text("na", lang)


def _rate(x: object) -> str:
    """A rate to the next stage (none for the last stage)."""
    return f"{x:.2f}" if _fin(x) else ""


def _label(metric: str, lang: str) -> str:
    return in_sentence(kpi_label(metric, lang), lang)


def _cannot(ps: PlanSection, lang: str) -> str:
    first, last = ps.cannot.get("first"), ps.cannot.get("last")
    if first is None or last is None:
        return text("plan_section_no_data", lang, month=month_label(ps.month, lang))
    return text("plan_section_cannot", lang, month=month_label(ps.month, lang),
                first=month_label(first, lang), last=month_label(last, lang),
                lo=month_label(previous_month(first, -1), lang),
                hi=month_label(previous_month(last, -1), lang))


def pipeline_reason(p: dict[str, Any], leads: bool, lang: str) -> str:
    """Why the H/A pipeline basis is n/a."""
    pipe = p["bases"]["pipeline"]
    key = ("plan_na_pipeline_leads" if not leads else
           "plan_na_pipeline_orders" if not _fin(pipe["carried_orders"]) else
           "plan_orders_na_dc" if not _fin(pipe["delivery_conversion"]) else
           "plan_na_pipeline_rates" if not _fin(pipe["stock_orders"]) else
           "plan_na_pipeline_other")
    return text(key, lang)


def _basis_na(p: dict[str, Any], key: str, leads: bool, lang: str) -> str:
    ly_month = p["bases"]["last_year"]["last_year_month"]
    reason = (pipeline_reason(p, leads, lang) if key == "pipeline" else
              text(f"plan_na_{key}", lang, ly_month=ly_month))
    return text("plan_na", lang, reason=reason)


def levels_frame(p: dict[str, Any], lang: str, leads: bool = True) -> pd.DataFrame:
    """The four bases, then conservative / base / stretch: deliveries, orders, method."""
    methods, r = method_texts(p, lang), p["recommendation"]
    if not _fin(r["stretch"].get("factor")):
        methods["stretch"] = text("plan_stretch_no_peers", lang)
    cols = [text(k, lang) for k in ("plan_col_item", "plan_col_deliveries", "plan_col_orders",
                                    "plan_col_method")]
    rows = []
    for key in BASES:
        value = p["bases"][key]["value"]
        rows.append([text(f"plan_basis_{key}", lang), _count(value, lang), "",
                     methods[key] if _fin(value) else _basis_na(p, key, leads, lang)])
    for key in LEVELS:
        value = r[key]["value"]
        method = (methods[key] if _fin(value) else
                  text("plan_na", lang, reason=text("plan_na_base", lang)))
        rows.append([text(f"plan_level_{key}", lang), _count(value, lang),
                     _count(r[key]["orders"], lang), method])
    return pd.DataFrame(rows, columns=cols)


def _scope(p: dict[str, Any], lang: str) -> str:
    scopes = dict.fromkeys(r["benchmark_scope"] for r in p["rates"])
    return " / ".join(in_sentence(text(f"scope_{s}", lang), lang) for s in scopes)


def _missing(p: dict[str, Any], lang: str, key: str = "used") -> list[str]:
    """What keeps the path at ``key`` rates (``used`` or ``benchmark``) from being traced."""
    out = [_label(r["rate"], lang) for r in p["rates"] if not _fin(r.get(key))]
    if key == "used" and not _fin(p["walk_in_share"]):
        out.append(text("plan_missing_walk_in_share", lang))
    if key == "used" and not _fin(p["carried_orders"]):
        out.append(text("plan_missing_carried", lang))
    return out


def path_na(p: dict[str, Any], lang: str) -> str:
    """Why the reverse funnel cannot be traced back."""
    missing = _missing(p, lang) or [text("plan_na_base", lang)]
    return text("plan_section_path_na", lang, target=_count(
        p["recommendation"]["base"]["value"], lang), missing=list_sep(lang).join(missing),
        months=list_sep(lang).join(month_label(m, lang) for m in p["recent_months"]))


def path_frame(p: dict[str, Any], lang: str) -> pd.DataFrame:
    """Stage (registry label), required and rate to next at own and at benchmark rates."""
    cols = [text(k, lang) for k in ("plan_col_stage", "plan_col_required_own",
                                    "plan_col_rate_own", "plan_col_required_bench",
                                    "plan_col_rate_bench")]
    rows = [[kpi_label(own["stage"], lang), _count(own["required"], lang),
             _rate(own["rate_to_next"]), _count(bench["required"], lang),
             _rate(bench["rate_to_next"])]
            for own, bench in zip(p["path"], p["path_benchmark"], strict=True)]
    return pd.DataFrame(rows, columns=cols)


def traffic_sentence(p: dict[str, Any], lang: str) -> str:
    """What the benchmark's rates would save (or cost) in visits, from the table's rounded
    numbers."""
    own, bench = p["path"][0]["required"], p["path_benchmark"][0]["required"]
    scope = _scope(p, lang)
    if not _fin(bench):
        return text("plan_section_bench_na", lang, scope=scope,
                    missing=list_sep(lang).join(_missing(p, lang, "benchmark")))
    a, b = round(own), round(bench)
    key = ("plan_section_saves" if b < a else "plan_section_costs" if b > a
           else "plan_section_same")
    return text(key, lang, scope=scope, visits=_label("visits", lang), bench=_count(b, lang),
                own=_count(a, lang), diff=_count(abs(a - b), lang))


def consultant_frame(p: dict[str, Any], names: dict[str, str], lang: str) -> pd.DataFrame:
    """Per consultant: share and the base target's visits, test drives, orders, deliveries."""
    share = {c["consultant_id"]: c["share"] for c in p["consultants"]}
    cols = [text("plan_col_consultant", lang), text("plan_col_share", lang),
            *(kpi_label(s, lang) for s in SHEET_STAGES)]
    rows = [[names.get(c["consultant_id"]) or c["consultant_id"],
             _pct(share.get(c["consultant_id"]), lang),
             *(_one(c[s], lang) for s in SHEET_STAGES)] for c in p["by_consultant"]]
    return pd.DataFrame(rows, columns=cols)


def _week(key: str) -> str:
    """``11-02..11-08`` → ``11-02–11-08``; a one-day week → ``11-01``."""
    first, _, last = key.partition("..")
    return first if first == last else f"{first}–{last}"


def week_frame(p: dict[str, Any], lang: str) -> pd.DataFrame:
    """Per week of the plan month: days and each stage's share of the base target's path."""
    cols = [text("plan_col_week", lang), text("plan_col_days", lang),
            *(kpi_label(s, lang) for s in WEEK_STAGES)]
    rows = [[_week(w["week"]), str(w["days"]), *(_one(w[s], lang) for s in WEEK_STAGES)]
            for w in p["by_week"]]
    return pd.DataFrame(rows, columns=cols)


def _roster(con: Any, store: str) -> dict[str, str]:
    """Consultant id → name of the store's roster (none without names)."""
    if "name" not in {r[0] for r in con.execute("DESCRIBE consultants").fetchall()}:
        return {}
    return {str(c): str(n) for c, n in con.execute(
        "SELECT consultant_id, name FROM consultants WHERE store_id = ? AND name IS NOT NULL",
        [store]).fetchall() if str(n).strip()}


def section(sm: Any, data: str | Path | None = None) -> list[Any]:
    """The section of ``sm``'s report (:func:`section_parts` of :func:`load_plan`)."""
    return section_parts(load_plan(sm, data), sm.lang)


def section_parts(ps: PlanSection, lang: str) -> list[Any]:
    """The section's parts in order: Markdown strings and display tables (Styler)."""
    from .store_month import heading, styled

    out: list[Any] = [heading("plan_section", lang)]
    if ps.plan is None:
        return [*out, _cannot(ps, lang)]
    p, r = ps.plan, ps.plan["recommendation"]
    dc = p["bases"]["pipeline"]["delivery_conversion"]
    recent = list_sep(lang).join(month_label(m, lang) for m in p["recent_months"])
    out.append(text("plan_section_intro", lang, month=month_label(ps.month, lang),
                    last=month_label(p["recent_months"][-1], lang), recent=recent,
                    dc=_pct(dc, lang), carried=_count(p["carried_orders"], lang)))
    if ps.partial is not None:
        out.append(text("plan_section_partial", lang, date=ps.partial.isoformat()))
    levels = levels_frame(p, lang, ps.leads)
    method = levels.columns[-1]  # words: left-aligned like the stage names
    out.append(styled(levels, numeric_from=1, compact=True)
               .set_properties(subset=[method], **{"text-align": "left"})
               .set_table_styles({method: [{"selector": "th", "props": "text-align: left"}]},
                                 overwrite=False))
    if any(not _fin(r[k]["orders"]) for k in LEVELS) and _fin(r["base"]["value"]):
        why = "plan_orders_na_dc" if not _fin(dc) else "plan_orders_na_carried"
        out.append(text("plan_section_orders_na", lang, reason=text(why, lang)))
    out.append(_target_sentence(p, ps.month, ps.leads, lang))
    out.append(heading("plan_section_path_heading", lang, level=3))
    base = r["base"]["value"]
    if not _fin(p["path"][0]["required"]):
        return [*out, path_na(p, lang), text("plan_section_splits_na", lang)]
    out += [text("plan_section_path_note", lang, target=_count(base, lang),
                 scope=_scope(p, lang)),
            styled(path_frame(p, lang), numeric_from=1, compact=True),
            traffic_sentence(p, lang)]
    months = list_sep(lang).join(month_label(m, lang) for m in p["recent_months"])
    out.append(heading("plan_section_consultants_heading", lang, level=3))
    if p["by_consultant"]:
        out += [text("plan_section_consultants_note", lang, months=months),
                styled(consultant_frame(p, ps.names, lang), numeric_from=1, compact=True)]
    else:
        out.append(text("plan_section_consultants_none", lang, months=months))
    out += [heading("plan_section_weeks_heading", lang, level=3),
            text("plan_section_weeks_note", lang),
            styled(week_frame(p, lang), numeric_from=1, compact=True)]
    return out


def _target_sentence(p: dict[str, Any], month: str, leads: bool, lang: str) -> str:
    t, label = p["target"], month_label(month, lang)
    if not _fin(t["units"]):
        return text("plan_section_no_target", lang, month=label)
    if _fin(t["probability"]):
        return text("plan_section_target", lang, month=label, target=_count(t["units"], lang),
                    p=_pct(t["probability"], lang))
    return text("plan_section_target_no_p", lang, month=label, target=_count(t["units"], lang),
                reason=pipeline_reason(p, leads, lang))


def show_section(sm: Any, data: str | Path | None = None) -> None:
    """Display :func:`section` in the notebook."""
    from IPython.display import Markdown, display

    for part in section(sm, data):
        display(Markdown(part) if isinstance(part, str) else part)


# --------------------------------------------------------------------------- Excel


def sheet_rows(ps: PlanSection) -> list[dict[str, Any]]:
    """The sheet's rows: the store, its consultants, the weeks; each with level, name,
    share, days and :data:`SHEET_STAGES` (the base target's path)."""
    p = ps.plan
    if p is None:
        return []
    store = {s["stage"]: s["required"] for s in p["path"]}
    days = sum(w["days"] for w in month_weeks(ps.month))
    rows = [{"level": "store", "name": ps.store, "share": 1.0, "days": days, **store}]
    share = {c["consultant_id"]: c["share"] for c in p["consultants"]}
    rows += [{"level": "consultant", "name": ps.names.get(c["consultant_id"], c["consultant_id"]),
              "share": share.get(c["consultant_id"]), "days": None, **c}
             for c in p["by_consultant"]]
    rows += [{"level": "week", "name": _week(w["week"]), "share": w["days"] / days,
              "days": w["days"], **w} for w in p["by_week"]]
    return rows


def add_target_sheet(wb: Workbook, ps: PlanSection, store: dict, lang: str) -> Worksheet:
    """目标分解: the base target's visits, test drives, orders, deliveries for the store,
    then each consultant, then each week of the plan month."""
    ws = wb.create_sheet(text("excel_sheet_target", lang))
    print_setup(ws, text("excel_footer", lang))
    headers = [text("excel_target_col_level", lang), text("excel_target_col_name", lang),
               text("plan_col_share", lang), text("plan_col_days", lang),
               *(kpi_label(s, lang) for s in SHEET_STAGES)]
    base = ps.plan["recommendation"]["base"]["value"] if ps.plan else math.nan
    info = [(text("store", lang), store["store_id"]),
            (text("excel_store_name", lang), store.get("store_name") or None),
            (text("month", lang), month_label(ps.month, lang)),
            (text("excel_target_base", lang), round(base, 1) if _fin(base) else None)]
    title = text("excel_title", lang, sheet=text("excel_sheet_target", lang),
                 store=store["store_id"], name=store.get("store_name") or "",
                 month=month_label(ps.month, lang))
    first = start_sheet(ws, title, info, headers, freeze_col=2)
    if ps.plan is None:
        message(ws, first, _cannot(ps, lang), len(headers))
        fit_columns(ws)
        return ws
    note(ws.cell(row=first - 1, column=5), text("excel_target_note", lang))
    na = path_na(ps.plan, lang)
    for i, row in enumerate(sheet_rows(ps)):
        r = first + i
        put(ws, r, 1, text(f"excel_target_{row['level']}", lang))
        put(ws, r, 2, row["name"])
        put(ws, r, 3, row["share"], "rate")
        put(ws, r, 4, row["days"], "count")
        for j, stage in enumerate(SHEET_STAGES, start=5):
            put(ws, r, j, row[stage], "decimal", na_reason=na)
        if row["level"] == "store":
            shade_row(ws, r, len(headers))
    fit_columns(ws)
    return ws
