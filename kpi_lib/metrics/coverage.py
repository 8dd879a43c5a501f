"""Which report sections a store's data can fill, and where its numbers come from.

A store known only from the brand's monthly KPI workbook (or a folder without some
registers) gets every section its numbers allow; the report then says which sections are
missing and which input would fill them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .periods import period_bounds, period_months

#: section (catalogue key of its heading) → the register it needs, scoped to the store
#: and, for visits and orders, to the report month
SECTION_NEEDS: dict[str, tuple[str, bool]] = {
    "funnel": ("visits", True),
    "pipeline": ("leads", False),
    "pipeline_forecast": ("leads", False),
    "consultants": ("consultants", False),
    "mix_aftercare_aftercare_heading": ("orders", True),
    "traffic_heatmap_heading": ("visits", True),
}


@dataclass(frozen=True)
class Coverage:
    """Where the month's numbers come from and which sections lack their register."""

    from_workbook: bool
    missing: tuple[tuple[str, str], ...]  # (section key, table)


def store_coverage(con, store: str, month: str) -> Coverage:
    """Look up the registers behind each section for ``store`` in ``month`` (a month or a
    period: its numbers come from the workbook when any of its months does)."""
    start, end = period_bounds(month)
    date_col = {"visits": "date", "orders": "delivered"}
    missing = []
    for section, (table, in_month) in SECTION_NEEDS.items():
        sql = f"SELECT count(*) FROM {table} WHERE store_id = ?"
        args: list = [store]
        if in_month:
            sql += f" AND {date_col[table]} >= ? AND {date_col[table]} < ?"
            args += [start, end]
        if con.execute(sql, args).fetchone()[0] == 0:
            missing.append((section, table))
    from_workbook = bool(con.execute(
        "SELECT count(*) FROM workbook_kpis WHERE store_id = ? AND list_contains(?, month)",
        [store, period_months(month)]).fetchone()[0]) and any(t == "visits" for _, t in missing)
    return Coverage(from_workbook, tuple(missing))
