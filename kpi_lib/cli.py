"""Command line: ``python -m kpi_lib demo | kpis | report``.

A user mistake (bad file, bad parameter) prints one plain message and exits non-zero,
without a traceback; a programming error keeps its traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from . import paths
from .errors import KpiError, RowIssue

err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)  # cells as typed


def _fail(exc: KpiError) -> typer.Exit:
    """Print ``exc`` as one plain line on stderr; the exit that carries its code."""
    err.print(f"error: {exc}", style="bold red", markup=False)
    return typer.Exit(code=exc.exit_code)


class _KpiGroup(TyperGroup):
    """The command group: a KpiError in any command becomes a message and an exit code.

    Done here rather than only in :func:`main`, so that every way of running the app
    (``python -m kpi_lib``, ``typer.testing.CliRunner``) behaves the same.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KpiError as exc:
            raise _fail(exc) from None


app = typer.Typer(
    cls=_KpiGroup,
    add_completion=False,
    no_args_is_help=True,
    help="Monthly sales-KPI reports for car dealerships.",
    pretty_exceptions_enable=False,
)

DataOpt = Annotated[Path, typer.Option(help="data folder (one file per contract table)")]
MonthOpt = Annotated[str, typer.Option(
    help="month YYYY-MM, or a period: YYYY-Qn, YYYY, YYYY-MM..YYYY-MM")]
LangOpt = Annotated[str, typer.Option(help="report language: zh or en")]
OutDirOpt = Annotated[Path, typer.Option(help="reports folder")]


def _print_issues(issues: list[RowIssue], limit: int | None = None) -> None:
    """One line per quarantined row (``quarantined: …``) or file not read (``ignored: …``)."""
    shown = issues if limit is None else issues[:limit]
    for issue in shown:
        err.print(f"{issue.kind}: {issue}", markup=False)
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
    from .ingest.inputs import check_data_dir
    from .metrics.periods import check_period_format
    from .run.kpis_export import export_kpis

    check_period_format(month)
    issues = export_kpis(check_data_dir(data), month, out, strict=strict)
    _print_issues(issues)


@app.command()
def report(
    store: Annotated[str, typer.Option(help="store id, e.g. S001")],
    month: MonthOpt,
    lang: LangOpt = "zh",
    data: DataOpt = paths.DEMO_DATA,
    out_dir: OutDirOpt = paths.REPORTS,
) -> None:
    """Render one store's monthly report: HTML, PDF, xlsx and the executed notebook.

    Runs in the warm renderer when one is up (see ``kpi_lib warm``), else here; then starts
    one in the background for the next reports (not under CI; ``KPI_WARM=0`` switches the
    renderer off).
    """
    import contextlib

    from .run import warm_renderer as warm
    from .run.cleanup import remove_leftovers

    started = time.perf_counter()
    with contextlib.suppress(OSError):
        remove_leftovers()  # what killed runs left in the temp folder
    served = warm.render(store, month, lang, data, out_dir) if warm.enabled() else None
    if warm.fallback_reason:
        err.print(warm.fallback_reason, markup=False)
    if served is None:
        from .run.store_reports import render_store_report

        outputs = render_store_report(store, month, lang, data, out_dir)
    else:
        outputs = served[0]
    for path in outputs.values():
        err.print(f"wrote {path}")
    how = "by the warm renderer" if served else "here"
    err.print(f"done in {time.perf_counter() - started:.1f} s ({how})")
    if served is None and (note := warm.start_for_next()):
        err.print(note)


@app.command(name="warm")
def warm_command(
    action: Annotated[str, typer.Argument(help="start, stop or status")] = "status",
) -> None:
    """The warm renderer that keeps a kernel loaded between `report` runs."""
    from .run import warm_renderer as warm

    hung = ("warm renderer pid {pid} does not answer (stopped or hung): reports render "
            "here meanwhile; `python -m kpi_lib warm stop` ends it")
    if action == "start":
        state = warm.status()
        pid = warm.start(wait=30) if state is None else None
        if state is None and pid is None:
            err.print("cannot start the warm renderer: no folder private to this user for "
                      "its socket (set XDG_RUNTIME_DIR)")
        elif state is None:
            err.print(f"started the warm renderer (pid {pid})")
        elif state.get("status") == "hung":
            err.print(hung.format(pid=state.get("pid") or "?"), markup=False)
        else:
            err.print(f"the warm renderer already runs (pid {state['pid']})")
    elif action == "stop":
        err.print("stopped the warm renderer" if warm.stop() else "no warm renderer runs")
    elif action == "status":
        state = warm.status()
        if state is not None and state.get("status") == "hung":
            err.print(hung.format(pid=state.get("pid") or "?"), markup=False)
            raise typer.Exit(code=1)
        err.print("no warm renderer runs" if state is None else
                  f"warm renderer pid {state['pid']}: {state['served']} reports served, "
                  f"idle {state['idle']:.0f} s")
    else:
        raise typer.BadParameter(f"{action!r}: use start, stop or status")


def _check_format(format: str) -> None:
    """The ``--format`` of the diagnose and plan commands: table or json."""
    from .errors import ParameterError

    if format not in ("table", "json"):
        raise ParameterError(f"format {format!r} is not available; use table or json")


@app.command()
def diagnose(
    data: DataOpt,
    month: MonthOpt,
    store: Annotated[str | None, typer.Option(help="store id (default: every store)")] = None,
    lang: Annotated[str, typer.Option(help="language: zh or en")] = "zh",
    format: Annotated[str, typer.Option(help="output: table or json")] = "table",
) -> None:
    """Print the month's funnel diagnosis: findings sorted by their effect on orders."""
    from .analysis.diagnosis import findings_json, findings_table
    from .run.diagnose_run import run_history

    _check_format(format)
    findings, history = run_history(data, month, store, lang)  # + new/persisting/resolved
    if format == "json":
        print(findings_json(findings, history))
    else:
        out = Console(highlight=False)
        out.width = max(out.width, 150)  # a pipe reports 80 columns: too narrow for evidence
        out.print(findings_table(findings, lang, history))


@app.command()
def plan(
    data: DataOpt,
    month: Annotated[str, typer.Option(help="month to plan YYYY-MM (up to the month after "
                                            "the data)")],
    store: Annotated[str | None, typer.Option(help="store id (default: every store)")] = None,
    lang: Annotated[str, typer.Option(help="language: zh or en")] = "zh",
    format: Annotated[str, typer.Option(help="output: table or json")] = "table",
) -> None:
    """Recommend the month's delivery and order targets and the path to reach them.

    Computed by the warm renderer when one is up (see ``kpi_lib warm``), else here; then
    starts one in the background, as ``report`` does."""
    from .run import warm_ops
    from .run import warm_renderer as warm

    _check_format(format)
    out = Console(highlight=False)
    out.width = max(out.width, 150)  # a pipe reports 80 columns: too narrow for the methods
    served = (warm_ops.plan(data, month, store, lang, format, out) if warm.enabled()
              else None)
    if warm.fallback_reason:
        err.print(warm.fallback_reason, markup=False)
    if served is not None:
        sys.stdout.write(served)
        return
    from .analysis.plan import plan_json, plan_table
    from .run.plan_run import run_plan

    plans = run_plan(data, month, store, lang)
    if format == "json":
        print(plan_json(plans))
    else:
        out.print(plan_table(plans, lang))
    if note := warm.start_for_next():
        err.print(note)


@app.command()
def region(
    region: Annotated[str, typer.Option(help="region as in the stores table, e.g. 华东")],
    month: MonthOpt,
    lang: LangOpt = "zh",
    data: DataOpt = paths.DEMO_DATA,
    out_dir: OutDirOpt = paths.REPORTS,
) -> None:
    """Render a region's report: reports/<month>/region-<region>[.en].html, .pdf, .ipynb."""
    _render_region(region, month, lang, data, out_dir)


@app.command()
def network(
    month: MonthOpt,
    lang: LangOpt = "zh",
    data: DataOpt = paths.DEMO_DATA,
    out_dir: OutDirOpt = paths.REPORTS,
) -> None:
    """Render the network's report: reports/<month>/network[.en].html, .pdf, .ipynb."""
    _render_region(None, month, lang, data, out_dir)


def _render_region(region: str | None, month: str, lang: str, data: Path,
                   out_dir: Path) -> None:
    from .run.region_reports import render_region_report

    started = time.perf_counter()
    for path in render_region_report(region, month, lang, data, out_dir).values():
        err.print(f"wrote {path}")
    err.print(f"done in {time.perf_counter() - started:.1f} s")


@app.command()
def send(
    month: MonthOpt,
    store: Annotated[str | None, typer.Option(help="only this store's recipients")] = None,
    region: Annotated[str | None, typer.Option(
        help="only this region's manager and its stores' recipients, e.g. 华东")] = None,
    really: Annotated[bool, typer.Option(
        "--send", help="send the e-mails (default: a dry run that sends nothing)")] = False,
    force: Annotated[bool, typer.Option(help="send again what the send log says was sent")
                     ] = False,
    recipients: Annotated[Path | None, typer.Option(
        help="recipients CSV (kind,id,name,email,lang)")] = None,
    data: DataOpt = paths.DEMO_DATA,
    out_dir: OutDirOpt = paths.REPORTS,
) -> None:
    """E-mail each recipient of params/recipients.csv their PDF of the month (dry run unless
    --send); SMTP from KPI_SMTP_HOST, _PORT, _USER, _PASSWORD, _TLS, _FROM."""
    from .run.recipients import RECIPIENTS
    from .run.send import plan_sends, plan_table, send_all, smtp_settings

    settings = smtp_settings() if really else None  # before any work: one line, exit 2
    plan = plan_sends(month, data, out_dir, recipients or RECIPIENTS, store=store,
                      region=region, force=force)
    out = Console(highlight=False)
    out.width = max(out.width, 160)
    if settings is None:
        out.print(plan_table(plan, f"dry run, reports/{month}: nothing is sent (--send sends)"))
        return
    err.print(f"sending through {settings.describe()} as {settings.sender}", markup=False)
    send_all(plan, settings, force=force)
    out.print(plan_table(plan, f"reports/{month}: sent"))
    failed = [d for d in plan.deliveries if d.status == "failed"]
    for d in failed:
        err.print(f"failed {d.recipient.email} ({d.file.name}): {d.note}", style="red",
                  markup=False)
    count = {s: sum(d.status == s for d in plan.deliveries) for s in
             ("delivered", "sent before", "missing")}
    err.print(f"{count['delivered']} sent, {len(failed)} failed, {count['sent before']} "
              f"skipped (sent before), {count['missing']} without a report")
    if failed:
        raise typer.Exit(code=1)


@app.command()
def flash(
    date: Annotated[str, typer.Option(help="day YYYY-MM-DD: only rows dated on or before it "
                                           "are read")],
    store: Annotated[list[str] | None, typer.Option(
        help="store id (repeatable; default: every store)")] = None,
    lang: LangOpt = "zh",
    data: DataOpt = paths.DEMO_DATA,
    out_dir: OutDirOpt = paths.REPORTS,
) -> None:
    """Render the flash for the daily/weekly sales meeting.

    Writes reports/<month>/<store>.flash-<date>.html, .pdf and .ipynb (<store>.en.flash-… in
    English). Runs in the warm renderer when one is up, else here; then starts one in the
    background, as ``report`` does."""
    import contextlib

    from .run import warm_ops
    from .run import warm_renderer as warm
    from .run.cleanup import remove_leftovers

    started = time.perf_counter()
    with contextlib.suppress(OSError):
        remove_leftovers()  # what killed runs left in the temp folder

    def done(sid: str, written: dict | None, reason: str | None) -> None:
        if written is None:
            err.print(f"failed {sid}: {reason}", style="red", markup=False)
        for path in (written or {}).values():
            err.print(f"wrote {path}")

    served = warm_ops.flash(store or None, date, lang, data, out_dir) if warm.enabled() else None
    if warm.fallback_reason:
        err.print(warm.fallback_reason, markup=False)
    if served is None:
        from .run.flash_reports import render_flashes

        results = render_flashes(store or None, date, lang, data, out_dir, on_done=done)
    else:
        results = served[0]
        for sid, got in results.items():
            done(sid, None if isinstance(got, str) else got, got if isinstance(got, str) else None)
    failed = [s for s, r in results.items() if isinstance(r, str)]
    how = "by the warm renderer" if served else "here"
    err.print(f"done in {time.perf_counter() - started:.1f} s "
              f"({len(results) - len(failed)} of {len(results)} stores, {how})")
    if served is None and (note := warm.start_for_next()):
        err.print(note)
    if failed:
        raise typer.Exit(code=3)


@app.command()
def reports(
    month: MonthOpt,
    lang: LangOpt = "zh",
    data: DataOpt = paths.DEMO_DATA,
    out_dir: OutDirOpt = paths.REPORTS,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address tcp://host:port (default: a LocalCluster); "
             "'sync' runs in this process")] = None,
    workers: Annotated[int | None, typer.Option(
        help="LocalCluster worker processes (default: CPU count)")] = None,
    force: Annotated[bool, typer.Option(help="re-render unchanged stores too")] = False,
    store: Annotated[list[str] | None, typer.Option(
        help="only these stores (repeatable; default: every store)")] = None,
    worker_timeout: Annotated[float | None, typer.Option(
        help="give up after this many seconds without any Dask worker "
             "(default: KPI_WORKER_TIMEOUT or 120)")] = None,
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

    from .run.batch import check_scheduler, index_name, plan_batch, run_batch, summary_name

    started = time.perf_counter()
    check_scheduler(scheduler)  # before any work: a wrong address is one line, quickly
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
                            on_result=tick, worker_timeout=worker_timeout)
    table = Table(title=f"reports/{month}: {summary.seconds:.1f} s, {summary.workers} workers")
    columns = ["rendered", "unchanged", "failed"] + ([] if summary.complete else ["unfinished"])
    for col in columns:
        table.add_column(col, justify="right")
    table.add_row(*(str(summary.count(c)) for c in columns))
    err.print(table)
    for r in summary.failed:
        err.print(f"failed {r.store}: {r.reason}", style="red", markup=False)
    if summary.index and summary.index.status == "rendered":
        err.print(f"wrote {plan.month_dir / index_name(plan.lang)}")
    if not summary.complete:
        left = [r for r in summary.stores if r.status == "unfinished"]
        err.print(f"error: the batch lost every Dask worker ({left[0].reason}): "
                  f"{len(left)} of {len(summary.stores)} stores unfinished "
                  f"({', '.join(r.store for r in left)}); {index_name(plan.lang)} not "
                  f"updated, {summary_name(plan.lang)} says complete: false",
                  style="bold red", markup=False)
        raise typer.Exit(code=3)
    if summary.failed:
        raise typer.Exit(code=3)


@app.command()
def bench(
    out_dir: Annotated[Path, typer.Option(help="where the JSON result goes")] = (
        paths.REPORTS / "bench"),
    stores: Annotated[int, typer.Option(help="stores in the timed batch")] = 100,
    naive: Annotated[int, typer.Option(help="stores rendered the naive way")] = 5,
    cube_stores: Annotated[int, typer.Option(help="stores of the big KPI cube")] = 1000,
    loop_sample: Annotated[int, typer.Option(
        help="stores timed in the pandas loop (scaled to all)")] = 25,
    workers: Annotated[int | None, typer.Option(help="Dask workers")] = None,
) -> None:
    """Measure the batch, the naive loop, the PDF floor and the KPI cube; write JSON."""
    from .timing import run_bench

    run_bench(out_dir, stores=stores, naive=naive, cube_stores=cube_stores,
              loop_sample=loop_sample, workers=workers, console=err)


@app.command()
def calibrate(
    seed: Annotated[int, typer.Option(help="seed of the first simulated network")] = 20261,
    networks: Annotated[int, typer.Option(help="simulated networks", min=1)] = 4,
    stores: Annotated[int, typer.Option(help="stores per network", min=50)] = 250,
) -> None:
    """False alarms and detection of every diagnosis rule on simulated networks.

    Exits 1 when a goal is missed (healthy stores with a finding > 2%, or a planted
    defect kind found < 90%)."""
    from .analysis.calibration import calibrate as run
    from .analysis.calibration import calibration_table
    from .analysis.simulate import Settings

    result = run(seed, networks, Settings(n_stores=stores))
    Console(highlight=False, width=110).print(calibration_table(result))
    if not result.passes():
        raise typer.Exit(code=1)


@app.command()
def doctor(data: DataOpt = paths.DEMO_DATA) -> None:
    """Check the kernel, CJK font, PDF engine and data folder; print how to fix each."""
    from .setup_check import format_check, run_checks

    out = Console(highlight=False, soft_wrap=True)
    checks = run_checks(data)
    for check in checks:
        out.print(format_check(check))
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(code=1)


def main() -> None:
    """Entry point: run the app, turning KpiErrors into a message and an exit code."""
    try:
        app()
    except KpiError as exc:  # raised outside a command (none today); same message
        _fail(exc)
        sys.exit(exc.exit_code)
