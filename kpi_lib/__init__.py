"""Monthly sales-KPI reports for car dealerships: the public API for notebooks and analysts.

``data=None`` everywhere means the demo data (``data/demo``, generated on first use);
``period`` is a month ``YYYY-MM``. Everything else lives in one module per job
(``kpi_lib.metrics.cube``, ``kpi_lib.metrics.comparison``, …); importing ``kpi_lib`` itself stays
light
(the functions import what they need when called). No name here is also a submodule's
(``kpi_lib.metrics.comparison``, ``kpi_lib.ingest.warehouse`` are modules), so ``from kpi_lib
import x``
always means the same thing.

==================  =========================================================
``cube``            the KPI cube: every store × month × KPI (+ KPIs you declare)
``wide``            a cube as a store × KPI table of values
``store_month``     everything one store's report shows (``StoreMonth``)
``diagnose``        the month's findings (every store, or one)
``compare_stores``  stores beside their benchmarks: interval, gap, verdict
``compare_regions`` regions beside the network, by the same method
``verdict_frame``   compare rows as the report shows them
``open_warehouse``  the DuckDB warehouse of a data folder (``.con``)
``sql``             a SQL query on the warehouse, as a DataFrame
``registry``        every KPI's declaration, by id
``declare``         a new KPI from the registry's building blocks (``Measure``)
``to_excel``        tables to an .xlsx file, written atomically
``plots``           the report's plot theme and figures (``metric_bars`` for any KPI)
``paths``           the project's folders (``REPORTS``, ``DEMO_DATA``, …)
==================  =========================================================
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from kpi_lib.analysis.diagnosis import Finding
    from kpi_lib.ingest.kpi_types import Metric
    from kpi_lib.ingest.warehouse import Warehouse
    from kpi_lib.report.store_month import StoreMonth

__all__ = ["cube", "wide", "store_month", "diagnose", "compare_stores", "compare_regions",
           "verdict_frame", "open_warehouse", "sql", "registry", "declare", "Measure",
           "to_excel", "plots", "paths"]

#: Names served lazily: name -> (module, attribute; None for the module itself).
_LAZY = {
    "registry": ("kpi_lib.metrics.registry", "REGISTRY"),
    "declare": ("kpi_lib.metrics.registry", "declare"),
    "Measure": ("kpi_lib.ingest.kpi_types", "Measure"),
    "wide": ("kpi_lib.report.explore", "wide"),
    "verdict_frame": ("kpi_lib.report.explore", "verdict_frame"),
    "to_excel": ("kpi_lib.report.explore", "to_excel"),
    "plots": ("kpi_lib.report.plots", None),
    "paths": ("kpi_lib.paths", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'kpi_lib' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = importlib.import_module(module)
    return value if attr is None else getattr(value, attr)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _folder(data: str | Path | None) -> Path:
    """The data folder: ``None`` is the demo data (generated on first use), else checked.

    >>> _folder(None).name
    'demo'
    """
    if data is None:
        from kpi_lib.demo import ensure_demo_data

        return ensure_demo_data()
    from kpi_lib.ingest.inputs import check_data_dir

    return check_data_dir(Path(data))


def open_warehouse(data: str | Path | None = None) -> Warehouse:
    """The warehouse of a data folder, (re)built when its files changed; close it after use.

    >>> import kpi_lib
    >>> with kpi_lib.open_warehouse() as wh:
    ...     wh.con.execute("SELECT count(*) FROM stores").fetchone()[0]
    12
    """
    from kpi_lib.ingest.warehouse import open_warehouse as _open

    return _open(_folder(data))


def sql(query: str, data: str | Path | None = None, **params: Any) -> pd.DataFrame:
    """Run a DuckDB SQL query on the warehouse; ``$name`` in it takes ``params[name]``.

    Tables: stores, consultants, visits, calls, leads, followups, orders, marketing,
    targets (the columns of DATA_CONTRACT.md) and ``_issues`` (quarantined rows).

    >>> import kpi_lib
    >>> kpi_lib.sql("SELECT region, count(*) AS stores FROM stores WHERE region = $r "
    ...     "GROUP BY region", r="华东")
      region  stores
    0     华东       3
    """
    with open_warehouse(data) as wh:
        return wh.con.execute(query, params or None).df()


def cube(period: str | Sequence[str], data: str | Path | None = None, *,
         stores: Sequence[str] | None = None, extra: Sequence[Metric] = ()) -> pd.DataFrame:
    """Every KPI of the registry (and ``extra`` ones from :func:`declare`) for every store
    (or ``stores``) and month: columns ``store_id, month, metric, numerator, denominator,
    value, na_reason``; a ratio is Σ numerator / Σ denominator, n/a with its reason.

    >>> import kpi_lib
    >>> c = kpi_lib.cube("2026-10")
    >>> c["store_id"].nunique(), len(c) == 12 * len(kpi_lib.registry)
    (12, True)
    >>> c[(c.store_id == "S001") & (c.metric == "test_drive_rate")][
    ...     ["numerator", "denominator", "value"]].round(4).to_numpy().tolist()
    [[1478.0, 2741.0, 0.5392]]
    """
    from kpi_lib.metrics.cube import compute_cube
    from kpi_lib.metrics.registry import REGISTRY

    with open_warehouse(data) as wh:
        return compute_cube(wh.con, period, stores, extra=extra, metrics=list(REGISTRY))


def store_month(store: str, period: str, lang: str = "zh",
                data: str | Path | None = None) -> StoreMonth:
    """Everything the store report shows for ``store`` in ``period`` (a ``StoreMonth``:
    ``.cube``, ``.network``, ``.findings``, ``.trends``, ``.pipeline``, …).

    >>> import kpi_lib
    >>> sm = kpi_lib.store_month("S001", "2026-10")
    >>> sm.store["store_name"], float(sm.value("test_drives"))
    ('上海浦东4S店', 1478.0)
    """
    from kpi_lib.report.store_month import load_store_month

    return load_store_month(store, period, lang, _folder(data))


def diagnose(period: str, store: str | None = None, data: str | Path | None = None,
             lang: str = "zh") -> list[Finding]:
    """The findings of ``period`` (``kpi_lib.analysis.diagnosis.Finding``), for ``store`` or every
    store, biggest expected effect first — the report's diagnosis section.

    >>> import kpi_lib
    >>> [(f.store_id, f.rule_id) for f in kpi_lib.diagnose("2026-10", "S003")][:1]
    [('S003', 'test_drive_low')]
    """
    from kpi_lib.run.diagnose_run import run_diagnosis

    return run_diagnosis(_folder(data), period, store, lang)


def compare_stores(period: str, stores: Sequence[str] | None = None, *,
            data: str | Path | None = None) -> pd.DataFrame:
    """Each store × KPI beside its benchmark, as in the report: value, 95% interval
    (``ci_low``, ``ci_high``), benchmark, expected, gap, p-values and ``verdict``. The
    statistics always cover the whole network; ``stores`` only selects the rows shown.

    >>> import kpi_lib
    >>> rows = kpi_lib.compare_stores("2026-10", ["S001", "S003"])
    >>> rows = rows.set_index(["store_id", "metric"])
    >>> ci = rows.loc[("S001", "test_drive_rate"), ["ci_low", "ci_high"]]
    >>> ci.astype(float).round(3).tolist()
    [0.521, 0.558]
    >>> rows.loc[("S003", "test_drive_rate"), "verdict"]
    'clearly_below'
    """
    from kpi_lib.metrics.comparison import compare_month

    with open_warehouse(data) as wh:
        rows = compare_month(wh.con, period)
    if stores is not None:
        rows = rows[rows["store_id"].isin(list(stores))].reset_index(drop=True)
    return rows


def compare_regions(period: str, regions: Sequence[str] | None = None, *,
                    data: str | Path | None = None) -> pd.DataFrame:
    """Each region (pooled: Σ numerator / Σ denominator of its stores) against the
    network, with the same intervals and verdicts as :func:`compare_stores`; ``store_id``
    is the region's name.

    >>> import kpi_lib
    >>> rows = kpi_lib.compare_regions("2026-10", ["华东"]).set_index("metric")
    >>> float(rows.loc["visits", "value"])
    7324.0
    >>> rows.loc["test_drive_rate", ["ci_low", "ci_high"]].astype(float).round(3).tolist()
    [0.35, 0.372]
    """
    from kpi_lib.report.explore import compare_regions as by_region

    with open_warehouse(data) as wh:
        rows = by_region(wh.con, period)
    if regions is not None:
        rows = rows[rows["store_id"].isin(list(regions))].reset_index(drop=True)
    return rows
