"""Crawl runs and what the scheduler knows about each source between runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.models import CrawlRun, SourceState
from storage.types import utcnow


def start_run(session: Session, source: str, *, trigger: str = "manual", pid: int | None = None,
              log_file: str | None = None) -> CrawlRun:
    """A ``running`` run; ``log_file``, the crawl's log, is kept (in ``stats``, until the run is
    closed) for closing the run with the reason its crawl logged if the crawl could not."""
    run = CrawlRun(source=source, trigger=trigger, pid=pid, status="running", started_at=utcnow(),
                   stats={LOG_FILE: log_file} if log_file else {})
    session.add(run)
    session.flush()
    return run


def source_state(session: Session, source: str) -> SourceState:
    state = session.get(SourceState, source)
    if state is None:
        state = SourceState(source=source, consecutive_failures=0, failure_alerted=False, baseline_done=False)
        session.add(state)
        session.flush()
    return state


SUCCESS_STATUSES = frozenset({"ok", "partial"})
#: in a crawl's log, "crawl run ID of SOURCE (STATUS) " UNCLOSED "why": a run its crawl process
#: could not close (database read-only); scheduler.runner closes it with that reason
UNCLOSED = "could not be closed: "
#: key of a running run's ``stats``: the log of the crawl process that started it
LOG_FILE = "log_file"


def finish_run(session: Session, run_id: int, *, status: str, error: str | None = None, **counts: Any) -> CrawlRun:
    """Close a crawl run and update its source's state (last success, consecutive failures)."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"No crawl run with id {run_id}")
    now = utcnow()
    run.finished_at = now
    run.status = status
    if error:
        run.error = error
    for key, value in counts.items():
        setattr(run, key, value)
    state = source_state(session, run.source)
    state.last_run_at = now
    state.last_status = status
    if status in SUCCESS_STATUSES:
        state.last_success_at = now
        state.consecutive_failures = 0
        state.failing_since = None
        state.last_error = None
        state.baseline_done = True
    else:
        state.consecutive_failures += 1
        state.failing_since = state.failing_since or run.started_at
        state.last_error = error or status
    session.flush()
    return run
