"""One database writer per crawl: batched short transactions in a thread, off the reactor.

Articles (``store``) and page-state rows (``record`` / ``touch``) are queued on the reactor
thread and written by a single worker thread, up to ``CAREWATCH_WRITE_BATCH`` articles per
transaction or every ``CAREWATCH_WRITE_INTERVAL_MS`` milliseconds, whichever comes first. Only
one transaction is in flight at a time, so a slow write holds back other writes but never the
downloads, and SQLite sees one writer per crawl process.

If a batch fails, it is rolled back and its articles are retried one per transaction, so one
bad article costs only itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import Engine

from storage.db import session_scope
from storage.pagestate import PageRecord, PageStateBuffer, flush_page_states
from storage.repository import ArticleInput, StoreResult, store_article
from storage.types import utcnow

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    article: ArticleInput
    page: PageRecord | None
    future: asyncio.Future[StoreResult]


class BatchWriter:
    """Queue of writes for one crawl; see the module docstring."""

    def __init__(self, engine_factory: Callable[[], Engine], *, batch_size: int = 50,
                 interval: float = 0.25) -> None:
        self._engine_factory = engine_factory
        self._engine: Engine | None = None
        self.batch_size = max(1, batch_size)
        self.interval = max(0.001, interval)
        self._pending: list[_Pending] = []
        self._pages = PageStateBuffer()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="carewatch-db")
        self._flushing: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self.transactions = 0

    # -- queueing (reactor thread) --------------------------------------------------------------

    def store(self, article: ArticleInput, page: PageRecord | None = None) -> asyncio.Future[StoreResult]:
        """Queue an article (and its page-state row, linked to the stored article)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[StoreResult] = loop.create_future()
        self._pending.append(_Pending(article, page, fut))
        if len(self._pending) >= self.batch_size:
            self._kick()
        else:
            self._arm()
        return fut

    def record(self, rec: PageRecord) -> None:
        self._pages.record(rec)
        self._arm()

    def touch(self, url: str, when: datetime | None = None) -> None:
        self._pages.touch(url, when or utcnow())
        self._arm()

    def _arm(self) -> None:
        if self._timer is None and not self._closed:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = asyncio.get_event_loop()
            self._timer = loop.call_later(self.interval, self._kick)

    def _kick(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush_loop())

    async def _flush_loop(self) -> None:
        _ = self.engine  # created on the reactor thread (run_state is not thread-safe)
        while self._pending or len(self._pages):
            batch, self._pending = self._pending[: self.batch_size], self._pending[self.batch_size:]
            records, touches = self._pages.take()
            loop = asyncio.get_running_loop()
            try:
                results = await loop.run_in_executor(self._thread, self._write, batch, records, touches)
            except Exception as exc:  # the page-state rows alone failed
                logger.exception("carewatch: page-state write failed: %s", exc)
                results = [exc] * len(batch)
            for pending, result in zip(batch, results, strict=True):
                if pending.future.done():
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    pending.future.set_result(result)

    async def close(self) -> None:
        """Write everything queued, then stop the thread."""
        if self._closed:
            return
        if self._pending or len(self._pages):
            self._kick()
        if self._flushing is not None:
            await self._flushing
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._thread.shutdown(wait=True)

    # -- writing (worker thread) ----------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._engine_factory()
        return self._engine

    def _write(self, batch: list[_Pending], records: list[PageRecord],
               touches: dict[str, datetime]) -> list[StoreResult | BaseException]:
        try:
            with session_scope(self.engine) as session:
                results: list[StoreResult | BaseException] = []
                for pending in batch:
                    result = store_article(session, pending.article)
                    results.append(result)
                    if pending.page is not None:
                        pending.page.article_id = result.article_id
                        records.append(pending.page)
                flush_page_states(session, records, touches)
            self.transactions += 1
            return results
        except Exception as exc:
            if not batch:
                raise
            logger.warning("carewatch: batch of %d article(s) failed (%s); retrying one by one",
                           len(batch), exc)
            records = [r for r in records if all(r is not p.page for p in batch)]
        out: list[StoreResult | BaseException] = []
        for pending in batch:
            try:
                with session_scope(self.engine) as session:
                    result = store_article(session, pending.article)
                    if pending.page is not None:
                        pending.page.article_id = result.article_id
                        flush_page_states(session, [pending.page])
                self.transactions += 1
                out.append(result)
            except Exception as exc:
                out.append(exc)
        if records or touches:
            with session_scope(self.engine) as session:
                flush_page_states(session, records, touches)
            self.transactions += 1
        return out


def batch_writer(crawler: Crawler) -> BatchWriter:
    """The crawl's BatchWriter, created on first use (shares the crawl's engine)."""
    existing = getattr(crawler, "_carewatch_writer", None)
    if existing is not None:
        return existing
    from crawler.runstate import run_state

    settings = crawler.settings
    writer = BatchWriter(
        lambda: run_state(crawler).engine,
        batch_size=settings.getint("CAREWATCH_WRITE_BATCH", 50),
        interval=settings.getint("CAREWATCH_WRITE_INTERVAL_MS", 250) / 1000,
    )
    crawler._carewatch_writer = writer  # type: ignore[attr-defined]

    async def _closed(*_: Any, **__: Any) -> None:
        await writer.close()

    crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
    return writer
