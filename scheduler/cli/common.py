"""Helpers shared by CLI commands."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click
from rich.console import Console
from sqlalchemy import Engine

from scheduler.config import AppConfig, load_config
from storage.db import create_schema, make_engine

console = Console(highlight=False, soft_wrap=True)


def app_config(ctx: click.Context) -> AppConfig:
    obj = ctx.find_root().obj or {}
    if "app_config" not in obj:
        obj["app_config"] = load_config(obj.get("config_file"))
        ctx.find_root().obj = obj
    return obj["app_config"]


def engine_for(config: AppConfig, *, upgrade: bool = True) -> Engine:
    engine = make_engine(config.database_url)
    if upgrade:
        create_schema(engine)
    return engine


def parse_day(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
