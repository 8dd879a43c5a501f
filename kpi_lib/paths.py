"""Every path of the project, from one place."""

from __future__ import annotations

import hashlib
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


def code_hash() -> str:
    """Hash of what shapes a report: the package, its templates, params and notebooks."""
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
    files += sorted(PARAMS.glob("*")) + sorted(NOTEBOOKS.glob("*.ipynb"))
    h = hashlib.sha256()
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(f.anchor)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def links_outside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is a symbolic link whose target lies outside ``folder``.

    Such a file is never read: a data folder must not be a window onto other files
    (``visits.csv -> /etc/shadow`` would print its first line in an error message).
    """
    path = Path(path)
    if not path.is_symlink():
        return False
    root = Path(folder).resolve()
    return root not in path.resolve().parents
