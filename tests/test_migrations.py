"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from storage.db import make_engine
from storage.migrate import (
    HEAD,
    SchemaBehind,
    check_schema,
    current_revision,
    head_revision,
    upgrade,
)
from storage.models import Base
from storage.search import is_search_object

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        opts = {"compare_type": True,
                "include_name": lambda name, type_, parents: not is_search_object(name, type_, parents)}
        return compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)


def test_migration_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert diff(engine) == []


def test_the_schema_check_knows_the_newest_migration() -> None:
    # check_schema compares a database with HEAD without reading the scripts: HEAD must follow them
    assert HEAD == head_revision()


def test_a_database_behind_the_newest_migration_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    upgrade(engine, "0001")
    with pytest.raises(SchemaBehind, match=f"is at schema version 0001, this carewatch needs {HEAD}"):
        check_schema(engine)
    upgrade(engine)
    check_schema(engine)
    engine.dispose()
