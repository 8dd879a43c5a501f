"""Confidence intervals for the KPI kinds in the report.

Which interval for which KPI
----------------------------
* **Proportions** — one event per denominator unit at most (test-drive rate = test drives /
  visits, conversion = deliveries / leads): :func:`proportion_ci` (Wilson by default).
* **Amount per event** where the amount is fixed and the number of events is a Poisson count
  (cost per visit = ad spend / visits, cost per lead): :func:`poisson_rate_ci`.
* **Mean of per-deal values** (average deal value = Σ price / deliveries, average discount):
  :func:`mean_ci` — percentile bootstrap by default, Student t on request.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st
from statsmodels.stats.proportion import proportion_confint

__all__ = ["proportion_ci", "poisson_rate_ci", "mean_ci"]

_PROPORTION_METHODS = {"wilson": "wilson", "clopper-pearson": "beta"}


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (exclusive), got {level!r}")
    return level


def _out(x: np.ndarray, scalar: bool):
    return float(x) if scalar else x


def proportion_ci(k, n, level: float = 0.95, method: str = "wilson"):
    r"""Confidence interval for a binomial proportion k/n.

    Wilson score interval (default)

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n}
              + \frac{z^2}{4n^2}}}{1 + z^2/n},\qquad z = z_{1-\alpha/2}

    or the exact Clopper–Pearson interval from beta quantiles,
    ``[B(α/2; k, n−k+1), B(1−α/2; k+1, n−k)]``. Both are computed by
    :func:`statsmodels.stats.proportion.proportion_confint` (methods ``"wilson"`` and
    ``"beta"``).

    Parameters
    ----------
    k, n : int or array_like
        Events and trials (broadcast together). ``n == 0`` gives ``(nan, nan)``.
    level : float
        Confidence level, e.g. 0.95.
    method : {"wilson", "clopper-pearson"}
        Interval type.

    Returns
    -------
    (lower, upper) : floats when both inputs are scalars, otherwise arrays.

    References
    ----------
    Wilson (1927) JASA 22:209–212; Clopper & Pearson (1934) Biometrika 26:404–413;
    Newcombe (1998) Stat Med 17:857–872 (81/263 → Wilson 0.2553–0.3662).

    Examples
    --------
    >>> lo, hi = proportion_ci(81, 263)
    >>> round(lo, 4), round(hi, 4)
    (0.2553, 0.3662)
    >>> proportion_ci([81, 0], [263, 0])[0].round(4)
    array([0.2553,    nan])
    """
    if method not in _PROPORTION_METHODS:
        raise ValueError(
            f"unknown method {method!r}; allowed: {', '.join(sorted(_PROPORTION_METHODS))}"
        )
    level = _check_level(level)
    scalar = np.ndim(k) == 0 and np.ndim(n) == 0
    k_arr, n_arr = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(n, dtype=float))
    ok = n_arr > 0
    lo = np.full(k_arr.shape, np.nan)
    hi = np.full(k_arr.shape, np.nan)
    if ok.any():
        lo_ok, hi_ok = proportion_confint(
            k_arr[ok], n_arr[ok], alpha=1.0 - level, method=_PROPORTION_METHODS[method]
        )
        lo[ok] = lo_ok
        hi[ok] = hi_ok
    return _out(lo, scalar), _out(hi, scalar)


def poisson_rate_ci(total, count, level: float = 0.95):
    r"""Interval for "amount per event" = total / count with a Poisson count.

    The amount (e.g. the month's ad spend) is treated as fixed and the count (visits, leads)
    as Poisson. The exact Garwood (1936) interval of the count,

    .. math:: c_L = \tfrac12\chi^2_{\alpha/2}(2c),\qquad c_U = \tfrac12\chi^2_{1-\alpha/2}(2c+2),

    is inverted: the interval of total/count is ``(total / c_U, total / c_L)``.

    Use it for cost per visit, cost per lead, ad spend per deal. Do **not** use it for
    average deal value (the amount is itself random there) — see :func:`mean_ci`.

    Parameters
    ----------
    total : float or array_like
        The fixed amount (numerator).
    count : int or array_like
        The event count (denominator). ``count == 0`` gives ``(nan, nan)``: the ratio is n/a.
    level : float
        Confidence level.

    Returns
    -------
    (lower, upper) : floats for scalar inputs, otherwise arrays.

    References
    ----------
    Garwood (1936) Biometrika 28:437–442; Ulm (1990) Am J Epidemiol 131:373–375.

    Examples
    --------
    >>> lo, hi = poisson_rate_ci(10_000.0, 40)
    >>> round(lo, 2), round(hi, 2)
    (183.59, 349.94)
    """
    level = _check_level(level)
    alpha = 1.0 - level
    scalar = np.ndim(total) == 0 and np.ndim(count) == 0
    t_arr, c_arr = np.broadcast_arrays(
        np.asarray(total, dtype=float), np.asarray(count, dtype=float)
    )
    ok = c_arr > 0
    c = np.where(ok, c_arr, 1.0)
    c_lo = _st.chi2.ppf(alpha / 2, 2 * c) / 2
    c_hi = _st.chi2.ppf(1 - alpha / 2, 2 * c + 2) / 2
    lo = np.where(ok, t_arr / c_hi, np.nan)
    hi = np.where(ok, t_arr / c_lo, np.nan)
    return _out(lo, scalar), _out(hi, scalar)


def mean_ci(
    values,
    level: float = 0.95,
    method: str = "bootstrap",
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    r"""Interval for the mean of per-deal values (average deal value, average discount).

    * ``"bootstrap"`` (default): percentile bootstrap — resample the values with
      replacement ``n_boot`` times with ``numpy.random.default_rng(seed)`` and take the
      α/2 and 1−α/2 quantiles of the resampled means (Efron & Tibshirani 1993, ch. 13).
      Same seed → same interval. Robust to the skew of car prices.
    * ``"t"``: :math:`\bar x \pm t_{1-\alpha/2,\,n-1}\, s/\sqrt n`.

    NaN values are dropped; fewer than 2 values gives ``(nan, nan)``.

    Examples
    --------
    >>> lo, hi = mean_ci([1.0, 2.0, 3.0, 4.0, 5.0], method="t")
    >>> round(lo, 4), round(hi, 4)
    (1.0368, 4.9632)
    >>> mean_ci([150_000, 180_000, 210_000], seed=1) == mean_ci([150_000, 180_000, 210_000], seed=1)
    True
    """
    level = _check_level(level)
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if x.size < 2:
        return (np.nan, np.nan)
    alpha = 1.0 - level
    if method == "t":
        half = _st.t.ppf(1 - alpha / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
        return (float(x.mean() - half), float(x.mean() + half))
    if method != "bootstrap":
        raise ValueError(f"unknown method {method!r}; allowed: bootstrap, t")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(int(n_boot), x.size))
    means = x[idx].mean(axis=1)
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return (float(lo), float(hi))
