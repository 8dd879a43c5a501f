"""The demo data generator: determinism, contract shape, and each archetype's signature."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from kpi_lib.archetypes import ARCHETYPES, STORE_ARCHETYPES, store_roster
from kpi_lib.demo import EXTRA_COLUMNS, TABLE_ORDER, generate
from kpi_lib.ingest.schema import TABLES

BOOL_COLUMNS = {t.name: [c.name for c in t.columns if c.kind == "bool"] for t in TABLES.values()}


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate(out)


@pytest.fixture(scope="module")
def frames(demo) -> dict[str, pd.DataFrame]:
    out, _ = demo
    dfs = {name: pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False,
                             na_values=[""]) for name in TABLE_ORDER}
    for name, cols in BOOL_COLUMNS.items():
        for c in cols:
            dfs[name][c] = dfs[name][c] == "true"
    return dfs


@pytest.fixture(scope="module")
def rates(frames) -> pd.DataFrame:
    """Per-store funnel rates from the plain CSVs, plus a NETWORK row (pooled)."""
    v, o = frames["visits"], frames["orders"]
    v = v.assign(capture_first=v.lead_captured.where(v.first_visit))
    lead_orders = o[o.lead_id.notna()]

    def table(g_v, g_o, g_walk):
        return pd.DataFrame({
            "visits": g_v.size(),
            "capture": g_v.capture_first.mean(),
            "test_drive": g_v.test_drive.sum() / g_v.size(),
            "negotiation": g_v.negotiated.sum() / g_v.test_drive.sum(),
            "close": g_o / g_v.negotiated.sum(),
            "showroom_close": g_walk / g_v.size(),
        })
    g = v.groupby("store_id")
    per_store = table(g, lead_orders.groupby("store_id").size(),
                      o[o.channel == "walk_in"].groupby("store_id").size())
    net = v.assign(k="NETWORK").groupby("k")
    network = table(net, pd.Series({"NETWORK": len(lead_orders)}),
                    pd.Series({"NETWORK": int((o.channel == "walk_in").sum())}))
    return pd.concat([per_store, network])


def test_same_seed_same_bytes(demo, tmp_path):
    out, counts = demo
    again = generate(tmp_path / "again")
    assert again == counts
    assert _hashes(tmp_path / "again") == _hashes(out)
    generate(tmp_path / "other", seed=7, first_month="2026-01", last_month="2026-02")
    small = generate(tmp_path / "small", first_month="2026-01", last_month="2026-02")
    assert small["visits"] != counts["visits"]
    assert (tmp_path / "other" / "visits.csv").read_bytes() != (
        tmp_path / "small" / "visits.csv").read_bytes()


def test_all_tables_with_contract_headers(demo):
    out, counts = demo
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    for name, table in TABLES.items():
        with open(out / f"{name}.csv", encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split(",")
            rows = sum(1 for _ in f)
        assert header == [c.name for c in table.columns] + list(EXTRA_COLUMNS.get(name, ()))
        assert set(table.required) <= set(header)
        assert rows == counts[name] > 0


def test_booleans_are_true_false(demo):
    out, _ = demo
    for name, cols in BOOL_COLUMNS.items():
        df = pd.read_csv(out / f"{name}.csv", dtype=str, usecols=cols)
        for c in cols:
            assert set(df[c].unique()) <= {"true", "false"}, (name, c)


def test_stores_regions_archetypes(frames):
    stores = frames["stores"]
    assert len(stores) >= 12 and stores.region.nunique() >= 3
    assert STORE_ARCHETYPES["S001"] == "benchmark"
    assert {a.code for a in ARCHETYPES} == set(STORE_ARCHETYPES.values())
    assert set(stores.store_id) == set(STORE_ARCHETYPES)
    assert stores.store_name.str.endswith("4S店").all() and stores.store_name.is_unique


def test_visit_volumes_and_seasonality(frames):
    v = frames["visits"]
    per = v.groupby(["store_id", v.date.str[:7]]).size().unstack()
    tiny = [s for s, a in STORE_ARCHETYPES.items() if a == "tiny"]
    normal = per.drop(index=tiny)
    assert normal.min().min() >= 800 and normal.max().max() <= 3000
    assert per.loc[tiny].max().max() < 80
    assert per.shape[1] == 14
    month = v.groupby(v.date.str[:7]).size()
    assert month["2026-02"] < month["2026-01"] and month["2026-10"] > month["2026-09"]
    assert month["2025-12"] > month["2025-11"]
    days = pd.to_datetime(v.date)
    oct_ = v[v.date.str[:7] == "2026-10"]
    golden = oct_.date.str[8:].astype(int) <= 7
    assert golden.mean() > 7 / 31 * 1.5
    assert (days.dt.day_of_week >= 5).mean() > 2 / 7
    assert v.time_in.min() >= "09:00" and v.time_in.max() < "18:00"
    dwell = (pd.to_timedelta(v.time_out + ":00") - pd.to_timedelta(v.time_in + ":00"))
    assert dwell.dt.total_seconds().between(15 * 60, 100 * 60).all()
    assert 0.6 < v.first_visit.mean() < 0.8


def test_archetype_signatures(rates):
    r, net = rates, rates.loc["NETWORK"]
    by = {a: s for s, a in STORE_ARCHETYPES.items()}
    bench = r.loc[by["benchmark"]]
    for col in ("capture", "test_drive", "negotiation", "close", "showroom_close"):
        assert bench[col] >= net[col], col
    normal = r.drop(index=["NETWORK", by["tiny"]])
    low = r.loc[by["traffic_low"]]
    assert low.visits < 0.7 * normal.visits.median()
    assert low.showroom_close > 1.3 * net.showroom_close
    assert r.loc[by["test_drive_low"], "test_drive"] < 0.5 * net.test_drive
    neg = r.loc[by["negotiation_low"]]
    assert neg.negotiation < 0.5 * net.negotiation and neg.test_drive >= net.test_drive
    clo = r.loc[by["closing_low"]]
    assert clo.close < 0.5 * net.close and clo.negotiation >= net.negotiation
    assert r.loc[by["lead_capture_low"], "capture"] < 0.5 * net.capture
    typical = r.loc[[s for s, a in STORE_ARCHETYPES.items() if a == "typical"]]
    for col in ("capture", "test_drive", "negotiation", "close"):
        assert typical[col].between(0.75 * net[col], 1.35 * net[col]).all(), col


def test_leads_orders_integrity(frames):
    leads, orders, cons = frames["leads"], frames["orders"], frames["consultants"]
    assert leads.lead_id.is_unique and orders.order_id.is_unique
    assert frames["visits"].visit_id.is_unique and frames["calls"].call_id.is_unique
    assert leads.loc[leads.status != "open", "status_date"].notna().all()
    assert leads.loc[leads.status == "open", "status_date"].isna().all()
    assert (leads.status_date.dropna() >= leads.created[leads.status_date.notna()]).all()
    assert set(leads.status) == {"open", "ordered", "lost", "out_of_control"}
    assert set(orders.lead_id.dropna()) <= set(leads.lead_id)
    assert set(frames["followups"].lead_id) <= set(leads.lead_id)
    ids = set(cons.consultant_id)
    for name in ("visits", "calls", "leads", "orders", "targets"):
        assert set(frames[name].consultant_id.dropna()) <= ids, name
        assert set(frames[name].store_id) <= set(frames["stores"].store_id), name
    for name, col in (("visits", "date"), ("calls", "date"), ("leads", "created"),
                      ("followups", "date"), ("orders", "order_date"),
                      ("orders", "delivered"), ("orders", "cancelled")):
        dates = frames[name][col].dropna()
        assert dates.min() >= "2025-09-01" and dates.max() <= "2026-10-31", (name, col)
    # leads carry over months, and ordered leads become orders on their status date
    ordered = leads[leads.status == "ordered"]
    assert (ordered.created.str[:7] < ordered.status_date.str[:7]).mean() > 0.2
    merged = orders.dropna(subset=["lead_id"]).merge(ordered, on="lead_id")
    assert len(merged) == len(ordered) and (merged.order_date == merged.status_date).all()
    lost = leads[leads.status == "lost"]
    assert lost.lost_reason.notna().all() and lost.competitor.notna().mean() > 0.5
    assert leads.phone.str.fullmatch(r"1\d{10}").all() and leads.customer_name.notna().all()
    share = lost.groupby("store_id").competitor.agg(lambda s: s.value_counts(normalize=True)
                                                     .iloc[0])
    assert share.max() > 0.5 and share.median() < 0.35


def test_orders_fields(frames):
    o = frames["orders"]
    assert set(o.channel) == {"walk_in", "fleet", "existing_customer", "outdoor",
                              "secondary_outlet", "other"}
    assert o.channel.value_counts().idxmax() == "walk_in"
    assert o.loc[o.channel == "fleet", "lead_id"].isna().all()
    assert 0.15 <= o.trade_in.mean() <= 0.30 and 0.02 <= o.cancelled.notna().mean() <= 0.06
    assert o.loc[o.cancelled.notna(), "delivered"].isna().all()
    assert (o.delivered.dropna() >= o.order_date[o.delivered.notna()]).all()
    assert (o.delivered.str[:7] > o.order_date.str[:7]).any()
    assert o.delivered.isna().sum() > o.cancelled.notna().sum()  # undelivered at the end
    price, recv, coll = (o[c].astype(float) for c in ("price", "receivable", "collected"))
    assert price.between(100_000, 350_000).all() and (recv == price).all()
    assert (coll <= recv).all()
    assert o.referral[o.channel == "existing_customer"].mean() > 0.4 > o.referral.mean()


def test_followups_grades_and_consultants(frames):
    f, leads, cons = frames["followups"], frames["leads"], frames["consultants"]
    assert set(f.kind) == {"call", "visit", "message", "letter"}
    assert set(f.grade_after) <= {"H", "A", "B", "C"}
    assert set(leads.grade) == {"O", "H", "A", "B", "C"}
    per = cons.groupby("store_id").size()
    by = {a: s for s, a in STORE_ARCHETYPES.items()}
    assert per[by["tiny"]] == 2 and per.drop(by["tiny"]).between(7, 14).all()
    assert (cons.role == "manager").groupby(cons.store_id).sum().eq(1).all()
    assert cons.left.notna().any()
    v = frames["visits"].merge(cons[["consultant_id", "left"]], on="consultant_id")
    assert (v.left.isna() | (v.date <= v.left)).all()
    conv = v[v.store_id == "S002"].groupby("consultant_id").test_drive.mean()
    assert conv.max() > 1.3 * conv.min()


def test_marketing_and_targets(frames):
    m, t, o = frames["marketing"], frames["targets"], frames["orders"]
    m = m.assign(spend=m.spend.astype(float))
    v = frames["visits"]
    cpv = (m.groupby(["store_id", "month"]).spend.sum()
           / v.groupby(["store_id", v.date.str[:7]]).size().rename_axis(["store_id", "month"]))
    rising = cpv.unstack().diff(axis=1).iloc[:, -3:].gt(0).all(axis=1)
    assert rising.any() and rising.sum() <= 2
    store_rows = t[t.consultant_id.isna()].set_index(["store_id", "month"]).units.astype(float)
    assert len(store_rows) == 12 * 14 and (t.consultant_id.notna()).sum() > len(store_rows)
    done = o.dropna(subset=["delivered"]).groupby(["store_id", o.delivered.str[:7]]).size()
    completion = (done.rename_axis(["store_id", "month"]) / store_rows).dropna()
    by_store = completion.groupby(level=0).mean()
    assert by_store["S001"] > 1.0
    typical = [s for s, a in STORE_ARCHETYPES.items() if a == "typical"]
    assert by_store[typical].between(0.85, 1.10).all()
    weak = [s for s, a in STORE_ARCHETYPES.items() if a.endswith("_low")]
    assert (by_store[weak] < 0.9).all()


def test_more_stores_and_atomic_output(tmp_path):
    counts = generate(tmp_path, n_stores=15, first_month="2026-09", last_month="2026-10")
    stores = pd.read_csv(tmp_path / "stores.csv", dtype=str)
    assert list(stores.store_id[-3:]) == ["S013", "S014", "S015"]
    assert stores.store_name.is_unique and stores.region.iloc[-3:].nunique() == 3
    assert [s.archetype for s in store_roster(15)[12:]] == ["typical"] * 3
    assert counts["stores"] == 15 and not list(tmp_path.glob(".*"))
    before = _hashes(tmp_path)
    with pytest.raises(ValueError):
        generate(tmp_path, first_month="2026-10", last_month="2026-09")
    assert _hashes(tmp_path) == before
