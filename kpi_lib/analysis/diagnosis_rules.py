"""Diagnosis rules as data: ``params/diagnosis.yml`` parsed and validated on load.

A rule is a list of conditions over one month's compare table (all must hold), an
optional named check in Python (:mod:`kpi_lib.analysis.diagnosis_checks`) with its thresholds,
words in both languages, and how to turn the KPI's shortfall into orders. Every mistake
in the file raises :class:`~kpi_lib.config.ConfigError` naming the rule and the bad key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..config import ConfigError, load_yaml
from ..i18n import LANGS
from ..metrics.registry import REGISTRY

FILE = "diagnosis.yml"
SEVERITIES: tuple[str, ...] = ("high", "medium", "low")
VERDICTS: tuple[str, ...] = ("too_few", "na", "in_line", "watch_above", "watch_below",
                             "clearly_above", "clearly_below")
#: the closed set of condition operators -> the kind of argument each takes. Only
#: statistical verdicts of the compare table: a rule never compares a raw value with an
#: average (a store's own evidence must hold its finding).
OPERATORS: dict[str, str] = {
    "verdict_in": "verdicts", "verdict_not_in": "verdicts", "worse": "bool",
}
#: verdicts that establish a problem: each rule needs one condition that asks for one
ESTABLISHED: tuple[str, ...] = ("clearly_below", "clearly_above")
IMPACT_UNITS: tuple[str, ...] = ("orders", "deliveries", "yuan")
PARTS: tuple[str, ...] = ("numerator", "denominator")
TEXT_KEYS: tuple[str, ...] = ("impact_orders", "impact_deliveries", "impact_chain",
                              "impact_step", "impact_spend", "impact_none", "consultant",
                              "competitor", "network_ratio", "consultant_conversion",
                              "compliance_label", "overdue_label", "invite_label",
                              "invite_stage", "paced", "impact_target_gap", "impact_yuan",
                              "seasonal_label", "target_visits_label")
KINDS: tuple[str, ...] = ("funnel", "execution")
TOO_FEW_ID = "too_few_to_tell"
_RULE_KEYS = {"id", "severity", "kind", "title", "cause", "actions", "when", "check",
              "params", "impact"}
_TOP_KEYS = {"rules", "stage_rates", "too_few_to_tell", "texts", "verdicts", "effects",
             "watch"}
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: effects: extra volume converts at ``marginal`` (low, high) × the store's rate, shrunk
#: toward its peers' with ``shrink_events`` pseudo-events
EFFECT_DEFAULTS: dict[str, Any] = {"marginal": [0.5, 0.8], "shrink_events": 200}


@dataclass(frozen=True)
class Condition:
    """``metric`` and operators (name -> argument) that must all hold, or ``any_of``:
    a list of conditions of which at least one must hold (then ``metric`` is None)."""

    metric: str | None
    ops: tuple[tuple[str, Any], ...] = ()
    any_of: tuple[Condition, ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        """Metric ids the condition looks at."""
        if self.metric is not None:
            return (self.metric,)
        return tuple(dict.fromkeys(m for c in self.any_of for m in c.metrics))


@dataclass(frozen=True)
class Impact:
    """Shortfall of ``metric`` (in its numerator's units) × the store's ``via`` rates."""

    metric: str
    via: tuple[str, ...] = ()
    unit: str = "orders"


@dataclass(frozen=True)
class StageRate:
    """A rate of the store's own funnel: ``<metric>.<part>`` / ``<metric>.<part>``."""

    numerator: tuple[str, str]
    denominator: tuple[str, str]


@dataclass(frozen=True)
class Rule:
    """One diagnosis rule of ``params/diagnosis.yml``."""

    id: str
    severity: str
    title: dict[str, str]
    cause: dict[str, str]
    actions: dict[str, list[str]]
    when: tuple[Condition, ...] = ()
    check: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    impact: Impact | None = None
    #: funnel (the course's diagnoses) or execution (follow-up, invitations, aftercare …)
    kind: str = "funnel"

    @property
    def metrics(self) -> tuple[str, ...]:
        """Metric ids the rule's conditions look at."""
        return tuple(dict.fromkeys(m for c in self.when for m in c.metrics))


@dataclass(frozen=True)
class RuleSet:
    """The validated rules, stage rates, the too-few finding and the impact words."""

    rules: tuple[Rule, ...]
    stage_rates: dict[str, StageRate]
    too_few: Rule
    texts: dict[str, dict[str, str]]
    #: how a shortfall becomes an expected effect (see params/diagnosis.yml ``effects``)
    effects: dict[str, Any] = field(default_factory=lambda: dict(EFFECT_DEFAULTS))
    #: the quieter "worth watching" list: metric ids shown when worse and watch_*
    watch: tuple[str, ...] = ()

    def rule(self, rule_id: str) -> Rule:
        """The rule called ``rule_id`` (KeyError otherwise)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def _fail(where: str, message: str) -> None:
    raise ConfigError(f"params/{FILE}: {where}: {message}")


def _words(where: str, key: str, value: object, as_list: bool = False) -> dict:
    if not isinstance(value, dict):
        _fail(where, f"'{key}' must be a mapping with the languages {', '.join(LANGS)}")
    out = {}
    for lang in LANGS:
        item = value.get(lang)
        if as_list:
            ok = (isinstance(item, list) and item
                  and all(isinstance(s, str) and s.strip() for s in item))
            if not ok:
                _fail(where, f"'{key}' needs a non-empty list of sentences in '{lang}'")
            out[lang] = list(item)
        else:
            if not isinstance(item, str) or not item.strip():
                _fail(where, f"'{key}' has no text in language '{lang}'")
            out[lang] = item
    extra = set(value) - set(LANGS)
    if extra:
        _fail(where, f"'{key}' has unknown languages {sorted(extra)}; use {', '.join(LANGS)}")
    return out


def _metric(where: str, value: object) -> str:
    if not isinstance(value, str) or value not in REGISTRY:
        _fail(where, f"unknown metric id {value!r} (see kpi_lib/ingest/kpi_catalogue.py)")
    return value  # type: ignore[return-value]


def _argument(where: str, op: str, arg: object) -> Any:
    kind = OPERATORS[op]
    if kind == "verdicts":
        if not isinstance(arg, list) or not arg:
            _fail(where, f"'{op}' needs a non-empty list of verdicts")
        bad = [v for v in arg if v not in VERDICTS]  # type: ignore[union-attr]
        if bad:
            _fail(where, f"'{op}' has unknown verdicts {bad}; known: {', '.join(VERDICTS)}")
        return tuple(arg)  # type: ignore[arg-type]
    if not isinstance(arg, bool):  # "bool": worse
        _fail(where, f"'{op}' must be true or false, not {arg!r}")
    return arg


def _condition(where: str, raw: object) -> Condition:
    if isinstance(raw, dict) and set(raw) == {"any"}:
        subs = raw["any"]
        if not isinstance(subs, list) or len(subs) < 2:
            _fail(where, "'any' needs a list of at least two conditions")
        return Condition(None, any_of=tuple(_condition(f"{where}, any", c) for c in subs))
    if not isinstance(raw, dict) or "metric" not in raw:
        _fail(where, "each condition must be a mapping with 'metric' and an operator "
                     f"(or 'any': [conditions]), not {raw!r}")
    metric = _metric(where, raw["metric"])  # type: ignore[index]
    ops = [k for k in raw if k != "metric"]  # type: ignore[union-attr]
    unknown = [k for k in ops if k not in OPERATORS]
    if unknown:
        _fail(where, f"unknown operator {unknown[0]!r} on metric {metric}; "
                     f"known: {', '.join(OPERATORS)}")
    if not ops:
        _fail(where, f"the condition on {metric} has no operator; known: {', '.join(OPERATORS)}")
    return Condition(metric, tuple((op, _argument(f"{where}, {metric}", op, raw[op]))
                                   for op in ops))  # type: ignore[index]


def _impact(where: str, raw: object, stage_rates: dict[str, StageRate]) -> Impact:
    if not isinstance(raw, dict) or set(raw) - {"metric", "via", "unit"}:
        _fail(where, "'impact' must be a mapping with 'metric', optional 'via' and 'unit'")
    metric = _metric(f"{where}, impact", raw.get("metric"))  # type: ignore[union-attr]
    via = raw.get("via", []) or []  # type: ignore[union-attr]
    if not isinstance(via, list):
        _fail(where, "'impact.via' must be a list of rate ids")
    for rate in via:
        known = rate in stage_rates or (rate in REGISTRY and REGISTRY[rate].type == "ratio")
        if not known:
            _fail(where, f"impact.via: unknown rate {rate!r} (a ratio metric id or a "
                         "stage_rates name)")
    unit = raw.get("unit", "orders")  # type: ignore[union-attr]
    if unit not in IMPACT_UNITS:
        _fail(where, f"impact.unit must be one of {', '.join(IMPACT_UNITS)}, not {unit!r}")
    return Impact(metric, tuple(via), unit)


def _stage_rates(raw: object) -> dict[str, StageRate]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        _fail("stage_rates", "must be a mapping name -> {numerator, denominator}")
    out = {}
    for name, spec in raw.items():  # type: ignore[union-attr]
        where = f"stage_rates.{name}"
        if not isinstance(spec, dict) or set(spec) != {"numerator", "denominator"}:
            _fail(where, "needs exactly 'numerator' and 'denominator'")
        parts = []
        for key in ("numerator", "denominator"):
            metric, _, part = str(spec[key]).partition(".")
            _metric(f"{where}.{key}", metric)
            if part not in PARTS:
                _fail(where, f"{key} must read <metric>.numerator or <metric>.denominator, "
                             f"not {spec[key]!r}")
            parts.append((metric, part))
        out[str(name)] = StageRate(parts[0], parts[1])
    return out


def _rule(raw: object, index: int, stage_rates: dict[str, StageRate],
          checks: dict[str, dict[str, Any]], seen: set[str]) -> Rule:
    if not isinstance(raw, dict):
        _fail(f"rule #{index + 1}", "must be a mapping")
    rid = raw.get("id")  # type: ignore[union-attr]
    if not isinstance(rid, str) or not _ID_RE.fullmatch(rid):
        _fail(f"rule #{index + 1}", f"'id' must be a snake_case name, not {rid!r}")
    where = f"rule {rid}"
    if rid in seen or rid == TOO_FEW_ID:
        _fail(where, "the id is used twice (or is the reserved too_few_to_tell)")
    seen.add(rid)
    unknown = set(raw) - _RULE_KEYS  # type: ignore[arg-type]
    if unknown:
        _fail(where, f"unknown keys {sorted(unknown)}; known: {', '.join(sorted(_RULE_KEYS))}")
    severity = raw.get("severity")  # type: ignore[union-attr]
    if severity not in SEVERITIES:
        _fail(where, f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    when_raw = raw.get("when", []) or []  # type: ignore[union-attr]
    if not isinstance(when_raw, list):
        _fail(where, "'when' must be a list of conditions")
    when = tuple(_condition(f"{where}, when", c) for c in when_raw)
    check = raw.get("check")  # type: ignore[union-attr]
    if not when_raw and not check:
        _fail(where, "needs 'when' conditions or a 'check'")
    if when and not check and not any(_establishes(c) for c in when):
        _fail(where, "needs a condition that asks for a clear verdict "
                     f"(verdict_in: a subset of {list(ESTABLISHED)}), or a 'check'")
    kind = raw.get("kind", "funnel")  # type: ignore[union-attr]
    if kind not in KINDS:
        _fail(where, f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    params: dict[str, Any] = dict(raw.get("params") or {})  # type: ignore[union-attr]
    if check is not None:
        if check not in checks:
            _fail(where, f"unknown check {check!r}; known: {', '.join(sorted(checks))}")
        params = _check_params(where, checks[check], params)
    elif params:
        _fail(where, "'params' are only read by a 'check'")
    impact = raw.get("impact")  # type: ignore[union-attr]
    if impact is None and check is None:
        _fail(where, "needs 'impact' (the metric whose shortfall gives the effect)")
    return Rule(
        id=rid, severity=severity,  # type: ignore[arg-type]
        title=_words(where, "title", raw.get("title")),  # type: ignore[union-attr]
        cause=_words(where, "cause", raw.get("cause")),  # type: ignore[union-attr]
        actions=_words(where, "actions", raw.get("actions"), as_list=True),  # type: ignore
        when=when,
        check=check, params=params,
        impact=None if impact is None else _impact(where, impact, stage_rates), kind=kind,
    )


def _establishes(cond: Condition) -> bool:
    """Whether a condition holds only on a clear verdict (all of an any-of's do)."""
    if cond.metric is None:
        return all(_establishes(c) for c in cond.any_of)
    return any(op == "verdict_in" and set(arg) <= set(ESTABLISHED) for op, arg in cond.ops)


def _check_params(where: str, spec: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Check the given params against the check's defaults (same keys, same kinds)."""
    unknown = set(given) - set(spec)
    if unknown:
        _fail(where, f"unknown params {sorted(unknown)}; known: {', '.join(sorted(spec))}")
    out = dict(spec)
    for key, value in given.items():
        default = spec[key]
        if isinstance(default, list):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif isinstance(default, int | float):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        else:
            ok = isinstance(value, type(default))
        if not ok:
            _fail(where, f"param {key!r} must be like {default!r}, not {value!r}")
        out[key] = value
    return out


def parse_rules(cfg: dict[str, Any]) -> RuleSet:
    """Validate the parsed YAML mapping of ``params/diagnosis.yml`` into a :class:`RuleSet`."""
    from .diagnosis_checks import CHECK_PARAMS

    unknown = set(cfg) - _TOP_KEYS
    if unknown:
        _fail("top level", f"unknown keys {sorted(unknown)}; known: {', '.join(sorted(_TOP_KEYS))}")
    stage_rates = _stage_rates(cfg.get("stage_rates"))
    raw_rules = cfg.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        _fail("rules", "must be a non-empty list of rules")
    seen: set[str] = set()
    rules = tuple(_rule(r, i, stage_rates, CHECK_PARAMS, seen)
                  for i, r in enumerate(raw_rules))  # type: ignore[arg-type]
    few = cfg.get("too_few_to_tell")
    if not isinstance(few, dict):
        _fail(TOO_FEW_ID, "missing: needs severity, title, cause and actions")
    where = TOO_FEW_ID
    if few.get("severity") not in SEVERITIES:  # type: ignore[union-attr]
        _fail(where, f"severity must be one of {', '.join(SEVERITIES)}")
    too_few = Rule(TOO_FEW_ID, few["severity"],  # type: ignore[index]
                   _words(where, "title", few.get("title")),  # type: ignore[union-attr]
                   _words(where, "cause", few.get("cause")),  # type: ignore[union-attr]
                   _words(where, "actions", few.get("actions"), as_list=True))  # type: ignore
    texts_raw = cfg.get("texts")
    if not isinstance(texts_raw, dict):
        _fail("texts", f"missing: needs {', '.join(TEXT_KEYS)}")
    missing = [k for k in TEXT_KEYS if k not in texts_raw]  # type: ignore[operator]
    if missing:
        _fail("texts", f"missing keys {missing}")
    texts = {k: _words("texts", k, texts_raw[k]) for k in TEXT_KEYS}  # type: ignore[index]
    effects = {**EFFECT_DEFAULTS, **(cfg.get("effects") or {})}
    marginal = effects["marginal"]
    ok = (isinstance(marginal, list) and len(marginal) == 2
          and all(isinstance(x, int | float) and 0 < x <= 1 for x in marginal)
          and marginal[0] <= marginal[1])
    if not ok or set(effects) != set(EFFECT_DEFAULTS):
        _fail("effects", "needs marginal: [low, high] (0 < low ≤ high ≤ 1) and "
                         "shrink_events: a number ≥ 0")
    shrink = effects["shrink_events"]
    if isinstance(shrink, bool) or not isinstance(shrink, int | float) or shrink < 0:
        _fail("effects", f"shrink_events must be a number ≥ 0, not {shrink!r}")
    watch = cfg.get("watch") or []
    if not isinstance(watch, list):
        _fail("watch", "must be a list of metric ids")
    watch = tuple(_metric("watch", m) for m in watch)
    return RuleSet(rules, stage_rates, too_few, texts, effects, watch)


def load_rules(folder: Path | None = None) -> RuleSet:
    """Read and validate ``params/diagnosis.yml`` (from ``folder`` if given)."""
    if folder is None:
        return _default_rules()
    return parse_rules(load_yaml(FILE, folder))


@cache
def _default_rules() -> RuleSet:
    return parse_rules(load_yaml(FILE))
