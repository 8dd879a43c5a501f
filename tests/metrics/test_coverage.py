"""The report says where a store's numbers come from and which sections lack their input."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi_lib.demo import ensure_demo_data
from kpi_lib.ingest.warehouse import open_warehouse
from kpi_lib.metrics.coverage import store_coverage
from kpi_lib.workbook_demo import write_demo_workbook


@pytest.fixture(scope="module")
def workbook_only(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workbook_only")
    write_demo_workbook(folder, ensure_demo_data())
    return folder


def test_registers_cover_every_section_for_a_normal_store():
    with open_warehouse(ensure_demo_data()) as wh:
        cov = store_coverage(wh.con, "S001", "2026-10")
    assert cov.from_workbook is False and cov.missing == ()


def test_workbook_only_store_lists_the_missing_sections(workbook_only: Path):
    with open_warehouse(workbook_only, db_path=workbook_only / "w.duckdb") as wh:
        cov = store_coverage(wh.con, "S002", "2026-10")
    assert cov.from_workbook is True
    assert dict(cov.missing) == {
        "funnel": "visits", "pipeline": "leads", "pipeline_forecast": "leads",
        "consultants": "consultants", "mix_aftercare_aftercare_heading": "orders",
        "traffic_heatmap_heading": "visits",
    }
