"""The architecture holds: kpi_lib's layers import only downwards, and modules stay small.

Layers, bottom to top: ``stats`` → ``ingest`` → ``metrics`` → ``analysis`` → ``report`` →
``run``. A module imports modules of its own layer, of layers below it and the base
modules (top-level ``kpi_lib/*.py`` that belong to no layer); a base module imports only
base modules; entry points (the CLI, the demo generators, ``python -m kpi_lib.…`` commands,
the public API in ``__init__``) may import anything and nothing imports them. Imports
inside functions count. No module is longer than 500 lines except the i18n catalogue.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "kpi_lib"
LAYERS = ("stats", "ingest", "metrics", "analysis", "report", "run")
BASE = frozenset({"errors", "paths", "config", "i18n", "formatting", "privacy", "zh_breaks",
                  "atomic", "locks"})
ENTRY = frozenset({"__init__", "__main__", "cli", "timing", "setup_check", "demo", "demo_basics",
                   "demo_tables", "archetypes", "workbook_demo", "kernel", "lab", "warm",
                   "timing_cube", "timing_table"})
MAX_LINES = 500
LONG_ALLOWED = frozenset({"kpi_lib.i18n"})


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 2:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path) -> set[str]:
    """Every kpi_lib module ``name`` imports, at module level or inside a function."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("kpi_lib"):
                continue
            for alias in node.names:  # "from kpi_lib.x import y": y may be a module
                found.add(f"{module}.{alias.name}")
            found.add(module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("kpi_lib")}
    return found


def _where(module: str) -> str:
    """``layer:<name>``, ``base`` or ``entry`` for a kpi_lib module name."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return f"layer:{parts[1]}"
    if len(parts) == 1 or parts[1] in ENTRY:
        return "entry"
    return "base"


def _allowed(src: str, dst: str) -> bool:
    a, b = _where(src), _where(dst)
    if a == "entry":
        return True
    if b == "entry":
        return False
    if a == "base":
        return b == "base"
    if b == "base":
        return True
    return LAYERS.index(b.split(":")[1]) <= LAYERS.index(a.split(":")[1])


def test_every_module_is_placed():
    for name in _modules():
        parts = name.split(".")
        assert len(parts) == 1 or parts[1] in LAYERS or parts[1] in BASE | ENTRY, (
            f"{name}: put it in a layer folder, or list it as base or entry point")


def test_layers_import_only_downwards():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        for target in sorted(_imports(name, path)):
            if target in modules and target != name and not _allowed(name, target):
                wrong.append(f"{name} → {target}")
    assert wrong == []


@pytest.mark.parametrize("src,dst,ok", [
    ("kpi_lib.report.plots", "kpi_lib.metrics.cube", True),
    ("kpi_lib.metrics.cube", "kpi_lib.report.plots", False),
    ("kpi_lib.ingest.warehouse", "kpi_lib.locks", True),
    ("kpi_lib.i18n", "kpi_lib.metrics.registry", False),
    ("kpi_lib.run.batch", "kpi_lib.cli", False),
    ("kpi_lib.cli", "kpi_lib.run.batch", True),
    ("kpi_lib.analysis.traffic", "kpi_lib.analysis.delivery_mix", True),
])
def test_the_rule_itself(src, dst, ok):
    assert _allowed(src, dst) is ok


def test_no_module_over_500_lines():
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
            and name not in LONG_ALLOWED}
    assert long == {}
