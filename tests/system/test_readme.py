"""The README keeps naming every demo archetype and the two first commands."""

from kpi_lib import paths
from kpi_lib.archetypes import ARCHETYPES, STORE_ARCHETYPES


def test_readme_names_every_archetype_and_store():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    for archetype in ARCHETYPES:
        assert f"`{archetype.code}`" in readme, archetype.code
    for store in STORE_ARCHETYPES:
        assert store in readme, store


def test_readme_starts_with_the_two_commands():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert "make report STORE=S001 MONTH=2026-10" in first_block
    assert "make test" in first_block
