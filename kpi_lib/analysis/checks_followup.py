"""Named checks of the lead follow-up: compliance with its standard, invitations that bring
visitors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..stats import proportion_ci
from .check_context import CheckContext, CheckResult, evidence


def followup_compliance(ctx: CheckContext, store: str, p: dict[str, Any]
                        ) -> CheckResult | None:
    """H/A follow-up compliance clearly below the course's standard.

    For each grade of ``grades``: follow-ups done on time / due in the month
    (:func:`kpi_lib.analysis.pipeline.compliance_counts`); "clearly below" = the Wilson interval
    at ``level`` lies wholly under ``standard`` (at least ``min_due`` due). The evidence
    adds the open leads of those grades overdue at the month's end.
    """
    counts = ctx.compliance_counts()
    if counts is None:
        return None
    mine = counts[(counts["store_id"] == store) & counts["grade"].isin(p["grades"])
                  & (counts["due"] >= p["min_due"])]
    rows, low = [], False
    for g in p["grades"]:
        hit = mine[mine["grade"] == g]
        if hit.empty:
            continue
        k, n = int(hit["done"].iloc[0]), int(hit["due"].iloc[0])
        upper = float(proportion_ci(k, n, p["level"])[1])
        flagged = upper < p["standard"]
        low |= flagged
        lo, hi = proportion_ci(k, n)
        rows.append(evidence(f"followup_compliance_{g}", k / n, unit="rate",
                             label=ctx.text("compliance_label", grade=g), ci_low=lo,
                             ci_high=hi, benchmark=p["standard"], benchmark_scope="standard",
                             verdict="clearly_below" if flagged else
                             ("watch_below" if hi < p["standard"] else "in_line"),
                             detail=f"{k:,}/{n:,}", lang=ctx.lang,
                             worse=True if (flagged or hi < p["standard"]) else None))
    if not low:
        return None
    overdue = ctx.overdue_counts(store)
    late = sum(int(overdue.get(g, 0)) for g in p["grades"])
    rows.append(evidence("overdue_leads", late, unit="count",
                         label=ctx.text("overdue_label", grades="/".join(p["grades"])),
                         lang=ctx.lang))
    return CheckResult(rows)


def _invite_tests(ctx: CheckContext, p: dict[str, Any]) -> pd.DataFrame:
    from ..metrics.comparison import proportion_verdicts

    counts = ctx.invite_counts()
    if counts is None or counts.empty:
        return pd.DataFrame(columns=["store_id", "k", "n", "target", "verdict", "p_adj"])
    d = counts.groupby("store_id")[["visited", "callers"]].sum()
    d = d[d["callers"] >= p["min_callers"]]
    k, n = d["visited"].to_numpy(dtype=float), d["callers"].to_numpy(dtype=float)
    # the network's rate without the store itself (never the store against itself)
    target = (k.sum() - k) / np.maximum(n.sum() - n, 1.0)
    out = proportion_verdicts(k, n, target, q=p["q"])
    out.insert(0, "store_id", d.index.to_numpy())
    return out


def invite_to_visit(ctx: CheckContext, store: str, p: dict[str, Any]) -> CheckResult | None:
    """Callers of last month who came to the showroom, clearly below the rest of the
    network (funnel limits with its overdispersion, Benjamini–Hochberg over stores)."""
    tests = ctx.cached(("invite", repr(p)), lambda: _invite_tests(ctx, p))
    t = tests[tests["store_id"] == store]
    if t.empty or t["verdict"].iloc[0] not in ("clearly_below", "watch_below"):
        return None
    t = t.iloc[0]
    lo, hi = proportion_ci(int(t["k"]), int(t["n"]))
    row = evidence("invite_to_visit_rate", t["k"] / t["n"], unit="rate",
                   label=ctx.text("invite_label"), ci_low=lo, ci_high=hi,
                   benchmark=t["target"], benchmark_scope="network_others",
                   verdict=t["verdict"], p=t["p"], p_adj=t["p_adj"],
                   detail=f"{int(t['k']):,}/{int(t['n']):,}", lang=ctx.lang, worse=True)
    short = t["target"] * t["n"] - t["k"]  # visits the network's rate would bring
    return CheckResult([row], impact=short, impact_via=("showroom_close_rate",),
                       impact_stage=ctx.text("invite_stage"),
                       watch=t["verdict"] == "watch_below")
