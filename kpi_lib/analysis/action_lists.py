"""The flash's action lists (行动清单): who to call this week, who was forgotten, which lost
hot leads the manager should review.

All three read the data as they stood on the flash date (:mod:`kpi_lib.analysis.flash_cut`)
and the lead stock of :mod:`kpi_lib.metrics.relations` at its as-of date ``A`` (the flash
date, or the network's last dated row before it): open leads with the grade they had on
``A``, their last contact (last follow-up, else card creation) and whether they are overdue
(more than the grade's follow-up frequency + grace days since the last contact), the same
definition as the monthly report's overdue count. Settings: ``params/flash.yml``
(``action_lists``) and ``params/pipeline.yml`` (frequencies, grace days).

- **Due** (待跟进): open H and A leads not overdue whose next follow-up (last contact +
  frequency) falls on or before ``A + due_days``; by consultant, then due date, grade,
  lead.
- **Overdue** (超期未跟进): every overdue open lead ranked by grade first (O — graded O but
  not yet ordered —, H, A, B, C), then by days overdue (most first), then lead id.
- **Lost for review** (战败待审核): leads lost within ``lost_review_days`` up to ``A`` whose
  grade when lost (their last follow-up's grade on or before the loss, else the card's
  grade) was H or A; newest first. The data hold no review record, so every such lead is
  listed.

Customer names and phones are masked (:mod:`kpi_lib.privacy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from ..ingest.schema import LEAD_GRADES
from ..ingest.warehouse import present_columns
from ..metrics.relation_tables import as_of_date, relation_rows
from ..metrics.relations import followup_days
from ..privacy import mask_series
from .flash_pacing import flash_config

HOT = ("H", "A")
GRADE_RANK = {g: i for i, g in enumerate(LEAD_GRADES)}


@dataclass
class ActionLists:
    """The three lists (all rows; the display cuts them) and the date they are counted at."""

    as_of: date
    due_days: int
    lost_days: int
    has_followups: bool
    #: lead_id, consultant_id, consultant, grade, last_contact, next_due, customer, phone
    due: pd.DataFrame
    #: lead_id, consultant, grade, last_contact, days_since, days_overdue, customer, phone
    overdue: pd.DataFrame
    #: lead_id, consultant, grade, lost_on, reason, competitor, customer, phone
    lost: pd.DataFrame


def _people(con: duckdb.DuckDBPyConnection, ids: list[str]) -> pd.DataFrame:
    """Consultant name and the masked customer name and phone of each lead."""
    cols = present_columns(con, "leads", extra=True)
    name = "l.customer_name" if "customer_name" in cols else "NULL"
    phone = "l.phone" if "phone" in cols else "NULL"
    out = con.execute(f"""
        SELECT l.lead_id, coalesce(c.name, l.consultant_id) AS consultant,
               {name}::VARCHAR AS customer, {phone}::VARCHAR AS phone
        FROM leads l LEFT JOIN consultants c USING (consultant_id)
        WHERE l.lead_id IN (SELECT unnest($ids::VARCHAR[]))""", {"ids": ids}).df()
    out["customer"] = mask_series(out["customer"], "name")
    out["phone"] = mask_series(out["phone"], "phone")
    return out


def order_overdue(rows: pd.DataFrame) -> pd.DataFrame:
    """Overdue rows ranked by grade (O, H, A, B, C), then days overdue (most first), lead.

    >>> r = pd.DataFrame({"lead_id": ["a", "b", "c", "d"], "grade": ["C", "H", "A", "H"],
    ...                   "days_overdue": [40, 1, 9, 3]})
    >>> order_overdue(r)["lead_id"].tolist()
    ['d', 'b', 'c', 'a']
    """
    out = rows.assign(_rank=rows["grade"].map(GRADE_RANK).fillna(len(GRADE_RANK)))
    out = out.sort_values(["_rank", "days_overdue", "lead_id"], ascending=[True, False, True])
    return out.drop(columns="_rank").reset_index(drop=True)


def due_rows(stock: pd.DataFrame, as_of: date, due_days: int) -> pd.DataFrame:
    """H/A open leads not overdue whose next follow-up falls by ``as_of + due_days``."""
    freq = followup_days()
    hot = stock[stock["grade"].isin(HOT) & ~stock["overdue"].astype(bool)].copy()
    hot["last_contact"] = pd.to_datetime(hot["last_contact"]).dt.date
    hot["next_due"] = [lc + timedelta(days=freq[g])
                       for lc, g in zip(hot["last_contact"], hot["grade"], strict=True)]
    return hot[hot["next_due"] <= as_of + timedelta(days=due_days)]


def _lost(con: duckdb.DuckDBPyConnection, store: str, as_of: date, days: int) -> pd.DataFrame:
    cols = present_columns(con, "leads")
    reason = "l.lost_reason" if "lost_reason" in cols else "NULL"
    rival = "l.competitor" if "competitor" in cols else "NULL"
    return con.execute(f"""
        WITH lost AS (SELECT * FROM leads l WHERE l.store_id = $s AND l.status = 'lost'
                      AND l.status_date <= $a AND l.status_date > $a - $n::INTEGER),
        g AS (SELECT lost.lead_id, arg_max(f.grade_after, f.date)
                     FILTER (WHERE f.grade_after IS NOT NULL) AS g
              FROM lost JOIN followups f ON f.lead_id = lost.lead_id
                   AND f.date <= lost.status_date GROUP BY 1)
        SELECT l.lead_id, coalesce(g.g, l.grade) AS grade, l.status_date AS lost_on,
               {reason}::VARCHAR AS reason, {rival}::VARCHAR AS competitor
        FROM lost l LEFT JOIN g USING (lead_id)
        WHERE coalesce(g.g, l.grade) IN ('H', 'A')""",
        {"s": store, "a": as_of, "n": days}).df()


def load_action_lists(con: duckdb.DuckDBPyConnection, store: str, day: date) -> ActionLists:
    """The three lists of ``store`` on ``day`` (``con``: the data cut at ``day``)."""
    cfg = flash_config()["action_lists"]
    month = day.strftime("%Y-%m")
    as_of = as_of_date(con, month)
    has_fu = bool(present_columns(con, "followups"))
    stock = relation_rows(con, "lead_stock", month, store, "r.last_contact IS NOT NULL")
    stock["overdue"] = stock["overdue"].fillna(False).astype(bool) if has_fu else False
    due = due_rows(stock, as_of, int(cfg["due_days"]))
    overdue = order_overdue(stock[stock["overdue"]]) if has_fu else stock.iloc[0:0]
    lost = _lost(con, store, as_of, int(cfg["lost_review_days"]))
    ids = [*due["lead_id"], *overdue["lead_id"], *lost["lead_id"]]
    people = _people(con, list(dict.fromkeys(ids)))

    def named(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        out = df.drop(columns=[c for c in ("consultant",) if c in df]).merge(
            people, on="lead_id", how="left")
        return out[columns].reset_index(drop=True)

    due = named(due, ["lead_id", "consultant_id", "consultant", "grade", "last_contact",
                      "next_due", "customer", "phone"])
    due = due.assign(_r=due["grade"].map(GRADE_RANK)).sort_values(
        ["consultant", "next_due", "_r", "lead_id"]).drop(columns="_r").reset_index(drop=True)
    overdue = named(overdue, ["lead_id", "consultant", "grade", "last_contact", "days_since",
                              "days_overdue", "customer", "phone"])
    lost = named(lost.sort_values(["lost_on", "lead_id"], ascending=[False, True]),
                 ["lead_id", "consultant", "grade", "lost_on", "reason", "competitor",
                  "customer", "phone"])
    return ActionLists(as_of, int(cfg["due_days"]), int(cfg["lost_review_days"]), has_fu,
                       due, overdue, lost)
