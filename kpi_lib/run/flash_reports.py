"""The flash (销售快报) of one store or every store on a day: check, execute, publish.

``reports/<month>/<stem>.flash-<date>.{html,pdf,ipynb}`` (``<stem>``:
:func:`kpi_lib.paths.report_stem`, ``S001`` or ``S001.en``), rendered by the monthly
report's machinery (:func:`kpi_lib.run.render.render_report`: nbconvert with our template,
the PDF engine, atomic publish of the three files together) from ``notebooks/flash.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from .. import paths
from ..analysis.flash_cut import check_day
from ..errors import KpiError
from ..i18n import check_lang, text
from ..ingest.inputs import check_data_dir, check_store_format, check_store_known
from ..ingest.warehouse import open_warehouse, store_info
from .params import inside, make_folder

FLASH_NOTEBOOK = paths.NOTEBOOKS / "flash.ipynb"


def flash_stem(store: str, day: date, lang: str) -> str:
    """``S001.flash-2026-10-15`` (zh) or ``S001.en.flash-2026-10-15``.

    >>> flash_stem("S001", date(2026, 10, 15), "en")
    'S001.en.flash-2026-10-15'
    """
    return f"{paths.report_stem(store, lang)}.flash-{day.isoformat()}"


def check_flash_params(stores: list[str] | None, day: str, lang: str, data: Path
                       ) -> tuple[Path, date, dict[str, dict]]:
    """Validate a flash run (``stores=None``: every store); return the data folder, the day
    and each store's info. A malformed day or one outside the data is a ParameterError."""
    for store in stores or []:
        check_store_format(store)
    check_lang(lang)
    data_dir = check_data_dir(data)
    with open_warehouse(data_dir) as wh:
        when = check_day(day, wh.con)
        known = [r[0] for r in wh.con.execute("SELECT store_id FROM stores ORDER BY 1")
                 .fetchall()]
        wanted = known if stores is None else list(stores)
        for store in wanted:
            check_store_known(store, known)
        info = {store: store_info(wh.con, store) for store in wanted}
    return data_dir, when, info


def render_flash_files(store: str, day: date, lang: str, data_dir: Path, month_dir: Path,
                       info: dict, kernel=None) -> dict[str, Path]:
    """Execute the flash notebook for ``store`` on ``day`` and publish its three files."""
    from . import render

    parameters = {"store": store, "date": day.isoformat(), "lang": lang,
                  "data": str(data_dir)}
    who = " ".join(s for s in (store, info.get("store_name")) if s)
    meta = {"store": store, "store_name": info.get("store_name"), "region": info.get("region"),
            "month": day.strftime("%Y-%m"), "lang": lang, "title": text("flash_title", lang),
            "header": f"{who} · {day.isoformat()}"}
    return render.render_report(FLASH_NOTEBOOK, parameters, meta,
                                Path(month_dir) / flash_stem(store, day, lang), kernel=kernel)


def render_flashes(stores: list[str] | None, day: str, lang: str = "zh",
                   data: Path = paths.DEMO_DATA, out_dir: Path = paths.REPORTS,
                   on_done: Callable[[str, dict[str, Path] | None, str | None], None]
                   | None = None, kernel=None) -> dict[str, dict[str, Path] | str]:
    """Render the flash of ``stores`` (None: every store) on ``day`` in one kernel.

    Returns store → written paths, or the reason it failed (a failing store is reported
    and the others go on). ``on_done(store, paths or None, reason or None)`` is called
    after each store. ``kernel``: a warm kernel to use (kept running; the warm renderer's,
    :mod:`kpi_lib.run.warm_ops`), else one is started and stopped.
    """
    from .notebook_kernel import WarmKernel

    data_dir, when, info = check_flash_params(stores, day, lang, data)
    month_dir = make_folder(inside(out_dir, when.strftime("%Y-%m")))
    own = kernel is None
    kernel = WarmKernel() if own else kernel
    out: dict[str, dict[str, Path] | str] = {}
    try:
        for store, store_meta in info.items():
            try:
                written = render_flash_files(store, when, lang, data_dir, month_dir,
                                             store_meta, kernel)
            except KpiError as exc:
                out[store] = str(exc)
                if on_done:
                    on_done(store, None, str(exc))
                continue
            out[store] = written
            if on_done:
                on_done(store, written, None)
    finally:
        if own:
            kernel.shutdown()
    return out
