"""Everything carewatch computes from one page's bytes, in one call that runs in a pool worker.

Extraction, the canonical URL and declared aliases, the topic check, LA tagging and the MinHash
signature are all pure functions of the page, so they run together off the reactor
(crawler.pipelines.pool); the crawl process only receives the small result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crawler.extraction import Extracted, extract_article
from crawler.extraction.la_tagger import tag_las
from crawler.pipelines.canonical import choose_canonical, declared_urls
from crawler.topics import about_childrens_services
from storage.minhash import ids_to_bytes, minhash_of_hashes, shingle_hashes, to_bytes, word_ids


@dataclass(frozen=True)
class PreparedPage:
    extracted: Extracted
    canonical_url: str
    #: other URLs the page declares for itself (rel=shortlink)
    aliases: tuple[str, ...]
    on_topic: bool
    la_codes: tuple[str, ...]
    #: MinHash signature of the body (storage.minhash), so the writer does not compute it
    minhash: bytes
    #: the body's word ids (storage.minhash.ids_to_bytes), which story grouping compares
    word_ids: bytes


def prepare_page(
    body: bytes,
    url: str,
    *,
    encoding: str | None = None,
    prune_xpaths: Sequence[str] = (),
    prune_css: Sequence[str] = (),
    max_bytes: int = 5_000_000,
    domains: Sequence[str] = (),
) -> PreparedPage:
    """Extract one page and derive what storage needs; raises ExtractionFailed for non-articles."""
    extracted = extract_article(body, url, prune_xpaths=prune_xpaths, prune_css=prune_css,
                                max_bytes=max_bytes, encoding=encoding)
    html = body[:300_000].decode(encoding or "utf-8", errors="replace")
    declared, aliases = declared_urls(html, url)
    ids = word_ids(extracted.body)
    return PreparedPage(
        extracted=extracted,
        canonical_url=choose_canonical(url, declared, tuple(domains)),
        aliases=tuple(aliases),
        on_topic=about_childrens_services(extracted.title, extracted.body),
        la_codes=tuple(tag_las(extracted.title, extracted.body)),
        minhash=to_bytes(minhash_of_hashes(shingle_hashes(ids))),
        word_ids=ids_to_bytes(ids),
    )
