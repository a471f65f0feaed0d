"""Routes of the Atom feeds (see web.feeds)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import archive
from web import data, params, schemas
from web.deps import get_session, settings_of
from web.feeds import Feed, add_articles, add_hits, add_reports

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_session)]
Many = Annotated[list[str], Query()]
Opt = Annotated[str | None, Query()]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/feeds/reports.atom")
def reports_feed(request: Request, session: DB) -> Response:
    feed = Feed(_base(request), "/feeds/reports.atom", "carewatch: new Ofsted reports",
                "The latest Ofsted reports on English local authorities' children's services")
    f = params.filters(settings_of(request))
    add_reports(feed, data.reports(session, f, 1))
    return feed.response()


@router.get("/la/{key}/feed.atom")
def la_feed(request: Request, session: DB, key: Annotated[str, Path(max_length=120)]) -> Response:
    la = params.la(key, "LA")
    out = data.la_detail(session, la)
    feed = Feed(_base(request), f"/la/{out.la.slug}/feed.atom", f"carewatch: {la.name}",
                f"Ofsted reports and news on {la.name}'s children's services")
    add_reports(feed, out.reports[:30])
    add_articles(feed, [a for a in data.articles(session, settings_of(request),
                                                 params.filters(settings_of(request), la_values=[key]), 1)][:30])
    return feed.response()


@router.get("/search/feed.atom")
def search_feed(request: Request, session: DB, q: Opt = None, la: Many = [], region: Opt = None,  # noqa: B006
                source: Many = [], source_kind: Opt = None, kind: Opt = None, since: Opt = None,  # noqa: B006
                until: Opt = None) -> Response:
    settings = settings_of(request)
    f = params.filters(settings, la_values=la, region_value=region, source_values=source, source_kind=source_kind,
                       kind=kind, since=since, until=until)
    query = params.text(q, "q")
    if not query:
        raise params.BadInput("q", "give something to search for")
    out = data.search(session, settings, query, f, 1, "date")
    from web.render import query as qs

    feed = Feed(_base(request), "/search/feed.atom?" + qs(f.params, q=query), f"carewatch: search for {query}",
                f"Newest articles and reports matching {query!r}")
    add_hits(feed, out.hits)
    return feed.response()


@router.get("/rules/{name}/feed.atom")
def rule_feed(request: Request, session: DB, name: Annotated[str, Path(max_length=128)]) -> Response:
    if name not in data.rule_names(settings_of(request)):
        raise HTTPException(404, f"no rule {name!r}")
    reports, articles = archive.rule_matches(session, name)
    feed = Feed(_base(request), f"/rules/{name}/feed.atom", f"carewatch: rule {name}",
                f"Items matched by the alert rule {name}")
    add_reports(feed, [schemas.report_out(r) for r in reports])
    add_articles(feed, [schemas.article_out(a) for a in articles])
    return feed.response()
