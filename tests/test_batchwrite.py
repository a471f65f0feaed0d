"""The crawl writer's batches (storage.batchwrite): one transaction per batch, page-state rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from storage import batchwrite
from storage.db import session_scope
from storage.models import Article, PageState
from storage.pagestate import PageRecord
from storage.repository import ArticleInput, Outcome
from tests.test_neardup import CROYDON, seed_body

WHEN = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _item(n: int, url: str | None = None) -> ArticleInput:
    return ArticleInput(source="croydon", canonical_url=url or f"https://news.croydon.gov.uk/n{n}/",
                        title=f"Article {n}", body=seed_body(f"00{n}"), la_codes=[CROYDON],
                        published_at=datetime(2017, 9, 4, 7 + n, tzinfo=UTC))


def _page(url: str, etag: str) -> PageRecord:
    return PageRecord(url=url, source="croydon", kind="article", fetched_at=WHEN, etag=etag)


def _batch(engine: Engine) -> list[batchwrite.StoreResult | BaseException]:
    # the same page twice in one batch (fetched again before the batch was written): the later
    # row wins, and the batch is written whole
    page = "https://news.croydon.gov.uk/n0/"
    batch = [(_item(0), _page(page, '"a"')), (_item(1), None), (_item(0), _page(page, '"b"'))]
    return batchwrite.write_batch(engine, batch, [], {})


def _check(engine: Engine, results: list[batchwrite.StoreResult | BaseException]) -> None:
    assert [r.outcome for r in results if not isinstance(r, BaseException)] == [
        Outcome.NEW, Outcome.NEW, Outcome.UNCHANGED]
    with session_scope(engine) as session:
        rows = session.execute(select(PageState.url, PageState.etag, PageState.article_id)).all()
        first = session.execute(select(Article.id).order_by(Article.id)).scalars().first()
    assert [(u, e) for u, e, _ in rows] == [("https://news.croydon.gov.uk/n0/", '"b"')]
    assert rows[0][2] == first


def test_a_page_twice_in_one_batch_keeps_the_later_state(engine: Engine,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    # PostgreSQL: one multi-row INSERT … ON CONFLICT cannot touch a row twice; the batch
    # failed and was retried one article at a time
    with caplog.at_level("WARNING", logger="storage.batchwrite"):
        _check(engine, _batch(engine))
    assert "retrying one by one" not in caplog.text
