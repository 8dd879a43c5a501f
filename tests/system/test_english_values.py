"""Issue 13.6: an English report shows no Chinese code value from the data — sources, ad
channels, lost reasons and regions go through the catalogue; only proper names (store,
city, people, competitor models) stay as named."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kpi_lib.analysis import pipeline as pl
from kpi_lib.analysis import traffic as tr
from kpi_lib.archetypes import STORE_ARCHETYPES
from kpi_lib.demo import ensure_demo_data
from kpi_lib.demo_basics import AD_CHANNELS, COMPETITORS, LOST_REASONS, SOURCES
from kpi_lib.i18n import DATA_VALUES_EN, data_value, in_sentence
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.report import excel_report as xl

CJK = re.compile(r"[\u3400-\u9fff]")


def test_the_catalogue_names_every_demo_code_value_in_english():
    for value in (*SOURCES, *AD_CHANNELS, *LOST_REASONS, "华东", "华北", "华南", "西南"):
        english = data_value(value, "en")
        assert english == DATA_VALUES_EN[value] and not CJK.search(english), value
        assert data_value(value, "zh") == value
    for model in COMPETITORS:  # proper names stay as named
        assert data_value(model, "en") == model
    assert data_value(" 价格原因 ", "en") == "Price"  # as read, before trimming
    assert data_value("某个新来源", "en") == "某个新来源"  # unknown: shown as written


def test_labels_read_in_sentence_case_mid_sentence():
    assert in_sentence("Lead capture rate", "en") == "lead capture rate"
    assert in_sentence("Conversion A (carried-over leads)", "en") == (
        "conversion A (carried-over leads)")
    assert in_sentence("H-grade follow-up", "en") == "H-grade follow-up"  # no lower 2nd char
    assert in_sentence("来店客户留档率", "zh") == "来店客户留档率"


def _cjk_cells(frame: pd.DataFrame | None) -> set[str]:
    if frame is None:
        return set()
    cells = {str(c) for c in frame.columns} | {str(v) for v in frame.to_numpy().ravel()}
    return {c for c in cells if CJK.search(c)}


@pytest.fixture(scope="module")
def demo():
    with open_warehouse(ensure_demo_data()) as wh:
        yield wh.con


@pytest.mark.parametrize("store", sorted(STORE_ARCHETYPES))
def test_english_tables_of_code_values_have_no_chinese(store: str, demo):
    traffic = tr.load_traffic(demo, store, "2026-10")
    pipeline = pl.load_pipeline(demo, store, "2026-10")
    competitors = set(COMPETITORS)
    found = (_cjk_cells(tr.spend_channel_frame(traffic, "en"))
             | _cjk_cells(tr.source_frame(traffic, "en"))
             | (_cjk_cells(pl.lost_frame(pipeline, "en")) - competitors))
    assert found == set(), found
    lost = pl.lost_frame(pipeline, "en")
    if lost is not None:  # competitor models are listed as named in the data
        assert set(lost.iloc[:, 1]) - set(DATA_VALUES_EN.values()) <= competitors


def test_the_english_excel_names_the_region_in_english(demo):
    store = demo.execute("SELECT * FROM stores WHERE store_id = 'S007'").df().iloc[0].to_dict()
    assert ("Region", "North China") in xl._info(store, "en")
    assert ("区域", "华北") in xl._info(store, "zh")
