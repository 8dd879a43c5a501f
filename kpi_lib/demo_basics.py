"""Building blocks of the demo generator (:mod:`kpi_lib.demo`): the vocabulary of one
fictional brand, the calendar with its seasons, arrow column helpers and each store's
sales staff."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .archetypes import Archetype, StoreSpec

# Vocabulary (one fictional brand, 华驰). Weights need not sum to one.
MODELS = (("华驰锐影", 128_000, 3), ("华驰星瀚", 159_000, 4), ("华驰逸途", 176_000, 3),
          ("华驰凌云", 215_000, 2.5), ("华驰御风", 268_000, 1.5), ("华驰雷霆EV", 339_000, 1))
SOURCES = ("自然到店", "网络", "朋友介绍", "车展", "电话邀约", "老客户", "户外广告", "汽车之家")
VISIT_SOURCE_W = (34, 22, 9, 6, 5, 8, 6, 10)
CALL_SOURCE_W = (0, 45, 8, 4, 0, 8, 10, 25)
INVITED_SOURCE = SOURCES.index("电话邀约")
LOST_REASONS = ("价格原因", "竞品优惠", "车型配置", "贷款未批", "交车周期长", "暂缓购车",
                "服务态度")
LOST_REASON_W = (30, 25, 15, 8, 8, 10, 4)
COMPETITORS = ("比亚迪汉", "丰田凯美瑞", "本田雅阁", "大众帕萨特", "吉利星瑞", "特斯拉Model 3",
               "日产天籁", "长安UNI-V")
AD_CHANNELS = ("汽车之家", "懂车帝", "易车", "抖音", "微信朋友圈", "车展", "户外广告", "电台广告")
CHANNEL_CODES = ("walk_in", "fleet", "existing_customer", "outdoor", "secondary_outlet", "other")
KINDS = ("call", "message", "visit", "letter")
GRADES = ("O", "H", "A", "B", "C")
STATUSES = ("open", "ordered", "lost", "out_of_control")
SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩"
                 "冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程")
GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
              "建国志红玉兰文辉鹏飞宇浩然欣怡子涵梓轩")
PHONE_PREFIXES = (130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 158, 159, 166, 177,
                  180, 185, 186, 187, 188, 189, 199)
SPRING_FESTIVAL = {2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17",
                   2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03"}
#: traffic by month of year (the Spring Festival's month gets a further dip)
MONTH_FACTOR = np.array([1.05, 0.93, 0.96, 1.0, 1.05, 1.0, 0.92, 0.95, 1.0, 1.25, 0.96, 1.18])
HOUR_W = np.array([1.0, 3.0, 4.0, 2.5, 2.5, 4.0, 4.5, 4.0, 2.0])  # arrivals 09:00 … 17:59
FOLLOW_INTERVAL = np.array([7, 2, 7, 14, 30])  # by grade index O, H, A, B, C

TIMES = pa.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)])


@dataclass(frozen=True)
class DemoCalendar:
    """The days and months of the demo, with their share of the traffic."""

    start: np.datetime64  # first day
    months: tuple[str, ...]  # 'YYYY-MM'
    month_of_day: np.ndarray  # month index of each day
    month_first: np.ndarray  # day index of each month's first day
    day_share: np.ndarray  # each day's share of its month's traffic
    month_factor: np.ndarray  # seasonal traffic factor of each month

    @property
    def n_days(self) -> int:
        return len(self.month_of_day)


def demo_calendar(first_month: str, last_month: str) -> DemoCalendar:
    """Weekends, Golden Week, the year-end push and the Spring Festival shape the days."""
    first, last = np.datetime64(first_month, "M"), np.datetime64(last_month, "M")
    if last < first:
        raise ValueError(f"last_month {last_month} is before first_month {first_month}")
    months = np.arange(first, last + 1)
    start = first.astype("datetime64[D]")
    days = np.arange(start, (last + 1).astype("datetime64[D]"))
    month_of_day = (days.astype("datetime64[M]") - first).astype(np.int64)
    dom = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    moy = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dow = (days.astype(np.int64) + 3) % 7  # Monday = 0
    w = np.where(dow == 5, 1.6, np.where(dow == 6, 1.5, 1.0))
    w = w * np.where((moy == 10) & (dom <= 7), 2.2, 1.0)  # Golden Week
    w = w * np.where((moy == 12) & (dom >= 20), 1.25, 1.0)  # year-end push
    factor = MONTH_FACTOR[months.astype(np.int64) % 12].copy()
    for sf in SPRING_FESTIVAL.values():
        off = (days - np.datetime64(sf, "D")).astype(np.int64)
        w = w * np.where((off >= -2) & (off <= 6), 0.3, np.where((off >= -10) & (off < -2),
                                                                 1.15, 1.0))
        m = (np.datetime64(sf, "M") - first).astype(np.int64)
        if 0 <= m < len(months):
            factor[m] *= 0.78
    share = w / np.bincount(month_of_day, weights=w)[month_of_day]
    return DemoCalendar(start, tuple(str(m) for m in months), month_of_day,
                     np.searchsorted(month_of_day, np.arange(len(months))), share, factor)



# ---------------------------------------------------------------- arrow helpers
def take(vocab: tuple[str, ...] | pa.Array, idx: np.ndarray, mask=None) -> pa.Array:
    """``vocab[idx]`` as an arrow column (``mask``: nulls)."""
    arr = vocab if isinstance(vocab, pa.Array) else pa.array(vocab)
    return pc.take(arr, pa.array(idx, type=pa.int64(), mask=mask))


def id_column(prefix: str, n: int, width: int = 6, nums: np.ndarray | None = None,
              mask=None) -> pa.Array:
    """``prefix`` + the numbers (default 1…n) zero-padded to ``width``."""
    nums = np.arange(1, n + 1) if nums is None else nums
    text = pc.utf8_lpad(pc.cast(pa.array(nums, type=pa.int64(), mask=mask), pa.string()),
                        width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def date_column(cal: DemoCalendar, day: np.ndarray, mask=None) -> pa.Array:
    """Day indices as dates."""
    return pa.array(cal.start + np.asarray(day, dtype=np.int64), type=pa.date32(), mask=mask)


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random Chinese names (a surname and one or two given characters)."""
    two = rng.random(n) < 0.7
    given2 = np.where(two, rng.integers(0, len(GIVEN), n), len(GIVEN))
    return pc.binary_join_element_wise(take(SURNAMES, rng.integers(0, len(SURNAMES), n)),
                                       take(GIVEN, rng.integers(0, len(GIVEN), n)),
                                       take((*GIVEN, ""), given2), "")


def weighted_choice(rng: np.random.Generator, weights, n: int) -> np.ndarray:
    """``n`` indices drawn with the (unnormalised) ``weights``."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def prob(x: np.ndarray | float) -> np.ndarray:
    """Clip to a usable probability."""
    return np.clip(x, 0.0, 0.97)


def grade_by_wait(wait: np.ndarray) -> np.ndarray:
    """Grade index by days until the order: H within 7, A 30, B 90, else C."""
    return np.select([wait <= 7, wait <= 30, wait <= 90], [1, 2, 3], 4)


def month_days(rng: np.random.Generator, cal: DemoCalendar, expected: np.ndarray) -> np.ndarray:
    """Sorted day indices of events with ``expected[m]`` events in month m on average."""
    counts = rng.poisson(expected[cal.month_of_day] * cal.day_share)
    return np.repeat(np.arange(cal.n_days), counts)


# ---------------------------------------------------------------- stores and staff
def stores_table(stores: tuple[StoreSpec, ...]) -> pa.Table:
    """The ``stores`` table of the roster."""
    cols = {c: pa.array([getattr(s, c) for s in stores]) for c in
            ("store_id", "store_name", "region", "city", "tier")}
    return pa.table(cols)


@dataclass
class Staff:
    """A store's consultants and which of them holds each sales slot when."""

    ids: pa.Array
    skill: np.ndarray
    hired: np.ndarray  # day index (negative: before the range)
    left: np.ndarray  # day index, -1 = still employed
    slot_first: np.ndarray  # consultant index holding each sales slot first
    slot_next: np.ndarray  # … and after the switch day
    slot_switch: np.ndarray  # last day of the first holder
    slot_w: np.ndarray
    manager: int

    def at(self, slot: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Consultant index of ``slot`` on ``day``."""
        return np.where(day > self.slot_switch[slot], self.slot_next[slot],
                        self.slot_first[slot])


def hire_staff(spec: StoreSpec, arch: Archetype, rng: np.random.Generator,
               cal: DemoCalendar) -> tuple[Staff, pa.Table]:
    """The store's consultants (a manager, the sales slots, some leaving and replaced) and
    their table."""
    tiny = arch.code == "tiny"
    n_slots = 1 if tiny else int(rng.integers(6, 12))
    n_leave = 0 if tiny else 1 + int(rng.random() < 0.4)
    n = 1 + n_slots + n_leave
    skill = np.clip(rng.lognormal(0.0, 0.15, n), 0.7, 1.35)
    if arch.code == "benchmark":
        skill = np.maximum(skill, 0.95)
    elif arch.code == "typical" and rng.random() < 0.6:
        skill[1] = 0.55  # one consultant far below the team
    hired = -rng.integers(120, 3000, n)
    left = np.full(n, -1)
    slot_first = np.arange(1, n_slots + 1)
    slot_next = slot_first.copy()
    switch = np.full(n_slots, cal.n_days + 1)
    leavers = rng.choice(np.arange(n_slots), size=n_leave, replace=False)
    for j, s in enumerate(np.sort(leavers)):
        day = int(rng.integers(60, max(61, cal.n_days - 45)))
        succ = 1 + n_slots + j
        switch[s], slot_next[s] = day, succ
        left[slot_first[s]], hired[succ] = day, day + 1
    if tiny:  # the manager sells too
        slot_first = np.array([0, 1])
        slot_next, switch = slot_first.copy(), np.full(2, cal.n_days + 1)
    staff = Staff(id_column(f"{spec.store_id}-C", n, 2), skill, hired, left, slot_first,
                  slot_next, switch, rng.uniform(0.7, 1.3, len(slot_first)), 0)
    role = np.where(np.arange(n) == 0, 1, 0)
    table = pa.table({
        "consultant_id": staff.ids,
        "store_id": pa.array([spec.store_id] * n),
        "name": person_names(rng, n),
        "role": take(("sales", "manager"), role),
        "hired": date_column(cal, hired),
        "left": date_column(cal, np.maximum(left, 0), mask=left < 0),
    })
    return staff, table

