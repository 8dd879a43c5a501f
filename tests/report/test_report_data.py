"""What the notebook shows, on the hand-counted tiny fixture (tests/fixtures/tiny/README.md)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpi_lib.formatting import is_na
from kpi_lib.metrics.registry import REGISTRY
from kpi_lib.report import data_quality as dq
from kpi_lib.report import store_month as rd

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md"))
    visits = folder / "visits.csv"
    visits.write_text(visits.read_text("utf-8") +
                      "V98,S1,2026-09-05,10:00,09:00,C11,K09,true,网络,A6,true,false,false,false\n",
                      encoding="utf-8")
    return folder


def test_summary_shows_values_changes_and_na_marks(data: Path):
    sm = rd.load_store_month("S2", "2026-09", "zh", data)
    table = rd.summary_frame(sm).set_index("指标")
    # S2 has no visits in 2026-09: count 0, rates n/a with the zero-denominator mark ²,
    # ad spend n/a (no marketing row) with the no-data mark ¹
    assert table.loc["来店批次", "本月"] == "0"
    assert table.loc["试乘试驾率", "本月"] == "—²"
    assert table.loc["本月广宣投放(元)", "本月"] == "—¹"
    assert "nan" not in table.to_string().lower()


def test_summary_in_english_with_hand_counted_values(data: Path):
    sm = rd.load_store_month("S1", "2026-09", "en", data)
    table = rd.summary_frame(sm).set_index("KPI")
    assert table.loc["Showroom visits (batches)", "This month"] == "8"
    assert table.loc["Lead capture rate", "This month"] == "50.0%"  # 4 new leads / 8 visits
    assert table.loc["Visits leaving details", "This month"] == "75.0%"  # 6 flagged / 8
    assert table.loc["Test-drive rate", "This month"] == "50.0%"  # 4 / 8


def test_funnel_stages_follow_the_registry(data: Path):
    sm = rd.load_store_month("S1", "2026-09", "zh", data)
    stages = rd.funnel_stages(sm)
    assert list(stages["stage"]) == ["来店批次", "新增意向客户数", "试乘试驾批次", "商洽批次",
                                     "展厅订单数", "本月展厅交车数"]
    assert list(stages["rate_label"]) == ["", "来店客户留档率", "试乘试驾率", "商洽率",
                                          "商洽成交率", "交车转化率"]
    # hand counts of the tiny fixture (its README): visits, new leads, test drives,
    # negotiations V02 V05 V09, walk-in orders O02 O05, deliveries O01 O02 O04 O08
    assert list(stages["value"]) == [8, 4, 4, 3, 2, 4]
    assert list(stages["rate"].iloc[1:]) == pytest.approx([4 / 8, 4 / 8, 3 / 4, 2 / 3, 4 / 7])
    assert stages["rate"].isna().iloc[0]
    # each rate is the registry KPI the tables show, whose numerator is the bar's count
    for (count, rate), value in zip(rd.FUNNEL_STAGES[1:], stages["rate"].iloc[1:], strict=True):
        assert REGISTRY[rate].numerator == count
        assert value == sm.value(rate) or (math.isnan(value) and is_na(sm.value(rate)))
    note = rd.funnel_note("zh")
    assert "试乘试驾率 = 试乘试驾批次 / 来店批次" in note
    assert "交车转化率 = 交车数 / (留存订单数 + 当月订单数)" in note
    assert "Test-drive rate = Test drives / visits" in rd.funnel_note("en")


def test_quality_section_counts_the_quarantined_row(data: Path):
    sm = rd.load_store_month("S1", "2026-09", "zh", data)
    sentence, per_file = dq.quality_summary(sm)
    assert "隔离 1 行" in sentence
    visits = per_file.set_index("数据表").loc["visits"]
    assert visits["隔离行数"] == "1"
    examples = dq.quality_examples(sm)
    assert examples.iloc[0]["文件"] == "visits.csv"
    assert examples.iloc[0]["列"] == "time_out"
    assert examples.iloc[0]["原因"] == "离店时间 09:00 早于来店时间 10:00"


def test_data_values_are_inert_in_markdown_and_tables():
    assert rd.escape_markdown("<script>alert('x')</script>") == (
        "&lt;script&gt;alert\\(&#x27;x&#x27;\\)&lt;/script&gt;")
    assert rd.escape_markdown("**{{ 7*7 }}**") == "\\*\\*\\{\\{ 7\\*7 \\}\\}\\*\\*"
    html = rd.styled(pd.DataFrame({"a": ["<b>x</b>"], "b": ["1"]})).to_html()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
