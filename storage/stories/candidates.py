"""Which story a new article belongs in: the related articles and the report it follows.

Everything here reads; storage.stories.grouping writes what :func:`decide` decided.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Date, Select, bindparam, select, union
from sqlalchemy.orm import aliased

from storage.models import Article, ArticleLA, Report, Story
from storage.stories.settings import MENTIONS_REPORT, StorySettings, as_utc
from storage.stories.text import ShingledText, cached, related, remember
from storage.types import UTCDateTime

# Statements are built once, with bind parameters: building and keying a statement costs more
# CPU than running it (storage.repository.store_article).
_BODIES = select(Article.id, Article.body).where(Article.id.in_(bindparam("ids", expanding=True)))
#: the latest report on one of the LAs published in [day - report_window, day]
_REPORT = (
    select(Report.id, Report.la_code)
    .where(
        Report.la_code.in_(bindparam("codes", expanding=True)),
        Report.published_on.is_not(None),
        Report.published_on <= bindparam("day", type_=Date()),
        Report.published_on >= bindparam("since", type_=Date()),
    )
    .order_by(Report.published_on.desc(), Report.id.desc())
    .limit(1)
)


@dataclass
class Candidate:
    """A stored original article that may be about the same event."""

    id: int
    source: str
    body_hash: str
    story_id: int | None
    when: datetime
    title: str
    story_la: str | None
    story_report: int | None
    #: the candidate's LA codes among the new article's
    codes: set[str]


@lru_cache(maxsize=16)
def _candidates_statement(settings: StorySettings) -> Select[*tuple[Any, ...]]:
    """Original articles of a common LA within the window, most recent first, with their story's
    LA and report (one row per common LA).

    The ids come first, from indexes alone (articles by date, then article_las by id and LA),
    then the few matching rows: the work stays the same however large the archive grows.
    """
    lo, hi = bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime())
    codes: BindParameter[Any] = bindparam("codes", expanding=True)
    in_window = union(
        select(Article.id.label("id")).where(Article.published_at.between(lo, hi)),
        select(Article.id.label("id")).where(Article.published_at.is_(None), Article.first_seen_at.between(lo, hi)),
    ).subquery()
    ids = (
        select(ArticleLA.article_id)
        .where(ArticleLA.article_id.in_(select(in_window.c.id)), ArticleLA.la_code.in_(codes))
        .distinct()
        .order_by(ArticleLA.article_id.desc())
        .limit(settings.max_candidates)
    )
    tag = aliased(ArticleLA)
    return (
        select(Article.id, Article.source, Article.body_hash, Article.story_id, Article.published_at,
               Article.first_seen_at, Article.title, Story.la_code, Story.report_id, tag.la_code)
        .join(tag, tag.article_id == Article.id)
        .outerjoin(Story, Story.id == Article.story_id)
        .where(Article.id.in_(ids), Article.duplicate_of_id.is_(None), tag.la_code.in_(codes))
        .order_by(Article.id.desc())
    )


def candidates(conn: Connection, codes: Sequence[str], when: datetime, settings: StorySettings,
               exclude: Collection[int] = ()) -> list[Candidate]:
    """The original articles of a common LA within the window (see storage.stories), at most
    ``settings.max_candidates``, most recent first: one statement.

    ``exclude``: articles that count as near-copies though not marked yet (a teaser the new
    article is about to supersede).
    """
    params = {"lo": when - settings.window, "hi": when + settings.window, "codes": list(codes)}
    out: dict[int, Candidate] = {}
    for aid, source, body_hash, story_id, published, first_seen, title, story_la, story_report, code in (
            conn.execute(_candidates_statement(settings), params)):
        if aid in exclude:
            continue
        cand = out.get(aid)
        if cand is None:
            cand = out[aid] = Candidate(aid, source, body_hash, story_id, as_utc(published or first_seen),
                                        title, story_la, story_report, set())
        cand.codes.add(code)
    return list(out.values())


def _candidate_texts(conn: Connection, rows: Sequence[Candidate], settings: StorySettings) -> dict[int, ShingledText]:
    """Candidates' shingled texts; only bodies not in the cache are read from the database."""
    texts: dict[int, ShingledText] = {}
    missing = []
    for r in rows:
        text = cached((r.id, r.body_hash, r.source, settings))
        if text is None:
            missing.append(r)
        else:
            texts[r.id] = text
    if missing:
        bodies = dict(conn.execute(_BODIES, {"ids": [r.id for r in missing]}).all())
        for r in missing:
            texts[r.id] = remember((r.id, r.body_hash, r.source, settings),
                                   ShingledText(bodies[r.id], r.source, settings))
    return texts


def report_followed(conn: Connection, codes: Sequence[str], when: datetime, settings: StorySettings) -> Any:
    """The (id, la_code) row of the latest report on one of ``codes`` that an article published at
    ``when`` follows, or None."""
    day = as_utc(when).date()
    return conn.execute(_REPORT, {"codes": list(codes), "day": day, "since": day - settings.report_window}).first()


@dataclass
class Decision:
    """Where an article goes (see :func:`decide`)."""

    #: an existing story (the lowest id among those involved), or None: a new one
    target: int | None
    target_la: str | None
    report_id: int | None
    #: related articles that join the target (without a story, or in it already)
    members: list[int]
    #: stories of the target's LA merged into it
    merged: list[int]
    #: a new story's row
    new_story: dict[str, Any] | None = None


def decide(conn: Connection, *, source: str, title: str, body: str, when: datetime, codes: Sequence[str],
           mine: ShingledText, settings: StorySettings, exclude: Collection[int] = ()) -> Decision | None:
    """The story of an article about to be stored (None: none), from the other articles about
    the same event and the report it follows."""
    cands = candidates(conn, codes, when, settings, exclude)
    hits: list[Candidate] = []
    if cands:
        texts = _candidate_texts(conn, cands, settings)
        hits = [c for c in cands if related(mine, texts[c.id])]
    report = None
    if MENTIONS_REPORT.search(f"{title}\n{body}"):
        report = report_followed(conn, codes, when, settings)
    if not hits and report is None:
        return None

    # the stories involved: (LA, report) of each, by id
    stories = {c.story_id: (c.story_la, c.story_report) for c in hits if c.story_id is not None}
    if not stories:
        common = set(codes)
        if hits:
            hit_codes = set().union(*(c.codes for c in hits))
            common &= hit_codes or common
        la = report.la_code if report is not None and report.la_code in common else next(
            c for c in codes if c in common)
        # dates and title as the story's refresh computes them: the members are the article (the
        # newest, so last on a tie) and the hits (originals without a story)
        first = min([(when, sys.maxsize, title), *((c.when, c.id, c.title) for c in hits)])
        return Decision(
            None, la, report.id if report is not None and report.la_code == la else None,
            [c.id for c in hits], [],
            {"la_code": la, "title": first[2] or title, "first_published_at": first[0],
             "last_published_at": max([when, *(c.when for c in hits)])},
        )
    target = min(stories)
    target_la, target_report = stories[target]
    members: list[int] = []
    merged: list[int] = []
    for c in hits:
        if c.story_id is None or c.story_id == target:
            members.append(c.id)
        elif stories[c.story_id][0] == target_la and c.story_id not in merged:
            merged.append(c.story_id)
            if target_report is None:
                target_report = stories[c.story_id][1]
    if target_report is None and report is not None and report.la_code == target_la:
        target_report = report.id
    return Decision(target, target_la, target_report, members, merged)
