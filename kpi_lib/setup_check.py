"""``python -m kpi_lib doctor``: is this machine ready to render the reports?

Each check returns a :class:`Check` (name, status, what was found, the command that fixes
it) and never raises, so ``run_checks`` always gives the whole picture. ``fail`` means a
report cannot be rendered; ``warn`` means it can, but worse (slower PDFs, other glyphs).
"""

from __future__ import annotations

import ctypes.util
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import paths

Status = Literal["ok", "warn", "fail"]
MIN_PYTHON = (3, 11)
CJK_FAMILY = "Noto Sans CJK SC"
FONT_FIX = "sudo apt-get install -y fonts-noto-cjk"
PANGO_FIX = "sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0"
CHROMIUM_FIX = "sudo apt-get install -y chromium"
SUBSET_FIX = "sudo apt-get install -y libharfbuzz-subset0"
#: module imported -> distribution whose version is shown
PACKAGES = {
    "papermill": "papermill", "nbconvert": "nbconvert", "nbformat": "nbformat",
    "ipykernel": "ipykernel", "jupytext": "jupytext", "weasyprint": "weasyprint",
    "playwright": "playwright",
    "duckdb": "duckdb", "pandas": "pandas", "pyarrow": "pyarrow", "scipy": "scipy",
    "statsmodels": "statsmodels", "matplotlib": "matplotlib", "seaborn": "seaborn",
    "openpyxl": "openpyxl", "yaml": "pyyaml", "typer": "typer", "rich": "rich",
    "dask": "dask", "distributed": "distributed",
}
#: embedded font names that hold Chinese glyphs; the SC ones have the simplified forms
_CJK_FONT = re.compile(r"CJK|Source.?Han|WenQuanYi|WQY|Droid.?Sans.?Fallback|"
                       r"(Sans|Serif).?SC\b|AR.?PL|Sim(Sun|Hei)|YaHei|PingFang", re.I)
_SC_FONT = re.compile(r"(CJK|Sans|Serif).?SC\b", re.I)
_BASE_FONT = re.compile(rb"/BaseFont\s*/([^\s/<>\[\]()]+)")


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``fix`` is the command to run when it is not ``ok``."""

    name: str
    status: Status
    detail: str
    fix: str = ""


def python_cmd() -> str:
    """This interpreter as typed in a fix command (relative to the current folder)."""
    exe = Path(sys.executable)
    try:
        return str(exe.relative_to(Path.cwd()))
    except ValueError:
        return str(exe)


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    """Python is at least :data:`MIN_PYTHON`."""
    shown = ".".join(map(str, version))
    if tuple(version[:2]) >= MIN_PYTHON:
        return Check("Python", "ok", f"{shown} ({sys.executable})")
    need = ".".join(map(str, MIN_PYTHON))
    return Check("Python", "fail", f"{shown} is older than {need}",
                 f"install Python {need} or newer (Debian 12: sudo apt-get install -y python3 "
                 "python3-venv), then: rm -rf .venv && make setup")


def check_packages(modules: dict[str, str] = PACKAGES) -> Check:
    """Every runtime package imports; the detail lists their versions."""
    found, broken = [], []
    for module, dist in modules.items():
        try:
            importlib.import_module(module)
            found.append(f"{dist} {importlib.metadata.version(dist)}")
        except Exception as exc:  # noqa: BLE001 - an import can fail in many ways
            broken.append(f"{module} ({type(exc).__name__}: {exc})")
    if broken:
        return Check("packages", "fail", "cannot import " + "; ".join(broken),
                     f"{python_cmd()} -m pip install -e '.[dev]'")
    return Check("packages", "ok", ", ".join(found))


def find_kernel_dir() -> Path:
    """The folder of the ``kpi-report`` kernelspec Jupyter would use (or where it belongs)."""
    from jupyter_client.kernelspec import KernelSpecManager

    from .run.kernelspec import KERNEL_NAME, kernelspec_dir

    found = KernelSpecManager().find_kernel_specs().get(KERNEL_NAME)
    return Path(found) if found else kernelspec_dir()


def check_kernel(spec_dir: Path | None = None) -> Check:
    """The kernelspec exists and its interpreter imports this project's ``kpi_lib``."""
    folder = Path(spec_dir) if spec_dir is not None else find_kernel_dir()
    fix = f"{python_cmd()} -m kpi_lib.kernel"
    try:
        spec = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
        argv0 = str(spec["argv"][0])
    except (OSError, ValueError, KeyError, IndexError) as exc:
        return Check("kernel", "fail", f"no usable kernelspec in {folder} ({exc})", fix)
    exe = argv0 if os.path.isabs(argv0) else shutil.which(argv0)
    if not exe or not os.access(exe, os.X_OK):
        return Check("kernel", "fail", f"{folder}: interpreter {argv0} does not exist", fix)
    probe = [exe, "-c", "import ipykernel, kpi_lib; print(kpi_lib.__file__)"]
    env = {**os.environ, **spec.get("env", {})}
    # from a neutral folder: in the project root any Python would find kpi_lib, but
    # papermill starts the kernel in notebooks/, where only an installed kpi_lib imports
    run = subprocess.run(probe, capture_output=True, text=True, env=env, timeout=120,
                         cwd=tempfile.gettempdir(), check=False)
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["failed"])[-1]
        return Check("kernel", "fail", f"{exe} cannot import kpi_lib: {last}", fix)
    theirs = Path(run.stdout.strip()).resolve().parent
    ours = Path(__file__).resolve().parent
    if theirs != ours:
        return Check("kernel", "warn", f"{exe} runs kpi_lib from {theirs}, not {ours}", fix)
    return Check("kernel", "ok", f"kpi-report in {folder} runs {exe}")


def _fc(*args: str) -> str:
    return subprocess.run(["fc-" + args[0], *args[1:]], capture_output=True, text=True,
                          timeout=60, check=False).stdout.strip()


def check_cjk_font(family: str = CJK_FAMILY, lang: str = "zh") -> Check:
    """fontconfig resolves ``family`` to itself (else: is there any font for ``lang``?)."""
    if shutil.which("fc-match") is None:
        return Check("CJK font", "fail", "fontconfig (fc-match) is not installed",
                     "sudo apt-get install -y fontconfig fonts-noto-cjk")
    matched = _fc("match", "-f", "%{family}|%{file}", family)
    names, _, file = matched.partition("|")
    if family.lower() in (n.strip().lower() for n in names.split(",")):
        return Check("CJK font", "ok", f"{family}: {file}")
    others = sorted({ln.split(":")[0].strip() for ln in
                     _fc("list", f":lang={lang}", "family").splitlines() if ln.strip()})
    if others:
        return Check("CJK font", "warn", f"{family} not found (fontconfig gives {names}); "
                     f"Chinese falls back to {', '.join(others[:3])}", FONT_FIX)
    return Check("CJK font", "fail", f"{family} not found and no font covers :lang={lang}",
                 FONT_FIX)


def pdf_font_names(pdf: bytes) -> list[str]:
    """The fonts a PDF embeds (subset prefix ``ABCDEF+`` removed), sorted.

    Looks inside the compressed streams too, where WeasyPrint puts its font objects.
    """
    chunks = [pdf]
    view = memoryview(pdf)
    for m in re.finditer(rb"stream\r?\n", pdf):
        try:
            chunks.append(zlib.decompressobj().decompress(view[m.end():]))
        except zlib.error:
            continue
    names = {n.decode("latin-1").split("+", 1)[-1] for c in chunks for n in _BASE_FONT.findall(c)}
    return sorted(names)


def judge_pdf_fonts(names: Iterable[str], seconds: float) -> Check:
    """``ok`` when a simplified-Chinese font is embedded, ``warn`` for another CJK font."""
    names = list(names)
    took = f"tiny Chinese page to PDF in {seconds:.1f} s; fonts: {', '.join(names) or 'none'}"
    cjk = [n for n in names if _CJK_FONT.search(n)]
    if any(_SC_FONT.search(n) for n in cjk):
        return Check("PDF engine", "ok", took)
    if cjk:
        return Check("PDF engine", "warn", took + " (not the simplified-Chinese forms)",
                     FONT_FIX)
    return Check("PDF engine", "fail", took + " (no CJK font: Chinese prints as boxes)",
                 FONT_FIX)


def check_pdf() -> Check:
    """Convert a one-cell Chinese notebook with the report template and print it to PDF."""
    try:
        import nbformat

        from .run.render import html_to_pdf, notebook_to_html
    except OSError as exc:  # WeasyPrint loads pango when imported
        return Check("PDF engine", "fail", f"WeasyPrint cannot load its libraries: {exc}",
                     PANGO_FIX)
    from .errors import RenderError
    from .run.pdf_engine import engine

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("## 销售漏斗\n\n来店批次 2,741，成交率 10.9%。"))
    started = time.perf_counter()
    html = notebook_to_html(nb, {"store": "S000", "month": "2026-10", "lang": "zh"})
    try:
        used = engine()
        pdf = html_to_pdf(html)
    except RenderError as exc:
        return Check("PDF engine", "fail", str(exc), CHROMIUM_FIX)
    seconds = time.perf_counter() - started
    if used == "chromium":
        return judge_chromium_pdf(pdf, seconds)
    check = judge_pdf_fonts(pdf_font_names(pdf), seconds)
    if check.status == "ok" and os.environ.get("KPI_PDF_ENGINE", "auto") != "weasyprint":
        return Check("PDF engine", "warn", check.detail + " with WeasyPrint: no Chromium found, "
                     "so each report's PDF takes ~3× longer", CHROMIUM_FIX)
    return check


def judge_chromium_pdf(pdf: bytes, seconds: float) -> Check:
    """Chromium embeds the CFF-based CJK font as Type 3 glyphs, which have no font name;
    which font fontconfig gives for Chinese is the "CJK font" check's business."""
    took = f"Chromium printed a tiny Chinese page in {seconds:.1f} s"
    if b"/Type3" in pdf:
        return Check("PDF engine", "ok", took + "; CJK glyphs embedded (Type 3)")
    return Check("PDF engine", "fail", took + " without CJK glyphs (Chinese prints as boxes)",
                 FONT_FIX)


def check_harfbuzz(find: Callable[[str], str | None] = ctypes.util.find_library) -> Check:
    """HarfBuzz's subsetter, which WeasyPrint uses to embed the big CJK fonts quickly."""
    lib = find("harfbuzz-subset")
    if lib:
        return Check("HarfBuzz subsetter", "ok", lib)
    return Check("HarfBuzz subsetter", "warn", "libharfbuzz-subset not found: each PDF takes "
                 "~9 s longer (fontTools subsets the CJK font instead)", SUBSET_FIX)


def check_data(data_dir: Path = paths.DEMO_DATA) -> Check:
    """The data folder has input files and a warehouse: its months, stores, quarantine."""
    from .errors import KpiError
    from .ingest.load import input_files
    from .ingest.warehouse import data_months, open_warehouse

    data_dir = Path(data_dir)
    if data_dir.resolve() == paths.DEMO_DATA.resolve():
        fix = f"{python_cmd()} -m kpi_lib demo --out {data_dir}"
    else:
        fix = (f"put stores.csv, visits.csv, orders.csv … in {data_dir} "
               "(see ../shared/DATA_CONTRACT.md), or run the demo: make demo")
    if not data_dir.is_dir():
        return Check("data folder", "fail", f"{data_dir} does not exist", fix)
    files = input_files(data_dir)
    if not files:
        return Check("data folder", "fail", f"{data_dir} holds no .csv or .xlsx files", fix)
    try:
        with open_warehouse(data_dir) as wh:
            stores = wh.con.execute("SELECT count(*) FROM stores").fetchone()[0]
            first, last = data_months(wh.con)
            quarantined = sum(1 for i in wh.issues if not i.ignored)
            ignored = [i for i in wh.issues if i.ignored]
    except KpiError as exc:
        return Check("data folder", "fail", str(exc), "correct the file named above and rerun")
    if not stores or first is None:
        return Check("data folder", "fail", f"{data_dir}: {len(files)} files but "
                     f"{stores} stores and no dated visits or orders", fix)
    found = (f"{data_dir}: {len(files)} files, {stores} stores, months {first} to {last}, "
             f"{quarantined} quarantined rows")
    if ignored:
        listed = "; ".join(f"{i.file} ({i.reason})" for i in ignored)
        return Check("data folder", "warn", f"{found}; ignored: {listed}",
                     f"rename each ignored file after its table (e.g. visits.csv) or move it "
                     f"out of {data_dir}")
    return Check("data folder", "ok", found)


def check_reports_dir(folder: Path = paths.REPORTS) -> Check:
    """The reports folder can be created and written to."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".doctor-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return Check("reports folder", "fail", f"{folder} is not writable: "
                     f"{exc.strerror or exc}",
                     f'mkdir -p {folder} && sudo chown -R "$(id -un)" {folder}')
    return Check("reports folder", "ok", f"{folder} is writable")


def run_checks(data_dir: Path = paths.DEMO_DATA, reports: Path = paths.REPORTS) -> list[Check]:
    """Every check, in order; a check that crashes is reported as failed."""
    checks: list[tuple[str, Callable[[], Check]]] = [
        ("Python", check_python), ("packages", check_packages), ("kernel", check_kernel),
        ("CJK font", check_cjk_font), ("PDF engine", check_pdf),
        ("HarfBuzz subsetter", check_harfbuzz), ("data folder", lambda: check_data(data_dir)),
        ("reports folder", lambda: check_reports_dir(reports)),
    ]
    out = []
    for name, check in checks:
        try:
            out.append(check())
        except Exception as exc:  # noqa: BLE001 - the doctor reports, it does not crash
            out.append(Check(name, "fail", f"check crashed: {type(exc).__name__}: {exc}"))
    return out


MARKS = {"ok": ("✓", "green"), "warn": ("!", "yellow"), "fail": ("✗", "bold red")}


def format_check(c: Check) -> str:
    """One line (plus a ``fix:`` line when not ok), as rich markup."""
    from rich.markup import escape

    mark, style = MARKS[c.status]
    line = f"[{style}]{mark}[/] [bold]{escape(c.name)}[/]: {escape(c.detail)}"
    return line + (f"\n    fix: {escape(c.fix)}" if c.fix and c.status != "ok" else "")
