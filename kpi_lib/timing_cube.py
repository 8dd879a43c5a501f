"""``make bench`` parts 3 and 4: the KPI cube of many stores against a pandas loop.

100 generated stores are replicated with new ids inside DuckDB to ``cube_stores`` (ingesting
25 M CSV rows is another benchmark); the cube of 12 months is timed for 100, 250, 500 and
all stores (linearity), each in its own process with its peak RSS, against a per-store
pandas filter loop timed on ``loop_sample`` stores and scaled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CUBE_MONTHS = ("2025-11", "2026-10")


def peak_rss_mb() -> float:
    """This process's own peak resident memory, MB (``VmHWM``, which starts afresh at exec;
    ``ru_maxrss`` does not on Linux: a child of a 2 GB bench process reported 2 GB before
    doing anything)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource  # not Linux: the best there is

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
import sys, json, time
from kpi_lib.timing_cube import peak_rss_mb
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
rss = peak_rss_mb()
print(json.dumps({"stores": len(stores), "months": len(months), "seconds": sec,
                  "rows": len(cube), "peak_rss_mb": rss}))
'''

_LOOP = r'''
import sys, json, time
from kpi_lib.timing_cube import peak_rss_mb
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
rss = peak_rss_mb()
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
