"""The region report's small multiples: one small chart per store (deliveries and target
over the last periods), drawn like :func:`kpi_lib.report.plots.trend_lines`."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .plots import FIG_WIDTH, NA, PALETTE, _month_ticks


def small_multiples(panels: list[dict], labels: list[str], title: str,
                    columns: int = 4) -> Figure:
    """A grid of small charts: each panel dict has ``title`` (the store), ``deliveries``
    and ``target`` (values aligned with ``labels``; NaN: a gap). Every panel has its own
    y scale (stores differ tenfold in size); a panel without any value shows "—"."""
    rows = max(1, math.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(FIG_WIDTH, 1.25 * rows + 0.45),
                             layout="constrained", squeeze=False)
    for ax, p in zip(axes.flat, panels, strict=False):
        x = list(range(len(labels)))
        ax.plot(x, p["target"], color=PALETTE[3], lw=1.0, ls="--")
        ax.plot(x, p["deliveries"], color=PALETTE[0], lw=1.4, marker="o", ms=2)
        if all(math.isnan(v) for v in [*p["deliveries"], *p["target"]]):
            ax.text(0.5, 0.5, NA, transform=ax.transAxes, ha="center", va="center")
        _month_ticks(ax, labels, 6)
        ax.tick_params(labelsize=5.5, length=2)
        ax.set_title(p["title"], loc="left", fontsize=7.5)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=8.5)
    return fig
