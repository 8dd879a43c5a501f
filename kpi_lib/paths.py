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
TEMPLATES = Path(__file__).resolve().parent / "report" / "templates"


#: The language whose reports keep the bare store id (``S007.pdf``); every other
#: language's carry its code (``S007.en.pdf``).
DEFAULT_LANG = "zh"


def report_stem(store: str, lang: str = DEFAULT_LANG) -> str:
    """The file stem of a store's report in ``lang``: ``S007`` (zh) or ``S007.en``.

    The one place report names are made: single reports, the warm renderer, the batch
    (and its skip stamp) and the network index all use it, so a Chinese and an English
    report of the same store live side by side.

    >>> report_stem("S007", "zh"), report_stem("S007", "en")
    ('S007', 'S007.en')
    """
    return store if lang == DEFAULT_LANG else f"{store}.{lang}"


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
