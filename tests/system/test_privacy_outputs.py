"""Privacy: no customer's full name or phone number in any output of a store report.

The hostile fixture (tests/system/hostile_data.py) gives the leads and visits registers customer
names and phones; the report shows the most overdue leads with both masked. Every output
is searched as a whole: the HTML source, the PDF's text, every part of the xlsx and every
string of the executed notebook (sources, parameters, outputs, metadata; not image data).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest

from tests.system.hostile_data import (
    CUSTOMERS,
    VISIT_CUSTOMERS,
    hostile_report,
    html_text,
    ipynb_strings,
    pdf_text,
    xlsx_parts,
)

SURNAME_LEN = 2  # every test customer has a two-character compound surname (复姓)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict[str, Path]:
    return hostile_report(tmp_path_factory.mktemp("hostile"))


def _xlsx_text(xlsx: Path) -> str:
    """Every cell value of every sheet, the sheet titles, and every part of the file."""
    book = openpyxl.load_workbook(xlsx)
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    return "\n".join([*book.sheetnames, *cells, xlsx_parts(xlsx)])


@pytest.fixture(scope="module")
def outputs(report) -> dict[str, str]:
    """Each output's searchable text, and the same without any whitespace (PDF line wraps)."""
    texts = {
        "html": html_text(report["html"].read_text("utf-8")),
        "pdf": pdf_text(report["pdf"]),
        "xlsx": _xlsx_text(report["xlsx"]),
        "ipynb": ipynb_strings(report["ipynb"]),
    }
    return {k: v + "\n" + re.sub(r"\s+", "", v) for k, v in texts.items()}


def _digits(phone: str) -> str:
    """The national number: digits only, without a leading 86 country code."""
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def _spaced(digits: str) -> re.Pattern[str]:
    """``digits`` with any spaces, dashes, dots or brackets between them."""
    return re.compile(r"[\s\-.()]*".join(digits))


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_input_really_holds_customer_names_and_phones(report):
    leads = _read(report["data"] / "leads.csv")
    visits = _read(report["data"] / "visits.csv")
    people = {(r["customer_name"], r["phone"]) for r in leads if r["customer_name"]}
    assert people == {(name, phone) for name, phone, *_ in CUSTOMERS.values()}
    assert len(people) >= 9
    walked_in = {(r["customer_name"], r["phone"]) for r in visits if r["customer_name"]}
    assert len(walked_in) == len(VISIT_CUSTOMERS) >= 5 and walked_in <= people


@pytest.mark.parametrize("kind", ["html", "pdf", "ipynb"])
def test_the_report_shows_customers_masked(kind, outputs):
    """L01 (open, grade B, last contact 09-02) is overdue at the end of September."""
    text = outputs[kind]
    _, _, masked_name, masked_phone = CUSTOMERS["L01"]
    assert masked_name == "欧阳**" and masked_phone == "138****5678"
    assert masked_name in text and masked_phone in text


@pytest.mark.parametrize("kind", ["html", "pdf", "xlsx", "ipynb"])
def test_no_full_customer_name_or_phone_in_any_output(kind, outputs):
    text = outputs[kind]
    leaks = []
    for lead, (name, phone, _, _) in CUSTOMERS.items():
        given = name[SURNAME_LEN:]  # what masking hides
        digits = _digits(phone)
        checks = {"name": name in text, "given name": given in text, "phone": phone in text,
                  "digits": digits in text, "spaced digits": bool(_spaced(digits).search(text))}
        leaks += [f"{lead} {what}" for what, hit in checks.items() if hit]
    assert leaks == []
