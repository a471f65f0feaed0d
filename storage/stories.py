"""Stories: the articles about one event, grouped, and linked to the Ofsted report they follow.

Two original articles (not near-copies) are about the same event when

* they concern a common LA (``article_las``),
* they were published within ``StorySettings.window`` (3 days) of each other
  (``published_at``, else ``first_seen_at``), and
* they are similar enough: Jaccard of their 3-word shingles >= ``min_jaccard`` (0.08), or,
  for articles from different sources, a shared run of >= ``quote_words`` (25) consecutive
  words (a quotation from the council or the report).

On the seeds (SOURCES.md 6) the three 4 September 2017 articles score 0.12-0.19 and share
runs of 111-149 words; they score 0.006-0.055 against the 2019 articles (which are outside
the window anyway). Near-duplicates score >= 0.6 with 4-word shingles (storage.neardup).
The "different sources" condition keeps a publisher's own repeated footer from chaining its
articles together.

A story is created when an article relates to at least one other, or when it follows an
Ofsted report on its own: a report on a common LA published on or before the article, at
most ``report_window`` (14 days) earlier, and the article mentions Ofsted or an inspection.
A story gets the report when it has none. Near-copies share their original's story.
Stories of different LAs never merge: an article tagged with two LAs joins one story, and
only stories of that story's LA are merged into it.

Call :func:`assign_story` inside the transaction that stored the article
(``storage.repository.store_article`` does), and :func:`link_report` after storing a new
report (coverage crawled before its report then gets the link).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, delete, func, or_, select, union, update
from sqlalchemy.orm import Session

from storage.models import Article, ArticleLA, Report, Story
from storage.neardup import jaccard_hashes, shingle_hashes, word_ids


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

_MENTIONS_REPORT = re.compile(r"\bofsted\b|\binspect", re.IGNORECASE)


def _when() -> ColumnElement[datetime]:
    return func.coalesce(Article.published_at, Article.first_seen_at)


@dataclass
class _Text:
    """Shingle hashes of one text, computed once."""

    body: str
    source: str
    settings: StorySettings
    _ids: np.ndarray | None = field(default=None, repr=False)
    _sh: np.ndarray | None = field(default=None, repr=False)
    _runs: np.ndarray | None = field(default=None, repr=False)

    @property
    def ids(self) -> np.ndarray:
        if self._ids is None:
            self._ids = word_ids(self.body)
        return self._ids

    @property
    def sh(self) -> np.ndarray:
        if self._sh is None:
            self._sh = shingle_hashes(self.ids, self.settings.shingle_words)
        return self._sh

    @property
    def runs(self) -> np.ndarray:
        if self._runs is None:
            self._runs = shingle_hashes(self.ids, self.settings.quote_words)
        return self._runs


def related(a: _Text, b: _Text) -> bool:
    """Whether two texts are about the same event (see the module docstring)."""
    if jaccard_hashes(a.sh, b.sh) >= a.settings.min_jaccard:
        return True
    return a.source != b.source and np.intersect1d(a.runs, b.runs, assume_unique=True).size > 0


def texts_related(a: str, b: str, *, source_a: str = "a", source_b: str = "b",
                  settings: StorySettings = DEFAULT_STORY_SETTINGS) -> bool:
    """:func:`related` for two plain texts (tests, tuning)."""
    return related(_Text(a, source_a, settings), _Text(b, source_b, settings))


#: shingles of recently compared articles, by (article id, body hash, settings): a crawl
#: compares each new article with the same recent ones over and over, so each body is
#: shingled once per process instead of once per comparison
_TEXT_CACHE: OrderedDict[tuple[int, str, StorySettings], _Text] = OrderedDict()
_TEXT_CACHE_SIZE = 1024


def _cached_text(article_id: int, body_hash: str, source: str, settings: StorySettings,
                 body: str | None) -> _Text:
    key = (article_id, body_hash, settings)
    text = _TEXT_CACHE.get(key)
    if text is not None:
        _TEXT_CACHE.move_to_end(key)
        return text
    assert body is not None
    text = _TEXT_CACHE[key] = _Text(body, source, settings)
    if len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
        _TEXT_CACHE.popitem(last=False)
    return text


def _candidate_texts(session: Session, rows: Sequence[Any], settings: StorySettings) -> dict[int, _Text]:
    """Candidates' shingled texts; only bodies not in the cache are read from the database."""
    missing = [r.id for r in rows if (r.id, r.body_hash, settings) not in _TEXT_CACHE]
    bodies = dict(session.execute(select(Article.id, Article.body).where(Article.id.in_(missing))).all()) \
        if missing else {}
    return {r.id: _cached_text(r.id, r.body_hash, r.source, settings, bodies.get(r.id)) for r in rows}


def _la_codes(session: Session, article_id: int) -> list[str]:
    return list(
        session.execute(
            select(ArticleLA.la_code).where(ArticleLA.article_id == article_id).order_by(ArticleLA.id)
        ).scalars()
    )


def _as_utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def followed_report(session: Session, codes: Sequence[str], when: datetime, text: str,
                    settings: StorySettings = DEFAULT_STORY_SETTINGS) -> Report | None:
    """The latest report on one of ``codes`` that an article published at ``when`` follows."""
    if not codes or not _MENTIONS_REPORT.search(text):
        return None
    day = _as_utc(when).date()
    return session.execute(
        select(Report)
        .where(
            Report.la_code.in_(list(codes)),
            Report.published_on.is_not(None),
            Report.published_on <= day,
            Report.published_on >= day - settings.report_window,
        )
        .order_by(Report.published_on.desc(), Report.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _set_story(session: Session, article_ids: Sequence[int], story_id: int) -> None:
    """Put articles and their near-copies into ``story_id``."""
    ids = list(article_ids)
    session.execute(
        update(Article)
        .where(or_(Article.id.in_(ids), Article.duplicate_of_id.in_(ids)))
        .values(story_id=story_id)
        .execution_options(synchronize_session="fetch")
    )


def _merge(session: Session, into: Story, other_id: int) -> None:
    other = session.get(Story, other_id)
    if other is None:
        return
    session.execute(
        update(Article).where(Article.story_id == other_id).values(story_id=into.id)
        .execution_options(synchronize_session="fetch")
    )
    if into.report_id is None:
        into.report_id = other.report_id
    session.execute(delete(Story).where(Story.id == other_id))


def _refresh(session: Session, story: Story) -> None:
    """Recompute a story's dates and title (the earliest article's title)."""
    when = _when()
    lo, hi = session.execute(
        select(func.min(when), func.max(when)).where(Article.story_id == story.id, Article.duplicate_of_id.is_(None))
    ).one()
    story.first_published_at = _as_utc(lo) if isinstance(lo, datetime) else lo
    story.last_published_at = _as_utc(hi) if isinstance(hi, datetime) else hi
    title = session.execute(
        select(Article.title)
        .where(Article.story_id == story.id, Article.duplicate_of_id.is_(None))
        .order_by(when, Article.id)
        .limit(1)
    ).scalar_one_or_none()
    story.title = title or story.title


def assign_story(session: Session, article: Article,
                 settings: StorySettings = DEFAULT_STORY_SETTINGS) -> int | None:
    """Put a just-stored article into a story (creating or merging stories); its story id."""
    session.flush()
    if article.duplicate_of_id is not None:
        original = session.get(Article, article.duplicate_of_id)
        if original is not None and original.story_id is not None:
            article.story_id = original.story_id
            session.flush()
        return article.story_id
    codes = _la_codes(session, article.id)
    if not codes:
        return article.story_id
    when = _as_utc(article.published_at or article.first_seen_at)
    lo, hi = when - settings.window, when + settings.window
    # ids first, from indexes alone (articles by date, then article_las by id and LA), then
    # the few matching rows: the work stays the same however large the archive grows
    in_window = union(
        select(Article.id.label("id")).where(Article.published_at.between(lo, hi)),
        select(Article.id.label("id")).where(Article.published_at.is_(None), Article.first_seen_at.between(lo, hi)),
    ).subquery()
    ids = session.execute(
        select(ArticleLA.article_id)
        .where(ArticleLA.article_id.in_(select(in_window.c.id)), ArticleLA.la_code.in_(codes))
        .distinct()
        .order_by(ArticleLA.article_id.desc())
        .limit(settings.max_candidates + 1)
    ).scalars().all()
    rows = session.execute(
        select(Article.id, Article.source, Article.body_hash, Article.story_id)
        .where(Article.id.in_([i for i in ids if i != article.id]), Article.duplicate_of_id.is_(None))
        .order_by(Article.id.desc())
        .limit(settings.max_candidates)
    ).all() if len(ids) > 1 or (ids and ids[0] != article.id) else []
    mine = _cached_text(article.id, article.body_hash, article.source, settings, article.body)
    texts = _candidate_texts(session, rows, settings)
    hits = [r for r in rows if related(mine, texts[r.id])]
    report = followed_report(session, codes, when, f"{article.title}\n{article.body}", settings)
    if not hits and report is None and article.story_id is None:
        return None

    story_ids = sorted({r.story_id for r in hits if r.story_id is not None} | (
        {article.story_id} if article.story_id is not None else set()))
    stories = {s.id: s for s in session.execute(select(Story).where(Story.id.in_(story_ids))).scalars()}
    if story_ids:
        target = stories[story_ids[0]]
    else:
        common = set(codes)
        if hits:
            hit_codes = set(session.execute(
                select(ArticleLA.la_code).where(ArticleLA.article_id.in_([r.id for r in hits]))
            ).scalars())
            common &= hit_codes or common
        la = report.la_code if report is not None and report.la_code in common else next(
            c for c in codes if c in common)
        target = Story(la_code=la, title=article.title)
        session.add(target)
        session.flush()
    members = [article.id]
    for r in hits:
        if r.story_id is None or r.story_id == target.id:
            members.append(r.id)
        elif stories[r.story_id].la_code == target.la_code:
            _merge(session, target, r.story_id)
    _set_story(session, members, target.id)
    if target.report_id is None and report is not None and report.la_code == target.la_code:
        target.report_id = report.id
    _refresh(session, target)
    session.flush()
    return target.id


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
    w = _when()
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
        if not _MENTIONS_REPORT.search(f"{art.title}\n{art.body}"):
            continue
        story = session.get(Story, art.story_id) if art.story_id is not None else None
        if story is None:
            story = Story(la_code=report.la_code, title=art.title, report_id=report.id)
            session.add(story)
            session.flush()
            _set_story(session, [art.id], story.id)
            _refresh(session, story)
        elif story.report_id is None and story.la_code == report.la_code:
            story.report_id = report.id
        if story.report_id == report.id and story.id not in linked:
            linked.append(story.id)
    session.flush()
    return linked


# --------------------------------------------------------------------------- listing


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
    rows = session.execute(
        select(Article.story_id, Article.source)
        .where(Article.story_id.in_(list(story_ids)))
        .order_by(Article.story_id, _when(), Article.id)
    ).all()
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
        for orig, source in session.execute(
            select(Article.duplicate_of_id, Article.source)
            .where(Article.duplicate_of_id.in_(loose))
            .order_by(Article.id)
        ).all():
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
    stmt = stmt.order_by(Story.last_published_at.desc(), Story.id.desc()).limit(limit)
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
