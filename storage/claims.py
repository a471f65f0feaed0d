"""Whether a page's canonical claim is believed: identity cannot be stolen (issue 11).

A page fetched at URL P may name another URL C as its canonical (``rel=canonical``, ``og:url``).
Believing every such claim lets any page take over another article: a page naming the real
article's URL becomes that article, and the real one is never stored. So, in the store path:

* the claim is believed when C is not stored yet, or is stored with the same body, or P is
  already a URL of the article at C (a revision reached through one of its aliases). A believed
  claim on a URL nobody has fetched is stored with URL kind ``claimed``;
* it is not believed when the article at C has a different body and P is not one of its URLs:
  the page keeps its own URL (P is its canonical, C is not recorded);
* a page fetched at its own canonical URL C whose key is held only by another page's claim
  (kind ``claimed``) with a different body takes C back: the claimant keeps its own fetched URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, select, update

from storage.dedup import clean_url, url_key
from storage.models import Article, ArticleUrl

#: ArticleUrl.kind of a canonical URL known only from another page's claim
CLAIMED = "claimed"


@dataclass(frozen=True)
class Claim:
    canonical: str
    other_urls: Sequence[str]
    #: the canonical URL is a claim (not the fetched URL) that nobody has contradicted yet
    claimed: bool


# Built once, with bind parameters, like storage.repository's: every stored page runs _HOLDER,
# and building and keying a statement costs more CPU than running it.
_HOLDER = (
    select(ArticleUrl.id, ArticleUrl.article_id, ArticleUrl.kind, Article.body_hash)
    .join(Article, Article.id == ArticleUrl.article_id).where(ArticleUrl.key == bindparam("key"))
)
_DELETE_URL = delete(ArticleUrl).where(ArticleUrl.id == bindparam("url_row"))
_FIRST_URL = (
    select(ArticleUrl.id, ArticleUrl.url).where(ArticleUrl.article_id == bindparam("article_id"))
    .order_by(ArticleUrl.id).limit(1)
)
_MAKE_CANONICAL = update(ArticleUrl).where(ArticleUrl.id == bindparam("b_url_row")).values(kind="canonical")
_SET_CANONICAL = (
    update(Article).where(Article.id == bindparam("b_article_id")).values(canonical_url=bindparam("b_url"))
)


def _holder(conn: Connection, key: str) -> tuple[int, int, str, str] | None:
    """(url row id, article id, url kind, article body hash) of the article stored at ``key``."""
    row = conn.execute(_HOLDER, {"key": key}).first()
    return (row[0], row[1], row[2], row[3]) if row is not None else None


def _release(conn: Connection, url_row: int, article_id: int) -> None:
    """The claimant gives the claimed URL back and keeps the URL it was fetched at."""
    conn.execute(_DELETE_URL, {"url_row": url_row})
    own = conn.execute(_FIRST_URL, {"article_id": article_id}).first()
    if own is not None:
        conn.execute(_MAKE_CANONICAL, {"b_url_row": own[0]})
        conn.execute(_SET_CANONICAL, {"b_article_id": article_id, "b_url": own[1]})


def settle_claim(conn: Connection, canonical: str, fetched_url: str | None, other_urls: Sequence[str],
                 strip: Sequence[str], body_hash: str) -> Claim:
    """The canonical URL to store a page under, and its other URLs (see the module docstring)."""
    if not fetched_url:
        return Claim(canonical, other_urls, False)
    claimed_key, fetched_key = url_key(canonical, strip), url_key(fetched_url, strip)
    holder = _holder(conn, claimed_key)
    if claimed_key == fetched_key:
        if holder is not None and holder[2] == CLAIMED and holder[3] != body_hash:
            _release(conn, holder[0], holder[1])
        return Claim(canonical, other_urls, False)
    if holder is None:
        return Claim(canonical, other_urls, True)
    if holder[3] == body_hash:
        return Claim(canonical, other_urls, False)
    own = _holder(conn, fetched_key)
    if own is not None and own[1] == holder[1]:
        return Claim(canonical, other_urls, False)
    others = [u for u in other_urls if url_key(u, strip) != claimed_key]
    return Claim(clean_url(fetched_url, strip), others, False)
