"""Every store of a month, in parallel on Dask, then the network overview (``index.html``).

``run_batch`` checks the parameters and builds the warehouse once, computes the month's
network statistics once (:mod:`kpi_lib.metrics.network_cache` keeps them beside
the warehouse, so no store notebook recomputes them), then submits one task per store to
a Dask cluster — a ``LocalCluster`` of worker processes by default, or an existing
scheduler (``tcp://host:port``; its workers need this package and the data folder at the
same path). Each worker process keeps one **warm** Jupyter kernel: the first store pays
for the kernel start and the imports (pandas, matplotlib, kpi_lib), the next ones run in
the same kernel after ``%reset -f``; the worker itself keeps nbconvert imported and one
headless Chromium running (:mod:`kpi_lib.run.pdf_engine`). Each store's files are
``<month>/<stem>.{html,pdf,ipynb,xlsx}``, the stem from :func:`kpi_lib.paths.report_stem`
(``S007``, or ``S007.en`` in English). A store is
skipped (unless ``force``) when its inputs, code and parameters (language, data folder)
have not changed since its last render **and** the files on disk are the ones that
render published: ``<month>/.batch/<stem>.json`` holds the input hash and the SHA-256 of
each published file, so a later single report in the same language (e.g. from another
data folder) makes the next batch render the store again; a report in the other language
has files of its own and leaves the batch's alone.
A failing store is reported with its reason and never stops the others. Finally the
overview notebook is rendered to ``<month>/index.html`` and the results to
``<month>/batch.json`` (``index.en.html`` and ``batch.en.json`` for an English batch, so
the two languages never overwrite each other's; see :func:`index_name`).

Several batches may share one scheduler: task keys carry a token of the batch (language,
reports folder, a random run id), and each batch stops only the kernels it started. A
batch whose cluster has no worker left for ``worker_timeout`` seconds gives up: its
unfinished stores are listed, ``batch.json`` says ``"complete": false`` and the index is
not rendered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import KpiError, ParameterError, RenderError
from .notebook_kernel import shutdown_kernel, warm_kernel
from .store_reports import STORE_NOTEBOOK, report_notebook

OVERVIEW_NOTEBOOK = paths.NOTEBOOKS / "network_overview.ipynb"
#: Seconds a batch waits while its cluster has no worker before it gives up.
WORKER_TIMEOUT = float(os.environ.get("KPI_WORKER_TIMEOUT", 120))
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT = 10.0
#: Files of a store report whose hashes the stamp records.
REPORT_FILES = ("html", "pdf", "ipynb", "xlsx")
SCHEDULER_RE = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")


@dataclass
class StoreResult:
    """What happened to one store: ``rendered``, ``unchanged``, ``failed`` (with why) or
    ``unfinished`` (the batch gave up on it)."""

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
    #: this run's id: with the language and the reports folder, the token of its tasks
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def token(self) -> str:
        """Unique to this batch: in its Dask task keys and the name of its kernels."""
        key = f"{self.lang}\n{self.month_dir}\n{self.run_id}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def input_hash(self, store: str) -> str:
        """Hash of what decides the store's report: data (content and folder), code,
        parameters."""
        key = (f"{self.fingerprint}\n{self.data_dir}\n{self.code}\n{self.month}\n"
               f"{self.lang}\n{store}\n")
        return hashlib.sha256(key.encode() + Path(self.notebook).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- plan


def plan_batch(data: Path, month: str, lang: str = "zh", out_dir: Path = paths.REPORTS,
               stores: Iterable[str] | None = None) -> BatchPlan:
    """Check the parameters, build the warehouse and warm the month cache once."""
    from ..ingest.warehouse import fingerprint, open_warehouse
    from ..metrics import network_cache
    from ..metrics.comparison import compare_month
    from .params import inside, make_folder
    from .store_reports import check_run_params

    data_dir, info = check_run_params(None if stores is None else list(stores), month, lang,
                                      data)
    wanted = list(info)
    if not wanted:
        raise ParameterError("the data folder holds no stores")
    month_dir = make_folder(inside(Path(out_dir), month))
    network_cache.enable()
    with open_warehouse(data_dir) as wh:
        compare_month(wh.con, month)  # kept beside the warehouse for the workers
    return BatchPlan(month, lang, data_dir, month_dir, wanted, info, fingerprint(data_dir),
                     paths.code_hash(), report_notebook(month))


def _stamp(month_dir: Path, store: str, lang: str) -> Path:
    """The skip stamp of the store's report in ``lang``: ``.batch/S007.json`` or
    ``.batch/S007.en.json`` (a batch in one language never spoils the other's stamps)."""
    return month_dir / ".batch" / f"{paths.report_stem(store, lang)}.json"


def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def stamp_maker(store: str, month_dir: Path, input_hash: str, lang: str, data_dir: str):
    """The ``sidecar`` of a batch render: the stamp recording the input hash, the
    parameters and the SHA-256 of each file published with it."""
    def make(outputs) -> dict[Path, str]:
        files = {Path(p).suffix[1:]: _digest(d) for p, d in outputs.items()}
        return {_stamp(month_dir, store, lang): json.dumps(
            {"hash": input_hash, "lang": lang, "data": str(data_dir), "files": files})}
    return make


def is_unchanged(plan: BatchPlan, store: str) -> bool:
    """Whether the store's files on disk are those its last batch render published, from
    the same inputs and parameters (a later single report or a missing file: changed)."""
    try:
        stamp = json.loads(_stamp(plan.month_dir, store, plan.lang).read_text("utf-8"))
        if stamp.get("hash") != plan.input_hash(store):
            return False
        files = stamp.get("files") or {}
        if not {"html", "pdf"} <= set(files):
            return False
        stem = paths.report_stem(store, plan.lang)
        return all(_digest((plan.month_dir / f"{stem}.{ext}").read_bytes()) == digest
                   for ext, digest in files.items() if ext in REPORT_FILES)
    except (OSError, ValueError, AttributeError):
        return False


# --------------------------------------------------------------------------- one store


def render_store(store: str, month: str, lang: str, data_dir: str, month_dir: str,
                 info: dict[str, Any], input_hash: str, notebook: str | Path = STORE_NOTEBOOK,
                 batch: str | None = None) -> StoreResult:
    """Render one store (ipynb, html, pdf, xlsx) in this process's warm kernel of
    ``batch``; never raises."""
    from ..ingest.inputs import check_store_format
    from .params import inside
    from .store_reports import render_store_files

    started = time.perf_counter()
    try:
        check_store_format(store)  # the same rule as a single report, before any work
        inside(Path(month_dir), store)  # a store id never leads out of the month folder
        _stamp(Path(month_dir), store, lang).parent.mkdir(parents=True, exist_ok=True)
        _, timings = render_store_files(
            store, month, lang, Path(data_dir), Path(month_dir), info, warm_kernel(batch),
            notebook=Path(notebook),
            sidecar=stamp_maker(store, Path(month_dir), input_hash, lang, data_dir))
        return StoreResult(store, "rendered", seconds=time.perf_counter() - started,
                           timings=timings)
    except Exception as exc:  # noqa: BLE001 - one store's failure is reported, not raised
        reason = str(exc) if isinstance(exc, KpiError) else f"{type(exc).__name__}: {exc}"
        return StoreResult(store, "failed", reason.strip(),
                           seconds=time.perf_counter() - started)


def index_name(lang: str) -> str:
    """The network index's file name in ``lang``: ``index.html`` or ``index.en.html``.

    >>> index_name("zh"), index_name("en")
    ('index.html', 'index.en.html')
    """
    return f"{paths.report_stem('index', lang)}.html"


def summary_name(lang: str) -> str:
    """The batch summary's file name in ``lang``: ``batch.json`` or ``batch.en.json``."""
    return f"{paths.report_stem('batch', lang)}.json"


def render_overview(month: str, lang: str, data_dir: str, month_dir: str,
                    batch: str | None = None) -> StoreResult:
    """Render ``<month_dir>/<index_name(lang)>`` from the overview notebook (never raises)."""
    from ..atomic import publish
    from ..i18n import period_wording, text
    from ..metrics.periods import is_month
    from .render import notebook_to_html

    started = time.perf_counter()
    try:
        parameters = {"month": month, "lang": lang, "data": str(data_dir),
                      "reports": str(month_dir)}
        nb = warm_kernel(batch).execute(OVERVIEW_NOTEBOOK, parameters)
        title, report = text("overview_title", lang), text("report_title", lang)
        if not is_month(month):
            title, report = period_wording(title, lang), period_wording(report, lang)
        # the notebook prints the page's own H1, so no template title block; the index
        # is interactive (sortable, filterable tables: kpi_lib.run.render)
        html = notebook_to_html(nb, {"month": month, "lang": lang, "store": title,
                                     "report_title": report}, interactive=True)
        publish({Path(month_dir) / index_name(lang): html})
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
    #: False when the batch gave up (no worker left): some stores are ``unfinished``
    complete: bool = True

    def count(self, status: str) -> int:
        return sum(1 for r in self.stores if r.status == status)

    @property
    def failed(self) -> list[StoreResult]:
        out = [r for r in self.stores if r.status == "failed"]
        return out + ([self.index] if self.index and self.index.status == "failed" else [])

    def to_json(self) -> str:
        return json.dumps({"month": self.month, "complete": self.complete,
                           "seconds": round(self.seconds, 2), "workers": self.workers,
                           "stores": [asdict(r) for r in self.stores],
                           "index": asdict(self.index) if self.index else None},
                          ensure_ascii=False, indent=1)


def check_scheduler(address: str | None) -> str | None:
    """``address`` if it is ``sync``, empty or a reachable ``tcp://host:port``; else a
    :class:`ParameterError` in one line, within :data:`CONNECT_TIMEOUT` seconds."""
    if not address or address == "sync":
        return address
    m = SCHEDULER_RE.fullmatch(address)
    if m is None or not 0 < int(m.group(3)) < 65536:
        raise ParameterError(f"scheduler {address!r} is not an address of the form "
                             "tcp://host:port (e.g. tcp://127.0.0.1:8786)")
    host = m.group(2).strip("[]")
    try:
        socket.create_connection((host, int(m.group(3))), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        why = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise ParameterError(f"cannot reach the Dask scheduler at {address} ({why}): is "
                             "`dask scheduler` running there?") from None
    return address


def _cluster(scheduler: str | None, workers: int | None):
    """A Dask client: on ``scheduler`` (``tcp://host:port``) or a new LocalCluster."""
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler:
        check_scheduler(scheduler)
        try:
            return Client(scheduler, timeout=f"{CONNECT_TIMEOUT:.0f}s"), None
        except (OSError, TimeoutError) as exc:
            raise ParameterError(f"cannot connect to the Dask scheduler at {scheduler} "
                                 f"({type(exc).__name__}: {exc})".strip()) from None
    n = workers or max(1, min(os.cpu_count() or 1, 8))
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=None, scheduler_kwargs={"dashboard": False},
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _worker_count(client) -> int:
    """Workers the scheduler knows now (0 when it does not answer)."""
    try:
        return len(client.scheduler_info(n_workers=-1).get("workers", {}))
    except Exception:  # noqa: BLE001 - a scheduler gone away has no workers
        return 0


def _collect(client, futures: dict, done: Callable[[StoreResult], None],
             worker_timeout: float) -> list[str]:
    """Wait for ``futures`` (future -> store), passing each result to ``done``; give up
    when no worker has been there for ``worker_timeout`` seconds. The stores left."""
    from dask.distributed import wait

    pending = set(futures)
    alone_since: float | None = None
    while pending:
        try:
            finished, pending = wait(pending, timeout=1, return_when="FIRST_COMPLETED")
        except TimeoutError:
            finished = set()
        for fut in finished:
            try:
                done(fut.result())
            except Exception as exc:  # noqa: BLE001 - a worker died: report, go on
                done(StoreResult(futures[fut], "failed", f"{type(exc).__name__}: {exc}"))
        if not pending or finished:
            alone_since = None
            continue
        if _worker_count(client):
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since >= worker_timeout:
            with contextlib.suppress(Exception):
                client.cancel(list(pending))
            break
    return sorted((futures[f] for f in pending), key=list(futures.values()).index)


def run_batch(plan: BatchPlan, *, scheduler: str | None = None, workers: int | None = None,
              force: bool = False, on_result: Callable[[StoreResult], None] | None = None,
              index: bool = True, worker_timeout: float | None = None) -> BatchSummary:
    """Render every store of ``plan`` (skipping unchanged ones) and then the index.

    ``scheduler``: ``None`` for a LocalCluster of ``workers`` processes (default: the CPU
    count), ``"sync"`` to run everything in this process (tests, debugging), or the
    address of a running Dask scheduler. ``on_result`` is called as each store finishes;
    ``index=False`` skips the overview. With no worker left for ``worker_timeout`` seconds
    (default :data:`WORKER_TIMEOUT`) the batch stops: the stores not done are
    ``unfinished``, the summary is not ``complete`` and the index is left as it was.
    """
    started = time.perf_counter()
    wait_for = WORKER_TIMEOUT if worker_timeout is None else worker_timeout
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
                plan.info.get(store, {}), plan.input_hash(store), str(plan.notebook),
                plan.token)

    def done(result: StoreResult) -> None:
        results[result.store] = result
        if on_result:
            on_result(result)

    overview_args = (plan.month, plan.lang, str(plan.data_dir), str(plan.month_dir), plan.token)
    n_workers, result, complete = 1, None, True
    if scheduler == "sync":
        for store in todo:
            done(render_store(*args(store)))
        _write_summary(plan, results, None, started, n_workers)
        result = render_overview(*overview_args) if index else None
        shutdown_kernel(plan.token)
    else:
        client, cluster = _cluster(scheduler, workers)
        try:
            n_workers = max(1, _worker_count(client))
            futures = {client.submit(render_store, *args(s), pure=False,
                                     key=f"kpi-store-{plan.month}-{s}-{plan.token}"): s
                       for s in todo}
            left = _collect(client, futures, done, wait_for)
            for store in left:
                done(StoreResult(store, "unfinished", f"no Dask worker for {wait_for:.0f} s"))
            complete = not left
            _write_summary(plan, results, None, started, n_workers, complete)
            if index and complete:
                result = client.submit(render_overview, *overview_args, pure=False,
                                       key=f"kpi-index-{plan.month}-{plan.token}").result()
        finally:
            with contextlib.suppress(Exception):
                client.run(shutdown_kernel, plan.token)
            client.close()
            if cluster is not None:
                cluster.close()
    return _write_summary(plan, results, result, started, n_workers, complete)


def _write_summary(plan: BatchPlan, results: dict[str, StoreResult], index, started: float,
                   workers: int, complete: bool = True) -> BatchSummary:
    from ..atomic import atomic_write

    summary = BatchSummary(plan.month, [results[s] for s in plan.stores if s in results],
                           index, time.perf_counter() - started, workers, complete)
    atomic_write(plan.month_dir / summary_name(plan.lang), summary.to_json())
    return summary
