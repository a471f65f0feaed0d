"""The crawl writer's batches (storage.batchwrite): one transaction per batch, page-state rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.engine import ExceptionContext

from storage import batchwrite
from storage.db import session_scope
from storage.errors import DatabaseUnwritable
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


# --- the database turns read-only after a batch's one-by-one retries, as it writes the rest ----


def _refuse_article_0(engine: Engine) -> None:
    """A real constraint refusing article 0 (SQLite cannot add one to a table: a trigger aborts
    the insert as a constraint does)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER refuse_0 BEFORE INSERT ON articles WHEN NEW.title = 'Article 0' "
                              "BEGIN SELECT RAISE(ABORT, 'constraint refuse_0 failed'); END"))
        else:
            conn.execute(text("ALTER TABLE articles ADD CONSTRAINT refuse_0 CHECK (title <> 'Article 0') NOT VALID"))


def _read_only_after_two_refusals(engine: Engine) -> None:
    """Once article 0 has been refused twice (in the batch, then on its own), every connection
    taken from the pool is read-only: SQLite ``query_only``, PostgreSQL read-only transactions
    (a standby the primary failed over to)."""
    refusals = []

    @event.listens_for(engine, "handle_error")
    def _count(ctx: ExceptionContext) -> None:
        if "refuse_0" in str(ctx.original_exception):
            refusals.append(ctx.original_exception)

    @event.listens_for(engine, "checkout")
    def _read_only(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if len(refusals) < 2:
            return
        if engine.dialect.name == "sqlite":
            dbapi_conn.execute("PRAGMA query_only = 1")
        else:
            dbapi_conn.execute("SET default_transaction_read_only = on")
            dbapi_conn.commit()


def test_a_database_that_turns_read_only_as_the_batch_page_state_is_written_is_unwritable(engine: Engine) -> None:
    _refuse_article_0(engine)
    _read_only_after_two_refusals(engine)
    listing = PageRecord(url="https://news.croydon.gov.uk/news/", source="croydon", kind="listing",
                         fetched_at=WHEN, etag='"l"')
    with pytest.raises(DatabaseUnwritable) as caught:
        batchwrite.write_batch(engine, [(_item(0), None), (_item(1), None)], [listing], {})
    database = engine.url.database if engine.dialect.name == "sqlite" else f"{engine.url.host}:{engine.url.port}"
    assert caught.value.reason == "is read-only" and str(database) in str(caught.value), caught.value
