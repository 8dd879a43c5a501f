"""The warm renderer: a background process that keeps a kernel loaded between reports.

A single ``kpi_lib report`` pays ~6 s before any work: the interpreter imports pandas,
nbconvert and WeasyPrint, and a Jupyter kernel starts and imports them again. After a
report, the CLI starts this renderer in the background (unless ``KPI_WARM=0`` or ``CI`` is
set); the next ``kpi_lib report`` of the same checkout hands its parameters over a Unix
socket and the renderer runs them in its warm kernel. It stops by itself after
:data:`IDLE_SECONDS` without a request, when the code changes (each request carries
:func:`kpi_lib.paths.code_hash`; a mismatch makes it reply ``stale`` and exit), or on
``kpi_lib warm stop``.

The socket lives in a folder only this user can open (``$XDG_RUNTIME_DIR`` or the temp
folder, mode 0700), one per checkout. Requests are served one at a time, in the order they
arrive. Parameters are checked by the renderer with the same functions as a local run, so
a mistake gets the same message; the client re-raises it as the same error type.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import paths
from .errors import InputFileError, KpiError, ParameterError, RenderError

#: Seconds without a request after which the renderer exits.
IDLE_SECONDS = float(os.environ.get("KPI_WARM_IDLE", 900))
#: The error types a reply may carry, by name.
ERRORS: dict[str, type[KpiError]] = {cls.__name__: cls for cls in
                                     (KpiError, ParameterError, RenderError, InputFileError)}
_MAX_LINE = 1 << 20


def enabled() -> bool:
    """Whether ``kpi_lib report`` may use / start the renderer (off with ``KPI_WARM=0``)."""
    return os.environ.get("KPI_WARM", "1") not in {"0", "false", "no", "off"}


def may_start() -> bool:
    """Whether a report may start a renderer in the background (never under CI)."""
    return enabled() and not os.environ.get("CI")


def socket_path() -> Path | None:
    """This checkout's socket, in a folder that only this user can open; ``None`` when
    that folder cannot be made or is open to others (then no renderer is used)."""
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    folder = base / f"kpi_lib-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = folder.lstat()
    except OSError:
        return None
    if not folder.is_dir() or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    key = hashlib.sha256(str(paths.ROOT.resolve()).encode()).hexdigest()[:16]
    return folder / f"{key}.sock"


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message, ensure_ascii=False).encode() + b"\n")


def _receive(sock: socket.socket) -> dict[str, Any] | None:
    """One JSON line from ``sock``; ``None`` if the peer closed first."""
    with sock.makefile("rb") as fh:
        line = fh.readline(_MAX_LINE)
    return json.loads(line) if line.strip() else None


# --------------------------------------------------------------------------- client


def request(message: dict[str, Any], timeout: float | None = None) -> dict[str, Any] | None:
    """Send ``message`` to the running renderer; its reply, or ``None`` if none runs."""
    path = socket_path()
    if path is None or not path.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
        _send(sock, message)
        return _receive(sock)
    except (ConnectionError, FileNotFoundError, TimeoutError, ValueError):
        return None
    finally:
        sock.close()


def render(store: str, month: str, lang: str, data: Path, out_dir: Path
           ) -> tuple[dict[str, Path], float] | None:
    """Render one report in the running renderer: the paths and the renderer's seconds.

    ``None`` when no renderer runs (or it was stale and has exited): render locally then.
    A user mistake is raised as the same :class:`KpiError` a local run raises.
    """
    reply = request({"op": "report", "code": paths.code_hash(), "store": store,
                     "month": month, "lang": lang, "data": str(Path(data).resolve()),
                     "out_dir": str(Path(out_dir).resolve())})
    if reply is None or reply.get("status") == "stale":
        return None
    if reply.get("status") == "error":
        raise ERRORS.get(reply.get("kind", ""), KpiError)(reply.get("message", ""))
    return {k: Path(v) for k, v in reply["paths"].items()}, float(reply.get("seconds", 0))


def status() -> dict[str, Any] | None:
    """The renderer's state (pid, reports served, idle seconds), or ``None``."""
    return request({"op": "status"}, timeout=5)


def stop() -> bool:
    """Ask the renderer to exit; whether one was running."""
    return request({"op": "stop"}, timeout=5) is not None


def start(idle: float = IDLE_SECONDS, wait: float = 0.0) -> int | None:
    """Start the renderer as a detached background process; return its pid (``None``:
    no private socket folder, so none was started).

    ``wait``: up to that many seconds, wait until it answers (its kernel may still be
    warming up then; a report sent meanwhile waits for it).
    """
    path = socket_path()
    if path is None:
        return None
    log = path.with_suffix(".log")
    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kpi_lib.warm", "--idle", str(idle)],
            stdin=subprocess.DEVNULL, stdout=fh, stderr=fh, start_new_session=True,
            cwd=str(paths.ROOT), close_fds=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and proc.poll() is None and status() is None:
        time.sleep(0.1)
    return proc.pid


# --------------------------------------------------------------------------- server


class Renderer:
    """The serving side: a warm kernel and the code hash it was started with."""

    def __init__(self) -> None:
        import threading

        from .kernel_pair import KernelPair

        self.code = paths.code_hash()
        self.kernel = KernelPair()
        self.served = 0
        self.last = time.monotonic()
        self.warming = threading.Thread(target=self._warm_up, daemon=True)
        self.warming.start()

    def _warm_up(self) -> None:
        """Start the kernel and load WeasyPrint and the fonts while no one waits."""
        from .render import html_to_pdf

        with contextlib.suppress(Exception):  # a failure shows again in the first report
            self.kernel.warm_up()
            html_to_pdf("<p>预热</p>")

    def handle(self, message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The reply to ``message`` and whether to keep serving."""
        op = message.get("op")
        if op == "status":
            return {"status": "ok", "pid": os.getpid(), "served": self.served,
                    "idle": round(time.monotonic() - self.last, 1)}, True
        if op == "stop":
            return {"status": "ok"}, False
        if op != "report":
            return {"status": "error", "kind": "KpiError", "message": f"unknown op {op!r}"}, True
        if message.get("code") != self.code:
            return {"status": "stale"}, False
        return self._report(message), True

    def _report(self, m: dict[str, Any]) -> dict[str, Any]:
        from .store_report import render_store_report

        started = time.perf_counter()
        self.warming.join()
        try:
            out = render_store_report(str(m["store"]), str(m["month"]), str(m["lang"]),
                                      Path(m["data"]), Path(m["out_dir"]), kernel=self.kernel)
        except KpiError as exc:
            return {"status": "error", "kind": type(exc).__name__, "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the client, the server goes on
            return {"status": "error", "kind": "RenderError",
                    "message": f"{type(exc).__name__}: {exc}"}
        finally:
            self.served += 1
            self.last = time.monotonic()
        return {"status": "ok", "paths": {k: str(v) for k, v in out.items()},
                "seconds": time.perf_counter() - started}


def serve(idle: float = IDLE_SECONDS) -> int:
    """Serve requests on this checkout's socket until idle, stale or stopped."""
    import fcntl

    path = socket_path()
    if path is None:
        print("no private folder for the socket; set XDG_RUNTIME_DIR", file=sys.stderr)
        return 1
    lock = open(path.with_suffix(".lock"), "w")  # noqa: SIM115 - held while serving
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return 0  # another renderer already serves this checkout
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    renderer = Renderer()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    os.chmod(path, 0o600)
    server.listen(16)
    try:
        keep = True
        while keep:
            server.settimeout(max(1.0, idle - (time.monotonic() - renderer.last)))
            try:
                conn, _ = server.accept()
            except TimeoutError:
                if time.monotonic() - renderer.last >= idle:
                    break
                continue
            with conn:
                conn.settimeout(None)
                try:
                    message = _receive(conn)
                except ValueError:
                    message = None
                if message is None:
                    continue
                reply, keep = renderer.handle(message)
                with contextlib.suppress(OSError):
                    _send(conn, reply)
    finally:
        server.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        renderer.kernel.shutdown()
        lock.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m kpi_lib.warm [--idle SECONDS]``: serve in the foreground."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kpi_lib.warm", description=__doc__)
    parser.add_argument("--idle", type=float, default=IDLE_SECONDS,
                        help="exit after this many seconds without a request")
    return serve(parser.parse_args(argv).idle)


if __name__ == "__main__":
    sys.exit(main())
