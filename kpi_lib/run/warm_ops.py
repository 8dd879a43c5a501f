"""The flash and the plan served by the warm renderer (:mod:`kpi_lib.run.warm_renderer`).

``kpi_lib flash`` and ``kpi_lib plan`` hand their parameters to the running renderer the
way ``kpi_lib report`` does (same socket, heartbeats, fallback and code check; the
renderer checks the parameters with the functions of a local run, so a mistake reads
the same). :func:`flash` and :func:`plan` are the client side: ``None`` means "do it here".

Served, a flash runs in the renderer's first warm kernel; the day's cut of the data and
the network's funnel rates stay in that kernel for the next store's flash of the same day
(:func:`kpi_lib.analysis.flash_cut.shared_cut`). A plan is computed in the renderer's own
process (no kernel; the modules are imported while it warms up, the network's frames are
remembered by :mod:`kpi_lib.metrics.network_cache`), and the table is drawn there at the
client's width and colours (:func:`kpi_lib.run.plan_run.plan_output`), so the client
imports neither pandas nor scipy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import warm_renderer as warm


def flash(stores: list[str] | None, day: str, lang: str, data: Path, out_dir: Path
          ) -> tuple[dict[str, dict[str, Path] | str], float] | None:
    """:func:`kpi_lib.run.flash_reports.render_flashes` in the running renderer: store →
    paths or the reason it failed, and the renderer's seconds (``None``: render here)."""
    reply = warm.served({"op": "flash", "stores": stores, "date": day, "lang": lang,
                         "data": warm.data_arg(data), "out_dir": str(Path(out_dir).resolve())})
    if reply is None:
        return None
    results = {store: got if isinstance(got, str) else {k: Path(v) for k, v in got.items()}
               for store, got in reply["results"].items()}
    return results, float(reply.get("seconds", 0))


def plan(data: Path, month: str, store: str | None, lang: str, format: str,
         console: Any) -> str | None:
    """What ``kpi_lib plan`` prints, computed by the running renderer for ``console`` (its
    width and colours); ``None``: compute it here."""
    reply = warm.served({"op": "plan", "data": warm.data_arg(data), "month": month,
                         "store": store, "lang": lang, "format": format,
                         "console": console_options(console)})
    return None if reply is None else str(reply["text"])


def console_options(console: Any) -> dict[str, Any]:
    """What decides how a rich table is drawn on ``console``."""
    return {"width": console.width, "terminal": console.is_terminal,
            "color_system": console.color_system, "no_color": console.no_color}


# --------------------------------------------------------------------------- server


class _FirstKernel:
    """The first kernel of the renderer's :class:`~kpi_lib.run.two_kernels.KernelPair`,
    driven from its own thread (a flash is short: it does not split over two kernels)."""

    def __init__(self, pair: Any) -> None:
        self.pair = pair

    def execute(self, notebook: Path, parameters: dict[str, Any], epilogue: str | None = None):
        return self.pair.threads[0].submit(self.pair.kernels[0].execute, notebook, parameters,
                                           epilogue).result()


def serve_flash(m: dict[str, Any], kernel: Any) -> dict[str, Any]:
    """The renderer's side of :func:`flash`."""
    from .flash_reports import render_flashes

    first = _FirstKernel(kernel) if hasattr(kernel, "kernels") else kernel
    stores = None if m.get("stores") is None else [str(s) for s in m["stores"]]
    results = render_flashes(stores, str(m["date"]), str(m["lang"]), Path(m["data"]),
                             Path(m["out_dir"]), kernel=first)
    return {"results": {store: got if isinstance(got, str) else
                        {k: str(v) for k, v in got.items()} for store, got in results.items()}}


def serve_plan(m: dict[str, Any], kernel: Any = None) -> dict[str, Any]:
    """The renderer's side of :func:`plan`."""
    from .plan_run import plan_output, run_plan

    store = None if m.get("store") is None else str(m["store"])
    plans = run_plan(Path(m["data"]), str(m["month"]), store, str(m["lang"]))
    return {"text": plan_output(plans, str(m["lang"]), str(m["format"]), **m["console"])}


# --------------------------------------------------------------------------- bench


def bench_commands(data: Path, out_dir: Path, store: str = "S001", day: str = "2026-10-15",
                   month: str = "2026-11") -> dict[str, float]:
    """Wall seconds of the user's commands, each a fresh ``python -m kpi_lib`` process
    (for :mod:`kpi_lib.timing`): ``flash_cold`` and ``plan_cold`` without a renderer
    (``KPI_WARM=0``); then, with a renderer of a private socket folder warmed up,
    ``flash_warm_first`` (another store: the kernel's first flash, which makes the day's
    cut), ``flash_warm`` (``store``) and ``plan_warm``. The renderer is stopped afterwards."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    import time

    runtime = tempfile.mkdtemp(prefix="kpi-rt-")  # short: a socket path has 107 bytes
    env = {**os.environ, "XDG_RUNTIME_DIR": runtime, "KPI_WARM": "1"}
    env.pop("CI", None)
    flash = ["flash", "--store", store, "--date", day, "--data", str(data), "--out-dir",
             str(out_dir)]
    plan_args = ["plan", "--data", str(data), "--month", month, "--store", store]

    def run(args: list[str], **extra: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kpi_lib", *args], env={**env, **extra},
                       check=True, capture_output=True)
        return time.perf_counter() - started

    out = {"flash_cold": run(flash, KPI_WARM="0"), "plan_cold": run(plan_args, KPI_WARM="0")}
    try:
        run(["warm", "start"])  # returns when it answers, its kernels may still warm up
        run(plan_args)  # untimed: served once the warm-up is over
        other = "S002" if store != "S002" else "S001"
        out["flash_warm_first"] = run([*flash[:2], other, *flash[3:]])
        out["flash_warm"] = run(flash)
        out["plan_warm"] = run(plan_args)
    finally:
        run(["warm", "stop"])
        shutil.rmtree(runtime, ignore_errors=True)
    return out
