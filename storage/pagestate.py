"""Per-URL fetch state for conditional, incremental re-crawls (no Scrapy here).

What the server said last time about each URL (``PageState``: ETag, Last-Modified, body hash,
last fetched, last changed) is loaded once per crawl into a ``PageStateIndex`` and written back
in batches (``PageStateBuffer`` → ``flush_page_states``: one ``INSERT … ON CONFLICT DO UPDATE``
and one ``UPDATE`` per batch, in the caller's short transaction).

The revisit policy (``is_due``) decides whether a known article URL is fetched again: articles
first seen recently ("young") are re-checked every few hours for revisions, older ones rarely.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import connection_for
from storage.dedup import url_key
from storage.models import Article, ArticleUrl, PageState
from storage.types import utcnow

#: kinds of page that are always fetched (conditionally) on every run
START_KINDS = frozenset({"feed", "listing", "sitemap"})


def body_hash(body: bytes) -> str:
    """sha256 of the raw response body (bytes, not text: any change counts)."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class Validators:
    """What to send on a conditional request for one URL."""

    etag: str | None
    last_modified: str | None
    content_hash: str | None


@dataclass(frozen=True, slots=True)
class RevisitPolicy:
    """Mirror of ``crawler.sources.Revisit`` (storage does not import the crawler)."""

    young_days: float = 3.0
    young_hours: float = 6.0
    old_days: float = 30.0


def is_due(now: datetime, first_seen: datetime | None, last_checked: datetime | None,
           policy: RevisitPolicy) -> bool:
    """Whether a known article should be fetched again now.

    Young articles (first seen less than ``young_days`` ago) are due ``young_hours`` after the
    last check; older ones ``old_days`` after it (never when ``old_days`` is 0).
    """
    if last_checked is None:
        return True
    since_check = now - last_checked
    if first_seen is not None and now - first_seen < timedelta(days=policy.young_days):
        return since_check >= timedelta(hours=policy.young_hours)
    if policy.old_days <= 0:
        return False
    return since_check >= timedelta(days=policy.old_days)


@dataclass(slots=True)
class _Known:
    #: when the page was first seen (article) or last changed (other pages)
    anchor: datetime | None
    last_checked: datetime | None


@dataclass
class PageStateIndex:
    """Read-only snapshot of one source's page state, taken when a crawl opens."""

    validators: dict[str, Validators] = field(default_factory=dict)
    #: url_key -> when first seen / last checked, for article pages and every URL of an article
    known: dict[str, _Known] = field(default_factory=dict)
    #: URLs article pages were fetched from (revisits start from these, not only from feed links)
    article_pages: list[str] = field(default_factory=list)

    def validators_for(self, url: str) -> Validators | None:
        return self.validators.get(url)

    def knows(self, url: str) -> bool:
        return url_key(url) in self.known

    def is_due(self, url: str, policy: RevisitPolicy, now: datetime | None = None) -> bool:
        """Unknown URLs are always due; known ones follow the revisit policy."""
        entry = self.known.get(url_key(url))
        if entry is None:
            return True
        return is_due(now or utcnow(), entry.anchor, entry.last_checked, policy)


def due_pages(index: PageStateIndex, policy: RevisitPolicy, now: datetime | None = None) -> list[str]:
    """Known article pages due for a re-check now."""
    now = now or utcnow()
    return [u for u in index.article_pages if index.is_due(u, policy, now)]


def load_page_state(session: Session, source: str) -> PageStateIndex:
    """Validators of every URL of ``source`` and the articles it already knows."""
    index = PageStateIndex()
    article_checked: dict[int, datetime] = {}
    rows = session.execute(
        select(PageState.url, PageState.kind, PageState.etag, PageState.last_modified,
               PageState.content_hash, PageState.last_fetched_at, PageState.last_changed_at,
               PageState.article_id).where(PageState.source == source)
    ).all()
    for url, kind, etag, lm, chash, fetched, changed, article_id in rows:
        if etag or lm or chash:
            index.validators[url] = Validators(etag, lm, chash)
        if kind == "article":
            index.article_pages.append(url)
            index.known[url_key(url)] = _Known(anchor=changed or fetched, last_checked=fetched)
            if article_id is not None and fetched is not None:
                prev = article_checked.get(article_id)
                article_checked[article_id] = fetched if prev is None else max(prev, fetched)
    # Every URL an article was seen at (feed links, redirect sources, aliases) is known too.
    for url, article_id, first_seen, last_seen in session.execute(
        select(ArticleUrl.url, ArticleUrl.article_id, Article.first_seen_at, Article.last_seen_at)
        .join(Article, Article.id == ArticleUrl.article_id)
        .where(Article.source == source)
    ):
        checked = article_checked.get(article_id, last_seen)
        index.known[url_key(url)] = _Known(anchor=first_seen, last_checked=checked)
    return index


@dataclass(slots=True)
class PageRecord:
    """One fetch result to write back."""

    url: str
    source: str
    kind: str
    #: None for a page fetched but not processed (e.g. extraction timed out): due next run
    fetched_at: datetime | None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    http_status: int | None = None
    #: the body differs from the one stored (or the page is new)
    changed: bool = True
    article_id: int | None = None


class PageStateBuffer:
    """Page-state writes collected between flushes (not thread-safe: one owner thread)."""

    def __init__(self) -> None:
        self.records: dict[str, PageRecord] = {}
        #: url -> time of a 304 / unchanged answer: only "last checked" moves
        self.touches: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self.records) + len(self.touches)

    def record(self, rec: PageRecord) -> None:
        prev = self.records.get(rec.url)
        if prev is not None and rec.article_id is None:
            rec.article_id = prev.article_id
        self.records[rec.url] = rec
        self.touches.pop(rec.url, None)

    def touch(self, url: str, when: datetime) -> None:
        if url in self.records:
            self.records[url].fetched_at = when
        else:
            self.touches[url] = when

    def take(self) -> tuple[list[PageRecord], dict[str, datetime]]:
        records, touches = list(self.records.values()), self.touches
        self.records, self.touches = {}, {}
        return records, touches


@lru_cache(maxsize=16)
def _upsert(dialect: str, changed: bool, linked: bool) -> Any:
    """``INSERT … ON CONFLICT (url) DO UPDATE`` of page-state rows, built once per kind of row.

    Rows with and without a change / an article id need different SET clauses.
    """
    # the dialect's own insert(), whose Insert has on_conflict_do_update
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(PageState)
    excluded = stmt.excluded
    sets: dict[str, Any] = {
        "kind": excluded.kind, "etag": excluded.etag,
        "last_modified": excluded.last_modified, "content_hash": excluded.content_hash,
        "http_status": excluded.http_status, "last_fetched_at": excluded.last_fetched_at,
    }
    if changed:
        sets["last_changed_at"] = excluded.last_changed_at
    if linked:
        sets["article_id"] = excluded.article_id
    return stmt.on_conflict_do_update(index_elements=["url"], set_=sets)


def flush_page_states(session: Session, records: Sequence[PageRecord],
                      touches: Mapping[str, datetime] | None = None) -> None:
    """Write ``records`` (upsert) and ``touches`` (last_fetched_at only) in the caller's transaction."""
    if records:
        conn = connection_for(session)
        groups: dict[tuple[bool, bool], list[dict[str, object]]] = {}
        for r in records:
            groups.setdefault((r.changed, r.article_id is not None), []).append({
                "url": r.url, "source": r.source, "kind": r.kind, "etag": r.etag,
                "last_modified": r.last_modified, "content_hash": r.content_hash,
                "http_status": r.http_status, "last_fetched_at": r.fetched_at,
                "last_changed_at": r.fetched_at if r.changed else None, "article_id": r.article_id,
            })
        dialect = conn.dialect.name
        for (changed, linked), group in groups.items():
            # one executemany per kind of row, in the order the rows came (a URL recorded twice:
            # the later row wins, as it did with one multi-row INSERT on SQLite)
            conn.execute(_upsert(dialect, changed, linked), group)
    if touches:
        # One "last checked" time per batch: seconds of difference do not matter to the policy.
        when = max(touches.values())
        urls = list(touches)
        for i in range(0, len(urls), 500):
            session.execute(
                update(PageState).where(PageState.url.in_(urls[i:i + 500]))
                .values(last_fetched_at=when).execution_options(synchronize_session=False)
            )
