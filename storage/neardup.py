"""Near-duplicate detection in SQL: MinHash signatures and LSH bands (DESIGN.md).

Every stored article body gets a MinHash signature over word shingles of its normalised
text (``storage.dedup.normalise_text``), kept on ``Article.minhash``; the signature is cut
into ``BANDS`` bands of ``ROWS`` values and each band is hashed into ``lsh_bands``
``(article_id, band, bucket)``, indexed on ``(band, bucket)``. Finding the candidates for a
new article is therefore one indexed query (:func:`find_candidates`) that works from any
process and on PostgreSQL, and costs the same at 100,000 articles as at 1,000. Candidates
are confirmed by their estimated Jaccard similarity against
``NearDupSettings.duplicate_threshold``.

Thresholds (tuned on the seed articles and on the synthetic copies of
``benchmarks/bench_dedup.py``):

* shingles of ``SHINGLE_WORDS`` = 4 words, 128 permutations (datasketch ``affine32``,
  seed 1: signatures stay comparable across processes and releases);
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

import hashlib
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import TextClause, select, text, update
from sqlalchemy.orm import Session

from storage.dedup import normalise_text
from storage.models import Article, ArticleLA, LshBand

NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
SHINGLE_WORDS = 4
BANDS = 32
ROWS = 4
assert BANDS * ROWS == NUM_PERM

#: PostgreSQL advisory lock key for the dedup section (any constant; "carewatch" in ASCII)
PG_LOCK_KEY = 0x63617265_7761


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

_WORD = re.compile(r"\w+")
_MUL = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant for the polynomial shingle hash


def words(text: str) -> list[str]:
    """The words of ``normalise_text(text)`` (punctuation dropped)."""
    return _WORD.findall(normalise_text(text))


_CRC_CACHE: dict[str, int] = {}
_CRC_CACHE_MAX = 500_000


def _crc(word: str) -> int:
    value = zlib.crc32(word.encode("utf-8"))
    if len(_CRC_CACHE) >= _CRC_CACHE_MAX:
        _CRC_CACHE.clear()
    _CRC_CACHE[word] = value
    return value


def word_ids(text: str) -> np.ndarray:
    """Stable 32-bit ids (crc32) of the words of ``text``, as uint64."""
    cache = _CRC_CACHE
    return np.array([cache[w] if w in cache else _crc(w) for w in words(text)], dtype=np.uint64)


def shingle_hashes(ids: np.ndarray, size: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique 64-bit hashes of the word ``size``-grams of ``ids`` (one if shorter).

    The hash of words w1..wk is ``sum(crc32(wi) * MUL**(k-i))`` modulo 2**64: stable across
    processes and releases, and vectorised.
    """
    n = len(ids)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    size = min(size, n)
    with np.errstate(over="ignore"):
        h = ids[: n - size + 1].copy()
        for j in range(1, size):
            h = h * _MUL + ids[j : n - size + 1 + j]
    return np.unique(h)


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word ``size``-grams of the normalised text as strings (one if the text is shorter)."""
    ws = words(text)
    if len(ws) <= size:
        return {" ".join(ws)} if ws else set()
    return {" ".join(ws[i : i + size]) for i in range(len(ws) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity of two shingle sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def jaccard_hashes(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (1.0 for two empty ones)."""
    if a.size == 0 and b.size == 0:
        return 1.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


def _identity(x: int) -> int:
    return x


def _minhash_class() -> Any:
    # datasketch pulls in scipy (~80 MB): imported only by the processes that compute
    # signatures (extraction workers, the writer), not by the crawl process that just routes them
    from datasketch import MinHash

    return MinHash


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    MinHash = _minhash_class()  # noqa: N806
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations  # type: ignore[no-any-return]


def signature(text: str) -> np.ndarray:
    """MinHash signature (``NUM_PERM`` uint64 values) of ``text``'s word shingles.

    datasketch MinHash (``affine32``, seed ``SEED``) over the shingle hashes folded to 32 bits.
    """
    hashes = shingle_hashes(word_ids(text))
    folded = ((hashes >> np.uint64(32)) ^ hashes) & np.uint64(0xFFFFFFFF)
    mh = _minhash_class()(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_permutations(), hashfunc=_identity)
    mh.update_batch(folded.tolist())
    return np.asarray(mh.hashvalues, dtype=np.uint64)


def to_bytes(sig: np.ndarray) -> bytes:
    return np.asarray(sig, dtype="<u8").tobytes()


def from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype="<u8").astype(np.uint64)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    if len(a) != len(b):
        raise ValueError("signatures of different lengths")
    return float(np.count_nonzero(a == b)) / len(a)


def band_hashes(sig: np.ndarray) -> list[tuple[int, int]]:
    """``(band, bucket)`` pairs: a signed 64-bit hash of each band of ``ROWS`` values."""
    raw = to_bytes(sig)
    width = ROWS * 8
    out = []
    for band in range(BANDS):
        digest = hashlib.blake2b(raw[band * width : (band + 1) * width], digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "little", signed=True)))
    return out


def lock_for_dedup(session: Session) -> None:
    """Serialise the dedup section across processes (PostgreSQL advisory transaction lock).

    On SQLite nothing is needed: carewatch's write transactions start with ``BEGIN IMMEDIATE``,
    which already serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})


@dataclass(frozen=True)
class Candidate:
    article_id: int
    shared_bands: int
    similarity: float
    access: str
    duplicate_of_id: int | None


@lru_cache(maxsize=4)
def _candidates_sql(exclude: bool) -> TextClause:
    probes = " OR ".join(f"(band = :b{i} AND bucket = :h{i})" for i in range(BANDS))
    where = f"({probes})" + (" AND article_id != :exclude" if exclude else "")
    return text(
        "SELECT a.id, c.shared, a.minhash, a.access, a.duplicate_of_id FROM ("
        f"SELECT article_id, count(*) AS shared FROM lsh_bands WHERE {where} "
        "GROUP BY article_id ORDER BY shared DESC, article_id LIMIT :lim"
        ") c JOIN articles a ON a.id = c.article_id"
    )


def find_candidates(
    session: Session, sig: np.ndarray, *, limit: int = 20, exclude_id: int | None = None
) -> list[Candidate]:
    """Stored articles sharing at least one LSH band with ``sig``, most similar first.

    One statement: each ``(band, bucket)`` probe is a search of ``ix_lsh_bands_band_bucket``;
    the ``limit`` articles sharing the most bands are joined to their signatures and scored.
    """
    params: dict[str, int] = {"lim": limit}
    for band, bucket in band_hashes(sig):
        params[f"b{band}"] = band
        params[f"h{band}"] = bucket
    if exclude_id is not None:
        params["exclude"] = exclude_id
    rows = session.execute(_candidates_sql(exclude_id is not None), params).all()
    out = [
        Candidate(r.id, r.shared, similarity(sig, from_bytes(r.minhash)) if r.minhash else 0.0, r.access,
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


def find_original(
    session: Session,
    sig: np.ndarray,
    settings: NearDupSettings = DEFAULT_SETTINGS,
    *,
    exclude_id: int | None = None,
    la_codes: Sequence[str] = (),
) -> Match | None:
    """The original a text with signature ``sig`` is a near-copy of, if any.

    A confirmed candidate that is itself a copy is resolved to its original. Full originals
    win over partial ones; among them the most similar, then the first seen. When both the
    new text (``la_codes``) and a candidate original are tagged with LAs and the tags are
    disjoint, it is not a copy (an outlet's template filled in for another council).
    """
    confirmed = [
        c
        for c in find_candidates(session, sig, limit=settings.max_candidates, exclude_id=exclude_id)
        if c.similarity >= settings.duplicate_threshold
    ]
    if not confirmed:
        return None
    roots: dict[int, float] = {}
    for c in confirmed:
        root = c.duplicate_of_id or c.article_id
        roots[root] = max(roots.get(root, 0.0), c.similarity)
    if la_codes:
        tagged: dict[int, set[str]] = {}
        for aid, code in session.execute(
            select(ArticleLA.article_id, ArticleLA.la_code).where(ArticleLA.article_id.in_(list(roots)))
        ):
            tagged.setdefault(aid, set()).add(code)
        wanted = set(la_codes)
        roots = {rid: s for rid, s in roots.items() if not tagged.get(rid) or tagged[rid] & wanted}
        if not roots:
            return None
    access = dict(session.execute(select(Article.id, Article.access).where(Article.id.in_(list(roots)))).all())
    best = min(roots, key=lambda rid: (access.get(rid) != "full", -roots[rid], rid))
    return Match(best, roots[best], access.get(best, "full"))


def index_article(session: Session, article_id: int, sig: np.ndarray, *, replace: bool = False) -> None:
    """Store ``sig``'s LSH bands for ``article_id`` (``replace``: drop the ones it had)."""
    table = LshBand.__table__
    if replace:
        session.execute(table.delete().where(table.c.article_id == article_id))
    session.execute(
        table.insert(), [{"article_id": article_id, "band": b, "bucket": h} for b, h in band_hashes(sig)]
    )


def supersede_partial(session: Session, teaser_id: int, original_id: int, sim: float) -> None:
    """A full text arrived for a walled teaser: the teaser (and its copies) now point at it."""
    session.execute(
        update(Article)
        .where(Article.duplicate_of_id == teaser_id)
        .values(duplicate_of_id=original_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Article)
        .where(Article.id == teaser_id)
        .values(duplicate_of_id=original_id, duplicate_similarity=sim)
        .execution_options(synchronize_session=False)
    )


def revision_change(old_text: str, new_text: str, settings: NearDupSettings = DEFAULT_SETTINGS,
                    *, old_sig: np.ndarray | None = None, new_sig: np.ndarray | None = None) -> tuple[float, str]:
    """``(similarity, "minor" | "major")`` of a revision's new text against the old one."""
    a = old_sig if old_sig is not None else signature(old_text)
    b = new_sig if new_sig is not None else signature(new_text)
    sim = similarity(a, b)
    return sim, "minor" if sim >= settings.minor_revision_threshold else "major"


def signatures_of(session: Session, ids: Sequence[int]) -> dict[int, np.ndarray]:
    rows = session.execute(select(Article.id, Article.minhash).where(Article.id.in_(list(ids)))).all()
    return {r.id: from_bytes(r.minhash) for r in rows if r.minhash}
