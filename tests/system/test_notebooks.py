"""The notebooks as reviewed files: paired, clean, thin, and an analyst's edit survives.

Every ``notebooks/*.ipynb`` has its jupytext twin ``*.py`` (percent format), carries no
outputs or execution counts, starts with a ``parameters`` cell, and holds no function or
class and no file read of its own. Editing the ``.py`` and running ``jupytext --sync``
reproduces the ``.ipynb`` cell for cell.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jupytext
import pytest

from kpi_lib import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def _cells(nb) -> list[tuple[str, str, list[str]]]:
    """What a reviewer compares: type, source and tags of each cell."""
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


def _sync(path: Path) -> None:
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", "--quiet", str(path)],
                   check=True, capture_output=True, text=True, timeout=120)


def test_the_notebooks_are_the_expected_ones():
    assert {"store_report", "network_overview", "explore"} <= set(IDS)
    assert sorted(p.stem for p in paths.NOTEBOOKS.glob("*.py")) == IDS  # each has its twin
    config = tomllib.loads((paths.ROOT / "pyproject.toml").read_text("utf-8"))
    assert config["tool"]["jupytext"]["formats"] == "ipynb,py:percent"  # what Lab pairs


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_committed_notebook_has_no_outputs_or_execution_counts(ipynb):
    raw = json.loads(ipynb.read_text("utf-8"))
    for i, cell in enumerate(raw["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {i} of {ipynb.name} has outputs"
            assert cell["execution_count"] is None, f"cell {i} of {ipynb.name} was run"
    assert raw["metadata"]["kernelspec"]["name"] == "kpi-report"
    assert raw["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_pair_is_in_sync_and_parameters_come_first(ipynb):
    nb, script = jupytext.read(ipynb), jupytext.read(ipynb.with_suffix(".py"))
    assert _cells(script) == _cells(nb)
    first = nb.cells[0]
    assert first.cell_type == "code" and first.metadata.get("tags") == ["parameters"]
    assert "data = None" in first.source.splitlines()


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_notebook_is_thin(ipynb):
    tree = ast.parse(ipynb.with_suffix(".py").read_text("utf-8"))
    for node in ast.walk(tree):
        assert not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                              | ast.Lambda), f"{ipynb.stem}: a definition at line {node.lineno}"
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", "")
            assert name != "open" and not name.startswith("read_"), \
                f"{ipynb.stem}: reads a file itself at line {node.lineno} ({name})"


@pytest.mark.parametrize("stem", ["explore", "store_report"])
def test_an_edit_of_the_script_survives_sync(tmp_path, stem):
    """An analyst edits the .py (a parameter and a new cell) and syncs: the .ipynb holds
    exactly the edited cells, unchanged cells keep their ids, and no outputs appear."""
    for ext in (".py", ".ipynb"):
        shutil.copy2(paths.NOTEBOOKS / f"{stem}{ext}", tmp_path / f"{stem}{ext}")
    script, ipynb = tmp_path / f"{stem}.py", tmp_path / f"{stem}.ipynb"
    before = jupytext.read(ipynb)
    text = script.read_text("utf-8")
    assert 'month = "2026-10"\n' in text
    edited = text.replace('month = "2026-10"\n', 'month = "2026-09"\n', 1)
    edited += '\n# %%\n# analyst: a look at the raw cube\ndisplay(kpi_lib.registry["visits"])\n'
    script.write_text(edited, "utf-8")
    stamp = ipynb.stat().st_mtime + 5  # the script is the newer file of the pair
    os.utime(script, (stamp, stamp))

    _sync(script)
    after = jupytext.read(ipynb)
    assert _cells(after) == _cells(jupytext.read(script))
    assert _cells(after)[0][2] == ["parameters"]
    assert 'month = "2026-09"' in after.cells[0].source
    assert after.cells[-1].source.endswith('display(kpi_lib.registry["visits"])')
    assert len(after.cells) == len(before.cells) + 1
    assert [c.id for c in after.cells[:-1]] == [c.id for c in before.cells]
    raw = json.loads(ipynb.read_text("utf-8"))
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
               for c in raw["cells"])
    # the analyst's text is kept as written (jupytext only restamps its own version)
    assert _unstamped(script.read_text("utf-8")) == _unstamped(edited)


def _unstamped(text: str) -> list[str]:
    return [line for line in text.splitlines() if "jupytext_version:" not in line]
