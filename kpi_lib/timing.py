"""``make bench``: the batch, the naive loop, the PDF floor and the KPI cube, measured once.

Everything runs on synthetic networks from the demo generator in a temp folder:

1. **batch vs naive** — ``stores`` stores rendered by :func:`kpi_lib.run.batch.run_batch`
   (LocalCluster, warm kernels, network once) against the naive way timed on ``naive``
   stores and scaled: per store the ``papermill`` CLI, then ``jupyter nbconvert --to html``
   CLI, then the ``weasyprint`` CLI, each a separate process;
2. **batch vs PDF floor** — WeasyPrint's own time on the batch's HTML (in one warm process);
   also a warm single report (``python -m kpi_lib report``, warehouse and cache warm, and
   one store in a warm kernel) against one naive iteration;
3. **KPI cube** of ``cube_stores`` stores × 12 months — 100 generated stores replicated
   with new ids inside DuckDB (ingesting 25 M CSV rows is another benchmark) — against a
   per-store pandas filter loop timed on ``loop_sample`` stores and scaled; each in its
   own process, with its peak RSS;
4. cube time for 100 → ``cube_stores`` stores (linearity).

Results go to ``<out_dir>/<date>.json`` and a table of ratios and targets is printed.
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
CUBE_MONTHS = ("2025-11", "2026-10")
TARGETS = {"batch_vs_naive": 0.20, "warm_single_vs_naive": 0.50, "cube_speedup": 20.0,
           "cube_seconds": 30.0, "cube_rss_mb": 2048.0}


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


def _py(code: str, *args: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; it prints one JSON line (its result)."""
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-1500:])
    # the last JSON line (DuckDB may draw a progress bar on stdout too)
    return json.loads(next(ln for ln in reversed(proc.stdout.splitlines())
                           if ln.startswith("{")))


# --------------------------------------------------------------------------- 1 + 2


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


def single_reports(data: Path, out: Path) -> tuple[float, float]:
    """Seconds of one ``kpi_lib report`` CLI run on its own, then via the warm renderer.

    Both with the warehouse and month cache already built. The renderer is started and
    given one report first (as after a user's first ``make report``); the second is timed.
    """
    from .run import warm_renderer as warm

    cmd = [sys.executable, "-m", "kpi_lib", "report", "--month", MONTH, "--data", str(data),
           "--out-dir", str(out), "--store"]
    cold = _run([*cmd, "S001"], env_extra={"KPI_WARM": "0"})
    started_here = warm.status() is None
    if started_here:
        warm.start(wait=60)
    try:
        _run([*cmd, "S002"], env_extra={"KPI_WARM": "1"})
        hot = _run([*cmd, "S003"], env_extra={"KPI_WARM": "1"})
        served = (warm.status() or {}).get("served", 0)
        if served < 2:
            raise RuntimeError("the warm renderer did not serve the timed report")
    finally:
        if started_here:
            warm.stop()
    return cold, hot


def pdf_floor(html_files: list[Path]) -> list[float]:
    """WeasyPrint's own seconds per HTML file, in this (warm) process."""
    from .run.render import html_to_pdf

    html_to_pdf(html_files[0].read_text("utf-8"), base_url=html_files[0].parent)  # warm up
    out = []
    for f in html_files:
        t = time.perf_counter()
        html_to_pdf(f.read_text("utf-8"), base_url=f.parent)
        out.append(time.perf_counter() - t)
    return out


# --------------------------------------------------------------------------- 3 + 4

_REPLICATE = r'''
import sys, duckdb, time, json
src, dst, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect(dst)
con.execute('SET enable_progress_bar = false')
con.execute(f"ATTACH '{src}' AS s (READ_ONLY)")
t = time.perf_counter()
for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name='s'"
                           ).fetchall():
    cols = con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                       "WHERE database_name='s' AND table_name=?", [name]).fetchall()
    names = [c for c, _ in cols]
    if name.startswith("_") or name == "workbook_kpis" or "store_id" not in names:
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM s."{name}"')
        continue
    sel = ", ".join(f'"{c}" || \'_r\' || r AS "{c}"' if c.endswith("_id") and t_ == "VARCHAR"
                    else f'"{c}"' for c, t_ in cols)
    con.execute(f'CREATE TABLE "{name}" AS SELECT {sel} FROM s."{name}", range({k}) t(r)')
con.execute("UPDATE _meta SET value = value || '-x' || $k WHERE key = 'fingerprint'", {"k": k})
n = con.execute("SELECT count(*) FROM visits").fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - t, "visits": n}))
'''

_CUBE = r'''
import sys, json, time, resource
from kpi_lib.metrics.cube import compute_cube
from kpi_lib.ingest.warehouse import _connect_read_only
from pathlib import Path
db, n, first, last = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
con = _connect_read_only(Path(db))
months = [r[0] for r in con.execute("SELECT strftime(d, '%Y-%m') FROM range(DATE '"
          + first + "-01', DATE '" + last + "-01' + INTERVAL 1 MONTH, INTERVAL 1 MONTH) t(d)"
          ).fetchall()]
stores = [r[0] for r in con.execute("SELECT store_id FROM stores ORDER BY store_id LIMIT ?",
                                    [n]).fetchall()]
total = con.execute("SELECT count(*) FROM stores").fetchone()[0]
t = time.perf_counter()
cube = compute_cube(con, months, None if n >= total else stores)
sec = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"stores": len(stores), "months": len(months), "seconds": sec,
                  "rows": len(cube), "peak_rss_mb": rss}))
'''

_LOOP = r'''
import sys, json, time, resource
import pandas as pd
from kpi_lib.ingest.warehouse import _connect_read_only
from pathlib import Path
db, sample, first, last = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
con = _connect_read_only(Path(db))
t = time.perf_counter()
visits = con.execute("SELECT store_id, date, visit_id, test_drive, negotiated, "
                      "lead_captured, first_visit FROM visits").df()
leads = con.execute("SELECT store_id, created FROM leads").df()
orders = con.execute("SELECT store_id, order_date FROM orders").df()
load = time.perf_counter() - t
stores = sorted(visits["store_id"].unique())
lo, hi = pd.Timestamp(first + "-01"), pd.Timestamp(last + "-01") + pd.offsets.MonthEnd(1)
t = time.perf_counter()
out = []
for s in stores[:sample]:
    v = visits[(visits["store_id"] == s) & (visits["date"] >= lo) & (visits["date"] <= hi)]
    le = leads[(leads["store_id"] == s) & (leads["created"] >= lo) & (leads["created"] <= hi)]
    o = orders[(orders["store_id"] == s) & (orders["order_date"] >= lo)
               & (orders["order_date"] <= hi)]
    vm = pd.to_datetime(v["date"]).dt.strftime("%Y-%m")
    g = v.groupby(vm).agg(visits=("visit_id", "size"), test_drives=("test_drive", "sum"),
                          negotiations=("negotiated", "sum"), captured=("lead_captured", "sum"),
                          first=("first_visit", "sum"))
    g["new_leads"] = le.groupby(pd.to_datetime(le["created"]).dt.strftime("%Y-%m")).size()
    g["orders"] = o.groupby(pd.to_datetime(o["order_date"]).dt.strftime("%Y-%m")).size()
    g["test_drive_rate"] = g["test_drives"] / g["visits"]
    g["visit_capture_rate"] = g["captured"] / g["visits"]
    g["negotiation_rate"] = g["negotiations"] / g["visits"]
    g["conversion"] = g["orders"] / g["new_leads"]
    out.append(g.assign(store_id=s))
sec = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"sample": min(sample, len(stores)), "stores": len(stores), "seconds": sec,
                  "load_seconds": load, "per_store": sec / max(1, min(sample, len(stores))),
                  "peak_rss_mb": rss, "metrics": 9}))
'''


def cube_bench(work: Path, cube_stores: int, loop_sample: int, log) -> dict[str, Any]:
    """Parts 3 and 4: generate 100 stores, replicate to ``cube_stores``, time cube & loop."""
    from .demo import generate
    from .ingest.warehouse import open_warehouse

    base_n = min(100, cube_stores)
    src = work / "cube100"
    t = time.perf_counter()
    generate(src, n_stores=base_n, first_month=CUBE_MONTHS[0], last_month=CUBE_MONTHS[1])
    gen = time.perf_counter() - t
    t = time.perf_counter()
    with open_warehouse(src) as wh:
        db = Path(wh.path)
    ingest = time.perf_counter() - t
    log(f"cube: {base_n} stores generated in {gen:.0f} s, ingested in {ingest:.0f} s")
    factor = max(1, -(-cube_stores // base_n))
    big = work / "cube_big.duckdb"
    rep = _py(_REPLICATE, str(db), str(big), str(factor))
    log(f"cube: replicated ×{factor} → {rep['visits']:,} visit rows in {rep['seconds']:.0f} s")
    sizes = sorted({n for n in (100, 250, 500, cube_stores) if n <= cube_stores})
    runs = [_py(_CUBE, str(big), str(n), *CUBE_MONTHS) for n in sizes]
    for r in runs:
        log(f"cube: {r['stores']} stores × {r['months']} months {r['seconds']:.1f} s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB")
    loop = _py(_LOOP, str(big), str(loop_sample), *CUBE_MONTHS)
    loop_total = loop["per_store"] * runs[-1]["stores"]
    log(f"pandas loop: {loop['per_store']:.2f} s a store ({loop['sample']} timed) → "
        f"{loop_total:.0f} s for {runs[-1]['stores']} (+{loop['load_seconds']:.0f} s load)")
    base, top = runs[0], runs[-1]
    return {"generate_seconds": gen, "ingest_seconds": ingest, "replicate": rep,
            "visit_rows": rep["visits"], "runs": runs, "pandas_loop": loop,
            "pandas_loop_seconds_scaled": loop_total,
            "speedup": loop_total / top["seconds"],
            "growth": {"stores_ratio": top["stores"] / base["stores"],
                       "time_ratio": top["seconds"] / base["seconds"]}}


# --------------------------------------------------------------------------- together


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def run_bench(out_dir: Path = paths.REPORTS / "bench", *, stores: int = 100, naive: int = 5,
              cube_stores: int = 1000, loop_sample: int = 25, workers: int | None = None,
              console=None, parts: tuple[str, ...] = ("batch", "cube")) -> dict[str, Any]:
    """Run the benchmark, print the table of ratios and write ``<out_dir>/<date>.json``."""
    from .demo import generate
    from .ingest.warehouse import open_warehouse
    from .run.batch import plan_batch, run_batch

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
            result["batch"] = _batch_part(work, stores, naive, workers, log, plan_batch,
                                          run_batch, generate, open_warehouse)
        if "cube" in parts:
            result["cube"] = cube_bench(work, cube_stores, loop_sample, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["ratios"] = ratios(result)
    result["seconds"] = time.perf_counter() - started
    path = out_dir / f"{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=float), "utf-8")
    if console is not None:
        console.print(ratio_table(result))
        log(f"wrote {path} ({result['seconds']:.0f} s in all)")
    return result


def _batch_part(work, stores, naive, workers, log, plan_batch, run_batch, generate,
                open_warehouse) -> dict[str, Any]:
    data = work / "network"
    generate(data, n_stores=max(stores, 12))
    with open_warehouse(data):
        pass
    # naive: separate processes per step, on the first `naive` stores
    nwork = work / "naive"
    nwork.mkdir()
    naive_runs = []
    for k in range(naive):
        store = f"S{k + 1:03d}"
        naive_runs.append({"store": store, **naive_store(data, store, nwork)})
        log(f"naive {store}: " + ", ".join(f"{s} {v:.1f} s" for s, v in naive_runs[-1].items()
                                           if s != "store"))
    per_naive = sum(r["total"] for r in naive_runs) / len(naive_runs)
    single, warm_single = single_reports(data, work / "single")
    log(f"single `kpi_lib report`: {single:.1f} s in its own process, {warm_single:.1f} s "
        "through the warm renderer")
    # the batch, from parameter checks to index.html, cluster start included
    t = time.perf_counter()
    plan = plan_batch(data, MONTH, "zh", work / "batch", [f"S{k + 1:03d}" for k in range(stores)])
    summary = run_batch(plan, workers=workers, force=True)
    batch_s = time.perf_counter() - t
    rendered = [r for r in summary.stores if r.status == "rendered"]
    log(f"batch: {len(rendered)}/{stores} stores + index in {batch_s:.1f} s "
        f"({summary.workers} workers, {summary.count('failed')} failed)")
    steady = sorted(r.seconds for r in rendered)[: max(1, len(rendered) - summary.workers)]
    htmls = [plan.month_dir / f"{paths.report_stem(r.store, plan.lang)}.html" for r in rendered]
    floor = pdf_floor(htmls[: min(len(htmls), 6)])
    floor_per = sum(floor) / len(floor)
    log(f"PDF engine alone: {floor_per:.2f} s a store")
    return {
        "stores": stores, "workers": summary.workers, "naive": naive_runs,
        "naive_per_store": per_naive, "naive_scaled": per_naive * stores,
        "batch_seconds": batch_s, "batch_per_store": batch_s / stores,
        "failed": summary.count("failed"),
        "store_seconds_warm_mean": sum(steady) / len(steady),
        "store_timings_mean": {k: sum(r.timings.get(k, 0) for r in rendered) / len(rendered)
                               for k in ("execute", "html", "pdf", "publish")},
        "single_cli_seconds": single, "warm_cli_seconds": warm_single,
        "pdf_floor_per_store": floor_per, "pdf_floor_scaled": floor_per * stores,
        "batch_100_estimate": batch_s / stores * 100,
    }


def ratios(result: dict[str, Any]) -> dict[str, float]:
    """The issue's ratios from the measurements."""
    out: dict[str, float] = {}
    b, c = result.get("batch"), result.get("cube")
    if b:
        out["batch_vs_naive"] = _ratio(b["batch_seconds"], b["naive_scaled"])
        out["batch_vs_pdf_floor"] = _ratio(b["batch_seconds"], b["pdf_floor_scaled"])
        out["batch_vs_pdf_floor_parallel"] = _ratio(b["batch_seconds"],
                                                    b["pdf_floor_scaled"] / b["workers"])
        out["warm_single_vs_naive"] = _ratio(b["store_seconds_warm_mean"], b["naive_per_store"])
        out["cli_single_vs_naive"] = _ratio(b["single_cli_seconds"], b["naive_per_store"])
        if "warm_cli_seconds" in b:
            out["warm_cli_vs_naive"] = _ratio(b["warm_cli_seconds"], b["naive_per_store"])
    if c:
        top = c["runs"][-1]
        out["cube_speedup"] = c["speedup"]
        out["cube_seconds"] = top["seconds"]
        out["cube_rss_mb"] = top["peak_rss_mb"]
        out["cube_growth_time_per_store_ratio"] = _ratio(c["growth"]["time_ratio"],
                                                         c["growth"]["stores_ratio"])
    return out


def ratio_table(result: dict[str, Any]):
    """A rich table: measured ratio, target, met or not."""
    from rich.table import Table

    r, b = result["ratios"], result.get("batch") or {}
    table = Table(title="make bench (this machine, one run)")
    for col in ("measure", "value", "target", "met"):
        table.add_column(col)

    def row(name: str, key: str, fmt: str, target: str, ok: bool | None) -> None:
        if key in r:
            table.add_row(name, format(r[key], fmt), target,
                          "—" if ok is None else ("yes" if ok else "NO"))

    n = b.get("stores", "N")
    row(f"batch {n} stores / naive loop", "batch_vs_naive", ".3f", "≤ 0.20",
        r.get("batch_vs_naive", 9) <= 0.20)
    row("one store in a warm batch kernel / naive iteration", "warm_single_vs_naive", ".3f",
        "—", None)
    row("warm `make report` (CLI via the warm renderer) / naive iteration", "warm_cli_vs_naive",
        ".3f", "≤ 0.50", r.get("warm_cli_vs_naive", 9) <= 0.50)
    row("cold `kpi_lib report` CLI (own kernel) / naive iteration", "cli_single_vs_naive",
        ".3f", "—", None)
    row("batch / PDF engine alone (1 process)", "batch_vs_pdf_floor", ".2f", "floor", None)
    row("batch / PDF engine alone (per worker)", "batch_vs_pdf_floor_parallel", ".2f", "floor",
        None)
    row("cube speed-up vs pandas loop", "cube_speedup", ".1f", "≥ 20",
        r.get("cube_speedup", 0) >= 20)
    row("cube seconds (all stores × 12 months)", "cube_seconds", ".1f", "< 30",
        r.get("cube_seconds", 99) < 30)
    row("cube peak RSS MB", "cube_rss_mb", ".0f", "< 2048", r.get("cube_rss_mb", 1e9) < 2048)
    row("cube time/store growth 100→max (1 = linear)", "cube_growth_time_per_store_ratio",
        ".2f", "≈ 1 (≤ 1.2)", r.get("cube_growth_time_per_store_ratio", 9) <= 1.2)
    if b:
        table.add_row("naive s/store", f"{b['naive_per_store']:.1f}", "", "")
        table.add_row("batch s/store (wall)", f"{b['batch_per_store']:.2f}", "", "")
        table.add_row("batch 100 stores (estimate)", f"{b['batch_100_estimate']:.0f} s", "", "")
    return table
