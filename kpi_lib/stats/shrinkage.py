"""Empirical-Bayes beta-binomial shrinkage of small stores toward their region."""

from __future__ import annotations

import numpy as np
from scipy import optimize as _opt
from scipy import special as _sp

__all__ = ["beta_binomial_fit", "shrink"]

_JEFFREYS = (0.5, 0.5)


def beta_binomial_fit(k, n, *, method: str = "moments") -> tuple[float, float]:
    r"""Fit the Beta(α, β) prior of store rates from the stores' counts k_i / n_i.

    ``method="moments"`` (default, closed form). With I stores (n_i > 0), N = Σn_i,
    pooled rate :math:`m = \sum k_i / N` and :math:`S = \sum n_i (k_i/n_i - m)^2`,
    the beta-binomial gives :math:`E[S] = m(1-m)\,[(I-1) + \rho\,(N - \sum n_i^2/N - (I-1))]`
    with intra-store correlation ρ = 1/(α+β+1), so

    .. math:: \hat\rho = \frac{S/(m(1-m)) - (I-1)}{N - \sum n_i^2/N - (I-1)},\quad
              \alpha+\beta = 1/\hat\rho - 1,\quad \alpha = m(\alpha+\beta)

    (Kleinman 1973, Biometrics 29:213–222; the ANOVA estimator of ρ). ρ̂ is floored at
    1/(N+1): when the stores vary no more than binomial noise the prior is worth at most
    the whole region's N trials, never infinitely many.

    ``method="mle"``: maximises the beta-binomial likelihood (scipy.optimize, L-BFGS-B on
    logit m and log(α+β) ∈ [log 1e-3, log N]) starting from the moment estimate.

    Fallback: fewer than two stores with n > 0, or a pooled rate of exactly 0 or 1 — the
    prior is not identifiable and Jeffreys' Beta(½, ½) is returned.

    Examples
    --------
    >>> a, b = beta_binomial_fit([10, 30, 20, 45], [100, 100, 100, 150])
    >>> round(a / (a + b), 4), round(a + b, 1)
    (0.2333, 23.0)
    """
    if method not in ("moments", "mle"):
        raise ValueError(f"unknown method {method!r}; allowed: moments, mle")
    k_arr = np.asarray(k, dtype=float).ravel()
    n_arr = np.asarray(n, dtype=float).ravel()
    ok = n_arr > 0
    k_arr, n_arr = k_arr[ok], n_arr[ok]
    units = k_arr.size
    big_n = n_arr.sum()
    m = k_arr.sum() / big_n if units else np.nan
    if units < 2 or not 0.0 < m < 1.0:
        return _JEFFREYS
    s = np.sum(n_arr * (k_arr / n_arr - m) ** 2)
    denom = big_n - np.sum(n_arr**2) / big_n - (units - 1)
    rho = (s / (m * (1 - m)) - (units - 1)) / denom if denom > 0 else 0.0
    rho = float(np.clip(rho, 1.0 / (big_n + 1.0), 1.0 - 1e-9))
    strength = 1.0 / rho - 1.0
    if method == "mle":
        def nll(theta):
            mu, strength_ = _sp.expit(theta[0]), np.exp(theta[1])
            a, b = mu * strength_, (1 - mu) * strength_
            return -np.sum(
                _sp.betaln(k_arr + a, n_arr - k_arr + b) - _sp.betaln(a, b)
            )

        start = [_sp.logit(m), np.log(max(strength, 1e-3))]
        res = _opt.minimize(
            nll, start, method="L-BFGS-B",
            bounds=[(None, None), (np.log(1e-3), np.log(big_n))],
        )
        if res.success:
            m, strength = float(_sp.expit(res.x[0])), float(np.exp(res.x[1]))
    return float(m * strength), float((1 - m) * strength)


def shrink(k, n, alpha: float, beta: float) -> np.ndarray:
    r"""Posterior-mean rates :math:`(k_i + \alpha)/(n_i + \alpha + \beta)`.

    A store's estimate moves toward the prior mean α/(α+β) with weight (α+β)/(n_i+α+β):
    small stores move a lot, big ones hardly. ``n == 0`` gives the prior mean.

    Examples
    --------
    >>> shrink([2, 0, 300], [5, 0, 1000], 3.0, 7.0).round(4)
    array([0.3333, 0.3   , 0.3   ])
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    return (k_arr + alpha) / (n_arr + alpha + beta)
