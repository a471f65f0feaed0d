"""Extraction off the reactor: a bounded pool of worker processes with a per-document time limit.

* ``CAREWATCH_EXTRACT_WORKERS`` processes (0 = one per usable core), started from a
  ``forkserver`` that has already imported the extractor, so starting or replacing a worker
  costs a fork, not an interpreter start-up. Each worker runs one document at a time and is
  replaced after ``CAREWATCH_EXTRACT_MAX_TASKS`` documents (bounds slow leaks).
* Back-pressure: at most ``CAREWATCH_EXTRACT_MAX_PENDING`` documents (0 = 4 per worker) are
  queued or running; further items wait in the item pipeline, where Scrapy counts their
  response bodies against ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` and stops starting downloads once
  that is full. Memory stays bounded however fast pages arrive.
* Time limit: a document still running after ``CAREWATCH_EXTRACT_TIMEOUT`` seconds has its
  worker killed (SIGKILL) and replaced; the document fails with ``extraction_timeout`` and the
  other documents carry on. A worker that dies (segfault, OOM kill) fails its document with
  ``extraction_crashed``.

Workers are driven from the event loop itself, with no thread hand-off per page: each worker
has up to ``DEPTH`` documents in flight (the one it runs and the next ones, already in its
socket), so it goes from one document to the next without waiting for the loop, which reads
replies when the socket becomes readable (``add_reader``). A job queued behind a worker that
is killed or dies is sent to another worker, not failed. Starting, stopping and replacing
workers (rare, and blocking) run in a small thread pool.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import multiprocessing
import os
import signal
import socket
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

logger = logging.getLogger(__name__)

#: modules the forkserver imports once, so that every worker starts warm
PRELOAD = ["crawler.pipelines.pool", "lxml.etree", "crawler.pipelines.document", "storage.batchwrite"]
#: drop reasons that mean "not processed": the page is fetched in full again next run
RETRY_REASONS = frozenset({"extraction_timeout", "extraction_crashed", "extraction_error"})


class JobFailed(Exception):
    """The job raised an exception with a ``reason`` (e.g. ExtractionFailed), or another error."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# ------------------------------------------------------------------------------ worker side


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def settle_process(name: str) -> None:
    """Start of a long-lived helper process: show ``name`` as its name in ps/top (Linux), and
    keep everything imported so far out of the cyclic collector's generations, so that each
    collection walks only what the current job allocated."""
    try:
        with open("/proc/self/comm", "w") as fh:
            fh.write(name[:15])
    except OSError:
        pass
    gc.freeze()


def _worker_main(conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    settle_process("cw-extract")
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        func_path, args, kwargs = msg
        try:
            out: tuple[Any, ...] = ("ok", _resolve(func_path)(*args, **kwargs))
        except Exception as exc:
            reason = getattr(exc, "reason", None)
            if isinstance(reason, str):
                out = ("failed", reason, str(getattr(exc, "detail", "")))
            else:
                out = ("failed", "extraction_error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(out)
        except Exception as exc:  # unpicklable result
            conn.send(("failed", "extraction_error", f"result not sendable: {exc}"))


# ------------------------------------------------------------------------------ parent side

#: jobs in flight per worker: the one it is running and the next ones, already in its socket,
#: so it never waits for the event loop between two documents
DEPTH = 3
#: send buffer asked for each worker's socket; queued jobs must fit in half of what is granted,
#: so that sending never blocks the event loop (a bigger job waits until its worker is idle)
SNDBUF = 1 << 20


class _Job:
    __slots__ = ("data", "future")

    def __init__(self, data: bytes | memoryview, future: asyncio.Future[tuple[Any, ...]]) -> None:
        self.data = data
        self.future = future


class _Worker:
    def __init__(self, ctx: Any) -> None:
        parent, child = ctx.Pipe(duplex=True)  # a socketpair
        self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True,
                                name="carewatch-extract")
        self.proc.start()
        child.close()
        self.conn: Connection = parent
        self.budget = _grow_send_buffer(parent) // 2
        #: jobs sent (for the replacement after max_tasks_per_child)
        self.tasks = 0
        #: sent and not answered, oldest (the running one) first
        self.inflight: deque[_Job] = deque()
        self.inflight_bytes = 0
        #: the running job's time limit, and when it started (loop time)
        self.timer: asyncio.TimerHandle | None = None
        self.head_started = 0.0
        #: takes no more jobs: replaced once its in-flight jobs are answered
        self.retiring = False

    def can_take(self, job: _Job) -> bool:
        if self.retiring or len(self.inflight) >= DEPTH:
            return False
        # an idle worker is reading its socket, so even a big job goes through at once
        return not self.inflight or self.inflight_bytes + len(job.data) <= self.budget

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.join(5)
        finally:
            self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.proc.join(2)
        except OSError:
            pass
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)
        self.conn.close()


def _grow_send_buffer(conn: Connection) -> int:
    """Ask for SNDBUF bytes of send buffer on ``conn``'s socket; the size granted."""
    try:
        sock = socket.socket(fileno=os.dup(conn.fileno()))
    except OSError:  # pragma: no cover - not a socket
        return 64 * 1024
    with sock:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
        except OSError:  # pragma: no cover
            pass
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class ProcessPool:
    """See the module docstring. Use from the asyncio loop (Scrapy's reactor thread)."""

    def __init__(self, *, workers: int = 0, max_pending: int = 0, timeout: float = 20.0,
                 max_tasks_per_child: int = 1000, preload: Sequence[str] = PRELOAD) -> None:
        self.size = workers or usable_cores()
        self.max_pending = max(self.size, max_pending or 4 * self.size)
        self.timeout = timeout
        self.max_tasks_per_child = max_tasks_per_child
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(list(preload))
        self._threads = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="carewatch-pool")
        self._sem: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: workers taking jobs (or retiring); a worker being started or replaced is in neither
        self._live: list[_Worker] = []
        #: every worker process not yet stopped, for close()
        self._all: set[_Worker] = set()
        #: jobs waiting for a worker
        self._backlog: deque[_Job] = deque()
        self._starting: asyncio.Task[None] | None = None
        self._closed = False
        #: counters for stats: done, failed, timeouts, crashed, replaced
        self.counts: dict[str, int] = {}
        self.pending = 0
        self.peak_pending = 0
        #: called with each counter name as it is incremented (crawl stats)
        self.on_count: Callable[[str], None] | None = None

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.on_count is not None:
            self.on_count(key)

    # -- workers coming and going ------------------------------------------------------------

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx)
        self._all.add(worker)
        return worker

    async def start(self) -> None:
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        await self._starting

    async def _start(self) -> None:
        self._sem = asyncio.Semaphore(self.max_pending)
        self._loop = loop = asyncio.get_running_loop()
        for _ in range(self.size):
            self._go_live(await loop.run_in_executor(self._threads, self._spawn))

    def _go_live(self, worker: _Worker) -> None:
        if self._closed:  # started while the pool was closing
            self._all.discard(worker)
            worker.kill()
            return
        assert self._loop is not None
        self._live.append(worker)
        self._loop.add_reader(worker.conn.fileno(), self._on_readable, worker)
        self._pump()

    def _leave(self, worker: _Worker) -> None:
        """Take ``worker`` out of service (no more jobs, no more replies read)."""
        assert self._loop is not None
        if worker in self._live:
            self._live.remove(worker)
            self._loop.remove_reader(worker.conn.fileno())
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None

    def _replace(self, old: _Worker, *, kill: bool) -> None:
        """Stop ``old`` (SIGKILL if ``kill``) and start its replacement, off the loop."""
        assert self._loop is not None
        self._leave(old)
        self._count("replaced")

        def swap() -> _Worker | None:
            self._stop(old, kill=kill)
            return None if self._closed else self._spawn()

        def done(fut: asyncio.Future[_Worker | None]) -> None:
            if fut.cancelled() or fut.exception() is not None:
                logger.error("carewatch: extraction worker could not be replaced: %s",
                             None if fut.cancelled() else fut.exception())
                return
            new = fut.result()
            if new is not None:
                self._go_live(new)

        self._loop.run_in_executor(self._threads, swap).add_done_callback(done)

    def _stop(self, worker: _Worker, *, kill: bool = False) -> None:
        self._all.discard(worker)
        (worker.kill if kill else worker.stop)()

    # -- jobs ----------------------------------------------------------------------------------

    def _pump(self) -> None:
        """Send waiting jobs to the workers with room for them, least loaded first."""
        while self._backlog:
            job = self._backlog[0]
            if job.future.done():  # cancelled while waiting
                self._backlog.popleft()
                continue
            ready = [w for w in self._live if w.can_take(job)]
            if not ready:
                return
            # least loaded; among equals, the one whose current job started last (the least
            # likely to be stuck on a pathological page)
            worker = min(ready, key=lambda w: (len(w.inflight), -w.head_started))
            self._backlog.popleft()
            try:
                worker.conn.send_bytes(job.data)
            except OSError:  # it died: its reader sees EOF and fails or re-queues its jobs
                self._backlog.appendleft(job)
                self._lost(worker, "crashed")
                continue
            worker.tasks += 1
            worker.inflight.append(job)
            worker.inflight_bytes += len(job.data)
            if len(worker.inflight) == 1:
                self._arm(worker)
            if worker.tasks >= self.max_tasks_per_child:
                worker.retiring = True

    def _arm(self, worker: _Worker) -> None:
        """Start the time limit of the job ``worker`` is now running."""
        assert self._loop is not None
        if worker.timer is not None:
            worker.timer.cancel()
        worker.head_started = self._loop.time()
        worker.timer = self._loop.call_later(self.timeout, self._lost, worker, "timeout")

    def _on_readable(self, worker: _Worker) -> None:
        while True:
            try:
                reply = worker.conn.recv()
            except (EOFError, OSError):
                self._lost(worker, "crashed")
                return
            job = worker.inflight.popleft()
            worker.inflight_bytes -= len(job.data)
            if not job.future.done():  # its caller may have been cancelled
                job.future.set_result(reply)
            if worker.inflight:
                self._arm(worker)
            elif worker.timer is not None:
                worker.timer.cancel()
                worker.timer = None
            if not worker.inflight or not worker.conn.poll():
                break
        if worker.retiring and not worker.inflight:
            self._replace(worker, kill=False)
        self._pump()

    def _lost(self, worker: _Worker, why: str) -> None:
        """``worker`` timed out on its running job, or died: that job fails, the worker is
        replaced, and the jobs queued behind it go to the other workers."""
        if worker not in self._live:
            return
        self._leave(worker)
        running = worker.inflight.popleft() if worker.inflight else None
        self._backlog.extendleft(reversed(worker.inflight))
        worker.inflight.clear()
        if why == "timeout":
            self._count("timeouts")
            failure = JobFailed("extraction_timeout", f"no result after {self.timeout:g} s; worker killed")
            if running is not None and not running.future.done():
                running.future.set_exception(failure)
        else:
            self._count("crashed")
            if running is not None:
                self._fail_with_exit_code(worker, running)
        self._replace(worker, kill=True)
        self._pump()

    def _fail_with_exit_code(self, worker: _Worker, job: _Job) -> None:
        assert self._loop is not None

        def code() -> int | None:
            worker.proc.join(1)  # it has closed its socket: it is gone or going
            return worker.proc.exitcode

        def done(fut: asyncio.Future[int | None]) -> None:
            if not job.future.done():
                exit_code = None if fut.cancelled() or fut.exception() else fut.result()
                job.future.set_exception(JobFailed("extraction_crashed", f"worker died (exit code {exit_code})"))

        self._loop.run_in_executor(self._threads, code).add_done_callback(done)

    async def run(self, func_path: str, *args: Any, **kwargs: Any) -> Any:
        """``func_path`` ("module:function") called with the arguments in a worker.

        Raises JobFailed (``reason`` extraction_timeout, extraction_crashed or the job's own).
        """
        if self._closed:
            raise JobFailed("extraction_error", "pool closed")
        await self.start()
        assert self._sem is not None and self._loop is not None
        try:
            data = ForkingPickler.dumps((func_path, args, kwargs))
        except Exception as exc:
            raise JobFailed("extraction_error", f"job not sendable: {exc}") from None
        async with self._sem:
            self.pending += 1
            if self.pending > self.peak_pending:
                self.peak_pending = self.pending
                if self.on_count is not None:
                    self.on_count("peak_pending")  # counts each new peak: equals the peak
            try:
                job = _Job(data, self._loop.create_future())
                self._backlog.append(job)
                self._pump()
                # cancelling this task cancels the job: a late reply is read and dropped
                reply = await job.future
            finally:
                self.pending -= 1
        if reply[0] == "ok":
            self._count("done")
            return reply[1]
        self._count("failed")
        raise JobFailed(reply[1], reply[2])

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._starting is not None:
            try:
                await self._starting
            except Exception:  # noqa: S110 - closing anyway
                pass
        for worker in list(self._live):
            self._leave(worker)
        for job in [*self._backlog, *(j for w in self._all for j in w.inflight)]:
            if not job.future.done():
                job.future.set_exception(JobFailed("extraction_error", "pool closed"))
        self._backlog.clear()
        loop = asyncio.get_running_loop()
        workers = list(self._all)
        await asyncio.gather(*(loop.run_in_executor(self._threads, self._stop, w) for w in workers))
        self._threads.shutdown(wait=False)


def extraction_pool(crawler: Any) -> ProcessPool:
    """The crawl's extraction pool: started by the first document (a re-crawl that extracts
    nothing starts no process), stopped when the spider closes."""
    existing = getattr(crawler, "_carewatch_pool", None)
    if existing is not None:
        return existing
    from scrapy import signals

    s = crawler.settings
    pool = ProcessPool(
        workers=s.getint("CAREWATCH_EXTRACT_WORKERS", 0),
        max_pending=s.getint("CAREWATCH_EXTRACT_MAX_PENDING", 0),
        timeout=s.getfloat("CAREWATCH_EXTRACT_TIMEOUT", 20.0),
        max_tasks_per_child=s.getint("CAREWATCH_EXTRACT_MAX_TASKS", 1000),
    )
    crawler._carewatch_pool = pool  # type: ignore[attr-defined]
    stats = crawler.stats
    pool.on_count = lambda key: stats.inc_value(f"carewatch/extract_pool/{key}")

    stats.set_value("carewatch/extract_pool/workers", pool.size)

    async def _closed(*_: Any, **__: Any) -> None:
        await pool.close()

    crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
    return pool


async def prepare_in_pool(crawler: Any, body: bytes, url: str, **kwargs: Any) -> Any:
    """``crawler.pipelines.document.prepare_page`` in the crawl's pool; failures as ExtractionFailed."""
    from crawler.extraction import ExtractionFailed

    marker = crawler.settings.get("CAREWATCH_TEST_SLOW_EXTRACT_MARKER") or None
    try:
        return await extraction_pool(crawler).run(
            "crawler.pipelines.document:prepare_page", body, url, slow_marker=marker, **kwargs)
    except JobFailed as exc:
        raise ExtractionFailed(exc.reason, exc.detail) from None
