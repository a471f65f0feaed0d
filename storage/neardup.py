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

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import TextClause, bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from storage.db import connection_for, execute_raw
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
    """The words of ``normalise_text(text)`` (punctuation dropped).

    ``normalise_text`` also maps curly quotes, dashes and no-break spaces and collapses runs of
    whitespace; those characters are never word characters before or after, so the words are
    the same without that work (checked over every code point).
    """
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


_CRC_CACHE: dict[str, int] = {}
_CRC_CACHE_MAX = 500_000


def _ids_of(ws: list[str]) -> np.ndarray:
    """crc32 of each word (cached per process: news vocabulary repeats), as uint64."""
    cache = _CRC_CACHE
    try:
        return np.fromiter(map(cache.__getitem__, ws), dtype=np.uint64, count=len(ws))
    except KeyError:
        pass
    if len(cache) + len(ws) > _CRC_CACHE_MAX:
        cache.clear()
    crc = zlib.crc32
    for w in ws:
        if w not in cache:
            cache[w] = crc(w.encode("utf-8"))
    return np.fromiter(map(cache.__getitem__, ws), dtype=np.uint64, count=len(ws))


def word_ids(text: str) -> np.ndarray:
    """Stable 32-bit ids (crc32) of the words of ``text``, as uint64."""
    return _ids_of(words(text))


def normalised_word_ids(normalised: str) -> np.ndarray:
    """``word_ids`` of a text already passed through ``normalise_text``."""
    return _ids_of(_WORD.findall(normalised))


def _sorted_unique(h: np.ndarray) -> np.ndarray:
    h.sort()
    keep = np.empty(h.size, dtype=bool)
    keep[:1] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    return h[keep]


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
            h *= _MUL
            h += ids[j : n - size + 1 + j]
    return _sorted_unique(h)


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


def intersection_size(a: np.ndarray, b: np.ndarray) -> int:
    """How many values two sorted unique arrays share."""
    if a.size == 0 or b.size == 0:
        return 0
    if a.size > b.size:
        a, b = b, a
    idx = np.searchsorted(b, a)
    idx[idx == b.size] = 0
    return int(np.count_nonzero(b[idx] == a))


def jaccard_hashes(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (1.0 for two empty ones)."""
    if a.size == 0 and b.size == 0:
        return 1.0
    inter = intersection_size(a, b)
    return inter / (a.size + b.size - inter)


#: MurmurHash3's 32-bit finaliser (shifts and multipliers), as datasketch's "affine32" scheme
#: applies it to each input hash before the permutations
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_EMPTY_HASH = 0xFFFFFFFF
#: rows of the (shingles x permutations) matrix computed at once: stays in the CPU cache
_CHUNK = 1024


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch ``MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32").permutations``:
    odd ``a`` and any ``b``, uint32, drawn from ``RandomState(SEED)`` in datasketch's order
    (tests/test_neardup.py checks them against datasketch itself)."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def minhash_of_hashes(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (uint64) of 64-bit shingle hashes, folded to 32 bits.

    The same values as datasketch ``MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32",
    hashfunc=identity).update_batch(folded)``, computed with numpy in one pass.
    """
    if hashes.size == 0:
        return np.full(NUM_PERM, _EMPTY_HASH, dtype=np.uint64)
    hv = ((hashes >> np.uint64(32)) ^ hashes).astype(np.uint32)
    s1, m1, s2, m2, s3 = _FMIX32
    hv ^= hv >> s1
    hv *= m1
    hv ^= hv >> s2
    hv *= m2
    hv ^= hv >> s3
    a, b = _permutations()
    col = hv[:, None]
    out = (col[:_CHUNK] * a + b).min(axis=0)
    for i in range(_CHUNK, hv.size, _CHUNK):
        np.minimum(out, (col[i : i + _CHUNK] * a + b).min(axis=0), out=out)
    return out.astype(np.uint64)


def signature(text: str) -> np.ndarray:
    """MinHash signature (``NUM_PERM`` uint64 values) of ``text``'s word shingles.

    datasketch MinHash (``affine32``, seed ``SEED``) over the shingle hashes folded to 32 bits
    (:func:`minhash_of_hashes`).
    """
    return minhash_of_hashes(shingle_hashes(word_ids(text)))


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
    which already serialises writers. On PostgreSQL the lock is held until the transaction
    ends, so it is taken once per transaction (a batch of articles), not once per article.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_LOCKED_IN) is transaction:
        return
    connection_for(session).execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
    session.info[_LOCKED_IN] = session.get_transaction()


_LOCKED_IN = "carewatch.neardup.locked_in"


@dataclass(frozen=True)
class Candidate:
    article_id: int
    shared_bands: int
    similarity: float
    access: str
    duplicate_of_id: int | None


@lru_cache(maxsize=4)
def _candidates_sql(exclude: bool) -> TextClause:
    # the band numbers are written in (band i is the i-th pair of band_hashes): fewer than 50
    # parameters, so that psycopg caches the statement's conversion instead of parsing it per call
    probes = " OR ".join(f"(band = {i} AND bucket = :h{i})" for i in range(BANDS))
    where = f"({probes})" + (" AND article_id != :exclude" if exclude else "")
    return text(
        "SELECT a.id, c.shared, a.minhash, a.access, a.duplicate_of_id FROM ("
        f"SELECT article_id, count(*) AS shared FROM lsh_bands WHERE {where} "
        "GROUP BY article_id ORDER BY shared DESC, article_id LIMIT :lim"
        ") c JOIN articles a ON a.id = c.article_id"
    )


def _probe(
    session: Session, sig: np.ndarray, limit: int, exclude_id: int | None, bands: list[tuple[int, int]] | None,
) -> tuple[Sequence[Any], list[float]]:
    """The LSH candidates' rows (most shared bands first) and their estimated similarity."""
    params: dict[str, int] = {"lim": limit}
    for i, (band, bucket) in enumerate(bands if bands is not None else band_hashes(sig)):
        assert band == i
        params[f"h{band}"] = bucket
    if exclude_id is not None:
        params["exclude"] = exclude_id
    rows = execute_raw(connection_for(session), _candidates_sql(exclude_id is not None), params).all()
    if not rows:
        return [], []
    sims = [0.0] * len(rows)
    signed = [i for i, r in enumerate(rows) if r.minhash]
    if signed:
        if any(len(rows[i].minhash) != 8 * len(sig) for i in signed):
            raise ValueError("signatures of different lengths")
        matrix = np.frombuffer(b"".join(rows[i].minhash for i in signed), dtype="<u8").reshape(len(signed), len(sig))
        for i, same in zip(signed, (matrix == sig).sum(axis=1).tolist(), strict=True):
            sims[i] = float(same) / len(sig)
    return rows, sims


def find_candidates(
    session: Session, sig: np.ndarray, *, limit: int = 20, exclude_id: int | None = None,
    bands: list[tuple[int, int]] | None = None,
) -> list[Candidate]:
    """Stored articles sharing at least one LSH band with ``sig``, most similar first.

    One statement: each ``(band, bucket)`` probe is a search of ``ix_lsh_bands_band_bucket``;
    the ``limit`` articles sharing the most bands are joined to their signatures and scored.
    ``bands``: ``band_hashes(sig)`` when the caller has them already.
    """
    rows, sims = _probe(session, sig, limit, exclude_id, bands)
    out = [Candidate(r.id, r.shared, sim, r.access, r.duplicate_of_id) for r, sim in zip(rows, sims, strict=True)]
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
#: PostgreSQL: the rows in band order (as executemany would insert them)
_INSERT_BANDS_PG = text(
    "INSERT INTO lsh_bands (article_id, band, bucket) SELECT :a, t.band, t.bucket"
    " FROM unnest(CAST(:bands AS INTEGER[]), CAST(:buckets AS BIGINT[])) WITH ORDINALITY AS t(band, bucket, n)"
    " ORDER BY t.n"
)
_DELETE_BANDS = delete(LshBand).where(LshBand.article_id == bindparam("id"))
_INSERT_BANDS = insert(LshBand).values(
    article_id=bindparam("p_article"), band=bindparam("p_band"), bucket=bindparam("p_bucket")
)
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
    rows, sims = _probe(session, sig, settings.max_candidates, exclude_id, bands)
    roots: dict[int, float] = {}
    for r, sim in zip(rows, sims, strict=True):
        if sim >= settings.duplicate_threshold:
            root = r.duplicate_of_id or r.id
            roots[root] = max(roots.get(root, 0.0), sim)
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
    if conn.dialect.name == "postgresql":
        # one statement with two arrays: psycopg's executemany costs more CPU per row than this
        conn.execute(_INSERT_BANDS_PG, {"a": article_id, "bands": [b for b, _ in pairs], "buckets": [h for _, h in pairs]})
    else:
        execute_raw(conn, _INSERT_BANDS, [{"p_article": article_id, "p_band": b, "p_bucket": h} for b, h in pairs])


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


def signatures_of(session: Session, ids: Sequence[int]) -> dict[int, np.ndarray]:
    rows = session.execute(select(Article.id, Article.minhash).where(Article.id.in_(list(ids)))).all()
    return {r.id: from_bytes(r.minhash) for r in rows if r.minhash}
