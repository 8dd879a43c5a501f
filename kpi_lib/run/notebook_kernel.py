"""One Jupyter kernel kept warm to execute notebook after notebook (papermill-parameterised).

:class:`WarmKernel` injects the parameters the way papermill does
(``papermill.parameterize.parameterize_notebook``) and executes the cells with nbclient in
a kernel that stays alive: the first notebook pays for the kernel start and the imports
(pandas, matplotlib, kpi_lib), the next ones run after ``%reset -f``. Its client (the ZMQ
channels) is kept too: a new one waits ~0.4 s for the kernel's IOPub channel before the
first cell (jupyter_client's ``wait_for_ready``); nbclient reads only the replies to its
own requests, so nothing of an earlier notebook reaches the next. The batch keeps one
per Dask worker, the warm renderer (:mod:`kpi_lib.run.warm_renderer`) one per process, and a single
``kpi_lib report`` uses one for one notebook.

Kernel: the notebooks run in the ``kpi-report`` kernelspec (see :mod:`kpi_lib.kernel`),
whose argv is the absolute path of this interpreter; it is (re)installed into
``sys.prefix`` when missing. Checked with a probe cell printing ``sys.executable``: it
prints this venv's ``bin/python``. (The venv's own ``python3`` spec would work too:
its argv is the bare word ``python``, which jupyter_client replaces by ``sys.executable``
of the launching process; but a user-level ``python3`` spec in ``~/.local/share/jupyter``
may point anywhere, hence the named spec.)
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import nbformat

from ..errors import RenderError
from ..metrics.network_cache import ENV as NETWORK_CACHE_ENV

#: Prepended to every notebook run in a warm kernel (and removed from the result): each
#: notebook starts from an empty namespace.
PROLOGUE = "%reset -f"
#: The kernels render store after store of one month: the network cache is on in them
#: (:mod:`kpi_lib.metrics.network_cache`), by their environment, not by code they run.
KERNEL_ENV = {NETWORK_CACHE_ENV: "1"}
#: Run once by :meth:`WarmKernel.warm_up`: the imports of the report and flash notebooks,
#: then ``gc.freeze()``: what the imports made is never garbage, and the two full
#: collections of each notebook's ``%reset -f`` no longer walk it (0.25 s → 0.02 s).
WARM_UP = ("import kpi_lib.report.notebook, kpi_lib.report.network_index, "
           "kpi_lib.report.store_month, kpi_lib.report.plots, kpi_lib.report.excel_report, "
           "kpi_lib.report.flash_tables\n"
           "import matplotlib.pyplot\n"
           "import gc; gc.freeze()")
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]
CELL_TIMEOUT = 600



def ensure_kernel() -> str:
    """Name of the kernelspec running this interpreter, installing it if needed."""
    from .kernelspec import KERNEL_NAME, install, kernelspec_dir

    if not (kernelspec_dir() / "kernel.json").is_file():
        install()
    return KERNEL_NAME


class WarmKernel:
    """One Jupyter kernel kept alive to execute notebook after notebook."""

    def __init__(self) -> None:
        self.km = None
        self.kc = None  # the kernel client, kept between notebooks
        self.runs = 0

    def _alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def execute(self, notebook: Path, parameters: dict[str, Any],
                epilogue: str | None = None) -> nbformat.NotebookNode:
        """Run ``notebook`` with ``parameters`` in the warm kernel; return it executed.

        ``epilogue`` is code run after the notebook's cells (left out of the result).
        """
        from papermill.iorw import load_notebook_node

        return self.execute_node(load_notebook_node(str(notebook)), parameters, epilogue,
                                 cwd=Path(notebook).parent, name=Path(notebook).name)

    def warm_up(self) -> None:
        """Start the kernel and import what the report notebooks use."""
        cell = nbformat.v4.new_code_cell(WARM_UP)
        self.execute_node(nbformat.v4.new_notebook(cells=[cell]), {}, name="warm-up")

    def execute_node(self, nb: nbformat.NotebookNode, parameters: dict[str, Any],
                     epilogue: str | None = None, *, cwd: Path | None = None,
                     name: str = "notebook") -> nbformat.NotebookNode:
        """:meth:`execute` for a notebook already in memory."""
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from papermill.parameterize import parameterize_notebook

        if not self._alive():
            from .cleanup import kernel_connection_file

            self.shutdown()  # also drops the client of a kernel that died
            self.km = AsyncKernelManager(kernel_name=ensure_kernel(),
                                         connection_file=kernel_connection_file())
        if parameters:
            nb = parameterize_notebook(nb, dict(parameters))
        prologue = nbformat.v4.new_code_cell(PROLOGUE, metadata={"tags": ["remove-cell"]})
        nb.cells.insert(0, prologue)
        if epilogue:
            nb.cells.append(nbformat.v4.new_code_cell(epilogue,
                                                      metadata={"tags": ["remove-cell"]}))
        client = NotebookClient(nb, km=self.km, timeout=CELL_TIMEOUT, allow_errors=False,
                                extra_arguments=KERNEL_ARGS,
                                resources={"metadata": {"path": str(cwd or Path.cwd())}})
        client.kc = self.kc  # None: nbclient starts one, kept below
        try:
            client.execute(env={**os.environ, **KERNEL_ENV})  # used when the kernel starts
        except CellExecutionError as exc:
            raise RenderError(_cell_error(name, nb, exc)) from None
        except Exception as exc:
            self.shutdown()  # timed out or died: start afresh next time
            kind = type(exc).__name__
            if kind in {"DeadKernelError", "CellTimeoutError", "NoSuchKernel"}:
                raise RenderError(f"{name}: {kind}: {exc}".strip()) from None
            raise
        finally:
            if self.km is not None:
                self.kc = client.kc
            elif client.kc is not None:  # shut down above
                with contextlib.suppress(Exception):
                    client.kc.stop_channels()
            self.runs += 1
        nb.cells.pop(0)
        if epilogue:
            nb.cells.pop()
        return nb

    def shutdown(self) -> None:
        """Stop the kernel (if any)."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        self.kc = None
        if self.km is not None:
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
        self.km = None


def _cell_error(name: str, nb: nbformat.NotebookNode, exc: Any) -> str:
    """``store_report.ipynb, cell 5 (`x = f(y)`) failed: ValueError: bad``."""
    where = "a cell"
    for i, cell in enumerate(nb.cells[1:], start=1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
            where = f"cell {i} (`{first[:77] + '...' if len(first) > 80 else first}`)"
            break
    return f"{name}, {where} failed: {exc.ename}: {str(exc.evalue).strip()}"


#: This process's warm kernels, one per batch (``None``: not in a batch). Several batches
#: may share a Dask worker; each uses and stops only its own kernel.
_KERNELS: dict[str | None, WarmKernel] = {}


def warm_kernel(batch: str | None = None) -> WarmKernel:
    """This process's warm kernel for ``batch`` (started on first use)."""
    kernel = _KERNELS.get(batch)
    if kernel is None:
        kernel = _KERNELS[batch] = WarmKernel()
    return kernel


def shutdown_kernel(batch: str | None = None) -> int:
    """Stop this process's warm kernel of ``batch`` (no other); return how many notebooks
    it ran."""
    kernel = _KERNELS.pop(batch, None)
    if kernel is None:
        return 0
    kernel.shutdown()
    return kernel.runs
