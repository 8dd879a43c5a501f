"""What every printed report must show about its fonts, for either PDF engine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from kpi_lib.run.report_profile import fonts_embedded

#: Page 1's footer as pdftotext gives it. WeasyPrint's wider word spacing keeps the spaces
#: of "第 1 页 / 共 2 页"; Chromium ignores word-spacing in page-margin boxes, and pdftotext
#: reads its evenly spaced footer of a short report as "第1页/共2页" (letter spacing).
FIRST_PAGE_FOOTER = re.compile(r"第 ?1 ?页 ?/ ?共 ?\d+ ?页")


def assert_cjk_font_embedded(pdf: Path) -> None:
    """The PDF's Chinese glyphs are embedded and extract as text (``pdffonts``).

    WeasyPrint embeds a subset named after the family ("ABCDEF+Noto-Sans-CJK-SC");
    Chromium (Skia) draws the CFF-based Noto Sans CJK as unnamed Type 3 fonts, embedded and
    with a ToUnicode map ("uni yes"), so text search still works.
    """
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    rows = fonts.splitlines()[2:]
    named = [ln for ln in rows if "NotoSansCJK" in re.sub(r"[\s-]", "", ln)]
    type3 = [ln for ln in rows if " Type 3 " in ln]
    assert named or type3, fonts
    assert fonts_embedded(pdf), fonts  # every font: embedded, with a Unicode map
