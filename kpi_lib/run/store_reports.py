"""One store's monthly report: check the parameters, then execute and render the notebook."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .. import paths
from ..i18n import check_lang, period_wording, text
from ..ingest.inputs import check_data_dir, check_store_format, check_store_known
from ..ingest.warehouse import data_months, open_warehouse, store_info
from ..metrics.months import previous_month
from ..metrics.periods import check_period_format, check_period_in_data, is_month
from .params import inside, make_folder

STORE_NOTEBOOK = paths.NOTEBOOKS / "store_report.ipynb"
#: The report of a period of several months (a quarter, a year, a range of months).
PERIOD_NOTEBOOK = paths.NOTEBOOKS / "period_report.ipynb"
#: Run in the kernel after the store notebook: the workbook from the notebook's own ``sm``
#: (no second load), by :func:`kpi_lib.report.excel_report.write_store_workbook`.
XLSX_EPILOGUE = ('if "sm" in globals():\n'
                 '    from kpi_lib.report.excel_report import write_store_workbook as _write\n'
                 '    _write(sm, xlsx_tmp, lang, data_dir=sm_data_dir)')



def check_run_params(stores: list[str] | None, month: str, lang: str, data: Path, *,
                     months_after_data: int = 0) -> tuple[Path, dict[str, dict]]:
    """Validate a run's parameters against the data; return the data folder and store info.

    ``stores=None`` means every store of the data. ``month`` (a month or a period:
    :mod:`kpi_lib.metrics.periods`) lies within the data's months, or up to
    ``months_after_data`` after them (a plan for the month after the data). Builds
    (or reuses) the warehouse so that the notebooks only read it.
    """
    for store in stores or []:
        check_store_format(store)
    check_period_format(month)
    check_lang(lang)
    data_dir = check_data_dir(data)
    with open_warehouse(data_dir) as wh:
        known = [r[0] for r in wh.con.execute("SELECT store_id FROM stores ORDER BY 1").fetchall()]
        wanted = known if stores is None else list(stores)
        for store in wanted:
            check_store_known(store, known)
        first, last = data_months(wh.con)
        if last is not None and months_after_data:
            last = previous_month(last, -months_after_data)
        check_period_in_data(month, first, last)
        info = {store: store_info(wh.con, store) for store in wanted}
    return data_dir, info


def check_report_params(store: str, month: str, lang: str, data: Path) -> tuple[Path, dict]:
    """:func:`check_run_params` for one store; return the data folder and its info."""
    data_dir, info = check_run_params([store], month, lang, data)
    return data_dir, info[store]


def report_notebook(month: str) -> Path:
    """The notebook of a report of ``month``: the monthly one, or the period one for a
    quarter, a year or a range of months."""
    return STORE_NOTEBOOK if is_month(month) else PERIOD_NOTEBOOK


def render_store_files(
    store: str, month: str, lang: str, data_dir: Path, month_dir: Path, info: dict,
    kernel, extra: dict[Path, bytes | str] | None = None, notebook: Path | None = None,
    sidecar=None,
) -> tuple[dict[str, Path], dict[str, float]]:
    """Execute the store notebook in ``kernel`` (a :class:`~kpi_lib.run.notebook_kernel.WarmKernel`)
    and publish ``<month_dir>/<stem>.{ipynb,html,pdf,xlsx}`` (stem:
    :func:`kpi_lib.paths.report_stem`, ``S007`` or ``S007.en``) together with ``extra`` files
    and those ``sidecar`` makes from them (see :func:`kpi_lib.run.render.render_report`).

    Parameters must be checked already (:func:`check_report_params`). The workbook is built
    inside the kernel from the notebook's own ``sm`` (no second load) and handed over in a
    private temp folder. Returns the written paths and the seconds of each step; raises
    :class:`~kpi_lib.errors.RenderError` when a cell fails, and then nothing is replaced.
    """
    from . import render
    from .cleanup import hand_off_prefix

    notebook = notebook or report_notebook(month)

    parameters = {"store": store, "month": month, "lang": lang, "data": str(data_dir)}
    meta = {"store": store, "store_name": info.get("store_name"), "region": info.get("region"),
            "month": month, "lang": lang}
    if not is_month(month):  # the running header names a period report
        meta["report_title"] = period_wording(text("report_title", lang), lang)
    # not in reports/; named after this process, so a killed run's is removed later
    stem = paths.report_stem(store, lang)
    with tempfile.TemporaryDirectory(prefix=hand_off_prefix()) as hand_off:
        xlsx = Path(hand_off) / f"{stem}.xlsx"
        epilogue = f"sm_data_dir = {str(data_dir)!r}\nxlsx_tmp = {str(xlsx)!r}\n" + XLSX_EPILOGUE
        timings: dict[str, float] = {}
        targets = render.render_report(notebook, parameters, meta, Path(month_dir) / stem,
                                       extra, kernel=kernel, epilogue=epilogue,
                                       produced={"xlsx": xlsx}, timings=timings,
                                       sidecar=sidecar)
    return targets, timings


def render_store_report(
    store: str, month: str, lang: str = "zh", data: Path = paths.DEMO_DATA,
    out_dir: Path = paths.REPORTS, kernel=None,
) -> dict[str, Path]:
    """Render ``<out_dir>/<month>/<stem>.{html,pdf,ipynb,xlsx}``; return the written paths.

    ``<stem>`` is the store id for Chinese and ``<store>.en`` for English
    (:func:`kpi_lib.paths.report_stem`), so the two languages never overwrite each other.

    ``kernel``: a warm kernel to reuse (kept running); by default a
    :class:`~kpi_lib.run.two_kernels.KernelPair` is started for this report (its sections run
    on two cores) and stopped afterwards. All four files are published together (nothing
    is replaced when any step fails).
    """
    from .two_kernels import KernelPair

    data_dir, info = check_report_params(store, month, lang, data)
    month_dir = make_folder(inside(out_dir, month))
    own = kernel is None
    kernel = KernelPair() if own else kernel
    try:
        return render_store_files(store, month, lang, data_dir, month_dir, info, kernel)[0]
    finally:
        if own:
            kernel.shutdown()
