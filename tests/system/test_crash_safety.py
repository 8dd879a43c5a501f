"""Crash safety (issue 8): killed or concurrent runs leave no partial files and no mixed set.

Real processes, killed with SIGKILL: a store report (tiny fixture) killed while its notebook
runs and while it publishes, two reports of the same store at once, a publish killed
between its renames, and warehouse rebuilds killed or run twice at once (demo data).
Run with ``-s`` to see where each kill landed and how long each step took.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import nbformat
import openpyxl
import pytest

from kpi_lib.atomic import JOURNAL_NAME, LOCK_NAME, atomic_write, publish
from kpi_lib.i18n import month_label, text
from kpi_lib.ingest.schema import TABLES
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.locks import exclusive

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists() or os.name != "posix",
                                reason="needs POSIX signals and /proc")

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny"
DEMO = ROOT / "data" / "demo"
STORE, MONTH = "S1", "2026-09"
EXTS = ("ipynb", "html", "pdf", "xlsx")
FINAL = sorted(f"{STORE}.{ext}" for ext in EXTS)
#: An English report's names (issue 13.6): beside the Chinese ones, never over them.
FINAL_EN = sorted(f"{STORE}.en.{ext}" for ext in EXTS)
DEADLINE = 300.0  # seconds: a step that takes longer has hung


def _start(*args: str) -> subprocess.Popen[bytes]:
    """``python -m kpi_lib`` / ``python -c`` in its own session (a group killable at once)."""
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _report(data: Path, out: Path, lang: str) -> subprocess.Popen[bytes]:
    return _start("-m", "kpi_lib", "report", "--store", STORE, "--month", MONTH,
                  "--lang", lang, "--data", str(data), "--out-dir", str(out))


def _finish(proc: subprocess.Popen[bytes]) -> str:
    """Wait for ``proc``; its stderr (asserting it succeeded)."""
    _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, err.decode()
    return err.decode()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def _descendants(root: int) -> dict[int, str]:
    """Live descendants of ``root`` (pid -> command line), from /proc."""
    parent: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            parent[int(entry)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmd.decode())
    found = {root}
    while new := {p for p, (pp, _) in parent.items() if pp in found and p not in found}:
        found |= new
    return {p: parent[p][1] for p in found - {root}}


def _wait_for(what: str, check, proc: subprocess.Popen[bytes], pause: float = 0.001):
    """Poll ``check()`` until it returns something truthy, failing if ``proc`` ends first."""
    started = time.perf_counter()
    while not (found := check()):
        assert proc.poll() is None, f"the run ended before {what}: {proc.stderr.read()!r}"
        assert time.perf_counter() - started < DEADLINE, f"no {what} after {DEADLINE} s"
        time.sleep(pause)
    return found


# --------------------------------------------------------------------------- report files


def _language(path: Path) -> str:
    """``zh`` or ``en``: the language ``path`` (one of the four outputs) is written in."""
    for lang in ("zh", "en"):
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            cells = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
            hit = f'lang = "{lang}"' in cells[0].source
        elif path.suffix == ".html":
            hit = f"<title>{text('report_title', lang)} · " in path.read_text("utf-8")
        elif path.suffix == ".pdf":
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
            hit = f"Title:           {text('report_title', lang)} · " in info
        else:
            a1 = openpyxl.load_workbook(path, read_only=True).worksheets[0]["A1"].value
            hit = str(a1).endswith(month_label(MONTH, lang))
        if hit:
            return lang
    raise AssertionError(f"{path.name}: neither zh nor en")


def _assert_complete(folder: Path, stem: str = STORE) -> None:
    """The four outputs ``<stem>.*`` are whole files of their kind."""
    pdf = (folder / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert (folder / f"{stem}.html").read_text("utf-8").rstrip().endswith("</html>")
    nbformat.validate(nbformat.read(folder / f"{stem}.ipynb", as_version=4))
    wb = openpyxl.load_workbook(io.BytesIO((folder / f"{stem}.xlsx").read_bytes()))
    assert len(wb.sheetnames) >= 3


def _outputs(folder: Path, stem: str = STORE) -> dict[str, bytes]:
    return {ext: (folder / f"{stem}.{ext}").read_bytes() for ext in EXTS}


@dataclass
class Site:
    data: Path
    out: Path
    baseline: dict[str, bytes]
    log: dict[str, str] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.out / MONTH

    def names(self) -> list[str]:
        return sorted(os.listdir(self.folder))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    """A tiny-data copy and a zh report of S1 rendered into a fresh reports folder."""
    base = tmp_path_factory.mktemp("crash")
    data = base / "data"
    shutil.copytree(TINY, data, ignore=shutil.ignore_patterns(".*"))
    out = base / "reports"
    started = time.perf_counter()
    _finish(_report(data, out, "zh"))
    site = Site(data, out, _outputs(out / MONTH))
    site.log["baseline zh render"] = f"{time.perf_counter() - started:.1f} s"
    return site


@pytest.fixture(scope="module")
def killed_in_notebook(site: Site) -> dict:
    """An en run SIGKILLed one second after its kernel started (cells are running)."""
    started = time.perf_counter()
    proc = _report(site.data, site.out, "en")
    kernels = _wait_for("a kernel", lambda: [p for p, cmd in _descendants(proc.pid).items()
                                            if "ipykernel" in cmd], proc, pause=0.05)
    kernel_at = time.perf_counter() - started
    time.sleep(1.0)
    _kill(proc)
    site.log["notebook kill"] = (f"kernel up at {kernel_at:.1f} s, killed at "
                                 f"{time.perf_counter() - started:.1f} s")
    return {"kernels": kernels, "names": site.names(), "killed": time.perf_counter()}


def test_kill_during_notebook_keeps_previous_report(site: Site, killed_in_notebook: dict):
    assert killed_in_notebook["names"] == FINAL  # nothing new, not even a hidden file
    assert _outputs(site.folder) == site.baseline
    _assert_complete(site.folder)
    assert {_language(site.folder / name) for name in FINAL} == {"zh"}
    # the kernel runs in a session of its own (jupyter_client), so killpg misses it;
    # it notices that its parent is gone and exits by itself
    while alive := [k for k in killed_in_notebook["kernels"] if Path(f"/proc/{k}").exists()]:
        assert time.perf_counter() - killed_in_notebook["killed"] < 20, f"kernel {alive} lives"
        time.sleep(0.2)
    site.log["orphaned kernel exited after"] = (
        f"{time.perf_counter() - killed_in_notebook['killed']:.1f} s")


def _kill_at_file(site: Site, what: str, suffix: str) -> list[str]:
    """Start an en run, SIGKILL it the moment a ``.S1.*<suffix>`` file appears; the names
    left in the reports folder."""
    started = time.perf_counter()
    proc = _report(site.data, site.out, "en")
    first = _wait_for(f"a {suffix} file", lambda: [n for n in os.listdir(site.folder)
                                                   if n.startswith(f".{STORE}.")
                                                   and n.endswith(suffix)], proc)
    _kill(proc)
    names = site.names()
    site.log[what] = f"at {time.perf_counter() - started:.1f} s; saw {first}; left {names}"
    return names


@pytest.fixture(scope="module")
def killed_at_first_temp(site: Site, killed_in_notebook: dict) -> list[str]:
    """An en run SIGKILLed when its first temp file ``.S1.*.tmp`` appears."""
    return _kill_at_file(site, "first-temp kill", ".tmp")


def _assert_previous_report_kept(site: Site, names: list[str]) -> None:
    """No partial file under a final name, and the four Chinese files are the baseline's
    (the killed run is English: its files are ``S1.en.*`` and never touch them)."""
    shown = [n for n in names if not n.startswith(".")]
    assert [n for n in shown if n not in FINAL_EN] == FINAL
    _assert_complete(site.folder)
    assert _outputs(site.folder) == site.baseline
    if JOURNAL_NAME in names:
        # rare: the kill fell into the few ms of renames; every file is whole, and the next
        # publish completes the set (test_kill_between_renames_is_completed_by_the_next_…)
        site.log["kill landed between renames"] = "yes"
        for name in set(shown) & set(FINAL_EN):
            assert _language(site.folder / name) == "en"
        return
    assert shown == FINAL


def test_kill_at_first_temp_file_keeps_previous_report(site: Site, killed_at_first_temp):
    assert any(n.endswith(".tmp") for n in killed_at_first_temp)  # the kill landed there
    _assert_previous_report_kept(site, killed_at_first_temp)


@pytest.fixture(scope="module")
def killed_in_publish(site: Site, killed_at_first_temp: list[str]) -> list[str]:
    """An en run SIGKILLed when publishing starts (its first ``.S1.*.pub.tmp`` appears)."""
    return _kill_at_file(site, "publish kill", ".pub.tmp")


def test_kill_while_publishing_keeps_previous_report(site: Site, killed_in_publish):
    assert any(n.endswith(".pub.tmp") for n in killed_in_publish)  # landed while publishing
    _assert_previous_report_kept(site, killed_in_publish)


@pytest.fixture(scope="module")
def concurrent(site: Site, killed_in_publish: list[str]) -> dict:
    """A zh and an en run of the same report started together, after the killed ones."""
    started = time.perf_counter()
    runs = {lang: _report(site.data, site.out, lang) for lang in ("zh", "en")}
    for run in runs.values():
        _finish(run)
    site.log["two concurrent runs"] = f"{time.perf_counter() - started:.1f} s"
    return {"names": site.names()}


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="needs poppler's pdfinfo")
def test_concurrent_runs_leave_two_whole_sets(site: Site, concurrent: dict):
    """A zh and an en report of the same store in one folder: 8 files, 4 in each language
    under its own names (issue 13.6: ``S1.*`` and ``S1.en.*``)."""
    # the killed runs' temp files are gone; no lock file or journal is left
    assert concurrent["names"] == sorted(FINAL + FINAL_EN)
    for stem, lang in ((STORE, "zh"), (f"{STORE}.en", "en")):
        _assert_complete(site.folder, stem)
        langs = {ext: _language(site.folder / f"{stem}.{ext}") for ext in EXTS}
        assert set(langs.values()) == {lang}, (stem, langs)
    assert _outputs(site.folder)["ipynb"] != site.baseline["ipynb"]  # a new run's set
    pdf_text = {stem: subprocess.run(["pdftotext", str(site.folder / f"{stem}.pdf"), "-"],
                                     capture_output=True, text=True, check=True).stdout
                for stem in (STORE, f"{STORE}.en")}
    assert text("report_title", "en") in pdf_text[f"{STORE}.en"]
    assert text("report_title", "zh") not in pdf_text[f"{STORE}.en"]
    assert text("report_title", "zh") in pdf_text[STORE]
    print("\n" + "\n".join(f"{k}: {v}" for k, v in site.log.items()))


# --------------------------------------------------------------------------- publish


KILL_AFTER_RENAMES = """
import os, signal, sys
from pathlib import Path
from kpi_lib.atomic import publish
folder, after = Path(sys.argv[1]), int(sys.argv[2])
real, done = os.replace, []
def replace(src, dst):
    if len(done) == after:
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
    done.append(dst)
os.replace = replace
publish({folder / f"r.{ext}": f"new {ext} " * 5000 for ext in ("ipynb", "html", "pdf", "xlsx")})
"""


def test_kill_between_renames_is_completed_by_the_next_publish(tmp_path: Path):
    exts = ("ipynb", "html", "pdf", "xlsx")
    publish({tmp_path / f"r.{ext}": f"old {ext}" for ext in exts})
    proc = _start("-c", KILL_AFTER_RENAMES, str(tmp_path), "2")
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    names = sorted(os.listdir(tmp_path))
    assert JOURNAL_NAME in names and LOCK_NAME in names
    assert len([n for n in names if n.endswith(".pub.tmp")]) == 2  # not yet renamed
    # every visible file is whole: two already new, two still old
    contents = {ext: (tmp_path / f"r.{ext}").read_text() for ext in exts}
    assert contents == {"ipynb": "new ipynb " * 5000, "html": "new html " * 5000,
                        "pdf": "old pdf", "xlsx": "old xlsx"}
    atomic_write(tmp_path / "other.txt", "x")  # any later publish into the folder
    assert {ext: (tmp_path / f"r.{ext}").read_text() for ext in exts} == {
        ext: f"new {ext} " * 5000 for ext in exts}
    assert sorted(os.listdir(tmp_path)) == ["other.txt", *(f"r.{ext}" for ext in sorted(exts))]


def test_torn_journal_means_nothing_was_renamed(tmp_path: Path):
    atomic_write(tmp_path / "a.html", "old")
    (tmp_path / ".a.html.k2j4h5g6.pub.tmp").write_text("new, but the journal is torn")
    (tmp_path / JOURNAL_NAME).write_text('[[".a.html.k2j4h5g6.pub.tmp", "a.ht')
    (tmp_path / ".notes.tmp").write_text("not ours")
    atomic_write(tmp_path / "b.html", "b")
    assert (tmp_path / "a.html").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == [".notes.tmp", "a.html", "b.html"]


WRITER = """
import sys
from pathlib import Path
from kpi_lib.atomic import publish
folder, letter = Path(sys.argv[1]), sys.argv[2]
for i in range(60):
    publish({folder / f"f{k}.txt": letter * 20000 for k in range(4)})
"""


def test_publishes_of_the_same_files_never_interleave(tmp_path: Path):
    writers = [_start("-c", WRITER, str(tmp_path), letter) for letter in "AB"]
    seen: set[str] = set()
    while any(w.poll() is None for w in writers):
        with exclusive(tmp_path / LOCK_NAME):  # what a publish sees: a whole set
            files = {k: (tmp_path / f"f{k}.txt").read_text() for k in range(4)
                     if (tmp_path / f"f{k}.txt").exists()}
        if files:
            assert len(files) == 4 and len(set(files.values())) == 1, {
                k: v[:1] for k, v in files.items()}
            seen.add(files[0][0])
        time.sleep(0.002)
    for w in writers:
        _finish(w)
    assert seen <= {"A", "B"} and seen
    final = {(tmp_path / f"f{k}.txt").read_text() for k in range(4)}
    assert len(final) == 1 and len(final.pop()) == 20000
    assert sorted(os.listdir(tmp_path)) == [f"f{k}.txt" for k in range(4)]


# --------------------------------------------------------------------------- warehouse


OPEN_WAREHOUSE = """
import json, sys
from kpi_lib.ingest.warehouse import open_warehouse
with open_warehouse(sys.argv[1]) as wh:
    print(json.dumps({"rebuilt": wh.rebuilt, "visits": wh.con.execute(
        "SELECT count(*) FROM visits").fetchone()[0]}))
"""


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in [*TABLES, "_issues", "_files"]}


def _add_visit(data: Path, n: int) -> None:
    """Append one more (valid, new) visit row: a rebuild is due and gives other counts."""
    path = data / "visits.csv"
    last = path.read_text("utf-8").rstrip("\n").rsplit("\n", 1)[1]
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"X{n}-V000001," + last.split(",", 1)[1] + "\n")


def _dot_files(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith("."))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "data"
    folder.mkdir()
    for csv in DEMO.glob("*.csv"):
        shutil.copy2(csv, folder / csv.name)
    with open_warehouse(folder) as wh:
        assert wh.rebuilt
    return folder


def test_killed_rebuild_leaves_the_old_warehouse_usable(demo: Path, tmp_path: Path):
    old = open_warehouse(demo)  # a reader of the current file, open throughout
    before = _counts(old.con)
    _add_visit(demo, 1)
    started = time.perf_counter()
    proc = _start("-c", OPEN_WAREHOUSE, str(demo))
    building = demo / ".warehouse.duckdb.building"
    _wait_for("the build file", building.exists, proc)
    time.sleep(0.1)  # into the build
    _kill(proc)
    landed = f"{time.perf_counter() - started:.2f} s, left {_dot_files(demo)}"
    assert building.exists()  # the kill landed mid-build
    assert _counts(old.con) == before  # the open reader is not disturbed
    with duckdb.connect(str(demo / ".warehouse.duckdb"), read_only=True) as con:
        assert _counts(con) == before  # the file itself is the old, whole warehouse
    old.close()

    with open_warehouse(demo) as wh:  # the next open rebuilds and cleans up
        assert wh.rebuilt
        after = _counts(wh.con)
    with open_warehouse(demo, tmp_path / "clean.duckdb") as clean:
        assert after == _counts(clean.con)
    assert after["visits"] == before["visits"] + 1
    assert _dot_files(demo) == [".warehouse.duckdb"]
    print(f"\nwarehouse kill: {landed}")


def test_two_rebuilds_at_once_both_succeed(demo: Path):
    with open_warehouse(demo) as wh:
        visits = _counts(wh.con)["visits"]
    old = open_warehouse(demo)
    _add_visit(demo, 2)
    started = time.perf_counter()
    procs = [_start("-c", OPEN_WAREHOUSE, str(demo)) for _ in range(2)]
    results: list[dict] = []
    for p in procs:
        out, err = p.communicate(timeout=DEADLINE)
        assert p.returncode == 0, err.decode()
        results.append(json.loads(out))
    took = time.perf_counter() - started
    # one built while the other waited for its lock and then used the new file
    assert sorted(r["rebuilt"] for r in results) == [False, True]
    assert [r["visits"] for r in results] == [visits + 1] * 2
    assert _counts(old.con)["visits"] == visits  # a reader of the old file still sees it
    old.close()
    assert _dot_files(demo) == [".warehouse.duckdb"]
    print(f"\ntwo rebuilds at once: {took:.1f} s")


def test_cached_open_removes_a_killed_builds_files_but_not_a_running_ones(demo: Path):
    building = demo / ".warehouse.duckdb.building"
    leftovers = [building, demo / ".warehouse.duckdb.building.wal"]
    for path in leftovers:  # what a build killed mid-way leaves (see the test above)
        path.write_bytes(b"partial")
    with exclusive(demo / ".warehouse.duckdb.lock"):  # as if a build were running now
        with open_warehouse(demo) as wh:
            assert not wh.rebuilt
        assert all(p.exists() for p in leftovers)
    with open_warehouse(demo) as wh:
        assert not wh.rebuilt
    assert _dot_files(demo) == [".warehouse.duckdb"]
