"""Consultants (销售顾问业绩评估): each consultant's KPIs beside the team, the composite
score, grades, flags and an improvement plan.

Who is listed: the store's consultants active in the month (hired before its end, not
left before its start) whose role is sales (or not given), plus anyone else with a
consultant target row for the month (a manager who sells, as in small stores).

Per consultant and month, the registry's own KPIs at the consultant grain
(:func:`kpi_lib.metrics.cube.grain_cube`, column labels from the registry): visits, test drives
and test-drive rate, orders (cancelled included), deliveries, delivered revenue,
receivable and collected (orders delivered in the month), target completion (target
units, or ``completion_basis: revenue``: revenue target completion), average deal value,
collection rate; new leads and ``new_lead_order_share`` (the "conversion" component) come
through :func:`kpi_lib.analysis.consultant_rates.consultant_rate_counts`, the counts the
``consultant_far_from_team`` finding tests. Process behaviour is the registry's follow-up
compliance (``followup_compliance``) at the consultant grain. Scoring:
:mod:`kpi_lib.analysis.scoring`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd

from ..formatting import format_value, is_na
from ..i18n import in_sentence, list_sep, text
from ..ingest.warehouse import has
from ..metrics.months import month_bounds, previous_month
from ..metrics.periods import period_months, same_period_last_year, shift_period
from ..metrics.registry import kpi_label
from .consultant_data import (
    completion_by_month,
    followup_counts,
    missing_inputs,
    monthly_sums,
    ratio,
    roster_of,
    team_completion,
)
from .consultant_rates import consultant_rate_counts
from .diagnosis_rules import TOO_FEW_ID
from .scoring import (
    COMPONENTS,
    ScoringParams,
    component_scores,
    composite,
    flag_excellent,
    flag_improvement,
    grade,
    references,
    scoring_params,
    weakest,
)

NAN = float("nan")
_SUMS = ("visits", "test_drives", "new_leads", "converted", "orders", "deliveries", "revenue",
         "receivable", "collected", "target_units", "target_revenue", "due", "on_time")


@dataclass
class Consultants:
    """One store's consultants for one month (language-free)."""

    store: str
    month: str
    #: one row per consultant: consultant_id, name, the sums of ``_SUMS``, the rates
    #: (test_drive_rate, conversion, completion, avg_deal_value, collection, process),
    #: completion_prev, completion_last_year, s_<component>, score, renormalised, grade,
    #: excellent, needs_improvement, weakest
    table: pd.DataFrame
    #: the team (the listed consultants pooled): the sums, rates and the mean score
    team: dict[str, float]
    #: the reference of each component's scaling this month (team-relative ones resolved)
    refs: dict[str, float]
    params: ScoringParams
    #: catalogue keys of what the data lacks (consultants_missing_*)
    missing: list[str] = field(default_factory=list)
    #: the store's own target row for the month (units; NaN without one). The report's
    #: target completion uses it (a store row wins over consultant rows); the consultant
    #: table uses each consultant's own target
    store_target: float = NAN



def _rates(t: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Rates of a frame of sums (consultants or the one-row team)."""
    t = t.copy()
    t["test_drive_rate"] = ratio(t["test_drives"], t["visits"])
    t["conversion"] = ratio(t["converted"], t["new_leads"])
    t["completion"] = (ratio(t["deliveries"], t["target_units"]) if basis == "units"
                       else ratio(t["revenue"], t["target_revenue"]))
    t["avg_deal_value"] = ratio(t["revenue"], t["deliveries"])
    t["collection"] = ratio(t["collected"], t["receivable"])
    t["process"] = ratio(t["on_time"], t["due"])
    return t


def load_consultants(con, store: str, month: str,
                     params: ScoringParams | None = None) -> Consultants:
    """Every listed consultant's KPIs, score, grade and flags for ``store`` in ``month``."""
    p = params or scoring_params()
    roster = roster_of(con, store, month)
    n_back = max(p.improvement_months, 1)
    history = [shift_period(month, -k) for k in range(n_back - 1, -1, -1)]
    year_ago = same_period_last_year(month)
    monthly = monthly_sums(con, store, [*history, year_ago])
    missing = missing_inputs(con, roster, store)
    t = _month_table(con, store, month, roster, monthly, missing, p)
    if not roster.empty and t["target_units"].isna().all():
        missing.append("consultants_missing_targets")
    hist = _completion_history(t, monthly, month, history, year_ago, p)
    team = _team_rates(t, p)
    refs = _score_and_flag(t, team, hist, p)
    team["score"] = float(t["score"].mean()) if t["score"].notna().any() else NAN
    team["completion_prev"] = team_completion(monthly, t, shift_period(month, -1), p)
    team["completion_last_year"] = team_completion(monthly, t, year_ago, p)
    store_target = con.execute(
        "SELECT sum(units) FROM targets WHERE store_id = ? AND list_contains(?, month) "
        "AND consultant_id IS NULL", [store, period_months(month)]).fetchone()[0]
    return Consultants(store, month, t.reset_index(drop=True), team, refs, p, missing,
                       NAN if store_target is None else float(store_target))


def _month_table(con, store: str, month: str, roster: pd.DataFrame, monthly: pd.DataFrame,
                 missing: list[str], p: ScoringParams) -> pd.DataFrame:
    """The roster with each consultant's sums (``_SUMS``) and rates of the month; what the
    data lack (``missing``) stays n/a."""
    t = roster.copy()
    now = monthly[monthly["month"] == month].drop(columns="month")
    t = t.merge(now, on="consultant_id", how="left")
    counts = consultant_rate_counts(con, month, ["conversion"], store)
    c = counts[counts["rate"] == "conversion"].set_index("consultant_id")
    t["new_leads"], t["converted"] = t["consultant_id"].map(c["n"]), t["consultant_id"].map(c["k"])
    comp = (followup_counts(con, store, month) if has(con, "followups")
            else pd.DataFrame(columns=["consultant_id", "due", "on_time"]))
    t = t.merge(comp, on="consultant_id", how="left")
    for col in _SUMS:  # counts default to 0; money and targets stay n/a without rows
        t[col] = pd.to_numeric(t[col], errors="coerce").astype(float)
        if col in ("visits", "test_drives", "new_leads", "converted", "orders", "deliveries",
                   "due", "on_time"):
            t[col] = t[col].fillna(0.0)
    if "consultants_missing_visits" in missing:
        t[["visits", "test_drives"]] = NAN
    if "consultants_missing_followups" in missing:
        t[["due", "on_time"]] = NAN
    t["revenue"] = t["revenue"].where(t["deliveries"] > 0)
    return _rates(t, p.completion_basis)


def _completion_history(t: pd.DataFrame, monthly: pd.DataFrame, month: str,
                        history: list[str], year_ago: str, p: ScoringParams) -> pd.DataFrame:
    """Adds completion_prev and completion_last_year to ``t`` (in place); returns each
    consultant's completion over the ``history`` months (for the improvement flag)."""
    wide = completion_by_month(monthly, p.completion_basis)
    t["completion_prev"] = t["consultant_id"].map(
        wide.get(shift_period(month, -1), pd.Series(dtype=float)))
    t["completion_last_year"] = t["consultant_id"].map(
        wide.get(year_ago, pd.Series(dtype=float)))
    return pd.DataFrame({m: t["consultant_id"].map(wide.get(m, pd.Series(dtype=float)))
                         for m in history})


def _team_rates(t: pd.DataFrame, p: ScoringParams) -> dict[str, float]:
    """The team's sums and rates (the listed consultants pooled); completion counts only
    consultants with a target."""
    team_sums = t[list(_SUMS)].sum(min_count=1).to_frame().T
    has_target = t["target_units"].notna() if p.completion_basis == "units" else (
        t["target_revenue"].notna())
    team_sums["deliveries_t"] = t.loc[has_target, "deliveries"].sum()
    team_sums["revenue_t"] = t.loc[has_target, "revenue"].sum()
    team = {k: float(v) for k, v in _rates(team_sums, p.completion_basis).iloc[0].items()}
    team["completion"] = float((ratio(team_sums["deliveries_t"], team_sums["target_units"])
                                if p.completion_basis == "units" else
                                ratio(team_sums["revenue_t"], team_sums["target_revenue"]))
                               .iloc[0])
    team["n"] = float(len(t))
    return team


def _score_and_flag(t: pd.DataFrame, team: dict[str, float], hist: pd.DataFrame,
                    p: ScoringParams) -> dict[str, float]:
    """Component scores, composite score, grade and flags of each consultant (in place);
    returns the components' references."""
    refs = references(p, team)
    scores = component_scores(t, refs)
    t[[f"s_{c}" for c in COMPONENTS]] = scores.to_numpy()
    t["score"] = composite(scores, p)
    t["renormalised"] = t["score"].notna() & scores.isna().any(axis=1)
    t["grade"] = grade(t["score"], p) if len(t) else pd.Series(dtype=object)
    t["excellent"] = flag_excellent(t["completion"], p)
    t["needs_improvement"] = flag_improvement(hist, p).to_numpy() if len(t) else []
    t["weakest"] = weakest(scores, p)
    return refs


# --- display -------------------------------------------------------------------------

_FLAG_MARKS = {"excellent": "★", "needs_improvement": "▼"}


def _fmt(value: object, unit: str, lang: str) -> str:
    return format_value(None if is_na(value) else float(value), unit, lang)  # type: ignore[arg-type]


def _flags(row: pd.Series, lang: str) -> str:
    return " ".join(f"{mark}{text('consultants_flag_' + k, lang)}"
                    for k, mark in _FLAG_MARKS.items() if bool(row.get(k)))


#: Consultant columns that are KPIs → their registry id: one label,
#: one meaning at the store's grain and the consultant's.
KPI_IDS = {"visits": "visits", "new_leads": "new_leads", "test_drive_rate": "test_drive_rate",
           "conversion": "new_lead_order_share", "orders": "orders",
           "completion": "target_completion", "avg_deal_value": "avg_deal_value",
           "collection": "collection_rate", "process": "followup_compliance"}


def kpi_of(key: str, basis: str = "units") -> str | None:
    """The KPI id a consultant column or score component shows (None: not a KPI)."""
    if key == "completion" and basis == "revenue":
        return "revenue_completion"
    return KPI_IDS.get(key)


def column_label(key: str, lang: str, basis: str = "units") -> str:
    """A consultant column's header: its KPI's label, else the catalogue's words."""
    metric = kpi_of(key, basis)
    if metric is None:
        return text("consultants_col_" + key, lang)
    return kpi_label(metric, lang)


def component_label(key: str, lang: str, basis: str = "units") -> str:
    """A score component's name inside a sentence (its KPI's label, sentence case)."""
    return in_sentence(column_label(key, lang, basis), lang)


def _kpi_cells(r: pd.Series | dict, lang: str, basis: str = "units") -> dict[str, str]:
    def c(key: str) -> str:
        return column_label(key, lang, basis)

    target = r["target_units"]
    done = f"{_fmt(r['deliveries'], 'count', lang)} / {_fmt(target, 'count', lang)}"
    return {
        c("visits"): _fmt(r["visits"], "count", lang),
        c("new_leads"): _fmt(r["new_leads"], "count", lang),
        c("test_drive_rate"): _fmt(r["test_drive_rate"], "rate", lang),
        c("conversion"): _fmt(r["conversion"], "rate", lang),
        c("orders"): _fmt(r["orders"], "count", lang),
        c("deliveries_target"): done,
        c("completion"): _fmt(r["completion"], "rate", lang),
        c("completion_prev"): _fmt(r["completion_prev"], "rate", lang),
        c("completion_last_year"): _fmt(r["completion_last_year"], "rate", lang),
        c("avg_deal_value"): _fmt(r["avg_deal_value"], "yuan_per", lang),
        c("collection"): _fmt(r["collection"], "rate", lang),
        c("process"): _fmt(r["process"], "rate", lang),
    }


def consultant_frame(data: Consultants, lang: str) -> pd.DataFrame:
    """Each consultant's KPIs (and the team's, last row) as display strings."""
    name = text("consultants_col_name", lang)
    basis = data.params.completion_basis
    rows = [{name: r["name"], **_kpi_cells(r, lang, basis)} for _, r in data.table.iterrows()]
    if rows:
        rows.append({name: text("consultants_team", lang), **_kpi_cells(data.team, lang, basis)})
    return pd.DataFrame(rows)


def score_frame(data: Consultants, lang: str) -> pd.DataFrame:
    """Each component's points (0–100), the composite score, grade and flags; team row."""
    rows = []
    for _, r in data.table.iterrows():
        score = _score(r["score"], lang)
        row = {text("consultants_col_name", lang): r["name"]}
        row |= {text("consultants_points_" + c, lang): _points(r[f"s_{c}"], lang)
                for c in COMPONENTS}
        known = isinstance(r["grade"], str)
        row |= {text("consultants_col_score", lang): score + ("*" if r["renormalised"] else ""),
                text("consultants_col_grade", lang): text(
                    "consultants_grade_" + r["grade"] if known else "na", lang),
                text("consultants_col_flags", lang): _flags(r, lang)}
        rows.append(row)
    if rows:
        team = dict.fromkeys(rows[0], "")
        team[text("consultants_col_name", lang)] = text("consultants_team_mean", lang)
        team[text("consultants_col_score", lang)] = _score(data.team["score"], lang)
        rows.append(team)
    return pd.DataFrame(rows)


def _score(x: object, lang: str) -> str:
    return text("na", lang) if is_na(x) else f"{float(x):.1f}"  # type: ignore[arg-type]


def _points(x: object, lang: str) -> str:
    return text("na", lang) if is_na(x) else f"{float(x):.0f}"  # type: ignore[arg-type]


def _reference_text(data: Consultants, comp: str, lang: str) -> str:
    kind, val = data.params.scaling[comp]
    basis = data.params.completion_basis
    unit = "yuan_per" if comp == "avg_deal_value" else "rate"
    shown = _fmt(data.refs[comp], unit, lang)
    if kind == "team_factor" and val == 1:
        return text("consultants_ref_team_avg", lang, label=component_label(comp, lang, basis),
                    ref=shown)
    if kind == "reference":
        return text("consultants_ref_fixed", lang, label=component_label(comp, lang, basis),
                    ref=shown)
    return text("consultants_ref_team", lang, label=component_label(comp, lang, basis),
                ref=shown, factor=f"{val:g}")


def consultants_markdown(data: Consultants, lang: str) -> str:
    """The team in one line, how the score is made, and what the data lacks."""
    if data.table.empty:
        return "\n\n".join(text(k, lang) for k in data.missing)
    t, p = data.table, data.params
    sep = list_sep(lang, "clauses")
    lines = [text("consultants_summary", lang, n=len(t),
                  deliveries=_fmt(data.team["deliveries"], "count", lang),
                  completion=_fmt(data.team["completion"], "rate", lang),
                  score=_score(data.team["score"], lang),
                  excellent=int(t["excellent"].sum()),
                  improvement=int(t["needs_improvement"].sum()))]
    note = target_note(data, lang)
    if note:
        lines.append(note)
    weights = " + ".join(text("consultants_weight", lang,
                              label=component_label(c, lang, p.completion_basis),
                              w=f"{p.weights[c]:g}") for c in COMPONENTS)
    refs = sep.join(_reference_text(data, c, lang) for c in COMPONENTS)
    bands = sep.join(text("consultants_band", lang, grade=text("consultants_grade_" + g, lang),
                          min=f"{lo:g}") for g, lo in p.bands[:-1])
    bands += sep + text("consultants_band_last", lang, min=f"{p.bands[-2][1]:g}",
                        grade=text("consultants_grade_" + p.bands[-1][0], lang))
    lines.append(text("consultants_rule", lang, weights=weights, refs=refs, bands=bands))
    lines.append(text("consultants_flags_rule", lang,
                      high=f"{p.excellent_completion:.0%}", low=f"{p.improvement_completion:.0%}",
                      months=p.improvement_months))
    if t["renormalised"].any():
        lines.append(text("consultants_renormalised", lang, share=f"{p.min_weight_share:.0%}"))
    lines += [text(k, lang) for k in data.missing]
    return "\n\n".join(lines)


def target_note(data: Consultants, lang: str) -> str | None:
    """One sentence when the store's target differs from its consultants' targets added up:
    which number each table uses (None when they agree or one is missing)."""
    store, team = data.store_target, data.team.get("target_units", NAN)
    if is_na(store) or is_na(team) or round(store) == round(team):
        return None
    return text("consultants_target_differs", lang, store=_fmt(store, "count", lang),
                consultants=_fmt(team, "count", lang))


def score_chart(data: Consultants, lang: str) -> dict:
    """Keyword arguments of :func:`kpi_lib.report.plots.consultant_scores`."""
    t = data.table.sort_values("score", ascending=False, na_position="last")
    edges = [lo for _, lo in data.params.bands]
    return {
        "names": t["name"].tolist(), "scores": t["score"].astype(float).tolist(),
        "team_avg": data.team.get("score", NAN),
        "bands": [(text("consultants_grade_" + g, lang), lo, hi) for (g, lo), hi in
                  zip(data.params.bands, [100.0, *edges[:-1]], strict=True)],
        "title": text("consultants_chart_title", lang),
        "xlabel": text("consultants_col_score", lang),
        "team_label": text("consultants_team_mean", lang),
    }


def _deadline(month: str) -> str:
    """The last day of the month after ``month`` (of a period: after its last month)."""
    _, end = month_bounds(previous_month(period_months(month)[-1], -1))
    return (end - timedelta(days=1)).isoformat()


def _goal(data: Consultants, comp: str, now: float) -> float:
    goal = data.params.plan_goals.get(comp, 1.0)
    if goal != "team":
        return float(goal)
    team = data.team.get(comp, NAN)
    step = data.params.conversion_step if comp == "conversion" else 0.05 * now
    return team if np.isfinite(team) and team > now else now + step


def plan_none_markdown(data: Consultants, lang: str) -> str:
    """The sentence under an empty improvement plan: consultants are only said to have no
    problem when there are consultants to check."""
    if data.table.empty:
        return text("consultants_plan_none_no_roster", lang)
    return text("consultants_plan_none", lang)


def improvement_plan_frame(data: Consultants, findings: list, lang: str) -> pd.DataFrame:
    """Improvement plan rows: flagged / low-grade consultants on their weakest component,
    excellent ones sharing their practice, then store-level rows from ``findings``."""
    due = _deadline(data.month)
    basis = data.params.completion_basis
    rows: list[tuple[str, ...]] = []
    t = data.table
    low = t["grade"].isin(data.params.plan_grades) | t["needs_improvement"]
    for _, r in t[low & t["weakest"].notna()].iterrows():
        comp = r["weakest"]
        unit = "yuan_per" if comp == "avg_deal_value" else "rate"
        effect = text("consultants_effect", lang, label=component_label(comp, lang, basis),
                      now=_fmt(r[comp], unit, lang),
                      goal=_fmt(_goal(data, comp, r[comp]), unit, lang))
        effect = effect[:1].upper() + effect[1:]
        rows.append((r["name"], *(text(f"consultants_plan_{k}_{comp}", lang)
                                  for k in ("item", "measures")), due,
                     text(f"consultants_plan_support_{comp}", lang), effect))
    for _, r in t[t["excellent"] & ~low].iterrows():
        rows.append((r["name"], *(text(f"consultants_plan_{k}_excellent", lang)
                                  for k in ("item", "measures")), due,
                     text("consultants_plan_support_excellent", lang),
                     text("consultants_plan_effect_excellent", lang)))
    sep = list_sep(lang, "clauses")
    for f in findings:
        if f.rule_id == TOO_FEW_ID:
            continue
        measures = sep.join(f"{i}. {a}" for i, a in enumerate(f.actions[:2], 1))
        rows.append((text("consultants_team_owner", lang), f.title, measures, due,
                     text("consultants_plan_support_store", lang),
                     f.impact_text or text("na", lang)))
    cols = [text("consultants_plan_col_" + k, lang)
            for k in ("owner", "item", "measures", "deadline", "support", "effect")]
    return pd.DataFrame(rows, columns=cols)
