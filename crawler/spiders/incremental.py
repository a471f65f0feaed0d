"""Sitemaps and big feeds read incrementally, under a URL budget (issue 11, RELIABILITY.md B4/B5).

A sitemap of hundreds of thousands of URLs parsed whole (``scrapy.utils.sitemap.Sitemap``) and
turned into as many requests took ~700 MB. Here lxml's ``iterparse`` walks the body element by
element, each ``<url>`` is dropped from the tree once read, and only the ``budget`` newest
entries by ``lastmod`` are kept (a heap), so memory is bounded by the budget, not the file.
Entities are never resolved and nothing is fetched from the network (no XXE, no billion laughs).
"""

from __future__ import annotations

import heapq
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree


@dataclass(frozen=True)
class Entry:
    #: "url" (a page) or "sitemap" (a child sitemap of an index)
    kind: str
    loc: str
    #: lastmod (sitemaps) or the publication date (feeds), when given and readable
    when: datetime | None = None
    title: str | None = None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _iterparse(body: bytes, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """End events of elements named ``tags`` (any namespace), each freed once the caller is done."""
    events = etree.iterparse(
        io.BytesIO(body), events=("end",), tag=[f"{{*}}{t}" for t in tags] + list(tags),
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True,
    )
    try:
        for _, elem in events:
            yield elem
            elem.clear()
            parent = elem.getparent()
            while parent is not None and elem.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError:
        return  # what was read before the damage is kept


def _child_text(elem: etree._Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def iter_sitemap(body: bytes) -> Iterator[Entry]:
    """Entries of a sitemap or sitemap index, in document order."""
    for elem in _iterparse(body, ("url", "sitemap")):
        loc = _child_text(elem, "loc")
        if loc:
            yield Entry("sitemap" if _local(elem.tag) == "sitemap" else "url", loc, _date(_child_text(elem, "lastmod")))


def iter_feed(body: bytes) -> Iterator[Entry]:
    """Entries of an RSS or Atom feed: link, title and date, in document order."""
    for elem in _iterparse(body, ("item", "entry")):
        link = None
        for child in elem:
            name = _local(child.tag)
            if name == "link":
                href = child.get("href")
                if href and child.get("rel", "alternate") == "alternate":
                    link = href.strip()
                    break
                if not href and (child.text or "").strip():
                    link = (child.text or "").strip()
                    break
        if not link:
            continue
        when = _child_text(elem, "pubDate") or _child_text(elem, "published") or _child_text(elem, "updated")
        yield Entry("url", link, _date(when), _child_text(elem, "title"))


def newest_first(entries: Iterable[Entry], budget: int) -> list[Entry]:
    """The ``budget`` newest entries, newest first; undated ones after dated, in document order."""
    if budget <= 0:
        return []
    heap: list[tuple[float, int, Entry]] = []
    for n, entry in enumerate(entries):
        stamp = entry.when.timestamp() if entry.when else float("-inf")
        item = (stamp, -n, entry)
        if len(heap) < budget:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)
    return [e for _, _, e in sorted(heap, reverse=True)]
