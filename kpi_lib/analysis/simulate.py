"""Simulated dealer networks that decide the diagnosis' thresholds (``make calibrate``).

A seeded generator of whole networks at the grain the statistics read — per store and
month, the counts of every funnel stage (the registry's count and sum measures, turned
into KPIs by the same :func:`kpi_lib.metrics.cube.derive_cube` as the warehouse), plus the
counts the named checks test (consultants, competitors, follow-ups, invitations) — and
the calibration that runs the production diagnosis over them
(:func:`kpi_lib.metrics.comparison.compare`, :func:`kpi_lib.analysis.diagnosis.evaluate`, the rules
of
``params/diagnosis.yml``), unchanged.

The model (:class:`Settings`, every number below is a default there):

- **Stores** in tiers A (median 2,100 visits a month), B (950), C (330) and D (60),
  shares 20/35/30/15 %, in six regions; a store's capacity is log-normal around its
  tier's median (σ 0.20, 0.22, 0.30, 0.45: stores of a tier differ in size for ordinary
  reasons), within 20–3,000 visits.
- **Traffic**: capacity × the demo's seasonal index of the calendar month × a month
  wobble (log-normal, σ 0.08), Poisson.
- **Rates** differ between healthy stores for ordinary reasons: each store's rate of each
  stage is ``expit(logit(norm) + N(0, 0.18²))`` — e.g. a test-drive rate of 0.35 for the
  network is 0.28–0.43 for the middle 80 % of stores — and wobbles month to month by
  ``N(0, 0.07²)`` on the logit scale. Stages: visits leaving details 0.55 of visits (new
  leads = those visits + callers' cards, 0.05 a visit, so lead_capture_rate = new leads /
  visits as in contract v2), test drive 0.38 of visits, negotiation 0.60 of test drives,
  showroom order 0.22 of negotiations, lost 0.20 of open leads, delivery 0.55 of the order
  pool, aftercare calls 0.90 and letters 0.85 of deliveries, follow-up compliance H 0.92
  and A 0.93, callers coming in 0.18 of 0.25 callers a visit. Ad spend is capacity × a
  store cost per visit (log-normal around ¥110, σ 0.25) × wobble (σ 0.10); a month's
  target is its expected deliveries (the store's delivery rate × the order pool it can
  expect) × U(0.9, 1.05).
- **Planted defects** (:data:`DEFECTS`), on stores of at least 800 visits a month of
  capacity, in every month: a stage rate at a share of the network's norm (test drive
  0.45×, negotiation 0.45×, close 0.35×, lead capture 0.6×, follow-up 0.5×, invitations
  0.35×), traffic at 0.35× its tier's median with a close rate 1.25× the norm, a
  cost per visit 4× the network's, or one consultant at 0.4× the rest of the team.
- **Consultants** (2–15 a store, one per 180 visits of capacity) differ in skill by
  ``N(0, 0.15²)`` on the logit scale; a store whose weakest consultant's true rate is at
  most the rule's ``max_relative`` of the team's is counted as a planted (natural)
  defect of ``consultant_far_from_team``, the others as healthy for that rule.

:func:`calibrate` simulates several networks, diagnoses the last month of each, and
counts per rule the share of healthy stores with a finding (false alarms) and the share
of planted defects found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..metrics.cube import derive_cube
from ..metrics.months import previous_month
from ..metrics.registry import REGISTRY
from .check_context import CheckContext

#: planted defect -> the rule that should find it, and what it changes
DEFECTS: dict[str, dict[str, Any]] = {
    "traffic_low": {"traffic": 0.35, "close": 1.25},
    "test_drive_low": {"test_drive": 0.45},
    "negotiation_low": {"negotiation": 0.45},
    "closing_low": {"close": 0.35},
    "lead_capture_low": {"capture": 0.6},
    "followup_compliance_low": {"compliance": 0.5},
    "invite_to_visit_low": {"invite": 0.35},
    "ad_cost_high": {"spend": 4.0},
    "consultant_far_from_team": {"consultant": 0.4},
}

#: month of year → seasonal traffic index (the demo's, kpi_lib.demo.MONTH_FACTOR)
SEASON = (1.05, 0.93, 0.96, 1.0, 1.05, 1.0, 0.92, 0.95, 1.0, 1.25, 0.96, 1.18)
COMPETITORS = 8


@dataclass(frozen=True)
class Settings:
    """The simulated network (module docstring)."""

    n_stores: int = 250
    last_month: str = "2026-10"
    months: int = 13
    regions: int = 6
    #: tier -> (median capacity, σ of its log, share of stores)
    tiers: dict[str, tuple[float, float, float]] = field(default_factory=lambda: {
        "A": (2100, 0.20, 0.20), "B": (950, 0.22, 0.35), "C": (330, 0.30, 0.30),
        "D": (60, 0.45, 0.15)})
    between: float = 0.18
    wobble: float = 0.07
    traffic_wobble: float = 0.08
    norms: dict[str, float] = field(default_factory=lambda: {
        "capture": 0.55, "test_drive": 0.38, "negotiation": 0.60, "close": 0.22,
        "conversion_b": 0.09, "conversion_a": 0.03, "lost": 0.20, "delivery": 0.55,
        "call_3d": 0.90, "letter_7d": 0.85, "insurance": 0.70, "compliance": 0.92,
        "invite": 0.18})
    cost_per_visit: float = 110.0
    defect_min_capacity: float = 800.0
    #: planted stores per defect kind and network
    defects_per_kind: int = 5


@dataclass
class Network:
    """One simulated network: stores, the cube of every month, the checks' counts."""

    stores: pd.DataFrame  # store_id, region, tier, capacity, defect
    cube: pd.DataFrame  # derive_cube over all months
    months: list[str]
    consultants: pd.DataFrame  # store_id, consultant_id, rate, n, k
    competitors: pd.DataFrame  # store_id, competitor, n
    compliance: pd.DataFrame  # store_id, grade, due, done
    invites: pd.DataFrame  # store_id, callers, visited

    @property
    def month(self) -> str:
        """The month diagnosed (the last)."""
        return self.months[-1]


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _stores(rng: np.random.Generator, s: Settings) -> pd.DataFrame:
    names = list(s.tiers)
    shares = np.array([s.tiers[t][2] for t in names])
    tier = rng.choice(names, size=s.n_stores, p=shares / shares.sum())
    median = np.array([s.tiers[t][0] for t in tier])
    sigma = np.array([s.tiers[t][1] for t in tier])
    capacity = np.clip(median * np.exp(rng.normal(0, sigma)), 20, 3000)
    region = np.array([f"R{k + 1}" for k in rng.integers(0, s.regions, s.n_stores)])
    ids = [f"X{i + 1:04d}" for i in range(s.n_stores)]
    defect = np.full(s.n_stores, None, dtype=object)
    eligible = np.flatnonzero(capacity >= s.defect_min_capacity)
    order = rng.permutation(eligible)
    for k, kind in enumerate(DEFECTS):
        defect[order[k * s.defects_per_kind:(k + 1) * s.defects_per_kind]] = kind
    return pd.DataFrame({"store_id": ids, "region": region, "tier": tier,
                         "capacity": capacity, "defect": defect})


def _store_rates(rng: np.random.Generator, s: Settings, stores: pd.DataFrame
                 ) -> dict[str, np.ndarray]:
    """Each store's logit rate per stage, defects planted."""
    out = {}
    for stage, norm in s.norms.items():
        logit = _logit(norm) + rng.normal(0, s.between, len(stores))
        for kind, change in DEFECTS.items():
            if stage in change and stage != "traffic":
                mine = (stores["defect"] == kind).to_numpy()
                p = min(norm * change[stage], 0.99)
                logit[mine] = _logit(p) + rng.normal(0, s.between / 3, mine.sum())
        out[stage] = logit
    return out


def simulate(seed: int = 0, settings: Settings | None = None) -> Network:
    """A seeded network (same seed and settings → same network)."""
    s = settings or Settings()
    rng = np.random.default_rng(seed)
    stores = _stores(rng, s)
    n = len(stores)
    rates = _store_rates(rng, s, stores)
    months = [previous_month(s.last_month, k) for k in range(s.months - 1, -1, -1)]
    capacity = stores["capacity"].to_numpy()
    tier_median = stores["tier"].map({t: v[0] for t, v in s.tiers.items()}).to_numpy()
    traffic = np.where(stores["defect"] == "traffic_low",
                       DEFECTS["traffic_low"]["traffic"] * tier_median, capacity)
    # a store's own cost per visit; an ad-cost defect pays a multiple of the network's
    cpv = s.cost_per_visit * rng.lognormal(0, 0.25, n)
    costly = (stores["defect"] == "ad_cost_high").to_numpy()
    cpv[costly] = s.cost_per_visit * DEFECTS["ad_cost_high"]["spend"] * rng.lognormal(
        0, 0.25 / 3, costly.sum())
    # orders expected at seasonal index 1 (orders = walk-in orders × 1.25)
    expected_orders = traffic * _expit(rates["test_drive"]) * _expit(
        rates["negotiation"]) * _expit(rates["close"]) * 1.25
    ambition = rng.uniform(0.9, 1.05, n)

    def month_rate(stage: str) -> np.ndarray:
        return _expit(rates[stage] + rng.normal(0, s.wobble, n))

    carried_orders = np.round(expected_orders * 0.8)
    carried_leads = np.round(traffic * _expit(rates["capture"]) * 2.0)
    parts_all: list[dict[str, np.ndarray]] = []
    for month in months:
        season = SEASON[int(month[5:]) - 1]
        visits = rng.poisson(traffic * season * rng.lognormal(0, s.traffic_wobble, n))
        captured = rng.binomial(visits, month_rate("capture"))
        new_leads = captured + rng.poisson(0.05 * visits)
        test_drives = rng.binomial(visits, month_rate("test_drive"))
        negotiations = rng.binomial(test_drives, month_rate("negotiation"))
        walk_in = rng.binomial(negotiations, month_rate("close"))
        other = rng.poisson(0.25 * walk_in + 0.01)
        orders = walk_in + other
        funnel = (_expit(rates["test_drive"]) * _expit(rates["negotiation"])
                  * _expit(rates["close"])) / (s.norms["test_drive"] * s.norms["negotiation"]
                                               * s.norms["close"])
        orders_new = rng.binomial(new_leads, np.clip(s.norms["conversion_b"] * funnel, 0, 0.9))
        orders_carried = rng.binomial(carried_leads.astype(np.int64),
                                      np.clip(s.norms["conversion_a"] * funnel, 0, 0.9))
        lost = rng.binomial((carried_leads + new_leads).astype(np.int64), month_rate("lost"))
        pool = (carried_orders + orders).astype(np.int64)
        deliveries = rng.binomial(pool, month_rate("delivery"))
        cancellations = rng.binomial(pool - deliveries, 0.03)
        spend = capacity * season * cpv * rng.lognormal(0, 0.10, n)
        parts = {m.id: np.full(n, np.nan) for m in REGISTRY.values() if m.type != "ratio"}
        parts.update({
            "visits": visits, "captured_visits": captured, "new_leads": new_leads,
            "test_drives": test_drives, "negotiations": negotiations,
            "walk_in_orders": walk_in, "orders": orders, "orders_new_leads": orders_new,
            "orders_carried_leads": orders_carried, "carried_leads": carried_leads.copy(),
            "lost_leads": lost, "carried_orders": carried_orders.copy(),
            "deliveries": deliveries, "cancellations": cancellations, "ad_spend": spend,
            "target_units": np.round(ambition * _expit(rates["delivery"]) * (
                carried_orders + expected_orders * season)),
            "call_3d_deliveries": rng.binomial(deliveries, month_rate("call_3d")),
            "letter_7d_deliveries": rng.binomial(deliveries, month_rate("letter_7d")),
            "insured_deliveries": rng.binomial(deliveries, month_rate("insurance")),
        })
        parts_all.append({k: np.asarray(v, dtype=float) for k, v in parts.items()})
        carried_orders = (pool - deliveries - cancellations).astype(float)
        carried_leads = np.maximum(
            carried_leads + new_leads - orders_new - orders_carried - lost
            - rng.binomial(carried_leads.astype(np.int64), 0.15), 0).astype(float)
    stacked = {k: np.concatenate([p[k] for p in parts_all]) for k in parts_all[0]}
    ids = np.tile(stores["store_id"].to_numpy(dtype=object), len(months))
    month_col = np.repeat(np.array(months, dtype=object), n)
    cube = derive_cube(ids, month_col, stacked)
    last = parts_all[-1]
    return Network(stores, cube, months, *_check_counts(rng, s, stores, rates, last))


def _check_counts(rng: np.random.Generator, s: Settings, stores: pd.DataFrame,
                  rates: dict[str, np.ndarray], last: dict[str, np.ndarray]
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The counts the named checks test, for the diagnosed month."""
    ids = stores["store_id"].to_numpy()
    n = len(ids)
    cons, weakest = [], np.ones(n)
    for i, sid in enumerate(ids):
        k_cons = int(np.clip(round(stores["capacity"].iloc[i] / 180), 2, 15))
        skill = rng.normal(0, 0.15, k_cons)
        weak = stores["defect"].iloc[i] == "consultant_far_from_team"
        share = rng.dirichlet(np.full(k_cons, 8.0))
        for rate, n_tot, p in (
                ("conversion", last["new_leads"][i], last["orders_new_leads"][i]
                 / max(last["new_leads"][i], 1)),
                ("test_drive_rate", last["visits"][i], last["test_drives"][i]
                 / max(last["visits"][i], 1))):
            counts = rng.multinomial(int(n_tot), share)
            pk = _expit(_logit(min(max(p, 1e-3), 0.99)) + skill)
            if weak:  # one consultant at a share of the rest of the team's rate
                pk[0] = DEFECTS["consultant_far_from_team"]["consultant"] * np.average(
                    pk[1:], weights=share[1:])
            ks = rng.binomial(counts, pk)
            # the weakest consultant's true rate against the rest of the team's
            for c in range(k_cons):
                rest = np.delete(np.arange(k_cons), c)
                team = np.average(pk[rest], weights=share[rest])
                weakest[i] = min(weakest[i], pk[c] / team)
            cons += [(sid, f"{sid}-C{c + 1:02d}", rate, counts[c], ks[c])
                     for c in range(k_cons)]
    consultants = pd.DataFrame(cons, columns=["store_id", "consultant_id", "rate", "n", "k"])
    stores["weakest_consultant"] = weakest
    named = rng.binomial(last["lost_leads"].astype(np.int64), 0.7)
    comp = []
    for i, sid in enumerate(ids):
        split = rng.multinomial(named[i], rng.dirichlet(np.full(COMPETITORS, 2.0)))
        comp += [(sid, f"竞品{c + 1}", int(v)) for c, v in enumerate(split) if v]
    competitors = pd.DataFrame(comp, columns=["store_id", "competitor", "n"])
    visits = last["visits"]
    due_h, due_a = rng.poisson(0.25 * visits), rng.poisson(0.40 * visits)
    comply = _expit(rates["compliance"][:, None] + rng.normal(0, s.wobble, (n, 2)))
    compliance = pd.DataFrame({
        "store_id": np.repeat(ids, 2), "grade": np.tile(["H", "A"], n),
        "due": np.column_stack([due_h, due_a]).ravel(),
        "done": rng.binomial(np.column_stack([due_h, due_a]), comply).ravel()})
    callers = rng.poisson(0.25 * visits)
    invites = pd.DataFrame({"store_id": ids, "callers": callers,
                            "visited": rng.binomial(callers, _expit(rates["invite"]))})
    return consultants, competitors, compliance, invites


class SimulatedContext(CheckContext):
    """The checks' data access answered from a simulated :class:`Network`."""

    def __init__(self, net: Network, compare: pd.DataFrame, lang: str,
                 texts: dict[str, dict[str, str]]) -> None:
        super().__init__(None, net.month, compare, lang, texts)
        self.net = net
        done = pd.DataFrame({"store_id": net.stores["store_id"], "complete": True,
                             "elapsed_share": 1.0}).set_index("store_id")
        self._cache[("month_elapsed", net.month)] = done
        first = pd.Timestamp(net.months[0] + "-01").date()
        self._cache["store_data_start"] = dict.fromkeys(net.stores["store_id"], first)

    def history(self, months_back: int) -> pd.DataFrame:
        """The simulated cube of the month and the ``months_back`` before it."""
        wanted = self.net.months[-(months_back + 1):]
        return self.cached(("sim_history", months_back),
                           lambda: self.net.cube[self.net.cube["month"].isin(wanted)])

    def competitor_counts(self) -> pd.DataFrame:
        return self.net.competitors

    def consultant_counts(self, rates: list[str]) -> pd.DataFrame:
        c = self.net.consultants
        return c[c["rate"].isin(rates)]

    def consultant_names(self) -> dict[str, str]:
        return {}

    def compliance_counts(self) -> pd.DataFrame:
        return self.net.compliance

    def overdue_counts(self, store: str) -> dict[str, int]:
        return {}

    def invite_counts(self) -> pd.DataFrame:
        return self.net.invites

    def elapsed(self, measure: str = "visits") -> pd.Series:
        return pd.Series(dtype=float)

    def has_column(self, table: str, column: str) -> bool:
        return True
