"""Every demo store's report executes and says what its archetype should make it say."""

from __future__ import annotations

import re

import pytest

from kpi_lib.analysis.diagnosis_rules import load_rules
from kpi_lib.archetypes import STORE_ARCHETYPES
from kpi_lib.demo import ensure_demo_data
from kpi_lib.i18n import text
from kpi_lib.metrics.registry import kpi_label_ids
from kpi_lib.report.store_month import FUNNEL_STAGES
from kpi_lib.run.layout_check import layout_problems, printed_overflow
from kpi_lib.run.notebook_kernel import WarmKernel
from kpi_lib.run.render import notebook_to_html
from kpi_lib.run.store_reports import STORE_NOTEBOOK

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
    params = {"store": store, "month": "2026-10", "lang": "zh", "data": str(ensure_demo_data())}
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
    shown, appendix = _tables_and_appendix(visible)
    assert appendix == shown | {i for stage in FUNNEL_STAGES for i in stage if i}
    problems = layout_problems(html) + printed_overflow(html)  # fits A4 (en: test_a4_width)
    assert not problems, f"{store} (zh):\n" + "\n".join(map(str, problems))


def _cell_texts(html: str, tag: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, flags=re.S)]


def _tables_and_appendix(html: str) -> tuple[set[str], set[str]]:
    """The KPI ids the rendered tables name (headers and first column, footnote marks
    stripped), and the ids listed by the appendix table (the one with an id column)."""
    known = kpi_label_ids("zh")
    shown: set[str] = set()
    appendix: set[str] = set()
    for table in re.findall(r"<table\b.*?</table>", html, flags=re.S):
        heads = _cell_texts(table, "th")
        rows = [_cell_texts(r, "td") for r in re.findall(r"<tr\b.*?</tr>", table, flags=re.S)]
        firsts = [r[0] for r in rows if r]
        if text("appendix_id", "zh") in heads:
            appendix |= {known[label] for label in firsts}
            continue
        for label in (*heads, *firsts):
            hit = known.get(label.rstrip("†‡*¹²³⁴⁵ "))
            if hit:
                shown.add(hit)
    return shown, appendix
