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
