"""``python -m kpi_lib kpis``: the month's KPI cube for every store as a tidy CSV.

Columns ``store_id, metric, numerator, denominator, value`` (DATA_CONTRACT.md, "Machine-
readable output"): one row per store and metric in registry order, ``value`` empty
where n/a, numbers at full precision (whole numbers without ``.0``). The file is written
to a temporary file beside ``out`` and renamed into place, so a failed run leaves an
existing file as it was and creates none.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path

import pandas as pd

from ..errors import KpiError, ParameterError, RowIssue
from ..ingest.warehouse import data_months, open_warehouse
from ..metrics.cube import compute_cube
from ..metrics.periods import check_period_in_data
from ..metrics.registry import REGISTRY


def format_number(x: float) -> str:
    """A number as written in the CSV: '' for NaN, '12' for 12.0, else the shortest repr.

    >>> format_number(12.0), format_number(2 / 7), format_number(float("nan"))
    ('12', '0.2857142857142857', '')
    """
    if x is None or math.isnan(x):
        return ""
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    return repr(float(x))


def tidy_frame(cube: pd.DataFrame) -> pd.DataFrame:
    """The export's rows (strings) from a one-month cube of :func:`compute_cube`.

    Text from the data is neutralised as in the Excel export: a cell a spreadsheet would
    read as a formula (``= + - @``, tab, CR first) gets a leading ``'``.
    """
    from ..report.excel_style import safe_text

    frame = pd.DataFrame({"store_id": [safe_text(s) for s in cube["store_id"].astype(str)],
                          "metric": cube["metric"].astype(str)})
    for col in ("numerator", "denominator", "value"):
        frame[col] = [format_number(float(x)) for x in cube[col].to_numpy()]
    return frame


def write_atomic_csv(frame: pd.DataFrame, out: Path) -> None:
    """Write ``frame`` to ``out`` via a temporary file in the same folder + os.replace."""
    out = Path(out)
    if out.is_dir():
        raise ParameterError(f"output {out} is a folder; give a file name such as kpis.csv")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise KpiError(f"cannot write {out}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError):  # disk full: the existing file is left as it was
            raise KpiError(f"cannot write {out}: {exc.strerror or exc}; an existing file "
                           "is left as it was") from None
        raise


def export_kpis(data_dir: Path, month: str, out: Path, *, strict: bool = False
                ) -> list[RowIssue]:
    """Write ``month``'s KPIs for every store of ``data_dir`` to the CSV ``out``.

    Returns the quarantined row issues (the caller reports them). With ``strict``, any
    quarantined row raises :class:`~kpi_lib.errors.KpiError` listing them and nothing
    is written. ``month`` may be a period (:mod:`kpi_lib.metrics.periods`); a month or
    period outside the data gives zeros and n/a, not an error.
    """
    with open_warehouse(Path(data_dir)) as wh:
        check_period_in_data(month, *data_months(wh.con), inside=False)
        issues = list(wh.issues)
        rows = [i for i in issues if not i.ignored]  # files not read are not rows
        if strict and rows:
            listed = "\n".join(f"  {issue}" for issue in rows)
            raise KpiError(f"--strict: {len(rows)} quarantined row(s), nothing written:\n"
                           f"{listed}")
        cube = compute_cube(wh.con, month, metrics=list(REGISTRY))  # every KPI
    write_atomic_csv(tidy_frame(cube), Path(out))
    return issues
