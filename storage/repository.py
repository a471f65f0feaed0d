"""Writing articles (reading them: storage.archive; crawl runs: storage.runs).

``store_article`` is the one way an extracted article enters the archive. It decides, inside
the caller's transaction, whether the page is a new article, another URL of a known one, an
identical body already stored elsewhere, an unchanged re-crawl, or a new revision.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, null, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage import minhash, neardup, stories
from storage.claims import CLAIMED, settle_claim
from storage.db import connection_for, expire_loaded
from storage.dedup import clean_url, normalise_text, normalised_hash, url_key
from storage.errors import URLTooLong
from storage.models import Article, ArticleLA, ArticleUrl, Revision, Story
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
    #: the URL the page was fetched from, when known: a canonical claim naming another stored
    #: article is checked against it (storage.claims)
    fetched_url: str | None = None
    title: str
    body: str
    author: str | None = None
    published_at: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    access: str = "full"
    la_codes: Sequence[str] = ()
    strip_params: Sequence[str] = ()
    #: storage.minhash.to_bytes(signature(body)) when the caller computed it already (the
    #: crawl does, in its extraction workers); None: computed here
    minhash: bytes | None = None
    #: storage.minhash.ids_to_bytes(word_ids(body)), likewise (story grouping compares them)
    word_ids: bytes | None = None
    #: first crawl of a source: stored without alerting
    baseline: bool = False
    crawl_run_id: int | None = None


@dataclass(kw_only=True)
class StoreResult:
    outcome: Outcome
    article_id: int
    #: a syndicated copy's original, and how similar the copy is to it
    original_id: int | None = None
    similarity: float | None = None


#: the longest URL (and URL key) stored: URLs are identity keys, indexed, so they are bounded
URL_MAX: int = ArticleUrl.__table__.c.key.type.length  # type: ignore[attr-defined]


def _urls(item: ArticleInput) -> tuple[str, dict[str, str]]:
    """The article's canonical URL and ``{key: url}`` of each of its URLs, cleaned.

    A URL longer than ``URL_MAX`` is left out (it cannot be a key); a canonical URL that long
    gives way to the first other URL of the page. Raises ``URLTooLong`` when none is left.
    """
    strip = item.strip_params
    canonical = clean_url(item.canonical_url, strip)
    keyed: dict[str, str] = {}
    for u in (canonical, *item.other_urls):
        if not u:
            continue
        key, url = url_key(u, strip), clean_url(u, strip)
        if len(key) <= URL_MAX and len(url) <= URL_MAX:
            keyed.setdefault(key, url)
    if not keyed:
        raise URLTooLong(canonical, URL_MAX)
    if len(canonical) > URL_MAX or len(url_key(canonical, strip)) > URL_MAX:
        canonical = next(iter(keyed.values()))
    return canonical, keyed


@dataclass
class _Known:
    """What one statement says about a page about to be stored."""

    #: the article reached at one of its URLs (the first stored, if several), and its body hash
    article_id: int | None = None
    body_hash: str | None = None
    #: which of its URL keys are stored already (for any article)
    keys: set[str] = field(default_factory=set)
    #: the first full article with the same body (looked up only when asked for)
    twin_id: int | None = None


# Statements of the store path are built once, with bind parameters: building and keying a
# statement costs more CPU than running it.
_BY_KEYS = (
    select(ArticleUrl.key, ArticleUrl.article_id, Article.body_hash)
    .join(Article, Article.id == ArticleUrl.article_id)
    .where(ArticleUrl.key.in_(bindparam("keys", expanding=True)))
)
_TWIN = select(null(), func.min(Article.id), null()).where(
    Article.body_hash == bindparam("hash"), Article.access == "full"
)
_LOOKUPS: dict[tuple[bool, bool], Any] = {
    (True, False): _BY_KEYS, (False, True): _TWIN, (True, True): union_all(_BY_KEYS, _TWIN),
}
_SEEN = update(Article).where(Article.id == bindparam("b_id")).values(last_seen_at=bindparam("b_now"))
_UPDATE_ARTICLE = update(Article).where(Article.id == bindparam("b_id"))
_INSERT_ARTICLE = insert(Article)
_INSERT_URL = insert(ArticleUrl)
_INSERT_LA = insert(ArticleLA)
_INSERT_REVISION = insert(Revision)
_CURRENT = select(
    Article.title, Article.body, Article.body_hash, Article.minhash, Article.published_at,
    select(func.max(Revision.number)).where(Revision.article_id == Article.id).scalar_subquery(),
).where(Article.id == bindparam("id"))


def _lookup(conn: Connection, keys: Sequence[str], body_hash: str | None) -> _Known:
    """The articles stored at ``keys`` and, if ``body_hash``, the first full one with that body:
    one round trip."""
    known = _Known()
    if not keys and body_hash is None:
        return known
    stmt = _LOOKUPS[bool(keys), body_hash is not None]
    for key, article_id, article_hash in conn.execute(stmt, {"keys": list(keys), "hash": body_hash}):
        if key is None:
            known.twin_id = article_id
            continue
        known.keys.add(key)
        if known.article_id is None or article_id < known.article_id:
            known.article_id, known.body_hash = article_id, article_hash
    return known


def _insert_urls(conn: Connection, article_id: int, keyed: dict[str, str], kind: str | None,
                 canonical_key: str | None = None, known: Collection[str] = (),
                 canonical_kind: str = "canonical") -> list[str]:
    """Add the URLs not stored yet (``kind``, else ``canonical_kind`` for ``canonical_key`` and "alias")."""
    rows: list[dict[str, Any]] = [
        {"article_id": article_id, "url": url, "key": key,
         "kind": kind or (canonical_kind if key == canonical_key else "alias")}
        for key, url in keyed.items() if key not in known
    ]
    if rows:
        conn.execute(_INSERT_URL, rows)
    return [r["url"] for r in rows]


def _signature(item: ArticleInput) -> Any:
    return minhash.from_bytes(item.minhash) if item.minhash else minhash.signature(item.body)


def store_article(
    session: Session, item: ArticleInput, *, near: neardup.NearDupSettings = neardup.DEFAULT_SETTINGS
) -> StoreResult:
    """Store ``item`` and say what it was. Runs inside the caller's transaction.

    ``near`` configures the near-duplicate check and story grouping (storage.neardup,
    storage.stories); ``neardup.OFF`` stores with exact identity only.

    Writes are Core statements on the session's connection (no ORM unit of work): a new
    article costs one lookup of its URLs and body, the LSH probe, the inserts (article, URLs,
    LA tags, bands) and the story candidates. Article and Story objects the session already
    holds are expired afterwards, so they reload.
    """
    conn = connection_for(session)
    if near.enabled:
        neardup.lock_for_dedup(session)
    try:
        return _store(session, conn, item, near)
    finally:
        expire_loaded(session, Article, Story)


def _store(session: Session, conn: Connection, item: ArticleInput, near: neardup.NearDupSettings) -> StoreResult:
    now = utcnow()
    strip = item.strip_params
    canonical, keyed = _urls(item)
    normalised = normalise_text(item.body)
    body_hash = normalised_hash(normalised)
    claim = settle_claim(conn, canonical, item.fetched_url, item.other_urls, strip, body_hash)
    if claim.canonical != canonical:  # a claim not believed: the page keeps its own URL
        canonical, keyed = _urls(replace(item, canonical_url=claim.canonical, other_urls=claim.other_urls))
    full = item.access == "full"

    known = _lookup(conn, list(keyed), body_hash if full else None)
    if known.article_id is not None:
        article_id: int = known.article_id
        new_urls = _insert_urls(conn, article_id, keyed, "alias", known=known.keys)
        if known.body_hash == body_hash:
            conn.execute(_SEEN, {"b_id": article_id, "b_now": now})
            outcome = Outcome.ALIAS if new_urls else Outcome.UNCHANGED
            return StoreResult(outcome=outcome, article_id=article_id)
        _revise(session, conn, article_id, item, body_hash, now, near)
        return StoreResult(outcome=Outcome.REVISED, article_id=article_id)

    if known.twin_id is not None:
        _insert_urls(conn, known.twin_id, keyed, "same_body", known=known.keys)
        conn.execute(_SEEN, {"b_id": known.twin_id, "b_now": now})
        return StoreResult(outcome=Outcome.SAME_BODY, article_id=known.twin_id)

    sig = _signature(item) if near.enabled else None
    bands = minhash.band_hashes(sig) if sig is not None else None
    match = neardup.find_original(session, sig, near, la_codes=item.la_codes, bands=bands) \
        if sig is not None else None
    copy_of = match if match is not None and match.access == "full" else None
    # a full text supersedes the walled teaser it matches (and becomes the teaser's original)
    supersedes = match is not None and copy_of is None and full
    codes = list(dict.fromkeys(item.la_codes))
    # the story (storage.stories) is known before the insert, so the row is written once: a
    # near-copy joins its original's; an original is grouped with related coverage
    story_id = copy_of.story_id if copy_of is not None and near.stories else None
    plan = None
    new = stories.NewArticle(item.source, item.title, item.body, body_hash, item.published_at, now,
                             minhash.ids_from_bytes(item.word_ids) if item.word_ids else None)
    if sig is not None and near.stories and copy_of is None:
        plan = stories.plan_story(session, new, codes, normalised=normalised,
                                  exclude=(match.original_id,) if supersedes and match is not None else ())
        story_id = plan.story_id
    pk = conn.execute(
        _INSERT_ARTICLE,
        {
            "source": item.source,
            "canonical_url": canonical,
            "title": item.title,
            "author": item.author,
            "published_at": item.published_at,
            "site_name": item.site_name,
            "language": item.language,
            "body": item.body,
            "body_hash": body_hash,
            "access": item.access,
            "word_count": len(item.body.split()),
            "first_seen_at": now,
            "last_seen_at": now,
            "last_changed_at": now,
            "alert_state": "suppressed" if copy_of else "baseline" if item.baseline else "pending",
            "crawl_run_id": item.crawl_run_id,
            "minhash": (item.minhash or minhash.to_bytes(sig)) if sig is not None else None,
            "duplicate_of_id": copy_of.original_id if copy_of else None,
            "duplicate_similarity": copy_of.similarity if copy_of else None,
            "story_id": story_id,
        },
    ).inserted_primary_key
    assert pk is not None  # a single-row INSERT: one primary-key row
    article_id = pk[0]
    _insert_urls(conn, article_id, keyed, None, canonical_key=url_key(canonical, strip),
                 canonical_kind=CLAIMED if claim.claimed else "canonical")
    if codes:
        conn.execute(_INSERT_LA, [{"article_id": article_id, "la_code": code} for code in codes])
    if sig is not None:
        neardup.index_article(session, article_id, sig, bands=bands)
        if supersedes and match is not None:
            neardup.supersede_partial(session, match.original_id, article_id, match.similarity)
        if plan is not None:
            plan.finish(session, new, article_id, copies=supersedes)
    if copy_of is not None:
        return StoreResult(outcome=Outcome.SYNDICATED, article_id=article_id, original_id=copy_of.original_id,
                           similarity=copy_of.similarity)
    return StoreResult(outcome=Outcome.NEW, article_id=article_id)


def _revise(
    session: Session, conn: Connection, article_id: int, item: ArticleInput, body_hash: str, now: datetime,
    near: neardup.NearDupSettings = neardup.DEFAULT_SETTINGS,
) -> None:
    """Keep the current text as a revision and put the new one on the article.

    With the near-duplicate check on, the revision records the similarity of the new text
    to the old one and whether the change is "minor" (``alert_state="done"``) or "major"
    (``alert_state="pending"``: may be alerted on by rule), and the article's signature and
    LSH bands follow the new text.
    """
    old = conn.execute(_CURRENT, {"id": article_id}).one()
    number = (old[5] or 0) + 1
    revision: dict[str, Any] = {
        "article_id": article_id, "number": number, "title": old.title, "body": old.body,
        "body_hash": old.body_hash, "replaced_at": now,
    }
    changes: dict[str, Any] = {}
    if near.enabled:
        new_sig = _signature(item)
        old_sig = minhash.from_bytes(old.minhash) if old.minhash else None
        revision["similarity"], revision["change"] = neardup.revision_change(
            old.body, item.body, near, old_sig=old_sig, new_sig=new_sig
        )
        revision["alert_state"] = "pending" if revision["change"] == "major" else "done"
        changes["minhash"] = minhash.to_bytes(new_sig)
        neardup.index_article(session, article_id, new_sig, replace=True)
    conn.execute(_INSERT_REVISION, revision)
    changes.update(
        title=item.title or old.title, body=item.body, body_hash=body_hash, word_count=len(item.body.split()),
        revision_count=number, last_changed_at=now, last_seen_at=now,
    )
    if item.published_at and not old.published_at:
        changes["published_at"] = item.published_at
    conn.execute(_UPDATE_ARTICLE, {"b_id": article_id, **changes})
    if item.la_codes:  # the LA tags it has not got yet
        insert_la = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(ArticleLA)
        conn.execute(insert_la.on_conflict_do_nothing(),
                     [{"article_id": article_id, "la_code": code} for code in dict.fromkeys(item.la_codes)])

