"""Helpers shared by CLI commands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import click
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from scheduler.config import AppConfig, load_config
from storage.db import create_schema, make_engine
from storage.errors import StorageError

console = Console(highlight=False, soft_wrap=True)
UPGRADE_HINT = "create or update it with `carewatch db upgrade`"


class DatabaseUnavailable(StorageError):
    """The configured database cannot be used: a bad URL, unreachable, refused, or not made yet."""

    def __init__(self, url: str, reason: str) -> None:
        try:
            shown = make_url(url).render_as_string(hide_password=True)
        except ArgumentError:
            shown = url
        super().__init__(f"database {shown}: {reason}")


def database_error(url: str, exc: BaseException) -> DatabaseUnavailable:
    """One line saying why ``url`` cannot be used, from a driver or SQLAlchemy error."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        detail = str(exc.orig).strip().splitlines()[0]
        detail = detail.removeprefix("connection failed: ").replace("FATAL:  ", "")
    elif isinstance(exc, ArgumentError) and "Can't load plugin" in str(exc):
        backend = str(exc).rsplit(":", 1)[-1]
        hint = " (PostgreSQL URLs start postgresql://)" if backend == "postgres" else ""
        detail = f"unknown kind of database {backend!r}{hint}"
    elif isinstance(exc, ModuleNotFoundError):
        detail = f"its driver is not installed ({exc.name})"
    else:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DatabaseUnavailable(url, detail)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases, in-memory or ``file:`` URIs)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    db = parsed.database
    if parsed.get_backend_name() != "sqlite" or not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def app_config(ctx: click.Context) -> AppConfig:
    obj = ctx.find_root().obj or {}
    if "app_config" not in obj:
        obj["app_config"] = load_config(obj.get("config_file"))
        ctx.find_root().obj = obj
    return obj["app_config"]


def open_engine(url: str) -> Engine:
    """``make_engine(url)``, with a bad URL or a missing driver as one DatabaseUnavailable."""
    try:
        return make_engine(url)
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise database_error(url, exc) from None


def engine_for(config: AppConfig, *, upgrade: bool = False) -> Engine:
    """An engine for the configured database.

    ``upgrade=True`` (commands that write: ``crawl``): create the database or migrate it to
    the newest schema. Otherwise (read-only commands) nothing is created: a database that does
    not exist yet, or has an older schema, is an error saying how to make it.
    """
    from storage.migrate import current_revision, head_revision

    url = config.database_url
    if not upgrade:
        path = sqlite_file(url)
        if path is not None and not path.is_file():
            raise DatabaseUnavailable(url, f"there is none at {path}; {UPGRADE_HINT}")
    engine = open_engine(url)
    try:
        if upgrade:
            create_schema(engine)
        else:
            current, head = current_revision(engine), head_revision()
            if current != head:
                engine.dispose()
                state = "has no carewatch tables" if current is None else f"has schema {current}, not {head}"
                raise DatabaseUnavailable(url, f"{state}; {UPGRADE_HINT}")
    except DBAPIError as exc:
        engine.dispose()
        raise database_error(url, exc) from None
    return engine


def parse_date(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option's value (None when not given); anything else is a usage error."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def parse_day(value: str | None, option: str) -> datetime | None:
    """``parse_date``, as the start of that day (UTC)."""
    day = parse_date(value, option)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
