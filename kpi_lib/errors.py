"""Errors a dealer or analyst can act on.

``KpiError`` and its subclasses carry a message in plain words; the CLI prints it and
exits non-zero without a traceback. Programming errors are not KpiErrors and keep their
traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class KpiError(Exception):
    """A user-facing error: bad input, bad parameter, missing tool."""

    exit_code = 2


class InputFileError(KpiError):
    """A data file cannot be used at all (unreadable, required column missing)."""


class ParameterError(KpiError):
    """A run parameter (store, month, language, path) is not acceptable."""


class RenderError(KpiError):
    """Executing or rendering a report failed; the previous report is left in place."""

    exit_code = 3


#: Issue codes about a whole file that is not read (not a quarantined row): a file named
#: after no table, a link leaving the data folder, an empty file. They are listed once as
#: "ignored", never counted as quarantined rows and never fatal under ``--strict``.
IGNORED_CODES = frozenset({"unknown_file", "unknown_sheets", "outside_link", "empty_file",
                           "unreadable_file"})


@dataclass(frozen=True)
class RowIssue:
    """One quarantined row: where it is and why it was set aside.

    ``row`` counts data rows from 1 (the header is not a row); ``None`` for an issue
    that concerns the whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    reason: str
    #: stable snake_case code of the rule broken (e.g. ``bad_date``), for counting
    #: and for translating the reason in a report
    code: str = ""
    #: the offending cell value as read, if any
    value: str | None = None
    #: the store the row belongs to (its store_id as read), when the table has one
    store: str | None = None

    @property
    def ignored(self) -> bool:
        """Whether this is a file left out (see :data:`IGNORED_CODES`), not a row."""
        return self.code in IGNORED_CODES

    @property
    def kind(self) -> str:
        """``ignored`` or ``quarantined``: how the CLI and the report list it."""
        return "ignored" if self.ignored else "quarantined"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"
