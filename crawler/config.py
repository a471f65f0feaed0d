"""Locating and reading carewatch.toml (shared by the crawler and the scheduler).

The file is found from an explicit path, else ``CAREWATCH_CONFIG``, else ``./carewatch.toml``
if it exists. With no file at all, carewatch runs on its built-in defaults.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

CONFIG_ENV = "CAREWATCH_CONFIG"
DEFAULT_CONFIG_NAME = "carewatch.toml"
#: keys of the [crawler] table
CRAWLER_KEYS = frozenset({"contact", "user_agent", "pdf_max_mb"})


class ConfigError(ValueError):
    """A configuration problem, naming the file, the section and the key at fault."""

    def __init__(self, file: str | Path | None, section: str | None, message: str) -> None:
        self.file = str(file) if file else "<built-in>"
        self.section = section
        where = f"{self.file}: [{section}]" if section else self.file
        super().__init__(f"{where}: {message}")


def config_path(explicit: str | Path | None = None) -> Path | None:
    """The configuration file to read, or None when there is none (built-in defaults)."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(path, None, "configuration file not found")
        return path
    env = os.environ.get(CONFIG_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(path, None, f"configuration file not found (from ${CONFIG_ENV})")
        return path
    path = Path.cwd() / DEFAULT_CONFIG_NAME
    return path if path.is_file() else None


def load_toml(path: Path | None) -> dict[str, Any]:
    """Parse ``path`` (empty mapping for None), turning syntax errors into ConfigError."""
    if path is None:
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(path, None, f"cannot be read: {exc.strerror}") from exc


def check_keys(
    data: Mapping[str, Any], allowed: Iterable[str], *, file: Path | str | None, section: str
) -> None:
    """Raise ConfigError for the first key of ``data`` not in ``allowed``."""
    allowed = sorted(allowed)
    for key in data:
        if key not in allowed:
            raise ConfigError(
                file, section, f"unknown key {key!r}; expected one of: {', '.join(allowed)}"
            )


def expect_type(
    value: Any, types: type | tuple[type, ...], *, file: Path | str | None, section: str, key: str
) -> Any:
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise ConfigError(file, section, f"key {key!r} must be {names}, not {type(value).__name__}")
    return value
