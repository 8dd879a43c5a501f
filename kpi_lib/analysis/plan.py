"""Target recommendation for a month (目标建议, issue 17.1), per store and consultant.

The plan month ``M`` may be any month after the data's first month up to the month after
its last one. "History" is the months before ``M``; "recent" its last three. All counts
are registry KPIs of :func:`kpi_lib.metrics.cube.compute_cube` (``deliveries``, ``orders``, …).

**Warm-up months.** Data that begin mid-stream carry nothing into their first months, so
those months lack the deliveries of earlier orders. The leading months whose network stock
carried in (``carried_leads`` or ``carried_orders``) is under :data:`WARMUP_SHARE` of its
median are left out of the last-year, trend and seasonal bases.

Bases of the deliveries (each ``n/a`` when its data are missing):

``last_year``  deliveries in ``M − 12`` × the network's year-over-year growth
    ``Σ D(t) / Σ D(t − 12)`` over the recent months that have a comparable month (none:
    the trend is left out and said so).
``seasonal``  季节指数: ``SI_c`` = mean deliveries of calendar month ``c`` / mean of the twelve
    calendar-month means (needs every calendar month); the store's index is shrunk to the
    network's with weight ``n_c / (n_c + 1)`` (``n_c`` years of history of month ``c``).
    Estimate: level × ``SI_M``, level = mean of ``D(t) / SI_t`` over the last ≤ 12 months.
``pipeline``  :func:`kpi_lib.analysis.forecast.load_forecast` at the end of ``M − 1``: the orders
    expected from the H/A stock, plus the other orders (the recent mean of orders less
    the orders from the previous month end's stock, ``Forecast.actual``); deliveries =
    delivery conversion × (carried orders + orders). Variance: the forecast's ``sd²``
    plus the other orders' (Poisson, or their recent months' variance when wider), times
    the conversion², plus the conversion's binomial noise.
``run_rate``  mean deliveries of the recent months.

Levels: **base** = median of the bases; **conservative** = the lower end of an 80% interval
around the base with the pipeline's spread, ``base − z₀.₉·sd`` (without a pipeline: the
lowest basis); **stretch** = base × ``Q3 / own``
(the store's recent delivery conversion raised to its peers' top quartile: the network's
other stores), or × ``Q3 / median`` for a store already at or above ``Q3``. Orders per level:
``deliveries / delivery conversion − carried orders``. A target in the data for ``M``
(registry ``target_units``) gets ``P(deliveries ≥ target)`` under the pipeline's normal
approximation. Consultants: each active consultant's share of the store's recent
deliveries (by the order's consultant), renormalised over those still employed.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from statistics import median
from typing import Any

import pandas as pd
from scipy.stats import norm

from ..errors import ParameterError
from ..metrics import network_cache
from ..metrics.cube import compute_cube, grain_cube
from ..metrics.months import check_month_format, month_bounds, previous_month
from ..metrics.network_cache import remembered
from .forecast import load_forecast
from .plan_path import RATES, funnel_rates, pooled_cube, store_path

RECENT = 3
WARMUP_SHARE = 0.75
SEASON_K = 1.0  # years of a store's own history worth as much as the network's index
LEVEL = 0.8  # interval behind the conservative value
NAN = float("nan")
LEVELS = ("conservative", "base", "stretch")
BASES = ("last_year", "seasonal", "pipeline", "run_rate")
#: The registry KPIs a plan reads (with the benchmarks' volume metric, for the peers; the
#: two order parts give a workbook month its orders).
PLAN_METRICS = ("deliveries", "orders", "orders_new_leads", "orders_carried_leads",
                "walk_in_orders", "carried_leads", "carried_orders", "target_units", *RATES)


def _fin(x: object) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def plan_history(month: str, first: str | None, last: str | None) -> list[str]:
    """The months before ``month`` in the data; ParameterError for a month the data
    cannot plan (malformed, not after the first month, more than one past the last)."""
    check_month_format(month)
    if first is None or last is None:
        raise ParameterError("the data folder holds no dated rows (visits or orders)")
    nxt = previous_month(last, -1)
    if not first < month <= nxt:
        raise ParameterError(f"month {month} cannot be planned: the data cover {first} to "
                             f"{last}; plan a month from {previous_month(first, -1)} to {nxt}")
    out, m = [], first
    while m < month:
        out.append(m)
        m = previous_month(m, -1)
    return out


def warmup_months(stock: pd.DataFrame) -> list[str]:
    """Leading months whose network ``carried_leads`` or ``carried_orders`` (columns; index
    months) is under :data:`WARMUP_SHARE` of its median."""
    low = (stock < WARMUP_SHARE * stock.median()).any(axis=1)
    out = []
    for m, is_low in low.items():
        if not is_low:
            break
        out.append(str(m))
    return out


def seasonal_index(series: pd.Series) -> pd.Series:
    """Calendar month (1–12) → index (1 = an average month) from a month-indexed series;
    empty when some calendar month is missing.

    >>> s = pd.Series([10, 20] + [30] * 10, index=[f"2025-{m:02d}" for m in range(1, 13)])
    >>> seasonal_index(s).loc[[1, 2, 3]].round(4).tolist()
    [0.3636, 0.7273, 1.0909]
    """
    cal = pd.Series(series.to_numpy(dtype=float),
                    index=[int(str(m)[5:7]) for m in series.index]).dropna()
    means = cal.groupby(level=0).mean()
    if len(means) < 12 or means.mean() <= 0:
        return pd.Series(dtype=float)
    return means / means.mean()


def blended_index(own: pd.Series, network: pd.Series, years: pd.Series) -> pd.Series:
    """The store's index shrunk to the network's: weight ``n_c / (n_c + SEASON_K)``."""
    if network.empty:
        return network
    if own.empty:
        return network
    w = years.reindex(network.index).fillna(0) / (years.reindex(network.index).fillna(0)
                                                  + SEASON_K)
    return w * own.reindex(network.index) + (1 - w) * network


def seasonal_estimate(series: pd.Series, index: pd.Series, month: str) -> float:
    """Level (mean of ``D(t) / SI_t`` over the last ≤ 12 months) × ``SI`` of ``month``."""
    if index.empty or series.empty:
        return NAN
    last = series.dropna().iloc[-12:]
    si = index.reindex([int(str(m)[5:7]) for m in last.index]).to_numpy()
    return float((last.to_numpy(dtype=float) / si).mean() * index[int(month[5:7])])


def run_rate(series: pd.Series, n: int = RECENT) -> float:
    """Mean of the last ``n`` values."""
    tail = series.dropna().iloc[-n:]
    return float(tail.mean()) if len(tail) else NAN


def network_trend(net: pd.Series, recent: list[str], usable: list[str]) -> tuple[float, list]:
    """``Σ D(t) / Σ D(t − 12)`` over recent usable months t with ``t − 12`` usable."""
    pairs = [t for t in recent if t in usable and previous_month(t, 12) in usable]
    base = sum(net[previous_month(t, 12)] for t in pairs)
    return (sum(net[t] for t in pairs) / base if pairs and base > 0 else NAN), pairs


def consultant_shares(con: Any, store: str, recent: list[str], month: str) -> dict[str, float]:
    """Active consultants' shares of the store's deliveries in ``recent`` (sum 1)."""
    cube = grain_cube(con, recent, "consultant", [store], metrics=["deliveries"])
    rows = cube[(cube["metric"] == "deliveries") & (cube["consultant"] != "")]
    done = rows.groupby("consultant")["value"].sum()
    start = month_bounds(month)[0]
    cols = {r[0] for r in con.execute("DESCRIBE consultants").fetchall()}
    gone = set()
    if "left" in cols:
        gone = {r[0] for r in con.execute(
            'SELECT consultant_id FROM consultants WHERE store_id = ? AND "left" < ?',
            [store, start]).fetchall()}
    done = done[~done.index.isin(gone) & (done > 0)]
    return (done / done.sum()).to_dict() if done.sum() > 0 else {}


def stock_orders(con: Any, stores: list[str], months: list[str]) -> dict[str, dict[str, float]]:
    """Store → month ``t`` → orders in ``t`` from the store's graded stock at the end of
    ``t − 1`` (:attr:`kpi_lib.analysis.forecast.Forecast.actual`; NaN when the data end
    before ``t`` does), for every store in one query instead of a forecast per month."""
    from ..metrics.relation_tables import as_of_date, data_end
    from .forecast import _conversions, forecast_config

    end, grades = data_end(con), list(forecast_config()["grades"])
    spans = [(as_of_date(con, previous_month(t)), month_bounds(t)[1] - timedelta(days=1))
             for t in months]
    k = _conversions(con, spans, grades).groupby(["store_id", "e"])["k"].sum()
    return {s: {t: float(k.get((s, e), 0.0)) if end is not None and end >= nxt else NAN
                for t, (e, nxt) in zip(months, spans, strict=True)} for s in stores}


def _pipeline(con: Any, store: str, month: str, recent: list[str], orders: pd.Series,
              carried: float, dc: float, actual: dict[str, float],
              forecast: Any = None) -> dict[str, Any]:
    f = forecast if forecast is not None else load_forecast(con, store, previous_month(month))
    other = [orders.get(t, NAN) - actual[t] for t in recent]
    other = pd.Series([o for o in other if _fin(o)], dtype=float)
    rest = max(0.0, float(other.mean())) if len(other) else NAN
    spread = float(other.var()) if len(other) > 1 else 0.0
    total = f.expected + rest
    mean = dc * (carried + total)
    var_o = f.sd ** 2 + max(rest, spread)  # Poisson, or the months' spread when wider
    sd = math.sqrt(dc ** 2 * var_o + dc * (1 - dc) * (carried + total)) if _fin(mean) else NAN
    z = norm.ppf((1 + LEVEL) / 2)
    return {"value": mean, "sd": sd, "low": max(0.0, mean - z * sd), "high": mean + z * sd,
            "stock_orders": f.expected, "stock_orders_sd": f.sd, "other_orders": rest,
            "carried_orders": carried, "delivery_conversion": dc, "as_of": str(f.as_of)}


def _stretch(pooled: pd.DataFrame, store: str) -> tuple[float, dict[str, float]]:
    dc = pooled[pooled["metric"] == "delivery_conversion"].set_index("store_id")["value"]
    own, peers = dc.get(store, NAN), dc.drop(store, errors="ignore").dropna()
    if peers.empty or not _fin(own) or own <= 0:
        return NAN, {"own": own}
    q3, med = float(peers.quantile(0.75)), float(peers.median())
    factor = q3 / own if own < q3 else q3 / med
    return factor, {"own": float(own), "peers_q3": q3, "peers_median": med, "factor": factor}


def build_plans(con: Any, month: str, store: str | None = None, *,
                forecast: Any = None) -> dict[str, Any]:
    """Every store's (or ``store``'s) plan for ``month`` as plain data (JSON-ready).

    ``forecast``: ``store``'s :func:`kpi_lib.analysis.forecast.load_forecast` at the end of
    the month before ``month`` when the caller has it (the report's ``sm.forecast``)."""
    from ..ingest.warehouse import data_months
    from ..metrics.benchmarks import load_benchmark_config

    first, last = data_months(con)
    history = plan_history(month, first, last)
    recent = history[-RECENT:]
    cube = compute_cube(con, [*history, month], metrics=[
        *PLAN_METRICS, load_benchmark_config()["volume_metric"]])
    wide = cube.pivot_table(index="month", columns=["metric", "store_id"], values="value",
                            dropna=False)
    stock = wide[["carried_leads", "carried_orders"]].T.groupby(level=0).sum().T.loc[history]
    warm = warmup_months(stock)
    usable = [m for m in history if m not in warm]
    deliv = wide["deliveries"].loc[history]
    trend, trend_months = network_trend(deliv.sum(axis=1), recent, usable)
    net_si = seasonal_index(deliv.loc[usable].sum(axis=1))
    stores = con.execute("SELECT * FROM stores ORDER BY store_id").df()
    pooled = pooled_cube(cube[cube["month"].isin(recent)], recent[-1])
    ids = [store] if store else list(stores["store_id"].astype(str))
    # every store's rates at once when the network cache keeps them for the next store's
    # plan (the batch, the warm renderer); else only these stores'
    rates = remembered(con, ("plan_rates", *recent), lambda: funnel_rates(
        pooled, stores, None if network_cache.enabled() else ids))
    actuals = stock_orders(con, ids, recent)
    out = []
    for sid in ids:
        d = deliv[sid]
        ly_month = previous_month(month, 12)
        ly = float(d[ly_month]) if ly_month in usable else NAN
        own_si = seasonal_index(d.loc[usable])
        years = pd.Series([int(m[5:7]) for m in usable]).value_counts()
        si = blended_index(own_si, net_si, years)
        dc = float(rates[(rates["store_id"] == sid) & (rates["rate"] == "delivery_conversion")]
                   ["used"].iloc[0])
        carried = float(wide[("carried_orders", sid)].get(month, NAN))
        mine = forecast if forecast is not None and forecast.store == sid and (
            forecast.month == previous_month(month)) else None
        pipe = _pipeline(con, sid, month, recent, wide[("orders", sid)], carried, dc,
                         actuals[sid], mine)
        bases = {
            "last_year": {"value": ly * (trend if _fin(trend) else 1.0), "last_year": ly,
                          "last_year_month": ly_month, "trend": trend,
                          "trend_months": trend_months},
            "seasonal": {"value": seasonal_estimate(d.loc[usable], si, month),
                         "index": float(si.get(int(month[5:7]), NAN)) if not si.empty else NAN,
                         "store_weight": float(years.get(int(month[5:7]), 0) / (
                             years.get(int(month[5:7]), 0) + SEASON_K)) if not own_si.empty
                         else 0.0},
            "pipeline": pipe,
            "run_rate": {"value": run_rate(d.loc[recent]), "months": recent},
        }
        vals = [b["value"] for b in bases.values() if _fin(b["value"])]
        base = median(vals) if vals else NAN
        z = norm.ppf((1 + LEVEL) / 2)
        low = max(0.0, base - z * pipe["sd"]) if _fin(pipe["sd"]) else (
            min(vals) if vals else NAN)
        factor, top = _stretch(pooled, sid)
        levels = {
            "conservative": {"value": low, "method": "base_low80" if _fin(pipe["sd"])
                             else "lowest_basis"},
            "base": {"value": base, "method": "median_of_bases"},
            "stretch": {"value": base * factor if _fin(factor) else base,
                        "method": "peers_top_quartile", **top},
        }
        for lv in levels.values():
            need = lv["value"] / dc - carried if _fin(dc) and dc > 0 else NAN
            lv["orders"] = max(0.0, need) if _fin(need) else NAN
        target = float(wide[("target_units", sid)].get(month, NAN))
        prob = (float(norm.sf((target - pipe["value"]) / pipe["sd"]))
                if _fin(target) and _fin(pipe["sd"]) and pipe["sd"] > 0 else NAN)
        shares = consultant_shares(con, sid, recent, month)
        out.append({
            "store_id": sid, "month": month, "recent_months": recent, "warmup_months": warm,
            "bases": bases, "recommendation": levels,
            "target": {"units": target, "probability": prob},
            "consultants": [{"consultant_id": c, "share": s,
                             **{lv: {"deliveries": levels[lv]["value"] * s,
                                     "orders": levels[lv]["orders"] * s} for lv in LEVELS}}
                            for c, s in sorted(shares.items())],
            **store_path(rates, pooled, sid, base, carried, month, shares),
        })
    return {"month": month, "data_last_month": last, "stores": out}


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item"):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def plan_json(plans: dict[str, Any]) -> str:
    """The plans as JSON (NaN as null)."""
    return json.dumps(_clean(plans), ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- table

def _n(x: object) -> str:
    return f"{x:,.0f}" if _fin(x) else "—"


def _f(x: object, pct: bool = False) -> str:
    return "—" if not _fin(x) else (f"{x:.1%}" if pct else f"{x:.2f}")


def method_texts(p: dict[str, Any], lang: str) -> dict[str, str]:
    """Each basis' and level's method in words (numbers shown as in the plan table)."""
    from ..i18n import list_sep, month_label, text

    b, r = p["bases"], p["recommendation"]
    ly, pipe = b["last_year"], b["pipeline"]
    months = list_sep(lang).join(ly["trend_months"])
    st = r["stretch"]
    return {
        "last_year": text("plan_method_last_year", lang, ly_month=ly["last_year_month"],
                          ly=_n(ly["last_year"]), trend=_f(ly["trend"]), months=months)
        if _fin(ly["trend"]) else text("plan_method_last_year_no_trend", lang,
                                       ly_month=ly["last_year_month"], ly=_n(ly["last_year"])),
        "seasonal": text("plan_method_seasonal", lang, month_label=month_label(p["month"], lang),
                         index=_f(b["seasonal"]["index"]),
                         weight=_f(b["seasonal"]["store_weight"])),
        "pipeline": text("plan_method_pipeline", lang, dc=_f(pipe["delivery_conversion"], True),
                         carried=_n(pipe["carried_orders"]), stock=_n(pipe["stock_orders"]),
                         other=_n(pipe["other_orders"])),
        "run_rate": text("plan_method_run_rate", lang, months=f"{p['recent_months'][0]}.."
                         f"{p['recent_months'][-1]}"),
        "conservative": text("plan_method_conservative", lang, sd=_f(pipe["sd"]))
        if r["conservative"]["method"] == "base_low80" else text("plan_method_lowest", lang),
        "base": text("plan_method_base", lang),
        "stretch": text("plan_method_stretch" if st.get("own", 0) < st.get("peers_q3", 0)
                        else "plan_method_stretch_top", lang, q3=_f(st.get("peers_q3"), True),
                        own=_f(st.get("own"), True), median=_f(st.get("peers_median"), True)),
    }


def plan_table(plans: dict[str, Any], lang: str = "zh") -> Any:
    """Rich renderables per store: bases and levels, consultants, the achievement path."""
    from rich.console import Group
    from rich.table import Table

    from ..i18n import month_label, text
    from ..metrics.registry import kpi_label
    from .plan_path import week_count

    out: list[Any] = []
    for p in plans["stores"]:
        methods, r = method_texts(p, lang), p["recommendation"]
        t = Table(title=text("plan_title", lang, store=p["store_id"],
                             month=month_label(p["month"], lang)), show_lines=False)
        for key in ("plan_col_item", "plan_col_deliveries", "plan_col_orders",
                    "plan_col_method"):
            t.add_column(text(key, lang), overflow="fold")
        for key in BASES:
            t.add_row(text(f"plan_basis_{key}", lang), _n(p["bases"][key]["value"]), "",
                      methods[key])
        t.add_section()
        for key in LEVELS:
            t.add_row(f"[bold]{text(f'plan_level_{key}', lang)}[/bold]", _n(r[key]["value"]),
                      _n(r[key]["orders"]), methods[key])
        target = p["target"]
        t.caption = (text("plan_orders_note", lang,
                          dc=_f(p["bases"]["pipeline"]["delivery_conversion"], True),
                          carried=_n(p["carried_orders"])) + "\n"
                     + (text("plan_target", lang, target=_n(target["units"]),
                             p=_f(target["probability"], True)) if _fin(target["units"])
                        else text("plan_no_target", lang)))
        out.append(t)
        c = Table(title=text("plan_consultants_title", lang))
        for key in ("plan_col_consultant", "plan_col_share"):
            c.add_column(text(key, lang))
        for key in LEVELS:
            c.add_column(text(f"plan_level_{key}", lang), justify="right")
        for row in p["consultants"]:
            c.add_row(row["consultant_id"], _f(row["share"], True),
                      *[f"{_n(row[k]['deliveries'])} / {_n(row[k]['orders'])}" for k in LEVELS])
        out.append(c)
        weeks, people = week_count(p["month"]), max(1, len(p["consultants"]))
        scope = next((x["benchmark_scope"] for x in p["rates"]), "national_avg")
        path = Table(title=text("plan_path_title", lang, target=_n(r["base"]["value"])),
                     caption=text("plan_path_note", lang, scope=text(f"scope_{scope}", lang)))
        for key in ("plan_col_stage", "plan_col_required", "plan_col_rate", "plan_col_per_week",
                    "plan_col_per_consultant_week", "plan_col_benchmark",
                    "plan_col_difference"):
            path.add_column(text(key, lang), justify="left" if key == "plan_col_stage"
                            else "right")
        for own, bench in zip(p["path"], p["path_benchmark"], strict=True):
            req, other = own["required"], bench["required"]
            path.add_row(kpi_label(own["stage"], lang), _n(req), _f(own["rate_to_next"]),
                         _n(req / weeks), _f(req / weeks / people) if _fin(req) else "—",
                         _n(other), _n(other - req) if _fin(other) and _fin(req) else "—")
        out.append(path)
    return Group(*out)
