"""The registry: every reference id, labelled, typed, and internally consistent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpi_lib.ingest.kpi_types import METRIC_TYPES, SECTIONS
from kpi_lib.ingest.schema import CHANNELS, TABLES
from kpi_lib.metrics.registry import REFERENCE_IDS, REGISTRY, UNITS, get, labels
from kpi_lib.metrics.relations import relations

CONTRACT_IDS = {
    "ad_spend", "visits", "first_visits", "lead_capture_rate", "visit_capture_rate",
    "test_drives", "test_drive_rate", "negotiation_rate", "calls", "cost_per_visit", "new_leads",
    "carried_leads", "orders", "cancellations", "orders_new_leads", "orders_carried_leads",
    "conversion_b", "conversion_a", "showroom_close_rate", "cost_per_order",
    "carried_orders", "deliveries", "delivery_conversion", "trade_in_share",
    "target_completion", "avg_deal_value", "collection_rate", "insurance_rate",
    "call_3d_rate", "referral_rate", "lost_rate",
    *(f"deliveries_{c}" for c in ("walk_in", "fleet", "existing_customer", "outdoor",
                                  "secondary_outlet", "other")),
    *(f"delivery_share_{c}" for c in ("walk_in", "fleet", "existing_customer", "outdoor",
                                      "secondary_outlet", "other")),
}


def test_every_reference_id_is_registered():
    assert set(REFERENCE_IDS) == CONTRACT_IDS
    assert set(REGISTRY) >= CONTRACT_IDS


@pytest.mark.parametrize("metric", REGISTRY.values(), ids=list(REGISTRY))
def test_metric_is_complete(metric):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", metric.id)
    assert metric.zh and re.search(r"[\u4e00-\u9fff]", metric.zh), "zh label in Chinese"
    assert metric.en and metric.en.isascii()
    assert metric.definition and metric.definition_zh
    assert metric.type in METRIC_TYPES
    assert metric.unit in UNITS
    assert metric.direction in ("up", "down", None)
    assert metric.section in SECTIONS


@pytest.mark.parametrize("metric", [m for m in REGISTRY.values() if m.type == "ratio"],
                         ids=lambda m: m.id)
def test_ratios_name_existing_count_or_sum_metrics(metric):
    assert metric.measure is None
    parts = [metric.numerator, *metric.denominator]
    assert metric.denominator, "a ratio needs a denominator"
    for part in parts:
        assert part in REGISTRY, part
        assert REGISTRY[part].type in ("count", "sum"), f"{part} is not a base measure"


@pytest.mark.parametrize("metric", [m for m in REGISTRY.values() if m.type != "ratio"
                                    and m.measure.table not in relations()],
                         ids=lambda m: m.id)
def test_measures_use_contract_columns(metric):
    m = metric.measure
    assert m is not None and metric.numerator is None and not metric.denominator
    assert m.table in TABLES
    names = {c.name for c in TABLES[m.table].columns}
    assert set(m.columns) <= names
    assert (metric.type == "sum") == (m.column is not None)
    if m.period == "month_is":
        assert TABLES[m.table].column(m.date).kind == "month"
    else:
        assert TABLES[m.table].column(m.date).kind == "date"


def test_ratio_units_and_exact_definitions():
    assert get("delivery_conversion").denominator == ("carried_orders", "orders")
    assert get("lost_rate").denominator == ("carried_leads", "new_leads")
    assert get("negotiation_rate").denominator == ("test_drives",)
    assert get("target_completion").denominator == ("target_units",)
    assert get("collection_rate").numerator == "collected"
    # contract v2: the seed's 来店客户留档率 is cards ÷ visits; the register flag's share
    # is a KPI of its own
    assert (get("lead_capture_rate").numerator, get("lead_capture_rate").denominator) \
        == ("new_leads", ("visits",))
    assert (get("visit_capture_rate").numerator, get("visit_capture_rate").denominator) \
        == ("captured_visits", ("visits",))
    assert get("visit_capture_rate").unit == "rate"
    assert get("visit_capture_rate").direction == "up"
    assert get("visit_capture_rate").section == "traffic"
    assert get("cost_per_visit").unit == "yuan_per"
    assert get("ad_spend").unit == "yuan" and get("ad_spend").measure.na_without_rows
    assert get("lost_rate").direction == "down" and get("cost_per_visit").direction == "down"
    assert get("conversion_a").direction == "up"
    for code in CHANNELS:
        assert get(f"delivery_share_{code}").numerator == f"deliveries_{code}"
    # optional columns the contract says make a KPI n/a
    assert "negotiated" in get("negotiations").measure.columns
    assert "cancelled" in get("cancellations").measure.columns


def test_dealer_wording():
    zh = labels("zh")
    assert zh["visits"] == "来店批次"
    assert zh["test_drive_rate"] == "试乘试驾率"
    assert zh["conversion_a"] == "留存意向客户订单转化率A"
    assert zh["conversion_b"] == "新增意向客户订单转化率B"
    assert zh["carried_orders"] == "留存订单及全款数"
    assert zh["ad_spend"] == "本月广宣投放(元)"
    assert zh["lead_capture_rate"] == "来店客户留档率"
    assert zh["visit_capture_rate"] == "来店留资批次比例"
    ids = list(REGISTRY)
    assert ids[ids.index("lead_capture_rate") + 1] == "visit_capture_rate"
    assert list(zh) == list(REGISTRY) == list(labels("en"))
    assert len(set(zh.values())) == len(zh), "zh labels are unique"


def test_get_unknown_id_names_the_known_ones():
    with pytest.raises(KeyError, match="unknown metric id 'nope'"):
        get("nope")
    with pytest.raises(ValueError):
        labels("fr")


def test_relation_measures_name_columns_the_relation_has(tmp_path):
    """Every measure over a derived relation (kpi_lib.metrics.relations) names columns its SQL
    gives, and the relation's inputs are contract columns."""
    from kpi_lib.ingest.warehouse import open_warehouse
    from kpi_lib.metrics.relation_tables import relation_source

    tiny = Path(__file__).parents[1] / "fixtures" / "tiny"
    with open_warehouse(tiny, db_path=tmp_path / "w.duckdb") as wh:
        for name, rel in relations().items():
            source = relation_source(wh.con, rel, ["2026-03"])
            cols = set(wh.con.execute(f"SELECT * FROM {source} r LIMIT 0").df().columns)
            assert {"store_id", "consultant_id", "source"} <= cols, name
            for table, column in (*rel.needs, *rel.inputs.values()):
                assert column in {c.name for c in TABLES[table].columns}, (name, column)
            for m in REGISTRY.values():
                if m.measure is not None and m.measure.table == name:
                    assert set(m.measure.columns) <= cols, (m.id, m.measure.columns)
                    assert (m.type in ("sum", "median")) == (m.measure.column is not None)
