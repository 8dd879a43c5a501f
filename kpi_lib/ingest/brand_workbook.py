"""The brand's monthly KPI workbook template: its rows, and how a row's label is matched.

Only the template's input rows give values (:data:`TEMPLATE_ROWS`, mapped onto the metric
ids of :data:`BASE_METRICS`); its derived rows (单批次来店成本, 留有资料比例, 转化率…) are
never used as values, since :func:`kpi_lib.metrics.cube.compute_cube` recomputes them from
the registry; :mod:`kpi_lib.metrics.workbook_check` lists the derived cells that differ
from the recomputation. Labels match after NFKC (full-width → half-width, so （元） = (元)),
lower-casing and removing all spaces. The reader: :mod:`kpi_lib.ingest.workbook_reader`.
"""

from __future__ import annotations

import difflib

from .kpi_catalogue import declared
from .schema import CHANNELS
from .validate import norm_text

#: Metric ids the workbook gives (its input rows); every other measure is n/a for a
#: store-month read from the workbook.
BASE_METRICS: tuple[str, ...] = (
    "ad_spend", "visits", "new_leads", "carried_leads", "orders_new_leads",
    "orders_carried_leads", "carried_orders", "deliveries",
    *(f"deliveries_{c}" for c in CHANNELS), "trade_in_deliveries",
)
#: Counts the template derives from its input rows (本月产生订单合计数 = new-lead orders
#: + carried-lead orders; fleet deals without a lead are not in it).
WORKBOOK_SUMS: dict[str, tuple[str, ...]] = {
    "orders": ("orders_new_leads", "orders_carried_leads"),
}

#: Derived rows of the template that are sums of workbook values but no registry KPI:
#: 留存订单+本月订单 = carried-over orders + this month's orders (the template's label).
DERIVED_SUMS: dict[str, tuple[str, ...]] = {
    "carried_plus_orders": ("carried_orders", *WORKBOOK_SUMS["orders"]),
}
#: The template's rows in its order: (label, metric id, input row?). Derived rows name
#: the metric they correspond to but are never read.
TEMPLATE_ROWS: tuple[tuple[str, str, bool], ...] = (
    ("本月广宣投放(元)", "ad_spend", True),
    ("来店批次", "visits", True),
    ("单批次来店成本(元)", "cost_per_visit", False),
    ("新增意向客户数", "new_leads", True),
    ("留存意向客户数量", "carried_leads", True),
    ("新增意向客户产生订单数", "orders_new_leads", True),
    ("留存意向客户产生订单数", "orders_carried_leads", True),
    ("留存订单及全款数", "carried_orders", True),
    ("本月展厅交车数", "deliveries", True),
    ("留有资料比例", "lead_capture_rate", False),
    ("本月产生订单合计数", "orders", False),
    ("留存订单+本月订单", "carried_plus_orders", False),
    ("留存意向客户订单转化率A", "conversion_a", False),
    ("新增意向客户订单转化率B", "conversion_b", False),
    ("交车转化率", "delivery_conversion", False),
)
#: The delivery-mix block (交车结构).
MIX_ROWS: tuple[tuple[str, str, bool], ...] = (
    *((zh, f"deliveries_{code}", True) for code, zh in CHANNELS.items()),
    *((f"{zh}所占结构比", f"delivery_share_{code}", False) for code, zh in CHANNELS.items()),
    ("月度交车合计", "deliveries", True),
    ("二手车置换", "trade_in_deliveries", True),
    ("二手车所占结构比", "trade_in_share", False),
)

#: Other accepted spellings of the input rows (besides metric ids and registry labels).
_ALIASES: dict[str, tuple[str, ...]] = {
    "ad_spend": ("本月广宣投放", "广宣投放(元)", "广宣投放", "广宣费用"),
    "visits": ("月来店批次",),
    "carried_leads": ("留存意向客户数",),
    "deliveries": ("交车数", "月度交车数", "交车合计"),
    "trade_in_deliveries": ("二手车置换数",),
}
_DERIVED_ALIASES = ("单批次来店成本", "二手车置换所占结构比", "订单转化率", "年度合计", "合计")
TITLES = ("销售kpi", "kpi", "交车结构", "成交结构", "指标", "项目")


def label_key(text: object) -> str:
    """A label as compared: NFKC, lower-case, no spaces, no trailing colon."""
    if text is None:
        return ""
    return "".join(norm_text(str(text)).split()).rstrip(":")


def _labels() -> dict[str, tuple[str, bool]]:
    """Normalised label -> (metric id, input row?)."""
    out: dict[str, tuple[str, bool]] = {}
    for label, metric, is_input in (*TEMPLATE_ROWS, *MIX_ROWS):
        out.setdefault(label_key(label), (metric, is_input))
    for metric, names in _ALIASES.items():
        for name in names:
            out.setdefault(label_key(name), (metric, True))
    for m in declared():
        is_input = m.id in BASE_METRICS
        if is_input or m.type == "ratio" or m.id in WORKBOOK_SUMS:
            for name in (m.id, m.zh, m.en):
                out.setdefault(label_key(name), (m.id, is_input))
    for name in _DERIVED_ALIASES:
        out.setdefault(label_key(name), ("", False))
    return out


LABELS: dict[str, tuple[str, bool]] = _labels()
#: Registry KPIs the template has no row for: normalised label -> metric id.
OTHER_KPIS: dict[str, str] = {
    label_key(name): m.id for m in declared()
    for name in (m.id, m.zh, m.en) if label_key(name) not in LABELS
}
#: The spellings suggested for a misspelled row (the template's own labels).
_SUGGEST = {label_key(label): label for label, _, _ in (*TEMPLATE_ROWS, *MIX_ROWS)}


def metric_of(label: object) -> str | None:
    """The metric id an input-row label stands for, else None (derived or unknown).

    >>> metric_of("本月广宣投放（元）"), metric_of(" 来店 批次 "), metric_of("交车转化率")
    ('ad_spend', 'visits', None)
    """
    metric, is_input = LABELS.get(label_key(label), ("", False))
    return metric if is_input else None


def suggest(label: object) -> str | None:
    """The template label closest to a misspelled ``label`` (difflib), if any is close."""
    found = difflib.get_close_matches(label_key(label), list(_SUGGEST), n=1, cutoff=0.6)
    return _SUGGEST[found[0]] if found else None
