"""Engines and transactions.

SQLite (the default) gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` write transactions so
that the scheduler and several crawl children can write at once (RELIABILITY.md C1,
appendix A). Any other SQLAlchemy URL (PostgreSQL when scaled out) is used as given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    create_engine,
    event,
    inspect,
    literal_column,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseUnwritable, DatabaseURLError, as_unwritable

DEFAULT_DATABASE_URL = "sqlite:///data/carewatch.db"
DATABASE_URL_ENV = "CAREWATCH_DATABASE_URL"


def resolve_database_url(url: str | None = None) -> str:
    """The URL to use: explicit argument, else ``CAREWATCH_DATABASE_URL``, else the default."""
    return url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with carewatch's connection settings.

    For a SQLite file the parent folder is created, and every connection runs in WAL mode
    with ``busy_timeout``; transactions begin with ``BEGIN IMMEDIATE`` (writers) or a plain
    ``BEGIN`` (``read_only=True``, which also opens the file read-only).

    Every engine hides the parameters of a failed statement from its errors
    (``hide_parameters``): they hold article bodies, and errors end up in logs.
    """
    url = resolve_database_url(url)
    kwargs.setdefault("hide_parameters", True)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(url, "not a valid SQLAlchemy URL") from exc
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)

    db = parsed.database
    # a file (not :memory: nor a file: URI) gets its folder created, WAL and the read-only mode
    path = Path(db) if db and db != ":memory:" and not db.startswith("file:") else None
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("timeout", 30)
    if path is not None:
        if read_only:
            url = f"sqlite:///file:{path}?mode=ro&uri=true"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (SQLAlchemy pysqlite recipe)
        cur = dbapi_conn.cursor()
        if path is not None and not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # read index pages through the page cache instead of copying them: keeps the LSH
            # band lookup flat as the archive grows (benchmarks/bench_dedup.py)
            cur.execute("PRAGMA mmap_size=268435456")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One short transaction: commit on success, roll back and re-raise on error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def unwritable(engine: Engine, exc: BaseException) -> DatabaseUnwritable | None:
    """``exc`` as a DatabaseUnwritable naming ``engine``'s database if it says the database is
    full, read-only or failing I/O; None for any other error."""
    return as_unwritable(exc, engine.url.render_as_string(hide_password=True))


def create_schema(engine: Engine) -> None:
    """Bring the schema to the newest version (Alembic ``upgrade head``)."""
    from storage.migrate import upgrade

    upgrade(engine)


def connection_for(session: Session) -> Connection:
    """The session's connection, for Core statements in its transaction.

    Flushes first when the session autoflushes, as ``Session.execute`` would: pending ORM
    objects are visible to the statements that follow. Core statements on the connection skip
    the ORM's per-statement work (storage.repository.store_article runs a dozen per article).
    """
    if session.autoflush:
        session.flush()
    return session.connection()


def expire_loaded(session: Session, *models: type) -> None:
    """After Core UPDATE/DELETE statements on the tables of ``models``: expire the instances of
    ``models`` that the session holds (unmodified ones), so they reload instead of going stale.

    Free when the session holds no objects, as in the crawl's writer.
    """
    if not len(session.identity_map):
        return
    for obj in list(session.identity_map.values()):
        if isinstance(obj, models) and not inspect(obj).modified:
            session.expire(obj)


def schema_lock_key(name: str) -> ColumnElement[int]:
    """PostgreSQL advisory lock key of lock ``name`` in the schema the connection works in.

    Advisory locks belong to a database, but a carewatch install is a schema (several installs,
    or test runs, may share a database): the key is the first 64 bits of
    MD5(``name:current_schema()``), so one lock excludes within a schema and not across
    schemas. MD5 only spreads the names over the key space; nothing here is secret."""
    if not name.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"lock name {name!r}: letters, digits, dots and underscores only")
    return literal_column(
        f"('x' || left(md5('{name}:' || coalesce(current_schema(), '')), 16))::bit(64)::bigint", BigInteger)
