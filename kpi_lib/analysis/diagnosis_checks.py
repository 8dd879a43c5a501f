"""Named checks of the diagnosis: what one month's compare table cannot say.

A rule of ``params/diagnosis.yml`` names a check (``check: cost_per_visit_rising``) and
gives its thresholds (``params``); :data:`CHECK_PARAMS` holds each check's parameters
with their defaults (the validator accepts only these keys). A check gets a
:class:`CheckContext` (the warehouse, the month, the network's compare table) and one
store, and returns a :class:`CheckResult` (evidence, and the impact when the rule does
not declare one) or ``None`` when the store does not have the problem.

Statistics: rates are tested one-sided with an exact binomial test against the rate the
store (or consultant) should have — the funnel-plot view: the benchmark rate with limits
that widen as the volume shrinks — and the p-values of all stores (or all consultants ×
rates) of the network are Benjamini–Hochberg adjusted, so results do not depend on
whether one store or the whole network is diagnosed (:func:`kpi_lib.stats.fdr`).
Intervals are Wilson 95% (:func:`kpi_lib.stats.proportion_ci`).
"""


from collections.abc import Callable
from typing import Any

from .check_context import CheckContext, CheckResult
from .checks_consultants import consultant_far_from_team
from .checks_followup import followup_compliance, invite_to_visit
from .checks_funnel import (
    carried_leads_convert_poorly,
    cost_per_visit_rising,
    lost_to_one_competitor,
)
from .checks_targets import target_at_risk, traffic_context, undelivered_orders

#: check name -> its parameters with defaults (types are checked against these)
CHECK_PARAMS: dict[str, dict[str, Any]] = {
    "cost_per_visit_rising": {"months": 3, "min_total_rise": 0.15, "min_visits": 100,
                              "level": 0.998},
    "undelivered_orders": {"months": 3, "min_growth": 0.25, "min_carried_orders": 20,
                           "delivery_verdicts": ["clearly_below"], "level": 0.998},
    "lost_to_one_competitor": {"min_share": 0.5, "min_share_low": 0.35, "min_named": 20},
    "carried_leads_convert_poorly": {"max_relative": 0.6, "q": 0.05,
                                     "min_carried_leads": 100},
    "consultant_far_from_team": {"q": 0.05, "min_volume": 30, "max_relative": 0.7,
                                 "rates": ["conversion", "test_drive_rate"],
                                 "level": 0.9995, "min_expected": 10},
    "followup_compliance": {"grades": ["H", "A"], "standard": 0.8, "level": 0.998,
                            "min_due": 30},
    "invite_to_visit": {"q": 0.05, "min_callers": 50},
    "target_at_risk": {"level": 0.998, "min_target": 10},
    "traffic_context": {"level": 0.998},
}


#: check name -> function(ctx, store_id, params) -> CheckResult | None
CHECKS: dict[str, Callable[[CheckContext, str, dict[str, Any]], CheckResult | None]] = {
    "cost_per_visit_rising": cost_per_visit_rising,
    "undelivered_orders": undelivered_orders,
    "lost_to_one_competitor": lost_to_one_competitor,
    "carried_leads_convert_poorly": carried_leads_convert_poorly,
    "consultant_far_from_team": consultant_far_from_team,
    "followup_compliance": followup_compliance,
    "invite_to_visit": invite_to_visit,
    "target_at_risk": target_at_risk,
    "traffic_context": traffic_context,
}
