"""Tooltips on a chart of an interactive page: the funnel plots as inline SVG whose store
points carry a ``<title>`` each (a browser shows it on hover). Used by the network index
(``notebooks/network_overview.py``); the PDF never sees it (the template inlines SVG
only on interactive pages, :mod:`kpi_lib.run.render`)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure


def funnel_point_titles(panels: list[dict], highlight: str, names: dict[str, str],
                        lang: str = "zh") -> list[list[str]]:
    """Per panel of :func:`funnel_plot_grid`, one tooltip per store point, in the order the
    points are drawn (the other stores, then ``highlight``): "S001 上海浦东4S店：62.4%（n =
    2,741）"."""
    from ..formatting import format_value

    sep, open_, close = ("：", "（", "）") if lang == "zh" else (": ", " (", ")")
    out = []
    for panel in panels:
        shown = panel["points"].dropna(subset=["n", "rate"])
        ordered = pd.concat([shown[shown["store_id"] != highlight],
                             shown[shown["store_id"] == highlight]])
        out.append([f"{r.store_id} {names.get(r.store_id, '')}".strip()
                    + f"{sep}{format_value(r.rate, 'rate', lang)}{open_}n = "
                    + f"{format_value(r.n, 'count', lang)}{close}"
                    for r in ordered.itertuples(index=False)])
    return out


def svg_with_point_titles(fig: Figure, titles: list[list[str]], description: str = "") -> str:
    """``fig`` as SVG markup whose scatter points carry a ``<title>`` each (a browser shows
    it on hover), and the whole figure ``description`` as its own title.

    ``titles[i]`` are the titles of the points of ``fig.axes[i]``'s scatters, in the order
    they were drawn (:func:`funnel_point_titles`); points beyond them get none. Text is
    drawn as paths (matplotlib's default), so the SVG needs no font; the funnel grid of the
    network index is ~130 KB, smaller than its PNG as base64.
    """
    import io
    import xml.etree.ElementTree as ET

    from matplotlib.collections import PathCollection

    svg_ns, xlink_ns = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
    ET.register_namespace("", svg_ns)
    ET.register_namespace("xlink", xlink_ns)
    groups: dict[str, list[str]] = {}
    for i, ax in enumerate(fig.axes):
        queue = list(titles[i]) if i < len(titles) else []
        for j, coll in enumerate(c for c in ax.collections if isinstance(c, PathCollection)):
            gid = f"kpi-points-{i}-{j}"
            coll.set_gid(gid)
            count = len(coll.get_offsets())
            groups[gid], queue = queue[:count], queue[count:]
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    root = ET.fromstring(buf.getvalue())
    for meta in root.findall(f"{{{svg_ns}}}metadata"):  # RDF about matplotlib: not needed
        root.remove(meta)
    if description:
        title = ET.Element(f"{{{svg_ns}}}title")
        title.text = description
        root.insert(0, title)
    for group in root.iter(f"{{{svg_ns}}}g"):
        point_titles = groups.get(group.get("id", ""))
        if not point_titles:
            continue
        defs = {id(e) for d in group.iter(f"{{{svg_ns}}}defs") for e in d.iter()}
        points = [e for e in group.iter() if e.tag in (f"{{{svg_ns}}}use", f"{{{svg_ns}}}path")
                  and id(e) not in defs]
        for element, words in zip(points, point_titles, strict=False):
            title = ET.SubElement(element, f"{{{svg_ns}}}title")
            title.text = words
    return ET.tostring(root, encoding="unicode")
