"""The outbox dispatcher: send due deliveries, retry with backoff, give up loudly.

Each message is claimed in one short transaction (rendered from what storage holds), sent
outside any transaction, then marked in another. Temporary failures (4xx, refused or timed
out connections) are retried after ``retry_base_seconds`` x 3^(attempt-1), capped at
``retry_max_seconds``, with ±10 % jitter; a permanent failure (5xx), or a delivery still
failing after ``give_up_hours``, is marked dead and the operator told. One recipient's
failure never blocks another's message; an unreachable server ends the pass early.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from scheduler.alerts import load_candidate
from scheduler.config import AppConfig, MailConfig
from scheduler.errors import NotifierError
from scheduler.messages import digest_message, item_message, message_id_for, operator_message
from scheduler.notifiers import Notifier, build_notifier
from scheduler.notifiers.apprise_notifier import AppriseNotifier, is_apprise_url
from scheduler.operator import OPERATOR_RULE, notify_operator
from storage.db import session_scope
from storage.models import Delivery, OperatorEvent
from storage.outbox import BATCH, claim_next, mark_dead, mark_retry, mark_sent

logger = logging.getLogger(__name__)


@dataclass
class DispatchSummary:
    sent: int = 0
    retried: int = 0
    dead: int = 0


def backoff(mail: MailConfig, attempts: int, *, rng: random.Random | None = None) -> timedelta:
    delay = min(mail.retry_base_seconds * 3 ** max(attempts - 1, 0), mail.retry_max_seconds)
    return timedelta(seconds=delay * (rng or random).uniform(0.9, 1.1))


class RenderError(Exception):
    """The item a delivery refers to cannot be turned into a message."""


def render(session: Session, config: AppConfig, rows: list[Delivery]) -> EmailMessage:
    """The message owed for claimed ``rows`` (one row, or one batch)."""
    first = rows[0]
    sender = config.mail.sender
    if first.item_kind == "operator":
        event = session.get(OperatorEvent, first.item_id)
        if event is None:
            raise RenderError(f"operator event {first.item_id} is gone")
        return operator_message(event.subject, event.body, sender=sender, recipient=first.recipient,
                                message_id=message_id_for("delivery", first.id, sender))
    candidates = [load_candidate(session, config, r.item_kind, r.item_id) for r in rows]
    items = [c for c in candidates if c is not None]
    if not items:
        raise RenderError(f"{first.item_kind} {first.item_id} is gone")
    if first.mode == BATCH:
        title = "daily digest" if (first.batch or "").startswith("digest:") else "alert digest"
        return digest_message(items, sender=sender, recipient=first.recipient, title=title,
                              message_id=message_id_for("batch", min(r.id for r in rows), sender))
    return item_message(items[0], sender=sender, recipient=first.recipient, rule=first.rule,
                        message_id=message_id_for("delivery", first.id, sender))


def stamp(message: EmailMessage, mail: MailConfig) -> EmailMessage:
    """Headers fixed when a message leaves: ``Date`` (RFC 5322 requires it; now) and the
    ``From`` with the configured name and address."""
    del message["Date"]
    message["Date"] = format_datetime(datetime.now(UTC))
    del message["From"]
    message["From"] = mail.from_header()
    return message


def _fail(engine: Engine, config: AppConfig, rows: list[tuple[int, str, int, datetime]],
          err: NotifierError, message: EmailMessage | None) -> bool:
    """Record a failed send; True if retried, False if dead."""
    ids = [r[0] for r in rows]
    rule, attempts, created = rows[0][1], rows[0][2], rows[0][3]
    too_old = datetime.now(UTC) - created.astimezone(UTC) > timedelta(hours=config.mail.give_up_hours)
    with session_scope(engine) as session:
        if err.temporary and not too_old:
            mark_retry(session, ids, delay=backoff(config.mail, attempts), error=str(err),
                       message_id=message["Message-ID"] if message else None,
                       subject=message["Subject"] if message else None)
            logger.warning("delivery %s failed (attempt %d), will retry: %s", ids, attempts, err)
            return True
        reason = str(err) if not too_old else f"gave up after {config.mail.give_up_hours:g} h: {err}"
        mark_dead(session, ids, error=reason)
        logger.error("delivery %s dead: %s", ids, reason)
        if rule != OPERATOR_RULE:  # never an operator note about an operator note
            recipient = message["To"] if message else "?"
            notify_operator(session, config, kind="delivery_dead",
                            subject=f"alert to {recipient} could not be delivered",
                            body=f"Deliveries {ids} (rule {rule}) were marked dead: {reason}\n"
                                 f"Subject: {message['Subject'] if message else '-'}")
        return False


def dispatch_due(engine: Engine, config: AppConfig, notifier: Notifier | None = None, *,
                 max_messages: int = 200) -> DispatchSummary:
    """Send what is due now; returns counts. Safe to call often (``max_instances=1`` job)."""
    summary = DispatchSummary()
    notifier = notifier or build_notifier(config.mail)
    apprise_notifier = AppriseNotifier(timeout=config.mail.timeout)
    with notifier:
        for _ in range(max_messages):
            message: EmailMessage | None = None
            with session_scope(engine) as session:
                rows = claim_next(session)
                if not rows:
                    break
                info = [(r.id, r.rule, r.attempts, r.created_at) for r in rows]
                recipient = rows[0].recipient
                try:
                    message = render(session, config, rows)
                except (RenderError, ValueError) as exc:
                    unrenderable = NotifierError(f"cannot render: {exc}", temporary=False)
            if message is None:  # render raised: the claim is committed, the delivery marked dead
                _fail(engine, config, info, unrenderable, None)
                summary.dead += 1
                continue
            try:
                if is_apprise_url(recipient):  # msteams://, slack://, json://…: same outbox, other channel
                    apprise_notifier.send_to(recipient, message)
                else:
                    notifier.send(stamp(message, config.mail))
            except NotifierError as err:
                if _fail(engine, config, info, err, message):
                    summary.retried += 1
                else:
                    summary.dead += 1
                if err.connection:
                    break  # the server is unreachable: the rest stay pending for the next pass
                continue
            with session_scope(engine) as session:
                mark_sent(session, [r[0] for r in info], message_id=message["Message-ID"],
                          subject=str(message["Subject"]))
            summary.sent += 1
            logger.info("sent %s to %s: %s", message["Message-ID"], message["To"], message["Subject"])
    return summary
