"""Findings tracked over time: new, persisting for N months, resolved since last month.

Computed from the data each time (no stored state): for a month — or a period, then
"month" reads "period of the same length" (:func:`kpi_lib.metrics.periods.shift_period`) —
``M`` the diagnosis (:mod:`kpi_lib.analysis.diagnosis`) is run again for the months before
it. A finding's identity is **(store, rule id)**:

- ``new``: present in ``M``, not in ``M−1`` (``months`` = 1);
- ``persisting``: present in ``M`` and in the months just before it, ``months`` = how many
  consecutive months up to ``M`` (≥ 2), ``since`` = the first of them;
- ``resolved``: present in ``M−1``, gone in ``M`` (``months`` = 0, ``last_seen`` = ``M−1``).

The look-back (``params/finding_history.yml`` ``lookback``, 6) bounds how far back a run
is followed; a run that reaches it is *at least* ``lookback + 1`` months
(``open_end = "lookback"``). The store's first month of data (its first register date;
the folder's first month for a store without registers) ends the look-back too: a finding
present in every month since then has ``open_end = "data_start"`` ("since the data
begin"); in the first month of data every finding is ``new`` with ``open_end =
"data_start"``. A period that starts before the data is not looked at (a part of a quarter
is not a quarter).

Cost: ``M−1`` is diagnosed in full (its compare table and every check whose compare
conditions hold) to find what was resolved; the months before it only for the stores
and rules still running (``evaluate(only=…)``), and the walk stops as soon as none is.
Each month looked at costs its compare table (kept beside the warehouse by the report
kernels' network cache, :func:`kpi_lib.metrics.comparison.compare_month`) and the checks
of the rules still running (e.g. follow-up compliance ≈ 0.4 s a month on the demo data).
Several stores share each month's diagnosis (:func:`track`, :func:`inbox`); with the
network cache on (the report kernels) a month's network-wide check counts are computed
once per process for every store (:meth:`CheckContext.shared`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..config import ConfigError, load_yaml
from ..i18n import check_lang, text
from ..metrics.periods import (
    check_period_format,
    is_month,
    period_months,
    previous_period,
    shift_period,
)
from .check_context import CheckContext
from .diagnosis import STATUS_KEYS, Finding, evaluate, sort_findings
from .diagnosis_rules import SEVERITIES, RuleSet, load_rules

STATUSES = ("new", "persisting", "resolved")
#: The inbox's columns (:func:`inbox`).
INBOX_COLUMNS = ("store_id", "store_name", "severity", "rule_id", "title", "status", "months",
                 "since", "last_seen", "open_end", "action")

Key = tuple[str, str]  # (store_id, rule_id)


def lookback_months() -> int:
    """``lookback`` of ``params/finding_history.yml`` (a whole number ≥ 0)."""
    value = load_yaml("finding_history.yml").get("lookback")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"params/finding_history.yml: lookback: expected a whole number "
                          f"≥ 0, got {value!r}")
    return value


@dataclass
class Tracked:
    """A finding of ``M`` (or a resolved one of ``M−1``) with its status over time."""

    finding: Finding
    status: str
    #: consecutive months (periods) up to M the finding was present; 0 when resolved
    months: int
    #: first month of that run (None when resolved)
    since: str | None
    #: M, or M−1 for a resolved finding
    last_seen: str
    #: the run may reach further back than counted: "data_start" (present since the
    #: store's data begin) or "lookback" (the look-back ended first); None otherwise
    open_end: str | None = None

    @property
    def key(self) -> Key:
        return self.finding.store_id, self.finding.rule_id

    def fields(self) -> dict[str, Any]:
        """The status fields (:data:`STATUS_KEYS`)."""
        return {k: getattr(self, k) for k in STATUS_KEYS}


@dataclass
class History:
    """The findings of ``month`` with their status, and those resolved since ``M−1``."""

    month: str
    current: list[Tracked]
    resolved: list[Tracked]
    #: the earlier months diagnosed, most recent first, and the seconds it took
    looked_at: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def of(self, finding: Finding) -> Tracked | None:
        """The tracked entry of a finding of ``month`` (None when unknown)."""
        key = (finding.store_id, finding.rule_id)
        return next((t for t in self.current if t.key == key), None)

    def for_store(self, store: str) -> History:
        """This history restricted to one store."""
        return History(self.month, [t for t in self.current if t.key[0] == store],
                       [t for t in self.resolved if t.key[0] == store], self.looked_at,
                       self.seconds)


class _PresenceContext(CheckContext):
    """A check context for the months before ``M−1``, where only whether a finding fired
    counts: the evidence that does not decide it (overdue leads) is not computed."""

    def overdue_counts(self, store: str) -> dict[str, int]:
        return {}


def findings_of(con: Any, period: str, stores: Sequence[str], lang: str, rules: RuleSet,
                only: frozenset[str] | None = None,
                compare: pd.DataFrame | None = None) -> list[Finding]:
    """The diagnosis of ``period`` for ``stores``; with ``only``, just those rules and
    only whether they fire (their evidence may be incomplete). The network's compare table
    is computed (or read from the network cache) for it."""
    from ..metrics.comparison import compare_month

    if compare is None:
        compare = compare_month(con, period)
    kind = CheckContext if only is None else _PresenceContext
    ctx = kind.shared(con, period, compare, lang, rules.texts)
    return evaluate(compare, rules, lang, ctx, list(stores), None, only)


def _warm(con: Any, periods: list[str], rules: RuleSet, rule_ids: set[str]) -> None:
    """Compute in one pass what the checks of ``rule_ids`` read month by month (the
    follow-up counts by lead grade: one pass over six months costs about what two single
    months do); the months' checks then read the connection's relation tables."""
    checks = {r.check for r in rules.rules if r.id in rule_ids}
    if "followup_compliance" in checks and len(periods) > 1:
        from ..metrics.cube import grain_cube
        from .pipeline import COMPLIANCE_KPIS

        grain_cube(con, periods, "grade", None, list(COMPLIANCE_KPIS.values()))


def first_months(con: Any, stores: Sequence[str]) -> dict[str, str | None]:
    """Each store's first month of data: its first register date's month, else the
    folder's first month (None: no data at all)."""
    from ..ingest.warehouse import data_months
    from ..metrics.month_progress import store_data_start

    starts = store_data_start(con)
    folder = data_months(con)[0]
    return {s: starts[s].strftime("%Y-%m") if starts.get(s) else folder for s in stores}


def track(con: Any, month: str, stores: Sequence[str], lang: str = "zh", *,
          current: list[Finding] | None = None, rules: RuleSet | None = None,
          lookback: int | None = None, compare: pd.DataFrame | None = None) -> History:
    """The findings of ``month`` for ``stores`` with their status (module docstring).

    ``current``: the findings of ``month`` when the caller has them (the report does);
    ``compare``: ``month``'s compare table, when known.
    """
    started = time.perf_counter()
    check_period_format(month)
    check_lang(lang)
    rules = rules or load_rules()
    lookback = lookback_months() if lookback is None else lookback
    stores = list(stores)
    if current is None:
        current = findings_of(con, month, stores, lang, rules, None, compare)
    firsts = first_months(con, stores) if stores else {}

    def reachable(period: str, store: str) -> bool:
        first = firsts.get(store)
        return first is not None and period_months(period)[0] >= first

    runs = {(f.store_id, f.rule_id): 1 for f in current}
    ends: dict[Key, str | None] = dict.fromkeys(runs)
    alive, previous, looked = set(runs), [], []
    for k in range(1, lookback + 1):
        period = shift_period(month, -k)
        for key in [key for key in alive if not reachable(period, key[0])]:
            ends[key] = "data_start"
            alive.discard(key)
        if k == 1:  # in full: what M−1 had is what was resolved since
            wanted = [s for s in stores if reachable(period, s)]
            if not wanted:
                break
            back = [shift_period(month, -j) for j in range(1, lookback + 1)]
            _warm(con, [p for p in back if any(reachable(p, s) for s, _ in alive)],
                  rules, {r for _, r in alive})
            found = previous = findings_of(con, period, wanted, lang, rules)
        elif alive:
            found = findings_of(con, period, sorted({s for s, _ in alive}), lang, rules,
                                frozenset(r for _, r in alive))
        else:
            break
        looked.append(period)
        alive &= {(f.store_id, f.rule_id) for f in found}
        for key in alive:
            runs[key] += 1
    if alive:  # still running where the walk stopped
        before = shift_period(month, -(lookback + 1))
        for key in alive:
            ends[key] = "lookback" if reachable(before, key[0]) else "data_start"
    tracked = []
    for f in current:
        key = (f.store_id, f.rule_id)
        n = runs[key]
        tracked.append(Tracked(f, "new" if n == 1 else "persisting", n,
                               shift_period(month, -(n - 1)), month, ends[key]))
    gone = [f for f in sort_findings(previous, rules) if (f.store_id, f.rule_id) not in runs]
    resolved = [Tracked(f, "resolved", 0, None, previous_period(month)) for f in gone]
    return History(month, tracked, resolved, looked, time.perf_counter() - started)


def status_words(t: Tracked, lang: str) -> str:
    """"新发现" / "持续 3 个月" / "持续 7 个月（自数据起始）" / "持续至少 7 个月" /
    "已解决（上次出现：2026-09）" (English: "new", "for 3 months running", …); periods
    count in periods ("持续 2 期")."""
    if t.status == "resolved":
        return text("finding_status_resolved", lang, month=t.last_seen)
    unit = text("finding_status_unit" if is_month(t.last_seen) else
                "finding_status_unit_period", lang)
    if t.status == "new":
        key = "finding_status_new_start" if t.open_end == "data_start" else "finding_status_new"
        return text(key, lang, unit=unit)
    key = "finding_status_persisting" + {"data_start": "_start", "lookback": "_lookback"}.get(
        t.open_end or "", "")
    return text(key, lang, n=t.months, unit=unit)


def tracked_json(history: History) -> list[dict[str, Any]]:
    """Each finding's JSON-ready dict with its status fields, then the resolved ones."""
    return [{**t.finding.to_dict(), **t.fields()} for t in history.current + history.resolved]


def inbox(con: Any, month: str, stores: Sequence[str], lang: str = "zh", *,
          history: History | None = None, rules: RuleSet | None = None) -> pd.DataFrame:
    """The findings inbox of ``stores`` for ``month`` (a month or a period): one row per
    finding, its owner the store, sorted by store then severity (high, medium, low).

    Columns (:data:`INBOX_COLUMNS`): ``store_id``, ``store_name`` (the owner), ``severity``,
    ``rule_id``, ``title`` (in ``lang``), ``status`` (``new`` / ``persisting`` /
    ``resolved``), ``months`` (consecutive months up to ``month`` the finding has been
    present; 0 when resolved), ``since`` (the first of them), ``last_seen`` (``month``,
    or the month before for a resolved finding), ``open_end`` (``data_start``: present
    since the data begin; ``lookback``: at least ``months``; else None) and ``action``
    (the rule's first recommended action; "" when resolved). Within a store and severity:
    resolved last, longest-running first, then rule id. Computed with :func:`track` (the
    diagnosis of the month and the months before it, for all the stores at once); pass
    ``history`` when you have it. E.g. from a region notebook::

        with open_warehouse(data) as wh:
            table = inbox(wh.con, "2026-10", ["S001", "S002"], "en")
    """
    if history is None:
        history = track(con, month, stores, lang, rules=rules)
    names = dict(con.execute("SELECT store_id, store_name FROM stores").fetchall())
    wanted = set(stores)
    rows = []
    for t in history.current + history.resolved:
        f = t.finding
        if f.store_id not in wanted:
            continue
        rows.append({"store_id": f.store_id, "store_name": names.get(f.store_id),
                     "severity": f.severity, "rule_id": f.rule_id, "title": f.title,
                     **t.fields(),
                     "action": "" if t.status == "resolved" or not f.actions else f.actions[0]})
    frame = pd.DataFrame(rows, columns=list(INBOX_COLUMNS))
    if frame.empty:
        return frame
    order = frame.assign(
        _sev=frame["severity"].map({s: i for i, s in enumerate(SEVERITIES)}).fillna(9),
        _gone=frame["status"].eq("resolved"), _m=-frame["months"])
    order = order.sort_values(["store_id", "_sev", "_gone", "_m", "rule_id"], kind="stable")
    return order[list(INBOX_COLUMNS)].reset_index(drop=True)
