"""KernelPair: a notebook's sections on two kernels, put back together as one run."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from kpi_lib.errors import RenderError
from kpi_lib.run.two_kernels import KernelPair, split_cells


def _notebook(path: Path, sections: list[str]) -> Path:
    cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import os\nbase = x * 10\nprint('setup', base)",
                                  metadata={"tags": ["setup"]}),
        nbformat.v4.new_markdown_cell("## sections"),
        *[nbformat.v4.new_code_cell(src) for src in sections],
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "kpi-report", "language": "python",
                                 "display_name": "kpi"}
    nbformat.write(nb, path)
    return path


def test_split_alternates_code_cells_after_setup():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("p", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("s", metadata={"tags": ["setup"]}),
        nbformat.v4.new_markdown_cell("m"),
        *[nbformat.v4.new_code_cell(str(i)) for i in range(5)],
    ])
    assert split_cells(nb) == ([0, 1], [2, 3, 5, 7], [4, 6])
    del nb.cells[1].metadata["tags"]
    assert split_cells(nb) == (list(range(8)), [], [])


def _texts(nb: nbformat.NotebookNode) -> list[str]:
    return ["".join(o.get("text", "") for o in c.get("outputs", [])).strip()
            for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(scope="module")
def pair():
    kernels = KernelPair()
    yield kernels
    kernels.shutdown()


def test_sections_run_on_both_kernels_and_come_back_in_order(pair, tmp_path):
    sections = [f"print({k}, base + {k}, os.getpid())" for k in range(4)]
    nb = pair.execute(_notebook(tmp_path / "n.ipynb", sections), {"x": 2},
                      epilogue="print('epilogue')")
    texts = _texts(nb)
    # cell 0 is the parameters cell, then papermill's injected one (x = 2), then setup
    assert texts[2] == "setup 20"
    values = [t.split() for t in texts[3:]]
    assert [(v[0], v[1]) for v in values] == [("0", "20"), ("1", "21"), ("2", "22"),
                                              ("3", "23")]
    assert len({v[2] for v in values}) == 2  # two kernels, two processes
    assert values[0][2] == values[2][2] and values[1][2] == values[3][2]
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
    assert "epilogue" not in "".join(texts)  # the epilogue is not part of the notebook
    assert pair.fallbacks == 0


def test_a_section_needing_another_runs_whole_in_one_kernel(pair, tmp_path):
    sections = ["y = base + 1", "print(y * 2, os.getpid())"]  # the 2nd needs the 1st
    before = pair.fallbacks
    nb = pair.execute(_notebook(tmp_path / "d.ipynb", sections), {"x": 1})
    assert _texts(nb)[-1].split()[0] == "22"
    assert pair.fallbacks == before + 1


def test_a_real_error_is_reported_as_in_a_plain_run(pair, tmp_path):
    sections = ["print('fine')", "raise ValueError('探针故障')", "print('after')"]
    with pytest.raises(RenderError) as info:
        pair.execute(_notebook(tmp_path / "e.ipynb", sections), {"x": 1})
    message = str(info.value)
    assert "e.ipynb" in message and "raise ValueError" in message and "探针故障" in message
