"""What a user names as input — a data folder, a store id — checked before anything runs.

Values that reach file names or a notebook are restricted to safe shapes, so that no
parameter can point outside the folders or inject code into a command or a cell.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ParameterError

STORE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


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
    from .load import input_files

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
