"""Public result and error types of the article extractor, and its bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Bytes of HTML accepted before parsing (RELIABILITY.md §4.5).
MAX_BYTES = 5_000_000
#: Elements in the parsed DOM above which a page is refused (trafilatura MAX_TREE_SIZE).
MAX_TREE_SIZE = 50_000
#: Body words below which a page is not stored as an article.
MIN_WORDS = 60
#: Public teaser words below which a walled page counts as having no public body.
MIN_PARTIAL_WORDS = 15


class ExtractionFailed(Exception):
    """A page that must not be stored as an article; ``reason`` is a snake_case stats code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Extracted:
    """One article as extracted from one page."""

    title: str
    #: one paragraph, sub-heading or list item per line
    body: str
    author: str | None
    #: timezone-aware; Europe/London when the page gives no offset
    published_at: datetime | None
    published_raw: str | None
    site_name: str | None
    language: str | None
    #: "full", or "partial" when only a wall's public teaser is the body
    access: str
    word_count: int
