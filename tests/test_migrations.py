"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from storage.migrate import current_revision, head_revision
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
