"""Issue 14: what a clumsy or hostile user, a shared cluster or a busy disk still broke.

One section per item of the issue, in its order (worst first). Each test reproduces the
item as the issue describes it (real processes where it says so: a Dask scheduler and
workers for items 2 and 5) and asserts the exact line the program now prints.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi_lib.cli import app
from kpi_lib.report import data_quality as dq

ROOT = Path(__file__).resolve().parents[2]
NOT_A_TABLE = "(such as visits or 来店客户登记表)"
#: the environment of a CLI subprocess: no warm renderer, not under CI rules
LOCAL = {**os.environ, "KPI_WARM": "0", "LANG": "C.UTF-8"}


def run_cli(*args: str):
    """``python -m kpi_lib ARGS`` in this process (no warm renderer)."""
    return CliRunner().invoke(app, list(args), env={"KPI_WARM": "0", "CI": "1"})


def kpis_of(path: Path) -> dict[tuple[str, str], str]:
    """The kpis CSV as (store, metric) -> value."""
    with path.open(encoding="utf-8") as fh:
        return {(r["store_id"], r["metric"]): r["value"] for r in csv.DictReader(fh)}


def add_stray_files(folder: Path) -> None:
    """What office folders hold beside the tables: a copy and a notes file."""
    (folder / "visits - 副本.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "说明.xlsx").write_bytes(b"not really a workbook")


STRAY_LINES = [
    "ignored: visits - 副本.csv: not read: 'visits - 副本' is not the name of a table "
    f"{NOT_A_TABLE}",
    "ignored: 说明.xlsx: not read: it is named after no table and cannot be opened as a "
    "workbook",
]


# --------------------------------------------------------------------------- 1 stray files


def test_1_stray_files_are_listed_once_as_ignored_by_kpis(tiny_data: Path, tmp_path: Path):
    add_stray_files(tiny_data)
    out = tmp_path / "kpis.csv"
    result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == STRAY_LINES
    cube = kpis_of(out)  # the tables are read as if the stray files were not there
    assert (cube["S1", "visits"], cube["S1", "orders"], cube["S2", "calls"]) == ("8", "5", "1")
    strict = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out",
                     str(tmp_path / "strict.csv"), "--strict")
    assert strict.exit_code == 0, "a file not read is no quarantined row"


def test_1_doctor_warns_about_stray_files(tiny_data: Path):
    from kpi_lib.setup_check import check_data

    add_stray_files(tiny_data)
    check = check_data(tiny_data)
    assert check.status == "warn"
    assert check.detail.endswith(
        "0 quarantined rows; ignored: visits - 副本.csv (not read: 'visits - 副本' is not the "
        f"name of a table {NOT_A_TABLE}); 说明.xlsx (not read: it is named after no table and "
        "cannot be opened as a workbook)")
    assert "move it out of" in check.fix


def test_1_report_lists_stray_files_once_in_the_data_quality_section(tiny_data, tmp_path):
    add_stray_files(tiny_data)
    out = tmp_path / "reports"
    result = run_cli("report", "--store", "S1", "--month", "2026-09", "--lang", "en",
                     "--data", str(tiny_data), "--out-dir", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "2026-09").glob("S1*")) == [
        "S1.en.html", "S1.en.ipynb", "S1.en.pdf", "S1.en.xlsx"]  # English: <store>.en.*
    assert "wrote " + str(out / "2026-09" / "S1.en.pdf") in result.output
    html = (out / "2026-09" / "S1.en.html").read_text("utf-8")
    assert html.count("visits - 副本.csv") == 1 and html.count("说明.xlsx") == 1
    text = re.sub(r"<[^>]+>", "", html)
    assert "No problems found: all 70 rows are used. Files not read (ignored): " in text
    assert "Quarantined rows (first" not in text  # no row was quarantined


# --------------------------------------------------------------------------- batch helpers

MONTH = "2026-10"
#: A stand-in store notebook (as in tests/run/test_batch.py) that can be held: while the file
#: ``$KPI_TEST_GATE/hold-<lang>-<store>`` exists it marks ``started-<lang>-<store>`` and
#: waits (at most 90 s) for ``$KPI_TEST_GATE/release``.
GATED = '''
import os, time
from pathlib import Path
from IPython.display import Markdown, display
from kpi_lib.ingest.warehouse import open_warehouse

with open_warehouse(Path(data)) as wh:
    row = wh.con.execute("SELECT store_name FROM stores WHERE store_id = ?", [store]).fetchone()
gate = Path(os.environ.get("KPI_TEST_GATE", "/nonexistent"))
if (gate / f"hold-{lang}-{store}").exists():
    (gate / f"started-{lang}-{store}").touch()
    end = time.monotonic() + 90
    while not (gate / "release").exists() and time.monotonic() < end:
        time.sleep(0.1)
display(Markdown(f"# {store} {row[0]} {month} {lang}"))
'''


@pytest.fixture(scope="module")
def gated_notebook(tmp_path_factory) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "kpi-report", "display_name": "kpi",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('store = "S001"\nmonth = "2026-10"\nlang = "zh"\n'
                                          'data = None', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(GATED)]
    path = tmp_path_factory.mktemp("nb") / "gated.ipynb"
    nbformat.write(nb, path)
    return path


def gated_plan(out: Path, notebook: Path, lang: str = "zh", stores=("S012",)):
    from kpi_lib import paths
    from kpi_lib.run import batch

    plan = batch.plan_batch(paths.DEMO_DATA, MONTH, lang, out, list(stores))
    plan.notebook = notebook
    return plan


def wait_for_file(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} did not appear in {seconds} s"
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- 2 two batches


#: One batch in its own process (as two people would run theirs): argv = scheduler,
#: reports folder, language, notebook; prints the summary's JSON.
BATCH_SCRIPT = """
import sys
import tempfile
from pathlib import Path
from kpi_lib import paths
from kpi_lib.run import batch
scheduler, out, lang, notebook = sys.argv[1:5]
plan = batch.plan_batch(paths.DEMO_DATA, "2026-10", lang, Path(out), ["S012"])
plan.notebook = Path(notebook)
print(batch.run_batch(plan, scheduler=scheduler, index=False).to_json())
"""


def start_batch(scheduler: str, out: Path, lang: str, notebook: Path, env: dict):
    return subprocess.Popen([sys.executable, "-c", BATCH_SCRIPT, scheduler, str(out), lang,
                             str(notebook)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_2_two_batches_on_one_scheduler_do_not_interfere(tmp_path, gated_notebook,
                                                          monkeypatch):
    """Two people's batches (two processes) on one scheduler with two workers: an English
    batch is held inside its store's notebook on one worker while a Chinese batch of the
    same store runs on the other and finishes (and stops its kernels). Both write their
    own files; the held one is not killed."""
    from dask.distributed import LocalCluster

    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / "hold-en-S012").touch()
    monkeypatch.setenv("KPI_TEST_GATE", str(gate))  # the workers' kernels inherit it
    env = {**LOCAL, "KPI_TEST_GATE": str(gate)}
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           scheduler_kwargs={"dashboard": False})
    try:
        address = cluster.scheduler_address
        en = start_batch(address, tmp_path / "en", "en", gated_notebook, env)
        wait_for_file(gate / "started-en-S012")
        zh = start_batch(address, tmp_path / "zh", "zh", gated_notebook, env)
        try:  # on one shared task key it would wait for the held English task
            zh_out, zh_err = zh.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            zh_out = zh_err = None
        (gate / "release").touch()
        if zh_out is None:
            zh_out, zh_err = zh.communicate(timeout=120)
        en_out, en_err = en.communicate(timeout=120)
    finally:
        cluster.close()
    for name, out, err in (("en", en_out, en_err), ("zh", zh_out, zh_err)):
        assert out, err
        summary = json.loads(out)
        assert [(r["store"], r["status"], r["reason"]) for r in summary["stores"]] == [
            ("S012", "rendered", "")], name
        stem = "S012" if name == "zh" else "S012.en"  # issue 13.6: English is S012.en.*
        html = (tmp_path / name / MONTH / f"{stem}.html").read_text("utf-8")
        assert f"S012 遵义汇川4S店 {MONTH} {name}" in html


# --------------------------------------------------------------------------- 3 unchanged


def test_3_a_single_report_after_the_batch_makes_the_next_batch_render_again(
        tmp_path, gated_notebook, monkeypatch):
    import nbformat

    from kpi_lib import paths
    from kpi_lib.run import batch
    from kpi_lib.run.notebook_kernel import WarmKernel
    from kpi_lib.run.store_reports import render_store_files

    monkeypatch.setattr(paths, "code_hash", lambda: "the code of this test")  # shared tree
    first = batch.run_batch(gated_plan(tmp_path, gated_notebook), scheduler="sync",
                            index=False)
    assert [r.status for r in first.stores] == ["rendered"]
    again = batch.run_batch(gated_plan(tmp_path, gated_notebook), scheduler="sync",
                            index=False)
    assert [r.status for r in again.stores] == ["unchanged"]
    month_dir = tmp_path / MONTH
    kernel = WarmKernel()
    try:
        # `make report STORE=S012 LANG=en` into the same folder (what render_store_report
        # does): its files are S012.en.* (issue 13.6), the batch's Chinese ones stay
        render_store_files("S012", MONTH, "en", paths.DEMO_DATA, month_dir, {}, kernel,
                           notebook=gated_notebook)
        assert f"S012 遵义汇川4S店 {MONTH} en" in (month_dir / "S012.en.html").read_text(
            "utf-8")
        assert f"S012 遵义汇川4S店 {MONTH} zh" in (month_dir / "S012.html").read_text("utf-8")
        third = batch.run_batch(gated_plan(tmp_path, gated_notebook), scheduler="sync",
                                index=False)
        assert [r.status for r in third.stores] == ["unchanged"]
        # a single Chinese report (here: of other code) replaces the batch's files
        other = nbformat.read(gated_notebook, as_version=4)
        other.cells.append(nbformat.v4.new_code_cell('display(Markdown("another report"))'))
        nbformat.write(other, tmp_path / "other.ipynb")
        render_store_files("S012", MONTH, "zh", paths.DEMO_DATA, month_dir, {}, kernel,
                           notebook=tmp_path / "other.ipynb")
    finally:
        kernel.shutdown()
    assert "another report" in (month_dir / "S012.html").read_text("utf-8")
    fourth = batch.run_batch(gated_plan(tmp_path, gated_notebook), scheduler="sync",
                             index=False)
    assert [r.status for r in fourth.stores] == ["rendered"]
    assert f"S012 遵义汇川4S店 {MONTH} zh" in (month_dir / "S012.html").read_text("utf-8")
    stamp = json.loads((month_dir / ".batch" / "S012.json").read_text("utf-8"))
    assert (stamp["lang"], stamp["data"]) == ("zh", str(paths.DEMO_DATA.resolve()))
    assert stamp["files"]["pdf"] == batch._digest((month_dir / "S012.pdf").read_bytes())
    plan = gated_plan(tmp_path, gated_notebook)
    other_data = batch.BatchPlan(**{**plan.__dict__, "data_dir": tmp_path / "elsewhere"})
    assert other_data.input_hash("S012") != plan.input_hash("S012")


# --------------------------------------------------------------------------- 5 lost workers


def test_5_a_batch_that_loses_every_worker_gives_up(tmp_path, gated_notebook, monkeypatch):
    """A real scheduler and one worker (no nanny) in their own processes; the worker is
    SIGKILLed while it renders S012: the batch stops after --worker-timeout, lists the
    unfinished store, leaves index.html as it was and exits 3."""
    from distributed import Client

    from kpi_lib.run import batch

    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / "hold-zh-S012").touch()
    env = {**LOCAL, "KPI_TEST_GATE": str(gate)}
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                               "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host",
                               "127.0.0.1"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    month_dir = tmp_path / "out" / MONTH
    month_dir.mkdir(parents=True)
    (month_dir / "index.html").write_text("previous index", encoding="utf-8")

    def kill_when_held() -> None:
        wait_for_file(gate / "started-zh-S012")
        worker.kill()

    real_plan = batch.plan_batch

    def with_gated_notebook(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        plan.notebook = gated_notebook
        return plan

    monkeypatch.setattr(batch, "plan_batch", with_gated_notebook)
    killer = threading.Thread(target=kill_when_held, daemon=True)
    killer.start()
    try:
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        started = time.monotonic()
        result = run_cli("reports", "--month", MONTH, "--data", str(ROOT / "data" / "demo"),
                         "--out-dir", str(tmp_path / "out"), "--scheduler", address,
                         "--store", "S012", "--worker-timeout", "5")
        took = time.monotonic() - started
    finally:
        worker.kill()
        scheduler.kill()
        scheduler.wait(timeout=30)
    assert result.exit_code == 3, result.output
    assert ("error: the batch lost every Dask worker (no Dask worker for 5 s): 1 of 1 stores "
            "unfinished (S012); index.html not updated, batch.json says complete: false"
            ) in result.stderr.replace("\n", " ")
    assert took < 90
    assert (month_dir / "index.html").read_text("utf-8") == "previous index"
    summary = json.loads((month_dir / "batch.json").read_text("utf-8"))
    assert summary["complete"] is False
    assert [(r["store"], r["status"]) for r in summary["stores"]] == [("S012", "unfinished")]
    assert not (month_dir / "S012.html").exists()


# --------------------------------------------------------------------------- 4 snapshot

VISIT_ROW = "V99,S1,2026-09-15,10:00,10:30,C11,,true,网络,A6,true,false,false,false\n"


def test_4_a_same_size_edit_with_the_old_mtime_invalidates_the_warehouse(tiny_data):
    from kpi_lib.ingest.warehouse import open_warehouse

    sql = "SELECT count(*) FROM visits WHERE date BETWEEN '2026-09-01' AND '2026-09-30'"
    with open_warehouse(tiny_data) as wh:
        assert wh.con.execute(sql).fetchone()[0] == 8
    path = tiny_data / "visits.csv"
    st = path.stat()
    text = path.read_text("utf-8")
    assert text.count("V09,S1,2026-09-") == 1
    path.write_text(text.replace("V09,S1,2026-09-", "V09,S1,2026-08-"), "utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # touch -r: same size, same mtime
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    with open_warehouse(tiny_data) as wh:
        assert wh.rebuilt
        assert wh.con.execute(sql).fetchone()[0] == 7


def test_4_a_file_changed_during_the_read_is_read_again(tiny_data, tmp_path, monkeypatch):
    from kpi_lib.ingest import snapshot, warehouse

    monkeypatch.setattr(snapshot, "RETRY_PAUSE", 0.1)
    real = warehouse.load_folder
    calls = []

    def read_while_a_row_lands(folder):
        ingested = real(folder)
        if not calls:  # the export finishes writing just after the first read
            with (tiny_data / "visits.csv").open("a", encoding="utf-8") as fh:
                fh.write(VISIT_ROW)
        calls.append(folder)
        return ingested

    monkeypatch.setattr(warehouse, "load_folder", read_while_a_row_lands)
    out = tmp_path / "kpis.csv"
    result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(calls) == 2
    assert kpis_of(out)["S1", "visits"] == "9"  # the complete file, V99 included


def test_4_a_file_that_keeps_changing_is_refused(tiny_data, tmp_path, monkeypatch):
    from kpi_lib.ingest import snapshot

    monkeypatch.setattr(snapshot, "RETRY_PAUSE", 0.1)
    writer = subprocess.Popen([sys.executable, "-c", f"""
import time
end = time.monotonic() + 60
while time.monotonic() < end:
    with open({str(tiny_data / "visits.csv")!r}, "a", encoding="utf-8") as fh:
        fh.write({VISIT_ROW!r})
    time.sleep(0.002)
"""])
    out = tmp_path / "kpis.csv"
    out.write_text("previous output\n", encoding="utf-8")
    try:
        time.sleep(0.3)
        result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out",
                         str(out))
    finally:
        writer.kill()
        writer.wait()
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "error: visits.csv: changed while it was being read, twice (is it still being "
        "written or copied?); run again when the file is complete"]
    assert out.read_text("utf-8") == "previous output\n"


# --------------------------------------------------------------------------- 6 store ids

UNSAFE_STORES = [  # (store_id as in the file, as shown, why)
    ("S/015", "S/015", "it contains '/'"),
    ("../../../../tmp/x/pwned", "../../../../tmp/x/pwned", "it contains '/'"),
    ("S" + "9" * 99, "S" + "9" * 63 + "…", "it is longer than 64 characters"),
    ("S\x07bell", "S\\x07bell", "it contains a control character"),
    ("=1+2", "=1+2", "it starts with '='"),
    ("S\\016", "S\\016", "it contains '\\'"),
    ("a..b", "a..b", "it contains '..'"),
    (".hidden", ".hidden", "it starts with '.'"),
    ("@S017", "@S017", "it starts with '@'"),
]


def test_6_unsafe_store_ids_are_quarantined_with_the_rows_citing_them(tiny_data, tmp_path):
    from kpi_lib.run import batch

    with (tiny_data / "stores.csv").open("a", encoding="utf-8", newline="") as fh:
        for sid, _, _ in UNSAFE_STORES:
            csv.writer(fh, lineterminator="\n").writerow([sid, "坏店", "华东", "上海", "A"])
    with (tiny_data / "visits.csv").open("a", encoding="utf-8") as fh:
        fh.write(VISIT_ROW.replace("V99,S1,", "V98,../../../../tmp/x/pwned,"))
    out = tmp_path / "kpis.csv"
    result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"quarantined: stores.csv, row {row}, column store_id: '{shown}' cannot be used as a "
        f"store id: {why}" for row, (_, shown, why) in enumerate(UNSAFE_STORES, start=3)
    ] + ["quarantined: visits.csv, row 14, column store_id: store_id "
         "'../../../../tmp/x/pwned' is not in stores"]
    assert {store for store, _ in kpis_of(out)} == {"S1", "S2"}
    assert kpis_of(out)["S1", "visits"] == "8"
    plan = batch.plan_batch(tiny_data, "2026-09", "zh", tmp_path / "reports")
    assert plan.stores == ["S1", "S2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "kpis.csv", "reports"]


def test_6_a_store_id_a_report_cannot_have_fails_in_one_line_in_the_batch(tmp_path):
    from kpi_lib.run import batch

    result = batch.render_store("S 013", MONTH, "zh", str(tmp_path), str(tmp_path), {}, "")
    assert (result.status, result.reason) == ("failed", (
        "store 'S 013' is not a valid store id: use letters, digits, '_' or '-' (at most 32 "
        "characters), e.g. S001"))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- 7 no links


@pytest.mark.parametrize("value", [
    "![c](http://127.0.0.1:18999/city.png)",
    "http://evil.example/a_(b)",
    "WWW.evil.example",
    "<https://evil.example>",
    "[点我](javascript:alert(4)) https://x.org\\y",
])
def test_7_text_from_the_data_is_never_a_link_or_an_image(value):
    """The report header and the index put data values into Markdown through
    escape_markdown; rendered as nbconvert renders them, they are plain text."""
    from html import unescape

    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from kpi_lib.report.store_month import escape_markdown

    html = markdown2html_mistune(f"**城市**: {escape_markdown(value)}")
    assert "<a" not in html and "<img" not in html and "href" not in html
    assert unescape(re.sub(r"<[^>]+>", "", html)).strip() == f"城市: {value}"


# --------------------------------------------------------------------------- 8 other outputs


def test_8_kpis_csv_neutralises_formula_like_cells(tmp_path):
    import pandas as pd

    from kpi_lib.run.kpis_export import tidy_frame, write_atomic_csv

    cube = pd.DataFrame({"store_id": ["=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "\tS4", "S5"],
                         "metric": ["visits"] * 5, "numerator": [1.0, 2.0, 3.0, 4.0, -5.0],
                         "denominator": [float("nan")] * 5, "value": [1.0, 2.0, 3.0, 4.0, -5.0]})
    out = tmp_path / "kpis.csv"
    write_atomic_csv(tidy_frame(cube), out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["'=cmd|' /C calc'!A0", "'+1", "'@SUM(A1)", "'\tS4", "S5"]
    assert rows[5] == ["S5", "visits", "-5", "", "-5"]  # numbers stay numbers


def test_8_a_data_file_linked_outside_the_folder_is_not_read(tiny_data, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:*:19000:0:99999:7:::\n", encoding="utf-8")
    (tiny_data / "visits.csv").unlink()
    (tiny_data / "visits.csv").symlink_to(secret)
    inside = tiny_data / "sub"
    inside.mkdir()
    (tiny_data / "calls.csv").rename(inside / "calls.csv")
    (tiny_data / "calls.csv").symlink_to(inside / "calls.csv")  # a link inside: read
    out = tmp_path / "kpis.csv"
    result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "ignored: visits.csv: a link to a file outside the data folder; not read"]
    assert "root:" not in result.output
    cube = kpis_of(out)
    assert (cube["S1", "visits"], cube["S1", "calls"], cube["S1", "orders"]) == ("", "3", "5")


# --------------------------------------------------------------------------- 9 one line


def cli_process(*args: str, env: dict | None = None, timeout: float = 600):
    """``python -m kpi_lib ARGS`` in a subprocess: (exit code, stderr lines, seconds)."""
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "kpi_lib", *args], capture_output=True,
                         text=True, timeout=timeout, env={**LOCAL, **(env or {})})
    return run.returncode, run.stderr.splitlines(), time.monotonic() - started


@pytest.fixture()
def mounts(tmp_path):
    """Mount a small tmpfs (``mounts.tmpfs(path, size)``) or make a folder read-only
    (``mounts.read_only(path)``); all unmounted afterwards. Needs root (CI runs as root)."""
    done: list[Path] = []

    class Mounts:
        @staticmethod
        def _mount(*args: str, target: Path) -> None:
            run = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
            if run.returncode:
                pytest.skip(f"cannot mount here ({run.stderr.strip()}); run the suite as root")
            done.append(target)

        def tmpfs(self, path: Path, size: str) -> Path:
            path.mkdir(parents=True, exist_ok=True)
            self._mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", target=path)
            return path

        def read_only(self, path: Path) -> Path:
            self._mount("--bind", str(path), target=path)
            subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], check=True)
            return path

    yield Mounts()
    for target in reversed(done):
        subprocess.run(["umount", "-l", str(target)], check=False)


def fill(folder: Path) -> None:
    """Write into ``folder`` until its disk is full."""
    with (folder / "filler").open("wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


def test_9_a_malformed_or_unreachable_scheduler_is_one_line_quickly(tmp_path):
    port = free_port()  # nothing listens there
    for address, line in [
        ("nonsense", "error: scheduler 'nonsense' is not an address of the form "
                     "tcp://host:port (e.g. tcp://127.0.0.1:8786)"),
        (f"tcp://127.0.0.1:{port}", f"error: cannot reach the Dask scheduler at "
                                    f"tcp://127.0.0.1:{port} (Connection refused): is "
                                    "`dask scheduler` running there?"),
    ]:
        code, lines, took = cli_process("reports", "--month", MONTH, "--out-dir",
                                        str(tmp_path / "out"), "--scheduler", address)
        assert (code, lines) == (2, [line])
        assert took < 20
    assert not (tmp_path / "out").exists()


def test_9_a_read_only_reports_folder_is_refused_before_the_work(tiny_data, tmp_path,
                                                                 mounts):
    month_dir = tmp_path / "reports" / "2026-09"
    month_dir.mkdir(parents=True)
    (month_dir / "S1.html").write_text("previous", encoding="utf-8")
    mounts.read_only(month_dir)
    code, lines, took = cli_process("report", "--store", "S1", "--month", "2026-09",
                                    "--data", str(tiny_data), "--out-dir",
                                    str(tmp_path / "reports"))
    assert (code, lines) == (2, [f"error: cannot write to the output folder {month_dir}: "
                                 "Read-only file system"])
    assert took < 30  # refused before the notebook runs
    assert (month_dir / "S1.html").read_text("utf-8") == "previous"


def test_9_a_full_disk_is_refused_before_the_work(tiny_data, tmp_path, mounts):
    reports = mounts.tmpfs(tmp_path / "reports", "1m")
    fill(reports)
    code, lines, _ = cli_process("report", "--store", "S1", "--month", "2026-09", "--data",
                                 str(tiny_data), "--out-dir", str(reports))
    assert (code, lines) == (2, [f"error: cannot write to the output folder {reports}/2026-09"
                                 ": No space left on device"])
    (reports / "filler").unlink()
    code, lines, _ = cli_process("report", "--store", "S1", "--month", "2026-09", "--data",
                                 str(tiny_data), "--out-dir", str(reports))
    assert (code, lines) == (2, [f"error: cannot write to the output folder {reports}/2026-09"
                                 ": only 1.0 MB free, a report needs about 20 MB"])


def test_9_a_disk_filling_up_while_the_report_is_written_leaves_the_previous(
        tiny_data, tmp_path, mounts):
    reports = mounts.tmpfs(tmp_path / "reports", "256k")
    month_dir = reports / "2026-09"
    month_dir.mkdir()
    (month_dir / "S1.html").write_text("previous", encoding="utf-8")
    code, lines, _ = cli_process("report", "--store", "S1", "--month", "2026-09", "--data",
                                 str(tiny_data), "--out-dir", str(reports),
                                 env={"KPI_MIN_FREE_MB": "0"})
    assert (code, lines) == (3, [f"error: cannot write the report to {month_dir}: No space "
                                 "left on device; the previous report is left as it was"])
    assert sorted(p.name for p in month_dir.iterdir() if p.name != ".publish.lock") == [
        "S1.html"]  # no temp file left either
    assert (month_dir / "S1.html").read_text("utf-8") == "previous"


def test_9_a_warehouse_that_cannot_be_written_is_built_in_memory(tmp_path, mounts):
    data = mounts.tmpfs(tmp_path / "data", "16m")
    for src in (ROOT / "tests" / "fixtures" / "tiny").glob("*.csv"):
        (data / src.name).write_bytes(src.read_bytes())
    out = tmp_path / "kpis.csv"
    assert run_cli("kpis", "--data", str(data), "--month", "2026-09", "--out",
                   str(out)).exit_code == 0
    cached = (data / ".warehouse.duckdb").read_bytes()
    with (data / "visits.csv").open("a", encoding="utf-8") as fh:
        fh.write(VISIT_ROW)
    fill(data)
    code, lines, _ = cli_process("kpis", "--data", str(data), "--month", "2026-09", "--out",
                                 str(out))
    assert (code, lines) == (0, [])
    assert kpis_of(out)["S1", "visits"] == "9"  # the new row, from the in-memory warehouse
    assert (data / ".warehouse.duckdb").read_bytes() == cached  # the old file is whole
    assert sorted(p.name for p in data.iterdir() if p.name.startswith(".warehouse")
                  and not p.name.endswith(".lock")) == [".warehouse.duckdb"]


# --------------------------------------------------------------------------- 10 quiet data


def edit_csv(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def test_10_a_consultant_of_another_store_is_quarantined(tiny_data, tmp_path):
    edit_csv(tiny_data / "visits.csv", "V03,S1,2026-09-03,11:00,11:50,C12,",
             "V03,S1,2026-09-03,11:00,11:50,C21,")
    edit_csv(tiny_data / "orders.csv", "O22,S2,C21,", "O22,S2,C11,")
    out = tmp_path / "kpis.csv"
    result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "quarantined: visits.csv, row 3, column consultant_id: consultant_id 'C21' belongs to "
        "store S2, not to S1",
        "quarantined: orders.csv, row 10, column consultant_id: consultant_id 'C11' belongs to "
        "store S1, not to S2"]
    cube = kpis_of(out)  # README: S1 has 8 September visits, S2 2 orders and 2 deliveries
    assert (cube["S1", "visits"], cube["S2", "orders"], cube["S2", "deliveries"]) == (
        "7", "1", "1")


def test_10_duplicate_visit_ids_are_said_in_the_summary_not_no_problem(tiny_data):
    from kpi_lib.report import store_month as rd
    from kpi_lib.report import summary as rsum

    with (tiny_data / "visits.csv").open("a", encoding="utf-8") as fh:
        for vid in ("V02", "V03", "V04"):  # S2's register numbers visits like S1's
            fh.write(f"{vid},S2,2026-09-1{vid[-1]},10:00,10:30,C21,,true,网络,A6,true,"
                     "false,false,false\n")
    sm = rd.load_store_month("S2", "2026-09", "en", tiny_data)
    assert dq.store_quarantined(sm) == 3
    assert sm.value("visits") == 0  # all three quarantined: the store "lost" its visits
    summary = rsum.summary_markdown(sm)
    assert "No problem needing action this month." not in summary
    assert ("- 3 rows of this store were quarantined (left out of every figure), so some "
            "figures may be too low: see “Data quality”.") in summary.splitlines()
    sentence, _ = dq.quality_summary(sm)
    assert sentence.endswith("Quarantined rows of this store: 3.")


def test_10_dates_in_the_future_are_quarantined(tiny_data, tmp_path, monkeypatch):
    from kpi_lib.ingest.warehouse import open_warehouse
    from kpi_lib.setup_check import check_data

    monkeypatch.setenv("KPI_TODAY", "2026-12-07")
    with (tiny_data / "orders.csv").open("a", encoding="utf-8") as fh:  # a typo: 2031
        fh.write("O99,S2,C21,,2031-01-05,A4,95000,fleet,false,false,,,95000,,false,false,"
                 "false,false\n")
    out = tmp_path / "kpis.csv"
    result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out", str(out))
    assert result.stderr.splitlines() == [
        "quarantined: orders.csv, row 11, column order_date: order_date 2031-01-05 is in the "
        "future (after 2026-12-07)"]
    assert kpis_of(out)["S2", "orders"] == "2"
    assert "months 2026-08 to 2026-10," in check_data(tiny_data).detail  # not to 2031-01
    monkeypatch.setenv("KPI_TODAY", "2031-01-05")  # that day has come: the row is valid
    with open_warehouse(tiny_data) as wh:
        assert wh.rebuilt and wh.issues == []


def test_10_an_empty_optional_table_is_one_line(tiny_data, tmp_path):
    (tiny_data / "targets.csv").write_bytes(b"")
    out = tmp_path / "kpis.csv"
    result = run_cli("kpis", "--data", str(tiny_data), "--month", "2026-09", "--out", str(out))
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "ignored: targets.csv: the file is empty (0 bytes): its table has no rows"]
    assert kpis_of(out)["S1", "target_completion"] == ""  # n/a, not 0


# --------------------------------------------------------------------------- 11 warm renderer


def test_11_a_hung_warm_renderer_never_blocks_a_report(tiny_data, tmp_path, monkeypatch):
    import signal

    from kpi_lib.run import warm_renderer as warm

    runtime = Path(tempfile.mkdtemp(prefix="kpi-rt-"))  # short: a socket path has 107 bytes
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    env = {**LOCAL, "XDG_RUNTIME_DIR": str(runtime), "KPI_WARM": "1"}
    env.pop("CI", None)
    proc = subprocess.Popen([sys.executable, "-m", "kpi_lib.warm", "--idle", "300"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while (warm.status() or {}).get("status") != "ok":
            assert proc.poll() is None and time.monotonic() < deadline, "no renderer"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGSTOP)  # hung: the socket accepts, nothing answers
        started = time.monotonic()
        assert warm.status() == {"status": "hung", "pid": proc.pid}
        assert time.monotonic() - started < 10
        hung = (f"warm renderer pid {proc.pid} does not answer (stopped or hung): reports "
                "render here meanwhile; `python -m kpi_lib warm stop` ends it")
        assert cli_process("warm", "status", env=env)[:2] == (1, [hung])
        out = tmp_path / "reports"
        code, lines, took = cli_process("report", "--store", "S1", "--month", "2026-09",
                                        "--data", str(tiny_data), "--out-dir", str(out),
                                        env=env)
        assert code == 0, lines
        assert lines[0] == "the warm renderer did not answer within 5 s; rendering here"
        assert re.fullmatch(r"done in [0-9.]+ s \(here\)", lines[-1]), lines
        assert sorted(p.name for p in (out / "2026-09").iterdir()) == [
            "S1.html", "S1.ipynb", "S1.pdf", "S1.xlsx"]
        assert cli_process("warm", "stop", env=env)[:2] == (0, ["stopped the warm renderer"])
        assert proc.wait(timeout=30) == -signal.SIGKILL
        assert warm.status() is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(runtime, ignore_errors=True)


def test_11_leftovers_of_a_killed_run_are_removed_on_the_next_start(tmp_path):
    """A real run (a warm kernel started, the xlsx hand-off folder made) SIGKILLed, its
    kernel too: the next start removes its folder and the kernel's connection file, and
    keeps those of a run still alive (this one)."""
    from kpi_lib.run import cleanup

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    run = subprocess.Popen([sys.executable, "-c", """
import sys, tempfile, time
from kpi_lib.run.cleanup import hand_off_prefix
from kpi_lib.run.notebook_kernel import WarmKernel
folder = tempfile.mkdtemp(prefix=hand_off_prefix())
open(folder + "/S1.xlsx", "wb").write(b"customer-level data")
WarmKernel().warm_up()
print("ready", flush=True)
time.sleep(600)
"""], env={**LOCAL, "TMPDIR": str(tmp)}, stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout.readline().strip() == "ready"
        made = sorted(p.name for p in tmp.iterdir())
        assert [n.split("-")[:3] for n in made] == [
            ["kpi", "kernel", str(run.pid)], ["kpi", "xlsx", str(run.pid)]], made
        kernels = [int(p.name) for p in Path("/proc").glob("[0-9]*")
                   if made[0].encode() in _cmdline(p)]
        assert len(kernels) == 1  # the kernel names its connection file
    finally:
        run.kill()
        run.wait()
    for pid in kernels:
        os.kill(pid, 9)
    alive = tmp / f"{cleanup.hand_off_prefix()}mine"
    alive.mkdir()
    deadline = time.monotonic() + 30
    while any(_cmdline(Path(f"/proc/{pid}")) for pid in kernels):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    removed = cleanup.remove_leftovers(tmp)
    assert sorted(p.name for p in removed) == made
    assert sorted(p.name for p in tmp.iterdir()) == [alive.name]


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""
