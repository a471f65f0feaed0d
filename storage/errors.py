"""Exceptions raised by storage/. Each builds its own message."""

from __future__ import annotations


class StorageError(Exception):
    """Base class for storage errors."""


class DatabaseURLError(StorageError, ValueError):
    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        super().__init__(f"database URL {url!r}: {reason}")


class URLTooLong(StorageError, ValueError):
    """Raised by ``store_article`` when none of an article's URLs fits the URL columns."""

    def __init__(self, url: str, limit: int) -> None:
        self.url = url
        self.limit = limit
        shown = url if len(url) <= 120 else url[:117] + "..."
        super().__init__(f"no URL of the article fits ({limit} characters): {shown} ({len(url)} characters)")


class DatabaseUnwritable(StorageError):
    """The database refuses writes: full, read-only or failing I/O (RELIABILITY.md C4). Every
    later write would fail the same way, so a crawl stops instead of fetching what it cannot store."""

    def __init__(self, database: str, reason: str, detail: str) -> None:
        self.database = database
        #: "is full", "is read-only", "cannot be written (I/O error)"
        self.reason = reason
        super().__init__(f"the database {database} {reason} ({detail})")


#: SQLite result codes (and their extended codes, e.g. SQLITE_READONLY_DBMOVED) -> reason
_SQLITE_REASONS = {"SQLITE_FULL": "is full", "SQLITE_READONLY": "is read-only",
                   "SQLITE_IOERR": "cannot be written (I/O error)"}
#: PostgreSQL SQLSTATEs -> reason
_PG_REASONS = {"53100": "is full", "25006": "is read-only", "58030": "cannot be written (I/O error)"}


def unwritable_reason(exc: BaseException) -> str | None:
    """Why the database refuses writes, if ``exc`` (a DBAPI error, or SQLAlchemy's wrapper of
    one) says it is full, read-only or failing I/O; None for any other error."""
    orig = getattr(exc, "orig", None) or exc
    name = getattr(orig, "sqlite_errorname", None)  # sqlite3 (Python 3.11+)
    if isinstance(name, str):
        for code, reason in _SQLITE_REASONS.items():
            if name == code or name.startswith(code + "_"):
                return reason
    state = getattr(orig, "sqlstate", None)  # psycopg
    return _PG_REASONS.get(state) if isinstance(state, str) else None


def short_error(exc: BaseException) -> str:
    """What went wrong, in one line fit for a log: for a database error the driver's first line
    ("IntegrityError: UNIQUE constraint failed: …"), without SQLAlchemy's SQL statement and
    parameters or the driver's DETAIL lines (PostgreSQL's "Failing row contains (…)" holds the
    row, an article's body among it)."""
    orig = getattr(exc, "orig", None)
    base = orig if isinstance(orig, BaseException) else exc
    first = next((line.strip() for line in str(base).splitlines() if line.strip()), "")
    return f"{type(base).__name__}: {first}" if first else type(base).__name__


def as_unwritable(exc: BaseException, database: str) -> DatabaseUnwritable | None:
    """``exc`` as a DatabaseUnwritable naming ``database``, or None (see unwritable_reason)."""
    if isinstance(exc, DatabaseUnwritable):
        return exc
    reason = unwritable_reason(exc)
    if reason is None:
        return None
    orig = getattr(exc, "orig", None) or exc
    detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return DatabaseUnwritable(database, reason, detail)
