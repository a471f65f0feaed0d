"""Crawling the news replicas stores exactly the expected articles (tests/sites/expected.toml).

One module-wide crawl of every news source feeds the per-article checks; further tests
re-crawl, switch scenarios and drive ``scrapy list`` / ``scrapy crawl`` from the repository root.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from crawler.sources import load_sources
from storage.db import session_scope
from storage.dedup import url_key
from storage.gazetteer import lookup
from storage.models import Article, ArticleUrl, CrawlRun, Revision
from tests.fixtures_crawl import CrawlEnv
from tests.fixtures_mockserver import MockServerProcess

LONDON = ZoneInfo("Europe/London")
SITES = Path(__file__).parent / "sites"
EXPECTED = tomllib.loads((SITES / "expected.toml").read_text(encoding="utf-8"))
NEWS_SOURCES = sorted({a["site"] for a in EXPECTED["article"]})
#: sources that keep only children's-services articles (council feeds carry all council news)
TOPIC_FILTERED = {sid for sid, src in load_sources(data={}).items() if src.topic_filter}
ON_TOPIC = [a for a in EXPECTED["article"] if a["childrens_services"] or a["site"] not in TOPIC_FILTERED]
BASE_ARTICLES = [a for a in ON_TOPIC if "scenario" not in a]
DROPPED = EXPECTED.get("dropped", []) + [
    {**a, "reason": "off_topic"} for a in EXPECTED["article"] if a not in ON_TOPIC and "scenario" not in a
]


def squash(text: str) -> str:
    return " ".join(text.split())


def find_article(env: CrawlEnv, site: str, path: str) -> Article | None:
    key = url_key(env.mock.url(site, path))
    with session_scope(env.engine) as session:
        article_id = session.execute(select(ArticleUrl.article_id).where(ArticleUrl.key == key)).scalar()
        if article_id is None:
            return None
        article = session.get(Article, article_id)
        assert article is not None
        _ = (article.urls, article.las, article.revisions)  # load before the session closes
        return article


def article_count(env: CrawlEnv) -> int:
    with session_scope(env.engine) as session:
        return session.execute(select(func.count()).select_from(Article)).scalar_one()


@pytest.fixture(scope="module")
def crawled(mockserver: MockServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawlEnv]:
    """Every news source crawled once into one database (one crawl child for all of them)."""
    mockserver.reset_scenarios()
    mockserver.reset_hits()
    tmp = tmp_path_factory.mktemp("crawled")
    env = CrawlEnv(mock=mockserver, tmp_path=tmp, config_path=tmp / "carewatch.toml",
                   db_url=f"sqlite:///{tmp / 'carewatch.db'}")
    env.write_config()
    outcomes = env.crawl_together(NEWS_SOURCES)
    log = (tmp / "crawl-batch.log").read_text(encoding="utf-8", errors="replace")
    assert [o.returncode for o in outcomes] == [0] * len(NEWS_SOURCES), f"the crawl failed:\n{log[-3000:]}"
    yield env
    env.close()


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [f"{a['site']}:{a['path']}" for a in items]


@pytest.mark.parametrize("expected", BASE_ARTICLES, ids=ids(BASE_ARTICLES))
def test_expected_article_is_stored_with_title_date_and_body(crawled: CrawlEnv, expected: dict[str, Any]) -> None:
    article = find_article(crawled, expected["site"], expected["path"])
    assert article is not None, f"not stored: {expected['site']}{expected['path']}"
    assert squash(article.title) == squash(expected["title"])
    assert article.published_at is not None
    assert article.published_at.astimezone(LONDON).date().isoformat() == expected["date"]
    body = squash(article.body)
    for sentence in expected["body_contains"]:
        assert squash(sentence) in body, f"missing from body: {sentence!r}"
    for boilerplate in expected.get("body_excludes", []):
        assert squash(boilerplate) not in body, f"boilerplate in body: {boilerplate!r}"


@pytest.mark.parametrize("expected", BASE_ARTICLES, ids=ids(BASE_ARTICLES))
def test_expected_article_is_tagged_with_its_las(crawled: CrawlEnv, expected: dict[str, Any]) -> None:
    article = find_article(crawled, expected["site"], expected["path"])
    assert article is not None
    assert sorted(t.la_code for t in article.las) == sorted(lookup(name).ons_code for name in expected["las"])


@pytest.mark.parametrize("dropped", DROPPED, ids=ids(DROPPED))
def test_page_that_is_not_an_article_is_not_stored(crawled: CrawlEnv, dropped: dict[str, Any]) -> None:
    article = find_article(crawled, dropped["site"], dropped["path"])
    if dropped["reason"] == "walled" and article is not None:
        assert article.access == "partial", "a walled page may only be kept as a partial teaser"
    else:
        assert article is None, f"{dropped['reason']} page stored as an article: {dropped['path']}"


def test_robots_disallowed_pages_are_never_requested(crawled: CrawlEnv) -> None:
    for dropped in DROPPED:
        if dropped.get("must_not_request"):
            assert dropped["path"] not in crawled.mock.hits(dropped["site"])


def test_nothing_else_is_stored(crawled: CrawlEnv) -> None:
    assert article_count(crawled) == len(BASE_ARTICLES)


def test_every_crawl_run_is_recorded(crawled: CrawlEnv) -> None:
    with session_scope(crawled.engine) as session:
        runs = session.execute(select(CrawlRun).order_by(CrawlRun.id)).scalars().all()
        assert [r.source for r in runs] == NEWS_SOURCES
        for run in runs:
            assert run.status in ("ok", "partial"), (run.source, run.status, run.error)
            assert run.finished_at is not None and run.pages_fetched > 0
        assert sum(r.articles_new for r in runs) == len(BASE_ARTICLES)
        assert sum(sum(r.dropped.values()) for r in runs) >= 1


def test_feed_link_with_utm_and_plain_link_are_one_article_with_two_urls(crawled: CrawlEnv) -> None:
    statement = "/croydon-council-statement-in-response-to-ofsted-report/"
    article = find_article(crawled, "croydon", statement)
    assert article is not None
    assert article.canonical_url == crawled.mock.url("croydon", statement)
    urls = sorted(u.url for u in article.urls)
    assert urls == sorted([crawled.mock.url("croydon", statement), crawled.mock.url("croydon", "/?p=10234")])
    assert not any("utm_" in u for u in urls)


# --------------------------------------------------------------------------- re-crawls


def test_recrawl_of_an_unchanged_site_stores_nothing_new(crawler_env: CrawlEnv) -> None:
    assert crawler_env.crawl("croydon").returncode == 0
    before = article_count(crawler_env)
    assert crawler_env.crawl("croydon").returncode == 0
    assert article_count(crawler_env) == before
    with session_scope(crawler_env.engine) as session:
        second = session.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()
        assert second.articles_new == 0 and second.articles_revised == 0
        assert session.execute(select(func.count()).select_from(Revision)).scalar_one() == 0


def test_changed_body_at_the_same_url_yields_one_revision(crawler_env: CrawlEnv) -> None:
    statement = next(a for a in EXPECTED["article"] if a.get("revised_scenario") == "revised")
    # re-check known articles on every run (the default waits hours before a revision check)
    crawler_env.write_config("[sources.croydon.revisit]\nyoung_hours = 0\n")
    assert crawler_env.crawl("croydon").returncode == 0
    crawler_env.mock.set_scenario("revised")
    assert crawler_env.crawl("croydon").returncode == 0
    assert crawler_env.crawl("croydon").returncode == 0  # the revised text again: no second revision
    article = find_article(crawler_env, "croydon", statement["path"])
    assert article is not None
    assert len(article.revisions) == 1
    body = squash(article.body)
    for text in statement["revised_body_contains"]:
        assert squash(text) in body
    for text in statement["revised_body_excludes"]:
        assert squash(text) not in body
        assert squash(text) in squash(article.revisions[0].body)


def test_new_article_in_a_feed_is_stored_on_the_next_crawl(crawler_env: CrawlEnv) -> None:
    new = next(a for a in EXPECTED["article"] if a.get("scenario") == "new_article")
    assert crawler_env.crawl(new["site"]).returncode == 0
    assert find_article(crawler_env, new["site"], new["path"]) is None
    crawler_env.mock.set_scenario("new_article")
    assert crawler_env.crawl(new["site"]).returncode == 0
    article = find_article(crawler_env, new["site"], new["path"])
    assert article is not None and squash(article.title) == squash(new["title"])
    assert article.alert_state == "pending"  # the first crawl was the baseline; this one alerts


# --------------------------------------------------------------------------- scrapy from the root


DISABLED_SOURCE = """
[sources.leeds]
name = "Leeds City Council news"
kind = "council"
domains = ["news.leeds.gov.uk"]
feeds = ["https://news.leeds.gov.uk/feed/"]
enabled = false
"""


def test_scrapy_list_lists_the_enabled_sources(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config(DISABLED_SOURCE)
    proc = crawler_env.scrapy("list")
    assert proc.returncode == 0, proc.stderr
    listed = proc.stdout.split()
    assert set(NEWS_SOURCES) <= set(listed)
    assert "leeds" not in listed


def test_scrapy_crawl_of_a_disabled_or_unknown_source_fails_clearly(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config(DISABLED_SOURCE)
    unknown = crawler_env.scrapy("crawl", "no_such_source")
    assert unknown.returncode != 0
    assert "no_such_source" in unknown.stderr
    disabled = crawler_env.scrapy("crawl", "leeds")
    assert disabled.returncode != 0
    assert "Source 'leeds' is disabled (enabled = false)" in disabled.stderr
