"""Publishing a set of files so that no reader ever sees a partial file or a mixed set.

:func:`publish` takes a lock on every target folder (``.publish.lock``, see
:mod:`kpi_lib.locks`), writes each file completely to a hidden temp file beside its
target (``.<name>.<random>.pub.tmp``, fsynced), records the renames it is about to do in
``.publish.journal`` and only then renames the temp files over the targets.

A run killed (even SIGKILL) before the journal is complete has replaced nothing; one
killed during the renames leaves complete files only, and the next publish into the folder
finishes the renames from the journal, so the set ends up whole. Under the folder lock a
``.pub.tmp`` file can only be a leftover of a killed run: each publish removes them. Two runs
publishing the same files one after the other (the lock) leave the complete set of the
later one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .locks import exclusive

LOCK_NAME = ".publish.lock"
JOURNAL_NAME = ".publish.journal"
TEMP_SUFFIX = ".pub.tmp"
_TEMP_RE = re.compile(r"^\..+\.pub\.tmp$")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to a hidden temp file beside ``path``; return the temp path."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are for reading
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def _journaled(journal: Path) -> list[tuple[str, str]]:
    """The renames ``journal`` lists: none when absent or torn (killed before renaming)."""
    try:
        renames = [(str(t), str(p)) for t, p in json.loads(journal.read_text("utf-8"))]
    except (FileNotFoundError, ValueError, TypeError):
        return []
    plain = [(t, p) for t, p in renames if _TEMP_RE.match(t) and "/" not in t + p]
    return [(t, p) for t, p in plain if p not in ("", ".", "..")]


def recover(folder: Path) -> None:
    """Finish a killed publish in ``folder`` from its journal; drop leftover temp files.

    Call only while holding the folder's lock (as :func:`publish` does, also to commit).
    """
    journal = folder / JOURNAL_NAME
    renames = _journaled(journal)
    for tmp, target in renames:
        with contextlib.suppress(FileNotFoundError):  # renamed before the crash
            os.replace(folder / tmp, folder / target)
    if renames:
        _fsync_dir(folder)
    journal.unlink(missing_ok=True)
    for entry in os.scandir(folder):
        if _TEMP_RE.match(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)


def _write_journal(folder: Path, renames: list[tuple[str, str]]) -> None:
    with open(folder / JOURNAL_NAME, "w", encoding="utf-8") as fh:
        json.dump(renames, fh)
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(folder)  # the temp files' and the journal's names are on disk


def publish(outputs: Mapping[Path, bytes | str]) -> None:
    """Write every output, then move them all into place (``os.replace``).

    Every file is first written completely to a temp file in its target folder; only when
    all are written are they renamed over the targets. On an error nothing is replaced and
    no temp file is left behind; after a crash the next publish into the folder completes
    or discards the set (see the module docstring).
    """
    paths = [Path(p) for p in outputs]
    folders = sorted({p.parent for p in paths})
    with contextlib.ExitStack() as stack:
        for folder in folders:  # always in the same order: no deadlock
            stack.enter_context(exclusive(folder / LOCK_NAME))
        temps: dict[Path, Path] = {}
        try:
            for folder in folders:
                recover(folder)  # a killed run's leftovers
            for path, data in zip(paths, outputs.values(), strict=True):
                temps[path] = _write_temp(path, data)
            for folder in folders:
                _write_journal(folder, [(t.name, p.name) for p, t in temps.items()
                                        if p.parent == folder])
            for folder in folders:
                recover(folder)  # the commit: the journaled renames
        finally:
            for tmp in temps.values():
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            for folder in folders:
                (folder / JOURNAL_NAME).unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace ``path`` by ``data`` in one step: readers see the old or the new file."""
    publish({Path(path): data})
