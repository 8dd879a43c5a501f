"""Lead pipeline (意向客户管理): grade stock, follow-up compliance, overdue and lost leads.

The counts are registry KPIs at the lead-grade grain (``open_leads_new``,
``open_leads_carried``, ``open_leads``, ``overdue_leads``, ``leads_followup_due``,
``followups_due``, ``followups_done``, ``followup_compliance``, ``lost_rate``,
``out_of_control_rate``), computed by :func:`kpi_lib.metrics.cube.grain_cube` over the
relations of :mod:`kpi_lib.metrics.relations`; this module lays them out and lists the overdue
and lost leads behind them. Definitions (settings in ``params/pipeline.yml``):

- **As-of date**: the month's last day, or the data's last date (the latest date in any
  dated table of the whole network) when the data stop earlier in the month.
- **Open lead** at the as-of date: created on/before it, and status ``open`` or a
  status date after it. **New** leads were created in the month, **carried** ones before.
- **Grade** of a lead at a date: the ``grade_after`` of its last follow-up on/before that
  date; without one, the ``grade`` column (the grade at the last contact) — except an
  ``O`` that a lead only earned by ordering after that date, which leaves it ungraded
  ("未分级"; shown, but not in the compliance or the forecast).
- **O stock**: leads graded O while open, plus leads that ordered on/before the as-of
  date whose order is neither delivered nor cancelled then (needs ``orders.lead_id``).
- **Follow-up compliance**: a lead's k-th follow-up is due k × frequency days after its
  card was created (frequency of its grade at the end of its open span in the month).
  For each lead open in the month, due = the due dates inside its open span in the month
  (from max(created, month start) to min(as-of, status date − 1)); done = follow-ups
  logged in that span, capped at due. Compliance = Σ done / Σ due, per grade and overall.
  Follow-ups after the order are not measured (an O row only for leads graded O while open).
- **Overdue**: open H/A/B/C (or O while open) leads whose last contact (last follow-up,
  else card creation) lies more than frequency + grace days before the as-of date.
- **Lost / out of control**: status ``lost`` / ``out_of_control`` with a status date in the
  month; rates over carried-over + new leads (as ``lost_rate`` in the registry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import duckdb
import pandas as pd

from ..config import load_yaml
from ..formatting import format_value, is_na
from ..i18n import data_value, list_sep, month_label, text
from ..ingest.schema import LEAD_GRADES
from ..ingest.warehouse import present_columns
from ..metrics.cube import compute_cube, grain_cube
from ..metrics.months import month_bounds
from ..metrics.registry import kpi_label
from ..metrics.relation_tables import as_of_date, relation_rows
from ..metrics.relations import followup_days
from ..privacy import mask_series

UNGRADED = "?"
ALL = "all"


@cache
def pipeline_config() -> dict[str, Any]:
    """``params/pipeline.yml``, checked."""
    cfg = load_yaml("pipeline.yml")
    followup_days()  # checked where the registry's follow-up relations read it
    return cfg




#: Registry KPIs of the grade table (column → id) and of the compliance table.
STOCK_KPIS = {"new": "open_leads_new", "carried": "open_leads_carried",
              "total": "open_leads", "overdue": "overdue_leads"}
COMPLIANCE_KPIS = {"leads": "leads_followup_due", "due": "followups_due",
                   "done": "followups_done", "rate": "followup_compliance"}


@dataclass
class Pipeline:
    """A store's lead pipeline in a month (language-free; customer data already masked)."""

    store: str
    month: str
    as_of: date
    has_leads: bool
    has_followups: bool
    #: grade (O/H/A/B/C, "?" ungraded) → new, carried, total, overdue (open leads only)
    stock: pd.DataFrame
    #: grade (+ "all") → days, leads, due, done, rate (NaN when nothing was due); None
    #: without a follow-up register
    compliance: pd.DataFrame | None
    #: top overdue leads: lead_id, consultant, grade, last_contact, days_since,
    #: days_overdue, customer (masked), phone (masked); None without follow-ups
    overdue: pd.DataFrame | None
    overdue_total: int
    #: lost, out_of_control, base (carried + new leads), lost_rate, ooc_rate (NaN: n/a)
    lost: dict[str, float]
    #: reason, count, share of the month's lost leads (None: no lost_reason column)
    reasons: pd.DataFrame | None
    #: competitor, count, share of the month's lost leads (top N; None: no column)
    competitors: pd.DataFrame | None


def load_pipeline(con: duckdb.DuckDBPyConnection, store: str, month: str) -> Pipeline:
    """Compute ``store``'s pipeline for ``month`` (see the module docstring)."""
    cfg = pipeline_config()
    start, after = month_bounds(month)
    lead_cols = present_columns(con, "leads", extra=True)
    fu_cols = present_columns(con, "followups")
    has_fu = bool(fu_cols)
    by_grade = _by_grade(con, month, [store])
    stock = _stock(by_grade)
    compliance = _compliance(by_grade) if has_fu else None
    overdue = None
    if has_fu:
        late = relation_rows(con, "lead_stock", month, store, "overdue")
        overdue = _overdue(con, late, lead_cols, int(cfg["overdue"]["top_n"]))
    lost, reasons, competitors = _lost(con, store, month, start, after, lead_cols,
                                       int(cfg["lost"]["top_competitors"]))
    return Pipeline(store, month, as_of_date(con, month), bool(lead_cols), has_fu, stock,
                    compliance, overdue, int(stock["overdue"].sum()), lost, reasons,
                    competitors)


def _by_grade(con: duckdb.DuckDBPyConnection, month: str,
              stores: list[str] | None) -> pd.DataFrame:
    """The stock and compliance KPIs per store × grade (registry, grade grain): columns
    ``store_id``, ``grade`` and the ids of :data:`STOCK_KPIS` / :data:`COMPLIANCE_KPIS`."""
    ids = [*STOCK_KPIS.values(), *COMPLIANCE_KPIS.values()]
    cube = grain_cube(con, month, "grade", stores, ids)
    wide = cube[cube["metric"].isin(ids)].pivot_table(
        index=["store_id", "grade"], columns="metric", values="value", aggfunc="first",
        dropna=False).reindex(columns=ids)
    wide.columns.name = None
    return wide.reset_index()


def _stock(by_grade: pd.DataFrame) -> pd.DataFrame:
    order = [*LEAD_GRADES, UNGRADED]
    table = (by_grade.set_index("grade")[list(STOCK_KPIS.values())]
             .rename(columns={v: k for k, v in STOCK_KPIS.items()})
             .reindex(order).fillna(0).astype(int))
    if table.loc[UNGRADED, "total"] == 0:
        table = table.drop(index=UNGRADED)
    return table.rename_axis("grade").reset_index()[["grade", *STOCK_KPIS]]


def compliance_counts(con: duckdb.DuckDBPyConnection, month: str,
                      store: str | None = None) -> pd.DataFrame:
    """Follow-ups due and done in ``month`` per store × grade (registry, grade grain).

    Columns ``store_id, grade, days, leads, due, done``; every store of the network when
    ``store`` is None (the diagnosis tests each store against the network).
    """
    wide = _by_grade(con, month, None if store is None else [store])
    wide = wide[wide["grade"].isin(LEAD_GRADES)
                & (wide[COMPLIANCE_KPIS["due"]].fillna(0) > 0)]
    out = wide.rename(columns={v: k for k, v in COMPLIANCE_KPIS.items()})
    out.insert(2, "days", out["grade"].map(pipeline_config()["followup_days"]))
    return out[["store_id", "grade", "days", "leads", "due", "done"]].reset_index(drop=True)


def _compliance(by_grade: pd.DataFrame) -> pd.DataFrame:
    ids = {v: k for k, v in COMPLIANCE_KPIS.items()}
    table = (by_grade.set_index("grade")[list(ids)].rename(columns=ids)
             .reindex(list(LEAD_GRADES)))
    table.insert(0, "days", pd.Series(pipeline_config()["followup_days"]))
    table = table.fillna({"leads": 0, "due": 0, "done": 0})
    due, done = table["due"].sum(), table["done"].sum()
    table.loc[ALL] = [float("nan"), table["leads"].sum(), due, done,
                      done / due if due else float("nan")]  # = followup_compliance's Σ/Σ
    table[["leads", "due", "done"]] = table[["leads", "due", "done"]].astype(int)
    if table.loc["O", "leads"] == 0:  # O is measured only for leads graded O while open
        table = table.drop(index="O")
    return table.rename_axis("grade").reset_index()


def _overdue(con: duckdb.DuckDBPyConnection, late: pd.DataFrame, lead_cols: set[str],
             top_n: int) -> pd.DataFrame:
    top = late.sort_values(["days_overdue", "grade", "lead_id"],
                           ascending=[False, True, True]).head(top_n)
    name = "l.customer_name" if "customer_name" in lead_cols else "NULL"
    phone = "l.phone" if "phone" in lead_cols else "NULL"
    people = con.execute(f"""
        SELECT l.lead_id, c.name AS consultant, {name}::VARCHAR AS customer,
               {phone}::VARCHAR AS phone
        FROM leads l LEFT JOIN consultants c USING (consultant_id)
        WHERE l.lead_id IN (SELECT unnest($ids::VARCHAR[]))
    """, {"ids": list(top["lead_id"])}).df()
    people["customer"] = mask_series(people["customer"], "name")
    people["phone"] = mask_series(people["phone"], "phone")
    out = top.merge(people, on="lead_id", how="left")
    return out[["lead_id", "consultant", "grade", "last_contact", "days_since",
                "days_overdue", "customer", "phone"]].reset_index(drop=True)


def _lost(con: duckdb.DuckDBPyConnection, store: str, month: str, start: date, after: date,
          lead_cols: set[str], top_n: int):
    args = {"store": store, "ms": start, "me": after}
    cube = compute_cube(con, month, [store]).set_index("metric")["value"]
    base = cube["carried_leads"] + cube["new_leads"]
    summary = {"lost": cube["lost_leads"], "out_of_control": cube["out_of_control_leads"],
               "base": base, "lost_rate": cube["lost_rate"],
               "ooc_rate": cube["out_of_control_rate"]}
    lost = summary["lost"]

    def counts(column: str, limit: int | None) -> pd.DataFrame | None:
        if column not in lead_cols:
            return None
        df = con.execute(f"""
            SELECT {column} AS item, count(*) AS count FROM leads
            WHERE store_id = $store AND status = 'lost' AND status_date >= $ms
              AND status_date < $me AND nullif(trim({column}), '') IS NOT NULL
            GROUP BY 1 ORDER BY 2 DESC, 1 {f'LIMIT {limit}' if limit else ''}
        """, args).df()
        df["share"] = df["count"] / lost if lost > 0 else float("nan")
        return df

    return summary, counts("lost_reason", None), counts("competitor", top_n)


# ---------------------------------------------------------------- display

def _grade_label(grade: str, lang: str) -> str:
    if grade == UNGRADED:
        return text("pipeline_ungraded", lang)
    if grade == ALL:
        return text("pipeline_all", lang)
    return grade


def _count(v: object, lang: str) -> str:
    return format_value(v, "count", lang)


def grades_frame(data: Pipeline, lang: str) -> pd.DataFrame:
    """Open leads at month end by grade: new, carried, total, overdue (with a total row)."""
    s = data.stock
    total = pd.DataFrame([{"grade": ALL, **s[["new", "carried", "total", "overdue"]].sum()}])
    s = pd.concat([s, total], ignore_index=True)
    overdue = s["overdue"].map(lambda v: _count(v, lang)) if data.has_followups else text(
        "na", lang)
    return pd.DataFrame({
        text("pipeline_col_grade", lang): s["grade"].map(lambda g: _grade_label(g, lang)),
        **{kpi_label(STOCK_KPIS[c], lang): s[c].map(lambda v: _count(v, lang))
           for c in ("new", "carried", "total")},
        kpi_label(STOCK_KPIS["overdue"], lang): overdue,
    })


def compliance_frame(data: Pipeline, lang: str) -> pd.DataFrame | None:
    """Follow-up compliance by grade (None without a follow-up register)."""
    c = data.compliance
    if c is None:
        return None
    return pd.DataFrame({
        text("pipeline_col_grade", lang): c["grade"].map(lambda g: _grade_label(g, lang)),
        text("pipeline_col_days", lang): c["days"].map(
            lambda v: text("na", lang) if is_na(v) else text("pipeline_every_days", lang,
                                                              n=int(v))),
        **{kpi_label(COMPLIANCE_KPIS[k], lang): c[k].map(lambda v: _count(v, lang))
           for k in ("leads", "due", "done")},
        kpi_label("followup_compliance", lang): c["rate"].map(
            lambda v: format_value(v, "rate", lang)),
    })


def overdue_frame(data: Pipeline, lang: str) -> pd.DataFrame | None:
    """The most overdue open leads (customer name and phone masked); None without data."""
    o = data.overdue
    if o is None:
        return None
    na = text("na", lang)
    return pd.DataFrame({
        text("pipeline_col_lead", lang): o["lead_id"],
        text("pipeline_col_consultant", lang): o["consultant"].fillna(na),
        text("pipeline_col_grade", lang): o["grade"],
        text("pipeline_col_last_contact", lang): pd.to_datetime(o["last_contact"]).dt.strftime(
            "%Y-%m-%d"),
        text("pipeline_col_days_since", lang): o["days_since"].map(lambda v: _count(v, lang)),
        text("pipeline_col_days_overdue", lang): o["days_overdue"].map(lambda v: _count(v, lang)),
        text("pipeline_col_customer", lang): o["customer"].fillna(na),
        text("pipeline_col_phone", lang): o["phone"].fillna(na),
    })


def lost_frame(data: Pipeline, lang: str) -> pd.DataFrame | None:
    """Lost reasons, then the top competitor models, with counts and shares of lost leads."""
    parts = []
    for key, df in (("pipeline_reason", data.reasons), ("pipeline_competitor", data.competitors)):
        if df is not None and len(df):
            parts.append(pd.DataFrame({
                text("pipeline_col_kind", lang): text(key, lang),
                text("pipeline_col_item", lang): (df["item"].map(lambda v: data_value(v, lang))
                                                  if key == "pipeline_reason" else df["item"]),
                text("pipeline_col_count", lang): df["count"].map(lambda v: _count(v, lang)),
                text("pipeline_col_share", lang): df["share"].map(
                    lambda v: format_value(v, "rate", lang)),
            }))
    return pd.concat(parts, ignore_index=True) if parts else None


def compliance_note(lang: str) -> str:
    """The compliance definition with the configured frequency of each grade."""
    days = pipeline_config()["followup_days"]
    return text("pipeline_compliance_note", lang, freqs=list_sep(lang).join(
        f"{g} {text('pipeline_every_days', lang, n=d)}" for g, d in days.items()))


def overdue_note(lang: str) -> str:
    """What the overdue table lists (rows shown from the settings)."""
    return text("pipeline_overdue_note", lang, n=pipeline_config()["overdue"]["top_n"])


def lost_note(lang: str) -> str:
    """What the lost table lists (competitors shown from the settings)."""
    return text("pipeline_lost_note", lang, n=pipeline_config()["lost"]["top_competitors"])


def stock_labels(lang: str) -> tuple[str, str]:
    """The legend of the stock bars: the registry labels of new and carried open leads."""
    return kpi_label(STOCK_KPIS["new"], lang), kpi_label(STOCK_KPIS["carried"], lang)


def stock_bars_input(data: Pipeline, lang: str) -> pd.DataFrame:
    """Figure input of ``plots.grade_stock_bars``: grade label, new, carried."""
    out = data.stock[["grade", "new", "carried"]].copy()
    out["grade"] = out["grade"].map(lambda g: _grade_label(g, lang))
    return out


def pipeline_markdown(data: Pipeline, lang: str) -> str:
    """The section's sentences: as-of date, compliance, overdue, lost; what is missing."""
    if not data.has_leads:  # no leads table: the coverage note at the top says so once
        return text("section_input_see_coverage", lang)

    def rate(v: float) -> str:
        return format_value(v, "rate", lang)

    lines = [text("pipeline_as_of", lang, date=data.as_of.isoformat(),
                  total=_count(int(data.stock["total"].sum()), lang))]
    if data.compliance is None:
        lines.append(text("pipeline_no_followups", lang))
    else:
        overall = data.compliance.set_index("grade").loc[ALL]
        lines.append(text("pipeline_compliance", lang, rate=rate(overall["rate"]),
                          done=_count(overall["done"], lang), due=_count(overall["due"], lang)))
        lines.append(text("pipeline_overdue", lang, n=_count(data.overdue_total, lang))
                     if data.overdue_total else text("pipeline_no_overdue", lang))
    lo = data.lost
    lines.append(text("pipeline_lost", lang, month=month_label(data.month, lang),
                      lost=_count(lo["lost"], lang), lost_rate=rate(lo["lost_rate"]),
                      ooc=_count(lo["out_of_control"], lang), ooc_rate=rate(lo["ooc_rate"]),
                      base=_count(lo["base"], lang)))
    if data.reasons is None and data.competitors is None:
        lines.append(text("pipeline_no_reasons", lang))
    elif lo["lost"] == 0:
        lines.append(text("pipeline_no_lost", lang))
    return "\n\n".join(lines)
