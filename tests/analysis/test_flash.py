"""The flash (issue 17.4): the date cut, pacing, projection, target status, consultants'
pace and the action lists, on small data counted by hand (kpi_lib/analysis/flash*.py,
action_lists.py)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy.stats import nbinom

from kpi_lib.analysis.action_lists import load_action_lists
from kpi_lib.analysis.flash import load_flash, target_status
from kpi_lib.analysis.flash_cut import check_day, cut_connection
from kpi_lib.analysis.flash_pacing import (
    day_weights,
    elapsed_share,
    flash_config,
    pace,
    project,
    season_factors,
    shrunk_factors,
    weekday_factors,
)
from kpi_lib.errors import ParameterError

# --------------------------------------------------------------------------- the date cut


@pytest.fixture(scope="module")
def tiny_cut(make_warehouse, tiny_tables):
    """The tiny fixture (tests/fixtures/tiny) as it stood on 2026-09-10."""
    with make_warehouse(tiny_tables) as wh:
        cut = cut_connection(wh.con, date(2026, 9, 10))
        yield wh, cut
        cut.close()


def _rows(con, sql):
    return [tuple(r) for r in con.execute(sql).fetchall()]


def test_the_cut_keeps_only_what_was_known_that_day(tiny_cut):
    wh, cut = tiny_cut
    # visits on or before 09-10: V01 (08-31), V02 V03 V04 V05 (09-02…09-10), V21 (08-15)
    assert _rows(cut, "SELECT visit_id FROM visits ORDER BY 1") == [
        (v,) for v in ("V01", "V02", "V03", "V04", "V05", "V21")]
    # follow-ups on or before 09-10 (not L06 09-22, L07 10-05, L10 09-20, L22 09-12)
    assert cut.execute("SELECT count(*) FROM followups").fetchone()[0] == 7
    # cards created by 09-10 (not L06 09-15, L07 09-28, L09 10-02)
    leads = {r[0]: r[1:] for r in _rows(cut, "SELECT lead_id, status, status_date, grade, "
                                             "lost_reason, competitor FROM leads")}
    assert sorted(leads) == ["L01", "L02", "L03", "L04", "L05", "L08", "L10", "L21", "L22"]
    # lost on 09-12 / 09-30: still open on 09-10, without the loss's reason and rival
    assert leads["L02"] == ("open", None, "C", None, None)
    assert leads["L10"] == ("open", None, "C", None, None)
    assert leads["L03"][:2] == ("lost", date(2026, 8, 25))  # lost before: stays lost
    assert leads["L05"][:2] == ("ordered", date(2026, 9, 10))  # ordered that very day
    # ordered 09-20: open on 09-10, and the O that came with the order is gone
    assert leads["L22"][:3] == ("open", None, None)
    # orders placed by 09-10; deliveries after it did not happen yet (nor their care)
    orders = {r[0]: r[1:] for r in _rows(cut, "SELECT order_id, delivered, cancelled, "
                                              "ceremony FROM orders")}
    assert sorted(orders) == ["O01", "O02", "O06", "O07", "O22"]
    assert orders["O01"] == (date(2026, 9, 3), None, True)
    assert orders["O02"] == (None, None, None)  # delivered 09-25
    assert orders["O06"] == (None, date(2026, 9, 2), None)  # cancelled before: kept
    assert orders["O22"] == (None, None, None)  # delivered 09-30
    # months: targets up to 2026-09, marketing too
    assert _rows(cut, "SELECT DISTINCT month FROM marketing ORDER BY 1") == [
        ("2026-08",), ("2026-09",)]
    # remembered results never mix the cut with the whole data
    fp = cut.execute("SELECT value FROM _meta WHERE key = 'fingerprint'").fetchone()[0]
    full = wh.con.execute("SELECT value FROM _meta WHERE key = 'fingerprint'").fetchone()[0]
    assert fp == f"{full}@2026-09-10"


def test_a_day_must_be_a_date_inside_the_data(tiny_cut):
    wh, _ = tiny_cut
    assert check_day("2026-07-15", wh.con) == date(2026, 7, 15)  # L01's card, the first date
    assert check_day("2026-10-20", wh.con) == date(2026, 10, 20)  # V23, the last
    for bad, says in (("2026-10-21", "outside the data"), ("2026-07-14", "outside the data"),
                      ("2026-9-1", "not of the form"), ("2026-02-29", "not a calendar date")):
        with pytest.raises(ParameterError, match=says):
            check_day(bad, wh.con)


# --------------------------------------------------------------------------- pacing, by hand


def test_weekday_factors_and_shrinkage():
    # 10 a day on weekdays, 25 on Saturdays, 5 on Sundays, 5 days each: the mean of the
    # seven rates is 80/7, so 10 → 7/8, 25 → 35/16, 5 → 7/16
    f = weekday_factors(np.array([50, 50, 50, 50, 50, 125, 25]), np.full(7, 5))
    assert f.tolist() == pytest.approx([7 / 8] * 5 + [35 / 16, 7 / 16])
    # 100 events against a strength of 300: the store keeps a quarter of its own pattern
    g, lam = shrunk_factors(np.full(7, 2.0), 100, np.ones(7), 300)
    assert lam == 0.25 and g[0] == pytest.approx(1.25)


def test_weekend_weights_february_2026():
    # 2026-02 starts on a Sunday: four of each weekday. Saturday and Sunday weigh 2:
    # total 4 × (5 × 1 + 2 × 2) = 36; the first week (Sun 1 … Sat 7) 9 → 1/4; Sunday 1: 2/36
    w = day_weights("2026-02", np.array([1, 1, 1, 1, 1, 2, 2.0]), None)
    assert w.sum() == 36
    assert elapsed_share(w, 7) == 0.25
    assert elapsed_share(w, 1) == pytest.approx(2 / 36)
    assert elapsed_share(w, 28) == 1.0


def test_last_years_holiday_moves_the_share():
    # network visits of 2025-10: 3 a day in the holiday week (1–7), 1 a day after: 45 in
    # all; plain weekdays. By day 7 last year's rhythm has 21/45 of the month, not 7/31.
    days = [date(2025, 10, 1) + timedelta(days=i) for i in range(31)]
    daily = pd.DataFrame({"net": [3] * 7 + [1] * 24, "own": 0}, index=days)
    cfg = flash_config()["pacing"]
    season, how = season_factors(daily, "2026-10", date(2025, 1, 1), date(2026, 10, 31),
                                 np.ones(7), "visits", cfg)
    assert how == "last_year"
    assert season[0] == pytest.approx(3 * 31 / 45)
    assert elapsed_share(day_weights("2026-10", np.ones(7), season), 7) == pytest.approx(21 / 45)


def test_projection_and_its_interval():
    p = project(4, 4 / 13, 0.8)
    assert p["point"] == pytest.approx(13)  # 4 seen in 4/13 of the month
    rest = nbinom(4.5, 4 / 13)  # the rest of the month: NegBin(k + ½, s)
    assert rest.mean() == pytest.approx(4.5 * (9 / 13) / (4 / 13))  # 10.125
    assert (p["low"], p["high"]) == (4 + rest.ppf(0.1), 4 + rest.ppf(0.9)) == (8, 22)
    zero = project(0, 0.1, 0.8)  # nothing yet, early: the interval still has room
    assert zero["point"] == 0 and zero["low"] == 0 and zero["high"] > 0
    assert project(7, 1.0, 0.8) == {"point": 7, "low": 7, "high": 7}
    assert np.isnan(project(3, 0.0, 0.8)["point"])


def test_target_status_follows_the_interval():
    assert target_status(8, 22, 26) == "at_risk"  # upper end below the target
    assert target_status(8, 26, 26) == "open"
    assert target_status(26, 40, 26) == "on_track"
    assert target_status(8, 22, float("nan")) == "no_target"


# --------------------------------------------------------------------------- a whole flash

D = date(2026, 3, 10)  # a Tuesday


def _pacing_tables() -> dict:
    """S1 delivers 2 cars every Saturday and 1 every Monday from 2025-12-01 (a Monday) on;
    S2 nothing. 2026-03 has 5 Mondays and 4 Saturdays."""
    rows, k = [], 0
    day = date(2025, 12, 1)
    while day <= date(2026, 3, 21):
        n = {0: 1, 5: 2}.get(day.weekday(), 0)
        for _ in range(n):
            k += 1
            rows.append({"order_id": f"O{k:03d}", "store_id": "S1",
                         "consultant_id": "C1" if k % 2 else "C2",
                         "order_date": day - timedelta(days=3), "model": "A6",
                         "price": 100000, "channel": "walk_in", "trade_in": False,
                         "delivered": day})
        day += timedelta(days=1)
    orders = pd.DataFrame(rows)
    # an order of 03-08 delivered 03-20: not yet delivered on 03-10
    late = {**rows[-1], "order_id": "O999", "order_date": date(2026, 3, 8),
            "delivered": date(2026, 3, 20)}
    orders = pd.concat([orders, pd.DataFrame([late])], ignore_index=True)
    return {
        "stores": "store_id,store_name,region\nS1,一号店,华东\nS2,二号店,华东\n",
        "consultants": "consultant_id,store_id,name,role\nC1,S1,Ann,sales\nC2,S1,Bob,sales\n"
                       "C3,S2,Cid,sales\n",
        "orders": orders,
        "targets": "store_id,month,consultant_id,units\nS1,2026-03,,26\nS1,2026-03,C1,13\n"
                   "S1,2026-03,C2,13\n",
    }


@pytest.fixture(scope="module")
def pacing_cut(make_warehouse):
    with make_warehouse(_pacing_tables()) as wh:
        cut = cut_connection(wh.con, D)
        yield cut
        cut.close()


def test_deliveries_pace_by_weekday(pacing_cut):
    # window 2025-12-01 … 2026-02-28 (90 days: 13 of Monday…Saturday, 12 Sundays): per
    # calendar day Saturday 2, Monday 1, others 0; mean 3/7 → factors 14/3 and 7/3.
    # March: Mondays 2 9 16 23 30, Saturdays 7 14 21 28 → 5·7/3 + 4·14/3 = 91/3; by the 10th
    # Mondays 2 and 9 and Saturday 7: 28/3 → 4/13. No earlier March: weekdays only.
    p = pace(pacing_cut, "S1", D, "deliveries")
    assert p.season == "none"
    assert p.weights.sum() == pytest.approx(91 / 3)
    assert p.share == pytest.approx(4 / 13)


def test_a_whole_flash_by_hand(pacing_cut):
    f = load_flash(pacing_cut, "S1", D)
    # delivered by 03-10: 1 (Mon 2) + 2 (Sat 7) + 1 (Mon 9) = 4; O999 not yet
    assert f.mtd["deliveries"] == 4
    assert f.target == 26
    assert f.paced_target == pytest.approx(8)  # 26 × 4/13
    assert f.pace_ratio == pytest.approx(0.5)
    assert f.projection["point"] == pytest.approx(13)
    assert (f.projection["low"], f.projection["high"]) == (8, 22)
    assert f.status == "at_risk"  # 22 < 26
    # no visits before March: no achievement path, said as a reason, not as zeros
    assert f.reasons["path"] == "no_history" and f.path == []
    ind = f.indicators.set_index("indicator")
    assert ind.loc["deliveries", "actual"] == 4 and np.isnan(ind.loc["deliveries",
                                                                      "need_by_now"])
    # consultants: C1 delivered Mon 2 and one of Sat 7, C2 the other and Mon 9 → 2 each;
    # target 13 × 4/13 = 4 → pace 0.5
    c = f.consultants.set_index("consultant_id")
    assert c.loc[["C1", "C2"], "deliveries"].tolist() == [2, 2]
    assert c.loc[["C1", "C2"], "paced_target"].tolist() == pytest.approx([4, 4])
    assert c.loc[["C1", "C2"], "pace"].tolist() == pytest.approx([0.5, 0.5])


# --------------------------------------------------------------------------- action lists

LEADS = ("lead_id,store_id,consultant_id,customer_id,created,source,grade,status,"
         "status_date,customer_name,phone\n") + """\
LH1,S1,C1,K1,2026-10-01,网络,H,open,,王小明,13812345678
LH2,S1,C2,K2,2026-10-01,网络,H,open,,李四,13900001111
LH3,S1,C2,K3,2026-10-01,网络,H,open,,,
LH4,S1,C2,K4,2026-10-01,网络,H,open,,,
LA1,S1,C2,K5,2026-10-01,网络,A,open,,,
LA2,S1,C1,K6,2026-10-01,网络,A,open,,,
LA3,S1,C2,K7,2026-10-14,网络,A,open,,,
LB1,S1,C1,K8,2026-08-01,网络,B,open,,,
LB2,S1,C2,K9,2026-10-01,网络,B,open,,,
LC1,S1,C2,K10,2026-08-01,网络,C,open,,,
LW,S1,C2,K11,2026-10-01,网络,A,lost,2026-10-20,,
LX,S1,C1,K12,2026-10-01,网络,A,lost,2026-10-12,欧阳娜娜,021-55501234
LY,S1,C2,K13,2026-10-01,网络,B,lost,2026-10-13,,
LZ,S1,C2,K14,2026-10-01,网络,A,lost,2026-10-05,,
"""
FOLLOWUPS = """lead_id,date,kind,grade_after
LH1,2026-10-14,call,H
LH2,2026-10-10,call,H
LH3,2026-10-15,call,H
LH3,2026-10-16,call,H
LH4,2026-10-05,call,H
LA1,2026-10-12,call,A
LA2,2026-10-01,call,A
LB1,2026-09-01,call,B
LB2,2026-10-10,call,B
LW,2026-10-14,call,A
LX,2026-10-05,call,H
"""


@pytest.fixture(scope="module")
def lists(make_warehouse):
    tables = {"stores": "store_id,store_name,region\nS1,一号店,华东\n",
              "consultants": "consultant_id,store_id,name\nC1,S1,Ann\nC2,S1,Bob\n",
              "leads": LEADS, "followups": FOLLOWUPS}
    with make_warehouse(tables) as wh:
        cut = cut_connection(wh.con, date(2026, 10, 15))
        yield load_action_lists(cut, "S1", date(2026, 10, 15))
        cut.close()


def test_due_list(lists):
    # frequencies H 2, A 7 days (params/pipeline.yml), grace 0; window to 10-22.
    # Ann: LH1 (10-14 + 2 = 10-16). Bob: LH3 (10-15 + 2; its 10-16 call is after the day),
    # LA1 (10-12 + 7 = 10-19), LA3 (card 10-14 + 7 = 10-21), LW (10-14 + 7 = 10-21; lost
    # only on 10-20, so open on 10-15). LH2, LH4, LA2 are overdue; LB2 is no H/A lead.
    assert lists.as_of == date(2026, 10, 15)
    got = [(r.consultant, r.lead_id, r.next_due.isoformat()) for r in lists.due.itertuples()]
    assert got == [("Ann", "LH1", "2026-10-16"), ("Bob", "LH3", "2026-10-17"),
                   ("Bob", "LA1", "2026-10-19"), ("Bob", "LA3", "2026-10-21"),
                   ("Bob", "LW", "2026-10-21")]


def test_overdue_ranked_by_grade_first(lists):
    # days overdue = days since last contact − frequency: LH4 10 − 2 = 8, LH2 5 − 2 = 3,
    # LA2 14 − 7 = 7, LB1 44 − 14 = 30, LC1 (card 08-01, no call) 75 − 30 = 45.
    got = [(r.lead_id, r.grade, r.days_overdue) for r in lists.overdue.itertuples()]
    assert got == [("LH4", "H", 8), ("LH2", "H", 3), ("LA2", "A", 7), ("LB1", "B", 30),
                   ("LC1", "C", 45)]
    first = lists.overdue.set_index("lead_id").loc["LH2"]
    assert (first["customer"], first["phone"]) == ("李*", "139****1111")  # masked


def test_lost_hot_leads_for_review(lists):
    # lost in the 7 days up to 10-15 (after 10-08): LX (graded H by its 10-05 call) and LY
    # (B: not listed); LZ (10-05) is older, LW is lost only on 10-20
    got = lists.lost
    assert got[["lead_id", "grade", "consultant"]].values.tolist() == [["LX", "H", "Ann"]]
    assert (got.loc[0, "customer"], got.loc[0, "phone"]) == ("欧阳**", "*******1234")
