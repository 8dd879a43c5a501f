"""Output folders of a run: inside ``reports/`` and with room to write.

The input parameters are checked where they belong: months by
:mod:`kpi_lib.metrics.months`, store ids and the data folder by :mod:`kpi_lib.ingest.inputs`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import ParameterError


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
