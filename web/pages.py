"""The HTML pages (server-rendered, no script), each also as CSV and JSON with ``?format=``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage.gazetteer import all_las, regions
from storage.queries import la_slug
from web import data, params, schemas
from web.deps import get_session, render, respond, settings_of, signed_in

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_session)]
Fmt = Annotated[str | None, Query(max_length=10)]
Many = Annotated[list[str], Query()]
Opt = Annotated[str | None, Query()]
ID = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _fmt(value: str | None) -> str:
    return params.choice(value, "format", params.FORMATS, "html")


def _choices() -> dict[str, Any]:
    return {"all_las": sorted(all_las(), key=lambda x: x.name), "regions": regions(), "slug": la_slug,
            "kinds": params.KINDS, "source_kinds": params.SOURCE_KINDS}


@router.get("/")
def home(request: Request, session: DB, format: Fmt = None) -> Response:
    fmt = _fmt(format)
    out = data.home(session, settings_of(request))
    return respond(request, fmt, "home.html", data=out, csv_rows=out.reports, filename="latest-reports", csv_model=schemas.ReportOut,
                   **_choices())


@router.get("/las")
def las(request: Request, format: Fmt = None) -> Response:
    from web.schemas import LAOut as la_model
    from web.schemas import la_out

    rows = [la_out(x) for x in sorted(all_las(), key=lambda x: x.name)]
    return respond(request, _fmt(format), "las.html", data=rows, filename="local-authorities", csv_model=la_model)


@router.get("/la/{key}")
def la_page(request: Request, session: DB, key: Annotated[str, Path(max_length=120)], format: Fmt = None) -> Response:
    fmt = _fmt(format)
    la = params.la(key, "LA")
    out = data.la_detail(session, la)
    return respond(request, fmt, "la.html", data=out, csv_rows=out.reports, filename=f"{out.la.slug}-reports",
                   csv_model=schemas.ReportOut)


@router.get("/reports")
def reports(request: Request, session: DB, la: Many = [], region: Opt = None, since: Opt = None,  # noqa: B006
            until: Opt = None, page: Opt = None, format: Fmt = None) -> Response:
    fmt = _fmt(format)
    f = params.filters(settings_of(request), la_values=la, region_value=region, since=since, until=until)
    n = params.page_number(page)
    rows = data.reports(session, f, n)
    return respond(request, fmt, "reports.html", data=rows, filename="reports", csv_model=schemas.ReportOut, filters=f, page=n,
                   more=len(rows) == data.PER_PAGE, **_choices())


@router.get("/stories")
def stories(request: Request, session: DB, la: Many = [], region: Opt = None, since: Opt = None,  # noqa: B006
            until: Opt = None, page: Opt = None, format: Fmt = None) -> Response:
    fmt = _fmt(format)
    f = params.filters(settings_of(request), la_values=la, region_value=region, since=since, until=until)
    n = params.page_number(page)
    rows = data.stories(session, f, n)
    return respond(request, fmt, "stories.html", data=rows, filename="stories", csv_model=schemas.StoryOut, filters=f, page=n,
                   more=len(rows) == data.PER_PAGE, **_choices())


@router.get("/articles")
def articles(request: Request, session: DB, la: Many = [], region: Opt = None, source: Many = [],  # noqa: B006
             source_kind: Opt = None, since: Opt = None, until: Opt = None, page: Opt = None,
             format: Fmt = None) -> Response:
    fmt = _fmt(format)
    settings = settings_of(request)
    f = params.filters(settings, la_values=la, region_value=region, source_values=source,
                       source_kind=source_kind, since=since, until=until)
    n = params.page_number(page)
    rows = data.articles(session, settings, f, n)
    return respond(request, fmt, "articles.html", data=rows, filename="articles", csv_model=schemas.ArticleOut, filters=f, page=n,
                   more=len(rows) == data.PER_PAGE, **_choices())


@router.get("/report/{file_id}")
def report_page(request: Request, session: DB, file_id: Annotated[str, Path(max_length=32)],
                format: Fmt = None) -> Response:
    fmt = _fmt(format)
    out = data.report_detail(session, file_id)
    return respond(request, fmt, "report.html", data=out, csv_rows=out.stories, filename=f"report-{file_id}-coverage",
                   csv_model=schemas.StoryOut)


@router.get("/story/{story_id}")
def story_page(request: Request, session: DB, story_id: ID, format: Fmt = None) -> Response:
    fmt = _fmt(format)
    out = data.story_detail(session, story_id)
    rows = [a for item in out.items for a in (item, *item.copies)]
    return respond(request, fmt, "story.html", data=out, csv_rows=rows, filename=f"story-{story_id}", csv_model=schemas.ArticleInStory,
                   csv_drop=("copies",))


@router.get("/article/{article_id}")
def article_page(request: Request, session: DB, article_id: ID, format: Fmt = None) -> Response:
    from web.diff import revision_diffs

    fmt = _fmt(format)
    out = data.article_detail(session, article_id)
    return respond(request, fmt, "article.html", data=out, csv_rows=out.revisions,
                   filename=f"article-{article_id}-revisions", csv_model=schemas.RevisionOut, diffs=revision_diffs(out))


@router.get("/search")
def search(request: Request, session: DB, q: Opt = None, la: Many = [], region: Opt = None,  # noqa: B006
           source: Many = [], source_kind: Opt = None, kind: Opt = None, since: Opt = None,  # noqa: B006
           until: Opt = None, page: Opt = None, order: Opt = None, format: Fmt = None) -> Response:
    fmt = _fmt(format)
    settings = settings_of(request)
    f = params.filters(settings, la_values=la, region_value=region, source_values=source, source_kind=source_kind,
                       kind=kind, since=since, until=until)
    n = params.page_number(page)
    sort = params.choice(order, "order", ("relevance", "date"), "relevance")
    query = params.text(q, "q")
    if not query:
        if fmt != "html":
            raise params.BadInput("q", "give something to search for")
        return render(request, "search.html", data=None, filters=f, q="", order=sort,
                      sources=sorted(settings.sources), **_choices())
    out = data.search(session, settings, query, f, n, sort)
    return respond(request, fmt, "search.html", data=out, csv_rows=out.hits, filename="search", csv_model=schemas.SearchHitOut, filters=f,
                   q=query, order=sort, sources=sorted(settings.sources), **_choices())


@router.get("/ratings")
def ratings(request: Request, session: DB, region: Opt = None, sort: Opt = None, desc: Opt = None,
            format: Fmt = None) -> Response:
    fmt = _fmt(format)
    reg = params.region(region)
    rows, areas = data.ratings(session, reg, "", False)
    key = params.choice(sort, "sort", ("la", "region", "date", *areas), "la")
    descending = params.choice(desc, "desc", ("", "0", "1"), "") == "1"
    rows, areas = data.ratings(session, reg, key, descending)
    return respond(request, fmt, "ratings.html", data=rows, filename="ratings", csv_model=schemas.RatingOut, areas=areas, region=reg,
                   sort=key, desc=descending, regions=regions())


@router.get("/sources")
def sources(request: Request, session: DB, format: Fmt = None) -> Response:
    fmt = _fmt(format)
    rows = data.sources(session, settings_of(request))
    return respond(request, fmt, "sources.html", data=rows, filename="sources", csv_model=schemas.SourceOut)


@router.get("/rules")
def rules(request: Request, session: DB, format: Fmt = None) -> Response:
    fmt = _fmt(format)
    out = data.rules(session, settings_of(request), signed_in=signed_in(request))
    return respond(request, fmt, "rules.html", data=out, csv_rows=out.deliveries, filename="deliveries", csv_model=schemas.DeliveryOut)
