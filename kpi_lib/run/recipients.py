"""Who receives which report: ``params/recipients.csv``, checked before anything is sent.

One row per recipient: ``kind,id,name,email,lang``. ``kind`` is ``store`` (``id`` a store
id of the data) or ``region`` (``id`` a region as the stores table writes it, e.g. 华东: the
region's manager); ``lang`` (zh, en; empty: zh) chooses ``S001.pdf`` or ``S001.en.pdf``.
Every bad row is one line (file, row, column, reason); rows count from 1 after the header.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import InputFileError, ParameterError, RowIssue
from ..i18n import LANGS

RECIPIENTS = paths.PARAMS / "recipients.csv"
COLUMNS = ("kind", "id", "name", "email", "lang")
KINDS = ("store", "region")
#: A plain address: one @, a dot in the domain, no spaces, brackets or commas (which would
#: smuggle a second recipient into a header).
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class Recipient:
    """One row of the recipients file."""

    kind: str
    id: str
    name: str
    email: str
    lang: str
    row: int


class RecipientsError(ParameterError):
    """The recipients file has bad rows: one line per row (file, row, column, reason)."""

    def __init__(self, issues: list[RowIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def _row_issues(name: str, row: int, values: dict[str, str], stores: set[str],
                regions: set[str]) -> list[RowIssue]:
    """The problems of one row (empty when it is usable)."""
    def issue(column: str, reason: str) -> RowIssue:
        return RowIssue(name, row, column, reason, code="bad_recipient", value=values[column])

    found = []
    kind, rid = values["kind"], values["id"]
    if kind not in KINDS:
        found.append(issue("kind", f"unknown kind {kind!r}: use store or region"))
    elif kind == "store" and rid not in stores:
        found.append(issue("id", f"store {rid!r} is not in the data; known stores: "
                                 f"{', '.join(sorted(stores)) or 'none'}"))
    elif kind == "region" and rid not in regions:
        found.append(issue("id", f"region {rid!r} is not in the data; known regions: "
                                 f"{', '.join(sorted(regions)) or 'none'}"))
    if not EMAIL_RE.fullmatch(values["email"]):
        found.append(issue("email", f"{values['email']!r} is not an e-mail address"))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in values["name"]):
        found.append(issue("name", "a line break or control character in the name"))
    if values["lang"] not in LANGS:
        found.append(issue("lang", f"language {values['lang']!r}: use zh or en"))
    return found


def read_recipients(path: Path, stores: set[str], regions: set[str]) -> list[Recipient]:
    """The rows of ``path`` checked against the data's ``stores`` and ``regions``.

    A missing file or column is an :class:`InputFileError`; bad rows (unknown kind, store
    or region, a bad e-mail or language, a row repeated) a :class:`RecipientsError` that
    lists each of them.
    """
    path = Path(path)
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in COLUMNS if c not in header and c not in ("name", "lang")]
            if missing:
                raise InputFileError(f"{name}: column {', '.join(missing)} missing (expected "
                                     f"the header {','.join(COLUMNS)})")
            rows = [{(k or "").strip(): (v or "").strip() if isinstance(v, str) else ""
                     for k, v in raw.items()} for raw in reader]
    except FileNotFoundError:
        raise InputFileError(f"{name}: no recipients file (columns "
                             f"{','.join(COLUMNS)})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputFileError(f"{name}: not a UTF-8 CSV file ({exc})") from None
    issues: list[RowIssue] = []
    out: list[Recipient] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for number, raw in enumerate(rows, start=1):
        values = {c: raw.get(c, "") for c in COLUMNS}
        values["lang"] = values["lang"].lower() or paths.DEFAULT_LANG
        if not any(raw.values()):
            continue  # a blank line
        row_issues = _row_issues(name, number, values, stores, regions)
        key = (values["kind"], values["id"], values["email"].lower(), values["lang"])
        if not row_issues and key in seen:
            row_issues = [RowIssue(name, number, "email", f"same recipient as row {seen[key]}",
                                   code="bad_recipient", value=values["email"])]
        issues += row_issues
        seen.setdefault(key, number)
        if not row_issues:
            out.append(Recipient(row=number, **values))
    if issues:
        raise RecipientsError(issues)
    return out
