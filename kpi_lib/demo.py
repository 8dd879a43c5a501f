"""Deterministic demo data: every contract table for a network of 4S stores.

The stores and their behaviour come from :mod:`kpi_lib.archetypes`. Generation is
vectorised with numpy per store (one random stream per store, seeded by ``[seed, k]``),
and each store's rows are streamed to the CSV files with pyarrow, so that the same
code writes the 12-store demo in seconds and networks of hundreds of stores for
benchmarks. Same seed, same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .archetypes import ARCHETYPE_BY_CODE, Archetype, StoreSpec, store_roster
from .ingest.schema import TABLES

__all__ = ["EXTRA_COLUMNS", "TABLE_ORDER", "generate"]

#: tables in the order they are written
TABLE_ORDER = ("stores", "consultants", "visits", "calls", "leads", "followups", "orders",
               "marketing", "targets")
#: columns beyond the contract (allowed, kept and ignored; used to test privacy masking)
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {"leads": ("customer_name", "phone")}

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

_TIMES = pa.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)])
_CSV = pacsv.WriteOptions(include_header=False, quoting_style="none")


@dataclass(frozen=True)
class _Calendar:
    start: np.datetime64  # first day
    months: tuple[str, ...]  # 'YYYY-MM'
    month_of_day: np.ndarray  # month index of each day
    month_first: np.ndarray  # day index of each month's first day
    day_share: np.ndarray  # each day's share of its month's traffic
    month_factor: np.ndarray  # seasonal traffic factor of each month

    @property
    def n_days(self) -> int:
        return len(self.month_of_day)


def _calendar(first_month: str, last_month: str) -> _Calendar:
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
    return _Calendar(start, tuple(str(m) for m in months), month_of_day,
                     np.searchsorted(month_of_day, np.arange(len(months))), share, factor)


# ---------------------------------------------------------------- arrow helpers
def _take(vocab: tuple[str, ...] | pa.Array, idx: np.ndarray, mask=None) -> pa.Array:
    arr = vocab if isinstance(vocab, pa.Array) else pa.array(vocab)
    return pc.take(arr, pa.array(idx, type=pa.int64(), mask=mask))


def _ids(prefix: str, n: int, width: int = 6, nums: np.ndarray | None = None,
         mask=None) -> pa.Array:
    nums = np.arange(1, n + 1) if nums is None else nums
    text = pc.utf8_lpad(pc.cast(pa.array(nums, type=pa.int64(), mask=mask), pa.string()),
                        width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _dates(cal: _Calendar, day: np.ndarray, mask=None) -> pa.Array:
    return pa.array(cal.start + np.asarray(day, dtype=np.int64), type=pa.date32(), mask=mask)


def _names(rng: np.random.Generator, n: int) -> pa.Array:
    two = rng.random(n) < 0.7
    given2 = np.where(two, rng.integers(0, len(GIVEN), n), len(GIVEN))
    return pc.binary_join_element_wise(_take(SURNAMES, rng.integers(0, len(SURNAMES), n)),
                                       _take(GIVEN, rng.integers(0, len(GIVEN), n)),
                                       _take((*GIVEN, ""), given2), "")


def _choice(rng: np.random.Generator, weights, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def _p(x: np.ndarray | float) -> np.ndarray:
    """Clip to a usable probability."""
    return np.clip(x, 0.0, 0.97)


def _by_wait(wait: np.ndarray) -> np.ndarray:
    """Grade index by days until the order: H within 7, A 30, B 90, else C."""
    return np.select([wait <= 7, wait <= 30, wait <= 90], [1, 2, 3], 4)


def _month_days(rng: np.random.Generator, cal: _Calendar, expected: np.ndarray) -> np.ndarray:
    """Sorted day indices of events with ``expected[m]`` events in month m on average."""
    counts = rng.poisson(expected[cal.month_of_day] * cal.day_share)
    return np.repeat(np.arange(cal.n_days), counts)


# ---------------------------------------------------------------- the tables
def _stores_table(stores: tuple[StoreSpec, ...]) -> pa.Table:
    cols = {c: pa.array([getattr(s, c) for s in stores]) for c in
            ("store_id", "store_name", "region", "city", "tier")}
    return pa.table(cols)


@dataclass
class _Staff:
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


def _staff(spec: StoreSpec, arch: Archetype, rng: np.random.Generator,
           cal: _Calendar) -> tuple[_Staff, pa.Table]:
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
    staff = _Staff(_ids(f"{spec.store_id}-C", n, 2), skill, hired, left, slot_first,
                   slot_next, switch, rng.uniform(0.7, 1.3, len(slot_first)), 0)
    role = np.where(np.arange(n) == 0, 1, 0)
    table = pa.table({
        "consultant_id": staff.ids,
        "store_id": pa.array([spec.store_id] * n),
        "name": _names(rng, n),
        "role": _take(("sales", "manager"), role),
        "hired": _dates(cal, hired),
        "left": _dates(cal, np.maximum(left, 0), mask=left < 0),
    })
    return staff, table


def _store_tables(spec: StoreSpec, rng: np.random.Generator,
                  cal: _Calendar) -> dict[str, pa.Table]:
    arch = ARCHETYPE_BY_CODE[spec.archetype]
    sid, end, nm = spec.store_id, cal.n_days - 1, len(cal.months)
    staff, consultants = _staff(spec, arch, rng, cal)
    base = arch.traffic * (1 + arch.traffic_spread * rng.uniform(-1, 1))
    month_exp = base * cal.month_factor * rng.lognormal(0, 0.04, nm)
    if arch.code != "tiny":
        month_exp = np.clip(month_exp, 900, 2850)

    # visits: day, arrival minute, slot, first visit
    vday = _month_days(rng, cal, month_exp)
    n = len(vday)
    hour = 9 + _choice(rng, HOUR_W, n)
    vmin = np.sort(hour * 60 + rng.integers(0, 60, n) + vday * 1440) - vday * 1440
    vslot = _choice(rng, staff.slot_w, n)
    first = rng.random(n) < arch.first_visit
    vsource = np.where(first, _choice(rng, VISIT_SOURCE_W, n), SOURCES.index("老客户"))
    vsource = np.where(first | (rng.random(n) < 0.5), vsource, SOURCES.index("自然到店"))
    vmodel = _choice(rng, [m[2] for m in MODELS], n)
    invited = np.where(first, False, rng.random(n) < 0.5)
    vcust = np.full(n, -1)

    # calls, and invited callers who come in as first visits
    cday = _month_days(rng, cal, month_exp * arch.calls * rng.uniform(0.85, 1.15))
    nc = len(cday)
    cmin = np.sort(9 * 60 + rng.integers(0, 11 * 60, nc) + cday * 1440) - cday * 1440
    cslot = _choice(rng, staff.slot_w, nc)
    ccons = staff.at(cslot, cday)
    csource = _choice(rng, CALL_SOURCE_W, nc)
    cmodel = _choice(rng, [m[2] for m in MODELS], nc)
    cinvited = rng.random(nc) < _p(0.45 * staff.skill[ccons])
    fpos = np.flatnonzero(first)
    came = cinvited & (rng.random(nc) < 0.7)
    j = np.searchsorted(vday[fpos], cday + rng.integers(1, 8, nc))
    came &= j < len(fpos)
    target, which = np.unique(fpos[j[came]], return_index=True)
    caller = np.flatnonzero(came)[which]
    vcust[target], vslot[target], vmodel[target] = caller, cslot[caller], cmodel[caller]
    invited[target], vsource[target] = True, INVITED_SOURCE
    linked = np.zeros(nc, bool)
    linked[caller] = True

    # first-visit funnel flags, leads from captured first visits and from other calls
    vcons = staff.at(vslot, vday)
    captured = first & (rng.random(n) < _p(arch.capture * np.sqrt(staff.skill[vcons])))
    td = rng.random(n) < _p(arch.test_drive * staff.skill[vcons])
    neg = np.where(td, rng.random(n) < _p(arch.negotiation * staff.skill[vcons]),
                   rng.random(n) < 0.03)
    new_cust = captured & (vcust < 0)
    vcust[new_cust] = nc + np.arange(new_cust.sum())
    call_lead = ~linked & (rng.random(nc) < 0.3)
    lv, lc = np.flatnonzero(captured), np.flatnonzero(call_lead)
    lday = np.concatenate([vday[lv], cday[lc]])
    order = np.lexsort((np.concatenate([vmin[lv], cmin[lc]]), lday))
    lday = lday[order]
    lslot = np.concatenate([vslot[lv], cslot[lc]])[order]
    lcust = np.concatenate([vcust[lv], lc])[order]
    lsource = np.concatenate([vsource[lv], csource[lc]])[order]
    lmodel = np.concatenate([vmodel[lv], cmodel[lc]])[order]
    stage = np.concatenate([np.where(neg[lv], 1.0, np.where(td[lv], 0.3, 0.08)),
                            np.full(len(lc), 0.15)])[order]
    lcons = staff.at(lslot, lday)

    # repeat visits: a known customer (an earlier lead) comes back to their consultant
    rep = np.flatnonzero(~first)
    lo = np.searchsorted(lday, vday[rep] - 60)
    hi = np.searchsorted(lday, vday[rep])
    known = (hi > lo) & (rng.random(len(rep)) < 0.92)
    pick = lo + (rng.random(len(rep)) * (hi - lo)).astype(np.int64)
    r, k = rep[known], pick[known]
    vcust[r], vslot[r], vmodel[r], captured[r] = lcust[k], lslot[k], lmodel[k], True
    vcons = staff.at(vslot, vday)
    boost = np.where(first, 1.0, 1.25)
    td = np.where(first, td, rng.random(n) < _p(arch.test_drive * boost * staff.skill[vcons]))
    neg = np.where(first, neg, np.where(td, rng.random(n) < _p(arch.negotiation *
                                                              staff.skill[vcons]), False))
    dwell = np.clip(rng.lognormal(np.log(32), 0.3, n) + 22 * td + 12 * neg, 18, 95)
    vout = np.minimum(vmin + dwell.astype(np.int64), 23 * 60 + 59)
    cust_prefix = f"{sid}-K"
    visits = pa.table({
        "visit_id": _ids(f"{sid}-V", n), "store_id": pa.array([sid] * n),
        "date": _dates(cal, vday), "time_in": _take(_TIMES, vmin),
        "time_out": _take(_TIMES, vout), "consultant_id": _take(staff.ids, vcons),
        "customer_id": _ids(cust_prefix, n, 7, vcust + 1, mask=vcust < 0),
        "first_visit": pa.array(first), "source": _take(SOURCES, vsource),
        "model": _take([m[0] for m in MODELS], vmodel), "lead_captured": pa.array(captured),
        "test_drive": pa.array(td), "negotiated": pa.array(neg), "invited": pa.array(invited),
    })
    calls = pa.table({
        "call_id": _ids(f"{sid}-T", nc), "store_id": pa.array([sid] * nc),
        "date": _dates(cal, cday), "time": _take(_TIMES, cmin),
        "consultant_id": _take(staff.ids, ccons),
        "customer_id": _ids(cust_prefix, nc, 7, np.arange(1, nc + 1)),
        "source": _take(SOURCES, csource), "model": _take([m[0] for m in MODELS], cmodel),
        "invited": pa.array(cinvited),
    })

    leads, oday, ordered, g0 = _leads(rng, spec, arch, staff, cal, lday, lcons, lcust,
                                      lsource, lmodel, stage)
    done = oday <= end

    followups = _followups(rng, arch, staff, lcons, lday, oday, ordered, g0, end, sid, cal)
    orders, deliveries = _orders(rng, spec, arch, staff, cal, month_exp, lday, oday,
                                 ordered & done, lslot, lmodel, lsource)
    return {"consultants": consultants, "visits": visits, "calls": calls, "leads": leads,
            "followups": followups, "orders": orders,
            "marketing": _marketing(rng, spec, cal, month_exp),
            "targets": _targets(rng, spec, arch, staff, cal, deliveries)}


def _leads(rng: np.random.Generator, spec: StoreSpec, arch: Archetype, staff: _Staff,
           cal: _Calendar, lday: np.ndarray, lcons: np.ndarray, lcust: np.ndarray,
           lsource: np.ndarray, lmodel: np.ndarray,
           stage: np.ndarray) -> tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]:
    """Lead outcomes (ordered / lost / out of control; open when beyond the range).

    Returns the leads table, each lead's outcome day (may lie after the range), whether it
    orders, and its working grade index (sets the follow-up frequency).
    """
    sid, end, nl = spec.store_id, cal.n_days - 1, len(lday)
    ordered = rng.random(nl) < _p(arch.close * stage * staff.skill[lcons])
    lost = ~ordered & (rng.random(nl) < 0.6)
    delay = np.where(ordered, np.where(rng.random(nl) < 0.45, rng.integers(0, 8, nl),
                                       8 + rng.exponential(30, nl)),
                     np.where(lost, 7 + rng.exponential(25, nl), 45 + rng.exponential(30, nl)))
    delay = delay.astype(np.int64)
    oday = lday + delay
    done = oday <= end
    status = np.where(~done, 0, np.where(ordered, 1, np.where(lost, 2, 3)))
    g0 = np.where(ordered, _by_wait(delay), 2 + _choice(rng, [15, 45, 40], nl))
    grade = np.where(status == 1, 0, np.where(ordered & ~done, _by_wait(oday - end), g0))
    reason = _choice(rng, LOST_REASON_W, nl)
    comp = _choice(rng, [6, 5, 5, 4, 4, 3, 3, 2], nl)
    if spec.dominant_competitor:
        dom = COMPETITORS.index(spec.dominant_competitor)
        comp = np.where(rng.random(nl) < 0.65, dom, comp)
        reason = np.where(rng.random(nl) < 0.4, LOST_REASONS.index("竞品优惠"), reason)
    is_lost = status == 2
    has_comp = is_lost & (rng.random(nl) < 0.8)
    phone = (np.asarray(PHONE_PREFIXES)[rng.integers(0, len(PHONE_PREFIXES), nl)]
             * 100_000_000 + rng.integers(0, 100_000_000, nl))
    leads = pa.table({
        "lead_id": _ids(f"{sid}-L", nl), "store_id": pa.array([sid] * nl),
        "consultant_id": _take(staff.ids, lcons),
        "customer_id": _ids(f"{sid}-K", nl, 7, lcust + 1),
        "created": _dates(cal, lday), "source": _take(SOURCES, lsource),
        "model": _take([m[0] for m in MODELS], lmodel), "grade": _take(GRADES, grade),
        "status": _take(STATUSES, status), "status_date": _dates(cal, oday, mask=~done),
        "lost_reason": _take(LOST_REASONS, reason, mask=~is_lost),
        "competitor": _take(COMPETITORS, comp, mask=~has_comp),
        "customer_name": _names(rng, nl), "phone": pc.cast(pa.array(phone), pa.string()),
    })

    return leads, oday, ordered, g0


def _followups(rng: np.random.Generator, arch: Archetype, staff: _Staff, lcons: np.ndarray,
               lday: np.ndarray, oday: np.ndarray, ordered: np.ndarray, g0: np.ndarray,
               end: int, sid: str, cal: _Calendar) -> pa.Table:
    """Follow-ups due at the grade's frequency; some done late, some missed."""
    interval = FOLLOW_INTERVAL[g0]
    stop = np.minimum(oday, end)
    n_due = np.maximum(stop - lday, 0) // interval
    lead = np.repeat(np.arange(len(lday)), n_due)
    k = np.arange(len(lead)) - np.repeat(np.cumsum(n_due) - n_due, n_due) + 1
    comply = np.clip(arch.followup * staff.skill[lcons] ** 0.5, 0.3, 0.98)[lead]
    late = rng.random(len(lead)) > comply + (1 - comply) / 2
    day = lday[lead] + k * interval[lead] + np.where(late, rng.integers(1, 6, len(lead)), 0)
    keep = (rng.random(len(lead)) < comply) & (day <= stop[lead])
    lead, day = lead[keep], day[keep]
    after = np.where(ordered[lead], _by_wait(oday[lead] - day), g0[lead])
    return pa.table({
        "lead_id": _ids(f"{sid}-L", 0, 6, lead + 1),
        "date": _dates(cal, day),
        "kind": _take(KINDS, _choice(rng, [55, 25, 15, 5], len(lead))),
        "grade_after": _take(GRADES, after),
    })


def _orders(rng: np.random.Generator, spec: StoreSpec, arch: Archetype, staff: _Staff,
            cal: _Calendar, month_exp: np.ndarray, lday: np.ndarray, oday: np.ndarray,
            won: np.ndarray, lslot: np.ndarray, lmodel: np.ndarray,
            lsource: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Orders from won leads plus fleet deals; returns the table and deliveries per month."""
    end, sid = cal.n_days - 1, spec.store_id
    lead = np.flatnonzero(won)
    fday = _month_days(rng, cal, np.full(len(cal.months), 0.0) + month_exp / 650
                       * (arch.code != "tiny"))
    nf, nw = len(fday), len(lead)
    day = np.concatenate([oday[lead], fday])
    src = lsource[lead]
    chan = np.select([src == SOURCES.index("老客户"), src == SOURCES.index("朋友介绍"),
                      src == SOURCES.index("车展")], [2, 2, 3], 0)
    chan = np.where((chan == 2) & (rng.random(nw) < 0.3), 0, chan)
    chan = np.where((chan == 3) & (rng.random(nw) < 0.3), 0, chan)
    u = rng.random(nw)
    chan = np.where(u < 0.05, 4, np.where(u < 0.09, 5, chan))
    chan = np.concatenate([chan, np.ones(nf, np.int64)])
    model = np.concatenate([lmodel[lead], _choice(rng, [5, 5, 3, 1, 0.5, 0.5], nf)])
    cons = np.concatenate([staff.at(lslot[lead], oday[lead]), np.full(nf, staff.manager)])
    leadnum = np.concatenate([lead + 1, np.zeros(nf, np.int64)])
    order = np.lexsort((rng.random(nw + nf), day))
    day, chan, model, cons, leadnum = (a[order] for a in (day, chan, model, cons, leadnum))
    no = len(day)
    fleet = chan == 1
    list_price = np.array([m[1] for m in MODELS])[model]
    price = np.round(list_price * (1 - rng.uniform(0.02, 0.10, no) - 0.05 * fleet), -2)
    trade_in = ~fleet & (rng.random(no) < rng.uniform(0.15, 0.30))
    insurance = rng.random(no) < np.where(fleet, 0.5, 0.78)
    cancel = rng.random(no) < 0.04
    cday = day + rng.integers(1, 21, no)
    dday = day + np.clip(np.round(3 + rng.gamma(2.0, 5.0, no)), 1, 45).astype(np.int64)
    cancelled = cancel & (cday <= end)
    delivered = ~cancel & (dday <= end)
    full = rng.random(no) < (0.98 if arch.code == "benchmark" else 0.92)
    collected = np.where(delivered, np.where(full, price, np.round(
        price * rng.uniform(0.6, 0.97, no), -2)), np.where(cancelled, 0, np.minimum(
            price, rng.integers(5, 31, no) * 1000)))
    table = pa.table({
        "order_id": _ids(f"{sid}-O", no), "store_id": pa.array([sid] * no),
        "consultant_id": _take(staff.ids, cons),
        "lead_id": _ids(f"{sid}-L", 0, 6, leadnum, mask=leadnum == 0),
        "order_date": _dates(cal, day), "model": _take([m[0] for m in MODELS], model),
        "price": pa.array(price.astype(np.int64)), "channel": _take(CHANNEL_CODES, chan),
        "trade_in": pa.array(trade_in), "insurance": pa.array(insurance),
        "delivered": _dates(cal, dday, mask=~delivered),
        "cancelled": _dates(cal, cday, mask=~cancelled),
        "receivable": pa.array(price.astype(np.int64)),
        "collected": pa.array(collected.astype(np.int64)),
        "ceremony": pa.array(delivered & (rng.random(no) < 0.85)),
        "call_3d": pa.array(delivered & (rng.random(no) < min(0.97, arch.followup + 0.05))),
        "letter_7d": pa.array(delivered & (rng.random(no) < 0.6)),
        "referral": pa.array(rng.random(no) < np.where(chan == 2, 0.6, 0.03)),
    })
    per_month = np.bincount(cal.month_of_day[dday[delivered]], minlength=len(cal.months))
    revenue = np.bincount(cal.month_of_day[dday[delivered]], weights=price[delivered],
                          minlength=len(cal.months))
    return table, np.stack([per_month, revenue])


def _marketing(rng: np.random.Generator, spec: StoreSpec, cal: _Calendar,
               month_exp: np.ndarray) -> pa.Table:
    """Ad spend per month and channel, scaled with traffic (CNY, whole hundreds)."""
    nm = len(cal.months)
    k = 2 if month_exp.mean() < 200 else int(rng.integers(4, 7))
    chans = np.sort(rng.choice(len(AD_CHANNELS), size=k, replace=False))
    shares = rng.dirichlet(np.full(k, 3.0))
    total = rng.uniform(75, 130) * month_exp * rng.lognormal(0, 0.05, nm)
    if spec.rising_cost and nm >= 4:
        total[-3:] *= (1.3, 1.6, 2.0)
    spend = np.round(total[:, None] * shares[None, :] * rng.lognormal(0, 0.1, (nm, k)), -2)
    return pa.table({
        "store_id": pa.array([spec.store_id] * (nm * k)),
        "month": _take(cal.months, np.repeat(np.arange(nm), k)),
        "channel": _take(AD_CHANNELS, np.tile(chans, nm)),
        "spend": pa.array(spend.ravel().astype(np.int64)),
    })


def _targets(rng: np.random.Generator, spec: StoreSpec, arch: Archetype, staff: _Staff,
             cal: _Calendar, deliveries: np.ndarray) -> pa.Table:
    """A store row per month, then one row per selling consultant active in the month."""
    units_done, revenue_done = deliveries
    nm = len(cal.months)
    units = np.maximum(1, np.round(units_done / rng.uniform(*arch.completion, nm)))
    avg = np.where(units_done > 0, revenue_done / np.maximum(units_done, 1), 190_000)
    sellers = np.unique(np.concatenate([staff.slot_first, staff.slot_next]))
    m_first = cal.month_first
    m_last = np.append(m_first[1:] - 1, cal.n_days - 1)
    active = ((staff.hired[sellers][None, :] <= m_last[:, None])
              & ((staff.left[sellers][None, :] < 0)
                 | (staff.left[sellers][None, :] >= m_first[:, None])))
    mi, ci = np.nonzero(active)
    cu = np.maximum(1, np.round(units[mi] / active.sum(axis=1)[mi]))
    month = np.concatenate([np.arange(nm), mi])
    order = np.argsort(month, kind="stable")
    cons = np.concatenate([np.full(nm, -1), sellers[ci]])[order]
    all_units = np.concatenate([units, cu])[order]
    revenue = np.round(all_units * avg[month[order]], -3)
    return pa.table({
        "store_id": pa.array([spec.store_id] * len(order)),
        "month": _take(cal.months, month[order]),
        "consultant_id": _take(staff.ids, np.maximum(cons, 0), mask=cons < 0),
        "units": pa.array(all_units.astype(np.int64)),
        "revenue": pa.array(revenue.astype(np.int64)),
    })


# ---------------------------------------------------------------- writing
class _Sink:
    """One temp CSV per table in ``out``; moved into place by :meth:`commit`."""

    def __init__(self, out: Path) -> None:
        self.out, self.files, self.counts = out, {}, {}
        self.columns: dict[str, list[str]] = {}
        for name in TABLE_ORDER:
            cols = [c.name for c in TABLES[name].columns] + list(EXTRA_COLUMNS.get(name, ()))
            f: BinaryIO = open(out / f".{name}.csv.tmp", "wb")  # noqa: SIM115
            f.write((",".join(cols) + "\n").encode("utf-8"))
            self.files[name], self.columns[name], self.counts[name] = f, cols, 0

    def write(self, name: str, table: pa.Table) -> None:
        table = table.select(self.columns[name])
        pacsv.write_csv(table, self.files[name], _CSV)
        self.counts[name] += table.num_rows

    def close(self, commit: bool) -> None:
        for name, f in self.files.items():
            f.close()
            tmp = self.out / f".{name}.csv.tmp"
            if commit:
                os.replace(tmp, self.out / f"{name}.csv")
            else:
                tmp.unlink(missing_ok=True)


def generate(out: Path, *, seed: int = 20261, first_month: str = "2025-09",
             last_month: str = "2026-10", n_stores: int | None = None) -> dict[str, int]:
    """Write the demo data set: one UTF-8 CSV per contract table in ``out``.

    Parameters
    ----------
    out : folder to write to (created if missing); existing tables are replaced atomically.
    seed : random seed; the same seed gives byte-identical files.
    first_month, last_month : the months covered, ``YYYY-MM``.
    n_stores : None for the archetype stores; more adds ``typical`` stores S013….

    Returns
    -------
    dict
        Rows written per table, in :data:`TABLE_ORDER`.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cal = _calendar(first_month, last_month)
    stores = store_roster(n_stores)
    sink = _Sink(out)
    try:
        sink.write("stores", _stores_table(stores))
        for k, spec in enumerate(stores):
            rng = np.random.default_rng([seed, k])
            for name, table in _store_tables(spec, rng, cal).items():
                sink.write(name, table)
    except BaseException:
        sink.close(commit=False)
        raise
    sink.close(commit=True)
    return dict(sink.counts)
