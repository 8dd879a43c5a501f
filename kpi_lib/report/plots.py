"""Every figure of the report, and the one theme they share.

Plots take data and return a :class:`matplotlib.figure.Figure`; they never read files.
``use_theme(lang)`` is called once at the top of a notebook: seaborn theme, a palette that
is colour-blind safe *and* ordered by lightness (so it still reads when printed in grey),
the Noto Sans CJK SC font (Simplified Chinese glyph shapes; Debian's ``fonts-noto-cjk``
ships it inside a ``.ttc`` collection, which matplotlib ≥ 3.10 indexes face by face) and
print resolution for the PNGs embedded in the HTML/PDF.
"""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter, StrMethodFormatter

#: Navy, orange, mid blue, grey, vermillion, sky: Okabe–Ito-style hues that colour-blind
#: readers tell apart, chosen so that neighbours also differ clearly in lightness.
PALETTE: list[str] = ["#1b3a5c", "#e69f00", "#3a87c8", "#9a9a9a", "#d55e00", "#a6cee3"]

#: Preferred fonts, Simplified Chinese first; Latin glyphs come from the CJK font too, and
#: matplotlib falls back along the list glyph by glyph.
CJK_FONTS: list[str] = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"]
LATIN_FONTS: list[str] = ["DejaVu Sans", "Liberation Sans", "Arial"]

#: Resolution of the PNGs in the report: sharp on paper, a few dozen KB per figure.
DPI = 150
#: Width of a full-width figure in inches (A4 text width is ~6.7 in with our margins).
FIG_WIDTH = 6.5

NA = "—"


def cjk_font_names() -> list[str]:
    """The preferred CJK font families that matplotlib actually knows, best first."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in known]


def use_theme(lang: str = "zh") -> None:
    """Set the report's look for every figure that follows (all languages use the CJK font).

    Inside a Jupyter kernel it also makes figures display as PNG only (no duplicate SVG/PDF
    representations bloating the notebook and the HTML).
    """
    fonts = cjk_font_names()
    if not fonts:
        warnings.warn(
            "no CJK font found (install Debian's fonts-noto-cjk); Chinese labels will not show",
            stacklevel=2,
        )
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=PALETTE,
        font="sans-serif",
        rc={
            "font.sans-serif": fonts + LATIN_FONTS,
            "axes.unicode_minus": False,
            # names from the data are drawn as they are: "$…$" in a name is no formula
            "text.parse_math": False,
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "savefig.bbox": "tight",
            "figure.figsize": (FIG_WIDTH, 3.6),
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
            "axes.edgecolor": "#bbbbbb",
            "grid.color": "#e3e3e3",
            "axes.spines.top": False,
            "axes.spines.right": False,
        },
    )
    _inline_png_only()


def _inline_png_only() -> None:
    """In an IPython kernel: figures are shown as PNG at the theme's dpi."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    # The PNG's pixel size follows the figure's dpi (IPython's print_figure uses fig.dpi).
    set_matplotlib_formats("png", bbox_inches="tight")


def close(fig: Figure) -> None:
    """Forget a figure once displayed (so the inline backend does not show it twice)."""
    plt.close(fig)


def _fmt_count(value: float) -> str:
    return NA if _is_na(value) else f"{value:,.0f}"


def _fmt_rate(rate: float) -> str:
    return NA if _is_na(rate) else f"{rate:.1%}"


def _is_na(value: object) -> bool:
    try:
        return value is None or math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def funnel_chart(stages: pd.DataFrame, title: str) -> Figure:
    """Sales funnel: one horizontal bar per stage, top to bottom in funnel order.

    ``stages`` has columns ``stage`` (label), ``value`` (count, NaN when n/a), ``rate``
    (the stage's rate as a fraction, NaN when n/a) and optionally ``rate_label`` (the
    rate's name; "" or absent: no rate on that row). Counts are written on the bars, each
    rate with its name on the bar's row in a column on the right; n/a shows as "—".
    """
    labels = [str(s) for s in stages["stage"]]
    values = [float("nan") if _is_na(v) else float(v) for v in stages["value"]]
    rates = [float("nan") if _is_na(r) else float(r) for r in stages["rate"]]
    n = len(labels)
    known = [v for v in values if not math.isnan(v)]
    top = max(known) if known and max(known) > 0 else 1.0

    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.5 * n + 1.1), layout="constrained")
    ys = list(range(n))
    widths = [0.0 if math.isnan(v) else v for v in values]
    colors = [PALETTE[0] if i == 0 else PALETTE[2] for i in ys]
    ax.barh(ys, widths, height=0.62, color=colors, edgecolor="none", zorder=2)
    ax.set_yticks(ys, labels)
    ax.invert_yaxis()  # first stage on top
    ax.set_xlim(0, top * 1.02)
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    ax.set_title(title, loc="left")

    for y, v, w in zip(ys, values, widths, strict=True):
        text = _fmt_count(v)
        if w >= 0.18 * top:  # label inside the bar, in white
            ax.text(w - 0.01 * top, y, text, va="center", ha="right", color="white",
                    fontsize=9, fontweight="bold", zorder=3)
        else:  # short (or missing) bar: label just right of it
            ax.text(w + 0.01 * top, y, text, va="center", ha="left", color="#333333",
                    fontsize=9, zorder=3)

    # Each stage's own rate, named, on its row in a column right of the axes.
    names = (list(stages["rate_label"]) if "rate_label" in stages.columns else [""] * n)
    for y, name in zip(ys, names, strict=True):
        if name:
            ax.annotate(f"{name} {_fmt_rate(rates[y])}", xy=(1.0, y),
                        xycoords=("axes fraction", "data"), xytext=(6, 0),
                        textcoords="offset points", va="center", ha="left", fontsize=9,
                        color=PALETTE[4] if not math.isnan(rates[y]) else "#777777",
                        annotation_clip=False)
    return fig


def funnel_plot(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    target: float,
    highlight: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    ax=None,
) -> Figure:
    """Funnel plot: every store's rate against its volume, with control limits.

    ``points`` has ``store_id``, ``n`` (denominator) and ``rate``; ``limits`` has ``n`` and
    ``low95``, ``high95``, ``low998``, ``high998`` over a grid of volumes (computed by
    :mod:`kpi_lib.stats`); ``target`` is the benchmark rate. The ``highlight`` store is
    drawn larger, in orange, and labelled; the others are grey dots. Stores whose rate is
    n/a are left out.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(FIG_WIDTH / 2, 2.9), layout="constrained")
    else:
        fig = ax.figure
    ax.plot(limits["n"], limits["low998"], color=PALETTE[0], lw=1.0, ls="--", zorder=2)
    ax.plot(limits["n"], limits["high998"], color=PALETTE[0], lw=1.0, ls="--", zorder=2,
            label="99.8%")
    ax.plot(limits["n"], limits["low95"], color=PALETTE[2], lw=1.0, zorder=2)
    ax.plot(limits["n"], limits["high95"], color=PALETTE[2], lw=1.0, zorder=2, label="95%")
    ax.axhline(target, color=PALETTE[3], lw=1.0, zorder=1)
    shown = points.dropna(subset=["n", "rate"])
    others = shown[shown["store_id"] != highlight]
    ax.scatter(others["n"], others["rate"], s=14, color=PALETTE[3], zorder=3)
    mine = shown[shown["store_id"] == highlight]
    if not mine.empty:
        ax.scatter(mine["n"], mine["rate"], s=46, color=PALETTE[1], edgecolor=PALETTE[0],
                   linewidth=0.8, marker="D", zorder=4)
        ax.annotate(highlight, (float(mine["n"].iloc[0]), float(mine["rate"].iloc[0])),
                    xytext=(5, 5), textcoords="offset points", fontsize=8, color=PALETTE[0])
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:.0%}"))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    return fig


def funnel_plot_grid(panels: list[dict], highlight: str, columns: int = 2) -> Figure:
    """Several :func:`funnel_plot` panels side by side (``panels`` from the report data)."""
    rows = max(1, math.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(FIG_WIDTH, 2.7 * rows),
                             layout="constrained", squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        funnel_plot(panel["points"], panel["limits"], panel["target"], highlight,
                    title=panel["title"], xlabel=panel["xlabel"], ylabel=panel["ylabel"],
                    ax=ax)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    return fig


# --- plots: trends ---

_UNIT_FORMAT = {"rate": "{x:.0%}", "yuan": "¥{x:,.0f}", "yuan_per": "¥{x:,.0f}"}


def _month_ticks(ax, labels: list[str], every: int) -> None:
    """Every ``every``-th month label, counted back from the last (the report month)."""
    n = len(labels)
    ticks = [i for i in range(n) if (n - 1 - i) % every == 0]
    ax.set_xticks(ticks, [labels[i] for i in ticks])
    ax.set_xlim(-0.5, max(n - 0.5, 0.5))


def trend_lines(panels: list[dict], *, this_label: str, last_label: str,
                columns: int = 3) -> Figure:
    """Small multiples of monthly KPIs: this period (solid, dots) vs a year earlier (dashed).

    Each panel dict has ``title``, ``unit`` (registry unit), ``labels`` (month labels),
    ``this_year`` and ``last_year`` (values aligned with ``labels``, NaN = n/a: a gap).
    A panel without any value shows "—".
    """
    rows = max(1, math.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(FIG_WIDTH, min(3.2, 1.45 * rows + 0.35)),
                             layout="constrained", squeeze=False)
    for ax, p in zip(axes.flat, panels, strict=False):
        x = list(range(len(p["labels"])))
        this = [float("nan") if _is_na(v) else float(v) for v in p["this_year"]]
        last = [float("nan") if _is_na(v) else float(v) for v in p["last_year"]]
        ax.plot(x, last, color=PALETTE[3], lw=1.0, ls="--", label=last_label)
        ax.plot(x, this, color=PALETTE[0], lw=1.4, marker="o", ms=2.5, label=this_label)
        if all(math.isnan(v) for v in this + last):
            ax.text(0.5, 0.5, NA, transform=ax.transAxes, ha="center", va="center")
        _month_ticks(ax, p["labels"], 3)
        ax.yaxis.set_major_formatter(StrMethodFormatter(_UNIT_FORMAT.get(p["unit"],
                                                                         "{x:,.0f}")))
        ax.tick_params(labelsize=6.5, length=2)
        ax.set_title(p["title"], loc="left", fontsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles[::-1], names[::-1], loc="outside upper right", ncols=2, fontsize=7,
               frameon=False)
    return fig


def control_chart(labels: list[str], values, centre: float, lower, upper,
                  signals: list[int], *, title: str, unit: str, centre_label: str,
                  limit_label: str, signal_label: str) -> Figure:
    """One control chart: the monthly points, the centre line, the (per-month, stepped)
    lower and upper limits, and the signal points ringed. Months without a value are
    gaps; ``signals`` are indices into ``labels``."""
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 2.5), layout="constrained")
    x = list(range(len(labels)))
    vals = [float("nan") if _is_na(v) else float(v) for v in values]
    ax.step(x, list(upper), where="mid", color=PALETTE[4], lw=1.0, ls="--", label=limit_label)
    ax.step(x, list(lower), where="mid", color=PALETTE[4], lw=1.0, ls="--")
    ax.axhline(centre, color=PALETTE[3], lw=1.0, label=centre_label)
    ax.plot(x, vals, color=PALETTE[0], lw=1.3, marker="o", ms=3.5, zorder=3)
    if signals:
        ax.scatter([x[i] for i in signals], [vals[i] for i in signals], s=110,
                   facecolors="none", edgecolors=PALETTE[4], linewidths=1.6, zorder=4,
                   label=signal_label)
    _month_ticks(ax, labels, 1)
    ax.yaxis.set_major_formatter(StrMethodFormatter(_UNIT_FORMAT.get(unit, "{x:,.0f}")))
    ax.tick_params(labelsize=7.5)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    return fig

# --- plots: pipeline ---
def grade_stock_bars(stock: pd.DataFrame, title: str, new_label: str,
                     carried_label: str) -> Figure:
    """Open leads by grade, stacked: new (dark) under carried-over (light), total on top.

    ``stock`` has columns ``grade`` (bar label, e.g. O/H/A/B/C), ``new`` and ``carried``
    (counts; NaN shows as "—" with no bar).
    """
    labels = [str(g) for g in stock["grade"]]
    new = [0.0 if _is_na(v) else float(v) for v in stock["new"]]
    carried = [0.0 if _is_na(v) else float(v) for v in stock["carried"]]
    totals = [NA if _is_na(a) and _is_na(b) else _fmt_count(x + y) for a, b, x, y in
              zip(stock["new"], stock["carried"], new, carried, strict=True)]
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 2.9), layout="constrained")
    xs = list(range(len(labels)))
    ax.bar(xs, new, width=0.6, color=PALETTE[0], label=new_label, zorder=2)
    ax.bar(xs, carried, width=0.6, bottom=new, color=PALETTE[5], edgecolor=PALETTE[0],
           linewidth=0.6, hatch="//", label=carried_label, zorder=2)
    top = max([a + b for a, b in zip(new, carried, strict=True)] + [1.0])
    for x, a, b, t in zip(xs, new, carried, totals, strict=True):
        ax.text(x, a + b + 0.02 * top, t, ha="center", va="bottom", fontsize=9, color="#333333")
    ax.set_xticks(xs, labels)
    ax.set_ylim(0, top * 1.15)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="x", visible=False)
    ax.set_title(title, loc="left")
    # under the grades: the registry's labels are long and would run into the title
    fig.legend(loc="outside lower center", frameon=False, ncols=2)
    return fig


# --- plots: consultants ---
def consultant_scores(names: list[str], scores: list[float], team_avg: float,
                      bands: list[tuple[str, float, float]], *, title: str, xlabel: str,
                      team_label: str) -> Figure:
    """Composite score per consultant: horizontal bars over the grade bands, team average.

    ``bands`` are (label, low, high) score ranges, best first; they are shaded in greys
    (darker = better) and named along the top. A score that is n/a shows as "—".
    """
    n = max(len(names), 1)
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, min(3.2, 0.26 * n + 1.1)), layout="constrained")
    greys = ["#d9d9d9", "#e6e6e6", "#f0f0f0", "#fafafa"]
    for i, (label, low, high) in enumerate(bands):
        ax.axvspan(low, high, color=greys[min(i, len(greys) - 1)], zorder=0, lw=0)
        if high - low >= 8:
            ax.text((low + high) / 2, 1.0, label, transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=8, color="#555555")
    ys = list(range(len(names)))
    widths = [0.0 if _is_na(s) else float(s) for s in scores]
    ax.barh(ys, widths, height=0.6, color=PALETTE[0], zorder=2)
    for y, s, w in zip(ys, scores, widths, strict=True):
        shown = NA if _is_na(s) else f"{float(s):.1f}"
        ax.text(w + 1, y, shown, va="center", ha="left", fontsize=8, color="#333333", zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85})
    if not _is_na(team_avg):
        ax.axvline(team_avg, color=PALETTE[4], lw=1.2, ls="--", zorder=3,
                   label=f"{team_label} {team_avg:.1f}")
        ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.9)
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 108)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0, labelsize=8)
    ax.set_title(title, loc="left", pad=14)
    return fig


# --- plots: mix_aftercare ---

#: Hatches that tell stacked segments apart on a greyscale print.
HATCHES: list[str] = ["", "///", "...", "xxx", "\\\\\\", "---"]


def delivery_mix_trend(counts: pd.DataFrame, trade_in_share: pd.Series, *, title: str,
                       ylabel: str, share_label: str) -> Figure:
    """Deliveries by channel over the months: stacked bars, plus the trade-in share line.

    ``counts`` has one row per month (index: the x labels) and one column per channel
    (labels); ``trade_in_share`` (fraction, NaN when n/a) is drawn on the right axis.
    Segments differ by colour *and* hatch, so the chart reads in greyscale.
    """
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 3.1), layout="constrained")
    xs = list(range(len(counts)))
    bottom = [0.0] * len(counts)
    for i, col in enumerate(counts.columns):
        heights = [0.0 if _is_na(v) else float(v) for v in counts[col]]
        ax.bar(xs, heights, bottom=bottom, width=0.7, color=PALETTE[i % len(PALETTE)],
               hatch=HATCHES[i % len(HATCHES)], edgecolor="white", linewidth=0.4,
               label=str(col), zorder=2)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_xticks(xs, [str(x) for x in counts.index], fontsize=7)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, loc="left")
    ax.grid(axis="x", visible=False)
    right = ax.twinx()
    share = [float("nan") if _is_na(v) else float(v) for v in trade_in_share]
    right.plot(xs, share, color="black", lw=1.2, ls="--", marker="o", ms=3.5,
               label=share_label, zorder=4)
    right.yaxis.set_major_formatter(StrMethodFormatter("{x:.0%}"))
    right.set_ylim(0, max([s for s in share if not math.isnan(s)] + [0.1]) * 1.25)
    right.grid(False)
    right.spines["right"].set_visible(True)
    right.tick_params(labelsize=8)
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = right.get_legend_handles_labels()
    ax.legend(handles + h2, labels + l2, fontsize=7, ncol=4, frameon=False,
              loc="upper center", bbox_to_anchor=(0.5, -0.1))
    return fig

# --- plots: traffic ---

def visit_heatmap(counts: pd.DataFrame, *, title: str, xlabel: str, ylabel: str) -> Figure:
    """Visits by weekday (rows, labels as index) × hour of arrival (columns).

    A single-hue sequential colormap (light = few, dark = many) keeps the order of the
    counts when printed in grey; each cell carries its count.
    """
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 2.9), layout="constrained")
    values = counts.fillna(0).astype(float)
    sns.heatmap(values, ax=ax, cmap="Blues", annot=True, fmt=".0f", linewidths=0.5,
                linecolor="white", annot_kws={"fontsize": 7},
                cbar_kws={"shrink": 0.8, "format": StrMethodFormatter("{x:,.0f}")})
    ax.set_title(title, loc="left")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(axis="y", rotation=0, labelsize=8)
    ax.tick_params(axis="x", rotation=0, labelsize=8)
    return fig


# --- plots: exploration ---

def metric_bars(values: pd.Series, *, title: str, unit: str, highlight: str = "",
                reference: float | None = None, reference_label: str = "") -> Figure:
    """One KPI for every store: a horizontal bar per store (``values`` indexed by store),
    highest first, n/a stores last and shown as "—". The ``highlight`` store is orange;
    ``reference`` (e.g. the network's pooled value) is a dashed line."""
    order = values.astype(float).sort_values(ascending=False, na_position="last")
    n = max(len(order), 1)
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, min(4.2, 0.24 * n + 1.0)), layout="constrained")
    ys = list(range(len(order)))
    widths = [0.0 if _is_na(v) else float(v) for v in order]
    colours = [PALETTE[1] if str(s) == highlight else PALETTE[0] for s in order.index]
    ax.barh(ys, widths, height=0.6, color=colours, zorder=2)
    fmt = {"rate": _fmt_rate}.get(unit, _fmt_count)
    for y, v, w in zip(ys, order, widths, strict=True):
        prefix = "¥" if unit in ("yuan", "yuan_per") and not _is_na(v) else ""
        ax.annotate(prefix + fmt(v), xy=(w, y), xytext=(3, 0), textcoords="offset points",
                    va="center", ha="left", fontsize=8, color="#333333")
    if reference is not None and not _is_na(reference):
        ax.axvline(reference, color=PALETTE[4], lw=1.2, ls="--", zorder=3,
                   label=reference_label or None)
        if reference_label:
            ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.9)
    ax.set_yticks(ys, [str(s) for s in order.index])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0) if unit == "rate" else
                                 StrMethodFormatter(_UNIT_FORMAT.get(unit, "{x:,.0f}")))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0, labelsize=8)
    ax.set_title(title, loc="left")
    return fig
