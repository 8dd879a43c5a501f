"""What :func:`kpi_lib.analysis.consultants.load_consultants` reads from the warehouse: the
store's roster, the registry's measures per consultant × month, follow-up counts, and
which inputs the data lack."""

from __future__ import annotations

import pandas as pd

from ..ingest.warehouse import has
from ..metrics.cube import grain_cube
from ..metrics.periods import period_bounds, period_months
from .scoring import ScoringParams

NAN = float("nan")



def roster_of(con, store: str, month: str) -> pd.DataFrame:
    start, end = period_bounds(month)
    return con.execute(
        """SELECT c.consultant_id, c.name FROM consultants c
           WHERE c.store_id = ? AND (c.hired IS NULL OR c.hired < ?)
             AND (c."left" IS NULL OR c."left" >= ?)
             AND (c.role IS NULL OR c.role = 'sales' OR c.consultant_id IN (
                  SELECT consultant_id FROM targets WHERE store_id = ?
                  AND list_contains(?, month)))
           ORDER BY c.consultant_id""", [store, end, start, store, period_months(month)]).df()


#: Registry KPIs at the consultant grain (:func:`kpi_lib.metrics.cube.grain_cube`) → columns.
GRAIN_COLUMNS = {"orders": "orders", "deliveries": "deliveries", "delivered_revenue": "revenue",
                  "receivable": "receivable", "collected": "collected",
                  "target_units": "target_units", "target_revenue": "target_revenue",
                  "visits": "visits", "test_drives": "test_drives"}


def monthly_sums(con, store: str, months: list[str]) -> pd.DataFrame:
    """Orders, deliveries, money, targets, visits and test drives per consultant × month
    (the registry's measures at the consultant grain)."""
    cube = grain_cube(con, months, "consultant", [store], list(GRAIN_COLUMNS))
    cube = cube[cube["metric"].isin(GRAIN_COLUMNS) & (cube["consultant"] != "")]
    out = (cube.pivot_table(index=["month", "consultant"], columns="metric", values="value",
                            aggfunc="first", dropna=False)
           .rename(columns=GRAIN_COLUMNS).reset_index()
           .rename(columns={"consultant": "consultant_id"}))
    out.columns.name = None
    for col in GRAIN_COLUMNS.values():
        if col not in out:
            out[col] = NAN
    return out


def followup_counts(con, store: str, month: str) -> pd.DataFrame:
    """Follow-ups due and made per consultant: the registry's ``followups_due`` and
    ``followups_done`` at the consultant grain (the lead's consultant)."""
    ids = {"followups_due": "due", "followups_done": "on_time"}
    cube = grain_cube(con, month, "consultant", [store], list(ids))
    cube = cube[cube["metric"].isin(ids) & (cube["consultant"] != "")]
    out = cube.pivot_table(index="consultant", columns="metric", values="value",
                           aggfunc="first").reindex(columns=list(ids)).rename(columns=ids)
    out.columns.name = None
    return out.rename_axis("consultant_id").reset_index()


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num.astype(float) / den.astype(float).where(den > 0)


def completion_by_month(monthly: pd.DataFrame, basis: str) -> dict[str, pd.Series]:
    """Month -> completion by consultant (n/a without a target)."""
    m = monthly.fillna({"deliveries": 0.0})
    num, den = (("deliveries", "target_units") if basis == "units"
                else ("revenue", "target_revenue"))
    m = m.assign(c=ratio(m[num].fillna(0.0), m[den]))
    return {mo: g.set_index("consultant_id")["c"] for mo, g in m.groupby("month")}


def team_completion(monthly: pd.DataFrame, t: pd.DataFrame, month: str,
                     p: ScoringParams) -> float:
    num, den = (("deliveries", "target_units") if p.completion_basis == "units"
                else ("revenue", "target_revenue"))
    m = monthly[(monthly["month"] == month) & monthly["consultant_id"].isin(t["consultant_id"])
                & monthly[den].notna()]
    total = float(m[den].sum())
    return float(m[num].fillna(0.0).sum()) / total if total > 0 else NAN


def missing_inputs(con, roster: pd.DataFrame, store: str) -> list[str]:
    if roster.empty and not con.execute(
            "SELECT count(*) FROM consultants WHERE store_id = ?", [store]).fetchone()[0]:
        # no consultant list for the store at all: the coverage note at the top says so
        # once; what the other registers lack does not matter then
        return ["section_input_see_coverage"]
    out = []
    if roster.empty:
        out.append("consultants_missing_roster")
    if not has(con, "visits", "consultant_id"):
        out.append("consultants_missing_visits")
    if not has(con, "followups"):
        out.append("consultants_missing_followups")
    if not has(con, "orders", "receivable") or not has(con, "orders", "collected"):
        out.append("consultants_missing_collection")
    return out
