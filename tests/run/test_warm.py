"""The warm renderer (kpi_lib.run.warm_renderer): reports served by a background process,
same results."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kpi_lib import paths
from kpi_lib.demo import ensure_demo_data
from kpi_lib.errors import ParameterError
from kpi_lib.run import warm_ops
from kpi_lib.run import warm_renderer as warm


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    """A renderer of this checkout on a private socket folder; stopped afterwards."""
    runtime = tmp_path_factory.mktemp("runtime")
    os.chmod(runtime, 0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "KPI_WARM": "1"}
    env.pop("CI", None)
    old = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    proc = subprocess.Popen([sys.executable, "-m", "kpi_lib.warm", "--idle", "120"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while warm.status() is None:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the renderer did not come up in 60 s"
        time.sleep(0.2)
    yield env
    warm.stop()
    proc.wait(timeout=30)
    if old is None:
        os.environ.pop("XDG_RUNTIME_DIR")
    else:
        os.environ["XDG_RUNTIME_DIR"] = old


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi_lib", *args], env=env, text=True,
                          capture_output=True, timeout=600)


def test_report_is_served_by_the_renderer(renderer, tmp_path):
    proc = _cli(renderer, "report", "--store", "S003", "--month", "2026-10",
                "--data", str(ensure_demo_data()), "--out-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "by the warm renderer" in proc.stderr
    assert "Traceback" not in proc.stderr
    month = tmp_path / "2026-10"
    assert sorted(p.name for p in month.iterdir()) == [
        "S003.html", "S003.ipynb", "S003.pdf", "S003.xlsx"]
    assert (month / "S003.pdf").read_bytes().startswith(b"%PDF")
    assert "试乘试驾率" in (month / "S003.html").read_text("utf-8")
    state = warm.status()
    assert state is not None and state["served"] >= 1


def test_a_mistake_gets_the_same_message_as_a_local_run(renderer, tmp_path):
    args = ("report", "--store", "S999", "--month", "2026-10", "--data", str(ensure_demo_data()),
            "--out-dir", str(tmp_path))
    served = _cli(renderer, *args)
    local = _cli({**renderer, "KPI_WARM": "0"}, *args)
    assert served.returncode == local.returncode == 2
    assert "store 'S999' is not in the data" in served.stderr
    assert served.stderr.strip() == local.stderr.strip()
    assert "Traceback" not in served.stderr
    assert not (tmp_path / "2026-10").exists()
    with pytest.raises(ParameterError, match="S999"):
        warm.render("S999", "2026-10", "zh", ensure_demo_data(), tmp_path)


def _page(path: Path) -> str:
    """A flash page without what differs from run to run (inline images, table and cell
    ids)."""
    page = re.sub(r"data:[^\"')\s]+", "data:", path.read_text("utf-8"))
    return re.sub(r"cell-id=[0-9a-f]+", "cell-id", re.sub(r"T_[0-9a-f]{5}", "T_x", page))


def test_a_flash_is_served_and_writes_what_a_local_run_writes(renderer, tmp_path):
    args = ("flash", "--store", "S003", "--date", "2026-10-15", "--data",
            str(ensure_demo_data()), "--out-dir")
    served = _cli(renderer, *args, str(tmp_path / "served"))
    local = _cli({**renderer, "KPI_WARM": "0"}, *args, str(tmp_path / "local"))
    assert served.returncode == local.returncode == 0, served.stderr + local.stderr
    assert "1 of 1 stores, by the warm renderer)" in served.stderr
    assert "1 of 1 stores, here)" in local.stderr
    names = [f"S003.flash-2026-10-15.{ext}" for ext in ("html", "ipynb", "pdf")]
    for run in ("served", "local"):
        assert sorted(p.name for p in (tmp_path / run / "2026-10").iterdir()) == names
    html = [_page(tmp_path / run / "2026-10" / names[0]) for run in ("served", "local")]
    assert html[0] == html[1]
    assert "销售快报" in html[0]


@pytest.mark.parametrize("bad", [("--store", "S999", "--date", "2026-10-15"),
                                 ("--store", "S003", "--date", "2026-13-01")])
def test_a_flash_mistake_gets_the_same_message_as_a_local_run(renderer, tmp_path, bad):
    args = ("flash", *bad, "--data", str(ensure_demo_data()), "--out-dir", str(tmp_path))
    served = _cli(renderer, *args)
    local = _cli({**renderer, "KPI_WARM": "0"}, *args)
    assert served.returncode == local.returncode == 2
    assert served.stderr == local.stderr and served.stderr.startswith("error: ")
    assert not (tmp_path / "2026-10").exists()
    with pytest.raises(ParameterError):
        warm_ops.flash([bad[1]], bad[3], "zh", ensure_demo_data(), tmp_path)


def test_a_plan_is_served_and_prints_what_a_local_run_prints(renderer):
    before = warm.status()["served"]
    for fmt in ("table", "json"):
        args = ("plan", "--data", str(ensure_demo_data()), "--month", "2026-11", "--store",
                "S003", "--format", fmt)
        served, local = _cli(renderer, *args), _cli({**renderer, "KPI_WARM": "0"}, *args)
        assert served.returncode == local.returncode == 0, served.stderr + local.stderr
        assert served.stdout == local.stdout and "S003" in served.stdout
    assert warm.status()["served"] == before + 2


def test_changed_code_makes_the_renderer_step_aside(renderer, monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "code_hash", lambda: "edited since the renderer started")
    assert warm.render("S001", "2026-10", "zh", ensure_demo_data(), tmp_path) is None
    deadline = time.monotonic() + 30
    while warm.status() is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert warm.status() is None, "a stale renderer exits"
    assert not (tmp_path / "2026-10").exists()


def test_socket_folder_is_private(renderer):
    folder = Path(os.environ["XDG_RUNTIME_DIR"]) / f"kpi_lib-{os.getuid()}"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert not warm.may_start() or "CI" not in os.environ


def test_a_socket_folder_open_to_others_is_never_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = tmp_path / f"kpi_lib-{os.getuid()}"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    assert warm.socket_path() is None
    assert warm.status() is None and warm.start() is None
    assert warm.render("S001", "2026-10", "zh", ensure_demo_data(), tmp_path) is None
    assert sorted(p.name for p in folder.iterdir()) == []


def test_a_socket_path_too_long_for_linux_means_no_renderer(tmp_path, monkeypatch):
    """``sun_path`` holds 107 bytes: a longer path would fail in bind() with a traceback,
    so no renderer is used and `kpi_lib.run.warm_renderer` says why in one line."""
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    assert warm.socket_path() is None
    assert warm.status() is None and warm.start() is None
    proc = subprocess.run([sys.executable, "-m", "kpi_lib.run.warm_renderer"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "KPI_WARM": "1"})
    assert (proc.returncode, proc.stderr.splitlines()) == (1, [
        "no private folder with a path short enough for the socket; set XDG_RUNTIME_DIR "
        "to one"])
