"""Validate input tables: parse cells by kind and quarantine rows that break a rule.

Every parser works on a whole column at once (pandas string methods, ``to_datetime``,
``to_numeric``); a slower normalising pass runs only on the cells the fast path
rejects, so clean data costs one vectorised pass per column.

Each broken rule becomes one :class:`~kpi_lib.errors.RowIssue` whose ``code`` is a key
of :data:`REASONS` (the English templates; a report may translate them by code).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpi_lib.errors import RowIssue
from kpi_lib.ingest.schema import FALSE_WORDS, TABLES, TRUE_WORDS, Column, Table

#: Issue code -> English reason template (``str.format`` fields in braces).
REASONS: dict[str, str] = {
    "bad_date": "'{value}' is not a date (expected YYYY-MM-DD)",
    "bad_time": "'{value}' is not a time (expected HH:MM)",
    "bad_month": "'{value}' is not a month (expected YYYY-MM)",
    "bad_bool": "'{value}' is not a yes/no value (expected true/false, 1/0, yes/no, 是/否)",
    "bad_number": "'{value}' is not a number",
    "missing_value": "{column} is required but empty",
    "bad_code": "'{value}' is not an allowed {column} (allowed: {allowed})",
    "negative": "{column} {value} is negative",
    "duplicate_key": "{column} '{value}' already appears in row {first_row}",
    "missing_status_date": "status is '{status}' but status_date is empty",
    "unknown_reference": "{column} '{value}' is not in {table}",
    "time_order": "time_out {value} is before time_in {other}",
    "date_order": "{column} {value} is before {other_column} {other}",
    "bad_row": "row has {found} values but the header has {expected} columns",
    "unclosed_quote": "a quote (\") opened in this row is never closed, so the rows after "
                      "it were read as one value; remove it or close it",
    "too_large": "{column} {value} is too large to be right (more than {limit})",
    "bad_text": "{column} holds characters that cannot be read ('{value}'): the file is "
                "damaged here or mixes encodings; save it again as UTF-8",
    "unknown_file": "not read: '{value}' is not the name of a table (such as visits or "
                    "来店客户登记表)",
    "unknown_sheets": "not read: none of its sheets ({value}) is named after a table (such "
                      "as visits or 来店客户登记表)",
    "unreadable_file": "not read: it is named after no table and cannot be opened as a "
                       "workbook",
    "outside_link": "a link to a file outside the data folder; not read",
    "empty_file": "the file is empty (0 bytes): its table has no rows",
    "unsafe_id": "'{value}' cannot be used as a store id: {why}",
    "date_future": "{column} {value} is in the future (after {today})",
    "consultant_store": "consultant_id '{value}' belongs to store {other}, not to {store}",
}

#: Largest plausible value of each number column (money in yuan per row, counts per row):
#: anything larger is a typing or export error (an id pasted into the price, a unit
#: slip), quarantined as ``too_large`` rather than summed into every KPI.
MONEY_LIMIT, COUNT_LIMIT = 1e9, 1e6
LIMITS: dict[str, float] = {
    "price": MONEY_LIMIT, "receivable": MONEY_LIMIT, "collected": MONEY_LIMIT,
    "spend": MONEY_LIMIT, "revenue": MONEY_LIMIT, "units": COUNT_LIMIT,
}

#: Order in which tables are validated: a referenced table before the tables citing it.
TABLE_ORDER: tuple[str, ...] = (
    "stores", "consultants", "leads", "visits", "calls", "followups", "orders",
    "marketing", "targets",
)

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2}(?:[ T].*)?)?$")
# applied after NFKC, which turns full-width colons into ':'
_TIME_RE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}[ T])?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_NUMBER_RE = re.compile(
    r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?(?:[eE][+-]?\d+)?$|^[+-]?\.\d+$")
_MIN_YEAR, _MAX_YEAR = 1900, 2100


#: Longest store id accepted: ids name report files and folders.
MAX_ID_LENGTH = 64
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a store id (it names files and folders), in plain words;
    ``None`` when it can.

    >>> id_problem("S001") is None, id_problem("../../tmp/x"), id_problem("=1+1")
    (True, "it contains '/'", "it starts with '='")
    """
    if len(value) > MAX_ID_LENGTH:
        return f"it is longer than {MAX_ID_LENGTH} characters"
    if value != value.strip():
        return "it starts or ends with a space"
    if _CONTROL_RE.search(value):
        return "it contains a control character"
    for part in ("/", "\\", ".."):
        if part in value:
            return f"it contains '{part}'"
    if value[:1] in ("=", "+", "-", "@", "."):
        return f"it starts with '{value[0]}'"
    return None


def shown_id(value: str) -> str:
    """``value`` as printed in a message: control characters escaped, at most 64 + …."""
    text = _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return text if len(text) <= MAX_ID_LENGTH else text[:MAX_ID_LENGTH] + "…"


def reason(code: str, **fields: object) -> str:
    """The English reason for issue ``code`` with its fields filled in."""
    return REASONS[code].format(**fields)


def norm_text(value: str) -> str:
    """NFKC-normalise (full-width -> half-width), strip and lower-case ``value``."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def _nfkc(s: pd.Series) -> pd.Series:
    return s.str.normalize("NFKC").str.strip()


#: Date columns of events: a value after the run date is quarantined ("in the future").
#: (A consultant's hired/left dates and the months of targets may lie ahead.)
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "visits": ("date",), "calls": ("date",), "leads": ("created", "status_date"),
    "followups": ("date",), "orders": ("order_date", "delivered", "cancelled"),
}


def run_date() -> dt.date:
    """Today, or ``KPI_TODAY`` (YYYY-MM-DD) when set (tests, re-running a past day)."""
    fixed = os.environ.get("KPI_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


class Validator:
    """Collects the issues of one input file while its columns are parsed.

    ``stores``: the file's store_id column as read (row -> id), so that each issue names
    the store of its row (the report counts a store's quarantined rows).
    """

    def __init__(self, file: str, stores: pd.Series | None = None) -> None:
        self.file = file
        self.issues: list[RowIssue] = []
        self.stores = {} if stores is None else stores.str.strip().to_dict()

    def add(self, rows: Iterable[int], column: str | None, code: str,
            values: Iterable[object] | None = None, **fields: object) -> None:
        """Record one issue per row; ``values`` (parallel to rows) fill ``{value}``."""
        rows = list(rows)
        vals = list(values) if values is not None else [None] * len(rows)
        for row, val in zip(rows, vals, strict=True):
            text = None if val is None or val is pd.NA or val == "" else str(val)
            self.issues.append(RowIssue(
                self.file, int(row), column,
                reason(code, value=text, column=column, **fields), code, text,
                self.stores.get(row) or None,
            ))

    def flag(self, s: pd.Series, bad: pd.Series, column: str, code: str, **fields) -> None:
        """Record ``code`` for every row where the boolean mask ``bad`` is true."""
        if bad.any():
            self.add(s.index[bad.to_numpy()], column, code, s[bad], **fields)


# --- cell parsers: raw string column -> (typed column, mask of unparseable cells) ------

def parse_date(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO dates, also ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``2024年3月5日``, trailing time."""
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    retry = out.isna() & (s != "")
    if retry.any():
        parts = _nfkc(s[retry]).str.extract(_DATE_RE)
        iso = parts[0] + "-" + parts[1] + "-" + parts[2]
        out.loc[retry] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    years = out.dt.year
    out = out.where(years.isna() | years.between(_MIN_YEAR, _MAX_YEAR))
    return out.astype("datetime64[s]"), out.isna() & (s != "")


def parse_time(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``HH:MM`` or ``HH:MM:SS`` -> ``'HH:MM:SS'`` strings."""
    stamp = pd.to_datetime(s, format="%H:%M", errors="coerce")
    for fmt in ("%H:%M:%S", "%H:%M:%S.%f"):
        retry = stamp.isna() & (s != "")
        if not retry.any():
            break
        stamp.loc[retry] = pd.to_datetime(s[retry], format=fmt, errors="coerce")
    fast = stamp.notna()
    retry = ~fast & (s != "")
    if retry.any():  # full-width colons, a date in front (Excel datetime cells)
        parts = _nfkc(s[retry]).str.extract(_TIME_RE)
        text = parts[0] + ":" + parts[1] + ":" + parts[2].fillna("00")
        stamp.loc[retry] = pd.to_datetime(text, format="%H:%M:%S", errors="coerce")
    ok = stamp.notna()
    # canonical HH:MM[:SS] is its own output; only odd spellings are formatted again
    n = s.str.len()
    canonical = fast & ((n == 5) | ((n == 8) & ~s.str.contains(".", regex=False)))
    out = s.where(n == 8, s + ":00").where(canonical)
    odd = ok & ~canonical
    if odd.any():
        arr = pa.array(stamp[odd].astype("datetime64[s]").to_numpy(), from_pandas=True)
        out.loc[odd] = pc.strftime(arr, format="%H:%M:%S").to_numpy(zero_copy_only=False)
    return out.astype("str"), ~ok & (s != "")


def parse_month(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``YYYY-MM`` (also ``YYYY/MM``, ``2024年3月`` or a full date) -> ``'YYYY-MM'``."""
    parts = _nfkc(s).str.extract(_MONTH_RE)
    y = pd.to_numeric(parts[0], errors="coerce")
    m = pd.to_numeric(parts[1], errors="coerce")
    ok = y.between(_MIN_YEAR, _MAX_YEAR) & m.between(1, 12)
    text = y.astype("Int64").astype(str) + "-" + m.astype("Int64").astype(str).str.zfill(2)
    return text.where(ok).astype("str"), ~ok & (s != "")


def _map_words(s: pd.Series, mapping: dict[str, object]) -> pd.Series:
    """``mapping`` applied to stripped, lower-cased cells (unknown -> NaN).

    Factorises first, so the dictionary is looked up once per distinct value.
    """
    codes, uniques = pd.factorize(s.str.strip().str.lower())
    looked_up = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)
    return pd.Series(looked_up[codes], index=s.index)


_BOOL_MAP = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """true/false, 1/0, yes/no, 是/否 (and the other words in ``schema``)."""
    out = _map_words(s, _BOOL_MAP)
    retry = out.isna() & (s != "")
    if retry.any():
        out.loc[retry] = _map_words(_nfkc(s[retry]), _BOOL_MAP)
    return out.astype("boolean"), out.isna() & (s != "")


def parse_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Plain numbers, ``1,234``, ``¥1,234``, full-width digits; text is rejected."""
    out = pd.to_numeric(s, errors="coerce").astype("float64")
    retry = ~np.isfinite(out.to_numpy()) & (s != "").to_numpy()
    if retry.any():
        t = _nfkc(s[retry]).str.replace(r"^[¥$]|元$|\s", "", regex=True)
        t = t.str.replace(r"^([+-]?)[¥$]", r"\1", regex=True)
        ok = t.str.fullmatch(_NUMBER_RE).fillna(False).astype(bool)
        out.loc[retry] = pd.to_numeric(t.where(ok).str.replace(",", ""), errors="coerce")
    out = out.where(np.isfinite(out))
    return out, out.isna() & (s != "")


def choice_map(col: Column) -> dict[str, str]:
    """Normalised spelling -> canonical code for a coded column."""
    assert col.choices is not None
    mapping: dict[str, str] = {}
    for code, spellings in col.choices.items():
        for word in (code, *spellings):
            mapping[norm_text(word)] = code
    return mapping


def parse_choice(s: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Map Chinese or English spellings (case-insensitive) onto canonical codes."""
    mapping = choice_map(col)
    out = _map_words(s, mapping)
    retry = out.isna() & (s != "")
    if retry.any():
        out.loc[retry] = _map_words(_nfkc(s[retry]), mapping)
    return out.astype("str"), out.isna() & (s != "")


_PARSERS = {"date": parse_date, "time": parse_time, "month": parse_month,
            "bool": parse_bool, "number": parse_number}


def parse_columns(df: pd.DataFrame, table: Table, v: Validator) -> pd.DataFrame:
    """Parse the canonical columns of ``df`` (strings) in place; quarantine bad rows.

    ``df``'s index holds the data row numbers (1 = first data row).
    """
    bad_rows = pd.Series(False, index=df.index)
    for col in table.columns:
        if col.name not in df.columns:
            continue
        raw = df[col.name].str.strip()
        empty = raw == ""
        if col.required:
            v.flag(raw, empty, col.name, "missing_value")
            bad_rows |= empty
        if col.choices is not None:
            parsed, bad = parse_choice(raw, col)
            allowed = ", ".join(col.choices)
            v.flag(raw, bad, col.name, "bad_code", allowed=allowed)
        elif col.kind in _PARSERS:
            parsed, bad = _PARSERS[col.kind](raw)
            v.flag(raw, bad, col.name, f"bad_{col.kind}")
        else:
            parsed, bad = raw.where(~empty).astype("str"), pd.Series(False, index=df.index)
        if col.non_negative:
            neg = (parsed < 0).fillna(False).astype(bool)
            v.flag(raw, neg, col.name, "negative")
            bad |= neg
        if col.name in LIMITS:
            big = (parsed.abs() > LIMITS[col.name]).fillna(False).astype(bool)
            v.flag(raw, big, col.name, "too_large", limit=f"{LIMITS[col.name]:,.0f}")
            bad |= big
        bad_rows |= bad
        df[col.name] = parsed
    return df[~bad_rows.to_numpy()]


def check_rows(df: pd.DataFrame, table: Table, v: Validator) -> pd.DataFrame:
    """Rules across the cells of one row, and duplicate keys; returns the kept rows."""
    bad = pd.Series(False, index=df.index)
    cols = df.columns

    def order(later: str, earlier: str, code: str) -> None:
        nonlocal bad
        if later in cols and earlier in cols:
            wrong = (df[later] < df[earlier]).fillna(False).astype(bool)
            if wrong.any():
                rows = df.index[wrong.to_numpy()]
                for row in rows:
                    a, b = df.at[row, later], df.at[row, earlier]
                    a = a.date().isoformat() if hasattr(a, "date") else str(a)[:5]
                    b = b.date().isoformat() if hasattr(b, "date") else str(b)[:5]
                    v.add([row], later, code, [a], other=b, other_column=earlier)
                bad |= wrong

    if table.name == "stores" and "store_id" in cols:
        for row, value in df["store_id"].dropna().items():
            why = id_problem(str(value))
            if why:
                v.add([row], "store_id", "unsafe_id", [shown_id(str(value))], why=why)
                bad[row] = True
    if table.name == "visits":
        order("time_out", "time_in", "time_order")
    if table.name == "orders":
        order("delivered", "order_date", "date_order")
        order("cancelled", "order_date", "date_order")
    if table.name == "leads" and "status" in cols:
        has_date = df["status_date"].notna() if "status_date" in cols else False
        missing = (df["status"] != "open") & df["status"].notna() & ~has_date
        missing = missing.fillna(False).astype(bool)
        for row in df.index[missing.to_numpy()]:
            v.issues.append(RowIssue(
                v.file, int(row), "status_date",
                reason("missing_status_date", status=df.at[row, "status"]),
                "missing_status_date", None, v.stores.get(row) or None,
            ))
        bad |= missing
    today = run_date()
    for column in EVENT_DATES.get(table.name, ()):
        if column in cols:
            future = (df[column] > pd.Timestamp(today)).fillna(False).astype(bool) & ~bad
            values = df.loc[future.to_numpy(), column].dt.strftime("%Y-%m-%d")
            v.add(values.index, column, "date_future", values, today=today.isoformat())
            bad |= future
    df = df[~bad.to_numpy()]

    if table.key and table.key in cols:
        keys = df[table.key]
        dup = keys.duplicated(keep="first") & keys.notna()
        if dup.any():
            first = pd.Series(df.index[~dup.to_numpy()], index=keys[~dup].to_numpy())
            first = first[~first.index.duplicated()]
            for row, key in keys[dup].items():
                v.add([row], table.key, "duplicate_key", [key], first_row=int(first[key]))
            df = df[~dup.to_numpy()]
    return df


def _isin(s: pd.Series, values: pd.Series) -> pd.Series:
    """``s.isin(values)`` for text columns, in Arrow (pandas' own is slow on them)."""
    arr = pa.array(s.astype("str"), from_pandas=True)
    ref = pa.array(values.astype("str"), from_pandas=True).cast(arr.type)
    hit = pc.is_in(arr, value_set=ref).to_numpy(zero_copy_only=False)
    return pd.Series(hit.astype(bool), index=s.index)


def check_references(tables: dict[str, pd.DataFrame], files: dict[str, str],
                     issues: list[RowIssue]) -> None:
    """Quarantine rows whose ids name no row of the referenced table (in place).

    Tables are checked in :data:`TABLE_ORDER`, so a row citing a quarantined row is
    quarantined too. A reference to a table absent from the folder is not checked.
    """
    for name in TABLE_ORDER:
        if name not in tables:
            continue
        df = tables[name]
        v = Validator(files[name], df["store_id"] if "store_id" in df.columns else None)
        bad = pd.Series(False, index=df.index)
        for column, ref in TABLES[name].references.items():
            if column not in df.columns or ref not in tables:
                continue
            known = tables[ref][TABLES[ref].key]
            unknown = df[column].notna() & ~_isin(df[column], known)
            v.flag(df[column], unknown, column, "unknown_reference", table=ref)
            bad |= unknown
        if name != "consultants" and {"store_id", "consultant_id"} <= set(df.columns) \
                and "consultants" in tables:
            bad |= _other_stores_consultants(df, tables["consultants"], bad, v)
        issues.extend(v.issues)
        tables[name] = df[~bad.to_numpy()]


def _other_stores_consultants(df: pd.DataFrame, consultants: pd.DataFrame, bad: pd.Series,
                              v: Validator) -> pd.Series:
    """Rows (not yet bad) citing a consultant of another store: flagged, as a mask.

    Left in, such a row counts for its store but for no consultant of it (the team's
    deliveries would not add up to the store's)."""
    home = consultants.drop_duplicates("consultant_id").set_index("consultant_id")["store_id"]
    theirs = df["consultant_id"].map(home)
    wrong = (df["consultant_id"].notna() & theirs.notna() & (theirs != df["store_id"])
             & ~bad).fillna(False).astype(bool)
    for row in df.index[wrong.to_numpy()]:
        v.add([row], "consultant_id", "consultant_store", [df.at[row, "consultant_id"]],
              other=theirs[row], store=df.at[row, "store_id"])
    return wrong
