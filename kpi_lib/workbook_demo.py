"""A sample brand KPI workbook (``kpi_workbook_demo.xlsx``) written from a KPI cube.

The template's layout (:data:`kpi_lib.ingest.brand_workbook.TEMPLATE_ROWS` and ``MIX_ROWS``): an
instructions sheet (no month header: the reader skips it with a note), then one sheet
per store named by its ``store_id``, with 门店名称 and 区域 cells above the header and the
KPI names in column A. Stores alternate between two header styles: ``1月``…``12月`` under
a ``年份`` cell (one block per calendar year, plus a 年度合计 column) and ``YYYY-MM``
(one block for all months, ad spend written as text such as "1,234,500"). Each block
has the template's 销售KPI rows and its 交车结构 rows. The derived rows (单批次来店成本,
留有资料比例, 转化率, 结构比…) hold what the template's formulas give, rounded as it shows
them (rates to 4 decimals — as text such as "26.43%" in the ``YYYY-MM`` sheets —, money
to 2 decimals), ``#DIV/0!`` for a zero denominator and "-" when an input is n/a; their
annual total is left blank. The reader recomputes them anyway and
:mod:`kpi_lib.metrics.workbook_check` finds none that differs (a workbook with wrong derived
cells is built in ``tests/test_workbook_checks.py``). An n/a input (no marketing row) is
written "-".

``python -m kpi_lib.workbook_demo [--data data/demo] [--out data/demo_workbook]``.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .atomic import atomic_write
from .ingest.brand_workbook import MIX_ROWS, TEMPLATE_ROWS
from .metrics.registry import REGISTRY
from .metrics.workbook_check import recompute

FILE_NAME = "kpi_workbook_demo.xlsx"
DEFAULT_OUT = paths.DATA / "demo_workbook"
INSTRUCTIONS = (
    "销售KPI月度模板 · 填写说明",
    "每个门店一个工作表，工作表名称为门店代码（如 S001）。",
    "A 列为KPI名称，表头行为月份（YYYY-MM，或 1月…12月 并在上方填写年份）。",
    "比例类指标（单批次来店成本、留有资料比例、转化率、结构比）由系统重新计算，表中数值仅供参考。",
)


def _derived(metric: str, row: dict[str, float], text_rates: bool) -> object:
    """A derived row's cell as the template's formula shows it."""
    value, reason = recompute(metric, row)
    if reason == "zero_denominator":
        return "#DIV/0!"
    if reason is not None:
        return "-"
    unit = REGISTRY[metric].unit if metric in REGISTRY else "count"
    if unit == "rate":
        return f"{value:.2%}" if text_rates else round(value, 4)
    return round(value, 2) if unit in ("yuan_per", "yuan") else int(round(value))


def _cell(metric: str, is_input: bool, row: dict[str, float] | None, text_money: bool
          ) -> object:
    if row is None:
        return None
    if not is_input:
        return _derived(metric, row, text_money)
    value = row.get(metric, np.nan)
    if value != value:  # NaN: no marketing row
        return "-"
    if text_money and metric == "ad_spend":
        return f"{value:,.0f}"
    return int(value) if float(value).is_integer() else float(value)


def _blocks(months: Sequence[str], style: str) -> list[tuple[int | None, list[str]]]:
    """(year or None, header months) of each block of a sheet."""
    if style == "iso":
        return [(None, list(months))]
    years = sorted({int(m[:4]) for m in months})
    return [(y, [f"{y}-{k:02d}" for k in range(1, 13)]) for y in years]


def _write_sheet(ws, store: str, name: str, region: str, data: dict[str, dict[str, float]],
                 months: Sequence[str], style: str) -> None:
    from openpyxl.styles import Font

    ws.append(["门店名称", name])
    ws.append(["区域", region])
    for year, block in _blocks(months, style):
        ws.append([])
        if year is not None:
            ws.append(["年份", year])
        heads = ([f"{int(m[5:])}月" for m in block] + ["年度合计"] if year is not None
                 else list(block))
        for title, rows in (("销售KPI", TEMPLATE_ROWS), ("交车结构", MIX_ROWS)):
            ws.append([title, *heads])
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
            for label, metric, is_input in rows:
                values = [_cell(metric, is_input, data.get(m), style == "iso") for m in block]
                if year is not None:  # an annual total: not a month, never read
                    ratio = metric in REGISTRY and REGISTRY[metric].type == "ratio"
                    values.append(None if ratio else
                                  sum(v for v in values if isinstance(v, int | float)))
                ws.append([label, *values])
            ws.append([])
    ws.column_dimensions["A"].width = 26
    ws.freeze_panes = "B1"


def write_workbook(cube: pd.DataFrame, stores: pd.DataFrame, out: Path) -> Path:
    """Write ``cube`` (``store_id, month, metric, value``) in the template's layout.

    ``stores`` gives ``store_id, store_name, region``. Written to a temporary file and
    renamed into place. Returns ``out``.
    """
    import openpyxl

    wide = cube.pivot_table(index=["store_id", "month"], columns="metric", values="value",
                            aggfunc="first", dropna=False)
    months = sorted(cube["month"].unique())
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "填写说明"
    for line in INSTRUCTIONS:
        ws.append([line])
    info = stores.set_index("store_id")
    for k, store in enumerate(sorted(cube["store_id"].unique())):
        data = {m: wide.loc[(store, m)].to_dict() for m in months if (store, m) in wide.index}
        row = info.loc[store] if store in info.index else None
        name = str(row["store_name"]) if row is not None else store
        region = str(row["region"]) if row is not None else ""
        _write_sheet(wb.create_sheet(str(store)), str(store), name, region, data, months,
                     "month_names" if k % 2 == 0 else "iso")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write(out, buffer.getvalue())
    return out


def demo_cube(data_dir: Path = paths.DEMO_DATA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The KPI cube of every store and month of ``data_dir``, and its stores table."""
    from .ingest.warehouse import open_warehouse
    from .metrics.cube import compute_cube

    with open_warehouse(Path(data_dir)) as wh:
        first, last = wh.con.execute(
            "SELECT strftime(min(date), '%Y-%m'), strftime(max(date), '%Y-%m') "
            "FROM visits").fetchone()
        months = pd.period_range(first, last, freq="M").strftime("%Y-%m").tolist()
        stores = wh.con.execute("SELECT store_id, store_name, region FROM stores").df()
        return compute_cube(wh.con, months), stores


def write_demo_workbook(out_dir: Path = DEFAULT_OUT, data_dir: Path = paths.DEMO_DATA
                        ) -> Path:
    """Write ``out_dir/kpi_workbook_demo.xlsx`` from the KPI cube of ``data_dir``."""
    cube, stores = demo_cube(data_dir)
    return write_workbook(cube, stores, Path(out_dir) / FILE_NAME)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=paths.DEMO_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write to")
    args = parser.parse_args(argv)
    print(f"wrote {write_demo_workbook(args.out, args.data)}")


if __name__ == "__main__":
    main()
