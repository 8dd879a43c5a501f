"""Every demo store's report executes and says what its archetype should make it say."""

from __future__ import annotations

import re

import pytest

from kpi_lib.archetypes import STORE_ARCHETYPES
from kpi_lib.diagnosis_rules import load_rules
from kpi_lib.i18n import text
from kpi_lib.render import notebook_to_html
from kpi_lib.report_data import _demo_data
from kpi_lib.store_report import STORE_NOTEBOOK
from kpi_lib.warm_kernel import WarmKernel

#: archetype → the rule whose finding its report must show
INTENDED = {
    "traffic_low": "traffic_low",
    "test_drive_low": "test_drive_low",
    "negotiation_low": "negotiation_low",
    "closing_low": "closing_low",
    "lead_capture_low": "lead_capture_low",
    "tiny": "too_few_to_tell",
}
#: every section heading of the store report (issue 5), in the catalogue's words
SECTIONS = ("summary", "kpi_summary", "funnel", "diagnosis", "comparison", "funnel_plots",
            "trends", "pipeline", "pipeline_forecast", "consultants", "mix_aftercare_heading",
            "traffic_heading", "data_quality", "appendix")
CANONICAL = ("traffic_low", "test_drive_low", "negotiation_low", "closing_low")


@pytest.fixture(scope="module")
def kernel():
    """One warm kernel for all twelve stores, as a batch worker runs them."""
    warm = WarmKernel()
    yield warm
    warm.shutdown()


@pytest.fixture(scope="module")
def titles() -> dict[str, str]:
    rules = load_rules()
    return {rule.id: rule.title["zh"] for rule in (*rules.rules, rules.too_few)}


@pytest.mark.parametrize("store", sorted(STORE_ARCHETYPES))
def test_store_report_renders_with_its_findings(store: str, titles: dict[str, str], kernel):
    params = {"store": store, "month": "2026-10", "lang": "zh", "data": str(_demo_data())}
    nb = kernel.execute(STORE_NOTEBOOK, params)
    html = notebook_to_html(nb, {"store": store, "month": "2026-10", "lang": "zh"})
    visible = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    assert not re.search(r">\s*(nan|NaN|None|#DIV/0!)\s*<", visible)
    for key in SECTIONS:
        assert text(key, "zh") in visible, key
    archetype = STORE_ARCHETYPES[store]
    if archetype in INTENDED:
        assert titles[INTENDED[archetype]] in visible
    if archetype in ("benchmark", "tiny"):
        for rule in CANONICAL:
            assert titles[rule] not in visible, rule
