"""Read-side queries over articles, stories, sources and deliveries (dashboard and CLI).

Like storage.queries, these return plain frozen records that outlive their session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    Article,
    ArticleLA,
    CrawlRun,
    Delivery,
    Report,
    Revision,
    SourceState,
    Story,
)
from storage.queries import ReportView, report_views
from storage.stories import outlets_by_story
from storage.stories.settings import article_when

__all__ = [
    "ArticleDetail",
    "ArticleRow",
    "RevisionView",
    "RunView",
    "SourceView",
    "StoryDetail",
    "StoryRow",
    "article_conditions",
    "article_detail",
    "article_rows",
    "articles",
    "delivery_rows",
    "failing_sources",
    "rule_matches",
    "source_views",
    "stories",
    "story_detail",
]


@dataclass(frozen=True, kw_only=True)
class ArticleRow:
    id: int
    source: str
    title: str
    url: str
    published_at: datetime | None
    first_seen_at: datetime
    author: str | None
    la_codes: tuple[str, ...]
    story_id: int | None
    duplicate_of_id: int | None
    access: str
    revisions: int


def _row(a: Article) -> ArticleRow:
    return ArticleRow(id=a.id, source=a.source, title=a.title, url=a.canonical_url, published_at=a.published_at,
                      first_seen_at=a.first_seen_at, author=a.author,
                      la_codes=tuple(sorted(t.la_code for t in a.las)), story_id=a.story_id,
                      duplicate_of_id=a.duplicate_of_id, access=a.access, revisions=a.revision_count)


def article_conditions(*, la_codes: Sequence[str] = (), sources: Sequence[str] | None = None,
                       since: datetime | None = None, until: datetime | None = None) -> list[ColumnElement[bool]]:
    """Original articles (not near-copies) about one of ``la_codes`` (any if empty), from one of
    ``sources`` (any if None), dated (published, else first seen) in ``[since, until)``."""
    when = article_when()
    out: list[ColumnElement[bool]] = [Article.duplicate_of_id.is_(None)]
    if la_codes:
        out.append(Article.id.in_(select(ArticleLA.article_id).where(ArticleLA.la_code.in_(list(la_codes)))))
    if sources is not None:
        out.append(Article.source.in_(list(sources)))
    if since:
        out.append(when >= since)
    if until:
        out.append(when < until)
    return out


def articles(session: Session, *, la_codes: Sequence[str] = (), sources: Sequence[str] | None = None,
             since: datetime | None = None, until: datetime | None = None,
             exclude_stories: Sequence[int] = (), group_stories: bool = False,
             limit: int = 50, offset: int = 0) -> list[Article]:
    """Articles newest first (by publication date, then first seen) with their LA tags (which
    ones: :func:`article_conditions`), leaving out those of ``exclude_stories``.

    ``group_stories``: one article per story (its first published among those matching the
    filters) stands for the story (storage.stories.outlets_by_article lists its outlets).
    """
    when = article_when()
    stmt = select(Article).where(*article_conditions(la_codes=la_codes, sources=sources, since=since, until=until))
    if exclude_stories:
        stmt = stmt.where((Article.story_id.is_(None)) | Article.story_id.not_in(list(exclude_stories)))
    if group_stories:
        rank = func.row_number().over(
            partition_by=func.coalesce(Article.story_id, -Article.id), order_by=(when.asc(), Article.id.asc())
        )
        ranked = stmt.with_only_columns(Article.id, rank.label("rank")).subquery()
        stmt = select(Article).join(ranked, ranked.c.id == Article.id).where(ranked.c.rank == 1)
    stmt = stmt.options(selectinload(Article.las)).order_by(when.desc(), Article.id.desc()).limit(limit).offset(offset)
    return list(session.execute(stmt).scalars())


def article_rows(session: Session, *, la_codes: Sequence[str] = (), sources: Sequence[str] | None = None,
                 since: datetime | None = None, until: datetime | None = None,
                 exclude_stories: Sequence[int] = (), limit: int = 50, offset: int = 0) -> list[ArticleRow]:
    """:func:`articles` as records."""
    return [_row(a) for a in articles(session, la_codes=la_codes, sources=sources, since=since, until=until,
                                      exclude_stories=exclude_stories, limit=limit, offset=offset)]


# --------------------------------------------------------------------------- stories


@dataclass(frozen=True, kw_only=True)
class StoryRow:
    """A story as listed (dashboard, ``carewatch stories``): its articles, outlets and report."""

    id: int
    la_code: str | None
    title: str
    first_published_at: datetime | None
    last_published_at: datetime | None
    articles: int
    outlets: tuple[str, ...]
    report_id: int | None
    report_file_id: str | None
    report_label: str | None
    report_published_on: date | None
    report_grade: str | None


#: each story with its report, if any
_STORIES = select(Story, Report).outerjoin(Report, Report.id == Story.report_id)


def stories(session: Session, *, la_codes: Sequence[str] = (), report_ids: Sequence[int] | None = None,
            since: datetime | None = None, until: datetime | None = None,
            limit: int = 30, offset: int = 0) -> list[StoryRow]:
    """Stories newest first (by their last article) with their outlets and report."""
    stmt = _STORIES
    if la_codes:
        stmt = stmt.where(Story.la_code.in_(list(la_codes)))
    if report_ids is not None:
        stmt = stmt.where(Story.report_id.in_(list(report_ids)))
    if since:
        stmt = stmt.where(Story.last_published_at >= since)
    if until:
        stmt = stmt.where(Story.first_published_at < until)
    stmt = stmt.order_by(Story.last_published_at.desc().nulls_last(), Story.id.desc()).limit(limit).offset(offset)
    return _story_rows(session, stmt)


@dataclass(frozen=True, kw_only=True)
class StoryDetail:
    story: StoryRow
    report: ReportView | None
    #: (original, its near-copies) in order of publication, the first published first
    articles: tuple[tuple[ArticleRow, tuple[ArticleRow, ...]], ...]


def story_detail(session: Session, story_id: int) -> StoryDetail | None:
    found = _story_rows(session, _STORIES.where(Story.id == story_id))
    if not found:
        return None
    row = found[0]
    members = list(session.execute(select(Article).where(Article.story_id == story_id)
                                   .options(selectinload(Article.las))
                                   .order_by(article_when(), Article.id))
                   .scalars())
    ids = {a.id for a in members}
    copies: dict[int, list[ArticleRow]] = {}
    originals: list[ArticleRow] = []
    for a in members:
        if a.duplicate_of_id is not None and a.duplicate_of_id in ids:
            copies.setdefault(a.duplicate_of_id, []).append(_row(a))
        else:
            originals.append(_row(a))
    rep = session.get(Report, row.report_id, options=[selectinload(Report.judgements)]) \
        if row.report_id is not None else None
    report = report_views([rep])[0] if rep else None
    return StoryDetail(story=row, report=report,
                       articles=tuple((o, tuple(copies.get(o.id, ()))) for o in originals))


def _story_rows(session: Session, stmt: Select[Story, Report]) -> list[StoryRow]:
    """The stories (with their report, if any) that ``stmt`` selects, as records."""
    rows = session.execute(stmt).all()
    ids = [s.id for s, _ in rows]
    outlets = outlets_by_story(session, ids)
    counts: dict[int | None, int] = dict(session.execute(
        select(Article.story_id, func.count()).where(Article.story_id.in_(ids), Article.duplicate_of_id.is_(None))
        .group_by(Article.story_id)).all()) if ids else {}  # type: ignore[arg-type]
    return [StoryRow(id=s.id, la_code=s.la_code, title=s.title, first_published_at=s.first_published_at,
                     last_published_at=s.last_published_at, articles=counts.get(s.id, 0),
                     outlets=tuple(outlets[s.id]), report_id=s.report_id,
                     report_file_id=r.file_id if r else None, report_label=r.label if r else None,
                     report_published_on=r.published_on if r else None,
                     report_grade=r.overall_grade if r else None)
            for s, r in rows]


# --------------------------------------------------------------------------- one article


@dataclass(frozen=True, kw_only=True)
class RevisionView:
    number: int
    title: str
    body: str
    replaced_at: datetime
    change: str | None


@dataclass(frozen=True, kw_only=True)
class ArticleDetail:
    article: ArticleRow
    body: str
    site_name: str | None
    #: (url, kind, first seen)
    urls: tuple[tuple[str, str, datetime], ...]
    #: earlier texts, oldest first; the article's own text is the newest
    revisions: tuple[RevisionView, ...]
    original: ArticleRow | None
    copies: tuple[ArticleRow, ...]
    story: StoryRow | None


def article_detail(session: Session, article_id: int) -> ArticleDetail | None:
    a = session.get(Article, article_id, options=[selectinload(Article.las), selectinload(Article.urls),
                                                  selectinload(Article.revisions)])
    if a is None:
        return None
    o = session.get(Article, a.duplicate_of_id, options=[selectinload(Article.las)]) \
        if a.duplicate_of_id is not None else None
    original = _row(o) if o else None
    copies = [_row(c) for c in session.execute(select(Article).where(Article.duplicate_of_id == a.id)
                                               .options(selectinload(Article.las)).order_by(Article.id)).scalars()]
    story = _story_rows(session, _STORIES.where(Story.id == a.story_id))[0] if a.story_id is not None else None
    return ArticleDetail(
        article=_row(a), body=a.body, site_name=a.site_name,
        urls=tuple((u.url, u.kind, u.first_seen_at) for u in a.urls),
        revisions=tuple(RevisionView(number=r.number, title=r.title, body=r.body, replaced_at=r.replaced_at,
                                     change=r.change) for r in a.revisions),  # in order of number
        original=original, copies=tuple(copies), story=story,
    )


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True, kw_only=True)
class RunView:
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    trigger: str
    pages_fetched: int
    articles_new: int
    reports_new: int
    errors: int
    error: str | None


@dataclass(frozen=True, kw_only=True)
class SourceView:
    source: str
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_status: str | None
    last_error: str | None
    consecutive_failures: int
    failing_since: datetime | None
    runs: tuple[RunView, ...]
    articles: int


def _run(r: CrawlRun) -> RunView:
    return RunView(id=r.id, started_at=r.started_at, finished_at=r.finished_at, status=r.status, trigger=r.trigger,
                   pages_fetched=r.pages_fetched, articles_new=r.articles_new, reports_new=r.reports_new,
                   errors=r.errors, error=r.error)


def source_views(session: Session, source_ids: Sequence[str], *, runs: int = 5) -> list[SourceView]:
    """Each source's state, its last ``runs`` crawl runs (newest first) and article count."""
    states = {s.source: s for s in session.execute(select(SourceState)).scalars()}
    counts: dict[str, int] = dict(session.execute(  # type: ignore[arg-type]
        select(Article.source, func.count()).group_by(Article.source)).all())
    counts["ofsted"] = counts.get("ofsted", 0) + int(session.execute(select(func.count(Report.id))).scalar_one())
    out = []
    for sid in source_ids:
        # a source never run: a blank state (not added to the session)
        st = states.get(sid) or SourceState(source=sid, consecutive_failures=0)
        recent = session.execute(select(CrawlRun).where(CrawlRun.source == sid)
                                 .order_by(CrawlRun.id.desc()).limit(runs)).scalars()
        out.append(SourceView(
            source=sid, last_run_at=st.last_run_at, last_success_at=st.last_success_at, last_status=st.last_status,
            last_error=st.last_error, consecutive_failures=st.consecutive_failures, failing_since=st.failing_since,
            runs=tuple(_run(r) for r in recent), articles=int(counts.get(sid, 0)),
        ))
    return out


def failing_sources(session: Session) -> list[SourceView]:
    ids = [s for (s,) in session.execute(select(SourceState.source).where(SourceState.consecutive_failures > 0)
                                         .order_by(SourceState.source))]
    return source_views(session, ids, runs=1)


# --------------------------------------------------------------------------- deliveries


@dataclass(frozen=True, kw_only=True)
class DeliveryRow:
    id: int
    rule: str
    item_kind: str
    item_id: int
    recipient: str
    status: str
    attempts: int
    subject: str | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def delivery_rows(session: Session, *, rule: str | None = None, limit: int = 20) -> list[DeliveryRow]:
    """The most recent deliveries (of one rule), newest first."""
    stmt = select(Delivery)
    if rule is not None:
        stmt = stmt.where(Delivery.rule == rule)
    stmt = stmt.order_by(Delivery.id.desc()).limit(limit)
    return [DeliveryRow(id=d.id, rule=d.rule, item_kind=d.item_kind, item_id=d.item_id, recipient=d.recipient,
                        status=d.status, attempts=d.attempts, subject=d.subject, last_error=d.last_error,
                        created_at=d.created_at, sent_at=d.sent_at)
            for d in session.execute(stmt).scalars()]


def rule_matches(session: Session, rule: str, *, limit: int = 50) -> tuple[list[ReportView], list[ArticleRow]]:
    """The items a rule matched (once each, however many recipients), newest match first."""
    first = (select(Delivery.item_kind, Delivery.item_id, func.min(Delivery.created_at).label("at"))
             .where(Delivery.rule == rule, Delivery.item_kind.in_(("report", "article", "revision")))
             .group_by(Delivery.item_kind, Delivery.item_id).order_by(func.min(Delivery.created_at).desc())
             .limit(limit))
    rows = session.execute(first).all()
    report_ids = [int(i) for k, i, _ in rows if k == "report"]
    revision_ids = [int(i) for k, i, _ in rows if k == "revision"]
    article_ids = [int(i) for k, i, _ in rows if k == "article"]
    if revision_ids:
        article_ids += [int(a) for (a,) in session.execute(select(Revision.article_id)
                                                           .where(Revision.id.in_(revision_ids)))]
    reports = report_views(session.execute(select(Report).where(Report.id.in_(report_ids))
                                           .options(selectinload(Report.judgements))).scalars()) if report_ids else []
    matched = [_row(a) for a in session.execute(select(Article).where(Article.id.in_(article_ids))
                                               .options(selectinload(Article.las))).scalars()] if article_ids else []
    order = {(k, int(i)): n for n, (k, i, _) in enumerate(rows)}
    reports.sort(key=lambda r: order.get(("report", r.id), 0))
    return reports, matched

