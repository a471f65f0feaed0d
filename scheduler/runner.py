"""Run crawls in a child process with a wall-clock limit, and record how each one ended.

Scrapy's reactor cannot be restarted in one process and a crash must not take the service
down (DESIGN.md), so crawls run in a child process (``python -m crawler.batch``) in its own
session. One child may crawl several sources at once (one Scrapy crawler each, in one reactor):
start-up, most of what an unchanged source costs, is then paid once.

Stopping a child: SIGTERM to the child alone, so Scrapy shuts down gracefully, closes its
helpers and records each run as ``interrupted`` with its real counts; SIGKILL to the whole
process group after a grace period. A child that overruns its limit is stopped that way and
its runs recorded as ``timeout``; runs the child could not close are closed here (as ``failed``,
with the reason the child logged when its database would not take the run's end).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from storage.db import session_scope
from storage.models import CrawlRun
from storage.runs import LOG_FILE, UNCLOSED, finish_run, source_state, start_run
from storage.types import utcnow

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: statuses a child or this module gives a run it did not let finish
INTERRUPTED = "interrupted"
TIMEOUT = "timeout"


@dataclass(frozen=True)
class CrawlOutcome:
    source: str
    run_id: int
    status: str
    returncode: int | None
    seconds: float
    error: str | None = None


class Interrupted(Exception):
    """The crawl was stopped from outside (service shutdown)."""


def crawl_command(runs: Sequence[tuple[str, int, float]], *,
                  extra_settings: Mapping[str, object] | None = None) -> list[str]:
    """The child's command line for ``(source, run id, limit seconds)`` triples."""
    cmd = [sys.executable, "-m", "crawler.batch"]
    for key, value in (extra_settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    cmd += [f"{source}={run_id}:{max(1, round(limit))}" for source, run_id, limit in runs]
    return cmd


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def close_abandoned_runs(engine: Engine, *, sources: Sequence[str] | None = None) -> int:
    """Close as ``interrupted`` every ``running`` run whose process is gone (killed, crashed,
    or the machine restarted); returns how many. A run whose crawl logged why it could not close
    it (a ``scrapy crawl`` with a LOG_FILE, its database read-only) is closed as ``failed``, with
    that reason. A run with no process id yet is left alone
    for a minute (its parent may be about to start the child)."""
    now = utcnow()
    closed = 0
    with session_scope(engine) as session:
        stmt = select(CrawlRun).where(CrawlRun.finished_at.is_(None))
        if sources is not None:
            stmt = stmt.where(CrawlRun.source.in_(list(sources)))
        for run in session.execute(stmt).scalars():
            if run.pid is not None and _alive(run.pid):
                continue
            if run.pid is None and now - run.started_at.astimezone(UTC) < timedelta(minutes=1):
                continue
            who = f"process {run.pid}" if run.pid else "its process"
            log_file = (run.stats or {}).get(LOG_FILE)
            why = _unclosed_reason(Path(log_file), run.id) if isinstance(log_file, str) else None
            if why:  # a ``scrapy crawl`` whose database would not take the run's end
                finish_run(session, run.id, status="failed",
                           error=f"{who} could not close the run: {why}; closed when carewatch next started")
            else:
                finish_run(session, run.id, status=INTERRUPTED,
                           error=f"{who} ended without closing the run (killed or crashed); "
                                 "closed when carewatch next started")
            closed += 1
    if closed:
        logger.warning("closed %d crawl run(s) left running by a process that died", closed)
    return closed


class CrawlChild:
    """One running child process and the way to stop it."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _exited(self) -> bool:
        """Whether the child has exited, without reaping it: its pid (= the group id) stays
        ours until the group has been cleaned up, so killpg cannot hit a stranger."""
        return os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def wait(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """Wait up to ``timeout`` seconds; True if it exited, False on timeout.
        Raises Interrupted as soon as ``stop`` is set."""
        deadline = time.monotonic() + timeout
        while not self._exited():
            if stop is not None and stop.is_set():
                raise Interrupted
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(0.1, left))
        return True

    def stop(self, grace: float) -> None:
        """SIGTERM to the child, SIGKILL to its group after ``grace`` seconds; reap it."""
        try:
            if not self._exited():
                os.kill(self.proc.pid, signal.SIGTERM)
                try:
                    self.wait(grace)
                except KeyboardInterrupt:  # a second Ctrl-C: no more waiting
                    pass
        finally:
            self.finish()

    def finish(self) -> int:
        """Kill what is left of the group (helpers of a child that died), then reap the child."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return self.proc.wait()


def _record_pid(engine: Engine, run_ids: Sequence[int], pid: int) -> None:
    """Name the child's process on its runs (close_abandoned_runs looks it up)."""
    with session_scope(engine) as session:
        for run_id in run_ids:
            run = session.get(CrawlRun, run_id)
            assert run is not None
            run.pid = pid


def _unclosed_reason(log_file: Path | None, run_id: int) -> str | None:
    """Why the crawl process could not close run ``run_id``, as it said in its log (the
    database turned read-only: crawler.runstate), or None."""
    if log_file is None:
        return None
    try:
        with open(log_file, "rb") as fh:
            fh.seek(max(0, fh.seek(0, os.SEEK_END) - 256 * 1024))
            tail = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    for line in reversed(tail.splitlines()):
        if f"crawl run {run_id} of " in line and UNCLOSED in line:
            return line.split(UNCLOSED, 1)[1].strip()
    return None


def _close(engine: Engine, run_id: int, *, rc: int | None, how: str | None,
           limit: float, log_file: Path | None = None) -> tuple[str, str | None]:
    """Record how run ``run_id`` ended; returns its (status, error)."""
    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        if run.finished_at is None:
            if how == TIMEOUT:
                finish_run(session, run_id, status=TIMEOUT,
                           error=f"crawl exceeded its {limit:g} s limit and was stopped")
            elif how == INTERRUPTED:
                finish_run(session, run_id, status=INTERRUPTED,
                           error="stopped before it finished (carewatch was stopped)")
            else:
                why = _unclosed_reason(log_file, run_id)
                finish_run(session, run_id, status="failed",
                           error=f"crawl process exited with code {rc} without closing the run"
                                 + (f": {why}" if why else ""))
        elif how == TIMEOUT and run.status != TIMEOUT:
            # The child closed the run (with its counts) when told to stop: it still overran.
            run.status = TIMEOUT
            run.error = f"crawl exceeded its {limit:g} s limit and was stopped"
            source_state(session, run.source).last_status = TIMEOUT
        return run.status, run.error


def run_crawls(
    engine: Engine,
    crawls: Sequence[tuple[str, float]],
    *,
    database_url: str,
    config_file: str | None = None,
    trigger: str = "scheduled",
    log_file: Path | None = None,
    extra_settings: Mapping[str, object] | None = None,
    kill_grace_seconds: float = 60,
    stop: threading.Event | None = None,
    stop_grace_seconds: float = 10,
) -> list[CrawlOutcome]:
    """Crawl ``(source, limit seconds)`` pairs in one child process group; record each run.

    The child is stopped (SIGTERM, then SIGKILL after ``kill_grace_seconds``) once it runs
    ``kill_grace_seconds`` past its longest limit, when ``stop`` is set (then with
    ``stop_grace_seconds``), or on Ctrl-C (KeyboardInterrupt is re-raised once it is gone).
    """
    with session_scope(engine) as session:
        run_ids = [start_run(session, source, trigger=trigger).id for source, _ in crawls]
    limits = {run_id: limit for run_id, (_, limit) in zip(run_ids, crawls, strict=True)}
    env = dict(os.environ)
    env.pop("CAREWATCH_RUN_ID", None)
    env.update(CAREWATCH_DATABASE_URL=database_url, CAREWATCH_TRIGGER=trigger, PYTHONUNBUFFERED="1")
    if config_file:
        env["CAREWATCH_CONFIG"] = str(config_file)
    cmd = crawl_command([(source, run_id, limit) for (source, limit), run_id
                         in zip(crawls, run_ids, strict=True)], extra_settings=extra_settings)
    hard_limit = max(limit for _, limit in crawls) + kill_grace_seconds
    started = time.monotonic()
    how: str | None = None
    rc: int | None = None
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    try:
        child = CrawlChild(subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True))
        try:  # from here on, a Ctrl-C stops the child (even one during the pid's write)
            _record_pid(engine, run_ids, child.pid)
            if not child.wait(hard_limit, stop):
                how = TIMEOUT
                logger.warning("crawl of %s overran its limit: stopping it", _names(crawls))
                child.stop(kill_grace_seconds)
            rc = child.finish()
        except Interrupted:
            how = INTERRUPTED
            child.stop(stop_grace_seconds)
            rc = child.proc.returncode
        except KeyboardInterrupt:
            how = INTERRUPTED
            logger.info("interrupted: stopping the crawl of %s", _names(crawls))
            child.stop(min(kill_grace_seconds, 10))
            rc = child.proc.returncode
            for run_id in run_ids:
                _close(engine, run_id, rc=rc, how=how, limit=limits[run_id])
            raise
    finally:
        if log_file:
            out.close()  # type: ignore[union-attr]
    seconds = time.monotonic() - started
    outcomes = []
    for (source, _), run_id in zip(crawls, run_ids, strict=True):
        status, error = _close(engine, run_id, rc=rc, how=how, limit=limits[run_id], log_file=log_file)
        logger.info("crawl of %s finished: %s in %.1f s", source, status, seconds)
        outcomes.append(CrawlOutcome(source=source, run_id=run_id, status=status, returncode=rc,
                                     seconds=seconds, error=error))
    return outcomes


def plan_batches(engine: Engine, sources: Sequence[str], size: int) -> list[list[str]]:
    """``sources`` grouped into children: each first crawl alone (it extracts a whole archive,
    with its own worker processes), re-crawls together, up to ``size`` per child."""
    with session_scope(engine) as session:
        crawled = [sid for sid in sources if source_state(session, sid).baseline_done]
    firsts = [[sid] for sid in sources if sid not in crawled]
    return firsts + [list(crawled[i:i + size]) for i in range(0, len(crawled), size)]


def _names(crawls: Sequence[tuple[str, float]]) -> str:
    return ", ".join(source for source, _ in crawls)
