"""robots.txt is obeyed, and fails closed (RELIABILITY.md A8): crawls of the replicas."""

from __future__ import annotations

from sqlalchemy import select

from crawler.middlewares.retry import retry_after_seconds
from storage.db import session_scope
from storage.models import CrawlRun
from tests.fixtures_crawl import CrawlEnv

#: a news source over the faults replica, whose /robots.txt can be switched to 503 or a hang
FAULTS_SOURCE = """
[sources.faultnews]
name = "Faults replica as a news source"
kind = "trade_press"
domains = ["faults.invalid"]
listings = [{ url = "https://faults.invalid/" }]
base_url = "{base}"
"""


def last_run(env: CrawlEnv, source: str) -> CrawlRun:
    with session_scope(env.engine) as session:
        return session.execute(
            select(CrawlRun).where(CrawlRun.source == source).order_by(CrawlRun.id.desc()).limit(1)
        ).scalar_one()


def test_disallowed_page_is_never_requested_and_is_not_a_failure(crawler_env: CrawlEnv) -> None:
    proc = crawler_env.crawl("localgov")
    assert proc.returncode == 0, proc.stderr[-3000:]
    hits = crawler_env.mock.hits("localgov")
    assert "/robots.txt" in hits
    assert not [p for p in hits if p.startswith("/Embargoed-")], hits
    assert any(p.startswith("/Kent-to-recruit") for p in hits)  # allowed pages are crawled
    run = last_run(crawler_env, "localgov")
    assert run.stats.get("carewatch/robots/forbidden", 0) >= 1
    assert run.status in ("ok", "partial"), run.error


def test_robots_503_means_no_page_of_that_host_is_fetched_and_the_run_says_why(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config(FAULTS_SOURCE.replace("{base}", crawler_env.mock.base("faults")))
    crawler_env.mock.set_scenario("robots_503")
    proc = crawler_env.crawl("faultnews")
    assert proc.returncode == 0, proc.stderr[-3000:]
    hits = crawler_env.mock.hits("faults")
    assert set(hits) == {"/robots.txt"}, f"pages fetched despite robots.txt 503: {hits}"
    assert hits["/robots.txt"] == {"503": 2}  # one retry (after Retry-After: 1), no more
    run = last_run(crawler_env, "faultnews")
    assert run.status == "robots_unavailable"
    assert run.error and "robots.txt" in run.error
    assert run.stats["carewatch/robots_unavailable"] == 1
    assert "HTTP 503" in run.stats["carewatch/robots_unavailable_detail"]
    assert run.stats.get("carewatch/retry_after/waits") == 1

    # The next run, robots.txt is back: the host is crawled again.
    crawler_env.mock.unset_scenario("robots_503")
    crawler_env.mock.reset_hits()
    # (it stops after the listing: the rest of the faults site, /hang and all, is not this test's)
    assert crawler_env.crawl("faultnews", settings={"CLOSESPIDER_PAGECOUNT": "2"}).returncode == 0
    assert "/" in crawler_env.mock.hits("faults")


def test_retry_after_values() -> None:
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    from datetime import UTC, datetime

    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Sun, 29 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 29 Nov 2026 11:00:00 GMT", now) == 0.0
