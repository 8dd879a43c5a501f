"""Forecast (预测): next month's orders from the H/A stock, and month-end pacing.

**Orders next month.** The stock of each forecast grade (``forecast.grades`` in
``params/pipeline.yml``, H and A by default) open at the as-of date (see
:mod:`kpi_lib.analysis.pipeline` for open leads and their grade) times the grade's historical
conversion ``p_g``: over the ``history_months`` month ends before the report month (only
those whose next month the data cover in full), the share of leads of that grade open at
the month end whose status became ``ordered`` with a status date in the next month. A store
with fewer than ``min_history`` such lead-months for a grade uses the network's pooled rate.
Only orders from that stock are forecast (not those of leads created next month, nor fleet
orders without a lead).

Interval (normal approximation, delta method): the orders of grade g are
Binomial(n_g, p_g) given p_g, and p̂_g has variance p_g(1 − p_g)/N_g (N_g its history
lead-months, treated as independent), so
``Var = Σ n_g p_g (1 − p_g) + Σ n_g² p_g (1 − p_g) / N_g`` and the level-L interval is
``mean ± z_(1+L)/2 · sd``, floored at 0.

**Pacing.** When the STORE's own data (its last register date,
:func:`kpi_lib.metrics.month_progress.store_data_end` — not the network's) stop inside the report
month, the month-end deliveries are projected as ``d / s``: d deliveries up to the data end,
s the elapsed share of the month by the deliveries' profile
(:func:`kpi_lib.metrics.month_progress.store_month`; ``e / D`` — e of D days — without any profile).
Interval: the d deliveries are known; the rest are Poisson with mean ``d (1 − s) / s``
estimated from the elapsed part, so ``Var = d (1 − s) / s²`` (= ``d (D − e) D / e²`` for the
plain day share; normal approximation, floored at d).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import duckdb
import pandas as pd
from scipy.stats import norm

from ..config import ConfigError, load_yaml
from ..formatting import format_value, is_na
from ..i18n import list_sep, month_label, text
from ..ingest.schema import LEAD_GRADES
from ..ingest.warehouse import present_columns
from ..metrics.month_progress import store_month
from ..metrics.months import month_bounds, previous_month
from ..metrics.network_cache import remembered
from ..metrics.relation_tables import as_of_date, data_end


def _intervals(mean: float, sd: float, levels, floor: float = 0.0) -> dict[float, tuple]:
    return {lv: (max(floor, mean - norm.ppf((1 + lv) / 2) * sd),
                 mean + norm.ppf((1 + lv) / 2) * sd) for lv in levels}


def forecast_orders(stock: dict[str, float], rate: dict[str, float], history: dict[str, float],
                    levels=(0.8, 0.95)) -> tuple[float, float, dict[float, tuple]]:
    """Expected orders, standard deviation and intervals from stock × conversion.

    >>> mean, sd, _ = forecast_orders({"H": 10, "A": 20}, {"H": .5, "A": .2},
    ...                               {"H": math.inf, "A": math.inf})
    >>> round(mean, 6), round(sd ** 2, 6)  # 5 + 4; 10·.25 + 20·.16
    (9.0, 5.7)
    """
    mean = sum(stock[g] * rate[g] for g in stock)
    var = sum(stock[g] * rate[g] * (1 - rate[g]) * (1 + stock[g] / history[g]) for g in stock)
    sd = math.sqrt(var)
    return mean, sd, _intervals(mean, sd, levels)


def project_month(deliveries: int, elapsed: int, days: int, levels=(0.8, 0.95),
                  share: float | None = None) -> tuple[float, float, dict[float, tuple]]:
    """Month-end projection of ``deliveries`` made in the first ``elapsed`` of ``days``
    (``share``: the elapsed share of the month's deliveries, default ``elapsed / days``).

    >>> mean, sd, _ = project_month(40, 15, 31)
    >>> round(mean, 1), round(sd ** 2, 2)
    (82.7, 88.18)
    """
    s = elapsed / days if share is None or not 0 < share <= 1 else share
    mean = deliveries / s
    sd = math.sqrt(deliveries * (1 - s) / s ** 2)
    return mean, sd, _intervals(mean, sd, levels, floor=deliveries)



@cache
def forecast_config() -> dict[str, Any]:
    """The ``forecast`` section of ``params/pipeline.yml``, checked."""
    fc = load_yaml("pipeline.yml").get("forecast") or {}
    if not set(fc.get("grades", [])) <= set(LEAD_GRADES) or not fc.get("grades"):
        raise ConfigError("params/pipeline.yml: forecast.grades must list lead grades")
    if not all(0 < lv < 1 for lv in fc.get("levels", [])):
        raise ConfigError("params/pipeline.yml: forecast.levels must be fractions between 0 and 1")
    return fc


@dataclass
class Pacing:
    """Month-end projection of deliveries; ``status`` is complete, partial or no_data."""

    status: str
    data_end: date | None
    deliveries: int = 0
    elapsed: int = 0
    days: int = 0
    projected: float = float("nan")
    sd: float = float("nan")
    intervals: dict[float, tuple] = field(default_factory=dict)
    target: float = float("nan")


@dataclass
class Forecast:
    """Next month's orders from the stock, and this month's pacing (language-free)."""

    store: str
    month: str
    next_month: str
    as_of: date
    has_leads: bool
    history: list[str]  # months whose month ends estimate the rates
    #: grade → stock, hist_n, hist_orders, rate, source (store / network / None), expected
    grades: pd.DataFrame
    expected: float  # NaN when a grade with stock has no rate
    sd: float
    intervals: dict[float, tuple]
    target_next: float  # NaN: no target for next month
    actual: float  # orders next month from this stock, NaN until the data cover it
    pacing: Pacing


def _target(con: duckdb.DuckDBPyConnection, store: str, month: str) -> float:
    row = con.execute("""
        SELECT coalesce(sum(units) FILTER (WHERE consultant_id IS NULL), sum(units))
        FROM targets WHERE store_id = ? AND month = ?""", [store, month]).fetchone()
    return float("nan") if row[0] is None else float(row[0])


def _history_months(month: str, end: date | None, n: int) -> list[str]:
    if end is None:
        return []
    last_full = end.strftime("%Y-%m")
    if (end + timedelta(days=1)).day != 1:
        last_full = previous_month(last_full)
    newest = min(previous_month(month), previous_month(last_full))
    return [previous_month(newest, k) for k in range(n - 1, -1, -1)]


def _conversions(con: duckdb.DuckDBPyConnection, ends: list[tuple[date, date]],
                 grades: list[str]) -> pd.DataFrame:
    """Every store × month end × grade: open leads n and those that ordered by ``nxt``."""
    values = ", ".join(f"(DATE '{e}', DATE '{nxt}')" for e, nxt in ends)
    wanted = ", ".join(f"'{g}'" for g in grades)
    out = con.execute(f"""
        WITH ends(e, nxt) AS (VALUES {values}),
        p AS (SELECT l.lead_id, l.store_id, l.grade, l.status, l.status_date, ends.e, ends.nxt
              FROM leads l JOIN ends ON l.created <= ends.e
              WHERE l.status = 'open' OR l.status_date > ends.e),
        fu AS (SELECT p.lead_id, p.e,
                      arg_max(f.grade_after, f.date) FILTER (WHERE f.grade_after IS NOT NULL) AS g
               FROM p JOIN followups f ON f.lead_id = p.lead_id AND f.date <= p.e
               GROUP BY p.lead_id, p.e),
        gr AS (SELECT p.store_id, p.e,
                      coalesce(fu.g, CASE WHEN p.grade = 'O' AND p.status = 'ordered' THEN NULL
                                          ELSE p.grade END) AS g,
                      p.status = 'ordered' AND p.status_date <= p.nxt AS conv
               FROM p LEFT JOIN fu USING (lead_id, e))
        SELECT store_id, e, g AS grade, count(*) AS n, count(*) FILTER (WHERE conv) AS k
        FROM gr WHERE g IN ({wanted}) GROUP BY ALL
    """).df()
    out["e"] = pd.to_datetime(out["e"]).dt.date
    return out


def _last_day(month: str) -> date:
    return month_bounds(month)[1] - timedelta(days=1)


def load_forecast(con: duckdb.DuckDBPyConnection, store: str, month: str) -> Forecast:
    """Forecast next month's orders from ``store``'s stock at the end of ``month``, and pace
    ``month`` when its data stop early (see the module docstring)."""
    cfg = forecast_config()
    grades, levels = list(cfg["grades"]), tuple(cfg["levels"])
    nxt, end, as_of = previous_month(month, -1), data_end(con), as_of_date(con, month)
    history = _history_months(month, end, int(cfg["history_months"]))
    has_leads = bool(present_columns(con, "leads"))
    ends = [(_last_day(m), _last_day(previous_month(m, -1))) for m in history]
    spans = [*ends, (as_of, _last_day(nxt))]
    conv = remembered(con, ("conversions", *spans, *grades),
                      lambda: _conversions(con, spans, grades))
    now, past = conv[conv["e"] == as_of], conv[conv["e"] != as_of]
    mine, net = past[past["store_id"] == store], past
    table = pd.DataFrame(index=pd.Index(grades, name="grade"))
    table["stock"] = now[now["store_id"] == store].groupby("grade")["n"].sum()
    table["store_n"] = mine.groupby("grade")["n"].sum()
    table["store_k"] = mine.groupby("grade")["k"].sum()
    table["net_n"] = net.groupby("grade")["n"].sum()
    table["net_k"] = net.groupby("grade")["k"].sum()
    table = table.fillna(0)
    own = table["store_n"] >= cfg["min_history"]
    use_net = ~own & (table["net_n"] > 0)
    table["source"] = pd.Series("store", index=table.index).where(own).where(
        own | ~use_net, "network")
    table["hist_n"] = table["store_n"].where(own, table["net_n"].where(use_net))
    table["hist_orders"] = table["store_k"].where(own, table["net_k"].where(use_net))
    table["rate"] = table["hist_orders"] / table["hist_n"]
    table["expected"] = table["stock"] * table["rate"]
    table.loc[table["stock"] == 0, "expected"] = 0.0
    usable = table[table["stock"] > 0]
    if usable["rate"].isna().any() or not has_leads:
        expected, sd, intervals = float("nan"), float("nan"), {}
    else:
        expected, sd, intervals = forecast_orders(
            usable["stock"].to_dict(), usable["rate"].to_dict(), usable["hist_n"].to_dict(),
            levels)
    observed = end is not None and end >= _last_day(nxt)
    actual = float(now[now["store_id"] == store]["k"].sum()) if observed else float("nan")
    return Forecast(store, month, nxt, as_of, has_leads, history,
                    table.reset_index()[["grade", "stock", "hist_n", "hist_orders", "rate",
                                         "source", "expected"]],
                    expected, sd, intervals, _target(con, store, nxt), actual,
                    _pacing(con, store, month, levels))


def _pacing(con: duckdb.DuckDBPyConnection, store: str, month: str, levels) -> Pacing:
    """Pacing by the store's own data end (its last register date, not the network's)."""
    start, after = month_bounds(month)
    progress = store_month(con, store, month)
    end = progress["data_end"] or progress["last_date"]
    if end is None or end < start:
        return Pacing("no_data", end)
    if progress["complete"]:
        return Pacing("complete", end)
    done = con.execute("SELECT count(*) FROM orders WHERE store_id = ? AND delivered >= ? "
                       "AND delivered <= ?", [store, start, end]).fetchone()[0]
    elapsed, days = (end - start).days + 1, (after - start).days
    mean, sd, intervals = project_month(int(done), elapsed, days, levels,
                                        share=progress["share_deliveries"])
    return Pacing("partial", end, int(done), elapsed, days, mean, sd, intervals,
                  _target(con, store, month))


# ---------------------------------------------------------------- display

def _n(v: object, lang: str) -> str:
    return format_value(round(float(v)) if not is_na(v) else v, "count", lang)


def _range(iv: tuple, lang: str) -> str:
    """An interval of counts, widened to whole numbers (floor of the low, ceiling of the high)."""
    return f"{_n(math.floor(iv[0]), lang)}–{_n(math.ceil(iv[1]), lang)}"


def _join(parts: list[str], lang: str) -> str:
    return list_sep(lang, "sentences").join(parts)


def forecast_frame(data: Forecast, lang: str) -> pd.DataFrame:
    """Per forecast grade: stock, historical conversion (and its basis), expected orders."""
    g = data.grades
    basis = {
        "store": text("pipeline_forecast_basis_store", lang, n=len(data.history)),
        "network": text("pipeline_forecast_basis_network", lang),
    }
    return pd.DataFrame({
        text("pipeline_col_grade", lang): g["grade"],
        text("pipeline_forecast_col_stock", lang): g["stock"].map(lambda v: _n(v, lang)),
        text("pipeline_forecast_col_rate", lang): g["rate"].map(
            lambda v: format_value(v, "rate", lang)),
        text("pipeline_forecast_col_basis", lang): [
            basis.get(s, text("na", lang)) + ("" if is_na(n) else f" (n={int(n):,})")
            for s, n in zip(g["source"], g["hist_n"], strict=True)],
        text("pipeline_forecast_col_expected", lang): g["expected"].map(
            lambda v: format_value(v, "count", lang) if is_na(v) else f"{v:,.1f}"),
    })


def forecast_note(lang: str) -> str:
    """How the forecast is made (grades and history months from the settings)."""
    cfg = forecast_config()
    return text("pipeline_forecast_note", lang, grades=list_sep(lang, "grades").join(cfg["grades"]),
                n=cfg["history_months"])


def forecast_markdown(data: Forecast, lang: str) -> str:
    """One short paragraph: next month's orders with intervals and target; pacing."""
    nxt = month_label(data.next_month, lang)
    grades = list_sep(lang, "grades").join(data.grades["grade"])
    if not data.has_leads:
        first = text("section_input_see_coverage", lang)  # said once, at the top
    elif is_na(data.expected):
        first = text("pipeline_forecast_no_history", lang, month=nxt, grades=grades)
    else:
        (lv1, iv1), (lv2, iv2) = sorted(data.intervals.items())[:2]
        first = text("pipeline_forecast_orders", lang, month=nxt, grades=grades,
                     date=data.as_of.isoformat(), n=_n(data.expected, lang),
                     level1=f"{lv1:.0%}", range1=_range(iv1, lang),
                     level2=f"{lv2:.0%}", range2=_range(iv2, lang))
        parts = [first, text("pipeline_forecast_no_target", lang, month=nxt)
                 if is_na(data.target_next) else
                 text("pipeline_forecast_target", lang, month=nxt,
                      target=_n(data.target_next, lang))]
        if not is_na(data.actual):
            parts.append(text("pipeline_forecast_actual", lang, n=_n(data.actual, lang)))
        first = _join(parts, lang)
    return first + "\n\n" + pacing_markdown(data.pacing, data.month, lang)


def pacing_markdown(p: Pacing, month: str, lang: str) -> str:
    """The pacing sentence: month complete, no data, or the projection against target."""
    label = month_label(month, lang)
    if p.status == "complete":
        return text("pipeline_pacing_complete", lang, month=label, date=p.data_end.isoformat())
    if p.status == "no_data":
        return text("pipeline_pacing_no_data", lang, month=label)
    (lv, iv) = sorted(p.intervals.items())[0]
    out = text("pipeline_pacing_partial", lang, date=p.data_end.isoformat(),
               n=_n(p.deliveries, lang), elapsed=p.elapsed, days=p.days,
               projected=_n(p.projected, lang),
               level=f"{lv:.0%}", range=_range(iv, lang))
    if is_na(p.target) or p.target == 0:
        return _join([out, text("pipeline_pacing_no_target", lang)], lang)
    return _join([out, text("pipeline_pacing_target", lang, target=_n(p.target, lang),
                            completion=format_value(p.projected / p.target, "rate", lang))], lang)
