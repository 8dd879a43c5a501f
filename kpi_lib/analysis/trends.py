"""Section 2 of the store report: 12-month trends, control charts and early warnings.

``load_trends`` makes ONE :func:`~kpi_lib.metrics.cube.compute_cube` call for the store over
the window (``params/trends.yml``: 12 months up to the report month) and the same months
a year earlier. Months before the store's first month with any data are left out (never
shown as 0) and the report says so. :mod:`kpi_lib.report.trend_tables` turns the
language-free :class:`Trends` into formatted tables, Markdown and figure inputs for
:mod:`kpi_lib.report.plots`.

Warnings (a KPI "trends down" in its bad direction, per the registry ``direction``):

* ``consecutive_worse`` month-on-month changes in a row, each in the bad direction;
* a control-chart signal (:mod:`kpi_lib.analysis.control_charts`) in the bad direction within the
  last ``recent_months`` months;
* the seeds' growth check: marketing-cost growth above sales growth (``ad_spend`` vs
  ``deliveries``), same month last year and month on month.

A run of bad changes only warns when the whole move is beyond chance (``min_z``, see
:func:`worse_run`), so a tiny store's noise raises none. A report month whose data stop
early (the store's own data end, :mod:`kpi_lib.metrics.month_progress`) raises no warning: runs and
control-chart signals are read over the complete months only, and the growth checks of
that month say that it is not complete instead of comparing month-to-date deliveries with
a whole month's spend. Control charts are per store
over its own months: p / Laney p′ for a rate whose numerator never exceeds its
denominator (p′ when the store's months are overdispersed, σ_z > 1), XmR otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ..config import ConfigError, load_yaml
from ..formatting import is_na
from ..metrics.cube import compute_cube
from ..metrics.months import previous_month
from ..metrics.registry import REGISTRY
from ..metrics.settings import metric_ids
from .control_charts import Chart, p_chart, xmr_chart

#: Metrics whose rows show that the store has data in a month (counts > 0, or a
#: marketing / target row at all).
_PRESENCE_COUNTS = ("visits", "calls", "new_leads", "orders", "deliveries")
_PRESENCE_ROWS = ("ad_spend", "target_units")
_NA_MARKS = {"no_data": "¹", "zero_denominator": "²"}


@cache
def trends_config(folder: Path | None = None) -> dict[str, Any]:
    """``params/trends.yml``, checked: known metric ids, positive whole numbers."""
    cfg = load_yaml("trends.yml", folder)
    for key in ("metrics", "plot_metrics", "control_charts"):
        metric_ids(cfg, key, "params/trends.yml")
    warn = cfg.get("warnings") or {}
    numbers = {"window": cfg.get("window"), "min_chart_months": cfg.get("min_chart_months"),
               "run_length": cfg.get("run_length"),
               "consecutive_worse": warn.get("consecutive_worse"),
               "recent_months": warn.get("recent_months")}
    for key, value in numbers.items():
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"params/trends.yml: {key} must be a whole number ≥ 1")
    min_z = warn.get("min_z", 0)
    if not isinstance(min_z, int | float) or min_z < 0:
        raise ConfigError("params/trends.yml: warnings.min_z must be a number ≥ 0")
    growth = cfg.get("growth_check") or {}
    if growth.get("cost") not in REGISTRY or growth.get("sales") not in REGISTRY:
        raise ConfigError("params/trends.yml: growth_check needs known metric ids cost, sales")
    return {**numbers, "metrics": cfg["metrics"], "plot_metrics": cfg["plot_metrics"],
            "control_charts": cfg["control_charts"], "growth": growth, "min_z": float(min_z)}


@dataclass(frozen=True)
class Alert:
    """One early warning. ``kind``: ``worse`` (a run of bad changes, ``values`` over
    ``months``) or ``signal`` (control-chart ``rule`` at ``months[-1]``, with the
    crossed ``limit`` or the ``centre`` line)."""

    kind: str
    metric: str
    months: tuple[str, ...]
    values: tuple[float, ...]
    direction: str  # the way the KPI moved: "up" | "down"
    rule: str | None = None
    limit: float | None = None
    centre: float | None = None


@dataclass(frozen=True)
class Growth:
    """Cost growth vs sales growth between ``before`` and the report month."""

    basis: str  # "yoy" | "mom"
    before: str
    cost: tuple[float, float]  # (before, now)
    sales: tuple[float, float]
    #: the report month's data stop early (its store's data end): not compared
    partial: bool = False

    @property
    def cost_growth(self) -> float:
        return _growth(*self.cost)

    @property
    def sales_growth(self) -> float:
        return _growth(*self.sales)

    @property
    def computable(self) -> bool:
        return not (self.partial or is_na(self.cost_growth) or is_na(self.sales_growth))

    @property
    def flagged(self) -> bool:
        return self.computable and self.cost_growth > self.sales_growth


def _growth(before: float, now: float) -> float:
    if is_na(before) or is_na(now) or before == 0:
        return float("nan")
    return (now - before) / abs(before)


@dataclass
class Trends:
    """A store's trends: ``series`` has one row per metric × shown month (``numerator``,
    ``denominator``, ``value``, ``na_reason``, and ``ly_value``/``ly_na_reason`` of the
    same month a year earlier, NaN/"no_data" before the data start)."""

    store: str
    month: str
    window: int
    months: list[str]  # shown months, oldest first (fewer than window: data start later)
    data_start: str | None  # the store's first month with data (None: no data at all)
    metrics: list[str]
    series: pd.DataFrame
    charts: dict[str, Chart | None]
    alerts: list[Alert] = field(default_factory=list)
    growth: list[Growth] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    #: the store's data end when it falls inside the report month (None: complete)
    partial_end: date | None = None

    def values(self, metric: str, column: str = "value") -> np.ndarray:
        """The metric's ``column`` over :attr:`months` (oldest first)."""
        rows = self.series[self.series["metric"] == metric]
        return rows[column].to_numpy(dtype=float)

    #: (metric, month) -> the first series row's (value, na_reason, ly_value,
    #: ly_na_reason), built on first use (a report reads some 400 points)
    _points: dict[tuple[str, str], tuple] | None = field(default=None, init=False,
                                                           repr=False, compare=False)

    def point(self, metric: str, month: str) -> tuple[float, str | None]:
        """(value, n/a reason) in ``month``: a shown month or a year before one, else
        (NaN, "no_data")."""
        if self._points is None:
            cols = ("metric", "month", "value", "na_reason", "ly_value", "ly_na_reason")
            rows = zip(*(self.series[c].tolist() for c in cols), strict=True)
            self._points = {}
            for m, mo, *rest in rows:
                self._points.setdefault((m, mo), tuple(rest))
        if month in self.months and (metric, month) in self._points:
            value, reason = self._points[(metric, month)][:2]
            return float(value), reason
        later = self._points.get((metric, previous_month(month, -12)))
        if month not in self.months and later is not None:
            return float(later[2]), later[3]
        s = self.series[self.series["metric"] == metric]
        if month in self.months:
            row = s[s["month"] == month].iloc[0]
            return float(row["value"]), row["na_reason"]
        later = s[s["month"] == previous_month(month, -12)]
        if len(later):
            return float(later["ly_value"].iloc[0]), later["ly_na_reason"].iloc[0]
        return float("nan"), "no_data"

    def at(self, metric: str, month: str) -> float:
        """The metric's value in ``month`` (see :meth:`point`)."""
        return self.point(metric, month)[0]


def _covered(cube: pd.DataFrame) -> pd.Series:
    """Month -> True when the store has any data row in it."""
    counts = cube["metric"].isin(_PRESENCE_COUNTS) & (cube["numerator"] > 0)
    rows = cube["metric"].isin(_PRESENCE_ROWS) & cube["value"].notna()
    return (counts | rows).groupby(cube["month"]).any()


def _chart(trends_series: pd.DataFrame, metric: str, cfg: dict[str, Any]) -> Chart | None:
    rows = trends_series[trends_series["metric"] == metric]
    values = rows["value"].to_numpy(dtype=float)
    if np.count_nonzero(~np.isnan(values)) < cfg["min_chart_months"]:
        return None
    labels = rows["month"].tolist()
    k, n = rows["numerator"].to_numpy(dtype=float), rows["denominator"].to_numpy(dtype=float)
    known = ~np.isnan(k) & ~np.isnan(n)
    if REGISTRY[metric].unit == "rate" and bool(np.all(k[known] <= n[known])):
        return p_chart(k, n, labels, run=cfg["run_length"])
    return xmr_chart(values, labels, floor=0.0, run=cfg["run_length"])


def _bad(metric: str) -> str | None:
    """The direction a KPI moves when it gets worse (None: no direction)."""
    return {"up": "down", "down": "up"}.get(REGISTRY[metric].direction or "")


def worse_run(values, bad: str, run: int, *, k=None, n=None, min_z: float = 0.0) -> bool:
    r"""True when the last ``run`` month-on-month changes of ``values`` all go the ``bad``
    way ("down" or "up") and, when ``min_z`` > 0, the whole move is beyond chance.

    The chance check compares the first and the last month of the run: for a rate with
    numerators ``k`` and denominators ``n``, the two-proportion z
    :math:`(p_2 - p_1)/\sqrt{\bar p(1-\bar p)(1/n_1 + 1/n_2)}` (pooled :math:`\bar p`);
    for a count (``k`` only), the Poisson z :math:`(x_2 - x_1)/\sqrt{x_1 + x_2}`; for an
    amount per Poisson event (cost per visit: ``n`` only, the events), the log-ratio z
    :math:`\ln(v_2/v_1)/\sqrt{1/n_1 + 1/n_2}`. Without ``k`` and ``n`` there is no
    check. A tiny store's noise thus raises no warning.

    >>> worse_run([0.451, 0.46, 0.41, 0.382], "down", 2)
    True
    >>> worse_run([0.50, 0.45, 0.41, 0.38], "down", 3, k=[15, 14, 12, 11], n=[30, 31, 29, 29],
    ...           min_z=2)
    False
    """
    v = np.asarray(values, dtype=float)[-(run + 1):]
    if len(v) < run + 1 or np.isnan(v).any():
        return False
    steps = np.diff(v)
    if not bool(np.all(steps < 0) if bad == "down" else np.all(steps > 0)):
        return False
    if min_z <= 0 or (k is None and n is None):
        return True
    ends = [-(run + 1), -1]
    k1, k2 = (None, None) if k is None else np.asarray(k, dtype=float)[ends]
    n1, n2 = (None, None) if n is None else np.asarray(n, dtype=float)[ends]
    with np.errstate(divide="ignore", invalid="ignore"):
        if n is None:  # Poisson count
            z = abs(k2 - k1) / np.sqrt(k1 + k2)
        elif k is None:  # amount per event
            z = abs(np.log(v[-1] / v[0])) / np.sqrt(1 / n1 + 1 / n2)
        else:  # binomial rate
            pooled = (k1 + k2) / (n1 + n2)
            z = abs(k2 / n2 - k1 / n1) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return bool(np.isfinite(z) and z >= min_z)


def _alerts(tr: Trends, cfg: dict[str, Any]) -> list[Alert]:
    out: list[Alert] = []
    # a report month whose data stop early takes no part (see the module docstring)
    months = tr.months[:-1] if tr.partial_end is not None else tr.months
    keep = len(months)
    run, recent = cfg["consecutive_worse"], set(months[-cfg["recent_months"]:])
    for metric in tr.metrics:
        bad, unit = _bad(metric), REGISTRY[metric].unit
        if bad is None:
            continue
        values = tr.values(metric)[:keep]
        k = tr.values(metric, "numerator")[:keep] if unit in ("rate", "count") else None
        n = tr.values(metric, "denominator")[:keep] if unit in ("rate", "yuan_per") else None
        if worse_run(values, bad, run, k=k, n=n, min_z=cfg["min_z"]):
            out.append(Alert("worse", metric, tuple(months[-(run + 1):]),
                             tuple(float(x) for x in values[-(run + 1):]), bad))
        chart = tr.charts.get(metric)
        if chart is None:
            continue
        latest: dict[str, Any] = {}  # rule -> latest signal in the recent months
        for s in chart.signals:
            if s.direction == bad and s.month in recent:
                latest[s.rule] = s
        for rule, s in latest.items():
            i = chart.labels.index(s.month)
            limit = chart.upper[i] if bad == "up" else chart.lower[i]
            out.append(Alert("signal", metric, (s.month,), (float(chart.values[i]),), bad,
                             rule, float(limit), chart.centre))
    return out


def _metrics(cfg: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys([*cfg["metrics"], *cfg["plot_metrics"], *cfg["control_charts"],
                               *cfg["growth"].values()]))


def load_trends(con: duckdb.DuckDBPyConnection, store: str, month: str,
                config: dict[str, Any] | None = None) -> Trends:
    """The store's last ``window`` months up to ``month`` of the configured KPIs, their
    control charts, early warnings and growth checks (one KPI-cube query over the window
    and the same months a year earlier)."""
    from ..metrics.month_progress import store_month

    cfg = config or trends_config()
    window = [previous_month(month, i) for i in range(cfg["window"] - 1, -1, -1)]
    months = window + [previous_month(m, 12) for m in window]
    progress = store_month(con, store, month)
    end = None if progress["complete"] else progress["data_end"]
    return trends_from_cube(compute_cube(con, months, stores=[store]), store, month, cfg,
                            partial_end=end)


def trends_from_cube(cube: pd.DataFrame, store: str, month: str,
                     config: dict[str, Any] | None = None, *,
                     partial_end: date | None = None) -> Trends:
    """:class:`Trends` from KPI-cube rows (``compute_cube`` columns) of the window and the
    year before; a month without any data row for the store counts as before its data
    start (left out, never 0). ``partial_end``: the store's data end when it falls inside
    ``month`` (no warning from that month)."""
    cfg = config or trends_config()
    window = [previous_month(month, i) for i in range(cfg["window"] - 1, -1, -1)]
    year_ago = {m: previous_month(m, 12) for m in window}
    metrics = _metrics(cfg)
    cube = cube[cube["store_id"] == store]
    covered = _covered(cube)
    starts = covered[covered].index
    start = str(min(starts)) if len(starts) else None
    shown = [m for m in window if start is not None and m >= start]

    cube = cube[cube["metric"].isin(metrics)].set_index(["metric", "month"])
    grid = pd.MultiIndex.from_product([metrics, shown], names=["metric", "month"])
    series = cube.reindex(grid)[["numerator", "denominator", "value", "na_reason"]]
    before = pd.MultiIndex.from_arrays(
        [grid.get_level_values(0), [year_ago[m] for m in grid.get_level_values(1)]])
    ly = cube.reindex(before)
    ly_ok = np.array([start is not None and m >= start for m in before.get_level_values(1)])
    series["ly_value"] = np.where(ly_ok, ly["value"].to_numpy(dtype=float), np.nan)
    series["ly_na_reason"] = np.where(ly_ok, ly["na_reason"].to_numpy(dtype=object), "no_data")
    for value, reason in (("value", "na_reason"), ("ly_value", "ly_na_reason")):
        gone = series[value].isna() & series[reason].isna()  # no cube row at all
        series[reason] = series[reason].where(~gone, "no_data")
    series = series.reset_index()

    charts = {m: _chart(series, m, cfg) for m in metrics}
    tr = Trends(store, month, cfg["window"], shown, start, metrics, series, charts,
                config=cfg,
                partial_end=partial_end if shown and shown[-1] == month else None)
    tr.alerts = _alerts(tr, cfg)
    cost, sales = cfg["growth"]["cost"], cfg["growth"]["sales"]
    last = previous_month(month)
    for basis, other in (("yoy", year_ago[month]), ("mom", last)):
        pair = [(tr.at(cost, month), tr.at(sales, month)),
                (tr.at(cost, other), tr.at(sales, other))]
        tr.growth.append(Growth(basis, other, (pair[1][0], pair[0][0]),
                                (pair[1][1], pair[0][1]), partial=tr.partial_end is not None))
    return tr

