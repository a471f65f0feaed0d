"""Extraction in worker processes: a stuck document is killed at its limit, the rest go on."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from crawler.pipelines.pool import JobFailed, ProcessPool
from storage.db import session_scope
from storage.models import CrawlRun, PageState
from tests.fixtures_crawl import CrawlEnv

#: only the foster-carers page has this title; with the test-only hook set, extracting it hangs
MARKER = "<title>Foster carers needed"
FOSTER = "/foster-carers-needed-as-croydon-launches-recruitment-campaign/"


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


class _Reasoned(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _fail(reason: str) -> None:
    raise _Reasoned(reason)


async def _pool_run() -> dict[str, object]:
    pool = ProcessPool(workers=2, max_pending=3, timeout=1.0, max_tasks_per_child=3,
                       preload=["tests.test_extract_pool"])
    try:
        started = time.monotonic()
        results = await asyncio.gather(
            pool.run("tests.test_extract_pool:_sleep", 30.0),  # stuck: killed after 1 s
            *(pool.run("tests.test_extract_pool:_sleep", 0.05) for _ in range(8)),
            return_exceptions=True,
        )
        elapsed = time.monotonic() - started
        with pytest.raises(JobFailed) as failed:
            await pool.run("tests.test_extract_pool:_fail", "too_short")
        return {"results": results, "elapsed": elapsed, "reason": failed.value.reason,
                "counts": dict(pool.counts), "peak": pool.peak_pending}
    finally:
        await pool.close()


def test_pool_kills_a_stuck_job_and_keeps_going() -> None:
    out = asyncio.run(_pool_run())
    results = out["results"]
    assert isinstance(results, list)
    assert isinstance(results[0], JobFailed) and results[0].reason == "extraction_timeout"
    assert results[1:] == [0.05] * 8
    assert out["elapsed"] < 10
    assert out["reason"] == "too_short"  # the job's own reason comes back
    counts = out["counts"]
    assert isinstance(counts, dict) and counts["timeouts"] == 1 and counts["replaced"] >= 2
    assert out["peak"] == 3  # back-pressure: never more than max_pending in flight


def _die() -> None:
    import os

    os._exit(3)


async def _crash_then_run() -> tuple[object, list[object]]:
    pool = ProcessPool(workers=1, timeout=5.0, preload=["tests.test_extract_pool"])
    try:
        try:
            await pool.run("tests.test_extract_pool:_die")
            crashed: object = None
        except JobFailed as exc:
            crashed = exc
        after = [await pool.run("tests.test_extract_pool:_sleep", 0.01) for _ in range(3)]
        return crashed, after
    finally:
        await pool.close()


def test_a_worker_that_dies_fails_only_its_job() -> None:
    crashed, after = asyncio.run(_crash_then_run())
    assert isinstance(crashed, JobFailed) and crashed.reason == "extraction_crashed"
    assert "exit code 3" in crashed.detail
    assert after == [0.01, 0.01, 0.01]


async def _cancel_then_run() -> list[object]:
    pool = ProcessPool(workers=1, timeout=5.0, preload=["tests.test_extract_pool"])
    try:
        job = asyncio.ensure_future(pool.run("tests.test_extract_pool:_sleep", 0.3))
        await asyncio.sleep(0.1)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        # the cancelled job's late reply (0.3) must never be taken as a later job's result
        return [await pool.run("tests.test_extract_pool:_sleep", 0.02 * (i + 1)) for i in range(3)]
    finally:
        await pool.close()


def test_a_cancelled_job_does_not_answer_for_the_next_one() -> None:
    assert asyncio.run(_cancel_then_run()) == [0.02, 0.04, 0.06]


def _size(data: bytes) -> int:
    return len(data)


async def _mixed_sizes() -> list[object]:
    pool = ProcessPool(workers=2, max_pending=8, timeout=10.0, preload=["tests.test_extract_pool"])
    try:
        sizes = [40_000, 3_000_000, 40_000, 5_000_000, 40_000, 40_000, 2_500_000, 40_000, 40_000]
        return list(await asyncio.gather(*(pool.run("tests.test_extract_pool:_size", b"x" * n)
                                           for n in sizes)))
    finally:
        await pool.close()


def test_documents_of_every_size_come_back_in_their_own_order() -> None:
    # small documents are queued in the workers' sockets behind the running one; a document
    # bigger than that room waits for an idle worker instead of blocking the event loop
    assert asyncio.run(_mixed_sizes()) == [40_000, 3_000_000, 40_000, 5_000_000, 40_000, 40_000,
                                           2_500_000, 40_000, 40_000]


def test_stuck_extraction_is_killed_page_recorded_failed_crawl_finishes(crawler_env: CrawlEnv) -> None:
    started = time.monotonic()
    proc = crawler_env.crawl("croydon", settings={
        "CAREWATCH_TEST_SLOW_EXTRACT_MARKER": MARKER,  # test-only hook (crawler.pipelines.pool)
        "CAREWATCH_EXTRACT_TIMEOUT": "2",
    })
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert time.monotonic() - started < 60
    with session_scope(crawler_env.engine) as session:
        run = session.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()
        assert run.dropped.get("extraction_timeout") == 1
        assert run.articles_new == 2  # the other two children's-services articles
        assert run.status in ("ok", "partial") and run.finished_at is not None
        assert run.stats.get("carewatch/extract_pool/timeouts") == 1
        # No validators kept for the failed page, never checked: fetched in full next time.
        failed = session.execute(select(PageState).where(PageState.url.contains(FOSTER))).scalar_one()
        assert (failed.etag, failed.content_hash, failed.last_fetched_at) == (None, None, None)

    # Next run (no hook): the page is due (never processed) and is stored.
    assert crawler_env.crawl("croydon").returncode == 0
    with session_scope(crawler_env.engine) as session:
        run = session.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()
        assert run.articles_new == 1
