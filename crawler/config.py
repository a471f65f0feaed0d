"""Locating, reading and type-checking carewatch.toml (shared by the crawler and the scheduler).

The file is found from an explicit path, else ``CAREWATCH_CONFIG``, else ``./carewatch.toml``
if it exists. With no file at all, carewatch runs on its built-in defaults.

Every table is declared once, as a dataclass whose fields are its keys (type, default and a
``#:`` comment each): ``SourceConfig``, ``Listing``, ``Revisit`` (crawler/sources.py),
``MailConfig``, ``OperatorConfig``, ``ServiceConfig`` (scheduler/config.py), the rule kinds
(scheduler/rules/). ``table_fields`` / ``build`` turn a TOML table into one: unknown keys,
missing required keys and wrong types are a ConfigError naming the file, the table and the key
(and for types, what was expected and what was found). Adding a key = adding a field.
"""

from __future__ import annotations

import os
import tomllib
import types
import typing
from collections.abc import Collection, Iterable, Mapping
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

T = TypeVar("T")

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


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp) if a is not type(None))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if tp is float:
        return "int or float"
    if origin in (tuple, list, frozenset) or tp in (tuple, list):
        return "list"
    if origin is dict or tp is dict or is_dataclass(tp):
        return "table"
    return getattr(tp, "__name__", str(tp))


class _Mismatch(Exception):
    pass


def _convert(value: Any, tp: Any, *, file: Path | str | None, section: str, key: str,
             one_or_many: bool) -> Any:
    """``value`` as type ``tp``; _Mismatch if it is not one (ConfigError for nested tables)."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        for arm in args:
            if arm is type(None):
                continue
            try:
                return _convert(value, arm, file=file, section=section, key=key, one_or_many=one_or_many)
            except _Mismatch:
                continue
        raise _Mismatch
    if origin is Literal:
        if value in args:
            return value
        raise ConfigError(file, section, f"key {key!r} must be {_type_name(tp)}, not {value!r}")
    if tp in (bool, int, float, str):
        # a float key takes an int too; a bool (an int to Python) is never a number
        if isinstance(value, (int, float) if tp is float else tp) and (tp is bool or not isinstance(value, bool)):
            return tp(value)
        raise _Mismatch
    if origin in (tuple, list, frozenset):
        if one_or_many and isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise _Mismatch
        item_type = args[0] if args else Any
        out = []
        for n, item in enumerate(value):
            if is_dataclass(item_type):
                if not isinstance(item, dict):
                    raise ConfigError(file, section, f"key {key!r}: item {n} must be a table, "
                                                     f"not {type(item).__name__}")
                out.append(build(item_type, item, file=file, section=f"{section}.{key}[{n}]"))  # type: ignore[arg-type]
                continue
            try:
                out.append(_convert(item, item_type, file=file, section=section, key=key, one_or_many=False))
            except _Mismatch:
                raise ConfigError(file, section, f"key {key!r}: item {n} must be {_type_name(item_type)}, "
                                                 f"not {type(item).__name__}") from None
        return origin(out)
    if origin is dict:
        if not isinstance(value, dict):
            raise _Mismatch
        value_type = args[1] if len(args) == 2 else Any
        sub = f"{section}.{key}"
        converted = {}
        for k, v in value.items():
            try:
                converted[k] = _convert(v, value_type, file=file, section=sub, key=k, one_or_many=False)
            except _Mismatch:
                raise ConfigError(file, sub, f"key {k!r} must be {_type_name(value_type)}, "
                                             f"not {type(v).__name__}") from None
        return converted
    if is_dataclass(tp):
        if not isinstance(value, dict):
            raise _Mismatch
        return build(tp, value, file=file, section=f"{section}.{key}")  # type: ignore[arg-type]
    raise TypeError(f"config field {section}.{key}: unsupported type {tp!r}")  # a bug, not bad input


def table_fields(cls: type, data: Mapping[str, Any], *, file: Path | str | None, section: str,
                 exclude: Collection[str] = (), aliases: Mapping[str, str] | None = None,
                 one_or_many: bool = False) -> dict[str, Any]:
    """The keys of TOML table ``data``, checked against dataclass ``cls`` and converted to its
    field types (lists become tuples where the field is a tuple, tables nested dataclasses).

    ``exclude``: fields that are not keys (filled by the loader); ``aliases``: key -> field
    name (``from`` -> ``sender``); ``one_or_many``: a single string is accepted for a list.
    Only keys present are returned (merging with defaults is the caller's).
    """
    if not isinstance(data, dict):
        raise ConfigError(file, section, "must be a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls) if f.init and f.name not in exclude}
    by_key = {k: v for k, v in (aliases or {}).items() if v in names}
    by_key.update({n: n for n in names if n not in by_key.values()})
    check_keys(data, by_key, file=file, section=section)
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = by_key[key]
        try:
            out[name] = _convert(value, hints[name], file=file, section=section, key=key, one_or_many=one_or_many)
        except _Mismatch:
            raise ConfigError(file, section, f"key {key!r} must be {_type_name(hints[name])}, "
                                             f"not {type(value).__name__}") from None
    return out


def build(cls: type[T], data: Mapping[str, Any], *, file: Path | str | None, section: str,
          exclude: Collection[str] = (), aliases: Mapping[str, str] | None = None,
          **given: Any) -> T:
    """Dataclass ``cls`` from TOML table ``data`` (see table_fields); a field without a
    default that is neither in ``data`` nor ``given`` is a "missing key" error."""
    values = table_fields(cls, data, file=file, section=section, exclude=exclude, aliases=aliases)
    for f in fields(cls):  # type: ignore[arg-type]
        if f.init and f.name not in values and f.name not in given and f.default is MISSING \
                and f.default_factory is MISSING:
            key = next((k for k, v in (aliases or {}).items() if v == f.name), f.name)
            raise ConfigError(file, section, f"missing key {key!r}")
    return cls(**values, **given)
