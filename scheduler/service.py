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

At most ``max_parallel_crawls`` crawl children run at once (default: one per usable core).
A crawl job that finds every slot taken waits; when a slot frees, every source then waiting
(and re-crawled before: first crawls go alone) is crawled by one child, up to
``max_sources_per_crawl`` of them, so a cycle of unchanged sources pays for one start-up.

A lock makes a second service refuse to start (D3). At start, runs left ``running`` by a
process that died are closed as ``interrupted``. SIGTERM / SIGINT only set an event; the main
thread then stops scheduling, sends running crawl children SIGTERM (they record their runs as
``interrupted``), SIGKILLs their process groups after ``shutdown_grace_seconds`` and waits for
the jobs to finish recording.
"""

from __future__ import annotations

import logging
import signal
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
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from crawler.pipelines.pool import usable_cores
from crawler.sources import SourceConfig
from scheduler.alerts import run_matcher
from scheduler.config import AppConfig
from scheduler.dispatcher import dispatch_due
from scheduler.lock import ServiceLock
from scheduler.runner import close_abandoned_runs, run_crawls
from storage.db import create_schema, make_engine, session_scope
from storage.models import SourceState
from storage.outbox import release_digests, release_stale_claims
from storage.runs import source_state

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


#: a crawl job that gets a slot waits this long for other due sources to join its child
BATCH_WINDOW_SECONDS = 1.0


class Service:
    """The scheduler process. ``run()`` blocks until SIGTERM / SIGINT."""

    def __init__(self, config: AppConfig, *, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine or make_engine(config.database_url)
        self.lock = ServiceLock(self.engine, config.service.lock_file)
        n_sources = len(config.enabled_sources)
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            # crawl jobs wait for a slot in their own threads, so "crawls" has one per source
            executors={"default": ThreadPoolExecutor(4), "crawls": ThreadPoolExecutor(max(2, n_sources + 1))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            timezone=config.service.timezone,
        )
        self.max_parallel_crawls = config.service.max_parallel_crawls or usable_cores()
        self._slots = threading.BoundedSemaphore(self.max_parallel_crawls)
        self._state = threading.Lock()
        self._taking = threading.Lock()
        #: sources due and waiting for a slot, oldest first (a dict as an ordered set)
        self._waiting: dict[str, None] = {}
        self._running: set[str] = set()
        self._stopping = threading.Event()
        self._signal: int | None = None
        self.job_errors = 0

    # -- jobs: bound methods are fine here, the MemoryJobStore never pickles them ---------------
    def crawl(self, source_id: str) -> None:
        """The ``crawl:<source>`` job: wait for a slot, then crawl this source and whatever
        else is waiting in one child."""
        with self._state:
            if source_id in self._waiting or source_id in self._running:
                logger.info("crawl %s: already waiting or running; skipped", source_id)
                return
            self._waiting[source_id] = None
        while not self._slots.acquire(timeout=0.5):
            if self._stopping.is_set():
                return
        try:
            if self._stopping.wait(BATCH_WINDOW_SECONDS):
                return
            batch = self._take_batch()
            if batch:
                try:
                    self._run_batch(batch)
                finally:
                    with self._state:
                        self._running.difference_update(batch)
        finally:
            self._slots.release()

    def _take_batch(self) -> list[str]:
        """The waiting sources the next child crawls: the oldest alone if it was never crawled
        (a first crawl extracts a whole archive), else every re-crawl waiting, up to the cap."""
        with self._taking:  # one at a time: a source is taken once, and none is left behind
            with self._state:
                waiting = list(self._waiting)
            if not waiting:
                return []
            with session_scope(self.engine) as session:
                crawled = {sid for sid in waiting if source_state(session, sid).baseline_done}
            if waiting[0] not in crawled:
                batch = waiting[:1]
            else:
                batch = [sid for sid in waiting if sid in crawled][: self.config.service.max_sources_per_crawl]
            with self._state:
                batch = [sid for sid in batch if self._waiting.pop(sid, False) is None]
                self._running.update(batch)
            return batch

    def _run_batch(self, batch: list[str]) -> None:
        svc = self.config.service
        log_dir = Path(svc.log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / (f"{batch[0]}.log" if len(batch) == 1 else "batches.log")
        if len(batch) > 1:
            logger.info("crawling %d sources in one process (log %s): %s", len(batch), log_file, ", ".join(batch))
        outcomes = run_crawls(
            self.engine, [(sid, self.config.crawl_limit_seconds(self.config.sources[sid])) for sid in batch],
            database_url=self.config.database_url,
            config_file=str(self.config.path) if self.config.path else None,
            trigger="scheduled", log_file=log_file,
            kill_grace_seconds=svc.kill_grace_seconds, extra_settings=svc.crawl_settings or None,
            stop=self._stopping, stop_grace_seconds=svc.shutdown_grace_seconds,
        )
        for outcome in outcomes:
            logger.info("crawl %s: %s (%.1f s)%s", outcome.source, outcome.status, outcome.seconds,
                        f": {outcome.error}" if outcome.error and outcome.status != "ok" else "")
        if self.scheduler.running and not self._stopping.is_set():
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
        for sid, source in sorted(self.config.enabled_sources.items()):
            interval = self.config.interval_seconds(source)
            grace = max(1, int((interval or 3600) / 3))
            first = catch_up_time(self.config, source, last.get(sid), now)
            kwargs: dict[str, Any] = {}
            if first is not None:
                kwargs["next_run_time"] = max(first, now)
            self.scheduler.add_job(self.crawl, source_trigger(self.config, source), args=[sid],
                                   id=f"crawl:{sid}", name=f"crawl {sid}", replace_existing=True,
                                   misfire_grace_time=grace, executor="crawls", **kwargs)
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
        # Only note it: stopping happens on the main thread, in run().
        self._signal = signum
        self._stopping.set()

    # -- main -----------------------------------------------------------------------------------
    def run(self) -> None:
        web_settings = self._web_settings()  # before the lock: a bad [web] table stops nothing
        self.lock.acquire()
        web = None
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            create_schema(self.engine)
            close_abandoned_runs(self.engine)
            with session_scope(self.engine) as session:
                released = release_stale_claims(session)
            if released:
                logger.info("released %d delivery claim(s) left by a previous run", released)
            self.add_jobs()
            for sig in previous:
                signal.signal(sig, self._on_signal)
            web = self._start_web(web_settings)
            self.scheduler.start()
            logger.info("carewatch service started: %d source(s), %d rule(s), mail via %s, "
                        "at most %d crawl process(es) at once", len(self.config.enabled_sources),
                        len(self.config.enabled_rules), self.config.mail.notifier, self.max_parallel_crawls)
            while not self._stopping.is_set():
                time.sleep(0.2)
            logger.info("received %s: stopping", signal.Signals(self._signal).name if self._signal else "stop")
            self.stop()
        finally:
            if web is not None:
                web.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
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

    def stop(self) -> None:
        """Stop scheduling and wait for the jobs: running crawl children get SIGTERM at once
        (from their job threads, which see ``_stopping``), SIGKILL after the grace period."""
        self._stopping.set()
        if self.scheduler.running:
            self.scheduler.pause()
        with self._state:
            self._waiting.clear()
            running = sorted(self._running)
        if running:
            logger.info("stopping the crawl(s) of %s (%g s grace)", ", ".join(running),
                        self.config.service.shutdown_grace_seconds)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
