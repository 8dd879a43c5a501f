"""Run parameters (store, month, language, folders) checked before anything runs.

Values that reach file names or a notebook are restricted to safe shapes, so that no
parameter can point outside ``reports/`` or inject code into a command or a cell.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from ..errors import ParameterError

# ASCII digits only: \d would also take full-width and other scripts' digits
MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
STORE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def check_month_format(month: str) -> str:
    """Return ``month`` if it is ``YYYY-MM``, else raise ParameterError."""
    if not isinstance(month, str) or not MONTH_RE.fullmatch(month):
        raise ParameterError(f"month {month!r} is not of the form YYYY-MM (e.g. 2026-10)")
    return month


def check_store_format(store: str) -> str:
    """Return ``store`` if it is a plain store id (letters, digits, _ and -), else raise."""
    if not isinstance(store, str) or not STORE_RE.fullmatch(store):
        raise ParameterError(
            f"store {store!r} is not a valid store id: use letters, digits, '_' or '-' "
            "(at most 32 characters), e.g. S001"
        )
    return store


def check_data_dir(data: Path) -> Path:
    """Return the data folder as an absolute path if it holds data files, else raise.

    A folder without any (the wrong ``--data``) is refused before anything is written:
    the warehouse cache would otherwise be built beside nothing, in that folder.
    """
    from ..ingest.load import input_files

    path = Path(data).expanduser().resolve()
    if not path.is_dir():
        raise ParameterError(f"data folder {data} does not exist or is not a folder")
    if not input_files(path):
        raise ParameterError(
            f"data folder {data} holds no data files (.csv or .xlsx tables such as "
            "stores.csv and visits.csv): is it the right folder?")
    return path


def check_store_known(store: str, known: list[str]) -> str:
    """Return ``store`` if the data has it; else raise, listing the valid ids."""
    if not known:
        raise ParameterError(f"store {store!r} is not in the data: it holds no stores "
                             "(no stores table and no brand KPI workbook)")
    if store not in known:
        listed = ", ".join(known[:50]) + (" …" if len(known) > 50 else "")
        raise ParameterError(f"store {store!r} is not in the data; known stores: {listed}")
    return store


def check_month_in_range(month: str, first: str | None, last: str | None) -> str:
    """Return ``month`` if it lies within the data's months ``first``…``last``."""
    if first is None or last is None:
        raise ParameterError("the data folder holds no dated rows (visits or orders)")
    if not first <= month <= last:
        raise ParameterError(f"month {month} is outside the data, which covers {first} to {last}")
    return month


def inside(base: Path, *parts: str) -> Path:
    """``base / parts`` resolved, refusing anything that escapes ``base``."""
    root = Path(base).resolve()
    target = root.joinpath(*parts).resolve()
    if target != root and root not in target.parents:
        raise ParameterError(f"refusing to write outside {root}: {target}")
    return target


#: Free space an output folder needs before a report is rendered into it (MB).
MIN_FREE_MB = float(os.environ.get("KPI_MIN_FREE_MB", 20))


def make_folder(path: Path) -> Path:
    """Create the output folder ``path`` (and its parents) if needed and check that a file
    can be written there (a probe) with :data:`MIN_FREE_MB` free; return it.

    Checked before any work: a path that cannot be a folder (a file is in the way), a
    read-only or full disk or no permission is a ParameterError naming it, not a
    traceback after a full render.
    """
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-probe-")
        try:
            os.write(fd, b"probe")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
        st = os.statvfs(path)
    except OSError as exc:
        raise ParameterError(
            f"cannot write to the output folder {path}: {exc.strerror or exc}") from None
    free_mb = st.f_bavail * st.f_frsize / 1e6
    if free_mb < MIN_FREE_MB:
        raise ParameterError(f"cannot write to the output folder {path}: only {free_mb:.1f} MB "
                             f"free, a report needs about {MIN_FREE_MB:.0f} MB")
    return Path(path)
