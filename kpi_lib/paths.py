"""Every path of the project, from one place."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("KPI_ROOT", Path(__file__).resolve().parent.parent))
DATA = ROOT / "data"
DEMO_DATA = DATA / "demo"
REPORTS = ROOT / "reports"
PARAMS = ROOT / "params"
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def warehouse_path(data_dir: Path) -> Path:
    """The DuckDB file cached beside a data folder (git-ignored)."""
    return Path(data_dir) / ".warehouse.duckdb"
