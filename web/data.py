"""What each page shows, as API models: one function per page or listing.

The HTML pages, their CSV/JSON exports, the feeds and the JSON API all call these, so they
always show the same rows for the same filters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fastapi import HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from storage import archive, queries
from storage.gazetteer import LocalAuthority, by_code, las_in_region, predecessors_of
from storage.search import SearchFilters, SearchQueryError
from storage.search import search as run_search
from web import schemas
from web.params import BadInput, Filters
from web.settings import WebSettings

PER_PAGE = 50
SEARCH_PER_PAGE = 20


class HomeOut(BaseModel):
    reports: list[schemas.ReportOut]
    stories: list[schemas.StoryOut]
    failing: list[schemas.SourceOut]


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def _end(day: date | None) -> datetime | None:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC) if day else None


def home(session: Session, settings: WebSettings) -> HomeOut:
    failing = archive.failing_sources(session)
    return HomeOut(
        reports=[schemas.report_out(r) for r in queries.latest_reports(session, limit=12)],
        stories=[schemas.story_out(s) for s in archive.stories(session, limit=12)],
        failing=[_source(settings, v) for v in failing],
    )


def reports(session: Session, f: Filters, page: int) -> list[schemas.ReportOut]:
    rows = queries.latest_reports(session, la_codes=f.la_codes, since=f.since, until=f.until,
                                  limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return [schemas.report_out(r) for r in rows]


def stories(session: Session, f: Filters, page: int) -> list[schemas.StoryOut]:
    rows = archive.stories(session, la_codes=f.la_codes, since=_start(f.since), until=_end(f.until),
                           limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return [schemas.story_out(s) for s in rows]


def articles(session: Session, settings: WebSettings, f: Filters, page: int) -> list[schemas.ArticleOut]:
    rows = archive.article_rows(session, la_codes=f.la_codes, sources=f.source_ids(settings), since=_start(f.since),
                                until=_end(f.until), limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return [schemas.article_out(a) for a in rows]


def la_detail(session: Session, la: LocalAuthority) -> schemas.LADetailOut:
    timeline, all_reports = queries.la_timeline(session, la)
    report_ids = [r.id for r in all_reports]
    story_rows = archive.stories(session, report_ids=report_ids, limit=500) if report_ids else []
    other = archive.article_rows(session, la_codes=[la.ons_code], exclude_stories=[s.id for s in story_rows],
                                 limit=100)
    return schemas.LADetailOut(
        la=schemas.la_out(la), abolished=la.abolished,
        successors=[schemas.la_out(by_code(c)) for c in la.successors],
        predecessors=[schemas.la_out(by_code(c)) for c in predecessors_of(la.ons_code)],
        timeline=schemas.timeline_out(timeline),
        reports=[schemas.report_out(r) for r in reversed(all_reports)],
        stories=[schemas.story_out(s) for s in story_rows],
        articles=[schemas.article_out(a) for a in other],
    )


def report_detail(session: Session, file_id: str) -> schemas.ReportDetailOut:
    view = queries.report_by_file_id(session, file_id)
    if view is None:
        raise HTTPException(404, f"no report with file id {file_id!r}")
    return schemas.report_detail_out(view, archive.stories(session, report_ids=[view.id], limit=200))


def story_detail(session: Session, story_id: int) -> schemas.StoryDetailOut:
    detail = archive.story_detail(session, story_id)
    if detail is None:
        raise HTTPException(404, f"no story {story_id}")
    return schemas.story_detail_out(detail)


def article_detail(session: Session, article_id: int) -> schemas.ArticleDetailOut:
    detail = archive.article_detail(session, article_id)
    if detail is None:
        raise HTTPException(404, f"no article {article_id}")
    return schemas.article_detail_out(detail)


def search(session: Session, settings: WebSettings, q: str, f: Filters, page: int,
           order: str = "relevance") -> schemas.SearchOut:
    kinds = (f.kind,) if f.kind else ("article", "report")
    sf = SearchFilters(la_codes=f.la_codes, sources=f.source_ids(settings), kinds=kinds, since=f.since, until=f.until)
    try:
        result = run_search(session, q, sf, page=page, per_page=SEARCH_PER_PAGE, order=order)
    except SearchQueryError as exc:
        raise BadInput("q", str(exc)) from None
    return schemas.search_out(q, result)


def ratings(session: Session, region: str | None, sort: str, descending: bool) -> tuple[list[schemas.RatingOut], list[str]]:
    las = las_in_region(region) if region else None
    rows, areas = queries.ratings(session, las)
    out = [schemas.rating_out(r) for r in rows]
    if sort in areas:
        def key(r: schemas.RatingOut) -> tuple[int, str]:
            grade = r.judgements.get(sort)
            rank = queries.GRADE_ORDER.get(grade or "", 9 if grade is None else 5)
            return (rank, r.la)
        out.sort(key=key, reverse=descending)
    elif sort == "date":
        out.sort(key=lambda r: (r.published_on or date.min, r.la), reverse=not descending)
    elif sort == "region":
        out.sort(key=lambda r: (r.region, r.la), reverse=descending)
    else:
        out.sort(key=lambda r: r.la, reverse=descending)
    return out, areas


def _source(settings: WebSettings, v: archive.SourceView) -> schemas.SourceOut:
    info = settings.sources.get(v.source)
    next_run = "disabled" if info and not info.enabled else (
        settings.next_run(v.source, v.last_success_at) if settings.next_run else "")
    return schemas.source_out(v, name=info.name if info else v.source, kind=info.kind if info else None,
                              enabled=info.enabled if info else False, schedule=info.schedule if info else "",
                              next_run=next_run)


def sources(session: Session, settings: WebSettings) -> list[schemas.SourceOut]:
    ids = list(settings.sources) or []
    return [_source(settings, v) for v in archive.source_views(session, ids)]


class RulesOut(BaseModel):
    rules: list[schemas.RuleOut]
    #: recipients and errors only for a signed-in user
    deliveries: list[schemas.DeliveryOut]


def rules(session: Session, settings: WebSettings, *, signed_in: bool, limit: int = 30) -> RulesOut:
    out = [schemas.RuleOut(name=r.name, item=r.item, description=r.description, delivery=r.delivery,
                           enabled=r.enabled, recipients=list(r.recipients) if signed_in else None)
           for r in settings.rules]
    deliveries = [schemas.delivery_out(d, show_recipient=signed_in) for d in archive.delivery_rows(session, limit=limit)
                  if d.item_kind != "operator" or signed_in]
    return RulesOut(rules=out, deliveries=deliveries)


def rule_names(settings: WebSettings) -> list[str]:
    return [r.name for r in settings.rules]
