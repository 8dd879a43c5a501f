"""A consistent read of a data folder: files fingerprinted by content, a read that saw a
file change is retried once, then refused.

The warehouse cache is keyed by the SHA-256 of each input file, not by its size and
modification time: an edit that keeps both (``touch -r``, a same-length correction)
still invalidates it. A file written while it is being read (a copy in progress, an
export overwriting it in place) would otherwise be published as valid data with half its
rows: :func:`read_consistently` hashes the files before and after the read, reads once
more when they differ, and then gives up with a plain :class:`InputFileError`.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..errors import InputFileError

T = TypeVar("T")
#: Seconds to wait before reading again a folder whose files changed during the read.
RETRY_PAUSE = float(os.environ.get("KPI_READ_RETRY_PAUSE", 1.0))
#: A digest is remembered (per process) only for a file unchanged for this long: a write
#: within the file system's timestamp granularity could otherwise keep size and times.
_SETTLED_SECONDS = 2.0
_memo: dict[tuple, str] = {}


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (remembered while its size, times and inode stay)."""
    st = os.stat(path)
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if key in _memo:
        return _memo[key]
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    if time.time() - st.st_ctime > _SETTLED_SECONDS:
        _memo[key] = digest
    return digest


def folder_digests(files: list[Path]) -> dict[str, str]:
    """File name -> content digest (``""`` for a file that vanished meanwhile)."""
    out = {}
    for path in files:
        try:
            out[path.name] = file_digest(path)
        except FileNotFoundError:
            out[path.name] = ""
    return out


def read_consistently(list_files: Callable[[], list[Path]], read: Callable[[], T]
                      ) -> tuple[T, dict[str, str]]:
    """``read()`` and the digests of the files it read, taken before and after it.

    When a file changed during the read, reads once more after :data:`RETRY_PAUSE`; when
    it changed again, raises :class:`InputFileError` naming the files.
    """
    for attempt in (1, 2):
        before = folder_digests(list_files())
        result = read()
        after = folder_digests(list_files())
        if before == after:
            return result, before
        if attempt == 1:
            time.sleep(RETRY_PAUSE)
    changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    names = ", ".join(changed)
    raise InputFileError(
        f"{names}: changed while it was being read, twice (is it still being written or "
        "copied?); run again when the file is complete")
