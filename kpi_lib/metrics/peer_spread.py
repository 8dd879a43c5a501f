"""The peer-spread test of :func:`kpi_lib.metrics.comparison.compare`: a size-dependent KPI
(visits, cost per visit …) against the median of stores like it (its peer group), with
the spread such stores show for ordinary reasons."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from .. import stats

#: peer groups of the peer-spread method, narrowest first: (scope, attributes shared)
PEER_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tier_region_peers", ("tier", "region")), ("tier_peers", ("tier",)),
    ("region_peers", ("region",)), ("network_peers", ()))


def _peer_group(i: int, others: np.ndarray, attrs: dict[str, np.ndarray],
                min_group: int) -> tuple[str, np.ndarray]:
    """The narrowest of :data:`PEER_LEVELS` with ``min_group`` stores like row ``i``."""
    for scope, keys in PEER_LEVELS:
        group = others
        for key in keys:
            a = attrs[key]
            group = group[a[group] == a[i]] if a[i] is not None else group[:0]
        if len(group) >= min_group:
            return scope, group
    return PEER_LEVELS[-1][0], others


def _spread(i: int, ok: np.ndarray, resid: np.ndarray, attrs: dict[str, np.ndarray],
            min_group: int) -> float:
    """How much stores like row ``i`` differ for ordinary reasons: the robust standard
    deviation (:func:`kpi_lib.stats.robust_sd`) of the other stores' log values around
    their own peer groups' medians (``resid``), over the store's tier in every region
    (the network without tiers) — a wider pool than the peer group itself, whose few
    stores give a noisy spread."""
    others = ok[(ok != i) & np.isfinite(resid[ok])]
    tier = attrs["tier"]
    pool = others[tier[others] == tier[i]] if tier[i] is not None else others
    r = resid[pool if len(pool) >= min_group else others]
    return stats.robust_sd(r, winsor=0.2) if len(r) else 0.0


def peer_spread_test(df: pd.DataFrame, rows: np.ndarray, stores: pd.DataFrame,
                     cfg: dict[str, Any], elapsed: pd.Series | None) -> None:
    """The peer-spread test of ``rows`` of the compare frame ``df`` (in place: benchmark,
    scope, z, p and the outside-the-limits flags; the method: :mod:`kpi_lib.metrics.comparison`)."""
    cap, t = cfg["capacity"], cfg["tests"]
    info = stores.drop_duplicates("store_id").set_index("store_id")
    ids = df["store_id"].to_numpy(dtype=object)
    attrs = {a: info[a].reindex(ids).to_numpy(dtype=object) if a in info else
             np.full(len(ids), None, dtype=object) for a in ("tier", "region")}
    share = (np.ones(len(ids)) if elapsed is None else
             elapsed.reindex(ids).fillna(1.0).clip(1e-3, 1.0).to_numpy(dtype=float))
    metrics = df["metric"].to_numpy()
    value = df["value"].to_numpy(dtype=float)
    count = np.where(np.isnan(df["denominator"].to_numpy(dtype=float)),
                     value, df["denominator"].to_numpy(dtype=float))
    is_count = df["type"].to_numpy() != "ratio"
    with np.errstate(divide="ignore", invalid="ignore"):
        paced = np.log(np.where(is_count, value / share, value * share))
    for metric in pd.unique(metrics[rows]):
        mine = np.where(rows & (metrics == metric))[0]
        ok = mine[np.isfinite(paced[mine]) & (count[mine] > 0)]
        groups = {i: _peer_group(i, ok[ok != i], attrs, cap["min_group"]) for i in ok}
        resid = np.full(len(df), np.nan)
        for i, (_, group) in groups.items():
            if len(group) >= 2:
                resid[i] = paced[i] - np.median(paced[group])
        for i in ok:
            scope, group = groups[i]
            if len(group) < 2:
                continue
            ref = float(np.median(paced[group]))
            sigma = max(cap["min_spread"], _spread(i, ok, resid, attrs, cap["min_group"]))
            z = (paced[i] - ref) / np.sqrt(sigma**2 + 1.0 / max(count[i], 1.0))
            bench = np.exp(ref) * (share[i] if is_count[i] else 1.0 / share[i])
            df.iloc[i, df.columns.get_loc("benchmark")] = bench
            df.iloc[i, df.columns.get_loc("benchmark_scope")] = scope
            df.iloc[i, df.columns.get_loc("z")] = z
    z = df["z"].to_numpy(dtype=float)
    live = rows & np.isfinite(z)
    df.loc[live, "p"] = 2.0 * norm.sf(np.abs(z[live]))
    watch = norm.ppf(0.5 + t["watch_level"] / 2)
    clear = norm.ppf(0.5 + t["clear_level"] / 2)
    df.loc[live, "_out_w"] = np.abs(z[live]) > watch
    df.loc[live, "_out_c"] = np.abs(z[live]) > clear
