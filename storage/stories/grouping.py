"""Writing stories: a new article's story planned before its insert, and reports linked later.

``storage.repository.store_article`` calls :func:`plan_story` for each new original article
(the story is decided before the insert, so the article row is written once, with its story),
then :meth:`StoryPlan.finish` once the row exists; ``storage.reports.upsert_report`` calls
:func:`link_report` for each new report (coverage crawled before its report gets the link).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import (
    BindParameter,
    Connection,
    Update,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from storage.db import connection_for, expire_loaded
from storage.models import Article, ArticleLA, Report, Story
from storage.stories.candidates import Decision, decide
from storage.stories.settings import (
    DEFAULT_STORY_SETTINGS,
    MENTIONS_REPORT,
    StorySettings,
    article_when,
    as_utc,
)
from storage.stories.text import ShingledText, remember

_SET_STORY = (
    update(Article)
    .where(or_(Article.id.in_(bindparam("b_ids", expanding=True)),
               Article.duplicate_of_id.in_(bindparam("b_originals", expanding=True))))
    .values(story_id=bindparam("b_story"))
)
_MOVE = update(Article).where(Article.story_id == bindparam("b_other")).values(story_id=bindparam("b_into"))
_DELETE = delete(Story).where(Story.id == bindparam("b_other"))
_INSERT_STORY = insert(Story)


def _refresh_statement() -> Update:
    """UPDATE of a story's report and of its dates and title (its earliest original article's
    title, unless empty), recomputed from its original articles inside the statement."""
    sid: BindParameter[Any] = bindparam("b_sid")
    when = article_when()
    mine = (Article.story_id == sid, Article.duplicate_of_id.is_(None))
    first = aliased(Article)
    title = (
        select(first.title)
        .where(first.story_id == sid, first.duplicate_of_id.is_(None))
        .order_by(func.coalesce(first.published_at, first.first_seen_at), first.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        update(Story)
        .where(Story.id == sid)
        .values(
            report_id=bindparam("b_report"),
            first_published_at=select(func.min(when)).where(*mine).scalar_subquery(),
            last_published_at=select(func.max(when)).where(*mine).scalar_subquery(),
            title=func.coalesce(func.nullif(title, ""), Story.title),
        )
    )


_REFRESH = _refresh_statement()


def _set_story(conn: Connection, article_ids: Sequence[int], story_id: int, *, originals: Sequence[int]) -> None:
    """Put articles and the near-copies of ``originals`` into ``story_id``."""
    conn.execute(_SET_STORY, {"b_ids": list(article_ids), "b_originals": list(originals), "b_story": story_id})


def _refresh(conn: Connection, story_id: int, report_id: int | None) -> None:
    """Set a story's report and recompute its dates and title (the earliest article's title)."""
    conn.execute(_REFRESH, {"b_sid": story_id, "b_report": report_id})


def _open(conn: Connection, decision: Decision) -> int:
    """The decided story's id: a new story is inserted with its final row."""
    if decision.target is not None:
        return decision.target
    assert decision.new_story is not None
    pk = conn.execute(_INSERT_STORY, {**decision.new_story, "report_id": decision.report_id}).inserted_primary_key
    assert pk is not None  # a single-row INSERT: one primary-key row
    story_id: int = pk[0]
    decision.target = story_id
    return story_id


def _apply(conn: Connection, decision: Decision, article_id: int, *, copies: bool) -> None:
    """The writes once the article is stored (with its story id): merged stories, members (and
    near-copies) moved into the story, the story's report, dates and title.

    ``copies``: the article may have near-copies (a teaser it superseded)."""
    story_id = _open(conn, decision)
    for other in decision.merged:
        conn.execute(_MOVE, {"b_other": other, "b_into": story_id})
        conn.execute(_DELETE, {"b_other": other})
    if decision.members or copies:
        _set_story(conn, decision.members, story_id, originals=[article_id, *decision.members])
    if decision.new_story is None:
        _refresh(conn, story_id, decision.report_id)


@dataclass(frozen=True)
class NewArticle:
    """What :func:`plan_story` reads of an article about to be stored."""

    source: str
    title: str
    body: str
    body_hash: str
    published_at: datetime | None
    first_seen_at: datetime
    #: storage.minhash.word_ids(body), when the caller has them (the crawl's extraction workers)
    word_ids: np.ndarray | None = None


@dataclass
class StoryPlan:
    """A new article's story, decided before the article is inserted (:func:`plan_story`), so
    that the article row is written once, with its story id."""

    #: the story id to insert the article with (None: no story)
    story_id: int | None
    decision: Decision | None
    text: ShingledText | None
    settings: StorySettings

    def finish(self, session: Session, article: NewArticle, article_id: int, *, copies: bool = False) -> None:
        """The rest, once the article is stored (``copies``: it superseded a teaser, whose
        near-copies now point at it)."""
        if self.text is not None:
            remember((article_id, article.body_hash, article.source, self.settings), self.text)
        if self.decision is not None:
            _apply(connection_for(session), self.decision, article_id, copies=copies)
            expire_loaded(session, Article, Story)


def plan_story(session: Session, article: NewArticle, la_codes: Sequence[str], *,
               normalised: str | None = None, exclude: Collection[int] = (),
               settings: StorySettings = DEFAULT_STORY_SETTINGS) -> StoryPlan:
    """Decide a new original article's story before it is inserted (then :meth:`StoryPlan.finish`).

    ``la_codes``: its LA codes, in the order they will be stored; ``normalised``:
    ``normalise_text(article.body)``, if at hand; ``exclude``: articles about to become its
    near-copies (a superseded teaser). A new story is inserted here, with its final row.
    """
    codes = list(dict.fromkeys(la_codes))
    if not codes:
        return StoryPlan(None, None, None, settings)
    conn = connection_for(session)
    # remembered even without candidates: it is one for the articles that follow (shingled lazily)
    mine = ShingledText(article.body, article.source, settings, normalised, article.word_ids)
    decision = decide(
        conn, source=article.source, title=article.title, body=article.body,
        when=as_utc(article.published_at or article.first_seen_at), codes=codes, mine=mine,
        settings=settings, exclude=exclude,
    )
    return StoryPlan(_open(conn, decision) if decision is not None else None, decision, mine, settings)


def link_report(session: Session, report: Report, settings: StorySettings = DEFAULT_STORY_SETTINGS) -> list[int]:
    """Link a newly stored report to the coverage that follows it; the story ids linked.

    Articles on the report's LA published in ``[published_on, published_on + report_window]``
    that mention Ofsted/an inspection: their stories get the report (when they have none),
    and such articles without a story get one.
    """
    if report.la_code is None or report.published_on is None:
        return []
    start = datetime.combine(report.published_on, time.min, tzinfo=UTC)
    end = datetime.combine(report.published_on + settings.report_window + timedelta(days=1), time.min, tzinfo=UTC)
    w = article_when()
    arts = session.execute(
        select(Article)
        .where(
            Article.duplicate_of_id.is_(None),
            Article.id.in_(select(ArticleLA.article_id).where(ArticleLA.la_code == report.la_code)),
            w >= start,
            w < end,
        )
        .order_by(w, Article.id)
    ).scalars().all()
    linked: list[int] = []
    for art in arts:
        if not MENTIONS_REPORT.search(f"{art.title}\n{art.body}"):
            continue
        story = session.get(Story, art.story_id) if art.story_id is not None else None
        if story is None:
            story = Story(la_code=report.la_code, title=art.title, report_id=report.id)
            session.add(story)
            session.flush()
            conn = session.connection()
            _set_story(conn, [art.id], story.id, originals=[art.id])
            _refresh(conn, story.id, report.id)
            session.expire(story, ["title", "first_published_at", "last_published_at"])
        elif story.report_id is None and story.la_code == report.la_code:
            story.report_id = report.id
        if story.report_id == report.id and story.id not in linked:
            linked.append(story.id)
    session.flush()
    expire_loaded(session, Article)
    return linked
