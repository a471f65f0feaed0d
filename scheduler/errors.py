"""Exceptions raised by scheduler/. Each builds its own message."""

from __future__ import annotations

from crawler.config import ConfigError

__all__ = ["ConfigError", "NotifierError", "AlreadyRunning"]


class NotifierError(Exception):
    """A message could not be handed to the mail system; ``temporary`` says whether to retry."""

    def __init__(self, message: str, *, temporary: bool, connection: bool = False) -> None:
        self.temporary = temporary
        #: the mail system itself is unreachable (no point trying the next message now)
        self.connection = connection
        super().__init__(message)


class AlreadyRunning(RuntimeError):
    def __init__(self, lock: str, holder: str | None = None) -> None:
        who = f" (held by {holder})" if holder else ""
        super().__init__(f"another carewatch service is already running against this database: lock {lock}{who}")
