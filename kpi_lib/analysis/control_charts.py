"""Control charts for a store's monthly series: p / Laney p′ for rates, XmR for the rest.

Pure functions over numpy arrays (no data access, no words). Every chart returns a
:class:`Chart`: centre line, per-point lower/upper limits and the :class:`Signal` list.

Signals (Western Electric rules as numbered by Nelson 1984):

* ``beyond_limits`` (rule 1): a point above the upper or below the lower limit;
* ``run`` (rule 2): ``run`` (default 8) consecutive points on the same side of the
  centre line; every point from the 8th of such a run on is a signal. A point exactly on
  the centre line (or a missing one) breaks the run.

References: Montgomery, *Introduction to Statistical Quality Control* (p-chart, XmR);
Wheeler & Chambers, *Understanding Statistical Process Control* (XmR, 2.66 = 3/1.128);
Laney, D. B. (2002) "Improved control charts for attributes", *Quality Engineering*
14(4): 531–537 (p′ chart); Nelson, L. S. (1984) "The Shewhart control chart — tests for
special causes", *J. Quality Technology* 16(4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: d2 for moving ranges of two points: E|x_i − x_{i−1}| = 1.128 σ.
D2 = 1.128
#: XmR limit factor E2 = 3 / d2, as tabulated (Wheeler): 2.66.
E2 = 2.66


@dataclass(frozen=True)
class Signal:
    """One special-cause signal: the month (label), the rule and the side (up/down)."""

    month: str
    rule: str  # "beyond_limits" | "run"
    direction: str  # "up" | "down"


@dataclass
class Chart:
    """A control chart of one series.

    ``kind`` is ``"p"``, ``"laney"`` (p′) or ``"xmr"``; ``values`` the plotted points
    (NaN where n/a), ``lower``/``upper`` the limits per point (NaN where there is no
    point), ``sigma_z`` Laney's between-month factor (p and p′ charts only).
    """

    kind: str
    labels: list[str]
    values: np.ndarray
    centre: float
    lower: np.ndarray
    upper: np.ndarray
    sigma_z: float | None = None
    signals: list[Signal] = field(default_factory=list)


def _labels(labels: Sequence[str] | None, size: int) -> list[str]:
    return [str(i) for i in range(size)] if labels is None else [str(x) for x in labels]


def _mean_moving_range(x: np.ndarray) -> float:
    """Mean |x_i − x_{i−1}| over consecutive known points (NaNs dropped first)."""
    known = x[~np.isnan(x)]
    return float(np.mean(np.abs(np.diff(known)))) if known.size >= 2 else float("nan")


def p_limits(centre: float, n: np.ndarray | float, sigma_z: float = 1.0):
    r"""Limits of a p (``sigma_z = 1``) or Laney p′ chart at subgroup sizes ``n``.

    .. math:: \bar p \pm 3\,\sigma_z \sqrt{\bar p(1-\bar p)/n_i}, \text{ clipped to } [0, 1]

    >>> low, high = p_limits(0.2313, 50)
    >>> round(float(high), 4), round(float(low), 4)
    (0.4102, 0.0524)
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = 3.0 * sigma_z * np.sqrt(centre * (1.0 - centre) / n)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def laney_sigma_z(k, n, centre: float | None = None) -> float:
    r"""Laney's σ_z: the spread of the months' z-scores, by the moving range.

    .. math:: z_i = \frac{p_i - \bar p}{\sigma_{p_i}},\quad
              \sigma_{p_i} = \sqrt{\bar p(1-\bar p)/n_i},\quad
              \sigma_z = \overline{|z_i - z_{i-1}|} / 1.128

    with :math:`\bar p = \sum k / \sum n` unless ``centre`` is given. σ_z ≈ 1 when the
    months differ only binomially; σ_z > 1 means overdispersion (Laney 2002).

    >>> round(laney_sigma_z([10, 30], [100, 100]), 3)   # p̄ = .2, σ_p = .04, z = ∓2.5
    4.433
    """
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    ok = ~np.isnan(k) & ~np.isnan(n) & (n > 0)
    p_bar = float(k[ok].sum() / n[ok].sum()) if centre is None else float(centre)
    if not 0.0 < p_bar < 1.0:
        return float("nan")
    z = (k[ok] / n[ok] - p_bar) / np.sqrt(p_bar * (1.0 - p_bar) / n[ok])
    return _mean_moving_range(z) / D2


def p_chart(k, n, labels: Sequence[str] | None = None, *, laney: bool | None = None,
            run: int = 8) -> Chart:
    r"""p-chart of monthly proportions k_i / n_i, or Laney's p′ chart when overdispersed.

    Centre :math:`\bar p = \sum k_i / \sum n_i` over the months with n_i > 0; limits
    :func:`p_limits`. ``laney=None`` decides by the data: the p′ chart (limits widened by
    :func:`laney_sigma_z`) when σ_z > 1, the plain p-chart otherwise (σ_z ≤ 1: the months
    vary no more than binomially, so the narrower p limits stand). ``laney=True/False``
    forces the choice. Months with n_i = 0 or n/a have no point and no limits.

    >>> c = p_chart([10, 12, 8, 11], [50, 50, 50, 50], laney=False)
    >>> c.kind, round(c.centre, 3), round(float(c.upper[0]), 3)
    ('p', 0.205, 0.376)
    """
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    ok = ~np.isnan(k) & ~np.isnan(n) & (n > 0)
    values = np.where(ok, k / np.where(ok, n, 1.0), np.nan)
    centre = float(k[ok].sum() / n[ok].sum()) if ok.any() else float("nan")
    sigma_z = laney_sigma_z(k, n) if ok.sum() >= 2 else float("nan")
    use_laney = bool(sigma_z > 1.0) if laney is None else laney
    factor = sigma_z if use_laney and not np.isnan(sigma_z) else 1.0
    lower, upper = p_limits(centre, np.where(ok, n, np.nan), factor)
    chart = Chart("laney" if use_laney else "p", _labels(labels, len(k)), values, centre,
                  lower, upper, sigma_z)
    chart.signals = signals(values, centre, lower, upper, chart.labels, run=run)
    return chart


def xmr_chart(x, labels: Sequence[str] | None = None, *, floor: float | None = None,
              run: int = 8) -> Chart:
    r"""XmR (individuals) chart of a series.

    .. math:: \bar X \pm 2.66\,\overline{MR},\quad
              \overline{MR} = \text{mean}\,|x_i - x_{i-1}|

    (E2 = 2.66 ≈ 3 / 1.128). NaNs are left out (the moving range joins the known neighbours).
    ``floor`` caps the lower limit from below (0 for counts and money, which cannot be
    negative; it changes no signal).

    >>> c = xmr_chart([10, 12, 11, 15, 12])
    >>> c.centre, round(float(c.upper[0]), 2), round(float(c.lower[0]), 2)
    (12.0, 18.65, 5.35)
    """
    x = np.asarray(x, dtype=float)
    known = ~np.isnan(x)
    centre = float(np.mean(x[known])) if known.any() else float("nan")
    half = E2 * _mean_moving_range(x)
    low, high = centre - half, centre + half
    if floor is not None and not np.isnan(low):
        low = max(low, floor)
    lower = np.where(known, low, np.nan)
    upper = np.where(known, high, np.nan)
    chart = Chart("xmr", _labels(labels, len(x)), x, centre, lower, upper)
    chart.signals = signals(x, centre, lower, upper, chart.labels, run=run)
    return chart


def signals(values, centre: float, lower, upper, labels: Sequence[str] | None = None,
            run: int = 8) -> list[Signal]:
    """Rule 1 (beyond the limits) and rule 2 (``run`` points on one side), in month order.

    >>> [(s.month, s.rule, s.direction) for s in signals([5, 1, 9], 5.0, [2, 2, 2], [8, 8, 8])]
    [('1', 'beyond_limits', 'down'), ('2', 'beyond_limits', 'up')]
    >>> len(signals([1] * 7 + [0], 0.5, [-9] * 8, [9] * 8))   # 7 above, then one below
    0
    """
    v = np.asarray(values, dtype=float)
    lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    names = _labels(labels, len(v))
    out: list[Signal] = []
    side, length = 0, 0
    for i, value in enumerate(v):
        if np.isnan(value):
            side, length = 0, 0
            continue
        if not np.isnan(hi[i]) and value > hi[i]:
            out.append(Signal(names[i], "beyond_limits", "up"))
        elif not np.isnan(lo[i]) and value < lo[i]:
            out.append(Signal(names[i], "beyond_limits", "down"))
        now = 0 if np.isnan(centre) else int(np.sign(value - centre))
        side, length = (now, length + 1) if now != 0 and now == side else (now, int(now != 0))
        if length >= run:
            out.append(Signal(names[i], "run", "up" if side > 0 else "down"))
    return out
