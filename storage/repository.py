"""Writing and reading articles and crawl runs.

``store_article`` is the one way an extracted article enters the archive. It decides, inside
the caller's transaction, whether the page is a new article, another URL of a known one, an
identical body already stored elsewhere, an unchanged re-crawl, or a new revision.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import neardup, stories
from storage.dedup import clean_url, content_hash, url_key
from storage.models import Article, ArticleLA, ArticleUrl, CrawlRun, Revision, SourceState
from storage.types import utcnow


class Outcome(enum.StrEnum):
    NEW = "new"
    #: a known article reached through another URL (or its canonical URL)
    ALIAS = "alias"
    #: an identical body already stored at another URL
    SAME_BODY = "same_body"
    UNCHANGED = "unchanged"
    REVISED = "revised"
    #: a near-copy of an article already stored (storage.neardup)
    SYNDICATED = "syndicated"


@dataclass(frozen=True, kw_only=True)
class ArticleInput:
    """An extracted article, ready to store."""

    source: str
    #: the URL carewatch shows (rel=canonical when trustworthy, else the fetched URL)
    canonical_url: str
    #: every other URL this page was reached at (request URL, feed link, redirects)
    other_urls: Sequence[str] = ()
    title: str
    body: str
    author: str | None = None
    published_at: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    access: str = "full"
    la_codes: Sequence[str] = ()
    strip_params: Sequence[str] = ()
    #: storage.neardup.to_bytes(signature(body)) when the caller computed it already (the
    #: crawl does, in its extraction workers); None: computed here
    minhash: bytes | None = None
    #: first crawl of a source: stored without alerting
    baseline: bool = False
    crawl_run_id: int | None = None


@dataclass(kw_only=True)
class StoreResult:
    outcome: Outcome
    article_id: int
    revision_id: int | None = None
    original_id: int | None = None
    similarity: float | None = None
    new_urls: list[str] = field(default_factory=list)


def _keys(urls: Iterable[str], strip: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for u in urls:
        if u:
            out.setdefault(url_key(u, strip), clean_url(u, strip))
    return out


def find_article_by_urls(session: Session, urls: Iterable[str], strip: Sequence[str] = ()) -> Article | None:
    keys = list(_keys(urls, strip))
    if not keys:
        return None
    row = session.execute(
        select(ArticleUrl.article_id).where(ArticleUrl.key.in_(keys)).order_by(ArticleUrl.article_id).limit(1)
    ).scalar_one_or_none()
    return session.get(Article, row) if row is not None else None


def _add_urls(session: Session, article: Article, keyed: dict[str, str], kind: str) -> list[str]:
    if not keyed:
        return []
    known = set(session.execute(select(ArticleUrl.key).where(ArticleUrl.key.in_(list(keyed)))).scalars())
    added = []
    for key, url in keyed.items():
        if key not in known:
            session.add(ArticleUrl(article_id=article.id, url=url, key=key, kind=kind))
            added.append(url)
    return added


def _signature(item: ArticleInput) -> Any:
    return neardup.from_bytes(item.minhash) if item.minhash else neardup.signature(item.body)


def store_article(
    session: Session, item: ArticleInput, *, near: neardup.NearDupSettings = neardup.DEFAULT_SETTINGS
) -> StoreResult:
    """Store ``item`` and say what it was. Runs inside the caller's transaction.

    ``near`` configures the near-duplicate check and story grouping (storage.neardup,
    storage.stories); ``neardup.OFF`` stores with exact identity only.
    """
    if near.enabled:
        neardup.lock_for_dedup(session)
    now = utcnow()
    strip = item.strip_params
    canonical = clean_url(item.canonical_url, strip)
    keyed = _keys([canonical, *item.other_urls], strip)
    body_hash = content_hash(item.body)

    article = find_article_by_urls(session, keyed, strip)
    if article is not None:
        new_urls = _add_urls(session, article, keyed, "alias")
        article.last_seen_at = now
        if article.body_hash == body_hash:
            outcome = Outcome.ALIAS if new_urls else Outcome.UNCHANGED
            return StoreResult(outcome=outcome, article_id=article.id, new_urls=new_urls)
        revision = _revise(session, article, item, body_hash, now, near)
        return StoreResult(
            outcome=Outcome.REVISED, article_id=article.id, revision_id=revision.id, new_urls=new_urls
        )

    if item.access == "full":
        twin = session.execute(
            select(Article)
            .where(Article.body_hash == body_hash, Article.access == "full")
            .order_by(Article.id)
            .limit(1)
        ).scalar_one_or_none()
        if twin is not None:
            new_urls = _add_urls(session, twin, keyed, "same_body")
            twin.last_seen_at = now
            return StoreResult(outcome=Outcome.SAME_BODY, article_id=twin.id, new_urls=new_urls)

    sig = _signature(item) if near.enabled else None
    match = neardup.find_original(session, sig, near, la_codes=item.la_codes) if sig is not None else None
    copy_of = match if match is not None and match.access == "full" else None
    article = Article(
        source=item.source,
        canonical_url=canonical,
        title=item.title,
        author=item.author,
        published_at=item.published_at,
        site_name=item.site_name,
        language=item.language,
        body=item.body,
        body_hash=body_hash,
        access=item.access,
        word_count=len(item.body.split()),
        first_seen_at=now,
        last_seen_at=now,
        last_changed_at=now,
        alert_state="suppressed" if copy_of else "baseline" if item.baseline else "pending",
        crawl_run_id=item.crawl_run_id,
        minhash=neardup.to_bytes(sig) if sig is not None else None,
        duplicate_of_id=copy_of.original_id if copy_of else None,
        duplicate_similarity=copy_of.similarity if copy_of else None,
    )
    session.add(article)
    session.flush()
    canonical_key = url_key(canonical, strip)
    for key, url in keyed.items():
        session.add(
            ArticleUrl(article_id=article.id, url=url, key=key, kind="canonical" if key == canonical_key else "alias")
        )
    for code in dict.fromkeys(item.la_codes):
        session.add(ArticleLA(article_id=article.id, la_code=code))
    session.flush()
    if sig is not None:
        neardup.index_article(session, article.id, sig)
        if match is not None and copy_of is None and item.access == "full":
            neardup.supersede_partial(session, match.original_id, article.id, match.similarity)
        if near.stories:
            stories.assign_story(session, article)
    if copy_of is not None:
        return StoreResult(
            outcome=Outcome.SYNDICATED, article_id=article.id, original_id=copy_of.original_id,
            similarity=copy_of.similarity, new_urls=list(keyed.values()),
        )
    return StoreResult(outcome=Outcome.NEW, article_id=article.id, new_urls=list(keyed.values()))


def _revise(
    session: Session, article: Article, item: ArticleInput, body_hash: str, now: datetime,
    near: neardup.NearDupSettings = neardup.DEFAULT_SETTINGS,
) -> Revision:
    """Keep the current text as a revision and put the new one on the article.

    With the near-duplicate check on, the revision records the similarity of the new text
    to the old one and whether the change is "minor" (``alert_state="done"``) or "major"
    (``alert_state="pending"``: may be alerted on by rule), and the article's signature and
    LSH bands follow the new text.
    """
    number = (
        session.execute(select(func.max(Revision.number)).where(Revision.article_id == article.id)).scalar() or 0
    ) + 1
    revision = Revision(
        article_id=article.id,
        number=number,
        title=article.title,
        body=article.body,
        body_hash=article.body_hash,
        replaced_at=now,
    )
    if near.enabled:
        new_sig = _signature(item)
        old_sig = neardup.from_bytes(article.minhash) if article.minhash else None
        revision.similarity, revision.change = neardup.revision_change(
            article.body, item.body, near, old_sig=old_sig, new_sig=new_sig
        )
        revision.alert_state = "pending" if revision.change == "major" else "done"
        article.minhash = neardup.to_bytes(new_sig)
        neardup.index_article(session, article.id, new_sig, replace=True)
    session.add(revision)
    article.title = item.title or article.title
    article.body = item.body
    article.body_hash = body_hash
    article.word_count = len(item.body.split())
    article.revision_count = number
    article.last_changed_at = now
    if item.published_at and not article.published_at:
        article.published_at = item.published_at
    existing = set(session.execute(select(ArticleLA.la_code).where(ArticleLA.article_id == article.id)).scalars())
    for code in dict.fromkeys(item.la_codes):
        if code not in existing:
            session.add(ArticleLA(article_id=article.id, la_code=code))
    session.flush()
    return revision


# --------------------------------------------------------------------------- crawl runs


def start_run(session: Session, source: str, *, trigger: str = "manual", pid: int | None = None) -> CrawlRun:
    run = CrawlRun(source=source, trigger=trigger, pid=pid, status="running", started_at=utcnow())
    session.add(run)
    session.flush()
    return run


def source_state(session: Session, source: str) -> SourceState:
    state = session.get(SourceState, source)
    if state is None:
        state = SourceState(source=source, consecutive_failures=0, failure_alerted=False, baseline_done=False)
        session.add(state)
        session.flush()
    return state


SUCCESS_STATUSES = frozenset({"ok", "partial"})


def finish_run(session: Session, run_id: int, *, status: str, error: str | None = None, **counts: Any) -> CrawlRun:
    """Close a crawl run and update its source's state (last success, consecutive failures)."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"No crawl run with id {run_id}")
    now = utcnow()
    run.finished_at = now
    run.status = status
    if error:
        run.error = error
    for key, value in counts.items():
        setattr(run, key, value)
    state = source_state(session, run.source)
    state.last_run_at = now
    state.last_status = status
    if status in SUCCESS_STATUSES:
        state.last_success_at = now
        state.consecutive_failures = 0
        state.failing_since = None
        state.last_error = None
        state.baseline_done = True
    else:
        state.consecutive_failures += 1
        state.failing_since = state.failing_since or run.started_at
        state.last_error = error or status
    session.flush()
    return run


def recent_articles(
    session: Session,
    *,
    sources: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    la_codes: Sequence[str] = (),
    limit: int = 50,
    group_stories: bool = False,
) -> list[Article]:
    """Articles newest first (by publication date, then first seen); near-copies left out.

    ``group_stories``: one article per story (its first published among those matching the
    filters) stands for the story (storage.stories.outlets_by_article lists its outlets).
    """
    stmt = select(Article).where(Article.duplicate_of_id.is_(None))
    if sources:
        stmt = stmt.where(Article.source.in_(sources))
    when = func.coalesce(Article.published_at, Article.first_seen_at)
    if since:
        stmt = stmt.where(when >= since)
    if until:
        stmt = stmt.where(when < until)
    if la_codes:
        stmt = stmt.where(Article.id.in_(select(ArticleLA.article_id).where(ArticleLA.la_code.in_(la_codes))))
    if group_stories:
        rank = func.row_number().over(
            partition_by=func.coalesce(Article.story_id, -Article.id), order_by=(when.asc(), Article.id.asc())
        )
        ranked = stmt.with_only_columns(Article.id, rank.label("rank")).subquery()
        stmt = select(Article).join(ranked, ranked.c.id == Article.id).where(ranked.c.rank == 1)
    stmt = stmt.order_by(when.desc(), Article.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())
