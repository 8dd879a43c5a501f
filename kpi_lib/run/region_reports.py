"""The region and network reports: check, execute, publish.

``reports/<period>/region-<region>[.en].{html,pdf,ipynb}`` and
``reports/<period>/network[.en].{html,pdf,ipynb}`` from ``notebooks/region_report.ipynb``
(``region=None`` for the network), by the store reports' machinery
(:func:`kpi_lib.run.render.render_report`: our template, the PDF engine, the files published
together; the HTML interactive: sortable, filterable tables). REGION is checked like
STORE: a region the data do not name → the list of regions, exit 2.
"""

from __future__ import annotations

from pathlib import Path

from .. import paths
from ..analysis.regions import check_region, regions_of
from ..i18n import check_lang, period_wording, text
from ..ingest.inputs import check_data_dir
from ..ingest.warehouse import data_months, open_warehouse
from ..metrics.periods import check_period_format, check_period_in_data, is_month
from .params import inside, make_folder

REGION_NOTEBOOK = paths.NOTEBOOKS / "region_report.ipynb"


def region_stem(region: str | None, lang: str) -> str:
    """``region-华东`` / ``network``, with ``.en`` in English.

    >>> region_stem("华东", "zh"), region_stem(None, "en")
    ('region-华东', 'network.en')
    """
    base = "network" if region is None else f"region-{region}"
    return base if lang == "zh" else f"{base}.en"


def check_region_params(region: str | None, month: str, lang: str, data: Path) -> Path:
    """Validate the parameters against the data; return the data folder."""
    check_period_format(month)
    check_lang(lang)
    data_dir = check_data_dir(data)
    with open_warehouse(data_dir) as wh:
        check_period_in_data(month, *data_months(wh.con))
        check_region(region, regions_of(wh.con))
    return data_dir


def render_region_report(region: str | None, month: str, lang: str = "zh",
                         data: Path = paths.DEMO_DATA, out_dir: Path = paths.REPORTS
                         ) -> dict[str, Path]:
    """Render one region's (None: the network's) report; return the written paths."""
    from . import render

    data_dir = check_region_params(region, month, lang, data)
    stem = region_stem(region, lang)
    month_dir = make_folder(inside(Path(out_dir), month))
    title = text("network_report_title" if region is None else "region_report_title", lang)
    if not is_month(month):
        title = period_wording(title, lang)
    meta = {"store": title, "store_name": region, "month": month, "lang": lang,
            "report_title": title}
    parameters = {"region": region, "month": month, "lang": lang, "data": str(data_dir),
                  "reports": str(month_dir)}
    return render.render_report(REGION_NOTEBOOK, parameters, meta,
                                inside(month_dir, stem), interactive=True)
