"""One number, one value in every output (issue 13.8).

For every demo store and 2026-10, on the demo registers and on the same numbers given as
the brand's KPI workbook only (:mod:`kpi_lib.workbook_demo`: every store's values come
from the template, the register-only KPIs are n/a), and for the two hand-counted stores
of ``tests/fixtures/tiny`` in 2026-09 (S2: no marketing row, no visits — the demo has no
n/a in the Excel rows, this store has both reasons):

- the store's Excel (``excel_export.workbook_bytes``, built as the report builds it) shows,
  for every brand-template row, in the report month's column of the vertical sheet and in
  the store's column of the horizontal one, the value the real ``python -m kpi_lib kpis``
  CLI writes for that store and metric (read back with the
  ``csv`` module, not with kpi_lib); a row that is one part of a ratio (留存订单+本月订单)
  is the sum of its parts' ``kpis`` values and the ratio's own ``kpis`` numerator or
  denominator; n/a in ``kpis`` ⇔ an empty cell whose comment gives the same reason;
- the report's KPI summary (``report_data.summary_frame``, as the notebook displays it)
  shows, for this month, last month and the same month last year, the KPI cube's value
  formatted by ``formatting.format_value``; an n/a says n/a with its reason mark, which
  the footnote explains; every row label is a registry label of exactly one metric.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from kpi_lib.archetypes import STORE_ARCHETYPES
from kpi_lib.demo import ensure_demo_data
from kpi_lib.formatting import format_value
from kpi_lib.i18n import text
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.metrics import network_cache
from kpi_lib.metrics import registry as metrics
from kpi_lib.metrics.cube import compute_cube
from kpi_lib.metrics.months import previous_month
from kpi_lib.metrics.registry import REGISTRY
from kpi_lib.report import excel_report as xl
from kpi_lib.report.excel_style import FIRST_DATA_ROW, HEADER_ROW, template_rows
from kpi_lib.report.store_month import load_store_month, na_footnote, summary_frame
from kpi_lib.workbook_demo import write_demo_workbook

LANGS = ("zh", "en")
TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
#: data folder → its report month and stores: the demo's registers (S001 … S012), the
#: same numbers as the brand's KPI workbook only, and the hand-counted fixture
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "registers": ("2026-10", tuple(sorted(STORE_ARCHETYPES))),
    "workbook": ("2026-10", tuple(sorted(STORE_ARCHETYPES))),
    "tiny": ("2026-09", ("S1", "S2")),
}
STORES = [pytest.param(source, store, id=f"{source}-{store}")
          for source, (_, stores) in CASES.items() for store in stores]
#: the summary's n/a marks by reason (report_data: explained in the footnote)
NA_MARKS = {"no_data": "¹", "zero_denominator": "²"}
HISTORY_MARK = "†"  # a carried-lead KPI within the store's history warm-up

# `kpis` writes every number at full precision: whole numbers without ".0", others as
# Python's shortest round-trip repr (kpis_export.format_number), so the parsed float is the
# cube's exact double; openpyxl stores floats in the xlsx by repr as well. Equal values can
# then only differ by the order of a floating-point sum (a sum row adds its parts here,
# the exporter there): a relative tolerance of 1e-12 allows that and nothing else — a
# rounding to the shown precision (0.1 %, ¥1) would be 1e-3 or more.
REL_TOL = 1e-12


# --------------------------------------------------------------------------- shared (module)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    demo = ensure_demo_data()
    workbook = tmp_path_factory.mktemp("workbook_only")
    write_demo_workbook(workbook, demo)
    tiny = tmp_path_factory.mktemp("tiny") / "data"
    shutil.copytree(TINY, tiny, ignore=shutil.ignore_patterns("README.md", ".warehouse*"))
    return {"registers": demo, "workbook": workbook, "tiny": tiny}


def _number(s: str) -> float | None:
    return None if s == "" else float(s)


@pytest.fixture(scope="module")
def kpis(folders, tmp_path_factory) -> dict[str, dict[tuple[str, str], dict]]:
    """The real CLI, once per data folder: (store, metric) → numerator, denominator, value
    (floats, None where empty), parsed with the csv module."""
    out: dict[str, dict[tuple[str, str], dict]] = {}
    for source, folder in folders.items():
        path = tmp_path_factory.mktemp("kpis") / "kpis.csv"
        proc = subprocess.run(
            [sys.executable, "-m", "kpi_lib", "kpis", "--data", str(folder), "--month",
             CASES[source][0], "--out", str(path)],
            capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        table = {}
        for r in rows:
            key = (r["store_id"], r["metric"])
            assert key not in table, f"{source}: {key} twice in kpis"
            table[key] = {k: _number(r[k]) for k in ("numerator", "denominator", "value")}
        assert {s for s, _ in table} == set(CASES[source][1]), source  # none left untested
        out[source] = table
    return out


@pytest.fixture(scope="module")
def cube(folders) -> dict[str, dict[tuple[str, str, str], tuple[float, str | None]]]:
    """The KPI cube of the three months the summary shows, every store, per folder:
    (store, month, metric) → (value, na_reason)."""
    out = {}
    for source, folder in folders.items():
        month = CASES[source][0]
        months = [month, previous_month(month), previous_month(month, 12)]
        with open_warehouse(folder) as wh:
            frame = compute_cube(wh.con, months)
        out[source] = {(s, mo, m): (v, r) for s, mo, m, v, r in zip(
            frame["store_id"], frame["month"], frame["metric"], frame["value"],
            frame["na_reason"], strict=True)}
    return out


@pytest.fixture(scope="module")
def year_cubes(folders) -> dict[tuple[str, str], object]:
    """Each store's cube of January … October, as a single report reads it
    (``write_store_workbook(data_dir=…)`` → ``load_year_cube``: its own query per store)."""
    return {(source, store): xl.load_year_cube(folder, store, CASES[source][0])
            for source, folder in folders.items() for store in CASES[source][1]}


class Loaded:
    """Each store's StoreMonth, loaded once for all tests of this module."""

    def __init__(self, folders: dict[str, Path], year_cubes) -> None:
        self.folders, self.year_cubes = folders, year_cubes
        self._sm: dict[tuple[str, str, str], object] = {}

    def store_month(self, source: str, store: str, lang: str):
        key = (source, store, lang)
        if key not in self._sm:  # what the notebook runs: kpi_lib.store_month(...)
            self._sm[key] = load_store_month(store, CASES[source][0], lang,
                                             self.folders[source])
        return self._sm[key]

    def workbook(self, source: str, store: str, lang: str) -> openpyxl.Workbook:
        """The report's xlsx of the store's StoreMonth and year cube, loaded back."""
        data = xl.workbook_bytes(self.store_month(source, store, lang), lang,
                                 year_cube=self.year_cubes[source, store])
        return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def loaded(folders, year_cubes, cube):
    """StoreMonths loaded as the batch's warm kernels load them, one store after another
    (the network cache on: a store's cubes are filters of the network's, the
    month's compare table computed once), which cuts this module's time by more than half;
    undone after the module. ``cube``, ``year_cubes`` and ``kpis`` are computed without
    it, so the outputs are still compared with independent computations."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(network_cache, "_FRAMES", {})
        yield Loaded(folders, year_cubes)


def _label_ids(lang: str) -> dict[str, list[str]]:
    """Registry label → the metric ids that carry it."""
    ids: dict[str, list[str]] = defaultdict(list)
    for metric_id, label in metrics.labels(lang).items():
        ids[label].append(metric_id)
    return ids


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --------------------------------------------------------------------------- Excel = kpis


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("source", "store"), STORES)
def test_excel_template_rows_equal_kpis(source, store, lang, kpis, loaded):
    month = CASES[source][0]
    wb = loaded.workbook(source, store, lang)
    vertical, horizontal = wb.worksheets[:2]
    assert vertical.title == text("excel_sheet_vertical", lang)
    assert horizontal.title == text("excel_sheet_horizontal", lang)
    rows = template_rows()
    table, label_ids = kpis[source], _label_ids(lang)

    expected: list[tuple[str, float | None, str]] = []  # (label, kpis value, n/a reason)
    covered: dict[str, list[str]] = {"metric": [], "sum": []}
    for row in rows:
        label = row.label(lang)
        # one label, one meaning: a row named like a registry KPI shows that KPI
        if label in label_ids:
            assert label_ids[label] == [row.metric] and row.part is None, label
        if row.part is None:  # a single registry metric
            got = table[(store, row.metric)]
            value, num, den = got["value"], got["numerator"], got["denominator"]
            # the contract: a zero denominator gives n/a; a part n/a (no marketing row, an
            # absent column) makes it n/a for no data, whatever the other part is
            reason = ("zero_denominator" if value is None and num is not None and den == 0
                      else "no_data")
            covered["metric"].append(label)
        else:  # a sum of registry metrics: one part of a ratio (留存订单+本月订单)
            assert row.part in ("numerator", "denominator"), label
            values = [table[(store, p)]["value"] for p in row.parts]
            value = None if None in values else math.fsum(values)
            ratio_part = table[(store, row.metric)][row.part]  # the ratio's own part in kpis
            if value is None:
                assert ratio_part is None, label
            else:
                assert ratio_part == pytest.approx(value, rel=REL_TOL), label
            reason = "no_data"
            covered["sum"].append(label)
        expected.append((label, value, reason))
    # every template row is checked, as a metric or as a sum (none skipped)
    assert len(covered["metric"]) + len(covered["sum"]) == len(rows) == len(expected)
    assert covered["sum"] == [r.label(lang) for r in rows if r.part is not None]

    # 纵向比较: the report month's column; 横向比较: the store's own column (本店)
    for ws, column in ((vertical, text(f"excel_month_{int(month[5:])}", lang)),
                       (horizontal, text("col_store_value", lang))):
        header = [ws.cell(HEADER_ROW, c).value for c in range(1, ws.max_column + 1)]
        col = header.index(column) + 1
        shown = [ws.cell(r, 1).value for r in range(FIRST_DATA_ROW, ws.max_row + 1)]
        assert shown == [label for label, _, _ in expected], ws.title
        for i, (label, value, reason) in enumerate(expected):
            cell = ws.cell(FIRST_DATA_ROW + i, col)
            where = f"{store} {lang} {ws.title} {label!r}"
            if value is None:
                assert not _is_number(cell.value), f"{where}: kpis n/a, Excel {cell.value!r}"
                assert cell.comment is not None, where
                assert cell.comment.text == text(f"na_{reason}", lang), where
            else:
                assert _is_number(cell.value), f"{where}: kpis {value!r}, Excel {cell.value!r}"
                assert cell.value == pytest.approx(value, rel=REL_TOL, abs=0), where


def test_the_cases_hold_na_rows_of_both_reasons(kpis):
    """The n/a branch above is exercised: tiny S2 has template rows n/a for no data (no
    marketing row) and for a zero denominator (no visits); the demo has none."""
    table, rows = kpis["tiny"], {r.metric for r in template_rows() if r.part is None}
    na = {m: t["denominator"] for (s, m), t in table.items()
          if s == "S2" and m in rows and t["value"] is None}
    assert set(na) >= {"ad_spend", "cost_per_visit", "lead_capture_rate"}
    assert table[("S2", "lead_capture_rate")]["numerator"] is not None
    assert na["ad_spend"] is None and na["lead_capture_rate"] == 0


# --------------------------------------------------------------------------- summary = cube


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("source", "store"), STORES)
def test_kpi_summary_equals_the_cube(source, store, lang, cube, loaded):
    month = CASES[source][0]
    sm = loaded.store_month(source, store, lang)
    frame = summary_frame(sm)
    label_ids = _label_ids(lang)
    columns = {text("col_this_month", lang): month,
               text("col_last_month", lang): previous_month(month),
               text("col_last_year", lang): previous_month(month, 12)}
    kpi_col = text("col_kpi", lang)
    assert set(columns) | {kpi_col} <= set(frame.columns)
    footnote = na_footnote(sm)
    labels = list(frame[kpi_col])
    assert len(labels) == len(set(labels)), "a label shown twice in the summary"
    marks_used = set()
    for _, rec in frame.iterrows():
        label = rec[kpi_col]
        # every label is a registry label, and of exactly one metric
        assert label_ids.get(label, []) != [], f"{label!r} is not a registry label"
        assert len(label_ids[label]) == 1, f"{label!r} names {label_ids[label]}"
        metric_id = label_ids[label][0]
        unit = REGISTRY[metric_id].unit
        for column, shown_month in columns.items():
            value, reason = cube[source][(store, shown_month, metric_id)]
            shown = rec[column]
            where = f"{store} {lang} {label!r} ({metric_id}) {shown_month}: {shown!r}"
            mark = HISTORY_MARK if sm.history_incomplete(metric_id, shown_month) else ""
            if value is None or math.isnan(value):
                # n/a says n/a with the mark of its reason, never nan or 0
                na_mark = NA_MARKS[reason or "no_data"]
                assert shown == text("na", lang) + na_mark + mark, where
                marks_used.add((na_mark, reason or "no_data"))
            else:
                assert shown == format_value(value, unit, lang) + mark, where
        for column in frame.columns.drop(kpi_col):  # values and changes
            assert not re.search(r"\b(nan|inf|none)\b", str(rec[column]), re.I), where
    for na_mark, reason in marks_used:  # each mark used is explained with its reason
        assert f"{na_mark} {text('na_' + reason, lang)}" in footnote
