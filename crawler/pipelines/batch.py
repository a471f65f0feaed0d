"""The crawl's database writer: one thread, short batched transactions, off the reactor.

Articles (``store``), Ofsted reports (``store_report``) and page-state rows (``record`` /
``touch``) are queued on the reactor thread and written, in order, by one thread
(storage.batchwrite). Writes are group-committed: what is queued waits up to
``CAREWATCH_WRITE_INTERVAL_MS`` for more, then goes in one transaction; ``CAREWATCH_WRITE_BATCH``
articles queued are written at once, and articles that arrive during a transaction go together
in the next one while a full batch is waiting. A transaction has a fixed CPU cost of about a
third of an article's (session, page-state upsert, commit, SQLite's full-text index flush): a
fast crawl that wrote each article as it arrived, alone or nearly, spent about a quarter of its
writer's CPU on transactions (benchmarks/bench_store.py, batches of 1 against 50). An article
waiting is not yet stored, and neither is its page state: a crawl killed meanwhile
fetches the page again next run. SQLite sees one writer per crawl, and a slow write never
holds back downloads.

A batch that fails is rolled back and its articles are tried once more, one per transaction:
an article that fails again costs only itself (its future raises) and its page state is not
written, so the page is fetched again next run. A database that is full or read-only fails the
whole batch with DatabaseUnwritable (storage.batchwrite), and the crawl stops (StorePipeline).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from storage.batchwrite import write_batch, write_report
from storage.errors import DatabaseUnwritable
from storage.pagestate import PageRecord, PageStateBuffer
from storage.reports import ReportInput, ReportResult
from storage.repository import ArticleInput, StoreResult
from storage.types import utcnow

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    article: ArticleInput
    page: PageRecord | None
    future: asyncio.Future[StoreResult]


class BatchWriter:
    """Queue of writes for one crawl; see the module docstring."""

    def __init__(self, engine: Engine, *, batch_size: int = 50, interval: float = 0.25,
                 on_unwritable: Callable[[DatabaseUnwritable], None] | None = None) -> None:
        self.engine = engine
        #: told when the database takes no more writes, even of page state alone (an unchanged
        #: re-crawl stores no article whose pipeline would say it)
        self.on_unwritable = on_unwritable
        self.batch_size = max(1, batch_size)
        self.interval = max(0.001, interval)
        self._pending: list[_Pending] = []
        self._pages = PageStateBuffer()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cw-writer")
        self._flushing: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        #: close() has begun: write everything queued, without waiting for more
        self._draining = False
        self.transactions = 0

    # -- queueing (reactor thread) --------------------------------------------------------------

    def store(self, article: ArticleInput, page: PageRecord | None = None) -> asyncio.Future[StoreResult]:
        """Queue an article (and its page-state row, linked to the stored article)."""
        fut: asyncio.Future[StoreResult] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(article, page, fut))
        if len(self._pending) >= self.batch_size:
            self._kick()
        else:
            self._arm()
        return fut

    async def store_report(self, report: ReportInput) -> ReportResult:
        """Write one Ofsted report, in its own transaction, in turn with the article batches."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, write_report, self.engine, report)

    def record(self, rec: PageRecord) -> None:
        self._pages.record(rec)
        self._arm()

    def touch(self, url: str, when: datetime | None = None) -> None:
        self._pages.touch(url, when or utcnow())
        self._arm()

    def _arm(self) -> None:
        if self._timer is None and not self._closed:
            self._timer = asyncio.get_event_loop().call_later(self.interval, self._kick)

    def _kick(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush_loop())
        # else: the running flush loop takes what is queued with its next transaction

    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending or len(self._pages):
            batch, self._pending = self._pending[: self.batch_size], self._pending[self.batch_size:]
            records, touches = self._pages.take()
            try:
                results = await loop.run_in_executor(
                    self._thread, write_batch, self.engine, [(p.article, p.page) for p in batch], records, touches)
                self.transactions += 1
            except DatabaseUnwritable as exc:  # full, read-only: no traceback, the pipeline says it
                logger.warning("carewatch: %d article(s) and %d page-state row(s) not written: %s",
                               len(batch), len(records) + len(touches), exc)
                results = [exc] * len(batch)
                if self.on_unwritable is not None:
                    self.on_unwritable(exc)
            except Exception as exc:  # the page-state rows alone failed
                logger.exception("carewatch: database write failed: %s", exc)
                results = [exc] * len(batch)
            for pending, result in zip(batch, results, strict=True):
                if pending.future.done():
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    pending.future.set_result(result)
            if len(self._pending) < self.batch_size and not self._draining:
                break  # less than a batch came meanwhile: it waits for more
        if self._pending or len(self._pages):
            self._arm()

    async def close(self) -> None:
        """Write everything queued, then stop the thread."""
        if self._closed:
            return
        self._draining = True
        if self._pending or len(self._pages):
            self._kick()
        if self._flushing is not None:
            await self._flushing
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._thread.shutdown(wait=True)
