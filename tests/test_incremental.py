"""Incremental re-crawls against the replicas: conditional requests, the revisit policy, page state.

The replicas answer ``If-None-Match`` / ``If-Modified-Since`` with 304 and count what they
served (``/__mock__/hits``), so these tests check what a re-crawl costs the site.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select

from storage.db import session_scope
from storage.models import Article, Base, CrawlRun, PageState, Revision
from storage.pagestate import (
    PageRecord,
    RevisitPolicy,
    flush_page_states,
    is_due,
    load_page_state,
)
from tests.fixtures_crawl import CrawlEnv

#: every known article is due at once: the re-crawl asks for each article, conditionally
ALWAYS_DUE = "\n[sources.{source}.revisit]\nyoung_hours = 0.0\nold_days = 0.000001\n"


def last_run(env: CrawlEnv) -> CrawlRun:
    with session_scope(env.engine) as session:
        return session.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()


def article_paths(env: CrawlEnv, site: str) -> set[str]:
    with session_scope(env.engine) as session:
        urls = session.execute(select(PageState.url).where(PageState.kind == "article")).scalars().all()
    base = env.mock.base(site)
    return {u.removeprefix(base).split("?")[0] for u in urls}


def crawl_ok(env: CrawlEnv, source: str, **settings: str) -> None:
    proc = env.crawl(source, settings=settings or None)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_unchanged_feed_costs_one_conditional_request_and_a_changed_one_only_its_new_article(
    crawler_env: CrawlEnv,
) -> None:
    crawl_ok(crawler_env, "communitycare")
    first = last_run(crawler_env)
    assert first.articles_new > 0
    known = article_paths(crawler_env, "communitycare")

    # Unchanged site, nothing due yet: only the two feeds are asked for, and both answer 304.
    crawler_env.mock.reset_hits()
    crawl_ok(crawler_env, "communitycare")
    hits = crawler_env.mock.hits("communitycare")
    pages = {path: statuses for path, statuses in hits.items() if path != "/robots.txt"}
    assert pages == {"/feed/": {"304": 1}, "/tag/ofsted/feed/": {"304": 1}}
    run = last_run(crawler_env)
    assert run.status == "ok", run.error
    assert run.not_modified == 2 and run.articles_new == 0
    assert run.stats.get("carewatch/start_ok") == 2

    # The feed gains an item: the feed is downloaded again, but only the new article is fetched.
    crawler_env.mock.set_scenario("new_article")
    crawler_env.mock.reset_hits()
    crawl_ok(crawler_env, "communitycare")
    hits = crawler_env.mock.hits("communitycare")
    downloaded = {p.split("?")[0] for p, s in hits.items() if "200" in s} - {"/robots.txt", "/feed/"}
    assert downloaded == {"/2020/03/18/ofsted-finds-serious-weaknesses-in-northamptonshire-front-door/"}
    assert not downloaded & known
    run = last_run(crawler_env)
    assert run.articles_new == 1 and run.status == "ok", run.error
    assert run.stats.get("carewatch/links/not_due", 0) >= 1


def test_due_articles_are_rechecked_conditionally_none_downloaded_again_revisions_found(
    crawler_env: CrawlEnv,
) -> None:
    crawler_env.write_config(ALWAYS_DUE.format(source="croydon"))
    crawl_ok(crawler_env, "croydon")
    stored = article_paths(crawler_env, "croydon")
    assert len(stored) == 4, stored  # three articles and one off-topic page, all remembered

    # Every known page is due: each is asked for conditionally, each answers 304.
    crawler_env.mock.reset_hits()
    crawl_ok(crawler_env, "croydon")
    hits = crawler_env.mock.hits("croydon")
    served_200 = {p for p, s in hits.items() if "200" in s and p != "/robots.txt"}
    assert served_200 == set(), f"downloaded again: {served_200}"
    asked = {p.split("?")[0] for p, s in hits.items() if "304" in s}
    assert stored <= asked, f"due articles not re-checked: {stored - asked}"
    run = last_run(crawler_env)
    assert run.status == "ok", run.error
    assert run.not_modified == len(asked) == 5  # the feed and the four pages
    assert run.stats.get("carewatch/extract_pool/done", 0) == 0, "a 304 was extracted"

    # The statement is revised (feed unchanged): the due re-check downloads it, one revision.
    crawler_env.mock.set_scenario("revised")
    crawler_env.mock.reset_hits()
    crawl_ok(crawler_env, "croydon")
    hits = crawler_env.mock.hits("croydon")
    assert {p.split("?")[0] for p, s in hits.items() if "200" in s} - {"/robots.txt"} == {
        "/croydon-council-statement-in-response-to-ofsted-report/"}
    assert last_run(crawler_env).articles_revised == 1
    with session_scope(crawler_env.engine) as session:
        assert session.execute(select(func.count()).select_from(Revision)).scalar_one() == 1


# --------------------------------------------------------------------------- storage.pagestate


def test_revisit_policy() -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    policy = RevisitPolicy(young_days=3, young_hours=6, old_days=30)
    young = now - timedelta(days=1)
    old = now - timedelta(days=100)
    assert is_due(now, young, None, policy)
    assert not is_due(now, young, now - timedelta(hours=5), policy)
    assert is_due(now, young, now - timedelta(hours=6), policy)
    assert not is_due(now, old, now - timedelta(days=29), policy)
    assert is_due(now, old, now - timedelta(days=30), policy)
    assert not is_due(now, old, now - timedelta(days=300), RevisitPolicy(old_days=0))


def test_page_state_upsert_keeps_last_changed_when_unchanged_and_touch_moves_last_checked() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    t1, t2 = t0 + timedelta(hours=1), t0 + timedelta(hours=2)
    url = "https://www.example.org/news/a?utm_source=rss"
    with session_scope(engine) as s:
        s.add(Article(source="src", canonical_url="https://www.example.org/news/a", body_hash="x",
                      first_seen_at=t0, last_seen_at=t0, last_changed_at=t0))
    with session_scope(engine) as s:
        flush_page_states(s, [PageRecord(url=url, source="src", kind="article", fetched_at=t0,
                                         etag='"v1"', content_hash="h1", http_status=200, article_id=1)])
    with session_scope(engine) as s:
        flush_page_states(s, [PageRecord(url=url, source="src", kind="article", fetched_at=t1,
                                         etag='"v2"', content_hash="h1", http_status=200, changed=False)])
        flush_page_states(s, [], {url: t2})
    with session_scope(engine) as s:
        row = s.get(PageState, url)
        assert row is not None
        assert (row.etag, row.article_id, row.last_changed_at, row.last_fetched_at) == ('"v2"', 1, t0, t2)
        index = load_page_state(s, "src")
    v = index.validators_for(url)
    assert v is not None and v.etag == '"v2"' and v.content_hash == "h1"
    assert index.knows("http://example.org/news/a/")  # same article whatever the URL variant
    assert not index.is_due("https://example.org/news/a", RevisitPolicy(), now=t2 + timedelta(hours=1))
    assert index.is_due("https://example.org/news/b", RevisitPolicy(), now=t2)
