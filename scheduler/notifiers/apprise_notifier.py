"""Alerts to chat and webhooks through Apprise: a rule's recipient may be an Apprise URL
(``msteams://…``, ``slack://…``, ``json://host/path``, ``discord://…``) beside email addresses.

Deliveries to such a recipient go through the same outbox as email (one row per rule x item x
recipient, claimed, sent, marked; retried with backoff; dead after ``give_up_hours``): the
dispatcher hands them to :class:`AppriseNotifier` instead of the mail notifier. Apprise says
only whether a post worked, so a failed post is retried (temporary); a URL Apprise does not
understand is permanent.
"""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage

from scheduler.errors import NotifierError

logger = logging.getLogger(__name__)

#: scheme://rest, as Apprise URLs are written (mailto: addresses stay email)
_URL = re.compile(r"^[a-z][a-z0-9+.-]{1,31}://\S+$", re.IGNORECASE)


def is_apprise_url(recipient: str) -> bool:
    """True for an Apprise URL recipient (anything ``scheme://…``), False for an email address."""
    return bool(_URL.match(recipient))


def redact(url: str) -> str:
    """The URL's scheme and host only: the rest holds tokens, never logged or stored in errors."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('@')[-1]}/…"


def _plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    content = part.get_content()  # type: ignore[attr-defined]
    return str(content).strip()


class AppriseNotifier:
    """Posts an alert's subject and plain-text body to an Apprise URL."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    def send_to(self, url: str, message: EmailMessage) -> None:
        import apprise

        sender = apprise.Apprise()
        if not sender.add(url):
            raise NotifierError(f"not an Apprise URL Apprise can use: {redact(url)}", temporary=False)
        title = str(message["Subject"] or "carewatch")
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = sender.notify(body=_plain_body(message) or title, title=title)
        if not ok:
            detail = " ".join(str(captured.getvalue()).split())[:300] if captured else ""
            raise NotifierError(f"Apprise post to {redact(url)} failed" + (f": {detail}" if detail else ""),
                                temporary=True)
        logger.info("posted %s to %s", message["Message-ID"], redact(url))
