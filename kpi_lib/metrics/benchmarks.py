"""Benchmarks for one month: averages, benchmark stores, peers, or published values.

For every store × metric of a month's cube, five scopes (DATA_CONTRACT.md "Benchmarks",
DOMAIN.md "Comparisons the templates ask for"):

``national_avg`` / ``regional_avg``
    ratio KPIs: pooled over all stores (of the store's region),
    Σ numerator / Σ denominator — not the mean of the stores' rates; count and sum KPIs:
    the mean per store (numerator = Σ values, denominator = number of stores). A store
    is never its own benchmark: in a group of fewer than ``min_pool_stores`` stores
    (default 10) the store's own numbers are left out of its average.
``national_best`` / ``regional_best``
    the best *other* store by the KPI per its direction (max for ``up``, min for
    ``down``, none for KPIs without a direction) among stores with enough volume:
    denominator ≥ ``min_volume`` (ratios) or ``volume_metric`` (visits) ≥
    ``min_volume.default`` (counts and sums). ``reference_store`` names it; ties go to
    the lower store id.
``peers``
    pooled like the averages over the store's peers (the store itself excluded): the ones
    named in ``params/benchmarks.yml`` (the templates' A店/B店), else the ``k`` nearest
    stores by the distance

    .. math:: d(i, j) = w_r [r_i \\ne r_j] + w_t |t_i - t_j| + w_v |\\ln(v_i / v_j)|

    with region ``r``, tier rank ``t`` (A=0, B=1, … in sorted order; a missing tier
    counts as 1 apart) and volume ``v`` (the month's visits); ties go to the lower id.
    ``reference_store`` lists the peers, comma-separated.

A brand may publish values per KPI and month (``params/published_benchmarks.csv``:
``month, metric, scope, value`` with scope ``national_avg``, ``national_best``,
``regional_avg[:<region>]``, ``regional_best[:<region>]``); they replace the computed
value and the row says ``source = "supplied"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import paths
from ..config import ConfigError, load_yaml
from .registry import REGISTRY

SCOPES: tuple[str, ...] = ("national_avg", "regional_avg", "national_best", "regional_best",
                           "peers")
BENCH_COLUMNS: tuple[str, ...] = ("store_id", "metric", "scope", "value", "numerator",
                                  "denominator", "source", "reference_store")
SUPPLIED_COLUMNS: tuple[str, ...] = ("month", "metric", "scope", "value")

#: Settings used when params/benchmarks.yml leaves them out (see that file for meanings).
DEFAULTS: dict[str, Any] = {
    "comparison": {"default": "regional_avg", "by_metric": {}, "min_region_stores": 3,
                   "min_pool_stores": 10},
    "min_volume": {"default": 100, "by_metric": {}},
    "volume_metric": "visits",
    "peers": {},
    "nearest_peers": {"k": 3, "weights": {"region": 1.0, "tier": 0.5, "volume": 1.0}},
    "network_pct": {"watch_below": 0.20, "watch_above": 0.80},
    "tests": {"watch_level": 0.95, "clear_level": 0.998, "fdr_q": 0.05, "winsor": 0.10,
              "scale": "logit"},
    "published_file": "published_benchmarks.csv",
    "capacity": {"metrics": ["visits"], "min_group": 20, "min_spread": 0.05,
                 "spread_metrics": ["cost_per_visit", "cost_per_lead", "cost_per_order"]},
}


def _fail(msg: str) -> ConfigError:
    return ConfigError(f"params/benchmarks.yml: {msg}")


def _number(value: Any, where: str, low: float = 0.0, high: float = np.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            low <= value <= high):
        raise _fail(f"{where} must be a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


def _known(ids: Iterable[str], where: str) -> None:
    unknown = [m for m in ids if m not in REGISTRY]
    if unknown:
        raise _fail(f"unknown metric ids in {where}: {unknown}")


def validate_benchmark_config(raw: dict[str, Any] | None,
                              stores: Iterable[str] | None = None) -> dict[str, Any]:
    """Merge ``raw`` over :data:`DEFAULTS` and check it; ConfigError names the problem.

    ``stores`` (known store ids), when given, is checked against ``peers``.

    >>> validate_benchmark_config({"min_volume": {"default": 50}})["min_volume"]["default"]
    50.0
    """
    raw = dict(raw or {})
    unknown_keys = sorted(set(raw) - set(DEFAULTS))
    if unknown_keys:
        raise _fail(f"unknown settings {unknown_keys}; known: {sorted(DEFAULTS)}")
    cfg: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        value = raw.get(key, default)
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise _fail(f"{key} must be a mapping")
            value = {**default, **value}
        cfg[key] = value

    comp = cfg["comparison"]
    scopes = {comp["default"], *comp["by_metric"].values()}
    if not scopes <= set(SCOPES):
        raise _fail(f"comparison scopes must be among {list(SCOPES)}, got {sorted(scopes)}")
    _known(comp["by_metric"], "comparison.by_metric")
    for name in ("min_region_stores", "min_pool_stores"):
        comp[name] = int(_number(comp[name], f"comparison.{name}"))
    cap = cfg["capacity"]
    unknown_cap = sorted(set(cap) - set(DEFAULTS["capacity"]))
    if unknown_cap:
        raise _fail(f"capacity: unknown settings {unknown_cap}")
    for name in ("metrics", "spread_metrics"):
        if not isinstance(cap[name], list):
            raise _fail(f"capacity.{name} must be a list of metric ids")
        _known(cap[name], f"capacity.{name}")
    cap["min_group"] = int(_number(cap["min_group"], "capacity.min_group", 2))
    cap["min_spread"] = _number(cap["min_spread"], "capacity.min_spread", 0.0, 5.0)
    vol = cfg["min_volume"]
    vol["default"] = _number(vol["default"], "min_volume.default")
    _known(vol["by_metric"], "min_volume.by_metric")
    vol["by_metric"] = {m: _number(v, f"min_volume.by_metric.{m}")
                        for m, v in vol["by_metric"].items()}
    _known([cfg["volume_metric"]], "volume_metric")
    near = cfg["nearest_peers"]
    near["k"] = int(_number(near["k"], "nearest_peers.k", 1))
    near["weights"] = {**DEFAULTS["nearest_peers"]["weights"], **near["weights"]}
    for name, w in near["weights"].items():
        if name not in DEFAULTS["nearest_peers"]["weights"]:
            raise _fail(f"nearest_peers.weights: unknown weight {name!r}")
        _number(w, f"nearest_peers.weights.{name}")
    for name, v in cfg["network_pct"].items():
        _number(v, f"network_pct.{name}", 0.0, 1.0)
    tests = cfg["tests"]
    for name in ("watch_level", "clear_level", "fdr_q", "winsor"):
        _number(tests[name], f"tests.{name}", 0.0, 1.0)
    if tests["scale"] not in ("identity", "logit", "arcsine", "log"):
        raise _fail(f"tests.scale must be identity, logit, arcsine or log, not "
                    f"{tests['scale']!r}")
    if not tests["watch_level"] < tests["clear_level"] < 1:
        raise _fail("tests: need watch_level < clear_level < 1")
    peers = cfg["peers"]
    for sid, named in peers.items():
        if not isinstance(named, list) or not named or str(sid) in map(str, named):
            raise _fail(f"peers.{sid} must be a non-empty list of other store ids")
    cfg["peers"] = {str(s): [str(p) for p in named] for s, named in peers.items()}
    if stores is not None:
        known = set(map(str, stores))
        bad = sorted({s for s, named in cfg["peers"].items() for s in [s, *named]} - known)
        if bad:
            raise _fail(f"unknown stores in peers: {bad}")
    return cfg


def load_benchmark_config(folder: Path | None = None,
                          stores: Iterable[str] | None = None) -> dict[str, Any]:
    """``params/benchmarks.yml``, merged over :data:`DEFAULTS` and validated."""
    return validate_benchmark_config(load_yaml("benchmarks.yml", folder), stores)


def load_supplied(path: Path | None = None) -> pd.DataFrame:
    """Published benchmark values (``month, metric, scope, value``); empty if no file.

    Lines starting with ``#`` are comments. ConfigError names the bad row.
    """
    path = Path(path) if path is not None else paths.PARAMS / DEFAULTS["published_file"]
    if not path.exists():
        return pd.DataFrame(columns=list(SUPPLIED_COLUMNS))
    try:
        df = pd.read_csv(path, comment="#", dtype=str, skip_blank_lines=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable CSV ({exc})") from exc
    return check_supplied(df, str(path))


def check_supplied(df: pd.DataFrame, where: str = "supplied benchmarks") -> pd.DataFrame:
    """Check supplied values: known columns, months, metric ids, scopes, numbers."""
    missing = [c for c in SUPPLIED_COLUMNS if c not in df.columns]
    if missing:
        raise ConfigError(f"{where}: missing columns {missing} (need {list(SUPPLIED_COLUMNS)})")
    df = df[list(SUPPLIED_COLUMNS)].copy()
    for i, row in enumerate(df.itertuples(index=False), start=1):
        month, metric, scope = str(row.month).strip(), str(row.metric).strip(), str(row.scope)
        if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
            raise ConfigError(f"{where}, row {i}: month must be YYYY-MM, not {month!r}")
        if metric not in REGISTRY:
            raise ConfigError(f"{where}, row {i}: unknown metric id {metric!r}")
        base, _, region = scope.strip().partition(":")
        if base not in SCOPES[:4] or (region and base.startswith("national")):
            raise ConfigError(f"{where}, row {i}: scope must be national_avg, national_best, "
                              f"regional_avg[:<region>] or regional_best[:<region>], "
                              f"not {scope!r}")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    if df["value"].isna().any():
        raise ConfigError(f"{where}, row {int(np.argmax(df['value'].isna())) + 1}: "
                          "value must be a number")
    for col in ("month", "metric", "scope"):
        df[col] = df[col].astype(str).str.strip()
    return df.reset_index(drop=True)


def _prepare(cube: pd.DataFrame, stores: pd.DataFrame, cfg: dict[str, Any]) -> pd.DataFrame:
    """The cube joined to region/tier, with what pooling adds up (a_num, a_den)."""
    months = cube["month"].unique() if "month" in cube else []
    if len(months) > 1:
        raise ValueError(f"benchmarks take one month's cube, got {sorted(months)}")
    info = stores[["store_id", "region"]].astype({"store_id": str}).copy()
    info["tier"] = stores["tier"].to_numpy() if "tier" in stores else None
    df = cube.merge(info, on="store_id", how="left", validate="many_to_one")
    if df["region"].isna().any():
        raise ValueError(f"stores missing from the stores table: "
                         f"{sorted(df.loc[df['region'].isna(), 'store_id'].unique())}")
    kind = df["metric"].map({m: REGISTRY[m].type for m in REGISTRY})
    df["is_ratio"] = (kind == "ratio").to_numpy()
    num, den, val = (df[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "value"))
    pooled_ok = np.where(df["is_ratio"], np.isfinite(num) & np.isfinite(den), np.isfinite(val))
    df["a_num"] = np.where(pooled_ok, np.where(df["is_ratio"], num, val), 0.0)
    df["a_den"] = np.where(pooled_ok, np.where(df["is_ratio"], den, 1.0), 0.0)
    vol = df.loc[df["metric"] == cfg["volume_metric"]].set_index("store_id")["value"]
    minvol = df["metric"].map(lambda m: cfg["min_volume"]["by_metric"].get(
        m, cfg["min_volume"]["default"])).to_numpy(dtype=float)
    size = np.where(df["is_ratio"], den, df["store_id"].map(vol).to_numpy(dtype=float))
    df["eligible"] = np.isfinite(val) & (np.nan_to_num(size, nan=-1.0) >= minvol)
    sign = df["metric"].map({m: {"up": 1.0, "down": -1.0}.get(REGISTRY[m].direction or "",
                                                               np.nan) for m in REGISTRY})
    df["score"] = val * sign.to_numpy(dtype=float)
    return df


def _pooled(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = df.groupby(keys, sort=False)[["a_num", "a_den"]].sum().reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(out["a_den"] > 0, out["a_num"] / out["a_den"], np.nan)
    return out.rename(columns={"a_num": "numerator", "a_den": "denominator"})


def _leave_out(part: pd.DataFrame, own: np.ndarray, a_num: np.ndarray,
               a_den: np.ndarray) -> None:
    """Take each flagged store's own numbers out of its pooled average (in place)."""
    num = part["numerator"].to_numpy(dtype=float) - np.where(own, a_num, 0.0)
    den = part["denominator"].to_numpy(dtype=float) - np.where(own, a_den, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        part["value"] = np.where(den > 0, num / den, np.nan)
    part["numerator"], part["denominator"] = num, den


def _best(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per store × group: the best eligible store of its group other than itself."""
    ok = df[df["eligible"] & df["score"].notna()]
    ok = ok.sort_values([*keys, "score", "store_id"], ascending=[True] * len(keys) + [False, True])
    cols = [*keys, "value", "numerator", "denominator", "store_id"]
    ranked = ok[cols].assign(_rank=ok.groupby(keys, sort=False).cumcount())
    first = ranked[ranked["_rank"] == 0].drop(columns="_rank")
    second = ranked[ranked["_rank"] == 1].drop(columns="_rank")
    out = df[["store_id", *keys]].merge(first, on=keys, how="left", suffixes=("", "_best"))
    alt = df[["store_id", *keys]].merge(second, on=keys, how="left", suffixes=("", "_best"))
    itself = (out["store_id_best"] == out["store_id"]).to_numpy()
    for col in ("value", "numerator", "denominator", "store_id_best"):
        out[col] = np.where(itself, alt[col].to_numpy(dtype=object),
                            out[col].to_numpy(dtype=object))
    for col in ("value", "numerator", "denominator"):
        out[col] = out[col].astype(float)
    return out.rename(columns={"store_id_best": "reference_store"})


def nearest_peers(stores: pd.DataFrame, volume: pd.Series, k: int,
                  weights: dict[str, float]) -> dict[str, list[str]]:
    """The ``k`` nearest other stores of each store (distance in the module docstring).

    >>> s = pd.DataFrame({"store_id": ["A", "B", "C"], "region": ["x", "x", "y"],
    ...                   "tier": ["A", "B", "A"]})
    >>> nearest_peers(s, pd.Series({"A": 100, "B": 100, "C": 100}), 1,
    ...               {"region": 1, "tier": 0.5, "volume": 1})
    {'A': ['B'], 'B': ['A'], 'C': ['A']}
    """
    ids = stores["store_id"].astype(str).to_numpy()
    region = stores["region"].astype(str).to_numpy()
    tier = stores["tier"] if "tier" in stores else pd.Series([None] * len(ids))
    ranks = {t: i for i, t in enumerate(sorted(tier.dropna().astype(str).unique()))}
    t = tier.map(lambda x: ranks.get(str(x), np.nan) if pd.notna(x) else np.nan).to_numpy(float)
    v = np.log(np.maximum(volume.reindex(ids).to_numpy(dtype=float), 1.0))
    tier_gap = np.abs(t[:, None] - t[None, :])
    vol_gap = np.abs(v[:, None] - v[None, :])
    dist = (weights["region"] * (region[:, None] != region[None, :])
            + weights["tier"] * np.where(np.isnan(tier_gap), 1.0, tier_gap)
            + weights["volume"] * np.where(np.isnan(vol_gap), 10.0, vol_gap))
    np.fill_diagonal(dist, np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(len(ids)), dist.shape), dist), axis=1)
    return {sid: [str(ids[j]) for j in order[i, :min(k, len(ids) - 1)]]
            for i, sid in enumerate(ids)}


def peers_of(cube: pd.DataFrame, stores: pd.DataFrame,
             config: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Each store's peers: named in the config, else the nearest ones."""
    cfg = validate_benchmark_config(config) if config is not None else load_benchmark_config()
    present = set(cube["store_id"].astype(str))
    bad = sorted({s for s, named in cfg["peers"].items() for s in [s, *named]} - present)
    if bad:
        raise _fail(f"unknown stores in peers: {bad}")
    stores = stores[stores["store_id"].astype(str).isin(present)]
    volume = cube.loc[cube["metric"] == cfg["volume_metric"]].set_index("store_id")["value"]
    near = nearest_peers(stores, volume, cfg["nearest_peers"]["k"],
                         cfg["nearest_peers"]["weights"])
    return {sid: cfg["peers"].get(sid, near[sid]) for sid in near}


def benchmarks(cube: pd.DataFrame, stores: pd.DataFrame, *,
               config: dict[str, Any] | None = None,
               supplied: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every benchmark scope for every store × metric of one month's cube.

    Parameters
    ----------
    cube : one month of :func:`kpi_lib.metrics.cube.compute_cube` (all stores)
    stores : ``store_id, region`` (and optionally ``tier``) of those stores
    config : benchmark settings (merged over :data:`DEFAULTS`); None reads
        ``params/benchmarks.yml``
    supplied : published values (``month, metric, scope, value``); None reads the
        config's ``published_file`` under ``params/``

    Returns
    -------
    DataFrame with columns :data:`BENCH_COLUMNS`, one row per store × metric × scope in
    :data:`SCOPES` order; ``value`` NaN where a scope has no value (no eligible store, no
    direction, an empty pool).
    """
    cfg = validate_benchmark_config(config) if config is not None else load_benchmark_config()
    df = _prepare(cube, stores, cfg)
    month = str(df["month"].iloc[0]) if len(df) and "month" in df else None
    base = df[["store_id", "region", "metric"]]
    parts = []
    small = cfg["comparison"]["min_pool_stores"]
    for scope, keys in (("national_avg", ["metric"]), ("regional_avg", ["metric", "region"])):
        part = base.merge(_pooled(df, keys), on=keys, how="left")
        own = (df.groupby(keys)["store_id"].transform("nunique") < small).to_numpy()
        _leave_out(part, own, df["a_num"].to_numpy(), df["a_den"].to_numpy())
        parts.append(part.assign(scope=scope))
    for scope, keys in (("national_best", ["metric"]), ("regional_best", ["metric", "region"])):
        best = _best(df, keys)
        parts.append(base.assign(**{c: best[c].to_numpy() for c in (
            "value", "numerator", "denominator", "reference_store")}, scope=scope))

    peer_map = peers_of(cube, stores, cfg)
    pairs = pd.DataFrame([(s, p) for s, named in peer_map.items() for p in named],
                         columns=["store_id", "peer"])
    pooled = pairs.merge(df.rename(columns={"store_id": "peer"}), on="peer")
    pooled = _pooled(pooled, ["store_id", "metric"])
    pooled["reference_store"] = pooled["store_id"].map(lambda s: ",".join(peer_map[s]))
    parts.append(base.merge(pooled, on=["store_id", "metric"], how="left").assign(scope="peers"))

    out = pd.concat(parts, ignore_index=True)
    out["source"] = "computed"
    out["reference_store"] = out["reference_store"].astype(object).where(
        out["reference_store"].notna(), None)
    out = _apply_supplied(out, month, supplied if supplied is not None else
                          load_supplied(paths.PARAMS / cfg["published_file"]))
    order = {s: i for i, s in enumerate(SCOPES)}
    out["_m"] = out["metric"].map({m: i for i, m in enumerate(REGISTRY)})
    out["_s"] = out["scope"].map(order)
    out = out.sort_values(["store_id", "_m", "_s"], kind="stable")
    return out[list(BENCH_COLUMNS)].reset_index(drop=True)


def _apply_supplied(out: pd.DataFrame, month: str | None,
                    supplied: pd.DataFrame) -> pd.DataFrame:
    """Replace computed values by the published ones of ``month`` (source "supplied")."""
    if supplied is None or supplied.empty or month is None:
        return out
    sup = check_supplied(supplied)
    sup = sup[sup["month"] == month]
    for row in sup.itertuples(index=False):
        scope, _, region = row.scope.partition(":")
        hit = (out["metric"] == row.metric) & (out["scope"] == scope)
        if region:
            hit &= out["region"] == region
        out.loc[hit, ["value", "numerator", "denominator"]] = [row.value, np.nan, np.nan]
        out.loc[hit, "source"] = "supplied"
        out.loc[hit, "reference_store"] = None
    return out
