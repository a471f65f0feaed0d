"""Article extraction: one fetched page -> title, body, date, author (no Scrapy here).

``extract_article`` finds the element holding the article's paragraphs, drops boilerplate by
its kind (class/id/role names, text patterns of cookie banners, share bars, newsletter boxes,
job ads, walls and offers, teaser lists; link density; position relative to the body), and
reads the date from declared metadata or the article's own header, never from teasers.
"""

from __future__ import annotations

from crawler.extraction.extract import devset_extract, extract_article
from crawler.extraction.types import (
    MAX_BYTES,
    MAX_TREE_SIZE,
    MIN_WORDS,
    Extracted,
    ExtractionFailed,
)

__all__ = [
    "MAX_BYTES",
    "MAX_TREE_SIZE",
    "MIN_WORDS",
    "Extracted",
    "ExtractionFailed",
    "devset_extract",
    "extract_article",
]
