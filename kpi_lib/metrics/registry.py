"""The KPI registry: every metric declared once, as data.

The declarations are in :mod:`kpi_lib.ingest.kpi_catalogue` (one function per report
section), their types in :mod:`kpi_lib.ingest.kpi_types`: they are the data contract's
KPIs, below every layer that computes, so that the brand workbook's reader knows them by
name. This module assembles them and answers questions about them;
:mod:`kpi_lib.metrics.cube` computes them.
"""

from __future__ import annotations

from ..ingest.kpi_catalogue import declared
from ..ingest.kpi_types import UNITS, Direction, Measure, Metric, MetricType, Section, Unit
from ..ingest.schema import CHANNELS
from .relations import relations

#: Every metric, in funnel order (traffic → leads → closing → delivery mix → aftercare).
REGISTRY: dict[str, Metric] = {m.id: m for m in declared()}


def kpi_label(metric_id: str, lang: str) -> str:
    """The label of a registry KPI in ``lang``.

    >>> kpi_label("followup_compliance", "en"), kpi_label("visits", "zh")
    ('Follow-up compliance', '来店批次')
    """
    return get(metric_id).label(lang)


def kpi_label_ids(lang: str) -> dict[str, str]:
    """Label in ``lang`` → id over the registry (labels are unique).

    >>> kpi_label_ids("zh")["试乘试驾率"], kpi_label_ids("en")["Follow-up compliance"]
    ('test_drive_rate', 'followup_compliance')
    """
    out = {m.label(lang): m.id for m in REGISTRY.values()}
    assert len(out) == len(REGISTRY), "a label with two meanings"
    return out


#: The reference metric ids of DATA_CONTRACT.md (fixed; the registry may hold more).
REFERENCE_IDS: tuple[str, ...] = (
    "ad_spend", "visits", "first_visits", "lead_capture_rate", "visit_capture_rate",
    "test_drives", "test_drive_rate", "negotiation_rate", "calls", "cost_per_visit",
    "new_leads", "carried_leads", "orders", "cancellations", "orders_new_leads",
    "orders_carried_leads",
    "conversion_b", "conversion_a", "showroom_close_rate", "cost_per_order", "carried_orders",
    "deliveries", "delivery_conversion",
    *(f"deliveries_{c}" for c in CHANNELS), *(f"delivery_share_{c}" for c in CHANNELS),
    "trade_in_share", "target_completion", "avg_deal_value", "collection_rate",
    "insurance_rate", "call_3d_rate", "referral_rate", "lost_rate",
)


def period_rule(metric_id: str) -> str:
    """How a count or sum over a period of several months relates to its months' values
    (DATA_CONTRACT.md, "Periods"; the cube computes it, this only says which):

    - ``sum`` — a flow: the period's value is the sum of its months';
    - ``first`` — a stock at the start (``open_at_start``): its first month's;
    - ``last`` — a stock at the as-of date (a :attr:`~kpi_lib.metrics.relations.Relation.stock`
      relation): its last month's;
    - ``own`` — neither: a median of the period's rows, or a count whose condition names
      the period's bounds (orders from leads created in P: a lead created in July that
      orders in August is a new lead of the quarter but a carried-over one of August).

    >>> [period_rule(i) for i in ("visits", "carried_leads", "open_leads", "orders_new_leads")]
    ['sum', 'first', 'last', 'own']
    """
    m = get(metric_id).measure
    if m is None:
        raise ValueError(f"{metric_id} is a ratio: its parts follow period_rule")
    if m.period == "open_at_start":
        return "first"
    rel = relations().get(m.table)
    if rel is not None and rel.stock:
        return "last"
    if m.median or any(p in (m.where or "") for p in ("{start}", "{end}")):
        return "own"
    return "sum"


def get(metric_id: str) -> Metric:
    """The metric called ``metric_id``; KeyError naming the known ids otherwise.

    >>> get("conversion_a").zh
    '留存意向客户订单转化率A'
    """
    try:
        return REGISTRY[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric id {metric_id!r}; known: {', '.join(REGISTRY)}") from None


def labels(lang: str = "zh") -> dict[str, str]:
    """Metric id -> label in ``lang`` ("zh" or "en"), in registry order.

    >>> labels("en")["visits"]
    'Showroom visits (batches)'
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return {m.id: m.label(lang) for m in REGISTRY.values()}


def declare(id: str, *, en: str, zh: str | None = None, measure: Measure | None = None,
            numerator: str | None = None, denominator: str | tuple[str, ...] = (),
            unit: Unit | None = None, direction: Direction = None,
            section: Section | None = None, definition: str | None = None,
            known: tuple[Metric, ...] = ()) -> Metric:
    """A new KPI from the registry's building blocks (the registry itself is not changed).

    Either a ``measure`` (a :class:`Measure`: count, or sum when it names a ``column``)
    or a ratio of metric ids (``numerator`` over ``denominator``, Σ of several ids allowed)
    from the registry or ``known`` (metrics declared before). Compute it with
    ``compute_cube(..., extra=[metric])``. The unit defaults to ``count`` / ``yuan`` /
    ``rate``; ``zh`` defaults to ``en``; ``section`` to the numerator's (else traffic).

    >>> m = declare("invited_share", en="Invited-visit share", numerator="invited_visits",
    ...             denominator="visits", direction="up")
    >>> m.type, m.unit, m.denominator, m.definition, m.section
    ('ratio', 'rate', ('visits',), 'invited_visits / visits', 'traffic')
    >>> declare("x", en="X", numerator="visit", denominator="visits")
    Traceback (most recent call last):
    ...
    ValueError: unknown metric id 'visit' in 'x' (numerator)
    """
    from ..ingest.schema import TABLES

    ids = {**REGISTRY, **{m.id: m for m in known}}
    if id in ids:
        raise ValueError(f"metric id {id!r} is taken; choose another name")
    if (measure is None) == (numerator is None):
        raise ValueError(f"declare {id!r} with either a measure or a numerator/denominator")
    den = (denominator,) if isinstance(denominator, str) else tuple(denominator)
    if measure is not None:
        table = TABLES.get(measure.table)
        if table is None:
            raise ValueError(f"unknown table {measure.table!r} in {id!r}; known: "
                             f"{', '.join(TABLES)}")
        names = {c.name for c in table.columns}
        for col in measure.columns:
            if col not in names:
                raise ValueError(f"table {measure.table!r} has no column {col!r} ({id!r})")
        kind: MetricType = "sum" if measure.column else "count"
    else:
        if not den:
            raise ValueError(f"ratio {id!r} needs a denominator")
        for part, role in ((numerator, "numerator"), *((d, "denominator") for d in den)):
            if part not in ids:
                raise ValueError(f"unknown metric id {part!r} in {id!r} ({role})")
            if ids[part].type == "ratio":
                raise ValueError(f"{part!r} is a ratio; a ratio's parts are counts or sums")
        kind = "ratio"
    unit = unit or {"count": "count", "sum": "yuan", "ratio": "rate"}[kind]
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} of {id!r} is not one of {', '.join(UNITS)}")
    if definition is None:
        bottom = den[0] if len(den) == 1 else f"({' + '.join(den)})"
        definition = (f"{numerator} / {bottom}" if kind == "ratio"
                      else f"{kind} of {measure.table}"  # type: ignore[union-attr]
                      + (f" where {measure.where}" if measure.where else ""))  # type: ignore[union-attr]
    if section is None:
        section = ids[numerator].section if numerator in ids else "traffic"
    return Metric(id, zh or en, en, kind, unit, direction, section, definition, definition,
                  measure=measure, numerator=numerator, denominator=den)
