"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

if TYPE_CHECKING:
    from kpi_lib.ingest.warehouse import Warehouse

# Tests render in their own processes: never through (or starting) a warm renderer that a
# developer's `make report` left running. tests/run/test_warm.py starts its own.
os.environ["KPI_WARM"] = "0"

@pytest.fixture(autouse=True)
def _network_cache_as_it_was():
    """A test that turns the network cache on (a plan, an overview, a batch plan run in
    this process) leaves it as it found it for the next test of the worker."""
    from kpi_lib.metrics import network_cache

    before = network_cache._FRAMES
    yield
    network_cache._FRAMES = before


#: The hand-counted two-store data folder (see its README.md).
TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture()
def tiny_data(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture: its nine tables, without the README or a
    warehouse cached beside them by a test that read the fixture in place."""
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md", ".warehouse*"))
    return folder


#: What a test writes: table name (``"orders"`` or ``"orders.csv"``) → the CSV text or a
#: DataFrame; ``None`` writes no file (an absent table).
Tables = Mapping[str, "str | pd.DataFrame | None"]


def write_tables(folder: Path, tables: Tables,
                 drop: Mapping[str, Sequence[str]] | None = None) -> Path:
    """Write ``tables`` as CSV files into ``folder`` (UTF-8), without the columns ``drop``
    names per table; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in tables.items():
        if body is None:
            continue
        path = folder / (name if name.endswith(".csv") else f"{name}.csv")
        if isinstance(body, pd.DataFrame):
            body.to_csv(path, index=False)
        else:
            path.write_text(body, encoding="utf-8")
        if drop and path.stem in drop:
            pd.read_csv(path, dtype=str).drop(columns=list(drop[path.stem])).to_csv(
                path, index=False)
    return folder


@pytest.fixture(scope="session")
def make_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Warehouse]:
    """``make_warehouse(tables, drop=None)``: write some CSV files into a fresh folder and
    open its warehouse (``with make_warehouse({...}) as wh:``). Session-scoped, so
    module-scoped fixtures can use it too; every call gets its own folder."""

    def make(tables: Tables, drop: Mapping[str, Sequence[str]] | None = None) -> Warehouse:
        from kpi_lib.ingest.warehouse import open_warehouse

        root = tmp_path_factory.mktemp("warehouse")
        return open_warehouse(write_tables(root / "data", tables, drop),
                              db_path=root / "w.duckdb")

    return make


@pytest.fixture(scope="session")
def tiny_tables() -> dict[str, str]:
    """The tiny fixture's tables as CSV text (table name → text), to vary in a test."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(TINY.glob("*.csv"))}
