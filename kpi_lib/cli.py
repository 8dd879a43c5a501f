"""Command line: ``python -m kpi_lib demo | kpis | report``.

A user mistake (bad file, bad parameter) prints one plain message and exits non-zero,
without a traceback; a programming error keeps its traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import paths
from .errors import KpiError, RowIssue

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Monthly sales-KPI reports for car dealerships.",
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DataOpt = Annotated[Path, typer.Option(help="data folder (one file per contract table)")]
MonthOpt = Annotated[str, typer.Option(help="month YYYY-MM")]


def _print_issues(issues: list[RowIssue], limit: int | None = None) -> None:
    shown = issues if limit is None else issues[:limit]
    for issue in shown:
        err.print(f"quarantined: {issue}", markup=False)
    if limit is not None and len(issues) > limit:
        err.print(f"… and {len(issues) - limit} more quarantined rows")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="folder to write the tables to")] = paths.DEMO_DATA,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same files)")] = 20261,
    stores: Annotated[int | None, typer.Option(help="number of stores")] = None,
    first_month: Annotated[str, typer.Option(help="first month YYYY-MM")] = "2025-09",
    last_month: Annotated[str, typer.Option(help="last month YYYY-MM")] = "2026-10",
) -> None:
    """Write the deterministic demo data set (all contract tables)."""
    from .demo import generate

    started = time.perf_counter()
    counts = generate(out, seed=seed, first_month=first_month, last_month=last_month,
                      n_stores=stores)
    rows = ", ".join(f"{table} {n:,}" for table, n in counts.items())
    err.print(f"demo data in {out} ({time.perf_counter() - started:.1f} s): {rows}")


@app.command()
def kpis(
    data: DataOpt,
    month: MonthOpt,
    out: Annotated[Path, typer.Option(help="CSV file to write")],
    strict: Annotated[bool, typer.Option(help="fail when any row is quarantined")] = False,
) -> None:
    """Write the month's KPI cube for every store as a tidy CSV."""
    from .kpis_export import export_kpis
    from .run_params import check_data_dir, check_month_format

    check_month_format(month)
    issues = export_kpis(check_data_dir(data), month, out, strict=strict)
    _print_issues(issues)


@app.command()
def report(
    store: Annotated[str, typer.Option(help="store id, e.g. S001")],
    month: MonthOpt,
    lang: Annotated[str, typer.Option(help="report language: zh or en")] = "zh",
    data: DataOpt = paths.DEMO_DATA,
    out_dir: Annotated[Path, typer.Option(help="reports folder")] = paths.REPORTS,
) -> None:
    """Render one store's monthly report: HTML, PDF and the executed notebook."""
    from .store_report import render_store_report

    started = time.perf_counter()
    outputs = render_store_report(store, month, lang, data, out_dir)
    for path in outputs.values():
        err.print(f"wrote {path}")
    err.print(f"done in {time.perf_counter() - started:.1f} s")


@app.command()
def diagnose(
    data: DataOpt,
    month: MonthOpt,
    store: Annotated[str | None, typer.Option(help="store id (default: every store)")] = None,
    lang: Annotated[str, typer.Option(help="language: zh or en")] = "zh",
    format: Annotated[str, typer.Option(help="output: table or json")] = "table",
) -> None:
    """Print the month's funnel diagnosis: findings sorted by their effect on orders."""
    from .diagnosis import findings_json, findings_table, run_diagnosis
    from .errors import ParameterError

    if format not in ("table", "json"):
        raise ParameterError(f"format {format!r} is not available; use table or json")
    findings = run_diagnosis(data, month, store, lang)
    if format == "json":
        print(findings_json(findings))
    else:
        out = Console(highlight=False)
        out.width = max(out.width, 150)  # a pipe reports 80 columns: too narrow for evidence
        out.print(findings_table(findings, lang))


@app.command()
def reports(
    month: MonthOpt,
    lang: Annotated[str, typer.Option(help="report language: zh or en")] = "zh",
    data: DataOpt = paths.DEMO_DATA,
    out_dir: Annotated[Path, typer.Option(help="reports folder")] = paths.REPORTS,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address tcp://host:port (default: a LocalCluster); "
             "'sync' runs in this process")] = None,
    workers: Annotated[int | None, typer.Option(
        help="LocalCluster worker processes (default: CPU count)")] = None,
    force: Annotated[bool, typer.Option(help="re-render unchanged stores too")] = False,
    store: Annotated[list[str] | None, typer.Option(
        help="only these stores (repeatable; default: every store)")] = None,
) -> None:
    """Render every store's report in parallel on Dask, then the network overview."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    from .batch import plan_batch, run_batch

    started = time.perf_counter()
    plan = plan_batch(data, month, lang, out_dir, store)
    err.print(f"{len(plan.stores)} stores, month {month}: network computed once "
              f"({time.perf_counter() - started:.1f} s)")
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[last]}"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=False) as progress:
        task = progress.add_task("stores", total=len(plan.stores), last="")

        def tick(result) -> None:
            progress.update(task, advance=1, last=f"{result.store} {result.status}")

        summary = run_batch(plan, scheduler=scheduler, workers=workers, force=force,
                            on_result=tick)
    table = Table(title=f"reports/{month}: {summary.seconds:.1f} s, {summary.workers} workers")
    for col in ("rendered", "unchanged", "failed"):
        table.add_column(col, justify="right")
    table.add_row(*(str(summary.count(c)) for c in ("rendered", "unchanged", "failed")))
    err.print(table)
    for r in summary.failed:
        err.print(f"failed {r.store}: {r.reason}", style="red", markup=False)
    if summary.index and summary.index.status == "rendered":
        err.print(f"wrote {plan.month_dir / 'index.html'}")
    if summary.failed:
        raise typer.Exit(code=3)


@app.command()
def bench(
    out_dir: Annotated[Path, typer.Option(help="where the JSON result goes")] = (
        paths.REPORTS / "bench"),
    stores: Annotated[int, typer.Option(help="stores in the timed batch")] = 32,
    naive: Annotated[int, typer.Option(help="stores rendered the naive way")] = 5,
    cube_stores: Annotated[int, typer.Option(help="stores of the big KPI cube")] = 1000,
    loop_sample: Annotated[int, typer.Option(
        help="stores timed in the pandas loop (scaled to all)")] = 25,
    workers: Annotated[int | None, typer.Option(help="Dask workers")] = None,
) -> None:
    """Measure the batch, the naive loop, the PDF floor and the KPI cube; write JSON."""
    from .bench import run_bench

    run_bench(out_dir, stores=stores, naive=naive, cube_stores=cube_stores,
              loop_sample=loop_sample, workers=workers, console=err)


def main() -> None:
    """Entry point: run the app, turning KpiErrors into a message and an exit code."""
    try:
        app()
    except KpiError as exc:
        err.print(f"error: {exc}", style="bold red", markup=False)
        sys.exit(exc.exit_code)
