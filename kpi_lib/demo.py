"""Deterministic demo data: every contract table for a network of 4S stores.

The stores and their behaviour come from :mod:`kpi_lib.archetypes`, each store's tables
from :mod:`kpi_lib.demo_tables` (building blocks: :mod:`kpi_lib.demo_basics`). Generation is
vectorised with numpy per store (one random stream per store, seeded by ``[seed, k]``),
and each store's rows are streamed to the CSV files with pyarrow, so that the same
code writes the 12-store demo in seconds and networks of hundreds of stores for
benchmarks. Same seed, same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from . import paths
from .archetypes import store_roster
from .demo_basics import demo_calendar, stores_table
from .demo_tables import store_tables
from .ingest.schema import TABLES

__all__ = ["EXTRA_COLUMNS", "TABLE_ORDER", "generate"]

#: tables in the order they are written
TABLE_ORDER = ("stores", "consultants", "visits", "calls", "leads", "followups", "orders",
               "marketing", "targets")
#: columns beyond the contract (allowed, kept and ignored; used to test privacy masking)
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {"leads": ("customer_name", "phone")}

_CSV = pacsv.WriteOptions(include_header=False, quoting_style="none")


# ---------------------------------------------------------------- writing
class _Sink:
    """One temp CSV per table in ``out``; moved into place by :meth:`commit`."""

    def __init__(self, out: Path) -> None:
        self.out, self.files, self.counts = out, {}, {}
        self.columns: dict[str, list[str]] = {}
        for name in TABLE_ORDER:
            cols = [c.name for c in TABLES[name].columns] + list(EXTRA_COLUMNS.get(name, ()))
            f: BinaryIO = open(out / f".{name}.csv.tmp", "wb")  # noqa: SIM115
            f.write((",".join(cols) + "\n").encode("utf-8"))
            self.files[name], self.columns[name], self.counts[name] = f, cols, 0

    def write(self, name: str, table: pa.Table) -> None:
        table = table.select(self.columns[name])
        pacsv.write_csv(table, self.files[name], _CSV)
        self.counts[name] += table.num_rows

    def close(self, commit: bool) -> None:
        for name, f in self.files.items():
            f.close()
            tmp = self.out / f".{name}.csv.tmp"
            if commit:
                os.replace(tmp, self.out / f"{name}.csv")
            else:
                tmp.unlink(missing_ok=True)


def generate(out: Path, *, seed: int = 20261, first_month: str = "2025-09",
             last_month: str = "2026-10", n_stores: int | None = None) -> dict[str, int]:
    """Write the demo data set: one UTF-8 CSV per contract table in ``out``.

    Parameters
    ----------
    out : folder to write to (created if missing); existing tables are replaced atomically.
    seed : random seed; the same seed gives byte-identical files.
    first_month, last_month : the months covered, ``YYYY-MM``.
    n_stores : None for the archetype stores; more adds ``typical`` stores S013….

    Returns
    -------
    dict
        Rows written per table, in :data:`TABLE_ORDER`.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cal = demo_calendar(first_month, last_month)
    stores = store_roster(n_stores)
    sink = _Sink(out)
    try:
        sink.write("stores", stores_table(stores))
        for k, spec in enumerate(stores):
            rng = np.random.default_rng([seed, k])
            for name, table in store_tables(spec, rng, cal).items():
                sink.write(name, table)
    except BaseException:
        sink.close(commit=False)
        raise
    sink.close(commit=True)
    return dict(sink.counts)


def ensure_demo_data() -> Path:
    """The demo data folder, generated on first use (a ``.complete`` marker when done)."""
    marker = paths.DEMO_DATA / ".complete"
    if not marker.exists():
        generate(paths.DEMO_DATA)
        marker.touch()
    return paths.DEMO_DATA

