"""Settings in ``params/*.yml`` that name KPIs, checked against the registry."""

from __future__ import annotations

from functools import cache
from typing import Any

from ..config import ConfigError, load_yaml


def metric_ids(cfg: dict[str, Any], key: str, where: str) -> list[str]:
    """``cfg[key]`` as a non-empty list of registry metric ids, or ConfigError."""
    from .registry import REGISTRY

    ids = cfg.get(key)
    if not isinstance(ids, list) or not ids:
        raise ConfigError(f"{where}: {key} must be a non-empty list of metric ids")
    unknown = [m for m in ids if m not in REGISTRY]
    if unknown:
        raise ConfigError(f"{where}: unknown metric ids in {key}: {unknown}")
    return ids


@cache
def report_config() -> dict[str, Any]:
    """``params/report.yml``: the summary metrics (known ids) and display settings."""
    from .registry import REGISTRY

    cfg = load_yaml("report.yml")
    out: dict[str, Any] = {}
    for key in ("summary_metrics", "comparison_metrics", "funnel_plot_metrics"):
        out[key] = metric_ids(cfg, key, "params/report.yml")
    not_rates = [m for m in out["funnel_plot_metrics"] if REGISTRY[m].unit != "rate"]
    if not_rates:
        raise ConfigError(f"params/report.yml: funnel_plot_metrics must be rates: {not_rates}")
    examples = cfg.get("quality_examples", 15)
    if not isinstance(examples, int) or examples < 0:
        raise ConfigError("params/report.yml: quality_examples must be a whole number ≥ 0")
    out["quality_examples"] = examples
    change = cfg.get("summary_change", {})
    if not isinstance(change, dict):
        raise ConfigError("params/report.yml: summary_change must be a mapping (z, min_effect)")
    unknown = sorted(set(change) - {"z", "min_effect"})
    if unknown:
        raise ConfigError(f"params/report.yml: unknown keys in summary_change: {unknown}")
    out["summary_change"] = {}
    for key, default in (("z", 2.58), ("min_effect", 1)):
        value = change.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"params/report.yml: summary_change.{key} must be a number ≥ 0")
        out["summary_change"][key] = float(value)
    warmup = cfg.get("history_warmup_months", 3)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ConfigError("params/report.yml: history_warmup_months must be a whole number ≥ 0")
    out["history_warmup_months"] = warmup
    return out
