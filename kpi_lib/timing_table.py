"""The tables ``make bench`` prints: each ratio against its goal, and what a store costs."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table


def _met(value: float | None, goal: float, below: bool = True) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return "yes" if (value <= goal if below else value >= goal) else "NO"


def ratio_table(result: dict[str, Any]) -> Table:
    """Measured value, goal, met (yes/NO) for every goal of issue 19; info rows have none.
    The single report, flash and plan are timed on the demo-sized network, against its own
    naive loop."""
    r, t, b = result["ratios"], result["targets"], result.get("batch") or {}
    table = Table(title="make bench (this machine, one run; ratios of wall times)")
    for col in ("measure", "value", "goal", "met"):
        table.add_column(col)

    def row(name: str, key: str, fmt: str, goal: str = "", target: float | None = None,
            below: bool = True) -> None:
        if key in r:
            met = "" if target is None else _met(r[key], target, below)
            table.add_row(name, format(r[key], fmt), goal, met)

    nets = b.get("networks", [])
    for net in nets:
        run = net["batch"]
        row(f"batch of a {net['stores']}-store network / its naive loop ({run['workers']} "
            "workers)", f"batch_{net['stores']}_vs_naive", ".3f", f"≤ {t['batch_vs_naive']}",
            t["batch_vs_naive"])
    row("warm `make report` (2nd, via the warm renderer) / naive iteration",
        "warm_cli_vs_naive", ".3f", f"≤ {t['warm_cli_vs_naive']}", t["warm_cli_vs_naive"])
    row("warm `make flash` (2nd, via the warm renderer) / naive monthly report",
        "flash_vs_naive", ".3f", f"≤ {t['flash_vs_naive']}", t["flash_vs_naive"])
    row("warm `make plan` (via the warm renderer) / naive monthly report", "plan_vs_naive", ".3f",
        f"≤ {t['plan_vs_naive']}", t["plan_vs_naive"])
    row("largest PDF, MB", "pdf_mb", ".2f", f"≤ {t['pdf_mb']}", t["pdf_mb"])
    look = b.get("look")
    if look:
        n, ok = len(look["checked"]), look.get("fonts_ok")
        table.add_row(f"fonts embedded and searchable, pdffonts ({look['engine']})",
                      f"{n} PDFs", "all", "—" if ok is None else ("yes" if ok else "NO"))
        apart = look.get("pages_apart_max")
        if apart is not None:
            table.add_row("page count against WeasyPrint printing the same HTML",
                          f"{look['same_page_count']}/{n} equal, max {apart} apart",
                          "±1 (breaks move a few rows)", "yes" if apart <= 1 else "NO")
    row("cube speed-up vs pandas loop", "cube_speedup", ".1f", f"≥ {t['cube_speedup']:.0f}",
        t["cube_speedup"], below=False)
    row("cube seconds (all stores × 12 months)", "cube_seconds", ".1f",
        f"< {t['cube_seconds']:.0f}", t["cube_seconds"])
    row("cube peak RSS MB", "cube_rss_mb", ".0f", f"< {t['cube_rss_mb']:.0f}", t["cube_rss_mb"])
    row("cube time/store growth 100→max (1 = linear)", "cube_growth", ".2f",
        f"≤ {t['cube_growth']}", t["cube_growth"])
    for net in nets:
        row(f"one store in a batch worker / naive iteration ({net['stores']} stores)",
            f"store_in_worker_{net['stores']}_vs_naive", ".3f")
    row("cold `make report` (own kernel) / naive iteration", "cold_cli_vs_naive", ".3f")
    row("cold `make flash` (own kernel) / naive monthly report", "flash_cold_vs_naive", ".3f")
    row("cold `make plan` (fresh process) / naive monthly report", "plan_cold_vs_naive", ".3f")
    for net in nets:
        table.add_row(f"naive loop, s a store of the {net['stores']}-store network "
                      "(papermill + nbconvert + weasyprint CLIs)",
                      f"{net['naive_per_store']:.1f}", "", "")
    return table


def profile_table(batch: dict[str, Any], top: int = 12) -> Table:
    """Seconds a store costs in the largest batch: its steps, then the kernel by section."""
    run = batch["networks"][-1]["batch"]
    table = Table(title=f"per store in the batch of {run['stores']} (mean seconds; the "
                        "kernel's sections run on two kernels at once, so they add up to more "
                        "than 'execute')")
    table.add_column("part")
    table.add_column("seconds", justify="right")
    table.add_row("wall time of the batch / stores", f"{run['per_store']:.2f}")
    table.add_row("a store in its worker", f"{run['store_seconds_mean']:.2f}")
    for step, seconds in run["steps_mean"].items():
        table.add_row(f"  {step}", f"{seconds:.2f}")
    for section, seconds in list(batch["sections"].items())[:top]:
        table.add_row(f"    kernel: {section}", f"{seconds:.2f}")
    for c in batch["look"]["checked"][:1]:
        table.add_row(f"  (WeasyPrint on {c['store']}'s HTML, for comparison)",
                      f"{c['weasyprint_seconds']:.2f}")
    return table
