"""Extraction in a worker process (pebble): a page over its time limit is killed, a dead worker
is replaced, the other pages go on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.pipelines.pool import ExtractionPool, JobFailed
from storage.db import session_scope
from storage.models import CrawlRun, PageState
from tests.fixtures_crawl import CrawlEnv, croydon_with_page

PREPARE = "crawler.pipelines.document:prepare_page"
CROYDON = Path(__file__).parent / "sites" / "croydon"
STATEMENT = (CROYDON / "croydon-council-statement-in-response-to-ofsted-report.html").read_bytes()
PARAGRAPH = ("<p>Inspectors found that leaders in the council had a clear understanding of the strengths "
             "and weaknesses of children's services, but that management oversight was inconsistent.</p>")
#: a pathological page: just under the 5 MB limit of one <article> of short paragraphs, which
#: takes the extractor seconds (a normal page takes milliseconds)
HUGE = f"<html><head><title>Council news</title></head><body><article>{PARAGRAPH * 27_000}</article></body></html>"


def _die() -> None:
    import os

    os._exit(3)


async def _timeout_then_normal() -> tuple[BaseException | None, object, dict[str, int]]:
    counts: dict[str, int] = {}
    pool = ExtractionPool(timeout=1.0)
    pool.on_count = lambda key: counts.__setitem__(key, counts.get(key, 0) + 1)
    try:
        huge = pool.run(PREPARE, HUGE.encode(), "https://news.croydon.gov.uk/huge/", max_bytes=5_000_000)
        failed = (await asyncio.gather(huge, return_exceptions=True))[0]
        normal = await pool.run(PREPARE, STATEMENT, "https://news.croydon.gov.uk/statement/")
        return failed if isinstance(failed, BaseException) else None, normal, counts
    finally:
        pool.close()


def test_a_page_over_its_time_limit_is_killed_and_the_next_page_is_extracted() -> None:
    failed, normal, counts = asyncio.run(_timeout_then_normal())
    assert isinstance(failed, JobFailed) and failed.reason == "extraction_timeout"
    assert getattr(normal, "canonical_url", "").endswith("/croydon-council-statement-in-response-to-ofsted-report/")
    assert counts == {"timeouts": 1, "done": 1}


async def _die_then_run() -> tuple[BaseException | None, object]:
    pool = ExtractionPool(timeout=20.0)
    try:
        try:
            await pool.run("tests.test_extract_pool:_die")
            crashed = None
        except JobFailed as exc:
            crashed = exc
        return crashed, await pool.run(PREPARE, STATEMENT, "https://news.croydon.gov.uk/statement/")
    finally:
        pool.close()


def test_a_page_whose_worker_dies_twice_fails_and_a_new_worker_takes_the_next() -> None:
    crashed, normal = asyncio.run(_die_then_run())
    assert isinstance(crashed, JobFailed) and crashed.reason == "extraction_crashed"
    assert "exit code 3" in crashed.detail
    assert normal.extracted.title == "Croydon Council statement in response to Ofsted report"


@pytest.fixture
def huge_page_env(tmp_path: Path) -> Iterator[CrawlEnv]:
    """The Croydon replica, its feed leading first to a pathological page (seconds to extract)."""
    env = croydon_with_page(tmp_path, "/childrens-services-annual-report/", HUGE)
    try:
        yield env
    finally:
        env.close()
        env.mock.close()


def test_a_page_past_its_time_limit_is_dropped_unprocessed_and_fetched_in_full_next_run(
    huge_page_env: CrawlEnv,
) -> None:
    env = huge_page_env
    proc = env.crawl("croydon", settings={"CAREWATCH_EXTRACT_TIMEOUT": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    with session_scope(env.engine) as session:
        run = session.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()
        assert run.dropped.get("extraction_timeout") == 1
        assert run.articles_new == 3  # the other pages went on
        assert run.status == "partial" and run.finished_at is not None
        # no validators kept for the page, never checked: due next time, fetched in full
        page = session.execute(select(PageState).where(PageState.url.contains("annual-report"))).scalar_one()
        assert (page.etag, page.content_hash, page.last_fetched_at) == (None, None, None)

    env.mock.reset_hits()
    assert env.crawl("croydon", settings={"CAREWATCH_EXTRACT_TIMEOUT": "1"}).returncode == 0
    assert env.mock.hits("croydon")["/childrens-services-annual-report/"] == {"200": 1}
