"""One store's monthly report: check the parameters, then execute and render the notebook."""

from __future__ import annotations

from pathlib import Path

from . import paths
from .i18n import check_lang
from .run_params import (
    check_data_dir,
    check_month_format,
    check_month_in_range,
    check_store_format,
    check_store_known,
    inside,
)
from .warehouse import open_warehouse

STORE_NOTEBOOK = paths.NOTEBOOKS / "store_report.ipynb"


def data_months(con) -> tuple[str | None, str | None]:
    """First and last month with data: dated visits or orders, or brand-workbook values."""
    row = con.execute(
        """
        SELECT min(m), max(m) FROM (
            SELECT strftime(min(date), '%Y-%m') AS m FROM visits
            UNION ALL SELECT strftime(max(date), '%Y-%m') FROM visits
            UNION ALL SELECT strftime(min(order_date), '%Y-%m') FROM orders
            UNION ALL SELECT strftime(max(order_date), '%Y-%m') FROM orders
            UNION ALL SELECT min(month) FROM workbook_kpis
            UNION ALL SELECT max(month) FROM workbook_kpis
        ) WHERE m IS NOT NULL
        """
    ).fetchone()
    return row[0], row[1]


def store_info(con, store: str) -> dict[str, str | None]:
    """The store's row of the ``stores`` table as a dict."""
    cols = ["store_id", "store_name", "region", "city", "tier"]
    sql = f"SELECT {', '.join(cols)} FROM stores WHERE store_id = ?"
    row = con.execute(sql, [store]).fetchone()
    return dict(zip(cols, row, strict=True))


def check_run_params(stores: list[str] | None, month: str, lang: str, data: Path
                     ) -> tuple[Path, dict[str, dict]]:
    """Validate a run's parameters against the data; return the data folder and store info.

    ``stores=None`` means every store of the data. Builds (or reuses) the warehouse so
    that the notebooks only read it.
    """
    for store in stores or []:
        check_store_format(store)
    check_month_format(month)
    check_lang(lang)
    data_dir = check_data_dir(data)
    with open_warehouse(data_dir) as wh:
        known = [r[0] for r in wh.con.execute("SELECT store_id FROM stores ORDER BY 1").fetchall()]
        wanted = known if stores is None else list(stores)
        for store in wanted:
            check_store_known(store, known)
        check_month_in_range(month, *data_months(wh.con))
        info = {store: store_info(wh.con, store) for store in wanted}
    return data_dir, info


def check_report_params(store: str, month: str, lang: str, data: Path) -> tuple[Path, dict]:
    """:func:`check_run_params` for one store; return the data folder and its info."""
    data_dir, info = check_run_params([store], month, lang, data)
    return data_dir, info[store]


def render_store_report(
    store: str, month: str, lang: str = "zh", data: Path = paths.DEMO_DATA,
    out_dir: Path = paths.REPORTS,
) -> dict[str, Path]:
    """Render ``<out_dir>/<month>/<store>.{html,pdf,ipynb,xlsx}``; return the written paths.

    The workbook is built first, in this process, from the same data the notebook reads;
    all four files are then published together (nothing is replaced when any step fails).
    """
    from .excel_export import workbook_bytes, year_cube
    from .render import render_report
    from .report_data import load_store_month

    data_dir, info = check_report_params(store, month, lang, data)
    out_stem = inside(out_dir, month, store)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    parameters = {"store": store, "month": month, "lang": lang, "data": str(data_dir)}
    meta = {
        "store": store,
        "store_name": info["store_name"],
        "region": info["region"],
        "month": month,
        "lang": lang,
    }
    sm = load_store_month(store, month, lang, data_dir)
    with open_warehouse(data_dir) as wh:
        cube = year_cube(wh.con, store, month)
    xlsx = workbook_bytes(sm, lang, year_cube=cube)
    return render_report(STORE_NOTEBOOK, parameters, meta, out_stem, extra={"xlsx": xlsx})
