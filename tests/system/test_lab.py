"""`make lab`: JupyterLab answers on loopback within a minute (as root too), with the
kpi-report kernel and jupytext pairing, and leaves every file of notebooks/ as it was."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kpi_lib import lab, paths

ROOT = paths.ROOT
LIMIT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the whole process group (make, python, jupyter), SIGKILL after 15 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
        raise AssertionError("JupyterLab did not stop within 15 s of SIGTERM") from None


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_lab_answers_on_loopback_and_leaves_notebooks_alone(tmp_path):
    port, token = _free_port(), "kpi-test-" + os.urandom(8).hex()
    before = _snapshot(paths.NOTEBOOKS)
    log = tmp_path / "lab.log"
    env = {**os.environ, "JUPYTER_TOKEN": token, "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    env.pop("MAKEFLAGS", None)
    # -o: the venv and the demo data are made by `make test` before the tests run
    cmd = ["make", "--no-print-directory", "-o", ".venv/.installed", "-o",
           "data/demo/.complete", "lab", f"PORT={port}"]
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        started, status = time.monotonic(), None
        while time.monotonic() - started < LIMIT_S and proc.poll() is None:
            with contextlib.suppress(OSError):
                status, _ = _get(f"{base}/api/status?token={token}")
                if status == 200:
                    break
            time.sleep(0.25)
        took = time.monotonic() - started
        text = log.read_text("utf-8", "replace")
        assert status == 200, f"no answer within {took:.0f} s (exit {proc.poll()}):\n{text}"
        print(f"make lab answered HTTP after {took:.1f} s")

        assert f"open {base}/lab?token={token}" in text
        assert ("adding --allow-root" in text) == lab.running_as_root()
        assert "Running as root is not recommended" not in text

        code, page = _get(f"{base}/lab?token={token}")
        assert code == 200 and b"<html" in page.lower()
        assert _get(f"{base}/api/contents?token=wrong")[0] == 403

        specs = json.loads(_get(f"{base}/api/kernelspecs?token={token}")[1])
        assert specs["default"] == "kpi-report" and "kpi-report" in specs["kernelspecs"]
        for name in sorted(p.name for p in paths.NOTEBOOKS.glob("*.ipynb")):
            nb = json.loads(_get(f"{base}/api/contents/{name}?token={token}")[1])
            assert nb["content"]["metadata"]["kernelspec"]["name"] == "kpi-report", name
            # jupytext's contents manager: the paired script opens as the same notebook
            twin = json.loads(_get(f"{base}/api/contents/{name[:-6]}.py?token={token}")[1])
            assert twin["type"] == "notebook", name
            assert [c["source"] for c in twin["content"]["cells"]] == \
                [c["source"] for c in nb["content"]["cells"]], name
            assert twin["content"]["cells"][0]["metadata"]["tags"] == ["parameters"]

        other = _outside_address()
        if other:  # bound to loopback only: another address of this machine is refused
            with pytest.raises(OSError), socket.create_connection((other, port), timeout=2):
                pass
    finally:
        _stop(proc)
    assert _snapshot(paths.NOTEBOOKS) == before, "starting lab changed a file in notebooks/"


def _outside_address() -> str | None:
    """A non-loopback IPv4 address of this machine, if it has one."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for a UDP connect
        address = s.getsockname()[0]
        return None if address.startswith("127.") else address
    return None
