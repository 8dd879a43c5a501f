"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Tests render in their own processes: never through (or starting) a warm renderer that a
# developer's `make report` left running. tests/run/test_warm.py starts its own.
os.environ["KPI_WARM"] = "0"

#: The hand-counted two-store data folder (see its README.md).
TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


@pytest.fixture()
def tiny_data(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture: its nine tables, without the README or a
    warehouse cached beside them by a test that read the fixture in place."""
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md", ".warehouse*"))
    return folder
