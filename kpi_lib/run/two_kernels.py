"""Two warm kernels sharing one notebook: the report's sections run on two cores.

A single report leaves one of the machine's cores idle while its kernel draws the
figures. :class:`KernelPair` runs the notebook's **setup** (every cell up to and including
the one tagged ``setup``: imports and ``sm = load_store_month(…)``) in both kernels, then
the cells after it alternately in one kernel or the other, at the same time; the
epilogue (the workbook) runs in the second. The executed cells are put back together in
notebook order and numbered 1, 2, 3 … as if one kernel had run them.

This relies on each section cell reading only what the setup defines (true of the
report notebooks: every section starts from ``sm``). If either half fails — a real error,
or a cell that needs another section's variable — the whole notebook runs again in the
first kernel alone, so the result and any error message are exactly those of a plain run.
It has the interface of :class:`~kpi_lib.run.notebook_kernel.WarmKernel` (``execute``,
``shutdown``); the batch keeps one kernel per worker, since its workers already fill
the cores.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat

from .notebook_kernel import WarmKernel

SETUP_TAG = "setup"


def split_cells(nb: nbformat.NotebookNode) -> tuple[list[int], list[int], list[int]]:
    """Indices of the setup cells and of the two halves of the rest (alternating code
    cells; markdown and raw cells stay in the first half). No ``setup`` tag: no split."""
    tagged = [i for i, c in enumerate(nb.cells) if SETUP_TAG in c.get("metadata", {}).get(
        "tags", [])]
    if not tagged:
        return list(range(len(nb.cells))), [], []
    end = tagged[0] + 1
    halves: tuple[list[int], list[int]] = ([], [])
    code = 0
    for i in range(end, len(nb.cells)):
        if nb.cells[i].cell_type == "code":
            halves[code % 2].append(i)
            code += 1
        else:
            halves[0].append(i)
    return list(range(end)), *halves


class KernelPair:
    """Two :class:`WarmKernel` s, each driven by a thread of its own."""

    def __init__(self) -> None:
        self.kernels = (WarmKernel(), WarmKernel())
        # a kernel's client lives in the thread that started it: one thread per kernel
        self.threads = (ThreadPoolExecutor(1), ThreadPoolExecutor(1))
        self.fallbacks = 0

    @property
    def runs(self) -> int:
        return self.kernels[0].runs

    def warm_up(self) -> None:
        """Start both kernels (in parallel) and import the report modules in each."""
        for f in [t.submit(k.warm_up) for k, t in zip(self.kernels, self.threads, strict=True)]:
            f.result()

    def execute(self, notebook: Path, parameters: dict[str, Any],
                epilogue: str | None = None) -> nbformat.NotebookNode:
        """:meth:`WarmKernel.execute`, with the sections split over the two kernels."""
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        notebook = Path(notebook)
        nb = parameterize_notebook(load_notebook_node(str(notebook)), dict(parameters))
        setup, first, second = split_cells(nb)
        where = {"cwd": notebook.parent, "name": notebook.name}
        if not second:
            return self._run(0, nb, epilogue, where).result()
        halves = [self._half(nb, setup + first), self._half(nb, setup + second)]
        futures = [self._run(0, halves[0], None, where), self._run(1, halves[1], epilogue, where)]
        try:
            done = [f.result() for f in futures]
        except Exception:  # noqa: BLE001 - run it whole: the plain result or the plain error
            for f in futures:
                f.exception()  # wait for the other half too
            self.fallbacks += 1
            return self._run(0, nb, epilogue, where).result()
        return _merged(nb, setup, (setup + first, done[0]), (setup + second, done[1]))

    def _run(self, k: int, nb: nbformat.NotebookNode, epilogue: str | None,
             where: dict[str, Any]):
        return self.threads[k].submit(self.kernels[k].execute_node, nb, {}, epilogue, **where)

    @staticmethod
    def _half(nb: nbformat.NotebookNode, cells: list[int]) -> nbformat.NotebookNode:
        half = copy.deepcopy(nb)
        half.cells = [half.cells[i] for i in cells]
        return half

    def shutdown(self) -> None:
        """Stop both kernels and their threads."""
        for kernel, thread in zip(self.kernels, self.threads, strict=True):
            thread.submit(kernel.shutdown).result()
        for thread in self.threads:
            thread.shutdown(wait=True)


def _merged(nb: nbformat.NotebookNode, setup: list[int],
            *halves: tuple[list[int], nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """``nb`` with every cell taken from the half that ran it (setup: the first half),
    execution counts renumbered in notebook order."""
    out = copy.deepcopy(nb)
    for indices, executed in reversed(halves):  # the first half wins the setup cells
        for pos, i in enumerate(indices):
            out.cells[i] = executed.cells[pos]
    count = 0
    for cell in out.cells:
        if cell.cell_type != "code" or cell.get("execution_count") is None:
            continue
        count += 1
        cell.execution_count = count
        for output in cell.get("outputs", []):
            if "execution_count" in output:
                output.execution_count = count
    return out
