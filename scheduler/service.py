"""``carewatch run``: the long-running service (APScheduler 3.x, one process).

Jobs are rebuilt from config at every start in a MemoryJobStore under fixed ids
(RELIABILITY.md §1 item 4, D2, D6):

* ``crawl:<source>``  one per enabled source: interval (or cron), coalesce, max_instances=1,
  misfire grace of a third of the interval, jitter; a source whose last success is older than
  its interval is crawled straight away (D1). Each crawl is a child process (scheduler.runner).
* ``alerts``          match pending items against the rules, then send what is due; it also
  runs straight after every crawl.
* ``digest:HH:MM``    one per digest time in the rules (cron, Europe/London): turns waiting
  digest deliveries into one batch per recipient, sent at once by ``alerts``.

A lock makes a second service refuse to start (D3). SIGTERM / SIGINT stop scheduling, give
running crawls ``shutdown_grace_seconds`` to finish, then kill their process groups.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from crawler.sources import SourceConfig
from scheduler.alerts import run_matcher
from scheduler.config import AppConfig
from scheduler.dispatcher import dispatch_due
from scheduler.lock import ServiceLock
from scheduler.runner import _kill_group, run_crawl
from storage.db import create_schema, make_engine, session_scope
from storage.models import SourceState
from storage.outbox import release_digests, release_stale_claims

logger = logging.getLogger(__name__)


def source_trigger(config: AppConfig, source: SourceConfig) -> IntervalTrigger | CronTrigger:
    interval = config.interval_seconds(source)
    if interval is None:
        assert source.cron
        return CronTrigger.from_crontab(source.cron, timezone=config.service.timezone)
    jitter = min(config.service.jitter_seconds, interval / 10)
    return IntervalTrigger(seconds=interval, jitter=int(jitter) or None, timezone=config.service.timezone)


def catch_up_time(config: AppConfig, source: SourceConfig, last_success: datetime | None,
                  now: datetime) -> datetime | None:
    """When to run first: now if the last success is older than one interval (or never)."""
    interval = config.interval_seconds(source)
    if last_success is None:
        return now
    age = now - last_success.astimezone(UTC)
    if interval is None:  # cron: catch up if there was no success within a day
        return now if age > timedelta(days=1) else None
    if age >= timedelta(seconds=interval):
        return now
    return last_success.astimezone(UTC) + timedelta(seconds=interval)


class Service:
    """The scheduler process. ``run()`` blocks until SIGTERM / SIGINT."""

    def __init__(self, config: AppConfig, *, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine or make_engine(config.database_url)
        self.lock = ServiceLock(self.engine, config.service.lock_file)
        self.scheduler = BlockingScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max(4, len(config.enabled_sources) + 2))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            timezone=config.service.timezone,
        )
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._procs_lock = threading.Lock()
        self._stopping = threading.Event()
        self.job_errors = 0

    # -- jobs: bound methods are fine here, the MemoryJobStore never pickles them ---------------
    def crawl(self, source_id: str) -> None:
        if self._stopping.is_set():
            return
        source = self.config.sources[source_id]
        log_dir = Path(self.config.service.log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)

        def started(proc: subprocess.Popen[bytes]) -> None:
            with self._procs_lock:
                self._procs[source_id] = proc

        try:
            outcome = run_crawl(
                self.engine, source_id, database_url=self.config.database_url,
                config_file=str(self.config.path) if self.config.path else None,
                limit_seconds=self.config.crawl_limit_seconds(source), trigger="scheduled",
                log_file=log_dir / f"{source_id}.log", on_start=started,
                kill_grace_seconds=self.config.service.kill_grace_seconds,
                extra_settings=self.config.service.crawl_settings or None,
            )
        finally:
            with self._procs_lock:
                self._procs.pop(source_id, None)
        logger.info("crawl %s: %s (%.1f s)%s", source_id, outcome.status, outcome.seconds,
                    f": {outcome.error}" if outcome.error and outcome.status != "ok" else "")
        if not self._stopping.is_set():
            self.scheduler.modify_job("alerts", next_run_time=datetime.now(UTC))

    def alerts(self) -> None:
        """Match pending items, then send due deliveries."""
        run_matcher(self.engine, self.config)
        if not self._stopping.is_set():
            dispatch_due(self.engine, self.config)

    def digest(self, time_label: str, rules: list[str]) -> None:
        label = f"{datetime.now(UTC).date().isoformat()}-{time_label}"
        with session_scope(self.engine) as session:
            n = release_digests(session, rules, label=label)
        logger.info("digest %s: %d item(s) released for sending", time_label, n)
        self.alerts()

    # -- set-up ---------------------------------------------------------------------------------
    def add_jobs(self) -> None:
        now = datetime.now(UTC)
        with session_scope(self.engine) as session:
            last = {s.source: s.last_success_at for s in session.query(SourceState)}
        for n, (sid, source) in enumerate(sorted(self.config.enabled_sources.items())):
            interval = self.config.interval_seconds(source)
            grace = max(1, int((interval or 3600) / 3))
            first = catch_up_time(self.config, source, last.get(sid), now)
            kwargs: dict[str, Any] = {}
            if first is not None:
                kwargs["next_run_time"] = max(first, now) + timedelta(seconds=n * 0.2)  # stagger
            self.scheduler.add_job(self.crawl, source_trigger(self.config, source), args=[sid],
                                   id=f"crawl:{sid}", name=f"crawl {sid}", replace_existing=True,
                                   misfire_grace_time=grace, **kwargs)
        self.scheduler.add_job(self.alerts, "interval", seconds=self.config.service.dispatch_seconds,
                               id="alerts", name="match and send alerts", replace_existing=True,
                               next_run_time=now, misfire_grace_time=None)
        by_time: dict[str, list[str]] = {}
        for rule in self.config.enabled_rules.values():
            if rule.delivery == "digest":
                by_time.setdefault(rule.digest_at, []).append(rule.name)
        for hhmm, rules in sorted(by_time.items()):
            hour, minute = hhmm.split(":")
            self.scheduler.add_job(self.digest, CronTrigger(hour=int(hour), minute=int(minute),
                                                            timezone=self.config.service.timezone),
                                   args=[hhmm, rules], id=f"digest:{hhmm}", name=f"digest at {hhmm}",
                                   replace_existing=True, misfire_grace_time=3600)
        self.scheduler.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)

    def _on_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_ERROR:
            self.job_errors += 1
            logger.error("job %s raised %r", event.job_id, event.exception,
                         exc_info=(type(event.exception), event.exception, event.exception.__traceback__))
        elif event.code == EVENT_JOB_MISSED:
            logger.warning("job %s missed its run time %s", event.job_id, event.scheduled_run_time)
        else:
            logger.warning("job %s skipped: still running from its previous start", event.job_id)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self._stopping.is_set():
            return
        logger.info("received %s: stopping", signal.Signals(signum).name)
        self._stopping.set()
        self.scheduler.shutdown(wait=False)

    # -- main -----------------------------------------------------------------------------------
    def run(self) -> None:
        web_settings = self._web_settings()  # before the lock: a bad [web] table stops nothing
        self.lock.acquire()
        web = None
        try:
            create_schema(self.engine)
            with session_scope(self.engine) as session:
                released = release_stale_claims(session)
            if released:
                logger.info("released %d delivery claim(s) left by a previous run", released)
            self.add_jobs()
            web = self._start_web(web_settings)
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
            logger.info("carewatch service started: %d source(s), %d rule(s), mail via %s",
                        len(self.config.enabled_sources), len(self.config.enabled_rules),
                        self.config.mail.notifier)
            self.scheduler.start()  # blocks until _on_signal shuts it down
            self._stopping.set()
            self._stop_crawls()
        finally:
            if web is not None:
                web.stop()
            self.lock.release()
            self.engine.dispose()
        logger.info("carewatch service stopped")

    # -- the dashboard beside the scheduler (scheduler.webserver) ----------------------------------
    def _web_settings(self) -> Any:
        if not self.config.web.enabled:
            return None
        from scheduler.webserver import web_settings

        return web_settings(self.config)

    def _start_web(self, settings: Any) -> Any:
        if settings is None:
            return None
        from scheduler.webserver import WebThread, announce

        web = WebThread(settings)
        url = web.start()
        if url is None:
            return None
        announce(url)
        logger.info("dashboard at %s", url)
        return web

    def _stop_crawls(self) -> None:
        deadline = time.monotonic() + self.config.service.shutdown_grace_seconds
        while time.monotonic() < deadline:
            with self._procs_lock:
                if not self._procs:
                    break
            time.sleep(0.1)
        with self._procs_lock:
            procs = dict(self._procs)
        for sid, proc in procs.items():
            logger.warning("crawl of %s still running after the grace period: killing it", sid)
            _kill_group(proc, grace=2.0)
        # Let the crawl threads record their runs (the executor threads are not daemons).
        self.scheduler._executors["default"].shutdown(wait=True)  # noqa: SLF001
