"""Maildir delivery (the default when no SMTP server is configured)."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

from scheduler.errors import NotifierError
from scheduler.notifiers.base import Notifier


class MaildirNotifier(Notifier, kind="maildir"):
    """Writes each alert into a local Maildir (readable by any mail client)."""

    def describe(self) -> str:
        return f"maildir {Path(self.mail.maildir).resolve()}"

    def send(self, message: EmailMessage) -> None:
        try:
            Path(self.mail.maildir).parent.mkdir(parents=True, exist_ok=True)  # Maildir makes one level only
            box = mailbox.Maildir(self.mail.maildir, create=True)
            box.add(message)
        except OSError as exc:  # disk full, permissions: worth retrying once fixed
            raise NotifierError(f"cannot write to maildir {self.mail.maildir}: {exc}", temporary=True) from exc
