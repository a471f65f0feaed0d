"""What an Ofsted re-crawl needs to know before it starts (no Scrapy here).

* which providers are most likely to have news, so their pages are visited first
  (:func:`provider_scores`): LAs with an inadequate judgement (monitoring visits come
  quarterly, a re-inspection about 2.5 years on), a monitoring visit in the last months, an
  inspection due (the last graded one about three years ago or more), or trade-press
  coverage mentioning Ofsted in the last days;
* the validators of provider pages from earlier runs, and whether they may be used
  (:func:`conditional_allowed`): SOURCES.md §1.6 says it is **unconfirmed** whether provider
  pages honour conditional requests, so they are only sent while a full, unconditional sweep
  ran within ``full_sweep_hours`` and no full sweep has caught a 304 hiding a report;
* the files to download again (retryable statuses), queued whether or not their provider page
  changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Article, ArticleLA, CrawlRun, PageState, Report
from storage.pagestate import Validators
from storage.ratings import report_date
from storage.types import utcnow

__all__ = [
    "FULL_SWEEP_STAT",
    "PROVIDER_KIND",
    "UNRELIABLE_STAT",
    "OfstedPlan",
    "RetryFile",
    "conditional_allowed",
    "load_plan",
    "provider_scores",
]

#: page-state kind of provider pages
PROVIDER_KIND = "provider"
#: crawl-run stats: this run asked every provider page unconditionally
FULL_SWEEP_STAT = "carewatch/ofsted/full_sweep"
#: crawl-run stats: a full sweep found a report behind a provider page that had answered 304
UNRELIABLE_STAT = "carewatch/ofsted/validators_unreliable"
#: a 304 caught hiding a report switches conditional requests off for this long
UNRELIABLE_DAYS = 30
TRADE_PRESS_DAYS = 7


@dataclass(frozen=True)
class RetryFile:
    urn: str
    file_id: str
    label: str
    provider_name: str
    provider_url: str
    file_url: str
    published_on: date | None


@dataclass
class OfstedPlan:
    #: provider page URL -> validators from its last 200
    validators: dict[str, Validators] = field(default_factory=dict)
    #: provider page URL -> (last 200 with a new body, last answer of any kind)
    checked: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    #: URN -> how likely the provider has news (higher first)
    scores: dict[str, int] = field(default_factory=dict)
    retry: list[RetryFile] = field(default_factory=list)
    last_full_sweep: datetime | None = None
    unreliable_since: datetime | None = None


def _months(since: date | None, today: date) -> float:
    return (today - since).days / 30.44 if since else 0.0


def provider_scores(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """URN -> likelihood of news (0 = nothing points to news). See the module docstring."""
    now = now or utcnow()
    today = now.date()
    by_urn: dict[str, list[Report]] = {}
    for report in session.execute(select(Report).options(selectinload(Report.judgements))).scalars():
        by_urn.setdefault(report.urn, []).append(report)
    recent_press = set(session.execute(
        select(ArticleLA.la_code).join(Article, Article.id == ArticleLA.article_id)
        .where(Article.first_seen_at >= now - timedelta(days=TRADE_PRESS_DAYS),
               or_(func.lower(Article.title).contains("ofsted"), func.lower(Article.body).contains("ofsted")))
    ).scalars())
    scores: dict[str, int] = {}
    for urn, reports in by_urn.items():
        reports.sort(key=lambda r: (report_date(r) or date.min, r.id))
        graded = [r for r in reports if any(j.grade in _GRADES for j in r.judgements)]
        score = 0
        if graded:
            last = graded[-1]
            if any(j.grade == "Inadequate" for j in last.judgements):
                score += 40
            months = _months(report_date(last), today)
            score += 20 if months >= 30 else 10 if months >= 24 else 0
        visits = [r for r in reports if r.report_type == "monitoring_visit"]
        if visits and _months(report_date(visits[-1]), today) <= 6:
            score += 30
        if any(r.la_code in recent_press for r in reports if r.la_code):
            score += 50
        scores[urn] = score
    return scores


_GRADES = frozenset({"Outstanding", "Good", "Requires improvement to be good", "Inadequate"})


def _runs_with(session: Session, source: str, stat: str, *, limit: int = 200) -> Iterable[CrawlRun]:
    runs = session.execute(select(CrawlRun).where(CrawlRun.source == source)
                           .order_by(CrawlRun.id.desc()).limit(limit)).scalars()
    return (r for r in runs if (r.stats or {}).get(stat))


def conditional_allowed(plan: OfstedPlan, *, full_sweep_hours: float, now: datetime | None = None) -> bool:
    """Whether this run may ask provider pages conditionally (else it is a full sweep)."""
    now = now or utcnow()
    if plan.unreliable_since is not None and now - plan.unreliable_since < timedelta(days=UNRELIABLE_DAYS):
        return False
    if plan.last_full_sweep is None or full_sweep_hours <= 0:
        return False
    return now - plan.last_full_sweep < timedelta(hours=full_sweep_hours) and bool(plan.validators)


def load_plan(session: Session, source: str, *, retryable: Iterable[str], max_attempts: int) -> OfstedPlan:
    """Everything :mod:`crawler.spiders.ofsted` reads before its first request."""
    plan = OfstedPlan(scores=provider_scores(session))
    for url, etag, lm, chash, fetched, changed in session.execute(
        select(PageState.url, PageState.etag, PageState.last_modified, PageState.content_hash,
               PageState.last_fetched_at, PageState.last_changed_at)
        .where(PageState.source == source, PageState.kind == PROVIDER_KIND)
    ):
        plan.checked[url] = (changed, fetched)
        if etag or lm:
            plan.validators[url] = Validators(etag, lm, chash)
    full = next((r for r in _runs_with(session, source, FULL_SWEEP_STAT) if r.status in ("ok", "partial")),
                None)
    plan.last_full_sweep = full.started_at if full is not None else None
    bad = next(iter(_runs_with(session, source, UNRELIABLE_STAT)), None)
    plan.unreliable_since = bad.started_at if bad is not None else None
    for r in session.execute(select(Report).where(Report.pdf_status.in_(list(retryable)),
                                                  Report.fetch_attempts < max_attempts)).scalars():
        if r.file_url:
            plan.retry.append(RetryFile(urn=r.urn, file_id=r.file_id, label=r.label,
                                        provider_name=r.provider_name, provider_url=r.provider_url,
                                        file_url=r.file_url, published_on=r.published_on))
    return plan
