"""False-discovery-rate control over the many KPI comparisons in one report."""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests

__all__ = ["fdr"]


def fdr(pvalues, q: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    r"""Benjamini–Hochberg step-up procedure.

    With the m non-missing p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`, reject
    :math:`H_{(1)},\dots,H_{(k)}` for the largest k with :math:`p_{(k)} \le k q / m`.
    Adjusted p-values are :math:`\tilde p_{(i)} = \min_{j\ge i} \min(1, m p_{(j)}/j)`.
    Computed by :func:`statsmodels.stats.multitest.multipletests` (``method="fdr_bh"``).

    NaN p-values (KPIs that could not be tested) are ignored: they are not rejected, their
    adjusted value is NaN, and they do not count toward m.

    Parameters
    ----------
    pvalues : array_like
        p-values, any shape.
    q : float
        Target false discovery rate.

    Returns
    -------
    reject : ndarray of bool
    adjusted : ndarray of float

    References
    ----------
    Benjamini & Hochberg (1995) JRSS B 57:289–300.

    Examples
    --------
    >>> reject, adj = fdr([0.01, 0.04, float("nan"), 0.03])
    >>> reject.tolist()
    [True, True, False, True]
    >>> adj.round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(pvalues, dtype=float)
    reject = np.zeros(p.shape, dtype=bool)
    adjusted = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        rej, adj, _, _ = multipletests(p[ok], alpha=q, method="fdr_bh")
        reject[ok] = rej
        adjusted[ok] = adj
    return reject, adjusted
