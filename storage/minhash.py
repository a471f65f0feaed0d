"""MinHash signatures of texts and the maths on them (no database here).

A text's words are those of its normalised form (``storage.dedup.normalise_text``); its
shingles are word ``SHINGLE_WORDS``-grams hashed to 64 bits (:func:`shingle_hashes`); its
signature is datasketch's MinHash (``affine32``, ``NUM_PERM`` permutations, seed ``SEED``) of
those hashes folded to 32 bits, computed here with numpy to the same values
(tests/test_neardup.py checks them against datasketch), so signatures stay comparable across
processes and releases. The signature is cut into ``BANDS`` bands of ``ROWS`` values, each
hashed to a signed 64-bit bucket (:func:`band_hashes`) for the LSH index (storage.neardup).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from functools import lru_cache

import numpy as np

NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
SHINGLE_WORDS = 4
BANDS = 32
ROWS = 4
assert BANDS * ROWS == NUM_PERM

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
    """``np.unique(h)``, sorting ``h`` in place: 6x faster on an article's shingles (numpy 2)."""
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


def ids_to_bytes(ids: np.ndarray) -> bytes:
    """Word ids (crc32 values, :func:`word_ids`) as 4 bytes each, for passing between processes."""
    return np.asarray(ids, dtype="<u4").tobytes()


def ids_from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype="<u4").astype(np.uint64)


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
