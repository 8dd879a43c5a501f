"""The consultant rates the diagnosis tests and the consultant table shows, as counts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..metrics.cube import grain_cube

#: The consultant rates the diagnosis tests → their registry KPI (consultant grain).
CONSULTANT_RATES = {"conversion": "new_lead_order_share", "test_drive_rate": "test_drive_rate"}


def consultant_rate_counts(con: Any, month: str, rates: list[str],
                           store: str | None = None) -> pd.DataFrame:
    """Per store × consultant × rate of ``month``: denominator ``n`` and numerator ``k``.

    The registry's KPIs at the consultant grain (:func:`kpi_lib.metrics.cube.grain_cube`):
    ``conversion`` is ``new_lead_order_share`` (leads created in the month by the
    consultant, and those of them with an order dated in the month); ``test_drive_rate``
    the consultant's visits and those with a test drive (only when the input has
    ``visits.consultant_id``). Consultants with ``n`` = 0 are left out. ``store`` limits
    the counts to one store (default: all). Shared by :func:`consultant_far_from_team` and
    :mod:`kpi_lib.analysis.consultants`.
    """
    ids = {CONSULTANT_RATES[r]: r for r in rates}
    cube = grain_cube(con, month, "consultant", None if store is None else [store], list(ids))
    rows = cube[(cube["month"] == month) & (cube["consultant"] != "")
                & cube["metric"].isin(list(ids)) & (cube["denominator"] > 0)]
    return pd.DataFrame({
        "store_id": rows["store_id"].to_numpy(dtype=object),
        "consultant_id": rows["consultant"].to_numpy(dtype=object),
        "rate": rows["metric"].map(ids).to_numpy(dtype=object),
        "n": rows["denominator"].astype(int).to_numpy(),
        "k": rows["numerator"].astype(int).to_numpy(),
    })
