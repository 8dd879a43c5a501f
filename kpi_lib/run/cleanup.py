"""Leftovers of runs that were killed: removed at the next start.

A report run killed with SIGKILL cannot clean up after itself. It may leave its private
hand-off folder ``<tmp>/kpi-xlsx-<pid>-…`` (the store workbook, customer-level data) and
the connection files of the Jupyter kernels it started (``<tmp>/kpi-kernel-<pid>-….json``:
ports and the key that signs messages to the kernel). Both carry the pid of the run that
made them; :func:`remove_leftovers` removes those of this user whose run is gone. Kernel
connection files of jupyter_client's default name (``<tmp>/tmp….json``, before this
naming) are removed when no running process uses them and they are older than a minute.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

XLSX_PREFIX = "kpi-xlsx-"
KERNEL_PREFIX = "kpi-kernel-"
_OURS = re.compile(rf"^(?:{XLSX_PREFIX}|{KERNEL_PREFIX})(\d+)-")
_LEGACY_KERNEL = re.compile(r"^tmp[a-z0-9_]{8}\.json$")
#: Seconds a legacy connection file must be old (a kernel being started has one unused).
LEGACY_AGE = 60.0


def hand_off_prefix() -> str:
    """Prefix of this process's temp folders (see :func:`remove_leftovers`)."""
    return f"{XLSX_PREFIX}{os.getpid()}-"


def kernel_connection_file() -> str:
    """A connection file name for a kernel this process starts."""
    return str(Path(tempfile.gettempdir()) / f"{KERNEL_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
               ".json")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _in_use() -> set[str]:
    """Arguments of this user's running processes (kernels name their file there)."""
    used: set[str] = set()
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if proc.stat().st_uid == os.getuid():
                used.update(a.decode(errors="replace")
                            for a in (proc / "cmdline").read_bytes().split(b"\0") if a)
    return used


def _is_connection_file(path: Path) -> bool:
    try:
        info = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and {"shell_port", "iopub_port", "key"} <= set(info)


def remove_leftovers(folder: Path | None = None) -> list[Path]:
    """Remove this user's hand-off folders and kernel connection files of dead runs in
    ``folder`` (default: the temp folder); return what was removed."""
    folder = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    in_use: set[str] | None = None
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            st = entry.lstat()
            if st.st_uid != os.getuid() or entry.is_symlink():
                continue
            m = _OURS.match(entry.name)
            if m:
                if _alive(int(m.group(1))):
                    continue
            elif _LEGACY_KERNEL.match(entry.name) and entry.is_file():
                if time.time() - st.st_mtime < LEGACY_AGE or not _is_connection_file(entry):
                    continue
                in_use = _in_use() if in_use is None else in_use
                if str(entry) in in_use:
                    continue
            else:
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed
