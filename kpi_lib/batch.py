"""Every store of a month, in parallel on Dask, then the network overview (``index.html``).

``run_batch`` checks the parameters and builds the warehouse once, computes the month's
network statistics once (:func:`kpi_lib.overview.cached_compare_month` keeps them beside
the warehouse, so no store notebook recomputes them), then submits one task per store to
a Dask cluster — a ``LocalCluster`` of worker processes by default, or an existing
scheduler (``tcp://host:port``; its workers need this package and the data folder at the
same path). Each worker process keeps one **warm** Jupyter kernel: the first store pays
for the kernel start and the imports (pandas, matplotlib, kpi_lib), the next ones run in
the same kernel after ``%reset -f``; the worker itself keeps nbconvert and WeasyPrint
imported. A store whose inputs, code and parameters have not changed since its last
render (a content hash in ``<month>/.batch/<store>.json``) is skipped unless ``force``.
A failing store is reported with its reason and never stops the others. Finally the
overview notebook is rendered to ``<month>/index.html`` and the results to
``<month>/batch.json``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import paths
from .errors import ParameterError, RenderError
from .store_report import STORE_NOTEBOOK
from .warm_kernel import shutdown_kernel, warm_kernel

OVERVIEW_NOTEBOOK = paths.NOTEBOOKS / "network_overview.ipynb"
@dataclass
class StoreResult:
    """What happened to one store: ``rendered``, ``unchanged`` or ``failed`` (with why)."""

    store: str
    status: str
    reason: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class BatchPlan:
    """The checked parameters of a batch and what is the same for every store."""

    month: str
    lang: str
    data_dir: Path
    month_dir: Path
    stores: list[str]
    info: dict[str, dict[str, Any]]
    fingerprint: str
    code: str
    notebook: Path = STORE_NOTEBOOK

    def input_hash(self, store: str) -> str:
        """Hash of what decides the store's report: data, code, parameters."""
        key = f"{self.fingerprint}\n{self.code}\n{self.month}\n{self.lang}\n{store}\n"
        return hashlib.sha256(key.encode() + Path(self.notebook).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- plan


def plan_batch(data: Path, month: str, lang: str = "zh", out_dir: Path = paths.REPORTS,
               stores: Iterable[str] | None = None) -> BatchPlan:
    """Check the parameters, build the warehouse and warm the month cache once."""
    from .overview import cached_compare_month
    from .run_params import inside, make_folder
    from .store_report import check_run_params
    from .warehouse import fingerprint, open_warehouse

    data_dir, info = check_run_params(None if stores is None else list(stores), month, lang,
                                      data)
    wanted = list(info)
    if not wanted:
        raise ParameterError("the data folder holds no stores")
    month_dir = make_folder(inside(Path(out_dir), month))
    with open_warehouse(data_dir) as wh:
        cached_compare_month(wh.con, month)
    return BatchPlan(month, lang, data_dir, month_dir, wanted, info, fingerprint(data_dir),
                     paths.code_hash())


def _stamp(month_dir: Path, store: str) -> Path:
    return month_dir / ".batch" / f"{store}.json"


def is_unchanged(plan: BatchPlan, store: str) -> bool:
    """Whether the store's outputs exist and were made from the same inputs."""
    stamp = _stamp(plan.month_dir, store)
    if not all((plan.month_dir / f"{store}.{k}").is_file() for k in ("html", "pdf")):
        return False
    try:
        return json.loads(stamp.read_text("utf-8")).get("hash") == plan.input_hash(store)
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------- one store


def render_store(store: str, month: str, lang: str, data_dir: str, month_dir: str,
                 info: dict[str, Any], input_hash: str, notebook: str | Path = STORE_NOTEBOOK,
                 ) -> StoreResult:
    """Render one store (ipynb, html, pdf, xlsx) in this process's warm kernel; never raises."""
    from .store_report import render_store_files

    started = time.perf_counter()
    try:
        stamp = _stamp(Path(month_dir), store)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        _, timings = render_store_files(
            store, month, lang, Path(data_dir), Path(month_dir), info, warm_kernel(),
            extra={stamp: json.dumps({"hash": input_hash, "lang": lang})}, notebook=Path(notebook))
        return StoreResult(store, "rendered", seconds=time.perf_counter() - started,
                           timings=timings)
    except Exception as exc:  # noqa: BLE001 - one store's failure is reported, not raised
        reason = str(exc) if isinstance(exc, RenderError) else f"{type(exc).__name__}: {exc}"
        return StoreResult(store, "failed", reason.strip(),
                           seconds=time.perf_counter() - started)


def render_overview(month: str, lang: str, data_dir: str, month_dir: str) -> StoreResult:
    """Render ``<month_dir>/index.html`` from the overview notebook (never raises)."""
    from .atomic import publish
    from .i18n import text
    from .render import notebook_to_html

    started = time.perf_counter()
    try:
        parameters = {"month": month, "lang": lang, "data": str(data_dir),
                      "reports": str(month_dir)}
        nb = warm_kernel().execute(OVERVIEW_NOTEBOOK, parameters)
        title = text("overview_title", lang)
        # the notebook prints the page's own H1, so no template title block
        html = notebook_to_html(nb, {"month": month, "lang": lang, "store": title})
        publish({Path(month_dir) / "index.html": html})
        return StoreResult("index", "rendered", seconds=time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001
        reason = str(exc) if isinstance(exc, RenderError) else f"{type(exc).__name__}: {exc}"
        return StoreResult("index", "failed", reason, seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------- the batch


@dataclass
class BatchSummary:
    """Results of a batch: one :class:`StoreResult` per store, the index, the wall time."""

    month: str
    stores: list[StoreResult]
    index: StoreResult | None
    seconds: float
    workers: int

    def count(self, status: str) -> int:
        return sum(1 for r in self.stores if r.status == status)

    @property
    def failed(self) -> list[StoreResult]:
        out = [r for r in self.stores if r.status == "failed"]
        return out + ([self.index] if self.index and self.index.status == "failed" else [])

    def to_json(self) -> str:
        return json.dumps({"month": self.month, "seconds": round(self.seconds, 2),
                           "workers": self.workers,
                           "stores": [asdict(r) for r in self.stores],
                           "index": asdict(self.index) if self.index else None},
                          ensure_ascii=False, indent=1)


def _cluster(scheduler: str | None, workers: int | None):
    """A Dask client: on ``scheduler`` (``tcp://host:port``) or a new LocalCluster."""
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="30s"), None
    n = workers or max(1, min(os.cpu_count() or 1, 8))
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=None, scheduler_kwargs={"dashboard": False},
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_batch(plan: BatchPlan, *, scheduler: str | None = None, workers: int | None = None,
              force: bool = False, on_result: Callable[[StoreResult], None] | None = None,
              index: bool = True) -> BatchSummary:
    """Render every store of ``plan`` (skipping unchanged ones) and then the index.

    ``scheduler``: ``None`` for a LocalCluster of ``workers`` processes (default: the CPU
    count), ``"sync"`` to run everything in this process (tests, debugging), or the
    address of a running Dask scheduler. ``on_result`` is called as each store finishes;
    ``index=False`` skips the overview.
    """
    started = time.perf_counter()
    results: dict[str, StoreResult] = {}
    todo = []
    for store in plan.stores:
        if not force and is_unchanged(plan, store):
            results[store] = StoreResult(store, "unchanged")
            if on_result:
                on_result(results[store])
        else:
            todo.append(store)

    def args(store: str) -> tuple:
        return (store, plan.month, plan.lang, str(plan.data_dir), str(plan.month_dir),
                plan.info.get(store, {}), plan.input_hash(store), str(plan.notebook))

    def done(result: StoreResult) -> None:
        results[result.store] = result
        if on_result:
            on_result(result)

    overview_args = (plan.month, plan.lang, str(plan.data_dir), str(plan.month_dir))
    n_workers = 1
    if scheduler == "sync":
        for store in todo:
            done(render_store(*args(store)))
        _write_summary(plan, results, None, started, n_workers)
        result = render_overview(*overview_args) if index else None
        shutdown_kernel()
    else:
        from dask.distributed import as_completed

        client, cluster = _cluster(scheduler, workers)
        try:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            futures = {client.submit(render_store, *args(s), key=f"kpi-store-{plan.month}-{s}",
                                     pure=False): s for s in todo}
            for fut in as_completed(futures):
                store = futures[fut]
                try:
                    done(fut.result())
                except Exception as exc:  # noqa: BLE001 - a worker died: report, go on
                    done(StoreResult(store, "failed", f"{type(exc).__name__}: {exc}"))
            _write_summary(plan, results, None, started, n_workers)
            result = (client.submit(render_overview, *overview_args, pure=False).result()
                      if index else None)
        finally:
            with contextlib.suppress(Exception):
                client.run(shutdown_kernel)
            client.close()
            if cluster is not None:
                cluster.close()
    return _write_summary(plan, results, result, started, n_workers)


def _write_summary(plan: BatchPlan, results: dict[str, StoreResult], index, started: float,
                   workers: int) -> BatchSummary:
    from .atomic import atomic_write

    summary = BatchSummary(plan.month, [results[s] for s in plan.stores if s in results],
                           index, time.perf_counter() - started, workers)
    atomic_write(plan.month_dir / "batch.json", summary.to_json())
    return summary
