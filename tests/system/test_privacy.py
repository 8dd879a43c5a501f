"""Masking of customer names and phone numbers (kpi_lib.privacy)."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi_lib.privacy import mask_name, mask_phone, mask_series


@pytest.mark.parametrize(("name", "masked"), [
    ("张伟", "张*"),
    ("王小明", "王**"),
    ("欧阳娜娜", "欧阳**"),
    ("司马光", "司马*"),
    ("欧阳", "欧*"),  # a two-character name keeps one character even if it is a 复姓
    ("王", "*"),
    (" 李四 ", "李*"),
    ("John Smith", "J*** *****"),
])
def test_names_keep_only_the_surname(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("missing", [None, float("nan"), "", "  ", pd.NA])
def test_missing_values_stay_missing(missing):
    assert mask_name(missing) is None
    assert mask_phone(missing) is None


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),
    ("+86 138-1234-5678", "138****5678"),
    ("8613812345678", "138****5678"),
    (13812345678.0, "138****5678"),  # read from a spreadsheet as a number
    ("13812345678.0", "138****5678"),
    ("021-5550 1234", "*******1234"),
    ("12345678", "****5678"),
    ("12345", "*****"),
    ("未留电话", "***"),
])
def test_phones_keep_prefix_and_last_four(phone, masked):
    assert mask_phone(phone) == masked


def test_series_masking_keeps_the_index():
    out = mask_series(pd.Series(["张伟", None], index=[5, 7]), "name")
    assert list(out.index) == [5, 7]
    assert out.iloc[0] == "张*" and out.iloc[1] is None
    assert list(mask_series(pd.Series(["13812345678"]), "phone")) == ["138****5678"]
