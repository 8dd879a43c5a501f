"""The warm renderer: a background process that keeps a kernel loaded between reports.

A single ``kpi_lib report`` pays ~6 s before any work: the interpreter imports pandas,
nbconvert and the PDF engine, and a Jupyter kernel starts and imports them again. After a
report, the CLI starts this renderer in the background (unless ``KPI_WARM=0`` or ``CI`` is
set); the next ``kpi_lib report`` of the same checkout hands its parameters over a Unix
socket and the renderer runs them in its warm kernel; ``kpi_lib flash`` and ``kpi_lib plan``
do the same (:mod:`kpi_lib.run.warm_ops`; a plan is computed in this process, not the
kernel), and each of the three starts the renderer after a run done here
(:func:`start_for_next`). It stops by itself after
:data:`IDLE_SECONDS` without a request, when the code changes (each request carries
:func:`kpi_lib.paths.code_hash`; a mismatch makes it reply ``stale`` and exit), or on
``kpi_lib warm stop``.

The socket lives in a folder only this user can open (``$XDG_RUNTIME_DIR`` or the temp
folder, mode 0700), one per checkout. Reports are rendered one at a time, in the order they
arrive; a status request is answered at once, even during a render. Parameters are checked
by the renderer with the same functions as a local run, so a mistake gets the same
message; the client re-raises it as the same error type.

A renderer that hangs (stopped, stuck) never blocks a report: the client waits
:data:`ACCEPT_TIMEOUT` seconds for the renderer to accept the report, then for a heartbeat
every :data:`HEARTBEAT` seconds while it renders (at most :data:`SILENCE_TIMEOUT` of
silence), and otherwise renders locally (:data:`fallback_reason` says why). ``warm status``
reports such a renderer as not answering; ``warm stop`` then kills it. On start, the
leftovers of killed runs are removed (:mod:`kpi_lib.run.cleanup`).
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
import threading
import time
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import InputFileError, KpiError, ParameterError, RenderError

#: Seconds without a request after which the renderer exits.
IDLE_SECONDS = float(os.environ.get("KPI_WARM_IDLE", 900))
#: Seconds the client waits for the renderer to accept a request (or answer a status).
ACCEPT_TIMEOUT = float(os.environ.get("KPI_WARM_ACCEPT", 5))
#: Seconds between the renderer's heartbeats while it renders, and the longest silence
#: the client accepts between two of them.
HEARTBEAT, SILENCE_TIMEOUT = 2.0, float(os.environ.get("KPI_WARM_SILENCE", 60))
#: Seconds a served report may take in all before the client renders it itself.
RENDER_TIMEOUT = float(os.environ.get("KPI_WARM_RENDER", 1800))
#: Why the last :func:`render` fell back to a local render (``None``: it did not, or no
#: renderer runs).
fallback_reason: str | None = None
#: The error types a reply may carry, by name.
ERRORS: dict[str, type[KpiError]] = {cls.__name__: cls for cls in
                                     (KpiError, ParameterError, RenderError, InputFileError)}
_MAX_LINE = 1 << 20
#: The requests that do work (one at a time, with heartbeats): a store report, flashes
#: (:func:`kpi_lib.run.warm_ops.flash`) and a plan (:func:`kpi_lib.run.warm_ops.plan`).
SERVED_OPS = ("report", "flash", "plan")


def enabled() -> bool:
    """Whether ``kpi_lib report`` may use / start the renderer (off with ``KPI_WARM=0``)."""
    return os.environ.get("KPI_WARM", "1") not in {"0", "false", "no", "off"}


def may_start() -> bool:
    """Whether a report may start a renderer in the background (never under CI)."""
    return enabled() and not os.environ.get("CI")


#: Bytes a Unix socket's path may have on Linux (``sun_path`` is 108 with its NUL).
_SOCKET_PATH_MAX = 108


def socket_path() -> Path | None:
    """This checkout's socket, in a folder that only this user can open; ``None`` when
    that folder cannot be made, is open to others or its path is too long for a socket
    (then no renderer is used)."""
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
    path = folder / f"{key}.sock"
    return path if len(os.fsencode(path)) < _SOCKET_PATH_MAX else None


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message, ensure_ascii=False).encode() + b"\n")


def _receive(sock: socket.socket) -> dict[str, Any] | None:
    """One JSON line from ``sock``; ``None`` if the peer closed first."""
    with sock.makefile("rb") as fh:
        line = fh.readline(_MAX_LINE)
    return json.loads(line) if line.strip() else None


def _pid_path(path: Path) -> Path:
    return path.with_suffix(".pid")


def _renderer_pid() -> int | None:
    """The pid the serving renderer wrote beside its socket."""
    path = socket_path()
    try:
        return int(_pid_path(path).read_text().strip()) if path else None
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------- client


def _connect(timeout: float) -> socket.socket | None:
    """A connection to the renderer's socket; ``None`` if none serves it."""
    path = socket_path()
    if path is None or not path.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except (ConnectionError, FileNotFoundError, TimeoutError, OSError):
        sock.close()
        return None
    return sock


def request(message: dict[str, Any], timeout: float = ACCEPT_TIMEOUT
            ) -> dict[str, Any] | None:
    """Send ``message`` to the running renderer; its reply, ``None`` if none runs, or
    ``{"status": "hung"}`` when one holds the socket but does not answer in ``timeout``."""
    sock = _connect(timeout)
    if sock is None:
        return None
    try:
        _send(sock, message)
        return _receive(sock)
    except TimeoutError:
        return {"status": "hung", "pid": _renderer_pid()}
    except (ConnectionError, ValueError, OSError):
        return None
    finally:
        sock.close()


def data_arg(data: Path) -> str:
    """``data`` as the renderer should read it: as typed when this process runs in the
    checkout (the renderer's working folder), so that an error names it as a local run
    does; else as an absolute path."""
    with contextlib.suppress(OSError):
        if Path.cwd().resolve() == paths.ROOT.resolve():
            return str(data)
    return str(Path(data).resolve())


def served(message: dict[str, Any]) -> dict[str, Any] | None:
    """Hand ``message`` (a :data:`SERVED_OPS` request; the code hash is added) to the
    running renderer; its final ``ok`` reply.

    ``None`` when no renderer runs, it was stale and has exited, or it does not answer in
    time (then :data:`fallback_reason` says so): do the work locally then. A user mistake
    is raised as the same :class:`KpiError` a local run raises.
    """
    global fallback_reason
    fallback_reason = None
    sock = _connect(ACCEPT_TIMEOUT)
    if sock is None:
        return None
    try:
        _send(sock, {**message, "code": paths.code_hash()})
        reply = _follow(sock)
    except (ConnectionError, ValueError, OSError):
        reply = None
    finally:
        sock.close()
    if reply is None or reply.get("status") in ("stale", "hung", "lost"):
        if reply is not None and reply.get("status") == "hung":
            fallback_reason = (f"the warm renderer did not answer within {ACCEPT_TIMEOUT:.0f} "
                               "s; rendering here")
        elif reply is not None and reply.get("status") == "lost":
            fallback_reason = "the warm renderer stopped answering; rendering here"
        return None
    if reply.get("status") == "error":
        raise ERRORS.get(reply.get("kind", ""), KpiError)(reply.get("message", ""))
    return reply


def render(store: str, month: str, lang: str, data: Path, out_dir: Path
           ) -> tuple[dict[str, Path], float] | None:
    """Render one report in the running renderer: the paths and the renderer's seconds
    (``None``: render locally; see :func:`served`)."""
    reply = served({"op": "report", "store": store, "month": month, "lang": lang,
                    "data": data_arg(data), "out_dir": str(Path(out_dir).resolve())})
    if reply is None:
        return None
    return {k: Path(v) for k, v in reply["paths"].items()}, float(reply.get("seconds", 0))


def _follow(sock: socket.socket) -> dict[str, Any] | None:
    """The final reply to a report request, through ``accepted`` and the heartbeats;
    ``{"status": "hung"}`` when not accepted in time, ``{"status": "lost"}`` when the
    heartbeats stop or the render takes longer than :data:`RENDER_TIMEOUT`."""
    deadline = time.monotonic() + RENDER_TIMEOUT
    with sock.makefile("rb") as fh:
        try:
            line = fh.readline(_MAX_LINE)
        except TimeoutError:
            return {"status": "hung"}
        while line.strip():
            reply = json.loads(line)
            if reply.get("status") not in ("accepted", "working"):
                return reply
            left = deadline - time.monotonic()
            if left <= 0:
                return {"status": "lost"}
            sock.settimeout(min(SILENCE_TIMEOUT, left))
            try:
                line = fh.readline(_MAX_LINE)
            except TimeoutError:
                return {"status": "lost"}
    return None


def status() -> dict[str, Any] | None:
    """The renderer's state (pid, reports served, idle seconds); ``None`` when none runs;
    ``{"status": "hung", "pid": …}`` when it does not answer (stopped or stuck)."""
    return request({"op": "status"})


def stop() -> bool:
    """Ask the renderer to exit (kill it when it does not answer); whether one ran."""
    reply = request({"op": "stop"})
    if reply is None:
        return False
    if reply.get("status") == "hung" and reply.get("pid"):
        _kill_renderer(int(reply["pid"]))
    return True


def _kill_renderer(pid: int) -> None:
    """SIGKILL ``pid`` if it is this user's warm renderer (a stopped one ignores SIGTERM)."""
    import signal

    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if Path(f"/proc/{pid}").stat().st_uid == os.getuid() and b"kpi_lib.warm" in cmdline:
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def start_for_next() -> str | None:
    """After a report, flash or plan done here: start a renderer for the next ones (not
    under CI, not with ``KPI_WARM=0``, not when one ran but did not answer); the line that
    says so (``None``: none was started)."""
    if may_start() and not fallback_reason and start():
        return (f"a warm renderer now keeps the kernel loaded for the next reports "
                f"(stops after {IDLE_SECONDS / 60:.0f} min idle; KPI_WARM=0 turns it off)")
    return None


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
        from .two_kernels import KernelPair

        self.code = paths.code_hash()
        self.kernel = KernelPair()
        self.served = 0
        self.busy = 0  # reports being rendered or waiting for the kernel
        self.last = time.monotonic()
        self.warming = threading.Thread(target=self._warm_up, daemon=True)
        self.warming.start()

    def _warm_up(self) -> None:
        """Start the kernel, load the PDF engine and the fonts, and import what a plan
        computes here, while no one waits."""
        from .render import html_to_pdf

        with contextlib.suppress(Exception):  # a failure shows again in the first report
            self.kernel.warm_up()
            html_to_pdf("<p>预热</p>")
            from . import plan_run  # noqa: F401 - pandas, scipy, the plan's modules

    def idle(self) -> float:
        """Seconds since the last request ended (0 while one is being rendered)."""
        return 0.0 if self.busy else time.monotonic() - self.last

    def handle(self, message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The reply to ``message`` and whether to keep serving."""
        op = message.get("op")
        if op == "status":
            return {"status": "ok", "pid": os.getpid(), "served": self.served,
                    "idle": round(self.idle(), 1)}, True
        if op == "stop":
            return {"status": "ok"}, False
        if op not in SERVED_OPS:
            return {"status": "error", "kind": "KpiError", "message": f"unknown op {op!r}"}, True
        if message.get("code") != self.code:
            return {"status": "stale"}, False
        return self._work(message), True

    def _work(self, m: dict[str, Any]) -> dict[str, Any]:
        """A served op's reply: ``ok`` with what the op returns, or the error."""
        from . import warm_ops

        started = time.perf_counter()
        self.warming.join()
        try:
            if m["op"] == "report":
                from .store_reports import render_store_report

                out = {"paths": {k: str(v) for k, v in render_store_report(
                    str(m["store"]), str(m["month"]), str(m["lang"]), Path(m["data"]),
                    Path(m["out_dir"]), kernel=self.kernel).items()}}
            else:
                out = getattr(warm_ops, f"serve_{m['op']}")(m, self.kernel)
        except KpiError as exc:
            return {"status": "error", "kind": type(exc).__name__, "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the client, the server goes on
            return {"status": "error", "kind": "RenderError",
                    "message": f"{type(exc).__name__}: {exc}"}
        finally:
            self.served += 1
            self.last = time.monotonic()
        return {"status": "ok", **out, "seconds": time.perf_counter() - started}


def _serve_one(conn: socket.socket, renderer: Renderer, rendering: threading.Lock,
               stop: threading.Event) -> None:
    """Answer one connection: a report is accepted at once, heartbeats are sent while it
    waits for the kernel and renders; other requests are answered at once."""
    with conn:
        conn.settimeout(ACCEPT_TIMEOUT)  # a client that sends nothing is dropped
        try:
            message = _receive(conn)
        except (ValueError, OSError):
            return
        if message is None:
            return
        said = threading.Lock()

        def say(reply: dict[str, Any]) -> None:
            with said, contextlib.suppress(OSError):
                _send(conn, reply)

        if message.get("op") in SERVED_OPS and message.get("code") == renderer.code:
            say({"status": "accepted"})
            done = threading.Event()

            def beat() -> None:
                while not done.wait(HEARTBEAT):
                    say({"status": "working"})

            threading.Thread(target=beat, daemon=True).start()
            renderer.busy += 1
            try:
                with rendering:
                    reply, keep = renderer.handle(message)
            finally:
                done.set()
                renderer.busy -= 1
        else:
            reply, keep = renderer.handle(message)
        say(reply)
        if not keep:
            stop.set()


def serve(idle: float = IDLE_SECONDS) -> int:
    """Serve requests on this checkout's socket until idle, stale or stopped."""
    import fcntl

    from .cleanup import remove_leftovers

    path = socket_path()
    if path is None:
        print("no private folder with a path short enough for the socket; set "
              "XDG_RUNTIME_DIR to one", file=sys.stderr)
        return 1
    lock = open(path.with_suffix(".lock"), "w")  # noqa: SIM115 - held while serving
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return 0  # another renderer already serves this checkout
    with contextlib.suppress(OSError):
        remove_leftovers()  # of runs killed since (hand-off folders, kernel files)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    _pid_path(path).write_text(str(os.getpid()))
    os.chdir(paths.ROOT)  # a relative data folder is the checkout's (:func:`data_arg`)
    renderer = Renderer()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    os.chmod(path, 0o600)
    server.listen(16)
    server.settimeout(1.0)
    stop, rendering = threading.Event(), threading.Lock()
    try:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                if renderer.idle() >= idle:
                    break
                continue
            threading.Thread(target=_serve_one, args=(conn, renderer, rendering, stop),
                             daemon=True).start()
        with rendering:  # let a report in progress finish
            pass
    finally:
        server.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.suppress(FileNotFoundError):
            _pid_path(path).unlink()
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
