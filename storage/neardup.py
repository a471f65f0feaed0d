"""Near-duplicate detection in SQL: MinHash signatures and LSH bands (DESIGN.md).

The maths (words, shingles, signatures, bands) is in :mod:`storage.minhash`; this module
holds the band index in SQL and the queries that find the original a new text copies.

Every stored article body gets a MinHash signature over word shingles of its normalised
text (``storage.dedup.normalise_text``), kept on ``Article.minhash``; the signature is cut
into ``BANDS`` bands of ``ROWS`` values and each band is hashed into ``lsh_bands``
``(article_id, band, bucket)``, indexed on ``(band, bucket, article_id)``. Finding the candidates for a
new article is therefore one indexed query (:func:`find_candidates`) that works from any
process and on PostgreSQL, and costs the same at 100,000 articles as at 1,000. Candidates
are confirmed by their estimated Jaccard similarity against
``NearDupSettings.duplicate_threshold``.

Thresholds (tuned on the seed articles and on the synthetic copies of
``benchmarks/bench_dedup.py``):

* shingles of ``SHINGLE_WORDS`` = 4 words, 128 permutations (datasketch ``affine32``,
  seed 1: signatures stay comparable across processes and releases; computed here with
  numpy, without importing datasketch, to the same values: tests/test_neardup.py);
* ``BANDS`` = 32 bands of ``ROWS`` = 4: an article becomes a candidate with probability
  1 - (1 - J**4)**32, i.e. 0.97 at J = 0.5, 0.9998 at J = 0.7, 0.23 at J = 0.3;
* a candidate is a near-duplicate at estimated J >= 0.6 (``duplicate_threshold``): a
  press release with a new lead paragraph, reordered paragraphs, another outlet's
  boilerplate or a handful of edits scores 0.65-0.95; articles about the same event that
  merely share a quotation (seeds 000-002) score below 0.2;
* a revision whose new text scores >= 0.8 against the old one is "minor" (typo fixes, a
  corrected date), below that "major" (the article was rewritten).

Rules for the alerts engineer: a near-copy is stored with ``alert_state="suppressed"`` and
``duplicate_of_id`` pointing at the first-seen original (never at another copy); a
``Revision`` is created with ``alert_state="pending"`` when its change is "major" (a
"council revised its statement" alert may fire on it) and ``"done"`` when "minor".

Walled pages (``access="partial"``) never become the original of other pages: a later full
text that matches one becomes the original itself and the teaser is re-linked to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from storage.db import connection_for, schema_lock_key
from storage.minhash import BANDS, band_hashes, from_bytes, signature, similarity
from storage.models import Article, ArticleLA, LshBand

#: PostgreSQL advisory lock key for the dedup section, one per schema (storage.db.schema_lock_key)
PG_LOCK_KEY = schema_lock_key("carewatch.dedup")


@dataclass(frozen=True, kw_only=True)
class NearDupSettings:
    """How ``store_article`` checks near-duplicates; ``NearDupSettings(enabled=False)`` is off."""

    enabled: bool = True
    #: estimated Jaccard at or above which a new article is a copy of a stored one
    duplicate_threshold: float = 0.6
    #: estimated Jaccard at or above which a revision is "minor"
    minor_revision_threshold: float = 0.8
    #: how many LSH candidates (most shared bands first) are confirmed by their signature
    max_candidates: int = 20
    #: also group articles into stories (storage.stories)
    stories: bool = True


DEFAULT_SETTINGS = NearDupSettings()
OFF = NearDupSettings(enabled=False, stories=False)

_LOCKED_IN = "carewatch.neardup.locked_in"


def lock_for_dedup(session: Session) -> None:
    """Serialise the dedup section across processes (PostgreSQL advisory transaction lock).

    On SQLite nothing is needed: carewatch's write transactions start with ``BEGIN IMMEDIATE``,
    which already serialises writers. On PostgreSQL the lock is held until the transaction
    ends, so it is taken once per transaction (a batch of articles), not once per article.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_LOCKED_IN) is transaction:
        return
    connection_for(session).execute(select(func.pg_advisory_xact_lock(PG_LOCK_KEY)))
    session.info[_LOCKED_IN] = session.get_transaction()


@dataclass(frozen=True)
class Candidate:
    article_id: int
    shared_bands: int
    similarity: float
    access: str
    duplicate_of_id: int | None


@lru_cache(maxsize=2)
def candidates_statement(exclude: bool = False) -> Select[*tuple[Any, ...]]:
    """The ``lim`` articles sharing most bands with buckets ``h0`` .. ``h31`` (one per band),
    joined to their signatures; ``exclude``: leave out article ``exclude``.

    Each ``band = i AND bucket = :hi`` probe is a search of ``ix_lsh_bands_band_bucket``, which
    holds the article ids too, so the matching rows are read from the index alone. The
    band numbers are written into the SQL: 33 parameters, few enough that psycopg caches the
    statement's conversion instead of parsing it per call.
    """
    probes = or_(*(
        and_(LshBand.band == literal_column(str(i), Integer), LshBand.bucket == bindparam(f"h{i}", type_=BigInteger))
        for i in range(BANDS)
    ))
    shared = func.count().label("shared")
    where = [probes, LshBand.article_id != bindparam("exclude")] if exclude else [probes]
    top = (
        select(LshBand.article_id, shared)
        .where(*where)
        .group_by(LshBand.article_id)
        .order_by(shared.desc(), LshBand.article_id)
        .limit(bindparam("lim", type_=Integer))
        .subquery("c")
    )
    return (
        select(Article.id, top.c.shared, Article.minhash, Article.access, Article.duplicate_of_id)
        .join_from(top, Article, Article.id == top.c.article_id)
    )


def find_candidates(
    session: Session, sig: np.ndarray, *, limit: int = 20, exclude_id: int | None = None,
    bands: list[tuple[int, int]] | None = None,
) -> list[Candidate]:
    """Stored articles sharing at least one LSH band with ``sig``, most similar first.

    One statement (:func:`candidates_statement`); ``bands``: ``band_hashes(sig)`` when the
    caller has them already.
    """
    params: dict[str, int] = {"lim": limit}
    for i, (band, bucket) in enumerate(bands if bands is not None else band_hashes(sig)):
        assert band == i
        params[f"h{band}"] = bucket
    if exclude_id is not None:
        params["exclude"] = exclude_id
    rows = connection_for(session).execute(candidates_statement(exclude_id is not None), params).all()
    out = [
        Candidate(r.id, r.shared, similarity(from_bytes(r.minhash), sig) if r.minhash else 0.0, r.access,
                  r.duplicate_of_id)
        for r in rows
    ]
    out.sort(key=lambda c: (-c.similarity, c.article_id))
    return out


@dataclass(frozen=True)
class Match:
    """The first-seen full original a new text is a near-copy of (or a teaser it supersedes)."""

    original_id: int
    similarity: float
    #: "full": link the new article to it; "partial": the new full text supersedes this teaser
    access: str
    #: the original's story (storage.stories), which a near-copy joins
    story_id: int | None = None


_ROOTS = (
    select(Article.id, Article.access, Article.story_id, ArticleLA.la_code)
    .outerjoin(ArticleLA, ArticleLA.article_id == Article.id)
    .where(Article.id.in_(bindparam("ids", expanding=True)))
)
_INSERT_BANDS = insert(LshBand)
_DELETE_BANDS = delete(LshBand).where(LshBand.article_id == bindparam("id"))
_RELINK_COPIES = (
    update(Article).where(Article.duplicate_of_id == bindparam("b_teaser")).values(duplicate_of_id=bindparam("b_original"))
)
_RELINK_TEASER = (
    update(Article)
    .where(Article.id == bindparam("b_teaser"))
    .values(duplicate_of_id=bindparam("b_original"), duplicate_similarity=bindparam("b_sim"))
)


def find_original(
    session: Session,
    sig: np.ndarray,
    settings: NearDupSettings = DEFAULT_SETTINGS,
    *,
    exclude_id: int | None = None,
    la_codes: Sequence[str] = (),
    bands: list[tuple[int, int]] | None = None,
) -> Match | None:
    """The original a text with signature ``sig`` is a near-copy of, if any.

    A confirmed candidate that is itself a copy is resolved to its original. Full originals
    win over partial ones; among them the most similar, then the first seen. When both the
    new text (``la_codes``) and a candidate original are tagged with LAs and the tags are
    disjoint, it is not a copy (an outlet's template filled in for another council).
    """
    roots: dict[int, float] = {}
    for c in find_candidates(session, sig, limit=settings.max_candidates, exclude_id=exclude_id, bands=bands):
        if c.similarity >= settings.duplicate_threshold:
            root = c.duplicate_of_id or c.article_id
            roots[root] = max(roots.get(root, 0.0), c.similarity)
    if not roots:
        return None
    # the roots' access, story and LA tags in one statement
    access: dict[int, str] = {}
    story: dict[int, int | None] = {}
    tagged: dict[int, set[str]] = {}
    for aid, acc, sid, code in connection_for(session).execute(_ROOTS, {"ids": list(roots)}):
        access[aid] = acc
        story[aid] = sid
        if code is not None:
            tagged.setdefault(aid, set()).add(code)
    if la_codes:
        wanted = set(la_codes)
        roots = {rid: s for rid, s in roots.items() if not tagged.get(rid) or tagged[rid] & wanted}
        if not roots:
            return None
    best = min(roots, key=lambda rid: (access.get(rid) != "full", -roots[rid], rid))
    return Match(best, roots[best], access.get(best, "full"), story.get(best))


def index_article(session: Session, article_id: int, sig: np.ndarray, *, replace: bool = False,
                  bands: list[tuple[int, int]] | None = None) -> None:
    """Store ``sig``'s LSH bands for ``article_id`` (``replace``: drop the ones it had)."""
    conn = connection_for(session)
    if replace:
        conn.execute(_DELETE_BANDS, {"id": article_id})
    pairs = bands if bands is not None else band_hashes(sig)
    conn.execute(_INSERT_BANDS, [{"article_id": article_id, "band": b, "bucket": h} for b, h in pairs])


def supersede_partial(session: Session, teaser_id: int, original_id: int, sim: float) -> None:
    """A full text arrived for a walled teaser: the teaser (and its copies) now point at it."""
    conn = connection_for(session)
    conn.execute(_RELINK_COPIES, {"b_teaser": teaser_id, "b_original": original_id})
    conn.execute(_RELINK_TEASER, {"b_teaser": teaser_id, "b_original": original_id, "b_sim": sim})


def revision_change(old_text: str, new_text: str, settings: NearDupSettings = DEFAULT_SETTINGS,
                    *, old_sig: np.ndarray | None = None, new_sig: np.ndarray | None = None) -> tuple[float, str]:
    """``(similarity, "minor" | "major")`` of a revision's new text against the old one."""
    a = old_sig if old_sig is not None else signature(old_text)
    b = new_sig if new_sig is not None else signature(new_text)
    sim = similarity(a, b)
    return sim, "minor" if sim >= settings.minor_revision_threshold else "major"
