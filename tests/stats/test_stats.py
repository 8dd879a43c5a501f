"""kpi_lib.stats against published reference values (source named next to each)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st

from kpi_lib.stats import (
    Overdispersion,
    beta_binomial_fit,
    excess_count,
    expected_count,
    fdr,
    funnel_limits,
    funnel_pvalues,
    mean_ci,
    overdispersion,
    poisson_rate_ci,
    proportion_ci,
    shrink,
    z_scores,
)

# --------------------------------------------------------------------------- proportions


def test_wilson_81_of_263():
    # Newcombe (1998) Stat Med 17:857-872; Wikipedia "Binomial proportion confidence
    # interval": 81/263, 95 % Wilson -> 0.2553 to 0.3662.
    lo, hi = proportion_ci(81, 263)
    assert isinstance(lo, float) and isinstance(hi, float)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)


def test_clopper_pearson_81_of_263():
    # Same sources: 81/263, 95 % Clopper-Pearson -> 0.2527 to 0.3676.
    lo, hi = proportion_ci(81, 263, method="clopper-pearson")
    assert (round(lo, 4), round(hi, 4)) == (0.2527, 0.3676)


def test_proportion_ci_vectorised_and_zero_denominator():
    lo, hi = proportion_ci(np.array([81, 0, 5]), np.array([263, 0, 5]))
    assert lo.shape == hi.shape == (3,)
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    assert lo[0] == pytest.approx(0.2553, abs=5e-5)
    assert hi[2] == pytest.approx(1.0)
    assert all(np.isnan(proportion_ci(0, 0)))


def test_proportion_ci_unknown_method_lists_allowed():
    with pytest.raises(ValueError, match="clopper-pearson, wilson"):
        proportion_ci(1, 2, method="wald")


# ------------------------------------------------------------------------ exact binomial


def test_exact_binomial_tail_reference():
    # scipy.stats.binomtest docs example: binomtest(3, 15, 0.1, alternative="greater")
    # -> pvalue 0.18406; the same tail drives the exact funnel limits below.
    ref = st.binomtest(3, 15, 0.1, alternative="greater").pvalue
    assert ref == pytest.approx(0.18406, abs=5e-6)
    assert 1 - st.binom.cdf(2, 15, 0.1) == pytest.approx(ref)


def test_exact_funnel_limits_interpolation_by_hand():
    # Spiegelhalter (2005) Stat Med 24:1185, Appendix A.1.1: y_p = (r_p - a) / n with
    # a = (F(r_p) - p) / (F(r_p) - F(r_p - 1)). Bin(15, 0.1), p = 0.975 -> r_p = 4.
    f4, f3 = st.binom.cdf(4, 15, 0.1), st.binom.cdf(3, 15, 0.1)
    assert f3 < 0.975 <= f4
    upper = (4 - (f4 - 0.975) / (f4 - f3)) / 15
    lo, hi = funnel_limits(0.1, 15, exact=True)
    assert float(hi) == pytest.approx(upper, rel=1e-12)
    assert float(lo) == 0.0  # F(0) = 0.206 > 0.025: the lower limit is 0
    with pytest.raises(ValueError):
        funnel_limits(0.1, 15, exact=True, tau2=0.01)


# ------------------------------------------------------------------------------ FDR

BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
           0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_benjamini_hochberg_1995_example():
    # Benjamini & Hochberg (1995) JRSS B 57:289-300, section 4 example (15 p-values):
    # BH at q = 0.05 rejects the 4 smallest.
    reject, adjusted = fdr(BH_1995, q=0.05)
    assert reject.sum() == 4
    assert reject[:4].all() and not reject[4:].any()
    assert adjusted[3] == pytest.approx(0.0095 * 15 / 4)


def test_fdr_ignores_nan():
    p = [0.0001, np.nan, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
         0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]
    reject, adjusted = fdr(p)
    assert reject.sum() == 4 and not reject[1] and np.isnan(adjusted[1])
    np.testing.assert_allclose(np.delete(adjusted, 1), fdr(BH_1995)[1])


# ------------------------------------------------------------------------- funnel plot

# FunnelPlotR (NHS-R community), tests/testthat/test-classes_methods.R:
#   funnel_plot(c(100,150,180,80,120,225), c(108,112,165,95,100,220), ...)  (defaults:
#   data_type="SR", sr_method="SHMI", trim_by=0.1)
#   expect_equal(round(phi.funnelplot(a), 6), 2.948033)
# SHMI scale: z = sqrt(E) * log(O / E) (s = 1/sqrt(E)), truncation not winsorisation
# (R/od_adjustment.R). tau2 and OD limits are not printed in the package tests; they are
# recomputed below from the package's published formulas (tau_func, OD95 limits).
FPR_O = np.array([100, 150, 180, 80, 120, 225])
FPR_E = np.array([108, 112, 165, 95, 100, 220])


def test_funnelplotr_phi_reference():
    od = overdispersion(FPR_O, FPR_E, 1.0, scale="log", trim="truncate", winsor=0.1)
    assert isinstance(od, Overdispersion)
    assert round(od.phi, 6) == 2.948033
    assert od.n_units == 6 and od.method == "additive" and od.scale == "log"


def test_funnelplotr_tau2_and_limits_from_package_formulas():
    od = overdispersion(FPR_O, FPR_E, 1.0, scale="log", trim="truncate")
    i, phi = 6, 2.948033175
    w = FPR_E.astype(float)  # 1 / s^2 with s = 1 / sqrt(E)
    tau2 = (i * phi - (i - 1)) / (w.sum() - (w**2).sum() / w.sum())
    assert od.tau2 == pytest.approx(tau2, rel=1e-6)
    assert od.tau2 == pytest.approx(0.0194775, rel=1e-5)  # 12.688 / 651.43
    assert od.overdispersed  # 6 * 2.948 = 17.69 > chi2_5(0.95) = 11.07
    # FunnelPlotR OD95 limits for SHMI: exp(+-1.959964 * sqrt(1/E + tau2))
    lo, hi = funnel_limits(1.0, FPR_E, 0.95, **od.limit_kwargs())
    half = 1.959964 * np.sqrt(1 / FPR_E + tau2)
    np.testing.assert_allclose(lo, np.exp(-half), rtol=1e-6)
    np.testing.assert_allclose(hi, np.exp(half), rtol=1e-6)


def test_winsorisation_matches_type7_quantile_by_hand():
    k = np.array([5, 12, 20, 31, 18, 25, 40, 9, 22, 27])
    n = np.full(10, 100)
    target = 0.2
    z = (k / n - target) / np.sqrt(target * (1 - target) / n)
    lz, uz = np.quantile(z, [0.1, 0.9])  # R quantile() type 7 == numpy "linear"
    zw = np.clip(z, lz, uz)
    phi = np.mean(zw**2)
    od = overdispersion(k, n, target)
    assert od.phi == pytest.approx(phi)
    w = n / (target * (1 - target))
    tau2 = max(0.0, (10 * phi - 9) / (w.sum() - (w**2).sum() / w.sum()))
    assert od.tau2 == pytest.approx(tau2)
    mult = overdispersion(k, n, target, method="multiplicative")
    assert mult.tau2 == 0.0 and mult.phi == pytest.approx(phi)


def test_no_overdispersion_for_binomial_noise():
    rng = np.random.default_rng(7)
    n = rng.integers(50, 400, size=40)
    k = rng.binomial(n, 0.3)
    od = overdispersion(k, n, 0.3)
    assert not od.overdispersed
    assert od.limit_kwargs() == {"phi": 1.0, "tau2": 0.0, "scale": "identity"}


def test_multiplicative_limits_scale_by_sqrt_phi():
    lo1, hi1 = funnel_limits(0.3, 200, 0.998)
    lo2, hi2 = funnel_limits(0.3, 200, 0.998, phi=2.25)
    assert (hi2 - 0.3) == pytest.approx(1.5 * (hi1 - 0.3))
    assert (0.3 - lo2) == pytest.approx(1.5 * (0.3 - lo1))


def test_funnel_limits_normal_formula_and_nan():
    lo, hi = funnel_limits(0.2, np.array([100, 0, 4]), 0.95, tau2=0.0)
    half = st.norm.ppf(0.975) * np.sqrt(0.2 * 0.8 / 100)
    assert lo[0] == pytest.approx(0.2 - half) and hi[0] == pytest.approx(0.2 + half)
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    assert lo[2] == 0.0  # clipped to [0, 1]


def test_arcsine_scale_limits_back_transform():
    lo, hi = funnel_limits(0.25, 100, 0.95, scale="arcsine")
    t = np.arcsin(np.sqrt(0.25))
    half = st.norm.ppf(0.975) / (2 * np.sqrt(100))
    assert float(lo) == pytest.approx(np.sin(t - half) ** 2)
    assert float(hi) == pytest.approx(np.sin(t + half) ** 2)


def test_z_scores_and_pvalues_vectorised():
    z = z_scores([30, 10, 0], [100, 100, 0], 0.2)
    np.testing.assert_allclose(z[:2], [2.5, -2.5])
    assert np.isnan(z[2])
    p = funnel_pvalues([30, 10, 0], [100, 100, 0], 0.2)
    np.testing.assert_allclose(p[:2], 2 * st.norm.sf(2.5))
    assert np.isnan(p[2])
    p_adj = funnel_pvalues(30, 100, 0.2, tau2=0.0016)
    assert float(p_adj) == pytest.approx(2 * st.norm.sf(0.1 / np.sqrt(0.0016 + 0.0016)))


def test_expected_and_excess_count():
    # "≈14 fewer test drives than expected": 28 test drives from 120 visits vs 35 %.
    assert float(expected_count(120, 0.35)) == pytest.approx(42.0)
    assert float(excess_count(28, 120, 0.35)) == pytest.approx(-14.0)
    np.testing.assert_allclose(excess_count([28, 50], [120, 100], 0.35), [-14.0, 15.0])


# -------------------------------------------------------------------------- shrinkage


def test_shrink_hand_computed():
    # Beta(3, 7) prior (mean 0.3, worth 10 visits); store with 2/5:
    # (2 + 3) / (5 + 10) = 1/3 -- moved from 0.40 most of the way to 0.30.
    post = shrink([2, 0, 300], [5, 0, 1000], 3.0, 7.0)
    np.testing.assert_allclose(post, [1 / 3, 0.3, 303 / 1010])
    assert abs(post[2] - 0.3) < abs(2 / 5 - 0.3)


def test_beta_binomial_fit_moments_by_hand():
    k = np.array([10, 30, 20, 45])
    n = np.array([100, 100, 100, 150])
    m = k.sum() / n.sum()
    s = np.sum(n * (k / n - m) ** 2)
    big_n = n.sum()
    rho = (s / (m * (1 - m)) - 3) / (big_n - (n**2).sum() / big_n - 3)
    a, b = beta_binomial_fit(k, n)
    assert a + b == pytest.approx(1 / rho - 1)
    assert a / (a + b) == pytest.approx(m)
    a_mle, b_mle = beta_binomial_fit(k, n, method="mle")
    assert a_mle / (a_mle + b_mle) == pytest.approx(m, abs=0.01)


def test_beta_binomial_fit_fallbacks():
    assert beta_binomial_fit([3], [10]) == (0.5, 0.5)  # one store: Jeffreys
    assert beta_binomial_fit([0, 0], [10, 20]) == (0.5, 0.5)  # pooled rate 0
    a, b = beta_binomial_fit([5, 5, 5], [50, 50, 50])  # no extra variation
    assert a + b == pytest.approx(150.0) and a / (a + b) == pytest.approx(0.1)


# ------------------------------------------------------------------ rates and means


def test_poisson_rate_ci_garwood_by_hand():
    # Garwood (1936): count c -> [chi2(a/2; 2c) / 2, chi2(1 - a/2; 2c + 2) / 2].
    total, c = 10_000.0, 40
    c_lo = st.chi2.ppf(0.025, 2 * c) / 2
    c_hi = st.chi2.ppf(0.975, 2 * c + 2) / 2
    lo, hi = poisson_rate_ci(total, c)
    assert lo == pytest.approx(total / c_hi) and hi == pytest.approx(total / c_lo)
    assert lo < total / c < hi
    lo_v, hi_v = poisson_rate_ci([total, 500.0], [c, 0])
    assert lo_v[0] == pytest.approx(lo) and np.isnan(lo_v[1]) and np.isnan(hi_v[1])


def test_mean_ci_bootstrap_deterministic_and_t():
    rng = np.random.default_rng(3)
    prices = rng.lognormal(np.log(180_000), 0.3, size=60)
    a = mean_ci(prices, seed=11)
    b = mean_ci(prices, seed=11)
    assert a == b and a[0] < prices.mean() < a[1]
    assert mean_ci(prices, seed=12) != a
    lo, hi = mean_ci([1.0, 2.0, 3.0, 4.0, 5.0], method="t")
    half = st.t.ppf(0.975, 4) * np.std([1, 2, 3, 4, 5], ddof=1) / np.sqrt(5)
    assert (lo, hi) == pytest.approx((3 - half, 3 + half))
    assert all(np.isnan(mean_ci([np.nan, 4.0])))
    with pytest.raises(ValueError):
        mean_ci(prices, method="jackknife")


def test_winsorised_overdispersion_is_consistent_when_asked() -> None:
    # 4,000 units with no overdispersion at all: the winsorised mean square of their
    # z-scores is about c(0.10) = 0.6787 (not 1), and the consistent estimate about 1
    rng = np.random.default_rng(7)
    n = np.full(4000, 500.0)
    k = rng.binomial(500, 0.3, 4000).astype(float)
    plain = overdispersion(k, n, 0.3)
    fixed = overdispersion(k, n, 0.3, consistent=True)
    assert plain.phi == pytest.approx(0.6787, abs=0.03)
    assert fixed.phi == pytest.approx(1.0, abs=0.04)
    assert fixed.phi == pytest.approx(plain.phi / 0.678655, rel=1e-6)
