"""Run Alembic migrations programmatically (``carewatch db upgrade``, test fixtures), and check
a database's schema version.

Alembic is imported only to migrate or to read the migration scripts: a crawl, which only checks
the version (:func:`check_schema`), reads it with one SELECT and compares it with ``HEAD``, and
does not pay for importing Alembic and Mako (~0.4 CPU s per crawl process).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
#: the newest migration's revision (tests/test_migrations.py checks it is Alembic's head):
#: a new migration changes it
HEAD = "0002"
#: Alembic's version table
VERSION_TABLE = "alembic_version"


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The database's schema version (what Alembic wrote in its version table), None if none."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def head_revision() -> str | None:
    """The newest revision of the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class SchemaBehind(Exception):
    """The database is not at the newest schema version this code knows."""


def check_schema(engine: Engine) -> None:
    """Raise SchemaBehind (naming the command that fixes it) unless the database is at head."""
    current = current_revision(engine)
    if current != HEAD:
        where = engine.url.render_as_string(hide_password=True)
        found = f"is at schema version {current}" if current else "has no carewatch schema"
        raise SchemaBehind(f"the database {where} {found}, this carewatch needs {HEAD}: "
                           "run `carewatch db upgrade` (or start `carewatch run`, which upgrades it)")
