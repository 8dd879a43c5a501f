"""Report section 6: delivery mix (交车结构) and aftercare (售后回访).

Everything comes from the registry (``deliveries_<channel>``, ``delivery_share_<channel>``,
``trade_in_share`` and the aftercare rates) through one :func:`compute_cube` call over the
twelve months up to the report month, for every store (the network's pooled shares are
Σ numerator / Σ denominator over the stores whose value is not "no data").

The mix shift sentence compares the store's last three months with the three before,
pooled (Σ channel deliveries / Σ deliveries per window); with fewer than
:data:`MIN_SHIFT_DELIVERIES` deliveries in either window it says "too few to tell".
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from ..formatting import format_value, is_na
from ..i18n import list_sep, text
from ..ingest.schema import CHANNELS
from ..ingest.warehouse import present_columns
from ..metrics.cube import NO_DATA, compute_cube
from ..metrics.months import previous_month
from ..metrics.periods import is_month, period_months, previous_period
from ..metrics.registry import REGISTRY

#: Aftercare rates shown, in this order.
AFTERCARE: tuple[str, ...] = ("call_3d_rate", "letter_7d_rate", "referral_rate",
                              "ceremony_rate", "insurance_rate")
#: Shares whose movement the mix sentence reports, with the direction managers want.
SHIFT_WANTED: dict[str, str] = {"delivery_share_existing_customer": "up",
                                "trade_in_share": "up", "delivery_share_walk_in": "down"}
#: Fewer deliveries than this in either 3-month window: no statement on the shift.
MIN_SHIFT_DELIVERIES = 20
#: A share change smaller than this (absolute, as a fraction) counts as "flat".
FLAT = 0.005
TREND_MONTHS = 12

NA_MARKS = {NO_DATA: "¹", "zero_denominator": "²"}


@dataclass
class DeliveryMix:
    """Language-free data of the delivery-mix and aftercare section for one store/month."""

    store: str
    month: str
    months: list[str]
    #: month (oldest first) × columns ``deliveries_<code>``, ``deliveries``,
    #: ``trade_in_deliveries`` (counts) and ``trade_in_share`` (NaN when n/a)
    trend: pd.DataFrame
    #: one row per channel code and ``trade_in``: ``count``, ``share``, ``share_na``,
    #: ``share_12m``, ``network_share``
    mix: pd.DataFrame
    deliveries: float
    #: one row per aftercare metric: ``value``, ``numerator``, ``denominator``,
    #: ``na_reason``, ``last_value``, ``last_na_reason``, ``network_value``, ``missing``
    #: (the absent orders column, ``"table"`` without an orders table, else NaN)
    aftercare: pd.DataFrame
    #: metric -> (earlier 3-month share, recent 3-month share); None when too few
    shift: dict[str, tuple[float, float]] | None



def pooled(cube: pd.DataFrame) -> pd.DataFrame:
    """Σ numerator / Σ denominator per metric over the rows given, "no data" rows left out.

    Count metrics get their total in ``value``; a ratio with Σ denominator 0 is NaN.
    """
    ok = cube[cube["na_reason"] != NO_DATA]
    out = ok.groupby("metric", sort=False)[["numerator", "denominator"]].sum(min_count=1)
    ratio = out.index.map(lambda m: REGISTRY[m].type == "ratio").to_numpy(dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(out["denominator"] > 0, out["numerator"] / out["denominator"], np.nan)
    out["value"] = np.where(ratio, rate, out["numerator"])
    return out.reindex(pd.unique(cube["metric"]))


def _month_values(cube: pd.DataFrame, month: str) -> pd.DataFrame:
    return cube[cube["month"] == month].set_index("metric")


def load_delivery_mix(con: duckdb.DuckDBPyConnection, store: str, month: str) -> DeliveryMix:
    """Deliveries by channel, trade-in share, 12-month trend and aftercare rates.

    ``month`` may be a period (:mod:`kpi_lib.metrics.periods`): the mix and the aftercare
    rates are then the period's, beside the previous period's, and the trend is the 12
    months up to its last month."""
    end = period_months(month)[-1]
    months = [previous_month(end, n) for n in range(TREND_MONTHS - 1, -1, -1)]
    before = previous_period(month)
    cube = compute_cube(con, months if is_month(month) else [*months, month, before])
    mine = cube[cube["store_id"] == store]
    now, last = _month_values(mine, month), _month_values(mine, before)
    network = pooled(cube[cube["month"] == month])
    mine = mine[mine["month"].isin(months)]
    year = pooled(mine)

    count_ids = [f"deliveries_{c}" for c in CHANNELS] + ["deliveries", "trade_in_deliveries"]
    wide = mine.pivot(index="month", columns="metric", values="value")
    trend = wide.reindex(index=months, columns=[*count_ids, "trade_in_share"])

    keys = [*CHANNELS, "trade_in"]
    counts = [f"deliveries_{c}" for c in CHANNELS] + ["trade_in_deliveries"]
    shares = [f"delivery_share_{c}" for c in CHANNELS] + ["trade_in_share"]
    mix = pd.DataFrame({
        "key": keys,
        "count": now.loc[counts, "value"].to_numpy(dtype=float),
        "share": now.loc[shares, "value"].to_numpy(dtype=float),
        "share_na": now.loc[shares, "na_reason"].to_numpy(dtype=object),
        "share_12m": year.loc[shares, "value"].to_numpy(dtype=float),
        "network_share": network.loc[shares, "value"].to_numpy(dtype=float),
    })

    orders_cols = present_columns(con, "orders")
    rows = []
    for metric_id in AFTERCARE:
        measure = REGISTRY[REGISTRY[metric_id].numerator].measure  # type: ignore[index]
        needed = [measure.date, *measure.requires]  # type: ignore[union-attr]
        missing = ("table" if not orders_cols
                   else next((c for c in needed if c not in orders_cols), None))
        rows.append({
            "metric": metric_id,
            "value": now.at[metric_id, "value"],
            "numerator": now.at[metric_id, "numerator"],
            "denominator": now.at[metric_id, "denominator"],
            "na_reason": now.at[metric_id, "na_reason"],
            "last_value": last.at[metric_id, "value"],
            "last_na_reason": last.at[metric_id, "na_reason"],
            "network_value": network.at[metric_id, "value"],
            "missing": missing,
        })
    return DeliveryMix(store, month, months, trend, mix,
                       float(now.at["deliveries", "value"]), pd.DataFrame(rows),
                       _shift(mine, months))


def _shift(mine: pd.DataFrame, months: list[str]) -> dict[str, tuple[float, float]] | None:
    """Pooled shares of the last 3 months vs the 3 before (None: too few deliveries)."""
    before = pooled(mine[mine["month"].isin(months[-6:-3])])
    recent = pooled(mine[mine["month"].isin(months[-3:])])
    volumes = [float(w.at["deliveries", "value"]) for w in (before, recent)]
    if not all(v >= MIN_SHIFT_DELIVERIES for v in volumes):  # NaN fails too
        return None
    if any(is_na(w.at[m, "value"]) for w in (before, recent) for m in SHIFT_WANTED):
        return None
    return {m: (float(before.at[m, "value"]), float(recent.at[m, "value"]))
            for m in SHIFT_WANTED}


# --- display ------------------------------------------------------------------------

def cell(value: object, unit: str, reason: object, lang: str) -> str:
    """A formatted value; n/a is "—" with the footnote mark of its reason."""
    shown = format_value(value, unit, lang)
    if is_na(value):
        shown += NA_MARKS.get(str(reason or NO_DATA), NA_MARKS[NO_DATA])
    return shown


def na_note(lang: str) -> str:
    """Footnote explaining the n/a marks."""
    sep = list_sep(lang, "clauses")
    reasons = sep.join(f"{mark} {text('na_' + code, lang)}" for code, mark in NA_MARKS.items())
    return text("na_footnote", lang, reasons=reasons)


def channel_label(key: str, lang: str) -> str:
    """Label of a channel code (or ``trade_in``) from the catalogue."""
    return text(f"mix_aftercare_channel_{key}", lang)


def mix_frame(data: DeliveryMix, lang: str) -> pd.DataFrame:
    """Deliveries by channel and trade-in: count, share, 12-month share, network share."""
    rows = []
    for r in data.mix.itertuples():
        rows.append({
            text("mix_aftercare_col_channel", lang): channel_label(r.key, lang),
            text("mix_aftercare_col_count", lang): format_value(r.count, "count", lang),
            text("mix_aftercare_col_share", lang): cell(r.share, "rate", r.share_na, lang),
            text("mix_aftercare_col_share_12m", lang): cell(r.share_12m, "rate", None, lang),
            text("mix_aftercare_col_network", lang): cell(r.network_share, "rate", None, lang),
        })
    rows.insert(len(CHANNELS), {
        text("mix_aftercare_col_channel", lang): text("mix_aftercare_total", lang),
        text("mix_aftercare_col_count", lang): format_value(data.deliveries, "count", lang),
        text("mix_aftercare_col_share", lang): cell(
            1.0 if data.deliveries else np.nan, "rate",
            None if is_na(data.deliveries) else "zero_denominator", lang),
        text("mix_aftercare_col_share_12m", lang): "",
        text("mix_aftercare_col_network", lang): "",
    })
    return pd.DataFrame(rows)


def mix_markdown(data: DeliveryMix, lang: str) -> str:
    """One sentence on whether the mix moved the way managers want."""
    if is_na(data.deliveries) or data.deliveries == 0:
        return text("mix_aftercare_no_deliveries", lang)
    if data.shift is None:
        return text("mix_aftercare_shift_too_few", lang, n=MIN_SHIFT_DELIVERIES)
    parts, good = [], 0
    for metric_id, wanted in SHIFT_WANTED.items():
        before, recent = data.shift[metric_id]
        move = "flat" if abs(recent - before) < FLAT else ("up" if recent > before else "down")
        good += move == wanted
        parts.append(text("mix_aftercare_shift_part", lang,
                          label=REGISTRY[metric_id].label(lang),
                          before=format_value(before, "rate", lang),
                          recent=format_value(recent, "rate", lang),
                          move=text(f"mix_aftercare_move_{move}", lang)))
    verdict = "good" if good == len(SHIFT_WANTED) else ("bad" if good == 0 else "mixed")
    return text("mix_aftercare_shift", lang, parts=list_sep(lang, "clauses").join(parts),
                verdict=text(f"mix_aftercare_verdict_{verdict}", lang))


def aftercare_frame(data: DeliveryMix, lang: str) -> pd.DataFrame:
    """Aftercare rates: this month (with counts), last month and the network."""
    rows = []
    for r in data.aftercare.itertuples():
        counts = ("" if is_na(r.value) else
                  f"{r.numerator:,.0f} / {r.denominator:,.0f}")
        rows.append({
            text("col_kpi", lang): REGISTRY[r.metric].label(lang),
            text("col_this_month", lang): cell(r.value, "rate", r.na_reason, lang),
            text("mix_aftercare_col_counts", lang): counts,
            text("col_last_month", lang): cell(r.last_value, "rate", r.last_na_reason, lang),
            text("mix_aftercare_col_network", lang): cell(r.network_value, "rate", None, lang),
        })
    return pd.DataFrame(rows)


def aftercare_markdown(data: DeliveryMix, lang: str) -> str:
    """What cannot be computed and why (absent columns), and the n/a footnote."""
    lines = [text("mix_aftercare_missing_column", lang,
                  column=text(f"mix_aftercare_column_{r.missing}", lang),
                  kpi=REGISTRY[r.metric].label(lang))
             for r in data.aftercare.itertuples() if isinstance(r.missing, str)]
    if any(r.missing == "table" for r in data.aftercare.itertuples()):
        # no orders table at all: the coverage note at the top says so once, not per KPI
        lines = [text("section_input_see_coverage", lang)]
    if is_na(data.deliveries) or data.deliveries == 0:
        lines.append(text("mix_aftercare_no_deliveries", lang))
    lines.append(na_note(lang))
    return "\n\n".join(lines)


def mix_trend_input(data: DeliveryMix, lang: str) -> dict:
    """Keyword arguments of :func:`kpi_lib.report.plots.delivery_mix_trend`."""
    counts = data.trend[[f"deliveries_{c}" for c in CHANNELS]].fillna(0.0)
    counts.columns = [channel_label(c, lang) for c in CHANNELS]
    counts.index = [f"{m[:4]}.{m[5:]}" for m in data.months]
    share = data.trend["trade_in_share"].copy()
    share.index = counts.index
    return {"counts": counts, "trade_in_share": share,
            "title": text("mix_aftercare_trend_title", lang),
            "ylabel": text("mix_aftercare_trend_ylabel", lang),
            "share_label": REGISTRY["trade_in_share"].label(lang)}
