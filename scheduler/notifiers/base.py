"""Notifier registry: each kind is one small class registered by ``__init_subclass__``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from email.message import EmailMessage
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from scheduler.config import MailConfig


class Notifier(AbstractContextManager["Notifier"]):
    """Hands messages to a mail system. Use as a context manager around a batch of sends.

    ``send`` raises :class:`scheduler.errors.NotifierError` with ``temporary`` set for
    errors worth retrying (4xx, refused or timed-out connections, full disk) and clear for
    permanent ones (5xx).
    """

    kind: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[Notifier]]] = {}

    def __init_subclass__(cls, *, kind: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind:
            cls.kind = kind
            Notifier.registry[kind] = cls

    def __init__(self, mail: MailConfig) -> None:
        self.mail = mail

    def send(self, message: EmailMessage) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        return self.kind

    def close(self) -> None:
        """Release any connection (the next send reconnects)."""

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def build_notifier(mail: MailConfig) -> Notifier:
    """The notifier ``[mail]`` asks for: SMTP when ``smtp_host`` is set, else Maildir (both
    registered by the package, scheduler/notifiers/__init__.py, whatever imports this module)."""
    return Notifier.registry[mail.notifier](mail)
