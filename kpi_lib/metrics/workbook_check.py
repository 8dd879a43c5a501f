"""The brand workbook's own derived cells, checked against their recomputation.

The template's derived rows (单批次来店成本, 留有资料比例, 转化率, 结构比, 本月产生订单合计数,
留存订单+本月订单) are never used: :func:`kpi_lib.metrics.cube.compute_cube` recomputes them
from the input rows. They are hand-typed or stale formulas at times, so
:func:`check_derived` compares each cell
(:attr:`kpi_lib.ingest.brand_workbook.WorkbookData.derived`)
with its recomputation from the same store-month's input values (after the reader's
checks: the first of repeated values, n/a cells and rejected numbers left out), by the
registry's definition:

- a ratio KPI is Σ numerator / Σ denominator of its ids (a zero denominator is n/a);
- a sum (:data:`~kpi_lib.ingest.brand_workbook.WORKBOOK_SUMS`: 本月产生订单合计数 = new-lead +
carried-lead
  orders; :data:`~kpi_lib.ingest.brand_workbook.DERIVED_SUMS`: 留存订单+本月订单) is the sum of its
  parts.

A cell is read like an input cell (numbers, "1,234", "¥1,234"; blank, ``-``, ``#DIV/0!``
and other Excel errors are n/a), and a percent may be written as 0.264 or "26.4%"
(:func:`kpi_lib.ingest.workbook_reader.cell_value`, when the workbook is read; the warehouse
keeps the cells in ``_workbook_derived``, and :func:`workbook_checks` checks them when a
report asks, so a change of a KPI's definition never meets a stale list).

A cell **differs** when

- its recomputation has a value and the cell is n/a (blank, ``#DIV/0!``, text), or
  differs from it by more than the template's rounding: a rate by more than 0.1
  percentage point (the template shows rates to 0.1%), money per unit (cost per visit)
  by more than ¥1, a count by more than 0.5;
- its recomputation is n/a for a zero denominator and the cell holds a number (an
  ``IFERROR(…, 0)``: the report shows n/a, not 0).

A cell whose recomputation is n/a for a zero denominator and that is itself n/a
(``#DIV/0!``, blank, ``-``) agrees. A cell whose recomputation lacks an input (an n/a
input, or a KPI whose parts the template has no row for) cannot be checked and is not
listed.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from ..ingest.brand_workbook import DERIVED_SUMS, WORKBOOK_SUMS
from .registry import REGISTRY

#: Columns of :func:`check_derived`'s table.
CHECK_COLUMNS = ["sheet", "store_id", "row", "month", "metric", "written", "workbook",
                 "recomputed"]
#: Sums the template derives: metric id -> summed workbook metric ids.
SUMS: dict[str, tuple[str, ...]] = {**WORKBOOK_SUMS, **DERIVED_SUMS}
#: How far a cell may be from its recomputation, by unit (the template's rounding).
TOLERANCE: dict[str, float] = {"rate": 0.001, "yuan_per": 1.0, "yuan": 1.0, "count": 0.5}
_EPS = 1e-9


def unit_of(metric: str) -> str:
    """The unit a derived row's values are in (``count`` for the template's sums)."""
    return REGISTRY[metric].unit if metric in REGISTRY else "count"


def label_of(metric: str, lang: str) -> str:
    """The registry label of ``metric``; a template sum without a registry KPI is named by
    the labels of its parts ("留存订单及全款数 + 本月产生订单合计数")."""
    if metric in REGISTRY:
        return REGISTRY[metric].label(lang)
    parts = ("carried_orders", "orders") if metric == "carried_plus_orders" else SUMS[metric]
    return " + ".join(REGISTRY[p].label(lang) for p in parts)


def recompute(metric: str, inputs: dict[str, float]) -> tuple[float, str | None]:
    """(value, n/a reason) of ``metric`` from one store-month's workbook ``inputs``: the
    registry's ratio, or a template sum; reason ``no_data`` (an input is missing) or
    ``zero_denominator``.

    >>> recompute("lead_capture_rate", {"new_leads": 30, "visits": 120})
    (0.25, None)
    >>> recompute("cost_per_visit", {"ad_spend": 5000, "visits": 0})
    (nan, 'zero_denominator')
    >>> recompute("carried_plus_orders", {"carried_orders": 5, "orders_new_leads": 4,
    ...                                   "orders_carried_leads": 6})
    (15.0, None)
    """
    def part(metric_id: str) -> float:
        if metric_id in SUMS:
            return math.fsum(part(p) for p in SUMS[metric_id])  # NaN if a part is
        value = inputs.get(metric_id, math.nan)
        return float(value) if value is not None else math.nan

    m = REGISTRY.get(metric)
    if m is None or m.type != "ratio":
        value = part(metric) if metric in SUMS else math.nan
        return (value, None) if not math.isnan(value) else (math.nan, "no_data")
    top = part(m.numerator)  # type: ignore[arg-type]
    bottom = math.fsum(part(d) for d in m.denominator)
    if math.isnan(top) or math.isnan(bottom):
        return math.nan, "no_data"
    if bottom == 0:
        return math.nan, "zero_denominator"
    return top / bottom, None


def differs(metric: str, workbook: float, recomputed: float, reason: str | None) -> bool:
    """Whether a cell (``workbook``: NaN when n/a) differs from its recomputation (see the
    module docstring); False when the recomputation lacks an input."""
    if reason == "no_data":
        return False
    if reason == "zero_denominator" or math.isnan(recomputed):
        return not math.isnan(workbook)
    if math.isnan(workbook):
        return True
    return abs(workbook - recomputed) > TOLERANCE[unit_of(metric)] + _EPS


def check_derived(derived: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """The derived cells that differ from their recomputation, in reading order.

    Parameters
    ----------
    derived : :attr:`kpi_lib.ingest.workbook_reader.WorkbookData.derived` (sheet, store_id,
        row, month, metric, written, workbook)
    values : :attr:`kpi_lib.ingest.workbook_reader.WorkbookData.values` (store_id, month,
        metric, value)

    Returns one row per differing cell: :data:`CHECK_COLUMNS` — ``written`` the cell as
    written ("" when blank), ``workbook`` its number (NaN when n/a), ``recomputed`` the
    recomputation (NaN when n/a: zero denominator).
    """
    inputs: dict[tuple[str, str], dict[str, float]] = {}
    for store, month, metric, value in values[["store_id", "month", "metric", "value"]
                                              ].itertuples(index=False):
        inputs.setdefault((str(store), str(month)), {})[str(metric)] = float(value)
    rows = []
    for sheet, store, row, month, metric, written, number in derived[
            CHECK_COLUMNS[:-1]].itertuples(index=False):
        got = inputs.get((str(store), str(month)))
        if not got:  # no input value in that month: an empty column
            continue
        value, reason = recompute(metric, got)
        if differs(metric, float(number), value, reason):
            rows.append((sheet, store, int(row), month, metric, written, number, value))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS).astype(
        {"sheet": "str", "store_id": "str", "row": "int64", "month": "str", "metric": "str",
         "written": "str", "workbook": "float64", "recomputed": "float64"})


def workbook_checks(con: duckdb.DuckDBPyConnection, store: str) -> pd.DataFrame | None:
    """The derived cells of ``store``'s workbook sheet that differ from their recomputation
    (:func:`check_derived` over the warehouse's ``_workbook_derived`` and ``workbook_kpis``);
    None for a warehouse without the table."""
    try:
        derived = con.execute(
            'SELECT sheet, store_id, "row", month, metric, written, workbook '
            "FROM _workbook_derived WHERE store_id = ? ORDER BY rowid", [store]).df()
    except duckdb.CatalogException:
        return None
    values = con.execute("SELECT store_id, month, metric, value FROM workbook_kpis "
                         "WHERE store_id = ?", [store]).df()
    return check_derived(derived, values)
