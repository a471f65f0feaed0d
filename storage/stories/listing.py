"""Listing stories: newest first with their report and outlets, and the outlets of articles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article, Report, Story
from storage.stories.settings import article_when


@dataclass
class StorySummary:
    id: int
    la_code: str | None
    title: str
    first_published_at: datetime | None
    last_published_at: datetime | None
    articles: int
    outlets: list[str]
    report_id: int | None = None
    report_label: str | None = None
    report_published_on: date | None = None
    report_grade: str | None = None


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


def recent_stories(session: Session, *, since: datetime | None = None, la_codes: Sequence[str] = (),
                   limit: int = 30) -> list[StorySummary]:
    """Stories newest first (by their last article), with their report and outlets."""
    stmt = select(Story, Report).outerjoin(Report, Report.id == Story.report_id)
    if since is not None:
        stmt = stmt.where(Story.last_published_at >= since)
    if la_codes:
        stmt = stmt.where(Story.la_code.in_(list(la_codes)))
    stmt = stmt.order_by(Story.last_published_at.desc().nulls_last(), Story.id.desc()).limit(limit)
    rows = session.execute(stmt).all()
    ids = [s.id for s, _ in rows]
    outlets = outlets_by_story(session, ids)
    counts = dict(
        session.execute(
            select(Article.story_id, func.count())
            .where(Article.story_id.in_(ids), Article.duplicate_of_id.is_(None))
            .group_by(Article.story_id)
        ).all()
    ) if ids else {}
    return [
        StorySummary(
            id=s.id, la_code=s.la_code, title=s.title, first_published_at=s.first_published_at,
            last_published_at=s.last_published_at, articles=counts.get(s.id, 0), outlets=outlets[s.id],
            report_id=r.id if r else None, report_label=r.label if r else None,
            report_published_on=r.published_on if r else None, report_grade=r.overall_grade if r else None,
        )
        for s, r in rows
    ]
