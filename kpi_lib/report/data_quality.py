"""The data-quality section of a store report: rows quarantined and files not read, and
the brand workbook's derived cells that differ from their recomputation."""

from __future__ import annotations

import pandas as pd

from ..formatting import format_value, is_na
from ..i18n import list_sep, month_label, text
from ..ingest.issue_text import translate_reason
from ..metrics.settings import report_config
from .store_month import StoreMonth, escape_markdown


def store_quarantined(sm: StoreMonth) -> int:
    """How many quarantined rows belong to this store (by the store_id of the row)."""
    if "store_id" not in sm.issues.columns:
        return 0
    return int((sm.issues["store_id"] == sm.store["store_id"]).sum())


def quality_summary(sm: StoreMonth) -> tuple[str, pd.DataFrame]:
    """Sentence and per-file table of rows read, used and quarantined."""
    lang, files = sm.lang, sm.files
    read, kept = int(files["rows_read"].sum()), int(files["rows_kept"].sum())
    sentence = (text("dq_clean", lang, read=f"{read:,}") if read == kept else
                text("dq_summary", lang, read=f"{read:,}", quarantined=f"{read - kept:,}"))
    if sm.workbook_read:  # the workbook's sheets and rows are read too: count them
        sheets, rows, values = sm.workbook_read
        if read == kept:
            sentence = text("dq_clean_tables", lang, read=f"{read:,}")
        sentence += " " + text("dq_workbook", lang, sheets=f"{sheets:,}", rows=f"{rows:,}",
                               values=f"{values:,}")
    if sm.ignored is not None and len(sm.ignored):
        sep = list_sep(lang, "clauses")
        listed = sep.join(f"{f}（{translate_reason(c, r, lang).removeprefix('未读取：')}）"
                          if lang == "zh" else f"{f} ({r.removeprefix('not read: ')})"
                          for f, r, c in
                          zip(sm.ignored["file"], sm.ignored["reason"], sm.ignored["code"],
                              strict=True))
        sentence += " " + text("dq_ignored", lang, files=escape_markdown(listed))
    mine = store_quarantined(sm)
    if mine:
        sentence += " " + text("dq_store_note", lang, n=f"{mine:,}")
    if sm.workbook_checks is not None and len(sm.workbook_checks):
        sentence += " " + workbook_checks_markdown(sm)
    table = pd.DataFrame({
        text("dq_col_table", lang): files["table_name"],
        text("dq_col_file", lang): files["file"],
        text("dq_col_read", lang): files["rows_read"].map("{:,}".format),
        text("dq_col_kept", lang): files["rows_kept"].map("{:,}".format),
        text("dq_col_quarantined", lang): (files["rows_read"] - files["rows_kept"]).map(
            "{:,}".format),
    })
    return sentence, table


def workbook_checks_markdown(sm: StoreMonth) -> str:
    """The sentence on the store's workbook cells that differ from their recomputation and
    a Markdown table of them (sheet, row, month, KPI, workbook value, recomputed value),
    at most ``quality_examples`` rows; "" when none differs (see
    :mod:`kpi_lib.metrics.workbook_check`). A cell that holds no number is shown as written."""
    from ..metrics.workbook_check import label_of, unit_of

    lang, checks = sm.lang, sm.workbook_checks
    if checks is None or not len(checks):
        return ""
    n, limit = len(checks), report_config()["quality_examples"]
    shown = checks.head(limit)
    sentence = (text("dq_workbook_checks", lang, n=f"{n:,}") if len(shown) == n else
                text("dq_workbook_checks_first", lang, n=f"{n:,}", shown=len(shown)))
    head = [text(k, lang) for k in ("dq_col_sheet", "dq_col_row", "month", "col_kpi",
                                    "dq_col_workbook_value", "dq_col_recomputed")]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|---|---|---:|---:|"]
    for c in shown.itertuples(index=False):
        unit = unit_of(c.metric)
        written = (format_value(c.workbook, unit, lang) if not is_na(c.workbook) else
                   str(c.written) if str(c.written).strip() else text("dq_blank_cell", lang))
        cells = [c.sheet, f"{int(c.row)}", month_label(c.month, lang), label_of(c.metric, lang),
                 written, format_value(c.recomputed, unit, lang)]
        lines.append("| " + " | ".join(escape_markdown(x) or "" for x in cells) + " |")
    return sentence + "\n\n" + "\n".join(lines)


def quality_examples(sm: StoreMonth) -> pd.DataFrame:
    """The first quarantined rows (file, row, column, reason)."""
    lang, n = sm.lang, report_config()["quality_examples"]
    head = sm.issues.head(n)
    return pd.DataFrame({
        text("dq_col_file", lang): head["file"],
        text("dq_col_row", lang): head["row"].map(lambda r: "" if pd.isna(r) else f"{int(r)}"),
        text("dq_col_column", lang): head["column"].fillna(""),
        text("dq_col_reason", lang): [translate_reason(code, reason, lang)
                                      for code, reason in zip(head["code"], head["reason"],
                                                              strict=True)],
    })
