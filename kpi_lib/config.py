"""Configuration from ``params/*.yml``, validated on load with plain messages."""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import paths
from .errors import KpiError


class ConfigError(KpiError):
    """A file in params/ is malformed or names something unknown."""


def load_yaml(name: str, folder: Path | None = None) -> dict[str, Any]:
    """Read ``params/<name>`` as a mapping, or raise ConfigError saying what is wrong."""
    path = (folder or paths.PARAMS) / name
    try:
        loaded = copy.deepcopy(_parsed(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return loaded


@lru_cache(maxsize=64)
def _parsed(source: str) -> Any:
    """``source`` parsed as YAML (remembered by its text: a report reads the same files
    dozens of times; callers get a deep copy)."""
    return yaml.safe_load(source)
