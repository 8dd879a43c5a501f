"""Findings over time in the store report: each finding's status in words, and what was
resolved since last month (:mod:`kpi_lib.analysis.finding_history`)."""

from __future__ import annotations

from pathlib import Path

from .. import paths
from ..analysis.finding_history import History, status_words, track  # noqa: F401
from ..i18n import list_sep, text
from ..ingest.warehouse import open_warehouse
from ..metrics.periods import is_month
from .store_month import StoreMonth


def store_history(sm: StoreMonth, data: str | Path | None = None) -> History:
    """The history of the report's findings (``data=None``: the demo data, as
    :func:`kpi_lib.report.store_month.load_store_month`)."""
    with open_warehouse(Path(data) if data else paths.DEMO_DATA) as wh:
        return track(wh.con, sm.month, [sm.store["store_id"]], sm.lang,
                     current=sm.findings, compare=sm.network)


def resolved_markdown(history: History | None, lang: str) -> str:
    """"**上月以来已解决**：title；title" ("" when nothing was resolved)."""
    if history is None or not history.resolved:
        return ""
    key = "finding_resolved" if is_month(history.month) else "finding_resolved_period"
    titles = list_sep(lang, "clauses").join(t.finding.title for t in history.resolved)
    return f"**{text(key, lang)}**{'：' if lang == 'zh' else ': '}{titles}"
