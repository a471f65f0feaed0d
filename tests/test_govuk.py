"""The GOV.UK spider against the GOV.UK replica (search API JSON and Atom), real Scrapy engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article, CrawlRun
from tests.fixtures_crawl import CrawlEnv

pytestmark = pytest.mark.timeout(120)

OFSTED_DOCS = {
    "/government/statistics/local-authority-inspection-outcomes-as-at-31-march-2024",
    "/government/news/ofsted-publishes-childrens-social-care-inspection-outcomes",
    "/government/news/changes-to-inspections-of-local-authority-childrens-services",
    "/government/publications/inspecting-local-authority-childrens-services-from-2018",
    "/government/news/ofsted-annual-report-202324",
}
NEW_DOC = "/government/news/ofsted-responds-to-childrens-social-care-consultation"


def _with_source_keys(env: CrawlEnv, extra: str) -> None:
    env.write_config()
    text = env.config_path.read_text(encoding="utf-8")
    assert "[sources.govuk]\n" in text
    env.config_path.write_text(text.replace("[sources.govuk]\n", "[sources.govuk]\n" + extra), encoding="utf-8")


@pytest.fixture
def env(crawler_env: CrawlEnv) -> Iterator[CrawlEnv]:
    _with_source_keys(crawler_env, "download_delay = 0\n")
    yield crawler_env


def articles(env: CrawlEnv) -> list[Article]:
    with Session(env.engine) as s:
        return list(s.execute(select(Article).order_by(Article.id)).scalars())


def last_run(env: CrawlEnv) -> CrawlRun:
    with Session(env.engine) as s:
        return s.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()


def crawl(env: CrawlEnv) -> None:
    proc = env.crawl("govuk")
    assert proc.returncode == 0, proc.stderr[-3000:]


def paths(rows: list[Article]) -> set[str]:
    return {"/" + a.canonical_url.split("/", 3)[3] for a in rows}


def test_search_api_articles_stored_as_govuk(env: CrawlEnv) -> None:
    crawl(env)
    stored = articles(env)
    assert paths(stored) == OFSTED_DOCS  # the DfE item is filtered out by filter_organisations
    assert {a.source for a in stored} == {"govuk"}
    assert {a.alert_state for a in stored} == {"baseline"}
    stats = next(a for a in stored if "inspection-outcomes-as-at" in a.canonical_url)
    assert stats.title == "Local authority inspection outcomes as at 31 March 2024"
    assert "63% were judged good or outstanding" in stats.body
    assert "Cookies on GOV.UK" not in stats.body and "Crown copyright" not in stats.body
    assert stats.published_at is not None and stats.published_at.year == 2024
    assert last_run(env).status == "ok"
    hits = env.mock.hits("govuk")
    api = [t for t in hits if t.startswith("/api/search.json")]
    assert api and all(set(hits[t]) == {"200"} for t in api)  # never a 422
    assert not any("422" in by_status for by_status in hits.values())

    # a new press release on the next poll is stored once, pending alerts; the rest unchanged
    env.mock.set_scenario("govuk_new_doc")
    crawl(env)
    after = articles(env)
    assert paths(after) - paths(stored) == {NEW_DOC}
    new = next(a for a in after if NEW_DOC in a.canonical_url)
    assert new.alert_state == "pending"
    run = last_run(env)
    assert run.articles_new == 1 and run.status == "ok"


def test_atom_feed_and_search_api_give_one_article_each(crawler_env: CrawlEnv) -> None:
    base = "https://www.gov.uk"
    _with_source_keys(crawler_env, "download_delay = 0\nfeeds = [\n"
                      f'  "{base}/api/search.json?filter_organisations=ofsted&order=-public_timestamp'
                      '&count=50&fields=title,link,description,public_timestamp",\n'
                      f'  "{base}/search/news-and-communications.atom?organisations%5B%5D=ofsted",\n'
                      f'  "{base}/government/organisations/ofsted.atom",\n]\n')
    crawl(crawler_env)
    stored = articles(crawler_env)
    assert paths(stored) == OFSTED_DOCS
    hits = crawler_env.mock.hits("govuk")
    assert any(t.startswith("/search/news-and-communications.atom") for t in hits)
    assert not any("422" in by_status for by_status in hits.values())
