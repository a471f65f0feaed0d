"""storage.search: one search function, FTS5 on SQLite and tsvector + GIN on PostgreSQL.

Articles are stored through storage.repository.store_article (the crawl's write path), so
the index is kept in step by what the migration installed (triggers / a generated column).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, delete, update

from storage.db import session_scope
from storage.models import Article, Report
from storage.repository import ArticleInput, store_article
from storage.search import (
    MARK_END,
    MARK_START,
    SearchFilters,
    SearchQueryError,
    parse_query,
    search,
)

CROYDON, LEEDS = "E09000008", "E08000035"


def store(engine: Engine, n: int, title: str, body: str, *, source: str = "communitycare",
          las: tuple[str, ...] = (CROYDON,), day: date = date(2024, 3, 1)) -> int:
    with session_scope(engine) as session:
        result = store_article(session, ArticleInput(
            source=source, canonical_url=f"https://www.{source}.example/news/{n}", title=title, body=body,
            published_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC), la_codes=las))
        return result.article_id


def filler(n: int) -> str:
    topics = ["foster carers", "school places", "bus routes", "library hours", "youth clubs", "care homes"]
    return " ".join(f"Paragraph {i} about {topics[(n + i) % len(topics)]} in the borough number {n * 7 + i}."
                    for i in range(12))


@pytest.fixture
def archive(engine: Engine) -> Engine:
    store(engine, 1, "Government appoints commissioner for Croydon",
          "The Department for Education has appointed a commissioner to review Croydon's children's services. "
          + filler(1))
    store(engine, 2, "Foster carers wanted", "Croydon needs foster carers. " + filler(2), source="croydon")
    store(engine, 3, "Leeds praised by inspectors", "Inspectors praised Leeds. A commissioner was not needed. "
          + filler(3), las=(LEEDS,), day=date(2019, 5, 2))
    with session_scope(engine) as session:
        session.add(Report(file_id="90001", urn="80492", la_code=CROYDON, report_type="ilacs_standard",
                           label="Children's services inspection", published_on=date(2024, 2, 1),
                           text="Inspection of Croydon children's services. The commissioner's report ...",
                           provider_name="Croydon"))
    return engine


def test_finds_articles_and_reports_and_marks_the_matched_words(archive: Engine) -> None:
    with session_scope(archive) as session:
        page = search(session, "commissioner")
    assert page.counts == {"article": 2, "report": 1} and page.total == 3
    assert {h.kind for h in page.hits} == {"article", "report"}
    best = page.hits[0]
    assert best.title == f"Government appoints {MARK_START}commissioner{MARK_END} for Croydon"
    assert f"{MARK_START}commissioner{MARK_END}" in best.snippet


def test_words_are_stemmed(archive: Engine) -> None:
    with session_scope(archive) as session:
        assert search(session, "commissioners appointing").total == 1


def test_filters_by_la_source_kind_and_dates(archive: Engine) -> None:
    with session_scope(archive) as session:
        assert search(session, "commissioner", SearchFilters(la_codes=[LEEDS])).total == 1
        only_articles = search(session, "commissioner", SearchFilters(kinds=("article",)))
        assert only_articles.counts == {"article": 2}
        assert search(session, "commissioner", SearchFilters(sources=["croydon"])).total == 0
        regulator = search(session, "commissioner", SearchFilters(sources=["ofsted"]))
        assert regulator.total == 1 and regulator.hits[0].kind == "report"
        recent = search(session, "commissioner", SearchFilters(since=date(2024, 1, 1), until=date(2024, 12, 31)))
        assert recent.total == 2


def test_pages_and_newest_first_order(archive: Engine) -> None:
    with session_scope(archive) as session:
        first = search(session, "commissioner", page=1, per_page=2, order="date")
        second = search(session, "commissioner", page=2, per_page=2, order="date")
    assert first.pages == 2 and len(first.hits) == 2 and len(second.hits) == 1
    dates = [h.when for h in first.hits + second.hits]
    assert dates == sorted(dates, reverse=True)


def test_the_index_follows_edits_and_deletes(archive: Engine) -> None:
    with session_scope(archive) as session:
        session.execute(update(Article).where(Article.title.like("Foster%"))
                        .values(body="Croydon asks the ombudsman and a commissioner."))
    with session_scope(archive) as session:
        assert search(session, "ombudsman").total == 1
        assert search(session, "commissioner").counts["article"] == 3
        session.execute(delete(Article).where(Article.title.like("Foster%")))
    with session_scope(archive) as session:
        assert search(session, "ombudsman").total == 0


@pytest.mark.parametrize("query", ['commissioner*', '"commissioner', "(commissioner)", "-commissioner",
                                   "commissioner:^", "'commissioner'"])
def test_fts_syntax_characters_around_a_word_are_ignored(archive: Engine, query: str) -> None:
    with session_scope(archive) as session:
        assert search(session, query).total >= 1


@pytest.mark.parametrize("query", ['commissioner" NEAR(appoints', "commissioner AND NOT", "OR", "title:commissioner"])
def test_fts_operators_are_plain_words_never_errors(archive: Engine, query: str) -> None:
    with session_scope(archive) as session:
        page = search(session, query)
    assert page.terms == parse_query(query) and page.total <= 3


@pytest.mark.parametrize(("query", "problem"), [("", "no words"), ('"()*', "no words"), ("x" * 201, "too long"),
                                                (" ".join(f"w{i}" for i in range(20)), "too many")])
def test_unsearchable_queries_are_refused_with_a_reason(archive: Engine, query: str, problem: str) -> None:
    with session_scope(archive) as session, pytest.raises(SearchQueryError, match=problem):
        search(session, query)


def test_phrases_stay_together() -> None:
    assert parse_query('"children in care" Croydon') == ["children in care", "Croydon"]
