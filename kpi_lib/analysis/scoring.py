"""Consultant scoring math (销售顾问综合评分): scaling, composite score, grades, flags.

Pure functions over numbers and pandas objects; the settings come from
``params/scoring.yml`` (:func:`scoring_params`). The rule, for every component::

    component score = clip(100 × value / reference, 0, 100)

where the reference is fixed (``reference``) or ``team_factor`` × the team's pooled value.
The composite is Σ wᵢ sᵢ / Σ wᵢ over the components that are not n/a, and n/a when those
carry less than ``min_weight_share`` of the total weight. Grades come from score bands
(the score rounded to 0.1, as shown); flags from completion.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import ConfigError, load_yaml

COMPONENTS: tuple[str, ...] = ("completion", "conversion", "avg_deal_value", "collection",
                               "process")
GRADES: tuple[str, ...] = ("excellent", "good", "pass", "needs_improvement")
NAN = float("nan")


@dataclass(frozen=True)
class ScoringParams:
    """``params/scoring.yml`` validated."""

    weights: dict[str, float]
    #: component -> ("reference", value) or ("team_factor", factor)
    scaling: dict[str, tuple[str, float]]
    min_weight_share: float
    completion_basis: str
    #: (grade, min score), best first
    bands: tuple[tuple[str, float], ...]
    excellent_completion: float
    improvement_completion: float
    improvement_months: int
    plan_grades: tuple[str, ...]
    plan_goals: dict[str, Any]
    conversion_step: float


def _err(msg: str) -> ConfigError:
    return ConfigError(f"params/scoring.yml: {msg}")


def parse_params(cfg: dict[str, Any]) -> ScoringParams:
    """Validate a scoring mapping (as read from YAML) with plain messages."""
    comps = cfg.get("components")
    if not isinstance(comps, dict) or set(comps) != set(COMPONENTS):
        raise _err(f"components must name exactly: {', '.join(COMPONENTS)}")
    weights, scaling = {}, {}
    for name in COMPONENTS:
        c = comps[name] or {}
        w = c.get("weight")
        if not isinstance(w, int | float) or w < 0:
            raise _err(f"components.{name}.weight must be a number ≥ 0")
        kinds = [k for k in ("reference", "team_factor") if k in c]
        if len(kinds) != 1 or not isinstance(c[kinds[0]], int | float) or c[kinds[0]] <= 0:
            raise _err(f"components.{name} needs exactly one of reference / team_factor (> 0)")
        weights[name], scaling[name] = float(w), (kinds[0], float(c[kinds[0]]))
    if sum(weights.values()) <= 0:
        raise _err("the weights must not all be 0")
    bands = tuple((b["grade"], float(b["min"])) for b in cfg.get("grades", []))
    if [g for g, _ in bands] != list(GRADES) or any(
            a[1] <= b[1] for a, b in zip(bands, bands[1:], strict=False)):
        raise _err(f"grades must list {', '.join(GRADES)} with decreasing min")
    basis = cfg.get("completion_basis", "units")
    if basis not in ("units", "revenue"):
        raise _err("completion_basis must be units or revenue")
    flags, plan = cfg.get("flags", {}), cfg.get("plan", {})
    return ScoringParams(
        weights=weights, scaling=scaling,
        min_weight_share=float(cfg.get("min_weight_share", 0.6)), completion_basis=basis,
        bands=bands, excellent_completion=float(flags.get("excellent_completion", 1.2)),
        improvement_completion=float(flags.get("improvement_completion", 0.8)),
        improvement_months=int(flags.get("improvement_months", 2)),
        plan_grades=tuple(plan.get("grades", ["needs_improvement"])),
        plan_goals=dict(plan.get("goals", {})),
        conversion_step=float(plan.get("conversion_step", 0.05)))


@cache
def scoring_params(folder: Path | None = None) -> ScoringParams:
    """``params/scoring.yml``, checked."""
    return parse_params(load_yaml("scoring.yml", folder))


def scale(value: Any, reference: Any) -> Any:
    """``clip(100 × value / reference, 0, 100)``; NaN when either is n/a or reference ≤ 0.

    >>> float(scale(1.04, 1.2)).__round__(1)
    86.7
    >>> float(scale(0.99, 0.95))
    100.0
    """
    v = np.asarray(value, dtype=float)
    r = np.asarray(reference, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(r > 0, np.clip(100.0 * v / r, 0.0, 100.0), NAN)
    return out if out.ndim else float(out)


def references(p: ScoringParams, team: dict[str, float]) -> dict[str, float]:
    """Each component's reference: fixed, or ``team_factor`` × the team's value."""
    return {name: (val if kind == "reference" else val * team.get(name, NAN))
            for name, (kind, val) in p.scaling.items()}


def component_scores(values: pd.DataFrame, refs: dict[str, float]) -> pd.DataFrame:
    """0–100 score of each component column of ``values`` (NaN stays NaN)."""
    return pd.DataFrame({c: scale(values[c].to_numpy(dtype=float), refs[c])
                         for c in COMPONENTS}, index=values.index)


def composite(scores: pd.DataFrame, p: ScoringParams) -> pd.Series:
    """Weighted mean of the available component scores (n/a below ``min_weight_share``)."""
    w = pd.Series(p.weights)[list(COMPONENTS)]
    s = scores[list(COMPONENTS)]
    have = s.notna().mul(w, axis=1).sum(axis=1)
    total = s.fillna(0.0).mul(w, axis=1).sum(axis=1)
    enough = have >= p.min_weight_share * w.sum() - 1e-9
    return (total / have.where(have > 0)).where(enough)


def grade(score: Any, p: ScoringParams) -> Any:
    """Grade code of a score (rounded to 0.1 first); None for n/a. Vectorised over Series."""
    if isinstance(score, pd.Series):
        return score.map(lambda x: grade(x, p))
    if score is None or not np.isfinite(score):
        return None
    shown = round(float(score), 1)
    return next(g for g, lo in p.bands if shown >= lo)


def flag_excellent(completion: pd.Series, p: ScoringParams) -> pd.Series:
    """Beats the target by 20% or more (completion ≥ ``excellent_completion``)."""
    return completion.ge(p.excellent_completion - 1e-12).fillna(False).astype(bool)


def flag_improvement(history: pd.DataFrame, p: ScoringParams) -> pd.Series:
    """Below ``improvement_completion`` in every one of the last ``improvement_months``.

    ``history`` has one column per month, oldest first, the report month last; a month
    with completion n/a (no target) breaks the run.
    """
    last = history.iloc[:, -p.improvement_months:]
    if last.shape[1] < p.improvement_months:
        return pd.Series(False, index=history.index)
    return last.lt(p.improvement_completion).all(axis=1) & last.notna().all(axis=1)


def weakest(scores: pd.DataFrame, p: ScoringParams) -> pd.Series:
    """The component with the largest weighted shortfall wᵢ × (100 − sᵢ) (None if none)."""
    w = pd.Series(p.weights)[list(COMPONENTS)]
    gap = (100.0 - scores[list(COMPONENTS)]).mul(w, axis=1)
    ok = gap.notna().any(axis=1) & gap.max(axis=1).gt(0)
    out = pd.Series([None] * len(gap), index=gap.index, dtype=object)
    if ok.any():
        out[ok] = gap[ok].idxmax(axis=1, skipna=True).astype(object)
    return out
