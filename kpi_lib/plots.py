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
from matplotlib.ticker import StrMethodFormatter

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

    ``stages`` has columns ``stage`` (label), ``value`` (count, NaN when n/a) and ``rate``
    (conversion from the previous stage as a fraction, NaN when n/a; the first row's is
    ignored). Counts are written on the bars, conversions between the bars in a column on
    the right; anything n/a shows as "—".
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

    # Conversion from the stage above, between the two bars, in a column right of the axes.
    for y in ys[1:]:
        ax.annotate(f"↓ {_fmt_rate(rates[y])}", xy=(1.0, y - 0.5),
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

# --- plots: pipeline ---

# --- plots: consultants ---

# --- plots: mix_aftercare ---

# --- plots: traffic ---
