"""`python -m kpi_lib doctor`: passes on this machine; each failure names its exact fix."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi_lib import paths
from kpi_lib import setup_check as doctor
from kpi_lib.cli import app

KERNEL_FIX = ".venv/bin/python -m kpi_lib.kernel"
FONT_FIX = "sudo apt-get install -y fonts-noto-cjk"


@pytest.fixture(autouse=True)
def _project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fix commands are written relative to the folder the doctor runs in: the project."""
    monkeypatch.chdir(paths.ROOT)


def test_the_real_doctor_passes_on_this_machine():
    proc = subprocess.run([sys.executable, "-m", "kpi_lib", "doctor"], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, cwd=paths.ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if not ln.startswith("    fix: ")]
    names = ["Python", "packages", "kernel", "CJK font", "PDF engine", "HarfBuzz subsetter",
             "data folder", "reports folder"]
    by_name = dict(zip(names, lines, strict=True))  # one line each
    for name, line in by_name.items():
        # a machine without libharfbuzz-subset0 renders, only slower: "!" is allowed there
        marks = ("✓", "!") if name == "HarfBuzz subsetter" else ("✓",)
        assert line.split(":")[0] in [f"{m} {name}" for m in marks], line
    assert "weasyprint " in by_name["packages"] and "duckdb " in by_name["packages"]
    assert by_name["kernel"].endswith(f"runs {sys.executable}")
    from kpi_lib.run.pdf_engine import engine

    expected = "CJK glyphs embedded" if engine() == "chromium" else "Noto-Sans-CJK-SC"
    assert expected in by_name["PDF engine"]
    # the demo network of the README: S001…S012, 2025-09 … 2026-10
    assert "12 stores, months 2025-09 to 2026-10" in by_name["data folder"]


def test_a_failed_check_exits_1_and_prints_its_fix(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["doctor", "--data", str(empty)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    at = lines.index(f"✗ data folder: {empty} holds no .csv or .xlsx files")
    assert lines[at + 1].startswith(f"    fix: put stores.csv, visits.csv, orders.csv … in {empty}")
    assert "✓ kernel:" in result.output  # the other checks still ran


def test_python_too_old():
    c = doctor.check_python((3, 10, 12))
    assert (c.status, c.detail) == ("fail", "3.10.12 is older than 3.11")
    assert c.fix == ("install Python 3.11 or newer (Debian 12: sudo apt-get install -y python3 "
                     "python3-venv), then: rm -rf .venv && make setup")


def test_a_package_that_does_not_import():
    c = doctor.check_packages({"json": "no-such-dist", "no_such_module_xyz": "x"})
    assert c.status == "fail"
    assert "no_such_module_xyz (ModuleNotFoundError" in c.detail
    assert "json (PackageNotFoundError" in c.detail  # imports, but is not installed
    assert c.fix == ".venv/bin/python -m pip install -e '.[dev]'"


def test_missing_kernelspec(tmp_path: Path):
    c = doctor.check_kernel(tmp_path / "kernels" / "kpi-report")
    assert c.status == "fail" and c.detail.startswith("no usable kernelspec in")
    assert c.fix == KERNEL_FIX


def _spec(folder: Path, argv0: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps({"argv": [argv0, "-m", "ipykernel"]}))
    return folder


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def test_kernel_whose_interpreter_is_gone_or_broken(tmp_path: Path):
    gone = doctor.check_kernel(_spec(tmp_path / "a", "/nonexistent/bin/python"))
    assert gone.status == "fail" and gone.fix == KERNEL_FIX
    assert gone.detail.endswith("interpreter /nonexistent/bin/python does not exist")

    broken = _script(tmp_path / "py", "echo \"ModuleNotFoundError: No module named 'kpi_lib'\""
                     " >&2; exit 1")
    c = doctor.check_kernel(_spec(tmp_path / "b", broken))
    assert c.status == "fail" and c.fix == KERNEL_FIX
    assert c.detail == f"{broken} cannot import kpi_lib: ModuleNotFoundError: No module " \
        "named 'kpi_lib'"


def test_kernel_running_another_checkout_is_a_warning(tmp_path: Path):
    other = _script(tmp_path / "py", "echo /elsewhere/kpi_lib/__init__.py")
    c = doctor.check_kernel(_spec(tmp_path / "k", other))
    assert c.status == "warn" and c.fix == KERNEL_FIX
    assert c.detail.startswith(f"{other} runs kpi_lib from /elsewhere/kpi_lib, not ")


def test_cjk_font_missing():
    fake = "No Such Font XYZ"
    fallback = doctor.check_cjk_font(fake)  # Noto Sans CJK SC is installed: other zh fonts
    assert fallback.status == "warn" and fallback.fix == FONT_FIX
    assert fallback.detail.startswith(f"{fake} not found (fontconfig gives ")
    none = doctor.check_cjk_font(fake, lang="xx")  # no font covers this language at all
    assert none.status == "fail" and none.fix == FONT_FIX
    assert none.detail == f"{fake} not found and no font covers :lang=xx"


def test_without_fontconfig(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    c = doctor.check_cjk_font()
    assert c.status == "fail"
    assert c.fix == "sudo apt-get install -y fontconfig fonts-noto-cjk"


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs pdffonts (poppler-utils)")
def test_pdf_font_names_agree_with_pdffonts(tmp_path: Path):
    from kpi_lib.run.pdf_engine import weasyprint_pdf

    pdf = weasyprint_pdf('<p style="font-family: DejaVu Sans">KPI</p>'
                      '<p style="font-family: Noto Sans CJK SC">销售漏斗</p>')
    (tmp_path / "t.pdf").write_bytes(pdf)
    table = subprocess.run(["pdffonts", str(tmp_path / "t.pdf")], capture_output=True,
                           text=True, check=True).stdout.splitlines()[2:]
    from_poppler = sorted(ln.split()[0].split("+", 1)[-1] for ln in table)
    assert doctor.pdf_font_names(pdf) == from_poppler == ["DejaVu-Sans", "Noto-Sans-CJK-SC"]


def test_pdf_fonts_judged():
    assert doctor.judge_pdf_fonts(["DejaVuSans", "Noto-Sans-CJK-SC"], 0.5).status == "ok"
    jp = doctor.judge_pdf_fonts(["Noto-Sans-CJK-JP"], 0.5)
    assert jp.status == "warn" and jp.fix == FONT_FIX
    boxes = doctor.judge_pdf_fonts(["DejaVuSans"], 1.25)
    assert boxes.status == "fail" and boxes.fix == FONT_FIX
    assert boxes.detail == ("tiny Chinese page to PDF in 1.2 s; fonts: DejaVuSans "
                            "(no CJK font: Chinese prints as boxes)")


def test_harfbuzz_subsetter_missing_is_a_warning():
    c = doctor.check_harfbuzz(find=lambda name: None)
    assert c.status == "warn" and "~9 s longer" in c.detail
    assert c.fix == "sudo apt-get install -y libharfbuzz-subset0"


def test_data_folder_missing_or_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    gone = doctor.check_data(tmp_path / "nope")
    assert (gone.status, gone.detail) == ("fail", f"{tmp_path / 'nope'} does not exist")
    assert gone.fix == (f"put stores.csv, visits.csv, orders.csv … in {tmp_path / 'nope'} "
                        "(see ../shared/DATA_CONTRACT.md), or run the demo: make demo")
    demo = tmp_path / "demo"
    demo.mkdir()
    monkeypatch.setattr(doctor.paths, "DEMO_DATA", demo)
    c = doctor.check_data(demo)
    assert (c.status, c.detail) == ("fail", f"{demo} holds no .csv or .xlsx files")
    assert c.fix == f".venv/bin/python -m kpi_lib demo --out {demo}"


def test_data_folder_counts_stores_months_and_quarantine(tiny_data: Path):
    data = tiny_data
    with (data / "visits.csv").open("a", encoding="utf-8") as fh:  # two bad dates
        for vid in ("V98", "V99"):
            fh.write(f"{vid},S1,2026-09-31,10:00,10:40,C11,K09,true,网络,A6,"
                     "true,false,false,false\n")
    c = doctor.check_data(data)
    # tests/fixtures/tiny/README.md: two stores, months 2026-08 … 2026-10, no bad rows
    assert (c.status, c.detail) == ("ok", f"{data}: 9 files, 2 stores, months 2026-08 to "
                                          "2026-10, 2 quarantined rows")


def test_data_file_that_cannot_be_used(tmp_path: Path):
    (tmp_path / "stores.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    c = doctor.check_data(tmp_path)
    assert c.status == "fail" and "stores.csv" in c.detail
    assert c.fix == "correct the file named above and rerun"


def test_reports_folder_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    target = blocker / "reports"  # under a regular file: no one can create it, not even root
    c = doctor.check_reports_dir(target)
    assert c.status == "fail" and c.detail == f"{target} is not writable: Not a directory"
    assert c.fix == f'mkdir -p {target} && sudo chown -R "$(id -un)" {target}'

    def denied(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(doctor.tempfile, "mkstemp", denied)
    c = doctor.check_reports_dir(tmp_path)
    assert c.detail == f"{tmp_path} is not writable: Permission denied"
    assert c.fix == f'mkdir -p {tmp_path} && sudo chown -R "$(id -un)" {tmp_path}'


def test_a_crashing_check_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def boom() -> doctor.Check:
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(doctor, "check_pdf", boom)
    monkeypatch.setattr(doctor, "check_packages", lambda: doctor.Check("packages", "ok", ""))
    checks = {c.name: c for c in doctor.run_checks(tmp_path / "no-data", tmp_path)}
    assert checks["PDF engine"] == doctor.Check(
        "PDF engine", "fail", "check crashed: RuntimeError: cairo exploded")
    assert checks["reports folder"].status == "ok"
