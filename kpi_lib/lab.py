"""JupyterLab on the notebooks, for analysts: ``python -m kpi_lib.lab [--port 8888]``.

Run by ``make lab``. The server listens on 127.0.0.1 only (``--ip`` to change), opens
no browser, and prints the URL with its token. It runs as root too (the usual case in a
container), adding ``--allow-root`` then and saying so. Notebooks open with their
``kpi-report`` kernel (also the default for new ones) and jupytext's contents manager,
so ``notebooks/*.py`` open as notebooks and a save writes both files of a pair
(``[tool.jupytext]`` in pyproject.toml: ``ipynb,py:percent``). Starting the server
writes nothing into ``notebooks/``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
from pathlib import Path

from . import paths
from .run.kernelspec import KERNEL_NAME

LOOPBACK = "127.0.0.1"


def running_as_root() -> bool:
    """True for uid 0 (where Jupyter refuses to start without ``--allow-root``)."""
    return getattr(os, "geteuid", lambda: -1)() == 0


def lab_argv(port: int, ip: str = LOOPBACK, *, as_root: bool = False,
             notebooks: Path = paths.NOTEBOOKS) -> list[str]:
    """The ``jupyter lab`` command line (the token goes by environment, not argv).

    >>> lab_argv(8899, as_root=True, notebooks=Path("/nb"))[1:5]
    ['lab', '--no-browser', '--ServerApp.ip=127.0.0.1', '--ServerApp.port=8899']
    >>> lab_argv(8899, as_root=True)[-1]
    '--allow-root'
    >>> "--allow-root" in lab_argv(8899, as_root=False)
    False
    """
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    argv = [
        jupyter, "lab", "--no-browser",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # a busy port is an error, not another URL
        f"--ServerApp.root_dir={notebooks}",
        "--ServerApp.contents_manager_class=jupytext.TextFileContentsManager",
        f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
    ]
    if as_root:
        argv.append("--allow-root")
    return argv


def lab_url(port: int, token: str, ip: str = LOOPBACK) -> str:
    """Where JupyterLab answers.

    >>> lab_url(8888, "abc")
    'http://127.0.0.1:8888/lab?token=abc'
    """
    host = "127.0.0.1" if ip in ("0.0.0.0", "") else ip
    return f"http://{host}:{port}/lab?token={token}"


def main(argv: list[str] | None = None) -> None:
    """Print what is started, then replace this process by ``jupyter lab``."""
    parser = argparse.ArgumentParser(prog="python -m kpi_lib.lab", description=__doc__)
    parser.add_argument("--port", type=int, default=8888, help="port (default 8888)")
    parser.add_argument("--ip", default=LOOPBACK,
                        help="address to listen on (default 127.0.0.1: this machine only)")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"port {args.port} is not between 1 and 65535")
    as_root = running_as_root()
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    if as_root:
        print("running as root: adding --allow-root (Jupyter refuses root without it)")
    print(f"JupyterLab on {paths.NOTEBOOKS} (kernel {KERNEL_NAME}, jupytext pairing "
          f"ipynb + py:percent); stop it with Ctrl-C")
    print(f"open {lab_url(args.port, token, args.ip)}", flush=True)
    env = {**os.environ, "JUPYTER_TOKEN": token}
    cmd = lab_argv(args.port, args.ip, as_root=as_root)
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
