"""The outlets of stories and of listed articles (the stories themselves: storage.archive.stories)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article
from storage.stories.settings import article_when


def outlets_by_story(session: Session, story_ids: Sequence[int]) -> dict[int, list[str]]:
    """Sources (outlets) of each story's articles and near-copies, in order of first appearance."""
    out: dict[int, list[str]] = {sid: [] for sid in story_ids}
    if not story_ids:
        return out
    # story_id IN (...) leaves out NULL story ids
    rows = cast(Sequence[tuple[int, str]], session.execute(
        select(Article.story_id, Article.source)
        .where(Article.story_id.in_(list(story_ids)))
        .order_by(Article.story_id, article_when(), Article.id)
    ).all())
    for sid, source in rows:
        if source not in out[sid]:
            out[sid].append(source)
    return out


def outlets_by_article(session: Session, articles: Sequence[Article]) -> dict[int, list[str]]:
    """For each listed article: the outlets of its story, else of itself and its near-copies."""
    by_story = outlets_by_story(session, [a.story_id for a in articles if a.story_id is not None])
    loose = [a.id for a in articles if a.story_id is None]
    copies: dict[int, list[str]] = {}
    if loose:
        # duplicate_of_id IN (...) leaves out NULL ids
        for orig, source in cast(Sequence[tuple[int, str]], session.execute(
            select(Article.duplicate_of_id, Article.source)
            .where(Article.duplicate_of_id.in_(loose))
            .order_by(Article.id)
        ).all()):
            copies.setdefault(orig, []).append(source)
    out: dict[int, list[str]] = {}
    for a in articles:
        names = by_story[a.story_id] if a.story_id is not None else [a.source, *copies.get(a.id, [])]
        out[a.id] = list(dict.fromkeys(names))
    return out
