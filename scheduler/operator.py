"""Messages to the operator: source failing / recovered, dead deliveries, alert floods.

Each is an OperatorEvent row plus one delivery to the operator address, written in the
caller's transaction, so the note is queued exactly when the state it reports is recorded.
"""

from __future__ import annotations

import logging
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.config import AppConfig
from storage.models import OperatorEvent, SourceState
from storage.outbox import NewDelivery, add_deliveries

logger = logging.getLogger(__name__)

OPERATOR_RULE = "operator"


def notify_operator(session: Session, config: AppConfig, *, kind: str, subject: str, body: str,
                    source: str | None = None) -> OperatorEvent:
    event = OperatorEvent(kind=kind, source=source, subject=subject, body=body)
    session.add(event)
    session.flush()
    add_deliveries(session, [NewDelivery(rule=OPERATOR_RULE, item_kind="operator", item_id=event.id,
                                         recipient=config.operator.email)])
    logger.warning("operator: %s", subject)
    return event


def check_sources(session: Session, config: AppConfig) -> int:
    """One "failing" note when a source reaches ``failing_after`` failures, one "recovered" after.

    Reads SourceState, which every crawl updates however it was started, so crawls run by
    hand count too. Returns how many notes were queued.
    """
    threshold = config.operator.failing_after
    queued = 0
    for state in session.execute(select(SourceState)).scalars():
        if state.consecutive_failures >= threshold and not state.failure_alerted:
            since = state.failing_since.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if state.failing_since else "?"
            notify_operator(
                session, config, kind="source_failing", source=state.source,
                subject=f"source {state.source} failing since {since}",
                body=(f"The last {state.consecutive_failures} crawls of {state.source} failed.\n"
                      f"Last status: {state.last_status}\nLast error: {state.last_error or '-'}\n\n"
                      "You will get one more message when it works again."),
            )
            state.failure_alerted = True
            queued += 1
        elif state.consecutive_failures == 0 and state.failure_alerted:
            notify_operator(
                session, config, kind="source_recovered", source=state.source,
                subject=f"source {state.source} recovered",
                body=f"{state.source} was crawled successfully again (status {state.last_status}).",
            )
            state.failure_alerted = False
            queued += 1
    return queued
