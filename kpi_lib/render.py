"""From a parameterised notebook to the published report: ipynb + HTML + PDF, atomically.

``render_report`` executes the notebook with papermill, converts it in-process with
nbconvert and our ``kpi_report`` template (code hidden, offline, A4 print CSS) and prints
the HTML to PDF with WeasyPrint. Nothing is written until all three are ready; then they
are moved into place together, so a failed run leaves the previous report untouched.

Kernel: the notebooks run in the ``kpi-report`` kernelspec (see :mod:`kpi_lib.kernel`),
whose argv is the absolute path of this interpreter; it is (re)installed into
``sys.prefix`` when missing. Checked with a probe cell printing ``sys.executable``: it
prints ``/work/main/.venv/bin/python``. (The venv's own ``python3`` spec would work too:
its argv is the bare word ``python``, which jupyter_client replaces by ``sys.executable``
of the launching process; but a user-level ``python3`` spec in ``~/.local/share/jupyter``
may point anywhere, hence the named spec.)
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat

from . import paths
from .errors import RenderError
from .i18n import month_label, text

TEMPLATE_NAME = "kpi_report"

#: Cell tags honoured when converting: drop the whole cell / only its outputs.
REMOVE_CELL_TAGS = {"remove-cell", "remove_cell"}
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output"}

#: Seconds spent in each step of the last render in this process (for logs and tuning).
last_timings: dict[str, float] = {}


# --------------------------------------------------------------------------- execute


def ensure_kernel() -> str:
    """Name of the kernelspec running this interpreter, installing it if needed."""
    from .kernel import KERNEL_NAME, install, kernelspec_dir

    spec = kernelspec_dir() / "kernel.json"
    if not spec.is_file():
        install()
    return KERNEL_NAME


def execute_notebook(
    notebook: Path,
    parameters: dict[str, Any],
    out_ipynb: Path | None,
    *,
    kernel_name: str | None = None,
    cwd: Path | None = None,
) -> nbformat.NotebookNode:
    """Run ``notebook`` with ``parameters`` injected; return the executed notebook.

    Writes it to ``out_ipynb`` too unless that is ``None``. ``kernel_name`` defaults to
    this interpreter's ``kpi-report`` kernel, ``cwd`` to the notebook's folder. A failing
    cell raises :class:`RenderError` naming the cell and the exception.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook)
    try:
        return papermill.execute_notebook(
            str(notebook),
            str(out_ipynb) if out_ipynb is not None else None,
            parameters=dict(parameters),
            kernel_name=kernel_name or ensure_kernel(),
            cwd=str(cwd or notebook.parent),
            log_output=False,
            progress_bar=False,
            # passed on to nbclient: the kernel's own command line. Silences ipykernel's
            # "running over TCP without encryption" warning on every run (localhost only).
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as exc:
        raise RenderError(_execution_message(notebook, exc)) from None
    except Exception as exc:  # kernel died, timed out, could not start
        name = type(exc).__name__
        if name in {"DeadKernelError", "CellTimeoutError", "NoSuchKernel"}:
            raise RenderError(f"{notebook.name}: {name}: {exc}".strip()) from None
        raise


def _execution_message(notebook: Path, exc: Any) -> str:
    """``store_report.ipynb, cell 5 (`x = f(y)`) failed: ValueError: bad``."""
    lines = [ln.strip() for ln in (exc.source or "").splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    if len(first) > 80:
        first = first[:77] + "..."
    cell = f"cell {exc.exec_count}" if exc.exec_count is not None else "a cell"
    where = f"{cell} (`{first}`)" if first else cell
    evalue = (exc.evalue or "").strip()
    return f"{notebook.name}, {where} failed: {exc.ename}: {evalue}".rstrip(": ")


# --------------------------------------------------------------------------- convert


def report_metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    """``meta`` completed with what the template shows: month label, header, title."""
    out = {k: v for k, v in dict(meta).items() if v is not None}
    lang = out.setdefault("lang", "zh")
    month = out.get("month", "")
    if month and "month_label" not in out:
        try:
            out["month_label"] = month_label(month, lang)
        except (ValueError, KeyError, IndexError):
            out["month_label"] = month
    if "header" not in out:
        who = " ".join(str(out[k]) for k in ("store", "store_name") if out.get(k))
        out["header"] = " · ".join(s for s in (who, out.get("month_label", "")) if s)
    if "report_title" not in out:
        out["report_title"] = out.get("title") or text("report_title", lang)
    return out


def notebook_to_html(nb: nbformat.NotebookNode, meta: Mapping[str, Any]) -> str:
    """The executed notebook as one self-contained HTML page (code hidden, no scripts).

    ``meta`` (store, store_name, month, lang, optional title/region) is stored in
    ``nb.metadata["kpi_report"]`` of a copy, where the template reads it.
    """
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = copy.deepcopy(nb)
    nb.metadata["kpi_report"] = report_metadata(meta)
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = REMOVE_CELL_TAGS
    config.TagRemovePreprocessor.remove_all_outputs_tags = REMOVE_OUTPUT_TAGS
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(paths.TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": _name(meta)}})
    return html


def _name(meta: Mapping[str, Any]) -> str:
    return "-".join(str(meta[k]) for k in ("store", "month") if meta.get(k)) or "report"


def html_to_pdf(html: str, base_url: Path | None = None) -> bytes:
    """Print the HTML to PDF (A4, fonts subset and embedded) with WeasyPrint.

    Fast (~1 s a page or two) when HarfBuzz's subsetter (Debian ``libharfbuzz-subset0``) is
    present; without it WeasyPrint subsets the large CJK fonts with fontTools, ~9 s more.
    """
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    document = HTML(string=html, base_url=str(base_url) if base_url else None)
    return document.write_pdf(font_config=font_config)


# --------------------------------------------------------------------------- publish


def _write_temp(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to a hidden temp file beside ``path``; return the temp path."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are for reading
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def publish(outputs: Mapping[Path, bytes | str]) -> None:
    """Write every output, then move them all into place (``os.replace``).

    Every file is first written completely to a temp file in its target folder; only when
    all are written are they renamed over the targets. On any error nothing is replaced
    and no temp file is left behind. (The renames themselves are not one transaction, but
    a rename within a folder does not fail for lack of space or data.)
    """
    temps: dict[Path, Path] = {}
    try:
        for path, data in outputs.items():
            path = Path(path)
            temps[path] = _write_temp(path, data)
        for path, tmp in temps.items():
            os.replace(tmp, path)
    finally:
        for tmp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace ``path`` by ``data`` in one step: readers see the old or the new file."""
    publish({Path(path): data})


# --------------------------------------------------------------------------- together


def render_report(
    notebook: Path, parameters: dict[str, Any], meta: dict[str, Any], out_stem: Path,
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, Path]:
    """Execute, convert and print ``notebook``; publish ``<out_stem>.{ipynb,html,pdf}``.

    ``extra`` maps further extensions to their bytes (e.g. ``{"xlsx": ...}``), published
    together with the others. Returns ``{"ipynb": path, "html": path, "pdf": path, …}``.
    Raises :class:`RenderError` when a cell fails; then the previous outputs (if any) are
    left exactly as they were. Step durations are kept in :data:`last_timings`.
    """
    out_stem = Path(out_stem)
    targets = {ext: out_stem.with_name(f"{out_stem.name}.{ext}")
               for ext in ("ipynb", "html", "pdf")}
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    nb = execute_notebook(notebook, parameters, None)
    t1 = time.perf_counter()
    html = notebook_to_html(nb, meta)
    t2 = time.perf_counter()
    pdf = html_to_pdf(html, base_url=out_stem.parent)
    t3 = time.perf_counter()
    outputs: dict[Path, bytes | str] = {
        targets["ipynb"]: nbformat.writes(nb),
        targets["html"]: html,
        targets["pdf"]: pdf,
    }
    for ext, data in (extra or {}).items():
        targets[ext] = out_stem.with_name(f"{out_stem.name}.{ext}")
        outputs[targets[ext]] = data
    publish(outputs)
    timings.update(execute=t1 - t0, html=t2 - t1, pdf=t3 - t2, publish=time.perf_counter() - t3)
    last_timings.clear()
    last_timings.update(timings)
    return targets
