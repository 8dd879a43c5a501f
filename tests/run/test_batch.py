"""The batch: stores rendered in warm kernels, failures reported, unchanged stores skipped.

A tiny stand-in store notebook (same parameters, one look-up in the warehouse) keeps the
tests fast; the real store notebook is covered by tests/system/test_every_store.py. The index is
rendered from the real overview notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from kpi_lib import paths
from kpi_lib.cli import app
from kpi_lib.run import batch

MONTH = "2026-10"
STORES = ["S001", "S006", "S012"]

TINY = '''
from pathlib import Path
from IPython.display import Markdown, display
from kpi_lib.ingest.warehouse import open_warehouse

with open_warehouse(Path(data)) as wh:
    row = wh.con.execute("SELECT store_name FROM stores WHERE store_id = ?", [store]).fetchone()
assert row is not None, f"store {store} is not in the data"
display(Markdown(f"# {store} {row[0]} {month}"))
'''


@pytest.fixture(scope="module")
def tiny_notebook(tmp_path_factory) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "kpi-report", "display_name": "kpi", "language":
                                 "python"}
    nb.cells = [nbformat.v4.new_code_cell('store = "S001"\nmonth = "2026-10"\nlang = "zh"\n'
                                          'data = None', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(TINY)]
    path = tmp_path_factory.mktemp("nb") / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def _plan(tmp_path: Path, notebook: Path, stores=STORES) -> batch.BatchPlan:
    plan = batch.plan_batch(paths.DEMO_DATA, MONTH, "zh", tmp_path, stores)
    plan.notebook = notebook
    return plan


def _links(index: Path) -> list[str]:
    return re.findall(r'href="([^"#]+)"', index.read_text("utf-8"))


def test_batch_sync_then_unchanged_then_failure(tmp_path, tiny_notebook):
    plan = _plan(tmp_path, tiny_notebook)
    first = batch.run_batch(plan, scheduler="sync")
    assert [r.status for r in first.stores] == ["rendered"] * 3, first.failed
    assert first.index is not None and first.index.status == "rendered", first.index
    month_dir = tmp_path / MONTH
    for s in STORES:
        for ext in ("html", "pdf", "ipynb"):
            assert (month_dir / f"{s}.{ext}").stat().st_size > 0
    index = month_dir / "index.html"
    links = _links(index)
    assert {f"{s}.{k}" for s in STORES for k in ("html", "pdf")} <= set(links)
    for href in links:
        assert not href.startswith(("http:", "https:", "/")), href
        assert (month_dir / href).is_file(), href
    html = index.read_text("utf-8")
    assert "S003" in html and "试乘试驾率低" in html  # every store listed, with its finding
    # the index is interactive (an inline script) and offline: nothing loaded from anywhere,
    # and a Content-Security-Policy that forbids every request
    assert "<script src" not in html.lower() and "<script" in html.lower()
    assert "default-src 'none'" in html
    summary = json.loads((month_dir / "batch.json").read_text("utf-8"))
    assert {r["store"]: r["status"] for r in summary["stores"]} == dict.fromkeys(STORES,
                                                                                "rendered")

    again = batch.run_batch(_plan(tmp_path, tiny_notebook), scheduler="sync", index=False)
    assert again.count("unchanged") == 3 and again.count("rendered") == 0

    forced = _plan(tmp_path, tiny_notebook, ["S001"])
    assert batch.run_batch(forced, scheduler="sync", force=True,
                           index=False).count("rendered") == 1

    bad = _plan(tmp_path, tiny_notebook, ["S001", "S006"])
    bad.stores.insert(1, "S999")  # not in the data: its notebook fails
    (month_dir / "S001.html").unlink()  # missing output → rendered again
    result = batch.run_batch(bad, scheduler="sync", index=False)
    status = {r.store: r.status for r in result.stores}
    assert status == {"S001": "rendered", "S999": "failed", "S006": "unchanged"}
    reason = result.failed[0].reason
    assert "store S999 is not in the data" in reason and "cell" in reason
    assert not (month_dir / "S999.html").exists()


def test_cli_exit_code_and_summary(tmp_path, tiny_notebook, monkeypatch):
    monkeypatch.setattr(batch, "STORE_NOTEBOOK", tiny_notebook)
    monkeypatch.setattr(batch.BatchPlan, "notebook", tiny_notebook)
    real_plan = batch.plan_batch

    def with_bad(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        plan.stores.append("S999")
        return plan

    monkeypatch.setattr(batch, "plan_batch", with_bad)
    result = CliRunner().invoke(app, ["reports", "--month", MONTH, "--data",
                                      str(paths.DEMO_DATA), "--out-dir", str(tmp_path),
                                      "--scheduler", "sync", "--store", "S012"])
    assert result.exit_code == 3, result.output
    assert "failed S999" in result.output
    assert (tmp_path / MONTH / "S012.html").is_file()


def test_batch_on_local_cluster(tmp_path, tiny_notebook):
    plan = _plan(tmp_path, tiny_notebook, ["S001", "S012"])
    summary = batch.run_batch(plan, workers=2)
    assert summary.workers == 2
    assert summary.count("rendered") == 2, summary.failed
    assert summary.index.status == "rendered"
    assert all((tmp_path / MONTH / f"{s}.pdf").is_file() for s in ("S001", "S012"))


def test_english_batch_writes_en_files_beside_the_chinese_and_the_index_links_both(
        tmp_path, tiny_notebook):
    """Issue 13.6: a batch with lang=en writes ``<store>.en.*`` (and its own skip stamp)
    beside the Chinese ``<store>.*``, which it leaves alone; the index links both."""
    zh = batch.run_batch(_plan(tmp_path, tiny_notebook, ["S001", "S012"]), scheduler="sync",
                         index=False)
    assert zh.count("rendered") == 2, zh.failed
    month_dir = tmp_path / MONTH
    before = {p.name: p.read_bytes() for p in month_dir.glob("S*.*")}
    assert sorted(before) == sorted(f"{s}.{e}" for s in ("S001", "S012")
                                    for e in ("html", "ipynb", "pdf"))

    zh_summary = (month_dir / "batch.json").read_bytes()
    en_plan = batch.plan_batch(paths.DEMO_DATA, MONTH, "en", tmp_path, ["S012"])
    en_plan.notebook = tiny_notebook
    en = batch.run_batch(en_plan, scheduler="sync")
    assert en.count("rendered") == 1 and en.index.status == "rendered", en.failed
    for ext in ("html", "pdf", "ipynb"):
        assert (month_dir / f"S012.en.{ext}").stat().st_size > 0
    assert '<html lang="en"' in (month_dir / "S012.en.html").read_text("utf-8")
    assert {p.name: p.read_bytes() for p in month_dir.glob("S*.*")
            if ".en." not in p.name} == before  # the Chinese files are untouched
    assert not list(month_dir.glob("S001.en.*"))
    stamp = json.loads((month_dir / ".batch" / "S012.en.json").read_text("utf-8"))
    assert stamp["lang"] == "en"
    assert stamp["files"]["pdf"] == batch._digest((month_dir / "S012.en.pdf").read_bytes())
    assert json.loads((month_dir / ".batch" / "S012.json").read_text("utf-8"))["lang"] == "zh"

    # the English batch has its own index and summary; the Chinese summary is untouched
    assert not (month_dir / "index.html").exists()  # the Chinese batch ran without one
    assert (month_dir / "batch.json").read_bytes() == zh_summary
    en_summary = json.loads((month_dir / "batch.en.json").read_text("utf-8"))
    assert [r["store"] for r in en_summary["stores"]] == ["S012"]
    assert [r["store"] for r in json.loads(zh_summary)["stores"]] == ["S001", "S012"]
    links = _links(month_dir / "index.en.html")
    assert {"S001.html", "S001.pdf", "S012.html", "S012.pdf", "S012.en.html",
            "S012.en.pdf"} <= set(links)
    assert not any(h.startswith("S001.en.") for h in links)
    for href in links:
        assert (month_dir / href).is_file(), href
    html = month_dir.joinpath("index.en.html").read_text("utf-8")
    assert '<a href="S012.en.html">EN</a>' in html and '<a href="S012.html">HTML</a>' in html

    # neither language's batch spoils the other's stamps: both are unchanged now
    again_zh = batch.run_batch(_plan(tmp_path, tiny_notebook, ["S001", "S012"]),
                               scheduler="sync", index=False)
    assert again_zh.count("unchanged") == 2
    en_again = batch.plan_batch(paths.DEMO_DATA, MONTH, "en", tmp_path, ["S012"])
    en_again.notebook = tiny_notebook
    assert batch.run_batch(en_again, scheduler="sync", index=False).count("unchanged") == 1
