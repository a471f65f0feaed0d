"""The alert outbox: deliveries owed (rule x item x recipient, unique) and their claiming.

Rows are written by the matcher in the same transaction that marks the item processed, so an
alert is never lost between "stored" and "queued"; the UNIQUE key means it is never queued
twice. The dispatcher claims due rows (status ``sending``), sends outside any transaction,
then marks them ``sent``, schedules a retry or marks them ``dead``. Only one dispatcher runs
(the service holds a single-instance lock), so rows left ``sending`` by a crash are released
at start-up: a crash between the mail server's 250 and ``mark_sent`` gives one duplicate
(at-least-once), a crash before the send loses nothing.

On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``, so two dispatchers on one outbox never
claim the same row, and a batch only through its first pending row, so they never split it;
SQLite serialises writers with ``BEGIN IMMEDIATE`` (storage/db.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from storage.models import Delivery
from storage.types import utcnow

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
IMMEDIATE, DIGEST, BATCH = "immediate", "digest", "batch"


@dataclass(frozen=True, kw_only=True)
class NewDelivery:
    rule: str
    item_kind: str
    item_id: int
    recipient: str
    mode: str = IMMEDIATE
    batch: str | None = None


def add_deliveries(session: Session, rows: Iterable[NewDelivery]) -> int:
    """Insert deliveries, skipping any already owed (same rule, item and recipient).

    Returns how many rows were new.
    """
    values = [
        {"rule": r.rule, "item_kind": r.item_kind, "item_id": r.item_id, "recipient": r.recipient,
         "mode": r.mode, "batch": r.batch, "status": PENDING, "attempts": 0,
         "next_attempt_at": utcnow(), "created_at": utcnow()}
        for r in rows
    ]
    if not values:
        return 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    added = 0
    for start in range(0, len(values), 500):  # well under SQLite's limit of bound parameters
        stmt = insert(Delivery).values(values[start : start + 500]).on_conflict_do_nothing(
            index_elements=["rule", "item_kind", "item_id", "recipient"]
        ).returning(Delivery.id)
        # the rows returned are the new ones (an ORM insert's rowcount is -1 on PostgreSQL)
        added += len(session.execute(stmt).all())
    return added


def release_stale_claims(session: Session) -> int:
    """Put rows a dead dispatcher left ``sending`` back to ``pending`` (single dispatcher only)."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Delivery).where(Delivery.status == SENDING).values(status=PENDING))
    return result.rowcount or 0


def release_digests(session: Session, rules: Sequence[str], *, label: str) -> int:
    """Turn waiting digest rows of ``rules`` into batches (one per recipient) that are due now."""
    rows = session.execute(
        select(Delivery).where(Delivery.rule.in_(rules), Delivery.mode == DIGEST,
                               Delivery.status == PENDING)
    ).scalars().all()
    now = utcnow()
    for row in rows:
        row.mode = BATCH
        row.batch = f"digest:{label}:{row.recipient}"
        row.next_attempt_at = now
    session.flush()
    return len(rows)


def claim_next(session: Session, *, now: datetime | None = None) -> list[Delivery]:
    """Claim the next due message: one immediate row, or every row of one batch.

    Returns [] when nothing is due. Claimed rows are ``sending`` and their attempt counted.
    """
    now = now or utcnow()
    # a batch is claimed through its first pending row only: another dispatcher that skipped
    # the locked first row must not start the same batch at its second (PostgreSQL)
    earlier = aliased(Delivery)
    first_of_batch = or_(Delivery.mode == IMMEDIATE, ~exists().where(
        earlier.batch == Delivery.batch, earlier.status == PENDING, earlier.id < Delivery.id))
    stmt = (
        select(Delivery)
        .where(Delivery.status == PENDING, Delivery.mode.in_((IMMEDIATE, BATCH)),
               Delivery.next_attempt_at <= now, first_of_batch)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Delivery)
    )
    first = session.execute(stmt).scalar_one_or_none()
    if first is None:
        return []
    rows = [first]
    if first.mode == BATCH and first.batch:
        rows = list(session.execute(
            select(Delivery)
            .where(Delivery.batch == first.batch, Delivery.status == PENDING)
            .order_by(Delivery.id)
            .with_for_update(skip_locked=True)
        ).scalars())
    for row in rows:
        row.status = SENDING
        row.attempts += 1
    session.flush()
    return rows


def mark_sent(session: Session, ids: Sequence[int], *, message_id: str, subject: str) -> None:
    session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(
        status=SENT, sent_at=utcnow(), message_id=message_id, subject=subject, last_error=None))


def mark_retry(session: Session, ids: Sequence[int], *, delay: timedelta, error: str,
               message_id: str | None = None, subject: str | None = None) -> None:
    values: dict[str, object] = {"status": PENDING, "next_attempt_at": utcnow() + delay, "last_error": error}
    if message_id:
        values.update(message_id=message_id, subject=subject)
    session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(**values))


def mark_dead(session: Session, ids: Sequence[int], *, error: str) -> None:
    session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(status=DEAD, last_error=error))


def outbox_counts(session: Session) -> dict[str, int]:
    """Rows per status (``pending`` includes digest rows waiting for their time)."""
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    return {status: int(n) for status, n in rows}

