"""Robust spread: a winsorised standard deviation made consistent for normal data.

Winsorising (Spiegelhalter 2005: pull the lowest and highest ``w`` of the values in to
the ``w`` and ``1 − w`` quantiles) protects a spread from the few stores that really are
different; on its own it also shrinks the spread of ordinary stores, since even normal
values beyond the quantiles are pulled in. For standard normal values winsorised at
:math:`\\pm a`, :math:`a = \\Phi^{-1}(1-w)`, the mean square is

.. math:: c(w) = (2\\Phi(a)-1) - 2a\\varphi(a) + 2a^2(1-\\Phi(a)),

0.6787 for w = 0.10; dividing by it gives a consistent estimate (the usual consistency
factor of a winsorised variance). About twice as efficient as 1.4826 × MAD for normal
data, so a spread from 40 stores is not at the mercy of a few of them.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

__all__ = ["robust_sd", "winsor_factor"]


def winsor_factor(winsor: float) -> float:
    """:math:`c(w)`, the mean square of standard normal values winsorised at ``winsor``.

    >>> round(winsor_factor(0.10), 6)
    0.678655
    >>> winsor_factor(0.0)
    1.0
    """
    if not 0 <= winsor < 0.5:
        raise ValueError(f"winsor must be in [0, 0.5), not {winsor!r}")
    if winsor == 0:
        return 1.0
    a = float(_st.norm.ppf(1 - winsor))
    return float((2 * _st.norm.cdf(a) - 1) - 2 * a * _st.norm.pdf(a)
                 + 2 * a * a * _st.norm.sf(a))


def robust_sd(values, winsor: float = 0.10) -> float:
    """Standard deviation of ``values`` around their median, winsorised at ``winsor`` per
    side and divided by :func:`winsor_factor` (NaN without finite values).

    Five values 1…5, winsorised at 10 % (type-7 quantiles 1.4 and 4.6): deviations from
    3 are −1.6 −1 0 1 1.6, mean square 1.424, / 0.678655 → 2.098, √ → 1.449.

    >>> round(robust_sd([1, 2, 3, 4, 5]), 3)
    1.449
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if not x.size:
        return float("nan")
    lo, hi = np.quantile(x, [winsor, 1 - winsor])
    d = np.clip(x, lo, hi) - np.median(x)
    return float(np.sqrt(np.mean(d**2) / winsor_factor(winsor)))
