"""The read-only JSON API (``/api/…``; OpenAPI document at ``/api/openapi.json``).

Each endpoint returns what the matching page shows, with the same filters.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from storage.gazetteer import all_las
from web import data, params, schemas
from web.deps import get_session, settings_of, signed_in


class Problem(BaseModel):
    detail: str


_PROBLEM = {"model": Problem}
router = APIRouter(prefix="/api", tags=["read-only API"], responses={
    400: {**_PROBLEM, "description": "Bad input: the message names the parameter and what was wrong"},
    401: {**_PROBLEM, "description": "Sign in first (only when the dashboard has a password)"},
    404: {**_PROBLEM, "description": "No such LA, report, story or article"},
})
DB = Annotated[Session, Depends(get_session)]
Many = Annotated[list[str], Query(description="repeatable")]
Opt = Annotated[str | None, Query()]
LAs = Annotated[list[str], Query(description="LA slug, name, ONS code or URN (repeatable)")]
Day = Annotated[date | None, Query(description="YYYY-MM-DD")]
Page = Annotated[int | None, Query(ge=1, le=params.MAX_PAGE, description="page number, from 1")]
ID = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@router.get("/reports", summary="Ofsted reports, newest first")
def reports(request: Request, session: DB, la: LAs = [], region: Opt = None, since: Day = None,  # noqa: B006
            until: Day = None, page: Page = None) -> list[schemas.ReportOut]:
    f = params.filters(settings_of(request), la_values=la, region_value=region, since=_iso(since), until=_iso(until))
    return data.reports(session, f, page or 1)


@router.get("/reports/{file_id}", summary="One report: judgements, change, excerpt, coverage")
def report(session: DB, file_id: Annotated[str, Path(max_length=32)]) -> schemas.ReportDetailOut:
    return data.report_detail(session, file_id)


@router.get("/las", summary="The 153 local authorities")
def las() -> list[schemas.LAOut]:
    return [schemas.la_out(x) for x in sorted(all_las(), key=lambda x: x.name)]


@router.get("/las/{key}", summary="One LA: judgement timeline, reports, stories, articles")
def la(session: DB, key: Annotated[str, Path(max_length=120)]) -> schemas.LADetailOut:
    return data.la_detail(session, params.la(key, "LA"))


@router.get("/stories", summary="Stories (articles about one event), newest first")
def stories(request: Request, session: DB, la: LAs = [], region: Opt = None, since: Day = None,  # noqa: B006
            until: Day = None, page: Page = None) -> list[schemas.StoryOut]:
    f = params.filters(settings_of(request), la_values=la, region_value=region, since=_iso(since), until=_iso(until))
    return data.stories(session, f, page or 1)


@router.get("/stories/{story_id}", summary="One story: its articles, near-copies folded under each")
def story(session: DB, story_id: ID) -> schemas.StoryDetailOut:
    return data.story_detail(session, story_id)


@router.get("/articles", summary="Articles, newest first (near-copies left out)")
def articles(request: Request, session: DB, la: LAs = [], region: Opt = None, source: Many = [],  # noqa: B006
             source_kind: Opt = None, since: Day = None, until: Day = None,
             page: Page = None) -> list[schemas.ArticleOut]:
    settings = settings_of(request)
    f = params.filters(settings, la_values=la, region_value=region, source_values=source, source_kind=source_kind,
                       since=_iso(since), until=_iso(until))
    return data.articles(session, settings, f, page or 1)


@router.get("/articles/{article_id}", summary="One article: text, revisions, URLs, copies")
def article(session: DB, article_id: ID) -> schemas.ArticleDetailOut:
    return data.article_detail(session, article_id)


@router.get("/search", summary="Full-text search over articles and reports")
def search(request: Request, session: DB, q: Annotated[str, Query(description="words or \"phrases\"")],
           la: LAs = [], region: Opt = None, source: Many = [], source_kind: Opt = None,  # noqa: B006
           kind: Opt = None, since: Day = None, until: Day = None, page: Page = None,
           order: Opt = None) -> schemas.SearchOut:
    settings = settings_of(request)
    f = params.filters(settings, la_values=la, region_value=region, source_values=source, source_kind=source_kind,
                       kind=kind, since=_iso(since), until=_iso(until))
    sort = params.choice(order, "order", ("relevance", "date"), "relevance")
    query = params.text(q, "q")
    if not query:
        raise params.BadInput("q", "give something to search for")
    return data.search(session, settings, query, f, page or 1, sort)


@router.get("/ratings", summary="Every LA's latest graded inspection, judgement by judgement")
def ratings(session: DB, region: Opt = None) -> list[schemas.RatingOut]:
    rows, _ = data.ratings(session, params.region(region), "la", False)
    return rows


@router.get("/sources", summary="Each source's status, last runs and next run")
def sources(request: Request, session: DB) -> list[schemas.SourceOut]:
    return data.sources(session, settings_of(request))


@router.get("/rules", summary="Alert rules and recent deliveries (recipients only when signed in)")
def rules(request: Request, session: DB) -> data.RulesOut:
    return data.rules(session, settings_of(request), signed_in=signed_in(request))
