"""Notifiers: how alerts leave carewatch. ``build_notifier(mail_config)`` picks one."""

from __future__ import annotations

from scheduler.notifiers import maildir, smtp
from scheduler.notifiers.base import Notifier, build_notifier

__all__ = ["Notifier", "build_notifier", "maildir", "smtp"]
