"""Store archetypes of the demo network: the one place that lists them.

Each archetype is a behaviour profile that the demo generator (:mod:`kpi_lib.demo`) turns
into data: how much traffic a store gets and how likely a visitor moves through each
funnel stage. The weak archetypes reproduce the training course's canonical diagnoses
(few visitors, few test drives, little negotiation, poor closing, poor lead capture), so
that every diagnosis rule has a store that should trigger it.

>>> STORE_ARCHETYPES["S001"]
'benchmark'
>>> sorted({a.code for a in ARCHETYPES}) == sorted(ARCHETYPE_BY_CODE)
True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ARCHETYPES",
    "ARCHETYPE_BY_CODE",
    "REGIONS",
    "STORES",
    "STORE_ARCHETYPES",
    "Archetype",
    "StoreSpec",
    "store_roster",
]


@dataclass(frozen=True)
class Archetype:
    """A store behaviour profile (probabilities are per visit batch or per lead)."""

    code: str
    zh: str
    en: str
    description: str
    #: mean visit batches per month at seasonal factor 1
    traffic: float
    #: P(lead captured | first visit)
    capture: float
    #: P(test drive | visit)
    test_drive: float
    #: P(negotiated | test drive)
    negotiation: float
    #: P(order | negotiated lead)
    close: float
    #: phone inquiries per visit batch
    calls: float = 0.22
    #: share of due follow-ups actually done
    followup: float = 0.8
    #: share of first visits among visit batches
    first_visit: float = 0.70
    #: range of monthly target completion (deliveries / target units)
    completion: tuple[float, float] = (0.88, 1.08)
    #: relative spread of store traffic between stores of this archetype
    traffic_spread: float = 0.0


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("benchmark", "标杆店", "benchmark",
              "A healthy benchmark store that is strong on every funnel stage.",
              traffic=2200, capture=0.72, test_drive=0.46, negotiation=0.68, close=0.55,
              calls=0.28, followup=0.95, completion=(1.08, 1.20)),
    Archetype("traffic_low", "客流不足", "low traffic",
              "Few visitors but a high close rate: the problem is traffic, not selling.",
              traffic=1000, capture=0.74, test_drive=0.46, negotiation=0.66, close=0.62,
              calls=0.16, followup=0.88, completion=(0.75, 0.88)),
    Archetype("test_drive_low", "试驾率低", "few test drives",
              "Many visitors but a low test-drive rate: consultants do not offer drives.",
              traffic=2050, capture=0.60, test_drive=0.12, negotiation=0.55, close=0.45,
              completion=(0.75, 0.88)),
    Archetype("negotiation_low", "商洽率低", "little negotiation",
              "Many test drives but little negotiation: the drive does not lead to the desk.",
              traffic=1900, capture=0.60, test_drive=0.40, negotiation=0.18, close=0.45,
              completion=(0.75, 0.88)),
    Archetype("closing_low", "成交率低", "poor closing",
              "Much negotiation but few orders: quoting and objection handling are weak.",
              traffic=1900, capture=0.62, test_drive=0.38, negotiation=0.62, close=0.12,
              followup=0.7, completion=(0.72, 0.86)),
    Archetype("lead_capture_low", "留档率低", "poor lead capture",
              "Visitors rarely leave their contact details, so few leads are captured.",
              traffic=1900, capture=0.24, test_drive=0.35, negotiation=0.55, close=0.45,
              completion=(0.75, 0.88)),
    Archetype("tiny", "微型店", "tiny store",
              "A tiny store with very few visits (about 20 to 40 a month).",
              traffic=32, capture=0.60, test_drive=0.35, negotiation=0.55, close=0.45,
              calls=0.25, completion=(0.8, 1.1)),
    Archetype("typical", "普通店", "typical",
              "An average store with mild random variation around the network norm.",
              traffic=1750, capture=0.60, test_drive=0.35, negotiation=0.55, close=0.45,
              traffic_spread=0.22),
)

ARCHETYPE_BY_CODE: dict[str, Archetype] = {a.code: a for a in ARCHETYPES}

#: region -> (city, district) pairs used to name stores
REGIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "华东": (("上海", "浦东"), ("杭州", "西湖"), ("南京", "江宁"), ("苏州", "园区"),
           ("宁波", "鄞州"), ("合肥", "蜀山")),
    "华南": (("广州", "天河"), ("深圳", "南山"), ("佛山", "顺德"), ("东莞", "南城"),
           ("厦门", "思明"), ("南宁", "青秀")),
    "华北": (("北京", "朝阳"), ("天津", "河西"), ("石家庄", "裕华"), ("太原", "小店"),
           ("济南", "历下"), ("青岛", "崂山")),
    "西南": (("成都", "高新"), ("重庆", "渝北"), ("遵义", "汇川"), ("昆明", "官渡"),
           ("贵阳", "观山湖"), ("绵阳", "涪城")),
}


@dataclass(frozen=True)
class StoreSpec:
    """One store of the demo network."""

    store_id: str
    store_name: str
    region: str
    city: str
    tier: str
    archetype: str
    #: a competitor that wins most of the store's lost sales (None: a mix)
    dominant_competitor: str | None = None
    #: cost per visit rises over the last three months
    rising_cost: bool = False


STORES: tuple[StoreSpec, ...] = (
    StoreSpec("S001", "上海浦东4S店", "华东", "上海", "A", "benchmark"),
    StoreSpec("S002", "杭州西湖4S店", "华东", "杭州", "B", "typical"),
    StoreSpec("S003", "南京江宁4S店", "华东", "南京", "B", "test_drive_low"),
    StoreSpec("S004", "广州天河4S店", "华南", "广州", "A", "typical"),
    StoreSpec("S005", "深圳南山4S店", "华南", "深圳", "A", "negotiation_low"),
    StoreSpec("S006", "佛山顺德4S店", "华南", "佛山", "C", "traffic_low"),
    StoreSpec("S007", "北京朝阳4S店", "华北", "北京", "A", "closing_low",
              dominant_competitor="比亚迪汉"),
    StoreSpec("S008", "天津河西4S店", "华北", "天津", "B", "typical", rising_cost=True),
    StoreSpec("S009", "石家庄裕华4S店", "华北", "石家庄", "C", "lead_capture_low"),
    StoreSpec("S010", "成都高新4S店", "西南", "成都", "A", "typical"),
    StoreSpec("S011", "重庆渝北4S店", "西南", "重庆", "B", "typical"),
    StoreSpec("S012", "遵义汇川4S店", "西南", "遵义", "C", "tiny"),
)

STORE_ARCHETYPES: dict[str, str] = {s.store_id: s.archetype for s in STORES}


def store_roster(n_stores: int | None = None) -> tuple[StoreSpec, ...]:
    """The archetype stores, then extra ``typical`` stores S013… up to ``n_stores``.

    Extra stores cycle over the regions and their cities; ``n_stores`` below the number
    of archetype stores keeps the first ``n_stores`` of them.

    >>> [s.store_id for s in store_roster(14)][-2:]
    ['S013', 'S014']
    >>> store_roster(14)[-1].region != store_roster(14)[-2].region
    True
    """
    if n_stores is None or n_stores == len(STORES):
        return STORES
    if n_stores < 1:
        raise ValueError(f"n_stores must be at least 1, got {n_stores}")
    if n_stores < len(STORES):
        return STORES[:n_stores]
    regions = list(REGIONS)
    tiers = ("A", "B", "B", "C")
    extra = []
    for k in range(n_stores - len(STORES)):
        region = regions[k % len(regions)]
        cities = REGIONS[region]
        # start after the cities the archetype stores use, so that names stay unique
        slot = k // len(regions) + 3
        city, district = cities[slot % len(cities)]
        series = slot // len(cities)
        suffix = f"{series + 1}号" if series else ""
        sid = f"S{len(STORES) + k + 1:03d}"
        extra.append(StoreSpec(sid, f"{city}{district}{suffix}4S店", region, city,
                               tiers[k % len(tiers)], "typical"))
    return STORES + tuple(extra)
