"""Statistics a consultant can trust: intervals, funnel limits, FDR and shrinkage.

Public API (see each function's docstring for the formula and reference):

* :func:`proportion_ci` — Wilson / Clopper–Pearson interval of k/n.
* :func:`poisson_rate_ci` — amount per Poisson event (cost per visit, cost per lead).
* :func:`mean_ci` — mean of per-deal values (average deal value): bootstrap or t.
* :func:`fdr` — Benjamini–Hochberg across the KPIs of a report.
* :func:`z_scores`, :func:`overdispersion`, :func:`funnel_limits`,
  :func:`funnel_pvalues` — Spiegelhalter (2005) funnel plots with FunnelPlotR's
  overdispersion adjustment (:class:`Overdispersion`).
* :func:`beta_binomial_fit`, :func:`shrink` — empirical-Bayes shrinkage of small stores.
* :func:`expected_count`, :func:`excess_count` — "≈14 fewer test drives than expected".
* :func:`robust_sd`, :func:`winsor_factor` — a winsorised, consistent spread (how much
  comparable stores differ in size or cost for ordinary reasons).

Recommended use in the report: the **additive** random-effects adjustment (τ²), because a
store network has real store-to-store differences that do not shrink with volume; scaling
the binomial variance by φ (multiplicative) lets the limits collapse onto the target for the
largest stores and flags them for ordinary between-store variation.
"""

from kpi_lib.stats.funnel import (
    Overdispersion,
    excess_count,
    expected_count,
    funnel_limits,
    funnel_pvalues,
    overdispersion,
    z_scores,
)
from kpi_lib.stats.intervals import mean_ci, poisson_rate_ci, proportion_ci
from kpi_lib.stats.multiple import fdr
from kpi_lib.stats.robust import robust_sd, winsor_factor
from kpi_lib.stats.shrinkage import beta_binomial_fit, shrink

__all__ = [
    "Overdispersion",
    "beta_binomial_fit",
    "excess_count",
    "expected_count",
    "fdr",
    "funnel_limits",
    "funnel_pvalues",
    "mean_ci",
    "overdispersion",
    "poisson_rate_ci",
    "proportion_ci",
    "robust_sd",
    "shrink",
    "winsor_factor",
    "z_scores",
]
