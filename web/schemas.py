"""The JSON shapes of the read-only API (and of every page's ``?format=json``), and converters.

Each ``*_out`` function turns a storage record into its API model; the CSV exports flatten
the same models (web.exports), so the three formats always agree.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from storage.archive import (
    ArticleDetail,
    ArticleRow,
    DeliveryRow,
    SourceView,
    StoryDetail,
    StoryRow,
)
from storage.gazetteer import LocalAuthority
from storage.queries import RatingRow, ReportView, Timeline, la_name, la_slug
from storage.search import SearchHit, SearchPage, marked_parts
from web.labels import type_name
from web.render import safe_url, slug_for


class LAOut(BaseModel):
    name: str
    slug: str
    ons_code: str
    urn: str | None
    region: str
    page: str


class JudgementOut(BaseModel):
    area: str
    grade: str
    previous: str | None
    #: the LA whose inspection ``previous`` is from, when not this report's (a predecessor)
    previous_la: str | None = None
    change: str


class ReportOut(BaseModel):
    file_id: str
    page: str
    la: str
    la_code: str | None
    urn: str
    provider_name: str
    label: str
    report_type: str
    type_name: str
    framework: str | None
    published_on: date | None
    inspection_start: date | None
    inspection_end: date | None
    lead_inspector: str | None
    graded: bool
    overall_grade: str | None
    send_outcome: str | None
    priority_action: bool
    pdf_status: str
    pdf_url: str | None
    provider_url: str | None
    judgements: list[JudgementOut]


class StoryOut(BaseModel):
    id: int
    page: str
    la: str
    la_code: str | None
    title: str
    first_published_at: datetime | None
    last_published_at: datetime | None
    articles: int
    outlets: list[str]
    report_file_id: str | None
    report_label: str | None


class ArticleOut(BaseModel):
    id: int
    page: str
    url: str | None
    source: str
    title: str
    published_at: datetime | None
    first_seen_at: datetime
    author: str | None
    la_codes: list[str]
    las: list[str]
    story_id: int | None
    duplicate_of_id: int | None
    access: str
    revision_count: int


class ReportDetailOut(ReportOut):
    excerpt: str
    previous_file_id: str | None
    #: the LA the previous report is of, when not this report's (a predecessor)
    previous_la: str | None
    stories: list[StoryOut]


class ArticleInStory(ArticleOut):
    copies: list[ArticleOut]


class StoryDetailOut(StoryOut):
    report: ReportOut | None
    items: list[ArticleInStory]


class UrlOut(BaseModel):
    url: str
    kind: str
    first_seen_at: datetime


class RevisionOut(BaseModel):
    number: int
    title: str
    body: str
    replaced_at: datetime
    change: str | None


class ArticleDetailOut(ArticleOut):
    body: str
    site_name: str | None
    urls: list[UrlOut]
    revisions: list[RevisionOut]
    original: ArticleOut | None
    copies: list[ArticleOut]
    story: StoryOut | None


class InspectionOut(BaseModel):
    file_id: str
    #: the LA inspected: the page's LA or one it replaced (``storage/data/predecessors.csv``)
    la: str
    la_code: str | None
    date: date | None
    report_type: str
    framework: str | None


class TimelineOut(BaseModel):
    inspections: list[InspectionOut]
    #: one row per judgement; a judgement and its like in another framework share one (SIF
    #: "children looked after" is on the ``in_care`` row)
    areas: list[str]
    grid: dict[str, list[str | None]]
    #: row -> the judgement kinds shown on it, in order of first appearance
    kinds: dict[str, list[str]]
    #: row -> per inspection, the row's latest earlier grade (None: nothing to compare)
    previous: dict[str, list[str | None]]
    #: row -> per inspection, same / better / worse / changed from ``previous`` (None: not compared)
    changes: dict[str, list[str | None]]


class LADetailOut(BaseModel):
    la: LAOut
    #: a predecessor: the day its successors took over, and they (their pages link back)
    abolished: date | None
    successors: list[LAOut]
    #: the authorities this LA replaced: their reports are in its timeline and reports
    predecessors: list[LAOut]
    timeline: TimelineOut
    reports: list[ReportOut]
    stories: list[StoryOut]
    articles: list[ArticleOut]


class SearchHitOut(BaseModel):
    kind: str
    id: int
    page: str
    url: str | None
    title: str
    snippet: str
    #: [start, end) character offsets of the matched words in ``title`` / ``snippet``
    title_highlights: list[tuple[int, int]]
    snippet_highlights: list[tuple[int, int]]
    matches: list[str]
    source: str
    date: date | None
    la_codes: list[str]
    las: list[str]
    score: float


class SearchOut(BaseModel):
    query: str
    terms: list[str]
    total: int
    counts: dict[str, int]
    page: int
    pages: int
    per_page: int
    hits: list[SearchHitOut]


class RatingOut(BaseModel):
    la: str
    slug: str
    ons_code: str
    region: str
    report_file_id: str | None
    published_on: date | None
    report_type: str | None
    framework: str | None
    judgements: dict[str, str]


class RunOut(BaseModel):
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


class SourceOut(BaseModel):
    source: str
    name: str
    kind: str | None
    enabled: bool
    schedule: str
    status: str
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    next_run: str
    items: int
    runs: list[RunOut]


class RuleOut(BaseModel):
    name: str
    item: str
    description: str
    delivery: str
    enabled: bool
    recipients: list[str] | None


class DeliveryOut(BaseModel):
    id: int
    rule: str
    item_kind: str
    item_id: int
    recipient: str | None
    status: str
    attempts: int
    subject: str | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


# --------------------------------------------------------------------------- converters


def la_out(la: LocalAuthority) -> LAOut:
    slug = la_slug(la)
    return LAOut(name=la.name, slug=slug, ons_code=la.ons_code, urn=la.urn, region=la.region, page=f"/la/{slug}")


def report_out(r: ReportView) -> ReportOut:
    return ReportOut(
        file_id=r.file_id, page=f"/report/{r.file_id}", la=r.la_name, la_code=r.la_code, urn=r.urn,
        provider_name=r.provider_name, label=r.label, report_type=r.report_type, type_name=type_name(r.report_type),
        framework=r.framework, published_on=r.published_on, inspection_start=r.inspection_start,
        inspection_end=r.inspection_end, lead_inspector=r.lead_inspector, graded=r.graded,
        overall_grade=r.overall_grade, send_outcome=r.send_outcome, priority_action=r.priority_action,
        pdf_status=r.pdf_status, pdf_url=safe_url(r.file_url), provider_url=safe_url(r.provider_url),
        judgements=[JudgementOut(area=j.area, grade=j.grade, previous=j.previous,
                                 previous_la=j.previous_la_name, change=j.change)
                    for j in r.judgements],
    )


def report_detail_out(r: ReportView, stories: list[StoryRow]) -> ReportDetailOut:
    return ReportDetailOut(**report_out(r).model_dump(), excerpt=r.excerpt, previous_file_id=r.previous_file_id,
                           previous_la=r.previous_la_name,
                           stories=[story_out(s) for s in stories])


def story_out(s: StoryRow) -> StoryOut:
    return StoryOut(id=s.id, page=f"/story/{s.id}", la=la_name(s.la_code), la_code=s.la_code, title=s.title,
                    first_published_at=s.first_published_at, last_published_at=s.last_published_at,
                    articles=s.articles, outlets=list(s.outlets), report_file_id=s.report_file_id,
                    report_label=s.report_label)


def article_out(a: ArticleRow) -> ArticleOut:
    return ArticleOut(id=a.id, page=f"/article/{a.id}", url=safe_url(a.url), source=a.source, title=a.title,
                      published_at=a.published_at, first_seen_at=a.first_seen_at, author=a.author,
                      la_codes=list(a.la_codes), las=[la_name(c) for c in a.la_codes], story_id=a.story_id,
                      duplicate_of_id=a.duplicate_of_id, access=a.access, revision_count=a.revisions)


def story_detail_out(d: StoryDetail) -> StoryDetailOut:
    return StoryDetailOut(
        **story_out(d.story).model_dump(), report=report_out(d.report) if d.report else None,
        items=[ArticleInStory(**article_out(o).model_dump(), copies=[article_out(c) for c in copies])
               for o, copies in d.articles],
    )


def article_detail_out(d: ArticleDetail) -> ArticleDetailOut:
    return ArticleDetailOut(
        **article_out(d.article).model_dump(), body=d.body, site_name=d.site_name,
        urls=[UrlOut(url=u, kind=k, first_seen_at=t) for u, k, t in d.urls],
        revisions=[RevisionOut(number=r.number, title=r.title, body=r.body, replaced_at=r.replaced_at,
                               change=r.change) for r in d.revisions],
        original=article_out(d.original) if d.original else None, copies=[article_out(c) for c in d.copies],
        story=story_out(d.story) if d.story else None,
    )


def timeline_out(t: Timeline) -> TimelineOut:
    return TimelineOut(
        inspections=[InspectionOut(file_id=r.file_id, la=r.la_name, la_code=r.la_code, date=r.date,
                                   report_type=r.report_type, framework=r.framework)
                     for r in t.inspections],
        areas=list(t.areas), grid={a: list(g) for a, g in t.grid.items()},
        kinds={a: list(k) for a, k in t.kinds.items()}, previous={a: list(p) for a, p in t.previous.items()},
        changes={a: list(c) for a, c in t.changes.items()},
    )


def _spans(marked: str) -> tuple[str, list[tuple[int, int]]]:
    plain, spans, at = [], [], 0
    for part, is_match in marked_parts(marked):
        if is_match:
            spans.append((at, at + len(part)))
        plain.append(part)
        at += len(part)
    return "".join(plain), spans


def hit_out(h: SearchHit) -> SearchHitOut:
    page = f"/report/{h.file_id}" if h.kind == "report" else f"/article/{h.id}"
    title, title_spans = _spans(h.title)
    snippet, snippet_spans = _spans(h.snippet)
    matches = list(dict.fromkeys(t.casefold() for t, m in marked_parts(h.snippet + h.title) if m))
    return SearchHitOut(kind=h.kind, id=h.id, page=page, url=safe_url(h.url), title=title, snippet=snippet,
                        title_highlights=title_spans, snippet_highlights=snippet_spans, matches=matches,
                        source=h.source, date=h.when, la_codes=list(h.la_codes),
                        las=[la_name(c) for c in h.la_codes], score=round(h.score, 6))


def search_out(query: str, page: SearchPage) -> SearchOut:
    return SearchOut(query=query, terms=page.terms, total=page.total, counts=page.counts, page=page.page,
                     pages=page.pages, per_page=page.per_page, hits=[hit_out(h) for h in page.hits])


def rating_out(row: RatingRow) -> RatingOut:
    r = row.report
    return RatingOut(la=row.la.name, slug=row.slug, ons_code=row.la.ons_code, region=row.la.region,
                     report_file_id=r.file_id if r else None, published_on=r.date if r else None,
                     report_type=r.report_type if r else None, framework=r.framework if r else None,
                     judgements={j.area: j.grade for j in r.judgements} if r else {})


def run_out(r: object) -> RunOut:
    return RunOut.model_validate(r, from_attributes=True)


def source_out(v: SourceView, *, name: str, kind: str | None, enabled: bool, schedule: str,
               next_run: str) -> SourceOut:
    status = v.last_status or "never run"
    return SourceOut(source=v.source, name=name, kind=kind, enabled=enabled, schedule=schedule, status=status,
                     last_run_at=v.last_run_at, last_success_at=v.last_success_at, last_error=v.last_error,
                     consecutive_failures=v.consecutive_failures, next_run=next_run, items=v.articles,
                     runs=[run_out(r) for r in v.runs])


def delivery_out(d: DeliveryRow, *, show_recipient: bool) -> DeliveryOut:
    return DeliveryOut(id=d.id, rule=d.rule, item_kind=d.item_kind, item_id=d.item_id,
                       recipient=d.recipient if show_recipient else None, status=d.status, attempts=d.attempts,
                       subject=d.subject, last_error=d.last_error if show_recipient else None,
                       created_at=d.created_at, sent_at=d.sent_at)


__all__ = ["slug_for"]
