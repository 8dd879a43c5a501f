"""Exclusive file locks between processes (``flock``) that leave no lock file behind.

The kernel drops a ``flock`` when its holder exits, even on SIGKILL, so a crashed run
never blocks the next one. The holder deletes the lock file when it lets go; a waiter
that then wins the lock on the deleted file notices (the path no longer names the file
it locked) and locks the new one instead, so two processes never both hold the lock.
A SIGKILLed holder leaves the (empty, hidden) file; the next holder removes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino)


def _acquire(path: Path, blocking: bool) -> int | None:
    """The descriptor of ``path`` locked exclusively; ``None`` if busy and not blocking."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        if _same_file(fd, path):
            return fd
        os.close(fd)  # the previous holder removed it: lock the new file


@contextlib.contextmanager
def exclusive(path: Path, *, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created if needed) for the ``with`` body.

    Yields ``True``; with ``blocking=False`` yields ``False`` at once when another process
    holds the lock. Raises :class:`OSError` when the lock file cannot be created (e.g. a
    read-only or missing folder).
    """
    fd = _acquire(Path(path), blocking)
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # still locked: nobody else can be using this file
        os.close(fd)
