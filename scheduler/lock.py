"""Single-instance guard for ``carewatch run`` (RELIABILITY.md D3).

SQLite: ``fcntl.flock`` on a lock file next to the database (released by the kernel when the
process dies, so a crash never leaves a stale lock). PostgreSQL: a session-level
``pg_try_advisory_lock`` held on a dedicated connection for the life of the service (released by
the server when that connection ends).

PostgreSQL's advisory locks belong to a database, but a carewatch install is a schema: several
installs (or test runs, one schema each) may share one database in different schemas. The key is
therefore derived from the schema the engine works in, ``current_schema()`` (the first existing
schema of its search_path, e.g. set with ``?options=-csearch_path=NAME`` in the URL), by
:func:`storage.db.schema_lock_key`: two services on one schema exclude each other, services on two schemas
do not.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.engine import make_url

from scheduler.errors import AlreadyRunning
from storage.db import schema_lock_key

#: the service lock's name; its key is derived from it and the schema (storage.db.schema_lock_key)
PG_LOCK_NAME = "carewatch.service"


def service_lock_key(conn: Connection) -> tuple[int, str]:
    """The service lock's key in the schema ``conn`` works in, and that schema's name."""
    key, schema = conn.execute(select(schema_lock_key(PG_LOCK_NAME), func.current_schema())).one()
    return int(key), schema or ""


def default_lock_path(database_url: str) -> Path:
    url = make_url(database_url)
    db = url.database or ""
    if url.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:"):
        return Path(db).with_name(Path(db).name + ".lock")
    return Path("data/carewatch.lock")


class ServiceLock:
    """Held while the service runs; ``acquire`` raises AlreadyRunning if another holds it."""

    def __init__(self, engine: Engine, lock_file: str | Path | None = None) -> None:
        self.engine = engine
        self.path = Path(lock_file) if lock_file else default_lock_path(str(engine.url))
        self._fh: IO[str] | None = None
        self._conn: Connection | None = None
        self._key: int | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self) -> None:
        if self.postgres:
            conn = self.engine.connect()
            key, schema = service_lock_key(conn)
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                conn.close()
                raise AlreadyRunning(f"PostgreSQL advisory lock {key} (schema {schema})")
            conn.commit()
            self._conn = conn
            self._key = key
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or None
            fh.close()
            raise AlreadyRunning(str(self.path), f"pid {holder}" if holder else None) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh

    def holder(self) -> str | None:
        """Who holds the lock (for ``carewatch status``), without taking it; None if free."""
        if self.postgres:
            with self.engine.connect() as conn:
                key, _ = service_lock_key(conn)
                # pg_locks shows a bigint key as its high and low 32 bits (objsubid 1)
                held = conn.execute(text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                    "AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"),
                    {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF}).first()
            return f"backend {held[0]}" if held else None
        if not self.path.exists():
            return None
        with self.path.open("r") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return f"pid {fh.read().strip() or '?'}"
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            return None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            finally:
                self._conn.close()
                self._conn = None
                self._key = None
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
