"""Funnel-plot comparison against a target, with an overdispersion adjustment.

Spiegelhalter (2005) "Funnel plots for comparing institutional performance", Stat Med
24:1185–1202; Spiegelhalter (2005) "Handling over-dispersion of performance indicators",
Qual Saf Health Care 14:347–351; Spiegelhalter et al. (2012) JRSS A 175:1–47; and the
NHS-R / PHE package FunnelPlotR (``R/od_adjustment.R``: ``transformed_zscore``,
``winsorisation``, ``truncation``, ``phi_func``, ``tau_func``).

Scales
------
Every function takes ``scale``; the z-score is ``(Y − T) / sqrt(φ·s² + τ²)`` with

============  ==================  ==================  ===================  ==============
scale         Y (unit i)          T (target)          s² (within-unit)     used for
============  ==================  ==================  ===================  ==============
"identity"    k/n                 target              target(1−target)/n   proportions
"arcsine"     asin(√(k/n))        asin(√target)       1/(4n)               FunnelPlotR PR
"log"         log(k/n)            log(target)         1/(n·target)         ratios, SHMI SR
"logit"       log((k+½)/(n−k+½))  logit(target)       1/(n·t(1−t))         proportions
============  ==================  ==================  ===================  ==============

For the "log" scale, k is the observed count and n the exposure (for an indirectly
standardised ratio: n = expected count, target = 1 — FunnelPlotR's ``sr_method="SHMI"``).
τ² is on the scale of Y.

On the "logit" scale Y is the empirical logit (Cox 1970, with ½ added to both counts,
so that 0 of n and n of n stay finite) and stores differ multiplicatively in the odds —
the random-effects model of a logit-normal between-store spread (e.g. a test-drive rate
of 0.35 for one store and 0.42 for a comparable one), under which a rate that is half its
norm is as far out for a 15% KPI as for a 60% one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from kpi_lib.stats.robust import winsor_factor

__all__ = [
    "Overdispersion",
    "z_scores",
    "overdispersion",
    "funnel_limits",
    "funnel_pvalues",
    "expected_count",
    "excess_count",
]

_SCALES = ("identity", "arcsine", "log", "logit")


def _parts(k, n, target, scale: str):
    """Return (Y, T, s², valid) on the chosen scale; invalid where n <= 0."""
    if scale not in _SCALES:
        raise ValueError(f"unknown scale {scale!r}; allowed: {', '.join(_SCALES)}")
    k_arr, n_arr, t_arr = np.broadcast_arrays(
        np.asarray(k, dtype=float), np.asarray(n, dtype=float), np.asarray(target, dtype=float)
    )
    valid = n_arr > 0
    n_safe = np.where(valid, n_arr, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_safe
        if scale == "identity":
            y, t, s2 = p, t_arr, t_arr * (1 - t_arr) / n_safe
        elif scale == "arcsine":
            y, t, s2 = np.arcsin(np.sqrt(p)), np.arcsin(np.sqrt(t_arr)), 1 / (4 * n_safe)
        elif scale == "logit":
            y = np.log((k_arr + 0.5) / (n_safe - k_arr + 0.5))
            t, s2 = np.log(t_arr / (1 - t_arr)), 1 / (n_safe * t_arr * (1 - t_arr))
        else:
            y, t, s2 = np.log(p), np.log(t_arr), 1 / (n_safe * t_arr)
    return y, t, s2, valid


def _inverse(y, scale: str):
    if scale == "identity":
        return np.clip(y, 0.0, 1.0)
    if scale == "arcsine":
        return np.sin(np.clip(y, 0.0, np.pi / 2)) ** 2
    if scale == "logit":
        return 1.0 / (1.0 + np.exp(-y))
    return np.exp(y)


def z_scores(k, n, target, tau2: float = 0.0, *, scale: str = "identity") -> np.ndarray:
    r"""Funnel-plot z-scores :math:`z_i = (Y_i - T)/\sqrt{s_i^2 + \tau^2}`.

    On the default identity scale :math:`z_i = (k_i/n_i - t)/\sqrt{t(1-t)/n_i + \tau^2}`
    (Spiegelhalter 2005, §3). NaN where ``n == 0``. See the module docstring for the
    other scales.

    Examples
    --------
    >>> z_scores([30, 10, 0], [100, 100, 0], 0.2).round(3)
    array([ 2.5, -2.5,  nan])

    Logit scale: ``(ln(30.5/70.5) − ln(0.25)) / sqrt(1/(100·0.2·0.8))`` = 2.194:

    >>> z_scores([30], [100], 0.2, scale="logit").round(3)
    array([2.194])
    """
    y, t, s2, valid = _parts(k, n, target, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y - t) / np.sqrt(s2 + tau2)
    return np.where(valid, z, np.nan)


@dataclass(frozen=True)
class Overdispersion:
    """Result of :func:`overdispersion`.

    Attributes
    ----------
    phi : float
        Dispersion ratio φ = (1/I)·Σ z_w² of the winsorised (or truncated) z-scores.
    tau2 : float
        Between-unit variance τ² (additive method; 0.0 for the multiplicative method).
    method : str
        "additive" or "multiplicative".
    overdispersed : bool
        χ² test: I·φ > χ²_{I−1}(1 − alpha) (Spiegelhalter 2005, §6; default alpha 0.05).
    n_units : int
        I, the number of units that entered φ (n > 0, not truncated).
    p_value : float
        P(χ²_{I−1} ≥ I·φ).
    scale : str
        Scale of the z-scores and of τ².
    """

    phi: float
    tau2: float
    method: str
    overdispersed: bool
    n_units: int
    p_value: float = float("nan")
    scale: str = "identity"

    def limit_kwargs(self) -> dict:
        """Keyword arguments for :func:`funnel_limits` / :func:`funnel_pvalues`.

        No adjustment when not ``overdispersed``; otherwise ``phi`` (multiplicative,
        limits × √φ) or ``tau2`` (additive), plus the ``scale``.
        """
        if not self.overdispersed:
            return {"phi": 1.0, "tau2": 0.0, "scale": self.scale}
        if self.method == "multiplicative":
            return {"phi": self.phi, "tau2": 0.0, "scale": self.scale}
        return {"phi": 1.0, "tau2": self.tau2, "scale": self.scale}


def overdispersion(
    k,
    n,
    target,
    *,
    winsor: float = 0.10,
    method: str = "additive",
    scale: str = "identity",
    trim: str = "winsorise",
    alpha: float = 0.05,
    consistent: bool = False,
) -> Overdispersion:
    r"""Estimate overdispersion among units compared against one target.

    1. z-scores :math:`z_i` of :func:`z_scores` (τ² = 0) for units with n > 0.
       ``target=None`` uses the pooled rate Σk/Σn (as FunnelPlotR does for proportions).
    2. ``trim="winsorise"`` (Spiegelhalter 2005): z-scores below the ``winsor`` quantile /
       above the 1−``winsor`` quantile are set to those quantiles (R's default type-7
       quantiles, as in FunnelPlotR ``winsorisation``). ``trim="truncate"`` (NHS Digital
       SHMI, FunnelPlotR ``truncation``): rank the z-scores, bin with
       ``floor(rank·K/(I+1))``, K = 1/winsor, and drop the lowest and highest bins.
    3. :math:`\hat\phi = \frac1I\sum_i z_{w,i}^2`.
    4. Multiplicative model: limits are scaled by √φ (``funnel_limits(phi=φ)``).
       Additive random-effects model (DerSimonian & Laird 1986, as in FunnelPlotR
       ``tau_func``): with :math:`w_i = 1/s_i^2`,

       .. math:: \hat\tau^2 = \max\Bigl(0,\ \frac{I\hat\phi - (I-1)}
                 {\sum w_i - \sum w_i^2 / \sum w_i}\Bigr)

       (0 when :math:`I\hat\phi < I-1`), and limits use :math:`s_i^2 + \tau^2`.
    ``consistent=True`` divides the winsorised mean square by its expectation for
    standard normal z-scores, :math:`c(w) = (2\Phi(a)-1) - 2a\varphi(a) + 2a^2(1-\Phi(a))`
    with :math:`a = \Phi^{-1}(1-w)` (0.6787 for w = 0.10): winsorising alone shrinks φ
    even when nothing is an outlier, which underestimates τ² and narrows the limits
    (the usual consistency factor of a winsorised variance).

    5. ``overdispersed`` is the χ² test :math:`I\hat\phi > \chi^2_{I-1}(1-\alpha)`.
       ``tau2`` is reported whether or not the test is significant (as FunnelPlotR);
       :meth:`Overdispersion.limit_kwargs` applies it only when ``overdispersed``.

    Reference check: FunnelPlotR's own test (``tests/testthat/test-classes_methods.R``)
    gives φ = 2.948033 for O = (100, 150, 180, 80, 120, 225), E = (108, 112, 165, 95, 100,
    220) on the SHMI scale — reproduced here with ``scale="log", trim="truncate"``.

    Examples
    --------
    >>> od = overdispersion([100, 150, 180, 80, 120, 225], [108, 112, 165, 95, 100, 220],
    ...                     1.0, scale="log", trim="truncate")
    >>> round(od.phi, 6), od.n_units, od.overdispersed
    (2.948033, 6, True)
    """
    if method not in ("additive", "multiplicative"):
        raise ValueError(f"unknown method {method!r}; allowed: additive, multiplicative")
    if trim not in ("winsorise", "truncate"):
        raise ValueError(f"unknown trim {trim!r}; allowed: winsorise, truncate")
    k_arr = np.asarray(k, dtype=float).ravel()
    n_arr = np.asarray(n, dtype=float).ravel()
    if target is None:
        ok_n = n_arr > 0
        target = k_arr[ok_n].sum() / n_arr[ok_n].sum()
    _, _, s2, _ = _parts(k_arr, n_arr, target, scale)
    z = z_scores(k_arr, n_arr, target, scale=scale)
    ok = np.isfinite(z)
    z, s2 = z[ok], np.broadcast_to(s2, ok.shape)[ok]
    factor = 1.0
    if z.size and winsor > 0 and trim == "winsorise":
        lz, uz = np.quantile(z, [winsor, 1 - winsor])
        z = np.clip(z, lz, uz)
        if consistent:
            factor = winsor_factor(winsor)
    elif z.size and winsor > 0:
        bins_k = 1.0 / winsor
        rank = _st.rankdata(z, method="average")
        sp = np.floor(rank * bins_k / (z.size + 1))
        keep = (sp > 0) & (sp < bins_k - 1)
        z, s2 = z[keep], s2[keep]
    n_units = int(z.size)
    if n_units == 0:
        return Overdispersion(np.nan, 0.0, method, False, 0, np.nan, scale)
    phi = float(np.mean(z**2)) / factor
    stat = n_units * phi
    p_value = float(_st.chi2.sf(stat, n_units - 1)) if n_units > 1 else float("nan")
    overdispersed = bool(n_units > 1 and p_value < alpha)
    tau2 = 0.0
    if method == "additive" and stat >= n_units - 1:
        w = 1.0 / s2
        denom = w.sum() - (w**2).sum() / w.sum()
        tau2 = float(max(0.0, (stat - (n_units - 1)) / denom)) if denom > 0 else 0.0
    return Overdispersion(phi, tau2, method, overdispersed, n_units, p_value, scale)


def funnel_limits(
    target,
    n,
    level: float = 0.95,
    *,
    phi: float = 1.0,
    tau2: float = 0.0,
    scale: str = "identity",
    exact: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Control limits at volume n around the target.

    Normal approximation on the chosen scale, back-transformed:

    .. math:: T \pm z_{1-\alpha/2}\sqrt{\phi\, s^2(n) + \tau^2},\qquad
              \text{identity: } t \pm z\sqrt{\phi\,t(1-t)/n + \tau^2}\ \text{clipped to }[0,1]

    (Spiegelhalter 2005, §3 and §6; levels used by the report: 0.95 and 0.998).

    ``exact=True`` gives the exact binomial limits of Spiegelhalter (2005, Appendix A.1.1)
    for the unadjusted identity scale: with :math:`r_p` the smallest r with
    :math:`F(r) \ge p` under Bin(n, t),
    :math:`y_p = (r_p - a)/n,\ a = (F(r_p) - p)/(F(r_p) - F(r_p - 1))`. Prefer it for small
    n, where the normal limits are too narrow below the target.

    NaN where ``n == 0``.

    Examples
    --------
    >>> lo, hi = funnel_limits(0.2, [100, 400])
    >>> lo.round(4), hi.round(4)
    (array([0.1216, 0.1608]), array([0.2784, 0.2392]))
    >>> [round(float(x), 4) for x in funnel_limits(0.2, 100, tau2=0.001)]
    [0.1001, 0.2999]
    """
    alpha = 1.0 - float(level)
    t_arr, n_arr = np.broadcast_arrays(np.asarray(target, dtype=float), np.asarray(n, dtype=float))
    valid = n_arr > 0
    if exact:
        if scale != "identity" or phi != 1.0 or tau2 != 0.0:
            raise ValueError("exact limits are only for the unadjusted identity scale")
        n_int = np.where(valid, n_arr, 1.0)
        out = []
        for p in (alpha / 2, 1 - alpha / 2):
            r = _st.binom.ppf(p, n_int, t_arr)
            f_r = _st.binom.cdf(r, n_int, t_arr)
            f_r1 = _st.binom.cdf(r - 1, n_int, t_arr)
            with np.errstate(divide="ignore", invalid="ignore"):
                a = np.where(f_r > f_r1, (f_r - p) / (f_r - f_r1), 0.0)
            out.append(np.where(valid, np.clip((r - a) / n_int, 0.0, 1.0), np.nan))
        return out[0], out[1]
    _, t, s2, _ = _parts(t_arr, n_arr, t_arr, scale)
    half = _st.norm.ppf(1 - alpha / 2) * np.sqrt(phi * s2 + tau2)
    lo = np.where(valid, _inverse(t - half, scale), np.nan)
    hi = np.where(valid, _inverse(t + half, scale), np.nan)
    return lo, hi


def funnel_pvalues(
    k, n, target, *, phi: float = 1.0, tau2: float = 0.0, scale: str = "identity"
) -> np.ndarray:
    r"""Two-sided p-values of the (adjusted) z-scores, :math:`2\,\Phi(-|z_i|)` with
    :math:`z_i = (Y_i - T)/\sqrt{\phi s_i^2 + \tau^2}`. NaN where ``n == 0``.

    Examples
    --------
    >>> funnel_pvalues([30, 20], [100, 100], 0.2).round(4)
    array([0.0124, 1.    ])
    """
    y, t, s2, valid = _parts(k, n, target, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y - t) / np.sqrt(phi * s2 + tau2)
    return np.where(valid, 2 * _st.norm.sf(np.abs(z)), np.nan)


def expected_count(n, rate) -> np.ndarray:
    """Events expected at the benchmark rate: ``n · rate``.

    Examples
    --------
    >>> float(expected_count(120, 0.35))
    42.0
    """
    return np.asarray(n, dtype=float) * np.asarray(rate, dtype=float)


def excess_count(k, n, rate) -> np.ndarray:
    """Observed minus expected events, ``k − n·rate`` (negative: fewer than expected).

    This is the absolute gap the report states, e.g. "≈14 fewer test drives than expected"
    for 28 test drives from 120 visits against a 35 % benchmark.

    Examples
    --------
    >>> float(excess_count(28, 120, 0.35))
    -14.0
    """
    return np.asarray(k, dtype=float) - expected_count(n, rate)
