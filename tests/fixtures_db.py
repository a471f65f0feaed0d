"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

``db_url`` is parametrised over ``sqlite`` (a file in ``tmp_path``) and ``postgresql`` (a fresh
schema in the database ``test`` on 127.0.0.1:5432, reached with ``options=-csearch_path=…`` in
the URL, so child processes given the URL land in the same schema; dropped afterwards). Other
test runs use the same server at the same time: nothing is created outside the test's schema.
PostgreSQL tests are skipped, with the reason, when the server or psycopg is missing.

``pg_schemas`` makes several schemas in the one database (two installs side by side).

``engine`` is a migrated engine on ``db_url``. Tests that only make sense on SQLite take
``sqlite_url`` / ``sqlite_engine``; ``pg_url`` is the PostgreSQL variant alone.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from sqlalchemy import Engine

from storage.db import create_schema, make_engine

if TYPE_CHECKING:
    import psycopg

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


@functools.cache
def _pg_unavailable() -> str | None:
    """Why PostgreSQL tests cannot run (None: they can). Asked once per test session."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    try:
        psycopg.connect(_PG_DSN, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL is not reachable at 127.0.0.1:5432 (database test): {exc}".strip()
    return None


def pg_schema_url(schema: str) -> str:
    """The URL of ``schema`` in the test database (its search path set per connection)."""
    return f"{PG_SERVER}?options={quote(f'-csearch_path={schema}')}"


@functools.cache
def _pg_admin() -> psycopg.Connection[tuple[object, ...]]:
    import psycopg

    conn = psycopg.connect(_PG_DSN, autocommit=True)
    # a test that leaked a connection in a transaction must not hang the suite at DROP SCHEMA
    conn.execute("SET lock_timeout = '20s'")
    return conn


@pytest.fixture
def pg_schemas() -> Iterator[Callable[[], str]]:
    """Makes fresh, empty schemas in the PostgreSQL test database (the URL of each); all are
    dropped afterwards. For tests of two carewatch installs sharing one database."""
    reason = _pg_unavailable()
    if reason:
        pytest.skip(reason)
    admin = _pg_admin()
    made: list[str] = []

    def new_schema() -> str:
        schema = f"cw_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE SCHEMA "{schema}"')
        made.append(schema)
        return pg_schema_url(schema)

    try:
        yield new_schema
    finally:
        for schema in made:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_url(pg_schemas: Callable[[], str]) -> str:
    """A fresh, empty schema of its own in the PostgreSQL test database; dropped afterwards."""
    return pg_schemas()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'carewatch.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database: a SQLite file, or a PostgreSQL schema of the test's own."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


def _migrated(url: str) -> Iterator[Engine]:
    eng = make_engine(url)
    try:
        create_schema(eng)
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on ``db_url`` (both databases)."""
    yield from _migrated(db_url)


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated engine on a SQLite file, for tests of SQLite's own behaviour."""
    yield from _migrated(sqlite_url)
