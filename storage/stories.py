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
import sys
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol, cast

import numpy as np
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Date,
    Select,
    Update,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.orm import Session, aliased

from storage.db import connection_for, expire_loaded
from storage.models import Article, ArticleLA, Report, Story
from storage.neardup import (
    intersection_size,
    jaccard_hashes,
    normalised_word_ids,
    shingle_hashes,
    word_ids,
)
from storage.types import UTCDateTime


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
    #: ``normalise_text(body)`` when the caller has it already
    normalised: str | None = field(default=None, repr=False)
    _ids: np.ndarray | None = field(default=None, repr=False)
    _sh: np.ndarray | None = field(default=None, repr=False)
    _runs: np.ndarray | None = field(default=None, repr=False)

    @property
    def ids(self) -> np.ndarray:
        if self._ids is None:
            self._ids = normalised_word_ids(self.normalised) if self.normalised is not None else word_ids(self.body)
            self.normalised = None
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
    return a.source != b.source and intersection_size(a.runs, b.runs) > 0


def texts_related(a: str, b: str, *, source_a: str = "a", source_b: str = "b",
                  settings: StorySettings = DEFAULT_STORY_SETTINGS) -> bool:
    """:func:`related` for two plain texts (tests, tuning)."""
    return related(_Text(a, source_a, settings), _Text(b, source_b, settings))


_TextKey = tuple[int, str, str, StorySettings]
#: shingles of recently compared articles, by (article id, body hash, source, settings): a crawl
#: compares each new article with the same recent ones over and over, so each body is
#: shingled once per process instead of once per comparison
_TEXT_CACHE: OrderedDict[_TextKey, _Text] = OrderedDict()
_TEXT_CACHE_SIZE = 1024


def _remember(key: _TextKey, text: _Text) -> _Text:
    _TEXT_CACHE[key] = text
    if len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
        _TEXT_CACHE.popitem(last=False)
    return text


def _cached(key: _TextKey) -> _Text | None:
    text = _TEXT_CACHE.get(key)
    if text is not None:
        _TEXT_CACHE.move_to_end(key)
    return text


# Statements of the store path are built once, with bind parameters: building and keying a
# statement costs more CPU than running it (storage.repository.store_article).
_BODIES = select(Article.id, Article.body).where(Article.id.in_(bindparam("ids", expanding=True)))
_LA_CODES = (
    select(ArticleLA.la_code).where(ArticleLA.article_id == bindparam("id")).order_by(ArticleLA.id)
)
_STORY_OF = select(Article.story_id).where(Article.id == bindparam("id"))
_SET_ONE = update(Article).where(Article.id == bindparam("b_id")).values(story_id=bindparam("b_story"))
_SET_STORY = (
    update(Article)
    .where(or_(Article.id.in_(bindparam("b_ids", expanding=True)),
               Article.duplicate_of_id.in_(bindparam("b_originals", expanding=True))))
    .values(story_id=bindparam("b_story"))
)
_MOVE = update(Article).where(Article.story_id == bindparam("b_other")).values(story_id=bindparam("b_into"))
_DELETE = delete(Story).where(Story.id == bindparam("b_other"))
_STORY = select(Story.id, Story.la_code, Story.report_id).where(Story.id == bindparam("id"))
_INSERT_STORY = insert(Story)


def _refresh_statement() -> Update:
    """UPDATE of a story's report and of its dates and title (its earliest original article's
    title, unless empty), recomputed from its original articles inside the statement."""
    sid: BindParameter[Any] = bindparam("b_sid")
    when = _when()
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


def _candidate_texts(conn: Connection, rows: Sequence[Any], settings: StorySettings) -> dict[int, _Text]:
    """Candidates' shingled texts; only bodies not in the cache are read from the database."""
    texts: dict[int, _Text] = {}
    missing = []
    for r in rows:
        text = _cached((r.id, r.body_hash, r.source, settings))
        if text is None:
            missing.append(r)
        else:
            texts[r.id] = text
    if missing:
        bodies = dict(conn.execute(_BODIES, {"ids": [r.id for r in missing]}).all())
        for r in missing:
            texts[r.id] = _remember((r.id, r.body_hash, r.source, settings), _Text(bodies[r.id], r.source, settings))
    return texts


def _la_codes(conn: Connection, article_id: int) -> list[str]:
    return list(conn.execute(_LA_CODES, {"id": article_id}).scalars())


def _as_utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@lru_cache(maxsize=8)
def _report_statement(settings: StorySettings) -> Select[*tuple[Any, ...]]:
    return (
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


def _report_row(conn: Connection, codes: Sequence[str], when: datetime, settings: StorySettings) -> Any:
    day = _as_utc(when).date()
    return conn.execute(
        _report_statement(settings), {"codes": list(codes), "day": day, "since": day - settings.report_window}
    ).first()


def followed_report(session: Session, codes: Sequence[str], when: datetime, text: str,
                    settings: StorySettings = DEFAULT_STORY_SETTINGS) -> Report | None:
    """The latest report on one of ``codes`` that an article published at ``when`` follows."""
    if not codes or not _MENTIONS_REPORT.search(text):
        return None
    row = _report_row(connection_for(session), codes, when, settings)
    return session.get(Report, row.id) if row is not None else None


def _set_story(conn: Connection, article_ids: Sequence[int], story_id: int, *,
               originals: Sequence[int] | None = None) -> None:
    """Put articles and their near-copies into ``story_id``; ``originals``: the articles whose
    near-copies move (default: ``article_ids``), for an article inserted into the story already."""
    conn.execute(_SET_STORY, {"b_ids": list(article_ids),
                              "b_originals": list(article_ids if originals is None else originals),
                              "b_story": story_id})


def _merge(conn: Connection, into_id: int, other_id: int) -> None:
    """Move ``other_id``'s articles into ``into_id`` and delete it."""
    conn.execute(_MOVE, {"b_other": other_id, "b_into": into_id})
    conn.execute(_DELETE, {"b_other": other_id})


def _refresh(conn: Connection, story_id: int, report_id: int | None) -> None:
    """Set a story's report and recompute its dates and title (the earliest article's title)."""
    conn.execute(_REFRESH, {"b_sid": story_id, "b_report": report_id})


@dataclass
class _Candidate:
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
def _candidates_statement(settings: StorySettings, stored: bool) -> Select[*tuple[Any, ...]]:
    """Original articles of a common LA within the window, most recent first, with their story's
    LA and report (one row per common LA).

    The ids come first, from indexes alone (articles by date, then article_las by id and LA),
    then the few matching rows: the work stays the same however large the archive grows.

    ``stored``: the article is stored already. It is then among the ids (it is the newest article
    of its LAs and window) and left out afterwards; before it is stored, one id fewer is taken,
    which is the same set.
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
        .limit(settings.max_candidates + 1 if stored else settings.max_candidates)
    )
    tag = aliased(ArticleLA)
    where: list[ColumnElement[bool]] = [
        Article.id.in_(ids), Article.duplicate_of_id.is_(None), tag.la_code.in_(codes),
    ]
    if stored:
        where.append(Article.id != bindparam("self_id"))
    return (
        select(Article.id, Article.source, Article.body_hash, Article.story_id, Article.published_at,
               Article.first_seen_at, Article.title, Story.la_code, Story.report_id, tag.la_code)
        .join(tag, tag.article_id == Article.id)
        .outerjoin(Story, Story.id == Article.story_id)
        .where(*where)
        .order_by(Article.id.desc())
    )


def _candidates(conn: Connection, article_id: int | None, codes: Sequence[str], when: datetime,
                settings: StorySettings, exclude: Collection[int] = ()) -> list[_Candidate]:
    """The other original articles of a common LA within the window (see the module docstring),
    at most ``settings.max_candidates``, most recent first: one statement.

    ``article_id``: the article's, if it is stored already; ``exclude``: articles that count as
    near-copies though not marked yet (a teaser the article is about to supersede).
    """
    params = {"lo": when - settings.window, "hi": when + settings.window, "codes": list(codes)}
    if article_id is not None:
        params["self_id"] = article_id
    rows = conn.execute(_candidates_statement(settings, article_id is not None), params).all()
    out: dict[int, _Candidate] = {}
    for aid, source, body_hash, story_id, published, first_seen, title, story_la, story_report, code in rows:
        if aid in exclude:
            continue
        cand = out.get(aid)
        if cand is None:
            if len(out) == settings.max_candidates:
                break
            cand = out[aid] = _Candidate(aid, source, body_hash, story_id, _as_utc(published or first_seen),
                                         title, story_la, story_report, set())
        cand.codes.add(code)
    return list(out.values())


@dataclass
class _Decision:
    """Where an article goes (see :func:`_decide`)."""

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


def _decide(conn: Connection, *, article_id: int | None, source: str, title: str, body: str,
            when: datetime, story_id: int | None, codes: Sequence[str], mine: _Text,
            settings: StorySettings, exclude: Collection[int] = ()) -> _Decision | None:
    """The story of an article (None: none), from the other articles about the same event and
    the report it follows. Reads only; ``article_id`` None: the article is not stored yet."""
    cands = _candidates(conn, article_id, codes, when, settings, exclude)
    hits: list[_Candidate] = []
    if cands:
        texts = _candidate_texts(conn, cands, settings)
        hits = [c for c in cands if related(mine, texts[c.id])]
    report = None
    if _MENTIONS_REPORT.search(f"{title}\n{body}"):
        report = _report_row(conn, codes, when, settings)
    if not hits and report is None and story_id is None:
        return None

    # the stories involved: (LA, report) of each, by id
    stories = {c.story_id: (c.story_la, c.story_report) for c in hits if c.story_id is not None}
    if story_id is not None and story_id not in stories:
        for sid, la_code, report_id in conn.execute(_STORY, {"id": story_id}):
            stories[sid] = (la_code, report_id)
    if not stories:
        common = set(codes)
        if hits:
            hit_codes = set().union(*(c.codes for c in hits))
            common &= hit_codes or common
        la = report.la_code if report is not None and report.la_code in common else next(
            c for c in codes if c in common)
        # dates and title as _refresh computes them: the members are the article (the newest,
        # so last on a tie) and the hits (originals without a story)
        first = min([(when, article_id or sys.maxsize, title), *((c.when, c.id, c.title) for c in hits)])
        return _Decision(
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
    return _Decision(target, target_la, target_report, members, merged)


def _open(conn: Connection, decision: _Decision) -> int:
    """The decided story's id: a new story is inserted with its final row."""
    if decision.target is not None:
        return decision.target
    assert decision.new_story is not None
    pk = conn.execute(
        _INSERT_STORY, {**decision.new_story, "report_id": decision.report_id}
    ).inserted_primary_key
    assert pk is not None  # a single-row INSERT: one primary-key row
    story_id: int = pk[0]
    decision.target = story_id
    return story_id


def _apply(conn: Connection, decision: _Decision, article_id: int, *, article_in_story: bool,
           copies: bool = True) -> None:
    """The writes after the article is stored: merged stories, members (and near-copies) moved
    into the story, the story's report, dates and title.

    ``article_in_story``: the article row has the story id already; ``copies``: the article may
    have near-copies (a teaser it superseded)."""
    story_id = _open(conn, decision)
    new = decision.new_story is not None
    for other in decision.merged:
        _merge(conn, story_id, other)
    ids = decision.members if article_in_story else [article_id, *decision.members]
    if ids or copies:
        _set_story(conn, ids, story_id, originals=[article_id, *decision.members])
    if not new:
        _refresh(conn, story_id, decision.report_id)


class NewArticle(Protocol):
    """What :func:`plan_story` reads of an article about to be stored."""

    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def body_hash(self) -> str: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def first_seen_at(self) -> datetime: ...


class StoryArticle(NewArticle, Protocol):
    """What :func:`assign_story` reads of a stored article (an ``Article``)."""

    @property
    def id(self) -> int: ...
    @property
    def duplicate_of_id(self) -> int | None: ...
    @property
    def story_id(self) -> int | None: ...


@dataclass
class StoryPlan:
    """A new article's story, decided before the article is inserted (:func:`plan_story`), so
    that the article row is written once, with its story id."""

    #: the story id to insert the article with (None: no story)
    story_id: int | None
    decision: _Decision | None
    text: _Text | None
    settings: StorySettings

    def finish(self, session: Session, article: NewArticle, article_id: int, *, copies: bool = False) -> None:
        """The rest, once the article is stored (``copies``: it superseded a teaser, whose
        near-copies now point at it)."""
        if self.text is not None:
            _remember((article_id, article.body_hash, article.source, self.settings), self.text)
        if self.decision is not None:
            _apply(connection_for(session), self.decision, article_id, article_in_story=True, copies=copies)
            expire_loaded(session, Article, Story)


def plan_story(session: Session, article: NewArticle, la_codes: Sequence[str], *,
               normalised: str | None = None, exclude: Collection[int] = (),
               settings: StorySettings = DEFAULT_STORY_SETTINGS) -> StoryPlan:
    """Decide a new original article's story before it is inserted (then :meth:`StoryPlan.finish`).

    The same story as :func:`assign_story` gives once it is stored. ``la_codes``: its LA codes,
    in the order they will be stored; ``normalised``: ``normalise_text(article.body)``, if at
    hand; ``exclude``: articles about to become its near-copies (a superseded teaser).
    A new story is inserted here, with its final row.
    """
    codes = list(dict.fromkeys(la_codes))
    if not codes:
        return StoryPlan(None, None, None, settings)
    conn = connection_for(session)
    # remembered even without candidates: it is one for the articles that follow (shingled lazily)
    mine = _Text(article.body, article.source, settings, normalised)
    decision = _decide(
        conn, article_id=None, source=article.source, title=article.title, body=article.body,
        when=_as_utc(article.published_at or article.first_seen_at), story_id=None, codes=codes, mine=mine,
        settings=settings, exclude=exclude,
    )
    return StoryPlan(_open(conn, decision) if decision is not None else None, decision, mine, settings)


def assign_story(session: Session, article: StoryArticle,
                 settings: StorySettings = DEFAULT_STORY_SETTINGS, *,
                 la_codes: Sequence[str] | None = None, normalised: str | None = None) -> int | None:
    """Put a just-stored article into a story (creating or merging stories); its story id.

    ``la_codes``: the article's LA codes in the order they were stored, when the caller knows
    them (else they are read); ``normalised``: ``normalise_text(article.body)``, if at hand.
    """
    conn = connection_for(session)
    story_id = _assign(conn, article, settings, la_codes, normalised)
    expire_loaded(session, Article, Story)
    return story_id


def _assign(conn: Connection, article: StoryArticle, settings: StorySettings,
            la_codes: Sequence[str] | None, normalised: str | None) -> int | None:
    if article.duplicate_of_id is not None:
        original = conn.execute(_STORY_OF, {"id": article.duplicate_of_id}).scalar_one_or_none()
        if original is not None:
            conn.execute(_SET_ONE, {"b_id": article.id, "b_story": original})
            return original
        return article.story_id
    codes = list(la_codes) if la_codes is not None else _la_codes(conn, article.id)
    if not codes:
        return article.story_id
    key = (article.id, article.body_hash, article.source, settings)
    mine = _cached(key) or _remember(key, _Text(article.body, article.source, settings, normalised))
    decision = _decide(
        conn, article_id=article.id, source=article.source, title=article.title, body=article.body,
        when=_as_utc(article.published_at or article.first_seen_at), story_id=article.story_id, codes=codes,
        mine=mine, settings=settings,
    )
    if decision is None:
        return None
    _apply(conn, decision, article.id, article_in_story=False)
    return decision.target


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
            conn = session.connection()
            _set_story(conn, [art.id], story.id)
            _refresh(conn, story.id, report.id)
            session.expire(story, ["title", "first_published_at", "last_published_at"])
        elif story.report_id is None and story.la_code == report.la_code:
            story.report_id = report.id
        if story.report_id == report.id and story.id not in linked:
            linked.append(story.id)
    session.flush()
    expire_loaded(session, Article)
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
    # story_id IN (...) leaves out NULL story ids
    rows = cast(Sequence[tuple[int, str]], session.execute(
        select(Article.story_id, Article.source)
        .where(Article.story_id.in_(list(story_ids)))
        .order_by(Article.story_id, _when(), Article.id)
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
