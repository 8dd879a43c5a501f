"""Findings tracked over time (kpi_lib.analysis.finding_history): new, persisting for N
months, resolved since last month — from scripted diagnoses (statuses by hand) and one
store of the demo data checked month by month against the diagnosis itself."""

from __future__ import annotations

import json

import pytest

from kpi_lib.analysis import finding_history as fh
from kpi_lib.analysis.diagnosis import JSON_KEYS, STATUS_KEYS, Finding, diagnose, findings_json
from kpi_lib.analysis.finding_history import inbox, status_words, track
from kpi_lib.demo import ensure_demo_data
from kpi_lib.ingest.warehouse import open_warehouse


def finding(store: str, rule: str, severity: str = "medium") -> Finding:
    return Finding(rule, store, severity, f"title {rule}", "cause", [f"do {rule}", "more"])


class Script:
    """A fake diagnosis: month → the (store, rule) pairs that fire; records each call."""

    def __init__(self, fired: dict[str, set[tuple[str, str]]],
                 severity: dict[str, str] | None = None) -> None:
        self.fired, self.severity, self.calls = fired, severity or {}, []

    def __call__(self, con, period, stores, lang, rules, only=None, compare=None):
        self.calls.append((period, tuple(stores), None if only is None else sorted(only)))
        return [finding(s, r, self.severity.get(r, "medium"))
                for s, r in sorted(self.fired.get(period, set()))
                if s in stores and (only is None or r in only)]


@pytest.fixture()
def scripted(monkeypatch):
    def use(fired, first="2026-05", severity=None):
        script = Script(fired, severity)
        monkeypatch.setattr(fh, "findings_of", script)
        monkeypatch.setattr(fh, "first_months", lambda con, stores: dict.fromkeys(stores, first))
        return script
    return use


def statuses(history):
    return {t.key[1]: (t.status, t.months, t.since, t.last_seen, t.open_end)
            for t in history.current + history.resolved}


def test_new_persisting_resolved_by_hand(scripted):
    # a: Oct, Sep, Aug (not Jul) → persisting 3 since Aug; b: Oct only → new;
    # c: Sep, not Oct → resolved, last seen Sep; d: every month since the data's first
    # (2026-05) → persisting 6 "since the data begin"
    script = scripted({
        "2026-10": {("S1", "a"), ("S1", "b"), ("S1", "d")},
        "2026-09": {("S1", "a"), ("S1", "c"), ("S1", "d")},
        "2026-08": {("S1", "a"), ("S1", "c"), ("S1", "d")},
        "2026-07": {("S1", "b"), ("S1", "d")},
        "2026-06": {("S1", "d")},
        "2026-05": {("S1", "d"), ("S1", "a")},
    })
    h = track(None, "2026-10", ["S1"], current=[finding("S1", r) for r in "abd"], lookback=6)
    assert statuses(h) == {
        "a": ("persisting", 3, "2026-08", "2026-10", None),
        "b": ("new", 1, "2026-10", "2026-10", None),
        "d": ("persisting", 6, "2026-05", "2026-10", "data_start"),
        "c": ("resolved", 0, None, "2026-09", None),
    }
    # M−1 in full, then only the rules still running; nothing before the data's first month
    assert script.calls[0] == ("2026-09", ("S1",), None)
    assert script.calls[1] == ("2026-08", ("S1",), ["a", "d"])
    assert script.calls[2] == ("2026-07", ("S1",), ["a", "d"])
    assert script.calls[3:] == [("2026-06", ("S1",), ["d"]), ("2026-05", ("S1",), ["d"])]
    assert h.looked_at == ["2026-09", "2026-08", "2026-07", "2026-06", "2026-05"]


def test_lookback_ends_the_walk(scripted):
    every = {("S1", "a")}
    script = scripted({m: every for m in ("2026-10", "2026-09", "2026-08", "2026-07")})
    h = track(None, "2026-10", ["S1"], current=[finding("S1", "a")], lookback=2)
    assert statuses(h) == {"a": ("persisting", 3, "2026-08", "2026-10", "lookback")}
    assert [c[0] for c in script.calls] == ["2026-09", "2026-08"]
    # look-back 2 reaching exactly the data's first month: "since the data begin"
    scripted({m: every for m in ("2026-10", "2026-09", "2026-08")}, first="2026-08")
    h = track(None, "2026-10", ["S1"], current=[finding("S1", "a")], lookback=2)
    assert statuses(h)["a"][4] == "data_start"


def test_first_month_of_data_is_new_since_the_data_begin(scripted):
    script = scripted({"2026-05": {("S1", "a")}})
    h = track(None, "2026-05", ["S1"], current=[finding("S1", "a")], lookback=6)
    assert statuses(h) == {"a": ("new", 1, "2026-05", "2026-05", "data_start")}
    assert script.calls == [] and h.resolved == [] and h.looked_at == []


def test_stops_when_nothing_runs_on(scripted):
    script = scripted({"2026-10": {("S1", "a")}, "2026-09": {("S1", "b")},
                       "2026-08": {("S1", "a")}})
    h = track(None, "2026-10", ["S1"], current=[finding("S1", "a")], lookback=6)
    assert statuses(h) == {"a": ("new", 1, "2026-10", "2026-10", None),
                           "b": ("resolved", 0, None, "2026-09", None)}
    assert [c[0] for c in script.calls] == ["2026-09"]


def test_identity_is_store_and_rule(scripted):
    # the same rule at another store is another finding
    scripted({"2026-10": {("S1", "a"), ("S2", "a")}, "2026-09": {("S2", "a")}})
    h = track(None, "2026-10", ["S1", "S2"],
              current=[finding("S1", "a"), finding("S2", "a")], lookback=1)
    assert {t.key: (t.status, t.months) for t in h.current} == {
        ("S1", "a"): ("new", 1), ("S2", "a"): ("persisting", 2)}
    assert [t.key for t in h.for_store("S1").current] == [("S1", "a")]


def test_periods_count_periods_of_the_same_length(scripted):
    script = scripted({"2026-Q3": {("S1", "a")}, "2026-Q2": {("S1", "a")},
                       "2026-Q1": set()}, first="2026-01")
    h = track(None, "2026-Q3", ["S1"], current=[finding("S1", "a")], lookback=6)
    assert statuses(h) == {"a": ("persisting", 2, "2026-Q2", "2026-Q3", None)}
    assert [c[0] for c in script.calls] == ["2026-Q2", "2026-Q1"]
    assert status_words(h.current[0], "zh") == "持续 2 期"
    assert status_words(h.current[0], "en") == "for 2 periods running"


def test_status_words(scripted):
    scripted({"2026-10": {("S1", "a"), ("S1", "b")}, "2026-09": {("S1", "a"), ("S1", "c")},
              "2026-08": {("S1", "a")}}, first="2026-08")
    h = track(None, "2026-10", ["S1"], current=[finding("S1", "a"), finding("S1", "b")],
              lookback=6)
    words = {t.key[1]: (status_words(t, "zh"), status_words(t, "en"))
             for t in h.current + h.resolved}
    assert words == {
        "a": ("持续 3 个月（自数据起始）", "for 3 months running (since the data begin)"),
        "b": ("新发现", "new"),
        "c": ("已解决（上次出现：2026-09）", "resolved (last seen 2026-09)"),
    }


def test_json_keeps_its_keys_and_adds_the_status(scripted):
    scripted({"2026-10": {("S1", "a")}, "2026-09": {("S1", "a"), ("S1", "c")}})
    current = [finding("S1", "a")]
    h = track(None, "2026-10", ["S1"], current=current, lookback=1)
    assert JSON_KEYS[-len(STATUS_KEYS):] == STATUS_KEYS
    assert JSON_KEYS[:13] == ("rule_id", "store_id", "severity", "kind", "title", "cause",
                              "actions", "evidence", "impact", "impact_low", "impact_high",
                              "impact_unit", "impact_text")
    rows = json.loads(findings_json(current, h))
    assert [(r["rule_id"], r["status"], r["months"], r["last_seen"]) for r in rows] == [
        ("a", "persisting", 2, "2026-10"), ("c", "resolved", 0, "2026-09")]
    assert list(rows[0]) == list(JSON_KEYS)
    plain = json.loads(findings_json(current))  # without a history: null
    assert plain[0]["status"] is None and plain[0]["months"] is None


def test_inbox_by_store_then_severity(scripted, make_warehouse, tiny_tables):
    wh = make_warehouse(dict(tiny_tables))
    stores = [r[0] for r in wh.con.execute("SELECT store_id FROM stores ORDER BY 1").fetchall()]
    s1, s2 = stores[0], stores[-1]
    severity = {"a": "low", "b": "high", "c": "medium", "d": "high"}
    scripted({"2026-10": {(s2, "a"), (s2, "b"), (s1, "c")},
              "2026-09": {(s2, "a"), (s1, "d")}}, severity=severity)
    current = [finding(s2, "a", "low"), finding(s2, "b", "high"), finding(s1, "c", "medium")]
    h = track(wh.con, "2026-10", [s1, s2], current=current, lookback=1)
    table = inbox(wh.con, "2026-10", [s1, s2], history=h)
    assert list(table.columns) == list(fh.INBOX_COLUMNS)
    assert list(zip(table["store_id"], table["severity"], table["rule_id"], table["status"],
                    table["action"], strict=True)) == [
        (s1, "high", "d", "resolved", ""),
        (s1, "medium", "c", "new", "do c"),
        (s2, "high", "b", "new", "do b"),
        (s2, "low", "a", "persisting", "do a"),
    ]
    assert table["store_name"].notna().all()
    assert inbox(wh.con, "2026-10", [s2], history=h)["store_id"].eq(s2).all()


# --- the demo data: a store's history checked against the diagnosis month by month -------

def test_demo_store_history_matches_the_monthly_diagnoses():
    # S001 on the demo data: invitations to visit flagged in 2026-08 only, follow-up
    # compliance every month. Look-back 2 from 2026-09 looks at 2026-08 and 2026-07.
    with open_warehouse(ensure_demo_data()) as wh:
        by_month = {m: {f.rule_id for f in diagnose(wh.con, m, "S001", "en")}
                    for m in ("2026-09", "2026-08", "2026-07")}
        h = track(wh.con, "2026-09", ["S001"], "en", lookback=2)
    assert "invite_to_visit_low" in by_month["2026-08"] - by_month["2026-09"]
    got = statuses(h)
    assert got["invite_to_visit_low"] == ("resolved", 0, None, "2026-08", None)
    for rule in by_month["2026-09"]:  # computed by hand from the three diagnoses
        n = 1 + (rule in by_month["2026-08"]) + (
            rule in by_month["2026-08"] and rule in by_month["2026-07"])
        assert got[rule][:2] == ("new" if n == 1 else "persisting", n), rule
    assert got["followup_compliance_low"] == ("persisting", 3, "2026-07", "2026-09",
                                              "lookback")


def test_history_is_the_same_with_the_network_cache(tiny_data, monkeypatch):
    """The report kernels share each earlier month's checks between stores (network cache
    on): every store's history is what a fresh computation gives."""
    from kpi_lib.metrics import network_cache

    def histories():
        with open_warehouse(tiny_data) as wh:
            return [statuses(track(wh.con, "2026-10", [s], lookback=2)) for s in ("S1", "S2")]

    monkeypatch.setattr(network_cache, "_FRAMES", None)
    fresh = histories()
    monkeypatch.setattr(network_cache, "_FRAMES", {})
    assert histories() == fresh and histories() == fresh
