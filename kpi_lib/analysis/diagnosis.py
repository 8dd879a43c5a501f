"""Funnel diagnosis: what is wrong with a store, how sure we are, and what to do.

The rules are data (``params/diagnosis.yml``, parsed by :mod:`kpi_lib.analysis.diagnosis_rules`);
this module evaluates them over one month's compare table
(:func:`kpi_lib.metrics.comparison.compare_month`), runs the named checks of
:mod:`kpi_lib.analysis.diagnosis_checks`, and returns :class:`Finding` objects sorted by their
expected effect.

Every condition of a rule is a statistical verdict of the compare table (clearly
below/above after the FDR, or a check's own test): a finding never rests on a raw
comparison with an average, and each rule asks for at least one clear verdict.

Expected effect (``Finding.impact``, orders a month, with ``impact_low``–``impact_high``):
the shortfall of the rule's KPI in its numerator's units — ``expected − numerator`` of the
compare row, i.e. how many more test drives (negotiations, captured leads …) the benchmark
rate gives at the store's own denominator; for visits the peer group's median − visits —
carried down the funnel by the store's own downstream rates named in ``impact.via``,
each shrunk toward its peers' rate (``(k + m·r_peers) / (n + m)``, ``m`` =
``effects.shrink_events``), and converted at the margin: extra volume turns into orders at
``effects.marginal`` (low, high) × those rates, not at the store's average. The range is
capped by what a peer store achieves at the same traffic (the peers' or benchmark's
showroom close rate × the store's visits − its showroom orders). E.g. ``test_drive_low``::

    +N test drives × negotiation_rate × negotiation_close_rate × (0.5 … 0.8) ≈ +L–H orders

Findings are sorted by the central estimate (the middle of the range).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..formatting import format_value
from ..i18n import check_lang, in_sentence, text, verdict_words
from ..metrics.periods import check_period_format
from ..metrics.registry import REGISTRY
from .check_context import CheckContext, CheckResult, compare_evidence
from .diagnosis_checks import CHECKS
from .diagnosis_rules import SEVERITIES, Condition, Rule, RuleSet, load_rules

NAN = float("nan")


@dataclass
class Finding:
    """One diagnosis for one store: what, why, what to do, the numbers, the effect."""

    rule_id: str
    store_id: str
    severity: str
    title: str
    cause: str
    actions: list[str]
    #: rows with metric, label, unit, value, benchmark, benchmark_scope, ci_low, ci_high,
    #: verdict, p, p_adj, detail
    evidence: list[dict[str, Any]] = field(default_factory=list)
    #: expected extra orders (deliveries for undelivered_orders_pile_up) a month if the
    #: KPI reached the benchmark (the middle of the range); 0 when the rule has no order
    #: effect or none is estimable
    impact: float = 0.0
    impact_text: str = ""
    impact_low: float = 0.0
    impact_high: float = 0.0
    #: funnel (the course's four diagnoses and their kin) or execution
    kind: str = "funnel"
    #: what impact counts: orders, deliveries, or yuan (ad spend saved; not sorted by)
    impact_unit: str = "orders"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN → None)."""
        return _clean(asdict(self))


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA:
        return None
    return obj


def _is_na(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _num(x: object) -> float:
    return NAN if _is_na(x) else float(x)  # type: ignore[arg-type]


# --- conditions ------------------------------------------------------------------------

def _holds(op: str, arg: Any, row: pd.Series) -> bool:
    """Whether the operator ``op`` with argument ``arg`` holds for one compare row."""
    if op == "verdict_in":
        return row["verdict"] in arg
    if op == "verdict_not_in":
        return not _is_na(row["verdict"]) and row["verdict"] not in arg
    # worse: a watch/clearly deviation in the bad (True) or good (False) direction
    return not _is_na(row["worse"]) and bool(row["worse"]) is arg


def _too_few(cond: Condition, rows: dict[str, pd.Series]) -> list[str]:
    """Metrics of ``cond`` too small to judge (unless it asks for ``too_few`` itself)."""
    if cond.metric is None:
        return [m for c in cond.any_of for m in _too_few(c, rows)]
    row = rows.get(cond.metric)
    asks = any(op == "verdict_in" and "too_few" in arg for op, arg in cond.ops)
    return [cond.metric] if row is not None and row["verdict"] == "too_few" and not asks else []


def condition_holds(cond: Condition, rows: dict[str, pd.Series]) -> bool:
    """Whether one condition holds for a store's compare rows (metric → row)."""
    if cond.metric is None:
        return any(condition_holds(c, rows) for c in cond.any_of)
    row = rows.get(cond.metric)
    return row is not None and all(_holds(op, arg, row) for op, arg in cond.ops)


def conditions_hold(rule: Rule, rows: dict[str, pd.Series]) -> bool:
    """Whether every condition of ``rule`` holds for a store's compare rows."""
    return all(condition_holds(c, rows) for c in rule.when)


# --- impact ----------------------------------------------------------------------------

def store_rate(rules: RuleSet, rows: dict[str, pd.Series], rate_id: str) -> float:
    """The store's own rate: a registry ratio's value or a ``stage_rates`` ratio."""
    stage = rules.stage_rates.get(rate_id)
    if stage is None:
        row = rows.get(rate_id)
        return NAN if row is None else _num(row["value"])
    parts = []
    for metric, part in (stage.numerator, stage.denominator):
        row = rows.get(metric)
        parts.append(NAN if row is None else _num(row[part]))
    return parts[0] / parts[1] if parts[1] else NAN


def shortfall(row: pd.Series) -> float:
    """Extra numerator units (fewer, for a 'down' KPI) at the benchmark; never negative.

    Ratios: ``expected − numerator`` (``expected`` = denominator × benchmark rate);
    counts: ``benchmark − value`` (national average when no benchmark).
    """
    down = row.get("direction") == "down"
    if row.get("type") == "ratio" or not _is_na(row.get("denominator")):
        expected = _num(row.get("expected"))
        if not math.isfinite(expected):
            expected = _num(row.get("denominator")) * _num(row.get("benchmark"))
        gap = _num(row.get("numerator")) - expected
    else:
        bench = _num(row.get("benchmark"))
        if not math.isfinite(bench):
            bench = _num(row.get("national_avg"))
        gap = _num(row.get("value")) - bench
    if not math.isfinite(gap):
        return NAN
    return max(0.0, gap if down else -gap)


def _count(x: float) -> str:
    """Whole numbers from 1 up, one decimal below (never "+0" for a small effect)."""
    return f"{x:,.0f}" if x >= 1 or x == 0 else f"{x:.1f}"


def shrunk_rate(rules: RuleSet, rows: dict[str, pd.Series], rate_id: str) -> float:
    """The store's rate shrunk toward its peers': ``(k + m·r_peers) / (n + m)``."""
    row = rows.get(rate_id)
    if row is None or rate_id in rules.stage_rates:
        return store_rate(rules, rows, rate_id)
    k, n = _num(row.get("numerator")), _num(row.get("denominator"))
    peer = _num(row.get("peers"))
    if not math.isfinite(peer):
        peer = _num(row.get("benchmark"))
    m = float(rules.effects["shrink_events"])
    if not (math.isfinite(k) and math.isfinite(n)):
        return NAN
    if not math.isfinite(peer):
        return k / n if n > 0 else NAN
    return (k + m * peer) / (n + m) if n + m > 0 else NAN


def _cap(rows: dict[str, pd.Series], extra_visits: float) -> float:
    """Most extra showroom orders a peer store achieves at the store's traffic."""
    close, visits = rows.get("showroom_close_rate"), rows.get("visits")
    if close is None or visits is None:
        return math.inf
    rates = [r for r in (_num(close.get("peers")), _num(close.get("benchmark")),
                         _num(close.get("value"))) if math.isfinite(r)]
    if not rates:  # no close rate known anywhere (a workbook-only month): no cap
        return math.inf
    best = max(rates)
    traffic = _num(visits.get("value")) + max(extra_visits, 0.0)
    cap = best * traffic - _num(close.get("numerator"))
    return max(0.0, cap) if math.isfinite(cap) else math.inf


def effect_range(rules: RuleSet, rows: dict[str, pd.Series], short: float,
                 via: tuple[str, ...], *, extra_visits: float = 0.0,
                 capped: bool = True) -> tuple[float, float, float]:
    """(low, central, high) orders a month from a shortfall carried down ``via``."""
    if not math.isfinite(short):
        return NAN, NAN, NAN
    # the shortfall carried down ``via`` (none: it is in orders already), at the margin
    base = short * math.prod(shrunk_rate(rules, rows, r) for r in via)
    low, high = (base * f for f in rules.effects["marginal"])
    if not (math.isfinite(low) and math.isfinite(high)):
        return NAN, NAN, NAN
    if capped:
        cap = _cap(rows, extra_visits)
        low, high = min(low, cap), min(high, cap)
    return low, (low + high) / 2, high


def _span(low: float, high: float) -> str:
    """"25–40" (one number when both round alike)."""
    a, b = _count(low), _count(high)
    return a if a == b else f"{a}–{b}"


def _effect(rules: RuleSet, low: float, high: float, unit: str, lang: str) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return rules.texts["impact_none"][lang]
    return rules.texts[f"impact_{unit}"][lang].format(n=_span(low, high))


def _scope_words(row: pd.Series | None, lang: str) -> str:
    scope = None if row is None else row.get("benchmark_scope")
    return text("scope_" + scope, lang) if isinstance(scope, str) else text(
        "scope_benchmark", lang)


def _impact(rule: Rule, rules: RuleSet, rows: dict[str, pd.Series],
            lang: str) -> tuple[tuple[float, float, float], str]:
    """Orders a month if the rule's KPI reached its benchmark (range), and the sentence."""
    spec = rule.impact
    assert spec is not None
    row = rows.get(spec.metric)
    short = NAN if row is None else shortfall(row)
    metric = REGISTRY[spec.metric]
    extra = short if spec.metric == "visits" else 0.0
    if spec.unit == "yuan":  # money saved at the benchmark's cost: no conversion to carry
        rng = (short, short, short)
    else:
        rng = effect_range(rules, rows, short, spec.via, extra_visits=extra,
                           capped=spec.unit == "orders")
    stage = REGISTRY[metric.numerator].label(lang) if metric.numerator else metric.label(lang)
    return rng, _chain(rules, lang, metric.label(lang), _scope_words(row, lang), stage,
                       short, metric.direction == "down", rng, spec.unit)


def _chain(rules: RuleSet, lang: str, label: str, scope: str, stage: str, short: float,
           down: bool, rng: tuple[float, float, float], unit: str) -> str:
    steps = []
    label, stage = in_sentence(label, lang), in_sentence(stage, lang)
    if math.isfinite(short):
        sign = "−" if down else "+"  # fewer lost leads, more test drives
        steps.append(rules.texts["impact_step"][lang].format(stage=stage, gap=_count(short),
                                                             sign=sign))
    steps.append(_effect(rules, rng[0], rng[2], unit, lang))
    return rules.texts["impact_chain"][lang].format(label=label, scope=scope,
                                                    steps=" → ".join(steps))


# --- evaluation ------------------------------------------------------------------------

def _finding(rule: Rule, store: str, lang: str, evidence: list[dict[str, Any]],
             rng: tuple[float, float, float], impact_text: str,
             unit: str = "orders") -> Finding:
    low, mid, high = (x if math.isfinite(x) else 0.0 for x in rng)
    return Finding(rule.id, store, rule.severity, rule.title[lang], rule.cause[lang],
                   list(rule.actions[lang]), evidence, mid, impact_text, low, high,
                   rule.kind, unit)


def _check_effect(rule: Rule, rules: RuleSet, rows: dict[str, pd.Series], lang: str,
                  result: CheckResult) -> tuple[tuple[float, float, float], str]:
    """A check's effect: its own words, or its shortfall carried down like a rule's."""
    if not result.impact_via:
        v = result.impact if math.isfinite(result.impact) else NAN
        text_ = result.impact_text or _effect(rules, v, v, result.impact_unit, lang)
        return (v, v, v), text_
    rng = effect_range(rules, rows, result.impact, result.impact_via,
                       extra_visits=result.impact)
    label = result.evidence[0]["label"] if result.evidence else rule.title[lang]
    scope = text("scope_" + (result.evidence[0].get("benchmark_scope") or "benchmark"), lang)
    return rng, _chain(rules, lang, label, scope, result.impact_stage or label,
                       result.impact, False, rng, result.impact_unit)


def _store_findings(store: str, rows: dict[str, pd.Series], rules: RuleSet, lang: str,
                    ctx: CheckContext | None,
                    watched: list[dict[str, Any]] | None = None,
                    only: frozenset[str] | None = None) -> list[Finding]:
    found: list[Finding] = []
    too_few: dict[str, pd.Series] = {}
    for rule in rules.rules:
        few = [m for c in rule.when for m in _too_few(c, rows)]
        if few:
            too_few.update({m: rows[m] for m in few})
            continue
        if (only is not None and rule.id not in only) or not conditions_hold(rule, rows):
            continue
        result: CheckResult | None = None
        if rule.check is not None:
            if ctx is None:  # no warehouse: only the compare-table rules can run
                continue
            result = CHECKS[rule.check](ctx, store, rule.params)
            if result is None:
                continue
            if result.watch:  # not established: the quieter list, never a finding
                if watched is not None:
                    watched += [dict(e, store_id=store) for e in result.evidence]
                continue
        evidence = [compare_evidence(rows[m], lang) for m in rule.metrics if m in rows]
        if rule.impact is not None:
            if rule.impact.metric not in rule.metrics and rule.impact.metric in rows:
                evidence.append(compare_evidence(rows[rule.impact.metric], lang))
            rng, words = _impact(rule, rules, rows, lang)
            unit = rule.impact.unit
        else:
            assert result is not None
            rng, words = _check_effect(rule, rules, rows, lang, result)
            unit = result.impact_unit
        if result is not None:
            evidence += result.evidence
        # a finding stands on its own evidence: one of its lines is a clear verdict
        assert any(str(e.get("verdict")).startswith("clearly_") for e in evidence), rule.id
        found.append(_finding(rule, store, lang, evidence, rng, words, unit))
    if too_few and (only is None or rules.too_few.id in only):
        evidence = [compare_evidence(r, lang) for r in too_few.values()]
        found.append(_finding(rules.too_few, store, lang, evidence, (0.0, 0.0, 0.0),
                              rules.texts["impact_none"][lang]))
    return found


def watch_list(compare: pd.DataFrame, store: str, lang: str = "zh",
               rules: RuleSet | None = None) -> list[dict[str, Any]]:
    """The quieter list (值得关注): the store's KPIs of ``rules.watch`` that deviate in the
    bad direction beyond the 95% limits but are not established (no FDR, or not past the
    clear limit). Not findings: no severity, no action."""
    rules = rules or load_rules()
    mine = compare[(compare["store_id"] == store) & compare["metric"].isin(rules.watch)]
    flagged = mine[mine["verdict"].isin(("watch_below", "watch_above"))
                   & mine["worse"].fillna(False).astype(bool)]
    order = {m: i for i, m in enumerate(rules.watch)}
    flagged = flagged.assign(_o=flagged["metric"].map(order)).sort_values("_o")
    return [compare_evidence(row, lang) for _, row in flagged.iterrows()]


def sort_findings(findings: list[Finding], rules: RuleSet | None = None) -> list[Finding]:
    """By the central estimate of the effect (largest first), then severity (high
    first), rule order, store."""
    order = {r.id: i for i, r in enumerate(rules.rules)} if rules else {}
    return sorted(findings, key=lambda f: (-(0.0 if f.impact_unit == "yuan" else f.impact),
                                           SEVERITIES.index(f.severity),
                                           order.get(f.rule_id, len(order)), f.store_id))


def evaluate(compare: pd.DataFrame, rules: RuleSet, lang: str = "zh",
             ctx: CheckContext | None = None, stores: list[str] | None = None,
             watched: list[dict[str, Any]] | None = None,
             only: frozenset[str] | None = None) -> list[Finding]:
    """Apply ``rules`` to a compare table (one month); rules with a check need ``ctx``.

    Checks whose result is only worth watching add their evidence rows (with
    ``store_id``) to ``watched`` when given — the quieter list, not findings. ``only``:
    evaluate just these rule ids (the finding history asks whether a finding went on)."""
    check_lang(lang)
    if stores is not None:  # a store's rules read only its own rows
        compare = compare[compare["store_id"].isin(stores)]
    by_store: dict[str, dict[str, pd.Series]] = {}
    for row in compare.to_dict("records"):  # plain dicts: read like rows, 10× faster
        by_store.setdefault(row["store_id"], {})[row["metric"]] = row  # type: ignore[assignment]
    if ctx is not None:
        ctx.rate = lambda store, rate_id: store_rate(rules, by_store.get(store, {}), rate_id)
    wanted = sorted(by_store) if stores is None else stores
    found = []
    for store in wanted:
        found += _store_findings(store, by_store.get(store, {}), rules, lang, ctx, watched,
                                 only)
    return sort_findings(found, rules)


def diagnose(con: Any, month: str, store: str | None = None, lang: str = "zh",
             rules: RuleSet | None = None, compare: pd.DataFrame | None = None,
             watched: list[dict[str, Any]] | None = None) -> list[Finding]:
    """Findings of ``month`` for ``store`` (every store when None), sorted by impact.

    ``con`` is the warehouse connection; the network's compare table is computed once
    (benchmarks and FDR always cover every store, also when one store is asked for), or
    passed in as ``compare`` when the caller already has it for ``month``.
    """
    from ..metrics.comparison import compare_month

    check_period_format(month)
    check_lang(lang)
    rules = rules or load_rules()
    if compare is None:
        compare = compare_month(con, month)
    ctx = CheckContext.shared(con, month, compare, lang, rules.texts)
    return evaluate(compare, rules, lang, ctx, None if store is None else [store], watched)



# --- output ----------------------------------------------------------------------------

#: A finding over time (kpi_lib.analysis.finding_history.Tracked): new / persisting /
#: resolved, consecutive months present up to the month, first of them, last month seen,
#: whether the run reaches the data's start or the look-back ("data_start", "lookback").
STATUS_KEYS = ("status", "months", "since", "last_seen", "open_end")
JSON_KEYS = ("rule_id", "store_id", "severity", "kind", "title", "cause", "actions",
             "evidence", "impact", "impact_low", "impact_high", "impact_unit", "impact_text",
             *STATUS_KEYS)


def _tracked(findings: list[Finding], history: Any) -> list[tuple[Finding, Any]]:
    """Each finding with its :class:`~kpi_lib.analysis.finding_history.Tracked` (None
    without ``history``), then the findings resolved since the month before."""
    if history is None:
        return [(f, None) for f in findings]
    return [(f, history.of(f)) for f in findings] + [(t.finding, t) for t in history.resolved]


def findings_json(findings: list[Finding], history: Any = None) -> str:
    """The findings as a JSON list (UTF-8 text, NaN as null). With ``history``
    (:func:`kpi_lib.analysis.finding_history.track`) each has its :data:`STATUS_KEYS` and
    the resolved ones follow (status ``resolved``); without it those keys are null."""
    rows = [{**f.to_dict(), **(t.fields() if t else dict.fromkeys(STATUS_KEYS))}
            for f, t in _tracked(findings, history)]
    return json.dumps([{k: r[k] for k in JSON_KEYS} for r in rows], ensure_ascii=False,
                      indent=2)


def evidence_line(ev: dict[str, Any], lang: str = "zh", *, plain_words: bool = False) -> str:
    """``label value [low–high] vs benchmark (scope) verdict; detail``.

    By default scope and verdict are the codes and the adjusted p-value follows (for
    analysts); ``plain_words`` gives them in the catalogue's words, without p-values.
    """
    unit = ev.get("unit") or "rate"
    fmt = (lambda x: f"{x:.2f}") if unit == "ratio" else (
        lambda x: format_value(x, unit, lang))
    out = f"{ev.get('label') or ev.get('metric')} {fmt(ev.get('value'))}"
    if not _is_na(ev.get("ci_low")) and not _is_na(ev.get("ci_high")):
        out += f" [{fmt(ev['ci_low'])}–{fmt(ev['ci_high'])}]"
    if not _is_na(ev.get("benchmark")):
        out += f" vs {fmt(ev['benchmark'])}"
        if ev.get("benchmark_scope"):
            scope = ev["benchmark_scope"]
            out += f" ({text('scope_' + scope, lang) if plain_words else scope})"
    if ev.get("verdict"):
        out += " " + (verdict_words(ev["verdict"], ev.get("worse"), lang) if plain_words
                      else ev["verdict"])
    if not plain_words and not _is_na(ev.get("p_adj")):
        out += f" p_adj={ev['p_adj']:.2g}"
    if ev.get("detail"):
        out += f"; {ev['detail']}"
    return out


def findings_table(findings: list[Finding], lang: str = "zh", history: Any = None) -> Any:
    """A rich Table of the findings (store, severity, finding, evidence, impact, actions);
    with ``history`` the severity cell adds the status and the resolved ones follow."""
    from rich.markup import escape
    from rich.table import Table

    from .finding_history import status_words

    zh = lang == "zh"
    table = Table(show_lines=True, title="诊断结果" if zh else "Diagnosis")
    for name in (("门店", "级别", "问题", "依据", "预期效果", "建议措施") if zh else
                 ("Store", "Severity", "Finding", "Evidence", "Expected effect", "Actions")):
        table.add_column(name, overflow="fold")
    bullet = "・" if zh else "• "  # CJK text has no spaces: a "• " would wrap on its own
    for f, t in _tracked(findings, history):
        severity = f.severity if t is None else f"{f.severity}\n{status_words(t, lang)}"
        table.add_row(f.store_id, severity, f"{escape(f.title)}\n[dim]{f.rule_id}[/dim]",
                      escape("\n".join(evidence_line(e, lang) for e in f.evidence)),
                      escape(f.impact_text), escape("\n".join(bullet + a for a in f.actions)))
    return table
