"""The crawl writer's transactions (run on its thread, crawler.pipelines.batch): a batch of
articles with page-state rows, or one report. Free of Scrapy."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine

from storage.db import session_scope, unwritable
from storage.errors import short_error
from storage.pagestate import PageRecord, flush_page_states
from storage.reports import ReportInput, ReportResult, upsert_report
from storage.repository import ArticleInput, StoreResult, store_article

logger = logging.getLogger(__name__)


def write_batch(engine: Engine, batch: Sequence[tuple[ArticleInput, PageRecord | None]],
                records: list[PageRecord], touches: dict[str, datetime]) -> list[StoreResult | BaseException]:
    """Store ``batch`` and the page-state rows in one transaction; if that fails, try each
    article once more in its own transaction. An article that fails again costs only itself:
    its result is the exception, and its page-state row is not written.

    A database that is full, read-only or failing I/O raises DatabaseUnwritable at once (no
    retries: every one would fail alike), also when it becomes so as the page-state rows are
    written after the retries (the whole batch then counts as not stored)."""
    try:
        with session_scope(engine) as session:
            results: list[StoreResult | BaseException] = []
            linked = list(records)
            for article, page in batch:
                result = store_article(session, article)
                results.append(result)
                if page is not None:
                    page.article_id = result.article_id
                    linked.append(page)
            flush_page_states(session, linked, touches)
        return results
    except Exception as exc:
        fault = unwritable(engine, exc)
        if fault is not None:
            raise fault from None
        if not batch:
            raise
        logger.info("carewatch: batch of %d article(s) failed (%s); retrying one by one", len(batch), short_error(exc))
    out: list[StoreResult | BaseException] = []
    for article, page in batch:
        try:
            with session_scope(engine) as session:
                result = store_article(session, article)
                if page is not None:
                    page.article_id = result.article_id
                    flush_page_states(session, [page])
            out.append(result)
        except Exception as exc:
            # said once, by the caller (crawler.pipelines.store drops the item with the reason)
            logger.debug("carewatch: article %s could not be stored: %s", article.canonical_url, short_error(exc))
            out.append(unwritable(engine, exc) or exc)
    if records or touches:
        try:
            with session_scope(engine) as session:
                flush_page_states(session, records, touches)
        except Exception as exc:
            raise unwritable(engine, exc) or exc from None
    return out


def write_report(engine: Engine, report: ReportInput) -> ReportResult:
    """Store one report in its own transaction (DatabaseUnwritable if the database is full or
    read-only)."""
    try:
        with session_scope(engine) as session:
            return upsert_report(session, report)
    except Exception as exc:
        raise unwritable(engine, exc) or exc from None
