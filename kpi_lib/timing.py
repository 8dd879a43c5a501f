"""``make bench``: issue 19's ratios, each from one run on this machine, with yes/no.

Everything runs on networks from the demo generator in a temp folder: one of the demo's
size (12 stores: S001–S012 are the demo's archetypes) and one of ``stores`` stores; a
store's report reads the whole network, so each network has its own naive loop.

1. **naive loop** — per store the ``papermill`` CLI, then ``jupyter nbconvert --to html``
   CLI, then the ``weasyprint`` CLI, each a separate process, timed on ``naive`` stores;
2. **batch** — :func:`kpi_lib.run.batch.run_batch` (LocalCluster, warm kernels, network
   once, cluster start to index.html) of every store of the network, per store against
   the naive loop;
3. **single report, flash and plan** (demo-sized network) — a ``kpi_lib report`` CLI in its
   own kernel, and a second one through the warm renderer (as a user's second ``make
   report``); the same for ``kpi_lib flash`` (a further store of the day) and ``kpi_lib
   plan``, against the naive loop of a monthly report;
4. **what remains per store** — the batch workers' steps (execute, html, pdf, publish) and
   the kernel's seconds per report section (:mod:`kpi_lib.run.report_profile`);
5. **the look** — PDF size, fonts embedded and searchable, same pages as WeasyPrint;
6. **KPI cube** (:mod:`kpi_lib.timing_cube`): ``cube_stores`` stores × 12 months against a
   pandas loop; its time for 100 → ``cube_stores`` stores (linearity) and peak RSS.

Results go to ``<out_dir>/<date>.json``; the table of ratios, targets and yes/no and the
per-store profile are printed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import paths

MONTH = "2026-10"
FLASH_DAY = "2026-10-15"
PLAN_MONTH = "2026-11"
DEMO_STORES = 12
TARGETS = {"batch_vs_naive": 0.15, "warm_cli_vs_naive": 0.25, "flash_vs_naive": 0.10,
           "plan_vs_naive": 0.10, "pdf_mb": 1.5, "cube_speedup": 20.0, "cube_seconds": 30.0,
           "cube_rss_mb": 2048.0, "cube_growth": 1.2}


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _run(cmd: list[str], env_extra: dict[str, str] | None = None, **kw: Any) -> float:
    """Run a command (no shell); return its wall time; raise with its stderr on failure."""
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **(env_extra or {})}
    env.pop("CI", None)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} … failed: {proc.stderr[-800:]}")
    return time.perf_counter() - t


def naive_store(data: Path, store: str, work: Path) -> dict[str, float]:
    """One store the naive way: papermill CLI → nbconvert CLI → weasyprint CLI."""
    nb = work / f"{store}.ipynb"
    t = {"papermill": _run([_bin("papermill"), str(paths.NOTEBOOKS / "store_report.ipynb"),
                            str(nb), "-k", "kpi-report", "-p", "store", store, "-p", "month",
                            MONTH, "-p", "lang", "zh", "-p", "data", str(data), "--cwd",
                            str(paths.NOTEBOOKS), "--no-progress-bar"])}
    t["nbconvert"] = _run([_bin("jupyter"), "nbconvert", "--to", "html", "--no-input",
                           str(nb), "--output-dir", str(work)])
    t["pdf"] = _run([_bin("weasyprint"), str(work / f"{store}.html"), str(work / f"{store}.pdf")])
    t["total"] = sum(t.values())
    return t


def _warm_pair(cmd: list[str], stores: tuple[str, str, str]) -> tuple[float, float]:
    """Seconds of ``cmd + [store]`` on its own (``KPI_WARM=0``), then via the warm renderer.

    The renderer is started and given one request first (as after a user's first run);
    the next is timed, and must have been served by it.
    """
    from .run import warm_renderer as warm

    cold = _run([*cmd, stores[0]], env_extra={"KPI_WARM": "0"})
    started_here = warm.status() is None
    if started_here:
        warm.start(wait=60)
    try:
        _run([*cmd, stores[1]], env_extra={"KPI_WARM": "1"})
        before = (warm.status() or {}).get("served", 0)
        hot = _run([*cmd, stores[2]], env_extra={"KPI_WARM": "1"})
        if (warm.status() or {}).get("served", 0) <= before:
            raise RuntimeError(f"the warm renderer did not serve `{' '.join(cmd[2:4])}`")
    finally:
        if started_here:
            warm.stop()
    return cold, hot


def single_runs(data: Path, out: Path) -> dict[str, float]:
    """A report cold and warm; a flash and a plan cold and warm
    (:func:`kpi_lib.run.warm_ops.bench_commands`), in seconds."""
    from .run.warm_ops import bench_commands

    report = [sys.executable, "-m", "kpi_lib", "report", "--month", MONTH, "--data", str(data),
              "--out-dir", str(out), "--store"]
    cold, warm = _warm_pair(report, ("S001", "S002", "S003"))
    return {"report_cold": cold, "report_warm": warm,
            **bench_commands(data, out, day=FLASH_DAY, month=PLAN_MONTH)}


def batch_run(data: Path, out: Path, n: int, workers: int | None, log) -> dict[str, Any]:
    """The first ``n`` stores rendered by the batch, from parameter checks to index.html."""
    from .run.batch import plan_batch, run_batch

    t = time.perf_counter()
    plan = plan_batch(data, MONTH, "zh", out, [f"S{k + 1:03d}" for k in range(n)])
    summary = run_batch(plan, workers=workers, force=True)
    seconds = time.perf_counter() - t
    rendered = [r for r in summary.stores if r.status == "rendered"]
    log(f"batch: {len(rendered)}/{n} stores + index in {seconds:.1f} s "
        f"({summary.workers} workers, {summary.count('failed')} failed)")
    stems = [plan.month_dir / paths.report_stem(r.store, plan.lang) for r in rendered]
    return {"stores": n, "seconds": seconds, "per_store": seconds / n,
            "workers": summary.workers, "failed": summary.count("failed"),
            "store_seconds_mean": sum(r.seconds for r in rendered) / max(1, len(rendered)),
            "steps_mean": {k: sum(r.timings.get(k, 0) for r in rendered) / max(1, len(rendered))
                           for k in ("execute", "html", "pdf", "publish")},
            "stems": [str(s) for s in stems]}


# --------------------------------------------------------------------------- together


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def run_bench(out_dir: Path = paths.REPORTS / "bench", *, stores: int = 100, naive: int = 5,
              cube_stores: int = 1000, loop_sample: int = 25, workers: int | None = None,
              console=None, parts: tuple[str, ...] = ("batch", "cube")) -> dict[str, Any]:
    """Run the benchmark, print the tables and write ``<out_dir>/<date>.json``."""
    from .timing_cube import cube_bench

    def log(msg: str) -> None:
        if console is not None:
            console.print(msg, markup=False)

    started = time.perf_counter()
    result: dict[str, Any] = {"date": dt.datetime.now().isoformat(timespec="seconds"),
                              "cpus": os.cpu_count(), "targets": TARGETS, "month": MONTH}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    try:
        if "batch" in parts:
            result["batch"] = _report_part(work, stores, naive, workers, log)
        if "cube" in parts:
            result["cube"] = cube_bench(work, cube_stores, loop_sample, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["ratios"] = ratios(result)
    result["seconds"] = time.perf_counter() - started
    path = out_dir / f"{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=float), "utf-8")
    if console is not None:
        from .timing_table import profile_table, ratio_table

        console.print(ratio_table(result))
        if "batch" in result:
            console.print(profile_table(result["batch"]))
        log(f"wrote {path} ({result['seconds']:.0f} s in all)")
    return result


def _report_part(work: Path, stores: int, naive: int, workers: int | None, log
                 ) -> dict[str, Any]:
    """Per network size (the demo's 12 stores, and ``stores``): a generated network, the
    naive loop on ``naive`` of its stores, the batch of all of them; on the demo-sized one
    also the single report, flash and plan. The profile and the look: the largest batch."""
    from .demo import generate
    from .ingest.warehouse import open_warehouse
    from .run.report_profile import pdf_look, section_seconds

    networks = []
    for n in sorted({DEMO_STORES, stores}):
        data = work / f"network{n}"
        generate(data, n_stores=n)
        with open_warehouse(data):
            pass
        (work / f"naive{n}").mkdir()
        runs = []
        for k in range(min(naive, n)):
            store = f"S{k + 1:03d}"
            runs.append({"store": store, **naive_store(data, store, work / f"naive{n}")})
            log(f"{n} stores, naive {store}: " + ", ".join(
                f"{s} {v:.1f} s" for s, v in runs[-1].items() if s != "store"))
        net: dict[str, Any] = {"stores": n, "naive": runs,
                               "naive_per_store": sum(r["total"] for r in runs) / len(runs)}
        if n == DEMO_STORES:
            net["single"] = single_runs(data, work / f"single{n}")
            log("single runs: " + ", ".join(f"{k} {v:.1f} s" for k, v in net["single"].items()))
        net["batch"] = batch_run(data, work / f"batch{n}", n, workers, log)
        networks.append(net)
    stems = [Path(s) for s in networks[-1]["batch"]["stems"]]
    for net in networks:
        net["batch"].pop("stems")
    return {"networks": networks,
            "sections": section_seconds([s.with_suffix(".ipynb") for s in stems]),
            "look": pdf_look([s.with_suffix(".pdf") for s in stems])}


def ratios(result: dict[str, Any]) -> dict[str, float]:
    """The issue's ratios from the measurements."""
    out: dict[str, float] = {}
    b, c = result.get("batch"), result.get("cube")
    if b:
        for net in b["networks"]:
            naive, run = net["naive_per_store"], net["batch"]
            out[f"batch_{net['stores']}_vs_naive"] = _ratio(run["per_store"], naive)
            out[f"store_in_worker_{net['stores']}_vs_naive"] = _ratio(
                run["store_seconds_mean"], naive)
            single = net.get("single")
            if single:
                out["warm_cli_vs_naive"] = _ratio(single["report_warm"], naive)
                out["cold_cli_vs_naive"] = _ratio(single["report_cold"], naive)
                out["flash_vs_naive"] = _ratio(single["flash_warm"], naive)
                out["flash_cold_vs_naive"] = _ratio(single["flash_cold"], naive)
                out["plan_vs_naive"] = _ratio(single["plan_warm"], naive)
                out["plan_cold_vs_naive"] = _ratio(single["plan_cold"], naive)
        out["pdf_mb"] = b["look"]["max_mb"]
    if c:
        top = c["runs"][-1]
        out["cube_speedup"] = c["speedup"]
        out["cube_seconds"] = top["seconds"]
        out["cube_rss_mb"] = top["peak_rss_mb"]
        out["cube_growth"] = _ratio(c["growth"]["time_ratio"], c["growth"]["stores_ratio"])
    return out
