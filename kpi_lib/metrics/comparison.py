"""Each store beside its benchmark, for one month: gap, interval, test and verdict.

One row per store × metric (:data:`COMPARE_COLUMNS`). ``benchmark`` is the scope chosen in
``params/benchmarks.yml`` (``comparison``; default ``regional_avg``, national_avg when the
region has fewer than ``min_region_stores`` stores or the scope has no value), and
``expected = denominator × benchmark``, ``gap = numerator − expected`` in the numerator's
units ("≈14 fewer test drives than the regional rate gives at your traffic" is
``gap = -14``). Which method applies (:func:`method_of`):

``proportion`` — ratio KPIs in unit ``rate`` whose numerator and denominators are count
    metrics (test_drive_rate, lead_capture_rate, negotiation_rate, conversion_a/b,
    showroom_close_rate, delivery_conversion, lost_rate, insurance_rate, delivery shares …).
    Wilson 95% interval (``ci_low``/``ci_high``); Spiegelhalter funnel-plot z against the
    benchmark, with the network's overdispersion (:func:`kpi_lib.stats.overdispersion` over
    all stores, national average as target; the additive τ² adjustment when the χ² test
    says overdispersed — ``phi`` is the estimate, ``tau2`` the τ² applied). ``p`` is
    two-sided; ``p_adj`` is Benjamini–Hochberg over ALL stores × proportion KPIs of the
    month that were tested. Verdict: inside the ``watch_level`` (95%) funnel → ``in_line``;
    outside → ``watch_*``; outside ``clear_level`` (99.8%) AND ``p_adj < fdr_q`` →
    ``clearly_*``. A store whose numerator exceeds its denominator is treated as a count.
``count_per_target`` — a count over a fixed quantity (target_completion = deliveries /
    target units, and proportions with numerator > denominator): the exact Poisson
    (Garwood) interval of the count divided by the denominator, via
    :func:`kpi_lib.stats.poisson_rate_ci`.
``amount_per_event`` — a fixed amount over a Poisson count of events (cost_per_visit,
    cost_per_lead, cost_per_order: ad spend is not a sum over the events):
    :func:`kpi_lib.stats.poisson_rate_ci`. For both Poisson methods the benchmark outside
    the 95% interval → ``watch_*``, outside the 99.8% → ``clearly_*``; no FDR (each is a
    single-KPI interval, not part of the funnel family) and ``z, p, p_adj`` are NaN. These
    intervals hold count noise only, so sizeable stores leave them quickly.
``descriptive`` — a mean of per-event amounts (avg_deal_value) or a ratio of sums of money
    (collection_rate): the cube holds no per-deal spread, so no test; like counts, the
    verdict comes from the network percentile (never ``clearly``).
``peer_spread`` — KPIs whose level depends on the store's size (``capacity.metrics`` in
    ``params/benchmarks.yml``: visits) and costs per event (``capacity.spread_metrics``):
    what this store should have is the median of its peer group — the other stores of
    its tier and region, else of its tier, else of its region, else the network, the
    first with ``capacity.min_group`` stores (``benchmark_scope`` ``tier_region_peers``,
    ``tier_peers``, ``region_peers``, ``network_peers``). On the log scale,
    ``z = (ln x − median ln x_peers) / sqrt(σ² + 1/c)`` with σ the robust standard
    deviation (:func:`kpi_lib.stats.robust_sd`) of the log values of the stores of its
    tier around their own peer groups' medians (at least ``capacity.min_spread``: how
    much such stores differ for ordinary reasons) and ``1/c`` the Poisson noise of the
    store's count (visits; for a cost, its denominator). A month still running is paced:
    counts are divided, costs multiplied, by the store's elapsed share of the month
    before they meet whole months. ``p`` two-sided, ``p_adj`` Benjamini–Hochberg over
    the stores of the month, one family per KPI;
    ``watch_*`` outside the watch level, ``clearly_*`` outside the clear level with
    ``p_adj < fdr_q``. ``benchmark`` is the peer median (for a running month, scaled to
    the store's elapsed share), ``expected = benchmark``, ``gap = value − benchmark``.
``rank`` — other count and sum KPIs (visits, orders, deliveries, new_leads …): no test;
    ``benchmark`` is the chosen scope's mean per store, ``expected = benchmark``,
    ``gap = value − benchmark``; ``watch_below`` at ``network_pct ≤ watch_below`` (0.20),
    ``watch_above`` at ``≥ watch_above`` (0.80), else ``in_line``.

``network_pct`` (every metric) is the mid-rank percentile of the store's value among the
stores with a value that month: (stores below + ½ stores tied, itself included) / n.
``too_few``: a ratio's denominator below ``min_volume`` (no alarms for tiny stores; the
interval is still given). ``na``: no value, or no benchmark to compare against — never 0.
``worse`` is True for a deviation in the bad direction (below an ``up`` KPI, above a
``down`` one), False for the good one, NA for in_line/too_few/na or KPIs without direction.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import norm

from .. import stats
from ..ingest.kpi_types import Metric
from . import network_cache
from .benchmarks import benchmarks, load_benchmark_config, validate_benchmark_config
from .cube import compute_cube
from .month_progress import month_elapsed
from .peer_spread import peer_spread_test
from .registry import REGISTRY
from .relations import relations

COMPARE_COLUMNS: tuple[str, ...] = (
    "store_id", "region", "metric", "type", "unit", "direction", "numerator", "denominator",
    "value", "na_reason", "benchmark", "benchmark_scope", "national_avg", "regional_avg",
    "national_best", "regional_best", "peers", "ci_low", "ci_high", "expected", "gap", "z",
    "p", "p_adj", "phi", "tau2", "verdict", "worse", "network_pct", "national_best_store",
    "regional_best_store", "peer_stores")
VERDICTS: tuple[str, ...] = ("too_few", "na", "in_line", "watch_above", "watch_below",
                             "clearly_above", "clearly_below")
METHODS: tuple[str, ...] = ("proportion", "count_per_target", "amount_per_event",
                            "descriptive", "rank", "peer_spread")


@cache
def _counts(m: Metric) -> bool:
    """A count of events: a ``count`` metric, or a sum of per-lead event counts over a
    relation (follow-ups due / made); not a target's units."""
    return m.type == "count" or (m.type == "sum" and m.unit == "count"
                                 and m.measure is not None and m.measure.table in relations())


def method_of(metric_id: str) -> str:
    """Which comparison method applies to a KPI (see the module docstring).

    >>> [method_of(m) for m in ("test_drive_rate", "target_completion", "cost_per_visit",
    ...                         "avg_deal_value", "visits")]
    ['proportion', 'count_per_target', 'amount_per_event', 'descriptive', 'rank']
    """
    m = REGISTRY[metric_id]
    if m.type != "ratio":
        return "rank"
    num, dens = REGISTRY[m.numerator], [REGISTRY[d] for d in m.denominator]  # type: ignore[index]
    if _counts(num):
        all_counts = all(_counts(d) for d in dens)
        return "proportion" if m.unit == "rate" and all_counts else "count_per_target"
    fixed_amount = all(d.type == "count" and d.measure.table != num.measure.table  # type: ignore[union-attr]
                       for d in dens)
    return "amount_per_event" if fixed_amount else "descriptive"


def _network_pct(df: pd.DataFrame) -> np.ndarray:
    val = df["value"]
    ranks = val.groupby(df["metric"]).rank(method="average")
    n = val.notna().groupby(df["metric"]).transform("sum")
    return ((ranks - 0.5) / n).to_numpy(dtype=float)


def _pick_benchmark(df: pd.DataFrame, wide: pd.DataFrame, cfg: dict[str, Any]) -> None:
    comp = cfg["comparison"]
    scope = df["metric"].map(lambda m: comp["by_metric"].get(m, comp["default"]))
    region_size = df.groupby("region")["store_id"].transform("nunique")
    small = scope.str.startswith("regional") & (region_size < comp["min_region_stores"])
    scope = scope.where(~small, "national_avg")
    cols = {s: wide[s].to_numpy(dtype=float) for s in wide.columns}
    pick = np.select([(scope == s).to_numpy() for s in cols], list(cols.values()), np.nan)
    missing = np.isnan(pick)
    df["benchmark"] = np.where(missing, cols["national_avg"], pick)
    df["benchmark_scope"] = scope.where(~missing, "national_avg").to_numpy(dtype=object)


def proportion_verdicts(k: np.ndarray, n: np.ndarray, target: np.ndarray, *,
                        q: float | None = None, clear_level: float | None = None,
                        min_expected: float = 0.0,
                        config: dict[str, Any] | None = None) -> pd.DataFrame:
    """Funnel-plot verdicts of one family of proportions outside the compare table.

    The same test as the compare table's proportion KPIs: the additive τ² of the family's
    overdispersion (winsorised, around each unit's own ``target``), limits at the watch
    and clear levels, two-sided p,
    Benjamini–Hochberg over the family; ``clearly_*`` needs the clear limit (the config's,
    or ``clear_level``) and ``p_adj < q``. Units expecting fewer than ``min_expected``
    events (``n × target``) are ``too_few`` and stay out of the family: the normal
    approximation would make 0 of 90 at 7.6% look impossible. Returns ``k, n, target,
    z, p, p_adj, verdict`` in input order.
    """
    cfg = validate_benchmark_config(config) if config is not None else load_benchmark_config()
    t = cfg["tests"]
    q = t["fdr_q"] if q is None else q
    k_all, n_all = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    target_all = np.broadcast_to(np.asarray(target, dtype=float), k_all.shape)
    enough = n_all * target_all >= min_expected
    k, n, target = k_all[enough], n_all[enough], target_all[enough]
    scale = t["scale"]
    # overdispersion around each unit's own target (a consultant's team, a store's rest of
    # the network): differences between the targets are not spread between the units
    od = stats.overdispersion(k, n, target, winsor=t["winsor"], method="additive",
                              scale=scale, consistent=True)
    tau2 = od.limit_kwargs()["tau2"]
    z = stats.z_scores(k, n, target, tau2, scale=scale)
    p = stats.funnel_pvalues(k, n, target, tau2=tau2, scale=scale)
    p_adj = stats.fdr(p, q)[1] if len(p) else p
    side = np.where(z < 0, "below", "above")
    clear = t["clear_level"] if clear_level is None else clear_level
    verdict = np.where(np.abs(z) > norm.ppf(0.5 + clear / 2), "clearly_", "")
    verdict = np.where((verdict != "") & (p_adj >= q), "watch_", verdict)
    verdict = np.where((verdict == "") & (np.abs(z) > norm.ppf(0.5 + t["watch_level"] / 2)),
                       "watch_", verdict)
    verdict = np.where(verdict == "", "in_line", np.char.add(verdict.astype(str), side))
    out = pd.DataFrame({"k": k_all, "n": n_all, "target": target_all, "z": np.nan,
                        "p": np.nan, "p_adj": np.nan, "verdict": "too_few"})
    if enough.any():
        out.loc[enough, ["z", "p", "p_adj"]] = np.column_stack([z, p, p_adj])
        out.loc[enough, "verdict"] = verdict.astype(object)
    return out


def _poisson_ci(df: pd.DataFrame, rows: np.ndarray, method: str,
                level: float) -> tuple[np.ndarray, np.ndarray]:
    num = df["numerator"].to_numpy(dtype=float)[rows]
    den = df["denominator"].to_numpy(dtype=float)[rows]
    if method == "amount_per_event":
        return stats.poisson_rate_ci(num, den, level)
    # count over a fixed quantity: invert the interval of 1/count to get the count's own
    # Garwood limits (c_L, c_U); a zero count has c_L = 0, c_U = −ln(α/2)
    lo1, hi1 = stats.poisson_rate_ci(np.ones_like(num), np.maximum(num, 1.0), level)
    c_lo = np.where(num > 0, 1.0 / hi1, 0.0)
    c_hi = np.where(num > 0, 1.0 / lo1, -np.log((1.0 - level) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return c_lo / den, c_hi / den


def _test_proportions(df: pd.DataFrame, rows: np.ndarray, cfg: dict[str, Any]) -> None:
    """Funnel-plot test of the proportion rows (in place), overdispersion per metric."""
    t = cfg["tests"]
    scale = t["scale"]
    k = df["numerator"].to_numpy(dtype=float)
    n = df["denominator"].to_numpy(dtype=float)
    bench = df["benchmark"].to_numpy(dtype=float)
    tau2 = np.zeros(len(df))
    phi = np.full(len(df), np.nan)
    metrics = df["metric"].to_numpy()
    for metric in pd.unique(metrics[rows]):
        mine = rows & (metrics == metric)
        target = df.loc[mine, "national_avg"].iloc[0]
        usable = mine & np.isfinite(k) & (n > 0)
        od = stats.overdispersion(k[usable], n[usable], target, winsor=t["winsor"],
                                  method="additive", scale=scale, consistent=True)
        phi[mine] = od.phi
        tau2[mine] = od.limit_kwargs()["tau2"]
    df.loc[rows, "phi"], df.loc[rows, "tau2"] = phi[rows], tau2[rows]
    z = stats.z_scores(k[rows], n[rows], bench[rows], tau2[rows], scale=scale)
    df.loc[rows, "z"] = z
    df.loc[rows, "p"] = stats.funnel_pvalues(k[rows], n[rows], bench[rows], tau2=tau2[rows],
                                             scale=scale)
    # outside the funnel limits at a level ⇔ |z| beyond that level's normal quantile
    df.loc[rows, "_out_w"] = np.abs(z) > norm.ppf(0.5 + t["watch_level"] / 2)
    df.loc[rows, "_out_c"] = np.abs(z) > norm.ppf(0.5 + t["clear_level"] / 2)
    lo, hi = stats.proportion_ci(k[rows], n[rows], t["watch_level"])
    df.loc[rows, "ci_low"], df.loc[rows, "ci_high"] = lo, hi


def compare(cube: pd.DataFrame, stores: pd.DataFrame, bench: pd.DataFrame, *,
            config: dict[str, Any] | None = None,
            elapsed: pd.Series | None = None) -> pd.DataFrame:
    """Compare every store × metric of one month with its benchmark.

    Parameters
    ----------
    cube : one month of :func:`kpi_lib.metrics.cube.compute_cube`, all stores
    stores : ``store_id, region`` (``tier`` optional)
    bench : :func:`kpi_lib.metrics.benchmarks.benchmarks` of the same cube
    config : benchmark settings (merged over the defaults); None reads
        ``params/benchmarks.yml``
    elapsed : store id → share of the month its data cover (0–1], for a month still
        running (:func:`kpi_lib.metrics.month_progress.month_elapsed`); None: whole months

    Returns
    -------
    DataFrame with exactly :data:`COMPARE_COLUMNS` (methods and verdicts in the module
    docstring), in the cube's row order.
    """
    cfg = validate_benchmark_config(config) if config is not None else load_benchmark_config()
    df, wide = _with_benchmarks(cube, stores, bench)
    spread = set(cfg["capacity"]["metrics"]) | set(cfg["capacity"]["spread_metrics"])
    method = df["metric"].map(lambda m: "peer_spread" if m in spread else method_of(m)
                              ).to_numpy()
    _pick_benchmark(df, wide, cfg)
    for col in ("ci_low", "ci_high", "z", "p", "p_adj", "phi", "tau2"):
        df[col] = np.nan
    df["_out_w"] = False
    df["_out_c"] = False
    peer = (method == "peer_spread") & df["value"].notna().to_numpy()
    df.loc[method == "peer_spread", ["benchmark", "benchmark_scope"]] = [np.nan, None]
    if peer.any():
        peer_spread_test(df, peer, stores, cfg, elapsed)
    method, is_count = _expected_and_gap(df, method)
    prop, live, too_few = _test_rates(df, method, is_count, cfg)
    metric_col = df["metric"].to_numpy()
    families = [prop & live] + [peer & (metric_col == m) for m in pd.unique(metric_col[peer])]
    df["p_adj"] = _adjusted_p(df["p"].to_numpy(dtype=float), families, cfg["tests"]["fdr_q"])
    verdict = _verdicts(df, method, too_few, cfg)
    df["verdict"] = verdict.astype(object)
    df["worse"] = _worse(df["direction"], verdict)
    return df[list(COMPARE_COLUMNS)].reset_index(drop=True)


def _with_benchmarks(cube: pd.DataFrame, stores: pd.DataFrame,
                     bench: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cube with each store's region, every benchmark scope's value and reference
    stores, and the registry's type, unit and direction; and the scopes' values wide."""
    df = cube.drop(columns=[c for c in ("month",) if c in cube]).merge(
        stores[["store_id", "region"]], on="store_id", how="left")
    wide = bench.pivot_table(index=["store_id", "metric"], columns="scope", values="value",
                             aggfunc="first", dropna=False)
    wide = wide.reindex(pd.MultiIndex.from_frame(df[["store_id", "metric"]]))
    wide = wide.reindex(columns=["national_avg", "regional_avg", "national_best",
                                 "regional_best", "peers"])
    for scope in wide.columns:
        df[scope] = wide[scope].to_numpy(dtype=float)
    # which stores the benchmark stores and peers are (named in the report)
    names = bench.pivot_table(index=["store_id", "metric"], columns="scope",
                              values="reference_store", aggfunc="first", dropna=False)
    names = names.reindex(pd.MultiIndex.from_frame(df[["store_id", "metric"]]))
    for scope, col in (("national_best", "national_best_store"),
                       ("regional_best", "regional_best_store"), ("peers", "peer_stores")):
        df[col] = (names[scope].to_numpy(dtype=object) if scope in names
                   else np.full(len(df), None, dtype=object))
    meta = {m: REGISTRY[m] for m in REGISTRY}
    df["type"] = df["metric"].map({m: x.type for m, x in meta.items()})
    df["unit"] = df["metric"].map({m: x.unit for m, x in meta.items()})
    df["direction"] = df["metric"].map({m: x.direction for m, x in meta.items()})
    return df, wide


def _expected_and_gap(df: pd.DataFrame, method: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``expected``, ``gap`` and ``network_pct`` (in place); returns the methods (a
    "proportion" above 1 is tested as a count per target) and which rows are counts."""
    num = df["numerator"].to_numpy(dtype=float)
    den = df["denominator"].to_numpy(dtype=float)
    val = df["value"].to_numpy(dtype=float)
    bench_v = df["benchmark"].to_numpy(dtype=float)
    is_count = np.isin(method, ("rank", "peer_spread"))
    method = np.where((method == "proportion") & (num > den), "count_per_target", method)
    expected = np.where(np.isnan(val), np.nan, np.where(is_count, bench_v, den * bench_v))
    df["expected"] = expected
    df["gap"] = np.where(is_count, val - bench_v, num - expected)
    df["network_pct"] = _network_pct(df)
    return method, is_count


def _test_rates(df: pd.DataFrame, method: np.ndarray, is_count: np.ndarray,
                cfg: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The proportion and Poisson tests (in place); returns the proportion rows, the rows
    with a value, a benchmark and enough volume, and those with too little volume."""
    t = cfg["tests"]
    den = df["denominator"].to_numpy(dtype=float)
    val = df["value"].to_numpy(dtype=float)
    bench_v = df["benchmark"].to_numpy(dtype=float)
    minvol = df["metric"].map(lambda m: cfg["min_volume"]["by_metric"].get(
        m, cfg["min_volume"]["default"])).to_numpy(dtype=float)
    na = np.isnan(val) | np.isnan(bench_v)
    too_few = ~is_count & ~np.isnan(val) & (np.nan_to_num(den) < minvol)
    live = ~na & ~too_few
    prop = (method == "proportion") & ~np.isnan(val)
    if prop.any():
        _test_proportions(df, prop, cfg)
    for kind in ("count_per_target", "amount_per_event"):
        rows = (method == kind) & ~np.isnan(val)
        if rows.any():
            lo, hi = _poisson_ci(df, rows, kind, t["watch_level"])
            lo_c, hi_c = _poisson_ci(df, rows, kind, t["clear_level"])
            df.loc[rows, "ci_low"], df.loc[rows, "ci_high"] = lo, hi
            df.loc[rows, "_out_w"] = (bench_v[rows] < lo) | (bench_v[rows] > hi)
            df.loc[rows, "_out_c"] = (bench_v[rows] < lo_c) | (bench_v[rows] > hi_c)
    return prop, live, too_few


def _adjusted_p(p_all: np.ndarray, families: list[np.ndarray], q: float) -> np.ndarray:
    """Benjamini–Hochberg within each family: the funnel KPIs together; each
    size-dependent KPI alone."""
    p_adj = np.full(len(p_all), np.nan)
    for family in families:
        if family.any():
            p_adj[family] = stats.fdr(p_all[family], q)[1]
    return p_adj


def _verdicts(df: pd.DataFrame, method: np.ndarray, too_few: np.ndarray,
              cfg: dict[str, Any]) -> np.ndarray:
    """Each row's verdict (module docstring) from its limits, adjusted p and percentile."""
    val = df["value"].to_numpy(dtype=float)
    bench_v = df["benchmark"].to_numpy(dtype=float)
    p_adj = df["p_adj"].to_numpy(dtype=float)
    out_w = df["_out_w"].to_numpy(dtype=bool)
    out_c = df["_out_c"].to_numpy(dtype=bool)
    clear = out_c & np.where(np.isin(method, ("proportion", "peer_spread")),
                             np.nan_to_num(p_adj, nan=1.0) < cfg["tests"]["fdr_q"], True)
    side = np.where(val < bench_v, "below", "above")
    pct = df["network_pct"].to_numpy(dtype=float)
    band = cfg["network_pct"]
    by_rank = np.isin(method, ("rank", "descriptive"))
    rank_side = np.where(pct <= band["watch_below"], "below",
                         np.where(pct >= band["watch_above"], "above", ""))
    verdict = np.where(clear, np.char.add("clearly_", side),
                       np.where(out_w, np.char.add("watch_", side), "in_line"))
    verdict = np.where(by_rank, np.where(rank_side == "", "in_line",
                                         np.char.add("watch_", rank_side)), verdict)
    verdict = np.where(too_few, "too_few", verdict)
    return np.where(np.isnan(val) | (np.isnan(bench_v) & ~by_rank), "na", verdict)


def _worse(direction: pd.Series, verdict: np.ndarray) -> pd.arrays.BooleanArray:
    """True for a flagged verdict in the KPI's bad direction, False for the good one, NA
    for the others and for KPIs without a direction."""
    sign = direction.map({"up": 1, "down": -1}).to_numpy(dtype=float)
    flagged = np.char.startswith(verdict.astype(str), "watch") | np.char.startswith(
        verdict.astype(str), "clearly")
    below = np.char.endswith(verdict.astype(str), "below")
    worse = pd.array(np.where(below, sign > 0, sign < 0), dtype="boolean")
    worse[~flagged | np.isnan(sign)] = pd.NA
    return worse


def _stores(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM stores ORDER BY store_id").df()


def compare_month(con: duckdb.DuckDBPyConnection, month: str, *,
                  config: dict[str, Any] | None = None) -> pd.DataFrame:
    """The month's cube for every store, its benchmarks and :func:`compare`, in one go
    (kept beside the warehouse when the network cache is on, unless ``config`` is given:
    :func:`kpi_lib.metrics.network_cache.saved_frame`)."""
    if config is not None:
        return _compare_month(con, month, validate_benchmark_config(config))
    return network_cache.saved_frame(
        con, f"compare-{month}", lambda: _compare_month(con, month, load_benchmark_config()))


def _compare_month(con: duckdb.DuckDBPyConnection, month: str, cfg: dict[str, Any]
                   ) -> pd.DataFrame:
    cube = compute_cube(con, month)
    stores = _stores(con)
    bench = benchmarks(cube, stores, config=cfg)
    progress = month_elapsed(con, month).set_index("store_id")
    partial = progress[~progress["complete"] & progress["elapsed_share"].notna()]
    return compare(cube, stores, bench, config=cfg, elapsed=partial["elapsed_share"])


def shrunk_rates(cube: pd.DataFrame, stores: pd.DataFrame, metric: str, *,
                 min_region_stores: int = 3) -> pd.DataFrame:
    """Empirical-Bayes rates of a proportion KPI, shrunk toward each store's region.

    A Beta prior is fitted per region (:func:`kpi_lib.stats.beta_binomial_fit`; the whole
    network for regions with fewer than ``min_region_stores`` stores) and each store's rate
    becomes ``(k + α) / (n + α + β)`` (:func:`kpi_lib.stats.shrink`): small stores move
    toward the region, big ones hardly. ``rank`` 1 is the best per the KPI's direction
    (higher first for ``up`` and undirected KPIs). Stores with n/a values are left out.
    """
    if method_of(metric) != "proportion":
        raise ValueError(f"{metric!r} is not a proportion KPI; shrinkage needs k of n")
    rows = cube[(cube["metric"] == metric) & cube["value"].notna()]
    rows = rows.merge(stores[["store_id", "region"]], on="store_id", how="left")
    k = rows["numerator"].to_numpy(dtype=float)
    n = rows["denominator"].to_numpy(dtype=float)
    shrunk = np.full(len(rows), np.nan)
    network = stats.beta_binomial_fit(k, n)
    for _region, idx in rows.groupby("region").indices.items():
        prior = stats.beta_binomial_fit(k[idx], n[idx]) if len(idx) >= min_region_stores \
            else network
        shrunk[idx] = stats.shrink(k[idx], n[idx], *prior)
    out = pd.DataFrame({"store_id": rows["store_id"].to_numpy(), "raw": k / n,
                        "shrunk": shrunk})
    ascending = REGISTRY[metric].direction == "down"
    out["rank"] = out["shrunk"].rank(ascending=ascending, method="min").astype(int)
    return out.sort_values("rank", kind="stable").reset_index(drop=True)
