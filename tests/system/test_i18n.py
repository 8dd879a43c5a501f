"""The word catalogue: both languages complete, placeholders consistent."""

import string

import pytest

from kpi_lib.errors import ParameterError
from kpi_lib.i18n import TEXTS, month_label, text


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys():
    assert set(TEXTS["zh"]) == set(TEXTS["en"])


@pytest.mark.parametrize("key", sorted(TEXTS["zh"]))
def test_placeholders_match_between_languages(key):
    assert _fields(TEXTS["zh"][key]) == _fields(TEXTS["en"][key])


def test_text_fills_fields_and_refuses_unknown_language():
    assert text("dq_summary", "en", read="10", quarantined="2").startswith("10 rows read, 2")
    with pytest.raises(ParameterError, match="language 'fr' is not available"):
        text("store", "fr")


def test_month_labels():
    assert month_label("2026-02", "zh") == "2026年2月"
    assert month_label("2025-12", "en") == "December 2025"


def test_every_quarantine_reason_has_a_chinese_template_with_the_same_fields():
    from kpi_lib.ingest.issue_text import REASONS

    assert {k for k in TEXTS["zh"] if k.startswith("reason_")} == {f"reason_{c}" for c in REASONS}
    for code, template in REASONS.items():
        assert TEXTS["en"][f"reason_{code}"] == template, code  # the catalogue's copy
        assert _fields(TEXTS["zh"][f"reason_{code}"]) == _fields(template), code


def test_reasons_translate_with_their_fields():
    from kpi_lib.ingest.issue_text import translate_reason

    english = "time_out 09:00 is before time_in 10:00"
    assert translate_reason("time_order", english, "zh") == "离店时间 09:00 早于来店时间 10:00"
    assert translate_reason("time_order", english, "en") == english


def test_workbook_reason_with_its_hint_in_chinese():
    from kpi_lib.ingest.issue_text import translate_reason

    english = "'来店批数' is not a row of the KPI template (did you mean '来店批次'?)"
    assert translate_reason("unknown_kpi_row", english, "zh") == (
        "“来店批数”不是KPI模板中的行（是否应为“来店批次”？）")
