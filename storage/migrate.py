"""Run Alembic migrations programmatically (``carewatch db upgrade``, test fixtures)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class SchemaBehind(Exception):
    """The database is not at the newest schema version this code knows."""


def check_schema(engine: Engine) -> None:
    """Raise SchemaBehind (naming the command that fixes it) unless the database is at head."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        found = f"is at schema version {current}" if current else "has no carewatch schema"
        raise SchemaBehind(f"the database {where} {found}, this carewatch needs {head}: "
                           "run `carewatch db upgrade` (or start `carewatch run`, which upgrades it)")
