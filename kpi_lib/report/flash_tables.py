"""What the flash shows (销售快报): its sentences and tables, in zh or en.

:func:`load_flash_report` checks the parameters, cuts the warehouse at the day
(:mod:`kpi_lib.analysis.flash_cut`) and computes :class:`kpi_lib.analysis.flash.Flash`; the
other functions turn it into Markdown and display frames. Every sentence is built from
the numbers the tables beside it show: "target at risk" only when the projection
interval's upper end is below the target, "behind the path" only for indicators under
their need by now; a value that cannot be computed is "—" with its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import paths
from ..analysis.flash import Flash, load_flash
from ..analysis.flash_cut import check_day, shared_cut
from ..analysis.flash_pacing import flash_config
from ..formatting import format_value, is_na
from ..i18n import check_lang, data_value, list_sep, text
from ..ingest.inputs import check_store_format, check_store_known
from ..ingest.warehouse import open_warehouse, store_info
from ..metrics.registry import kpi_label


@dataclass
class FlashReport:
    """A flash and what its display needs."""

    flash: Flash
    store: dict
    lang: str


def load_flash_report(store: str, day: str, lang: str = "zh",
                      data: str | Path | None = None) -> FlashReport:
    """Check ``store``, ``day`` (``YYYY-MM-DD`` inside the data) and ``lang``; compute the
    flash on the data as they stood on ``day`` (``data=None``: the demo data)."""
    check_store_format(store)
    check_lang(lang)
    with open_warehouse(Path(data) if data else paths.DEMO_DATA) as wh:
        known = [r[0] for r in wh.con.execute("SELECT store_id FROM stores ORDER BY 1")
                 .fetchall()]
        check_store_known(store, known)
        when = check_day(day, wh.con)
        info = store_info(wh.con, store)
        cut, kept = shared_cut(wh.con, when)  # kept in a warm kernel for the next store
    try:
        return FlashReport(load_flash(cut, store, when), info, lang)
    finally:
        if not kept:
            cut.close()


def _n(v: object, lang: str) -> str:
    return format_value(round(float(v)) if not is_na(v) else v, "count", lang)


def _x(v: object, lang: str) -> str:
    """An expected count (fractional): one decimal under 10, whole numbers above."""
    return format_value(v, "count", lang)


def _gap(actual: float, need: float, lang: str) -> tuple[str, bool]:
    """``actual − need`` as shown (signed) and whether it shows a shortfall: "behind" is
    said only when the displayed gap is below zero."""
    if not (_fin(actual) and _fin(need)):
        return text("na", lang), False
    shown = _x(actual - need, lang)
    value = float(shown.replace(",", ""))
    if value == 0:
        return _x(0.0, lang), False
    return ("+" if value > 0 else "") + shown, value < 0


def _pct(v: object, lang: str) -> str:
    return format_value(v, "rate", lang)


def _fin(v: object) -> bool:
    return not is_na(v) and math.isfinite(float(v))


def header_markdown(fr: FlashReport) -> str:
    """The day (the page's title block names the store) and up to which date the data are
    read."""
    f, lang = fr.flash, fr.lang
    head = text("flash_header", lang, date=f.day.isoformat(), day=f.day.day,
                days=f.days_in_month)
    note = text("flash_cut_note", lang, date=f.day.isoformat())
    if f.as_of != f.day:
        note += list_sep(lang, "sentences") + text("flash_as_of", lang,
                                                   as_of=f.as_of.isoformat())
    return f"**{head}** {note}"


def headline_markdown(fr: FlashReport) -> str:
    """Month to date against the paced target, the projection and the target's status."""
    f, lang = fr.flash, fr.lang
    p, lv = f.projection, f"{f.level:.0%}"
    done = _n(f.mtd["deliveries"], lang)
    parts = []
    if f.status == "no_target":
        parts.append(text("flash_mtd_no_target", lang, date=f.day.isoformat(), done=done))
    else:
        parts.append(text("flash_mtd", lang, date=f.day.isoformat(), done=done,
                          share=_pct(f.paces["deliveries"].share, lang),
                          target=_n(f.target, lang), paced=_x(f.paced_target, lang),
                          pace=_pct(f.pace_ratio, lang)))
    if _fin(p["point"]):
        parts.append(text("flash_projection", lang, point=_n(p["point"], lang), level=lv,
                          low=_n(p["low"], lang), high=_n(p["high"], lang)))
    else:
        parts.append(text("flash_no_projection", lang))
    fields = {"level": lv, "target": _n(f.target, lang), "low": _n(p["low"], lang),
              "high": _n(p["high"], lang)}
    if f.status == "at_risk":
        fields["gap"] = _n(f.target - p["high"], lang)
    if f.status in ("at_risk", "on_track", "open"):
        parts.append(f"**{text(f'flash_status_{f.status}', lang, **fields)}**")
    return list_sep(lang, "sentences").join(parts)


def pace_note(fr: FlashReport) -> str:
    """How the elapsed shares were made, beside the plain day share."""
    f, lang = fr.flash, fr.lang
    cfg = flash_config()["pacing"]
    shares = list_sep(lang).join(
        text("flash_share_item", lang, what=text(f"flash_measure_{m}", lang),
             share=_pct(p.share, lang), how=text(f"flash_season_{p.season}", lang,
                                                 n=cfg["profile_months"]))
        for m, p in f.paces.items())
    return text("flash_pace_note", lang, shares=shares, weeks=cfg["weekday_months"],
                plain=_pct(f.day.day / f.days_in_month, lang), level=f"{f.level:.0%}")


def indicators_frame(fr: FlashReport) -> pd.DataFrame:
    """Leading indicators: to date, the path's month need, the need by now, the gap."""
    f, lang = fr.flash, fr.lang
    rows = []
    for r in f.indicators.to_dict("records"):
        ind = r["indicator"]
        label = (text("flash_ha_stock", lang) if ind == "ha_stock" else kpi_label(ind, lang))
        rows.append({
            text("flash_col_indicator", lang): label,
            text("flash_col_actual", lang): _n(r["actual"], lang),
            text("flash_col_month_need", lang): _x(r["month_need"], lang),
            text("flash_col_need_now", lang): _x(r["need_by_now"], lang),
            text("flash_col_gap", lang): _gap(r["actual"], r["need_by_now"], lang)[0],
            text("flash_col_done", lang): _pct(r["actual"] / r["need_by_now"], lang)
            if _fin(r["need_by_now"]) and r["need_by_now"] > 0 else text("na", lang),
        })
    return pd.DataFrame(rows)


def indicators_markdown(fr: FlashReport) -> str:
    """Which indicators are behind the path by now, and how the needs are made."""
    f, lang = fr.flash, fr.lang
    if "path" in f.reasons:
        return text(f"flash_path_{f.reasons['path']}", lang)
    ind = f.indicators
    ha = ind[ind["indicator"] == "ha_stock"].iloc[0]
    behind = [r for r in ind.to_dict("records")
              if _gap(r["actual"], r["need_by_now"], lang)[1]]
    names = list_sep(lang).join(
        (text("flash_ha_stock", lang) if r["indicator"] == "ha_stock"
         else kpi_label(r["indicator"], lang))
        + text("flash_short", lang, n=_x(r["need_by_now"] - r["actual"], lang))
        for r in behind)
    parts = [text("flash_behind", lang, items=names) if behind
             else text("flash_not_behind", lang)]
    if _fin(ha["need_by_now"]):
        orders = next(x["required"] for x in f.path if x["stage"] == "orders")
        parts.append(text("flash_ha_note", lang, orders=_x(orders, lang),
                          ratio=f"{ha['ratio']:.2f}", need=_x(ha["need_by_now"], lang),
                          have=_n(ha["actual"], lang)))
    else:
        parts.append(text("flash_ha_na", lang))
    parts.append(text("flash_path_note", lang, target=_n(f.target, lang)))
    return "\n\n".join(parts)


def consultants_frame(fr: FlashReport) -> pd.DataFrame:
    """Each consultant's paced target, deliveries and pace, orders, H/A and overdue leads."""
    c, lang = fr.flash.consultants, fr.lang
    return pd.DataFrame({
        text("pipeline_col_consultant", lang): [
            n if isinstance(n, str) and n else i for i, n in zip(c["consultant_id"], c["name"],
                                                                strict=True)],
        text("flash_col_target", lang): c["target"].map(lambda v: _n(v, lang)),
        text("flash_col_paced", lang): c["paced_target"].map(lambda v: _x(v, lang)),
        kpi_label("deliveries", lang): c["deliveries"].map(lambda v: _n(v, lang)),
        text("flash_col_pace", lang): c["pace"].map(lambda v: _pct(v, lang)),
        kpi_label("orders", lang): c["orders"].map(lambda v: _n(v, lang)),
        text("flash_col_ha", lang): c["ha_open"].map(lambda v: _n(v, lang)),
        text("flash_col_due", lang, days=fr.flash.lists.due_days): c["due"].map(
            lambda v: _n(v, lang)),
        text("flash_col_overdue", lang): c["overdue"].map(lambda v: _n(v, lang)),
    })


def consultants_note(fr: FlashReport) -> str:
    """Who is behind their paced target (or that nobody has a target)."""
    c, lang = fr.flash.consultants, fr.lang
    if not c["target"].notna().any():
        return text("flash_consultants_no_target", lang)
    behind = c[c["pace"] < 1]
    if behind.empty:
        return text("flash_consultants_all_on_pace", lang)
    return text("flash_consultants_behind", lang, n=len(behind), names=list_sep(lang).join(
        f"{n or i}（{_pct(p, lang)}）" if lang == "zh" else f"{n or i} ({_pct(p, lang)})"
        for i, n, p in zip(behind["consultant_id"], behind["name"], behind["pace"],
                           strict=True)))


def _date(v: object) -> str:
    return pd.Timestamp(v).strftime("%Y-%m-%d") if not is_na(v) and v is not pd.NaT else "—"


def _lead_cols(df: pd.DataFrame, lang: str) -> dict[str, pd.Series]:
    na = text("na", lang)
    return {text("pipeline_col_customer", lang): df["customer"].fillna(na),
            text("pipeline_col_phone", lang): df["phone"].fillna(na)}


def _shown(key: str, total: int, rows: int, lang: str, **fields: object) -> str:
    more = text("flash_more", lang, n=rows, total=total) if total > rows else ""
    return text(key, lang, n=total, **fields) + more + ("。" if lang == "zh" else ".")


def heading(fr: FlashReport, key: str) -> str:
    """The heading of section ``key`` (indicators, consultants, due, overdue, lost)."""
    return "## " + text(f"flash_h_{key}", fr.lang, days=fr.flash.lists.due_days)


def due_frame(fr: FlashReport) -> pd.DataFrame:
    """The most urgent due H/A leads (earliest due first, H before A)."""
    d, lang = fr.flash.lists.due, fr.lang
    rows = int(flash_config()["action_lists"]["due_rows"])
    d = d.assign(_r=d["grade"].map({"H": 0, "A": 1})).sort_values(
        ["next_due", "_r", "consultant", "lead_id"]).head(rows)
    return pd.DataFrame({
        text("pipeline_col_consultant", lang): d["consultant"],
        text("pipeline_col_grade", lang): d["grade"],
        text("flash_col_next_due", lang): d["next_due"].map(_date),
        text("pipeline_col_last_contact", lang): d["last_contact"].map(_date),
        text("pipeline_col_lead", lang): d["lead_id"], **_lead_cols(d, lang)})


def due_note(fr: FlashReport) -> str:
    """How many H/A leads fall due, and how many rows are shown."""
    lists, lang = fr.flash.lists, fr.lang
    if not lists.has_followups:
        return text("flash_no_followups", lang)
    return _shown("flash_due_note", len(lists.due),
                  int(flash_config()["action_lists"]["due_rows"]), lang,
                  days=lists.due_days, date=lists.as_of.isoformat())


def overdue_frame(fr: FlashReport) -> pd.DataFrame:
    """Overdue open leads, grade first (O, H, A, B, C), then days overdue."""
    o, lang = fr.flash.lists.overdue, fr.lang
    o = o.head(int(flash_config()["action_lists"]["overdue_rows"]))
    return pd.DataFrame({
        text("pipeline_col_grade", lang): o["grade"],
        text("pipeline_col_days_overdue", lang): o["days_overdue"].map(lambda v: _n(v, lang)),
        text("pipeline_col_last_contact", lang): o["last_contact"].map(_date),
        text("pipeline_col_consultant", lang): o["consultant"],
        text("pipeline_col_lead", lang): o["lead_id"], **_lead_cols(o, lang)})


def overdue_note(fr: FlashReport) -> str:
    """How many leads are overdue by grade, and how many rows are shown."""
    lists, lang = fr.flash.lists, fr.lang
    if not lists.has_followups:
        return text("flash_no_followups", lang)
    counts = lists.overdue["grade"].value_counts()
    by = list_sep(lang).join(f"{g} {int(counts[g])}" for g in ("O", "H", "A", "B", "C")
                             if g in counts)
    return _shown("flash_overdue_note", len(lists.overdue),
                  int(flash_config()["action_lists"]["overdue_rows"]), lang,
                  by=by or "0")


def lost_frame(fr: FlashReport) -> pd.DataFrame:
    """Lost H/A leads of the review window, newest first."""
    lo, lang = fr.flash.lists.lost, fr.lang
    lo = lo.head(int(flash_config()["action_lists"]["lost_rows"]))
    na = text("na", lang)
    return pd.DataFrame({
        text("pipeline_col_grade", lang): lo["grade"],
        text("flash_col_lost_on", lang): lo["lost_on"].map(_date),
        text("pipeline_col_consultant", lang): lo["consultant"],
        text("flash_col_reason", lang): lo["reason"].map(
            lambda v: na if is_na(v) or not v else data_value(v, lang)),
        text("flash_col_competitor", lang): lo["competitor"].map(
            lambda v: na if is_na(v) or not v else v),
        text("pipeline_col_lead", lang): lo["lead_id"], **_lead_cols(lo, lang)})


def lost_note(fr: FlashReport) -> str:
    """How many lost H/A leads await review, and how many rows are shown."""
    lists, lang = fr.flash.lists, fr.lang
    return _shown("flash_lost_note", len(lists.lost),
                  int(flash_config()["action_lists"]["lost_rows"]), lang,
                  days=lists.lost_days, date=lists.as_of.isoformat())
