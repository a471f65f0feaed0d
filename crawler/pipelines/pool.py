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

Workers are driven from the event loop itself: a document is written to an idle worker's pipe
and the loop waits for the pipe to become readable (``add_reader``), so no thread hands-off is
paid per page. Starting, stopping and replacing workers (rare, and blocking) run in a small
thread pool.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
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


class _Timeout(Exception):
    pass


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


class _Worker:
    def __init__(self, ctx: Any) -> None:
        parent, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True,
                                name="carewatch-extract")
        self.proc.start()
        child.close()
        self.conn: Connection = parent
        self.tasks = 0

    async def call(self, msg: tuple[Any, ...], timeout: float) -> tuple[Any, ...]:
        """Send one job and wait, on the running loop, for its reply.

        The worker is idle, blocked reading its pipe, so sending does not wait on it beyond
        copying the message. Raises _Timeout, or EOFError/OSError if the worker died.
        """
        self.tasks += 1
        self.conn.send(msg)
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()
        fd = self.conn.fileno()

        def _ready() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(fd, _ready)
        try:
            await asyncio.wait_for(readable, timeout)
        except TimeoutError:
            raise _Timeout from None
        finally:
            loop.remove_reader(fd)
        return self.conn.recv()  # EOFError if the worker died

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
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
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
        self._idle = asyncio.Queue()
        loop = asyncio.get_running_loop()
        for _ in range(self.size):
            worker = await loop.run_in_executor(self._threads, self._spawn)
            self._idle.put_nowait(worker)

    async def run(self, func_path: str, *args: Any, **kwargs: Any) -> Any:
        """``func_path`` ("module:function") called with the arguments in a worker.

        Raises JobFailed (``reason`` extraction_timeout, extraction_crashed or the job's own).
        """
        if self._closed:
            raise JobFailed("extraction_error", "pool closed")
        await self.start()
        assert self._sem is not None and self._idle is not None
        loop = asyncio.get_running_loop()
        async with self._sem:
            self.pending += 1
            if self.pending > self.peak_pending:
                self.peak_pending = self.pending
                if self.on_count is not None:
                    self.on_count("peak_pending")  # counts each new peak: equals the peak
            try:
                worker = await self._idle.get()
                replace = False
                try:
                    reply = await worker.call((func_path, args, kwargs), self.timeout)
                except _Timeout:
                    replace = True
                    self._count("timeouts")
                    raise JobFailed("extraction_timeout",
                                    f"no result after {self.timeout:g} s; worker killed") from None
                except (EOFError, OSError) as exc:
                    replace = True
                    self._count("crashed")
                    worker.proc.join(1)  # it has closed its pipe: it is gone or going
                    code = worker.proc.exitcode
                    raise JobFailed("extraction_crashed",
                                    f"worker died (exit code {code}){': ' + str(exc) if str(exc) else ''}"
                                    ) from None
                except asyncio.CancelledError:
                    # its reply would be read as the next job's: replace it, without waiting
                    spawned = loop.run_in_executor(self._threads, self._replace, worker, True)
                    spawned.add_done_callback(self._return_replacement)
                    raise
                else:
                    if worker.tasks >= self.max_tasks_per_child:
                        worker = await loop.run_in_executor(self._threads, self._replace, worker, False)
                    self._idle.put_nowait(worker)
                finally:
                    if replace:
                        worker = await loop.run_in_executor(self._threads, self._replace, worker, True)
                        self._idle.put_nowait(worker)
            finally:
                self.pending -= 1
        if reply[0] == "ok":
            self._count("done")
            return reply[1]
        self._count("failed")
        raise JobFailed(reply[1], reply[2])

    def _return_replacement(self, spawned: asyncio.Future[_Worker]) -> None:
        if not spawned.cancelled() and spawned.exception() is None and self._idle is not None:
            self._idle.put_nowait(spawned.result())

    def _replace(self, worker: _Worker, kill: bool) -> _Worker:
        self._all.discard(worker)
        (worker.kill if kill else worker.stop)()
        self._count("replaced")
        return self._spawn()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._starting is not None:
            try:
                await self._starting
            except Exception:  # noqa: S110 - closing anyway
                pass
        loop = asyncio.get_running_loop()
        workers = list(self._all)
        self._all.clear()
        await asyncio.gather(*(loop.run_in_executor(self._threads, w.stop) for w in workers))
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
