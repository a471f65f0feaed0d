"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from storage.db import make_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base
from storage.search import is_search_object

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        opts = {"compare_type": True,
                "include_name": lambda name, type_, parents: not is_search_object(name, type_, parents)}
        return compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)


def test_sqlite_migration_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert diff(engine) == []


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = f"cw_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc.orig}")
    eng = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_migration_matches_the_models(pg_engine: Engine) -> None:
    upgrade(pg_engine)
    assert current_revision(pg_engine) == head_revision()
    assert diff(pg_engine) == []
