"""Atom feeds (feedgen): new reports, one LA, one search, one rule's matches.

Each entry links to carewatch's own page (``rel=alternate``) and to the original report PDF
or article (``rel=related``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from lxml import etree

from web.labels import short_grade, type_name
from web.schemas import ArticleOut, ReportOut, SearchHitOut

ATOM = "application/atom+xml; charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"


def _when(value: date | datetime | None) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(12), tzinfo=UTC)
    return datetime(2000, 1, 1, tzinfo=UTC)


def _clean(text: str) -> str:
    """XML 1.0 forbids most control characters; scraped text may still hold them."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


class Feed:
    def __init__(self, base: str, path: str, title: str, subtitle: str) -> None:
        self.base = base.rstrip("/")
        self.fg = FeedGenerator()
        self.fg.id(self.base + path)
        self.fg.title(_clean(title))
        self.fg.subtitle(_clean(subtitle))
        self.fg.link(href=self.base + path, rel="self", type="application/atom+xml")
        self.fg.link(href=self.base + "/", rel="alternate", type="text/html")
        self.fg.author({"name": "carewatch"})
        self.fg.generator("carewatch")
        self.latest = datetime(2000, 1, 1, tzinfo=UTC)

    def entry(self, *, page: str, title: str, when: date | datetime | None, summary: str,
              original: str | None) -> None:
        e = self.fg.add_entry(order="append")
        e.id(self.base + page)
        e.title(_clean(title) or "(untitled)")
        e.link(href=self.base + page, rel="alternate", type="text/html")
        if original:
            e.link(href=original, rel="related")
        stamp = _when(when)
        e.updated(stamp)
        e.published(stamp)
        e.summary(_clean(summary))
        self.latest = max(self.latest, stamp)

    def response(self) -> Response:
        self.fg.updated(self.latest)
        return Response(_entry_link_rels(self.fg.atom_str(pretty=True)), media_type=ATOM)


def _entry_link_rels(atom: bytes) -> bytes:
    """Put back the ``rel`` of entry links: feedgen 1.0 drops the attributes of entry links
    (its ``atom_entry`` reads them from the new element instead of the link's dict). Each entry
    has its dashboard page first (alternate) and the original second (related)."""
    root = etree.fromstring(atom, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    for entry in root.iter(f"{{{ATOM_NS}}}entry"):
        for link, rel in zip(entry.iter(f"{{{ATOM_NS}}}link"), ("alternate", "related"), strict=False):
            link.set("rel", rel)
            if rel == "alternate":
                link.set("type", "text/html")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def report_title(r: ReportOut) -> str:
    grades = "; ".join(f"{j.area.replace('_', ' ')}: {short_grade(j.grade)}" for j in r.judgements)
    return f"{r.la or r.provider_name}: {type_name(r.report_type)}" + (f" ({grades})" if grades else "")


def add_reports(feed: Feed, reports: Sequence[ReportOut]) -> None:
    for r in reports:
        summary = f"{r.label}. Published {r.published_on or 'date unknown'}."
        if r.judgements:
            summary += " Judgements: " + "; ".join(f"{j.area.replace('_', ' ')}: {j.grade}" for j in r.judgements) + "."
        feed.entry(page=r.page, title=report_title(r), when=r.published_on, summary=summary, original=r.pdf_url)


def add_articles(feed: Feed, articles: Sequence[ArticleOut]) -> None:
    for a in articles:
        summary = f"{a.source}" + (f", about {', '.join(a.las)}" if a.las else "")
        feed.entry(page=a.page, title=a.title, when=a.published_at or a.first_seen_at, summary=summary, original=a.url)


def add_hits(feed: Feed, hits: Sequence[SearchHitOut]) -> None:
    for h in hits:
        feed.entry(page=h.page, title=h.title, when=h.date, summary=h.snippet, original=h.url)
