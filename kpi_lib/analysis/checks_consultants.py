"""Named check of the consultants: a consultant far below the rest of the team."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..metrics.registry import REGISTRY
from ..stats import proportion_ci
from .check_context import NAN, CheckContext, CheckResult, evidence


def _consultant_tests(ctx: CheckContext, p: dict[str, Any]) -> pd.DataFrame:
    """Each consultant × rate against the rest of the team: funnel limits with the
    consultants' own overdispersion (consultants differ for ordinary reasons too) and
    Benjamini–Hochberg over the network's consultants, per rate
    (:func:`kpi_lib.metrics.comparison.proportion_verdicts`)."""
    from ..metrics.comparison import proportion_verdicts

    d = ctx.consultant_counts(list(p["rates"])).copy()
    if d.empty:
        return d.assign(team=[], p=[], p_adj=[], name=[])
    tot = d.groupby(["store_id", "rate"])[["n", "k"]].transform("sum")
    d["team_n"], d["team_k"] = tot["n"] - d["n"], tot["k"] - d["k"]
    d["team"] = d["team_k"] / d["team_n"].where(d["team_n"] > 0)
    ok = (d["n"] >= p["min_volume"]) & (d["team_n"] >= p["min_volume"]) & (d["team"] > 0)
    d["p"], d["p_adj"], d["verdict"] = NAN, NAN, None
    # the team's rate is an estimate too: test on the effective volume of the difference,
    # n·n_team / (n + n_team) (a two-sample comparison; a team of one is no yardstick)
    d["n_eff"] = d["n"] * d["team_n"] / (d["n"] + d["team_n"]).where(d["team_n"] > 0)
    for rate in d.loc[ok, "rate"].unique():
        rows = ok & (d["rate"] == rate)
        share = d.loc[rows, "k"] / d.loc[rows, "n"]
        v = proportion_verdicts(share * d.loc[rows, "n_eff"], d.loc[rows, "n_eff"],
                                d.loc[rows, "team"],
                                q=p["q"], clear_level=p["level"],
                                min_expected=p["min_expected"])
        d.loc[rows, "p"], d.loc[rows, "p_adj"] = v["p"].to_numpy(), v["p_adj"].to_numpy()
        d.loc[rows, "verdict"] = v["verdict"].to_numpy()
    names = ctx.consultant_names()
    d["name"] = [names.get(c, "") for c in d["consultant_id"]]
    return d


def consultant_far_from_team(ctx: CheckContext, store: str,
                             p: dict[str, Any]) -> CheckResult | None:
    """Consultants whose rate is far below the rest of the team's, beyond chance (FDR)."""
    tests = ctx.cached(("consultants", repr(p)), lambda: _consultant_tests(ctx, p))
    if tests.empty:
        return None
    mine = tests[(tests["store_id"] == store) & (tests["verdict"] == "clearly_below")
                 & (tests["k"] / tests["n"] <= p["max_relative"] * tests["team"])]
    if mine.empty:
        return None
    rows, impact = [], 0.0
    for t in mine.sort_values(["p_adj", "consultant_id"]).itertuples():
        low, high = proportion_ci(int(t.k), int(t.n))
        label = (REGISTRY["test_drive_rate"].label(ctx.lang) if t.rate == "test_drive_rate"
                 else ctx.text("consultant_conversion"))
        rows.append(evidence(
            t.rate, t.k / t.n, label=label, unit="rate", benchmark=t.team,
            benchmark_scope="team", ci_low=low, ci_high=high, verdict="clearly_below",
            p=t.p, p_adj=t.p_adj, lang=ctx.lang,
            detail=ctx.text("consultant", name=t.name, id=t.consultant_id)
            + f" {int(t.k)}/{int(t.n)}"))
        short = t.team * t.n - t.k
        if t.rate == "test_drive_rate":  # test drives → negotiations → orders
            short *= (ctx.rate(store, "negotiation_rate")
                      * ctx.rate(store, "negotiation_close_rate"))
        impact += short if math.isfinite(short) else 0.0
    return CheckResult(rows, impact=impact)
