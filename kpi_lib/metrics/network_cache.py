"""The network cache: what a process rendering many stores of one month computes once.

Every store report of a month reads the same network-wide frames: the KPI cube of every
store, data spans, conversions, and the month's compare table (cube, benchmarks, funnel
limits, FDR: :func:`kpi_lib.metrics.comparison.compare_month`). When the cache is on, a
store's frames are filters of the network's, so a store costs the same in a network of
12 or of 1,000:

- **in memory** (:func:`remembered`): each network-wide frame once per warehouse and key
  in this process (the least recently used are dropped beyond :data:`MAX_BYTES`; a report
  reads some 40 frames of its month and the months before, and a store after store should
  find them all);
- **on disk** (:func:`saved_frame`): the month's compare table in a small Parquet file
  beside the warehouse (``<data>/.compare-<month>-<key>.parquet``: data only, no pickle,
  so a data folder from elsewhere cannot smuggle code in), keyed by the warehouse
  fingerprint, the month and the code + parameters it depends on (:func:`code_key`), so
  the batch computes it once for all its workers.

It is off by default (a notebook in JupyterLab, ``kpis``, the tests compute afresh) and
on in the processes that render store after store: :func:`enable` turns it on (the batch
plan, the overview); a kernel started with ``KPI_NETWORK_CACHE=1`` in its environment
has it on from the start (the warm kernels: :mod:`kpi_lib.run.notebook_kernel`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from .. import paths
from ..atomic import atomic_write
from ..ingest.warehouse import stored_fingerprint

#: The environment variable that turns the cache on when this module is imported.
ENV = "KPI_NETWORK_CACHE"
#: Packages and modules whose source decides the cached frames (a change invalidates them).
_CODE = ("metrics", "ingest", "stats", "config")
#: What the remembered frames may hold (``memory_usage``, shallow), and at most how many.
MAX_BYTES = int(os.environ.get("KPI_NETWORK_CACHE_MB", 512)) * 2**20
_MAX_FRAMES = 256

#: Frames remembered by (warehouse fingerprint, *key); ``None``: the cache is off.
_FRAMES: dict[tuple, pd.DataFrame] | None = {} if os.environ.get(ENV) == "1" else None
#: Bytes of each remembered frame (:func:`_size`), by the same keys.
_BYTES: dict[tuple, int] = {}


def enable() -> None:
    """Turn the cache on for this process (idempotent)."""
    global _FRAMES
    if _FRAMES is None:
        _FRAMES = {}


def enabled() -> bool:
    """Whether the cache is on in this process."""
    return _FRAMES is not None


def remembered(con: duckdb.DuckDBPyConnection, key: tuple,
               make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``make()``, or its remembered result for ``key`` and this warehouse when the cache
    is on. Callers must not change the frame."""
    fp = None if _FRAMES is None else stored_fingerprint(con)
    if _FRAMES is None or fp is None:
        return make()
    full = (fp, *key)
    if full in _FRAMES:
        _FRAMES[full] = _FRAMES.pop(full)  # the most recently used last
        return _FRAMES[full]
    frame = make()
    _FRAMES[full] = frame
    _BYTES[full] = _size(frame)
    while len(_FRAMES) > 1 and (len(_FRAMES) > _MAX_FRAMES or
                                sum(_BYTES.get(k, 0) for k in _FRAMES) > MAX_BYTES):
        _BYTES.pop(oldest := next(iter(_FRAMES)), None)
        _FRAMES.pop(oldest)
    return frame


def _size(value: object) -> int:
    """Bytes a remembered value holds (a frame's shallow ``memory_usage``; else 0)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=False, deep=False).sum())
    return 0


@cache
def code_key() -> str:
    """Hash of the code and parameter files the cached frames depend on."""
    root = Path(__file__).resolve().parents[1]  # the kpi_lib package
    h = hashlib.sha256(f"pandas={pd.__version__}\n".encode())
    files: list[Path] = []
    for name in _CODE:
        p = root / name
        files += sorted(p.rglob("*.py")) if p.is_dir() else [root / f"{name}.py"]
    files += sorted(paths.PARAMS.glob("*.yml")) + sorted(paths.PARAMS.glob("*.csv"))
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def _warehouse_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The DuckDB file behind ``con`` (None for an in-memory warehouse)."""
    try:
        row = con.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()
    except duckdb.Error:
        return None
    return Path(row[0]) if row and row[0] else None


def cache_path(con: duckdb.DuckDBPyConnection, name: str) -> Path | None:
    """Where the frame ``name`` (``compare-2026-10``) is kept for this warehouse (None: an
    in-memory warehouse, or not one of ours)."""
    db, fp = _warehouse_file(con), stored_fingerprint(con)
    if db is None or fp is None:
        return None
    key = hashlib.sha256(f"{fp}\n{name}\n{code_key()}".encode()).hexdigest()[:20]
    return db.parent / f".{name}-{key}.parquet"


def saved_frame(con: duckdb.DuckDBPyConnection, name: str,
                make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``make()``, read from / written to its Parquet file when the cache is on (and then
    also remembered in memory; the caller gets its own copy).

    An unreadable file is computed again; a file that cannot be written (a read-only data
    folder) is simply not kept. Older files of the same ``name`` are removed.
    """
    if not enabled():
        return make()
    return remembered(con, ("saved", name), lambda: _saved_frame(con, name, make)).copy()


def _saved_frame(con: duckdb.DuckDBPyConnection, name: str,
                 make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    path = cache_path(con, name)
    if path is not None and path.is_file():
        with contextlib.suppress(Exception):  # unreadable: computed again below
            return _read_frame(path)
    frame = make()
    if path is not None:
        with contextlib.suppress(OSError, ValueError, ImportError):
            for old in path.parent.glob(f".{name}-*.parquet"):
                old.unlink()
            atomic_write(path, frame.to_parquet())
    return frame


def _read_frame(path: Path) -> pd.DataFrame:
    """A frame written by ``to_parquet``, object columns (text or None) restored as such."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    frame = table.to_pandas()
    for col in (table.schema.pandas_metadata or {}).get("columns", []):
        if col.get("numpy_type") == "object" and col.get("name") in frame:
            values = frame[col["name"]].astype(object)
            frame[col["name"]] = values.where(values.notna(), None)
    return frame
