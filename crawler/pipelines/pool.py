"""Extraction off the reactor, in a pebble process pool with a time limit per page.

``CAREWATCH_EXTRACT_WORKERS`` processes (default 1: a polite crawl extracts a page every few
seconds), started from a ``forkserver`` that has imported the extractor once. A page still
running after ``CAREWATCH_EXTRACT_TIMEOUT`` seconds has its worker killed by pebble and fails
with ``extraction_timeout``; a worker that dies (segfault, OOM kill, kill -9) is replaced by
pebble and its page is tried once more in the new worker, then fails with
``extraction_crashed``. At most two pages per worker are handed over at once; the others wait
in the item pipeline, where Scrapy counts their bodies against ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``.

Every helper process (these workers, their forkserver, the crawl's PDF-text child) dies with
its parent (``PR_SET_PDEATHSIG``, Linux), so nothing outlives a crawl that is killed.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import importlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pebble import ProcessExpired, ProcessPool

logger = logging.getLogger(__name__)

#: modules the forkserver imports at its start: it dies with the crawl, and every worker starts warm
PRELOAD = ["crawler.pipelines._forkserver", "crawler.pipelines.document"]
#: drop reasons that mean "not processed": the page is fetched in full again next run
RETRY_REASONS = frozenset({"extraction_timeout", "extraction_crashed", "extraction_error"})
_PR_SET_PDEATHSIG = 1


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (``PR_SET_PDEATHSIG``, Linux)."""
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def helper_started(name: str) -> None:
    """Start of a helper process: die with the parent, leave Ctrl-C to the parent, show
    ``name`` in ps/top, and keep what is imported out of the cyclic collector's generations, so
    that each collection walks only what the current page made."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with open("/proc/self/comm", "w") as fh:
            fh.write(name[:15])
    except OSError:
        pass
    gc.freeze()


def call(path: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Worker side: ``module:function`` called with the arguments (the crawl process need not
    import what only the workers run)."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)(*args, **kwargs)


def forkserver_context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


class JobFailed(Exception):
    """A page that could not be processed: ``reason`` is a drop reason (the job's own, e.g.
    ``too_short`` from ExtractionFailed, or extraction_timeout / extraction_crashed / _error)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class ExtractionPool:
    """pebble.ProcessPool driven from the asyncio loop (Scrapy's reactor thread)."""

    def __init__(self, *, workers: int = 1, timeout: float = 20.0, max_tasks: int = 1000,
                 name: str = "cw-extract") -> None:
        self.workers = max(1, workers)
        self.timeout = timeout
        self.max_tasks = max_tasks
        self.name = name
        self._pool: ProcessPool | None = None
        self._slots: asyncio.Semaphore | None = None
        #: called with a counter name (done, failed, timeouts, crashed) for the crawl's stats
        self.on_count: Callable[[str], None] = lambda key: None

    def start(self) -> ProcessPool:
        """The running pool; a broken one (pebble gives up when a worker dies while the pool is
        idle) is replaced."""
        if self._pool is not None and not self._pool.active:
            logger.warning("carewatch: extraction pool broken (a worker died); starting a new one")
            self.on_count("restarted")
            self._pool.stop()
            self._pool = None
        if self._pool is None:
            self._pool = ProcessPool(max_workers=self.workers, max_tasks=self.max_tasks,
                                     initializer=helper_started, initargs=(self.name,),
                                     context=forkserver_context())
            self._pool.active  # noqa: B018 - pebble starts its workers when first asked for its state
        return self._pool

    async def run(self, func_path: str, *args: Any, **kwargs: Any) -> Any:
        """``func_path`` ("module:function") called with the arguments in a worker; raises JobFailed."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(2 * self.workers)
        async with self._slots:
            for attempt in (1, 2):
                future = self.start().schedule(call, (func_path, args, kwargs), timeout=self.timeout)
                try:
                    result = await asyncio.wrap_future(future)
                except FutureTimeout:
                    self.on_count("timeouts")
                    raise JobFailed("extraction_timeout",
                                    f"no result after {self.timeout:g} s; worker killed") from None
                except (ProcessExpired, BrokenProcessPool) as exc:
                    self.on_count("crashed")
                    code = getattr(exc, "exitcode", None)
                    if attempt == 1:
                        logger.warning("carewatch: extraction worker died (exit code %s); "
                                       "trying the page once more", code)
                        continue
                    raise JobFailed("extraction_crashed", f"worker died (exit code {code})") from None
                except asyncio.CancelledError:
                    future.cancel()  # pebble stops the worker running it
                    raise
                except Exception as exc:
                    self.on_count("failed")
                    reason = getattr(exc, "reason", None)
                    if isinstance(reason, str):
                        raise JobFailed(reason, str(getattr(exc, "detail", ""))) from None
                    raise JobFailed("extraction_error", f"{type(exc).__name__}: {exc}") from None
                self.on_count("done")
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Stop the workers (a page still running is abandoned: the crawl is over)."""
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=10)
            self._pool = None
