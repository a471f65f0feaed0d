"""Ofsted re-crawls against the replica: providers with signs of news first, conditional
provider pages only where the server answers validators, and a full sweep that catches a
server whose 304s hide reports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import session_scope
from storage.models import Article, ArticleLA, CrawlRun, Report
from storage.types import utcnow
from tests.fixtures_crawl import CrawlEnv

pytestmark = pytest.mark.timeout(240)

SETTINGS = {"CAREWATCH_OFSTED_MIN_PROVIDERS": "3", "CAREWATCH_BACKOFF_BASE": "0.05",
            "CAREWATCH_BACKOFF_MAX": "0.2"}
PROVIDERS = ("/provider/44/80492", "/provider/44/80903", "/provider/44/80904")


@pytest.fixture
def env(crawler_env: CrawlEnv) -> Iterator[CrawlEnv]:
    crawler_env.write_config()
    text = crawler_env.config_path.read_text(encoding="utf-8")
    crawler_env.config_path.write_text(
        text.replace("[sources.ofsted]\n", "[sources.ofsted]\ndownload_delay = 0\n"), encoding="utf-8")
    crawler_env.mock.set_scenario("ofsted_small")
    yield crawler_env


def crawl(env: CrawlEnv, **settings: str) -> CrawlRun:
    proc = env.crawl("ofsted", settings={**SETTINGS, **settings})
    assert proc.returncode == 0, proc.stderr[-4000:]
    with Session(env.engine) as s:
        return s.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()


def stored(env: CrawlEnv, file_id: str) -> bool:
    with Session(env.engine) as s:
        return s.execute(select(Report.id).where(Report.file_id == file_id)).first() is not None


def provider_hits(env: CrawlEnv) -> dict[str, dict[str, int]]:
    hits = env.mock.hits("ofsted")
    return {p: hits.get(p, {}) for p in PROVIDERS}


#: one request at a time, six answers: robots.txt, two search pages, the first provider page,
#: the next request already on its way while that page is parsed, and one file
BUDGET = {"CONCURRENT_REQUESTS_PER_DOMAIN": "1", "CONCURRENT_REQUESTS": "1", "CLOSESPIDER_PAGECOUNT": "6"}


def test_provider_with_trade_press_coverage_is_visited_first(env: CrawlEnv) -> None:
    crawl(env)  # baseline
    env.mock.set_scenario("ofsted_new_ilacs_2026")  # a new Croydon report
    crawl(env, **BUDGET)
    # Northmoor and Southvale (latest judgements include Inadequate) come before Croydon
    assert not stored(env, "50310001")

    with session_scope(env.engine) as s:  # Community Care writes about Croydon's inspection
        article = Article(source="communitycare", canonical_url="https://www.communitycare.co.uk/x/",
                          title="Ofsted inspectors return to Croydon", body="Croydon's children's services …",
                          body_hash="h" * 64, first_seen_at=utcnow(), last_seen_at=utcnow())
        s.add(article)
        s.flush()
        s.add(ArticleLA(article_id=article.id, la_code="E09000008"))
    crawl(env, **BUDGET)
    assert stored(env, "50310001")  # Croydon's page first, then its new file, within six answers


def test_provider_pages_are_asked_conditionally_when_the_server_answers_validators(env: CrawlEnv) -> None:
    first = crawl(env)  # the replica's default: no validators (what is known of the real site)
    assert first.stats["carewatch/ofsted/full_sweep"] == 1
    second = crawl(env)
    assert second.stats["carewatch/ofsted/full_sweep"] == 1  # nothing to be conditional with

    env.mock.set_scenario("ofsted_validators")
    crawl(env)  # full sweep: records the validators
    env.mock.reset_hits()
    quiet = crawl(env)
    assert "carewatch/ofsted/full_sweep" not in quiet.stats
    assert quiet.stats["carewatch/providers/not_modified"] == 3
    # (Southvale's page answers one 403 after every hit-counter reset: retried, then 304)
    assert all(h.get("304") == 1 and "200" not in h for h in provider_hits(env).values()), provider_hits(env)

    env.mock.set_scenario("ofsted_new_ilacs_2026")  # Croydon's page changes: a full 200
    env.mock.reset_hits()
    crawl(env)
    assert stored(env, "50310001")
    assert provider_hits(env)["/provider/44/80492"] == {"200": 1}


def test_a_full_sweep_catches_304s_that_hide_a_report(env: CrawlEnv) -> None:
    env.mock.set_scenario("ofsted_validators_broken")  # one ETag whatever the page says
    crawl(env)
    crawl(env)  # conditional: 304s
    env.mock.set_scenario("ofsted_new_monitoring_visit")  # Northmoor, published two days ago
    missed = crawl(env)
    assert missed.stats["carewatch/providers/not_modified"] == 3
    assert not stored(env, "50300002")  # the server said "not modified"

    swept = crawl(env, CAREWATCH_OFSTED_FULL_SWEEP_HOURS="0")  # the periodic full sweep
    assert swept.stats["carewatch/ofsted/full_sweep"] == 1
    assert stored(env, "50300002")
    assert swept.stats["carewatch/ofsted/validators_unreliable"] == 1
    env.mock.reset_hits()
    after = crawl(env)  # validators no longer trusted: full sweeps
    assert after.stats["carewatch/ofsted/full_sweep"] == 1
    assert all("200" in h for h in provider_hits(env).values()), provider_hits(env)
