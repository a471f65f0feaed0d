"""What the story grouping compares, and the helpers every part of it shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func

from storage.models import Article


@dataclass(frozen=True, kw_only=True)
class StorySettings:
    window: timedelta = timedelta(days=3)
    shingle_words: int = 3
    min_jaccard: float = 0.08
    quote_words: int = 25
    report_window: timedelta = timedelta(days=14)
    #: most articles of the same LA and window compared with a new one (most recent first)
    max_candidates: int = 100


DEFAULT_STORY_SETTINGS = StorySettings()

#: an article that says this may follow an Ofsted report
MENTIONS_REPORT = re.compile(r"\bofsted\b|\binspect", re.IGNORECASE)


def article_when() -> ColumnElement[datetime]:
    """An article's date: published, else first seen."""
    return func.coalesce(Article.published_at, Article.first_seen_at)


def as_utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)
