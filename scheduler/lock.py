"""Single-instance guard for ``carewatch run`` (RELIABILITY.md D3).

SQLite: ``fcntl.flock`` on a lock file next to the database (released by the kernel when the
process dies, so a crash never leaves a stale lock). PostgreSQL: a session-level
``pg_try_advisory_lock`` held on a dedicated connection for the life of the service.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from scheduler.errors import AlreadyRunning

PG_LOCK_KEY = 0x63617265  # "care"


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

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self) -> None:
        if self.postgres:
            conn = self.engine.connect()
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar():
                conn.close()
                raise AlreadyRunning(f"PostgreSQL advisory lock {PG_LOCK_KEY}")
            conn.commit()
            self._conn = conn
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
                held = conn.execute(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' "
                                         "AND objid = :k AND granted"), {"k": PG_LOCK_KEY}).first()
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
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            finally:
                self._conn.close()
                self._conn = None
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
