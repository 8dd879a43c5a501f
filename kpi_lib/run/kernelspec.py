"""The Jupyter kernel that runs the report notebooks: this very interpreter.

``python -m kpi_lib.kernel`` (run by ``make setup``; entry point :mod:`kpi_lib.kernel`)
installs a kernelspec named ``kpi-report`` into ``sys.prefix`` whose command is the
absolute path of this Python, so papermill and nbval run the notebooks with the project's
packages, whatever other "python3" kernels the machine or the user has.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KERNEL_NAME = "kpi-report"


def kernelspec_dir() -> Path:
    """Where the kernelspec lives (inside the environment, not the user's home)."""
    return Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def install() -> Path:
    """Write (or refresh) the kernelspec; return its folder."""
    folder = kernelspec_dir()
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (kpi_lib)",
        "language": "python",
        "env": {"PYTHONNOUSERSITE": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"},
        "metadata": {"debugger": True},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return folder
