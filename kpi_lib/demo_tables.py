"""One store's tables of the demo (all but ``stores``), from one random stream.

:func:`store_tables` walks the store's customers through the funnel: showroom visits and
phone calls, invited callers who come in, leads from captured visits and calls, repeat
visits of known customers, then the leads' outcomes, follow-ups, orders, ad spend and
targets. The order of the random draws is part of the output (same seed, same bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .archetypes import ARCHETYPE_BY_CODE, Archetype, StoreSpec
from .demo_basics import (
    AD_CHANNELS,
    CALL_SOURCE_W,
    CHANNEL_CODES,
    COMPETITORS,
    FOLLOW_INTERVAL,
    GRADES,
    HOUR_W,
    INVITED_SOURCE,
    KINDS,
    LOST_REASON_W,
    LOST_REASONS,
    MODELS,
    PHONE_PREFIXES,
    SOURCES,
    STATUSES,
    TIMES,
    VISIT_SOURCE_W,
    DemoCalendar,
    Staff,
    date_column,
    grade_by_wait,
    hire_staff,
    id_column,
    month_days,
    person_names,
    prob,
    take,
    weighted_choice,
)


@dataclass
class _Visits:
    """The store's showroom visits, one array entry per visit."""

    day: np.ndarray
    minute: np.ndarray  # arrival
    slot: np.ndarray  # sales slot serving the visit
    first: np.ndarray  # first visit
    source: np.ndarray
    model: np.ndarray
    invited: np.ndarray
    customer: np.ndarray  # customer index, -1 = not known
    captured: np.ndarray | None = None  # lead captured
    test_drive: np.ndarray | None = None
    negotiated: np.ndarray | None = None
    consultant: np.ndarray | None = None


@dataclass
class _Calls:
    """The store's incoming phone calls."""

    day: np.ndarray
    minute: np.ndarray
    slot: np.ndarray
    consultant: np.ndarray
    source: np.ndarray
    model: np.ndarray
    invited: np.ndarray  # invited to the showroom


@dataclass
class _LeadSeeds:
    """New leads in creation order, from captured first visits and other calls."""

    day: np.ndarray
    slot: np.ndarray
    customer: np.ndarray
    source: np.ndarray
    model: np.ndarray
    stage: np.ndarray  # how far the contact went (scales the chance to order)
    consultant: np.ndarray


def store_tables(spec: StoreSpec, rng: np.random.Generator,
                 cal: DemoCalendar) -> dict[str, pa.Table]:
    """Every table of one store but ``stores``, by table name."""
    arch = ARCHETYPE_BY_CODE[spec.archetype]
    sid, end = spec.store_id, cal.n_days - 1
    staff, consultants = hire_staff(spec, arch, rng, cal)
    month_exp = _monthly_traffic(rng, arch, cal)
    visits = _showroom_visits(rng, arch, staff, cal, month_exp)
    calls = _phone_calls(rng, arch, staff, cal, month_exp)
    linked = _invited_callers_come(rng, visits, calls)
    _first_visit_funnel(rng, arch, staff, visits)
    seeds = _lead_seeds(rng, staff, visits, calls, linked)
    _repeat_visits(rng, arch, staff, visits, seeds)

    visits_table = _visits_table(rng, sid, cal, staff, visits)
    calls_table = _calls_table(sid, cal, staff, calls)
    leads, oday, ordered, g0 = _leads(rng, spec, arch, staff, cal, seeds.day,
                                      seeds.consultant, seeds.customer, seeds.source,
                                      seeds.model, seeds.stage)
    done = oday <= end

    followups = _followups(rng, arch, staff, seeds.consultant, seeds.day, oday, ordered, g0,
                           end, sid, cal)
    orders, deliveries = _orders(rng, spec, arch, staff, cal, month_exp, seeds.day, oday,
                                 ordered & done, seeds.slot, seeds.model, seeds.source)
    return {"consultants": consultants, "visits": visits_table, "calls": calls_table,
            "leads": leads, "followups": followups, "orders": orders,
            "marketing": _marketing(rng, spec, cal, month_exp),
            "targets": _targets(rng, spec, arch, staff, cal, deliveries)}


def _monthly_traffic(rng: np.random.Generator, arch: Archetype,
                     cal: DemoCalendar) -> np.ndarray:
    """Expected visits of each month: the archetype's traffic × the season."""
    base = arch.traffic * (1 + arch.traffic_spread * rng.uniform(-1, 1))
    month_exp = base * cal.month_factor * rng.lognormal(0, 0.04, len(cal.months))
    if arch.code != "tiny":
        month_exp = np.clip(month_exp, 900, 2850)
    return month_exp


def _showroom_visits(rng: np.random.Generator, arch: Archetype, staff: Staff,
                     cal: DemoCalendar, month_exp: np.ndarray) -> _Visits:
    """Visits: day, arrival minute, slot, first visit, source, model, invited."""
    vday = month_days(rng, cal, month_exp)
    n = len(vday)
    hour = 9 + weighted_choice(rng, HOUR_W, n)
    vmin = np.sort(hour * 60 + rng.integers(0, 60, n) + vday * 1440) - vday * 1440
    vslot = weighted_choice(rng, staff.slot_w, n)
    first = rng.random(n) < arch.first_visit
    vsource = np.where(first, weighted_choice(rng, VISIT_SOURCE_W, n), SOURCES.index("老客户"))
    vsource = np.where(first | (rng.random(n) < 0.5), vsource, SOURCES.index("自然到店"))
    vmodel = weighted_choice(rng, [m[2] for m in MODELS], n)
    invited = np.where(first, False, rng.random(n) < 0.5)
    return _Visits(vday, vmin, vslot, first, vsource, vmodel, invited, np.full(n, -1))


def _phone_calls(rng: np.random.Generator, arch: Archetype, staff: Staff,
                 cal: DemoCalendar, month_exp: np.ndarray) -> _Calls:
    """Calls, each with its consultant and whether the caller was invited in."""
    cday = month_days(rng, cal, month_exp * arch.calls * rng.uniform(0.85, 1.15))
    nc = len(cday)
    cmin = np.sort(9 * 60 + rng.integers(0, 11 * 60, nc) + cday * 1440) - cday * 1440
    cslot = weighted_choice(rng, staff.slot_w, nc)
    ccons = staff.at(cslot, cday)
    csource = weighted_choice(rng, CALL_SOURCE_W, nc)
    cmodel = weighted_choice(rng, [m[2] for m in MODELS], nc)
    cinvited = rng.random(nc) < prob(0.45 * staff.skill[ccons])
    return _Calls(cday, cmin, cslot, ccons, csource, cmodel, cinvited)


def _invited_callers_come(rng: np.random.Generator, visits: _Visits,
                          calls: _Calls) -> np.ndarray:
    """Invited callers who come in within a week become first visits (the visit takes
    the caller's customer, slot and model); returns which calls are so linked."""
    nc = len(calls.day)
    fpos = np.flatnonzero(visits.first)
    came = calls.invited & (rng.random(nc) < 0.7)
    j = np.searchsorted(visits.day[fpos], calls.day + rng.integers(1, 8, nc))
    came &= j < len(fpos)
    target, which = np.unique(fpos[j[came]], return_index=True)
    caller = np.flatnonzero(came)[which]
    visits.customer[target] = caller
    visits.slot[target], visits.model[target] = calls.slot[caller], calls.model[caller]
    visits.invited[target], visits.source[target] = True, INVITED_SOURCE
    linked = np.zeros(nc, bool)
    linked[caller] = True
    return linked


def _first_visit_funnel(rng: np.random.Generator, arch: Archetype, staff: Staff,
                        visits: _Visits) -> None:
    """Lead captured, test drive and negotiation of each visit (first visits' values)."""
    n = len(visits.day)
    vcons = staff.at(visits.slot, visits.day)
    visits.captured = visits.first & (rng.random(n) < prob(arch.capture
                                                           * np.sqrt(staff.skill[vcons])))
    td = rng.random(n) < prob(arch.test_drive * staff.skill[vcons])
    visits.test_drive = td
    visits.negotiated = np.where(td, rng.random(n) < prob(arch.negotiation * staff.skill[vcons]),
                                 rng.random(n) < 0.03)


def _lead_seeds(rng: np.random.Generator, staff: Staff, visits: _Visits, calls: _Calls,
                linked: np.ndarray) -> _LeadSeeds:
    """Leads from captured first visits (new customers get an index after the callers')
    and from 30% of the calls not linked to a visit, in creation order."""
    nc = len(calls.day)
    new_cust = visits.captured & (visits.customer < 0)
    visits.customer[new_cust] = nc + np.arange(new_cust.sum())
    call_lead = ~linked & (rng.random(nc) < 0.3)
    lv, lc = np.flatnonzero(visits.captured), np.flatnonzero(call_lead)
    lday = np.concatenate([visits.day[lv], calls.day[lc]])
    order = np.lexsort((np.concatenate([visits.minute[lv], calls.minute[lc]]), lday))
    lday = lday[order]
    lslot = np.concatenate([visits.slot[lv], calls.slot[lc]])[order]
    stage = np.concatenate([np.where(visits.negotiated[lv], 1.0,
                                     np.where(visits.test_drive[lv], 0.3, 0.08)),
                            np.full(len(lc), 0.15)])[order]
    return _LeadSeeds(lday, lslot, np.concatenate([visits.customer[lv], lc])[order],
                      np.concatenate([visits.source[lv], calls.source[lc]])[order],
                      np.concatenate([visits.model[lv], calls.model[lc]])[order], stage,
                      staff.at(lslot, lday))


def _repeat_visits(rng: np.random.Generator, arch: Archetype, staff: Staff, visits: _Visits,
                   seeds: _LeadSeeds) -> None:
    """A known customer (a lead of the last 60 days) comes back to their consultant;
    repeat visits test-drive and negotiate more often."""
    n, first = len(visits.day), visits.first
    rep = np.flatnonzero(~first)
    lo = np.searchsorted(seeds.day, visits.day[rep] - 60)
    hi = np.searchsorted(seeds.day, visits.day[rep])
    known = (hi > lo) & (rng.random(len(rep)) < 0.92)
    pick = lo + (rng.random(len(rep)) * (hi - lo)).astype(np.int64)
    r, k = rep[known], pick[known]
    visits.customer[r], visits.slot[r] = seeds.customer[k], seeds.slot[k]
    visits.model[r], visits.captured[r] = seeds.model[k], True
    vcons = staff.at(visits.slot, visits.day)
    boost = np.where(first, 1.0, 1.25)
    td = np.where(first, visits.test_drive,
                  rng.random(n) < prob(arch.test_drive * boost * staff.skill[vcons]))
    visits.negotiated = np.where(first, visits.negotiated, np.where(
        td, rng.random(n) < prob(arch.negotiation * staff.skill[vcons]), False))
    visits.test_drive, visits.consultant = td, vcons


def _visits_table(rng: np.random.Generator, sid: str, cal: DemoCalendar, staff: Staff,
                  visits: _Visits) -> pa.Table:
    """The ``visits`` table; dwell time grows with a test drive and a negotiation."""
    n, td, neg = len(visits.day), visits.test_drive, visits.negotiated
    dwell = np.clip(rng.lognormal(np.log(32), 0.3, n) + 22 * td + 12 * neg, 18, 95)
    vout = np.minimum(visits.minute + dwell.astype(np.int64), 23 * 60 + 59)
    vcust = visits.customer
    return pa.table({
        "visit_id": id_column(f"{sid}-V", n), "store_id": pa.array([sid] * n),
        "date": date_column(cal, visits.day), "time_in": take(TIMES, visits.minute),
        "time_out": take(TIMES, vout), "consultant_id": take(staff.ids, visits.consultant),
        "customer_id": id_column(f"{sid}-K", n, 7, vcust + 1, mask=vcust < 0),
        "first_visit": pa.array(visits.first), "source": take(SOURCES, visits.source),
        "model": take([m[0] for m in MODELS], visits.model),
        "lead_captured": pa.array(visits.captured),
        "test_drive": pa.array(td), "negotiated": pa.array(neg),
        "invited": pa.array(visits.invited),
    })


def _calls_table(sid: str, cal: DemoCalendar, staff: Staff, calls: _Calls) -> pa.Table:
    """The ``calls`` table (each caller a customer of their own)."""
    nc = len(calls.day)
    return pa.table({
        "call_id": id_column(f"{sid}-T", nc), "store_id": pa.array([sid] * nc),
        "date": date_column(cal, calls.day), "time": take(TIMES, calls.minute),
        "consultant_id": take(staff.ids, calls.consultant),
        "customer_id": id_column(f"{sid}-K", nc, 7, np.arange(1, nc + 1)),
        "source": take(SOURCES, calls.source),
        "model": take([m[0] for m in MODELS], calls.model),
        "invited": pa.array(calls.invited),
    })


def _leads(rng: np.random.Generator, spec: StoreSpec, arch: Archetype, staff: Staff,
           cal: DemoCalendar, lday: np.ndarray, lcons: np.ndarray, lcust: np.ndarray,
           lsource: np.ndarray, lmodel: np.ndarray,
           stage: np.ndarray) -> tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]:
    """Lead outcomes (ordered / lost / out of control; open when beyond the range).

    Returns the leads table, each lead's outcome day (may lie after the range), whether it
    orders, and its working grade index (sets the follow-up frequency).
    """
    sid, end, nl = spec.store_id, cal.n_days - 1, len(lday)
    ordered = rng.random(nl) < prob(arch.close * stage * staff.skill[lcons])
    lost = ~ordered & (rng.random(nl) < 0.6)
    delay = np.where(ordered, np.where(rng.random(nl) < 0.45, rng.integers(0, 8, nl),
                                       8 + rng.exponential(30, nl)),
                     np.where(lost, 7 + rng.exponential(25, nl), 45 + rng.exponential(30, nl)))
    delay = delay.astype(np.int64)
    oday = lday + delay
    done = oday <= end
    status = np.where(~done, 0, np.where(ordered, 1, np.where(lost, 2, 3)))
    g0 = np.where(ordered, grade_by_wait(delay), 2 + weighted_choice(rng, [15, 45, 40], nl))
    grade = np.where(status == 1, 0, np.where(ordered & ~done, grade_by_wait(oday - end), g0))
    reason = weighted_choice(rng, LOST_REASON_W, nl)
    comp = weighted_choice(rng, [6, 5, 5, 4, 4, 3, 3, 2], nl)
    if spec.dominant_competitor:
        dom = COMPETITORS.index(spec.dominant_competitor)
        comp = np.where(rng.random(nl) < 0.65, dom, comp)
        reason = np.where(rng.random(nl) < 0.4, LOST_REASONS.index("竞品优惠"), reason)
    is_lost = status == 2
    has_comp = is_lost & (rng.random(nl) < 0.8)
    phone = (np.asarray(PHONE_PREFIXES)[rng.integers(0, len(PHONE_PREFIXES), nl)]
             * 100_000_000 + rng.integers(0, 100_000_000, nl))
    leads = pa.table({
        "lead_id": id_column(f"{sid}-L", nl), "store_id": pa.array([sid] * nl),
        "consultant_id": take(staff.ids, lcons),
        "customer_id": id_column(f"{sid}-K", nl, 7, lcust + 1),
        "created": date_column(cal, lday), "source": take(SOURCES, lsource),
        "model": take([m[0] for m in MODELS], lmodel), "grade": take(GRADES, grade),
        "status": take(STATUSES, status), "status_date": date_column(cal, oday, mask=~done),
        "lost_reason": take(LOST_REASONS, reason, mask=~is_lost),
        "competitor": take(COMPETITORS, comp, mask=~has_comp),
        "customer_name": person_names(rng, nl), "phone": pc.cast(pa.array(phone), pa.string()),
    })

    return leads, oday, ordered, g0


def _followups(rng: np.random.Generator, arch: Archetype, staff: Staff, lcons: np.ndarray,
               lday: np.ndarray, oday: np.ndarray, ordered: np.ndarray, g0: np.ndarray,
               end: int, sid: str, cal: DemoCalendar) -> pa.Table:
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
    after = np.where(ordered[lead], grade_by_wait(oday[lead] - day), g0[lead])
    return pa.table({
        "lead_id": id_column(f"{sid}-L", 0, 6, lead + 1),
        "date": date_column(cal, day),
        "kind": take(KINDS, weighted_choice(rng, [55, 25, 15, 5], len(lead))),
        "grade_after": take(GRADES, after),
    })


def _orders(rng: np.random.Generator, spec: StoreSpec, arch: Archetype, staff: Staff,
            cal: DemoCalendar, month_exp: np.ndarray, lday: np.ndarray, oday: np.ndarray,
            won: np.ndarray, lslot: np.ndarray, lmodel: np.ndarray,
            lsource: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Orders from won leads plus fleet deals; returns the table and deliveries per month."""
    end, sid = cal.n_days - 1, spec.store_id
    lead = np.flatnonzero(won)
    fday = month_days(rng, cal, np.full(len(cal.months), 0.0) + month_exp / 650
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
    model = np.concatenate([lmodel[lead], weighted_choice(rng, [5, 5, 3, 1, 0.5, 0.5], nf)])
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
        "order_id": id_column(f"{sid}-O", no), "store_id": pa.array([sid] * no),
        "consultant_id": take(staff.ids, cons),
        "lead_id": id_column(f"{sid}-L", 0, 6, leadnum, mask=leadnum == 0),
        "order_date": date_column(cal, day), "model": take([m[0] for m in MODELS], model),
        "price": pa.array(price.astype(np.int64)), "channel": take(CHANNEL_CODES, chan),
        "trade_in": pa.array(trade_in), "insurance": pa.array(insurance),
        "delivered": date_column(cal, dday, mask=~delivered),
        "cancelled": date_column(cal, cday, mask=~cancelled),
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


def _marketing(rng: np.random.Generator, spec: StoreSpec, cal: DemoCalendar,
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
        "month": take(cal.months, np.repeat(np.arange(nm), k)),
        "channel": take(AD_CHANNELS, np.tile(chans, nm)),
        "spend": pa.array(spend.ravel().astype(np.int64)),
    })


def _targets(rng: np.random.Generator, spec: StoreSpec, arch: Archetype, staff: Staff,
             cal: DemoCalendar, deliveries: np.ndarray) -> pa.Table:
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
        "month": take(cal.months, month[order]),
        "consultant_id": take(staff.ids, np.maximum(cons, 0), mask=cons < 0),
        "units": pa.array(all_units.astype(np.int64)),
        "revenue": pa.array(revenue.astype(np.int64)),
    })
