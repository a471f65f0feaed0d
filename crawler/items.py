"""Items passed from spiders to pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(kw_only=True)
class PageItem:
    """A fetched article page, before extraction."""

    #: the URL the page was finally served from (after redirects)
    url: str
    #: every URL that led here: the requested URL, redirect hops, the feed link
    seen_urls: list[str] = field(default_factory=list)
    #: raw response body
    body: bytes = field(default=b"", repr=False)
    #: encoding Scrapy detected for the response (None for non-text responses)
    encoding: str | None = None
    #: title and date the feed gave for this link (fallbacks for extraction)
    feed_title: str | None = None
    feed_published: datetime | None = None
    #: the page-state row of this fetch (a storage.pagestate.PageRecord), carried from the
    #: conditional-request middleware in ``Request.meta["cw_page"]``; written with the article
    page: Any = None
    #: filled in by the extract pipeline: a storage.repository.ArticleInput (not in the repr:
    #: its body has no place in a log)
    article: Any = field(default=None, repr=False)


@dataclass(kw_only=True)
class ReportItem:
    """An Ofsted report link found on a provider page (SOURCES.md §1.3), with its PDF facts."""

    #: Ofsted provider URN of the LA
    urn: str
    #: file id in files.ofsted.gov.uk/v1/file/<id>
    file_id: str
    #: screen-reader label, e.g. "Children's services inspection, pdf - 04 September 2017"
    label: str
    provider_name: str = ""
    provider_url: str = ""
    file_url: str = ""
    #: report type code from crawler.ofsted (ilacs_standard, sif, focused_visit, ..., other)
    report_type: str = "other"
    published_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)
