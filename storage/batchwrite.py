"""One batch of a crawl's writes, in one transaction: what the crawl's writer process runs.

Kept free of Scrapy so that the writer process (crawler.pipelines.batch) loads only storage.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine

from storage.db import make_engine, session_scope
from storage.pagestate import PageRecord, flush_page_states
from storage.repository import ArticleInput, StoreResult, store_article

logger = logging.getLogger(__name__)

_ENGINES: dict[str, Engine] = {}


def _engine(database_url: str) -> Engine:
    engine = _ENGINES.get(database_url)
    if engine is None:
        engine = _ENGINES[database_url] = make_engine(database_url)
    return engine


def write_in_process(database_url: str, batch: list[tuple[ArticleInput, PageRecord | None]],
                     records: list[PageRecord], touches: dict[str, datetime]) -> list[StoreResult | BaseException]:
    """Store ``batch`` and the page-state rows in one transaction; if that fails, one per article.

    A failing article costs only itself: its result is the exception, the others are stored.
    """
    engine = _engine(database_url)
    try:
        with session_scope(engine) as session:
            results: list[StoreResult | BaseException] = []
            for article, page in batch:
                result = store_article(session, article)
                results.append(result)
                if page is not None:
                    page.article_id = result.article_id
                    records.append(page)
            flush_page_states(session, records, touches)
        return results
    except Exception as exc:
        if not batch:
            raise
        logger.warning("carewatch: batch of %d article(s) failed (%s); retrying one by one",
                       len(batch), exc)
        pages = {id(page) for _, page in batch if page is not None}
        records = [r for r in records if id(r) not in pages]
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
            out.append(exc)
    if records or touches:
        with session_scope(engine) as session:
            flush_page_states(session, records, touches)
    return out
