"""Writing and reading Ofsted reports (one row per Ofsted file id) and their judgements.

``upsert_report`` is the one way a report enters the archive. A report row is written as soon
as its link is seen on a provider page, whatever happens to its PDF: a file that is not a PDF,
too large or unparseable is recorded with that ``pdf_status`` (``not_a_pdf`` and
``http_error`` are fetched again on later crawls, see :func:`file_ids_done`).

``alert_state`` of a new report (RELIABILITY.md B9/B10):

* ``baseline`` on the source's first successful crawl (stored, not alerted);
* ``backfill`` when first seen more than :data:`BACKFILL_AFTER_DAYS` after the publication
  date on its label (an old report reached late, e.g. its provider page failed during the
  baseline): stored, not alerted;
* ``pending`` otherwise: the alert rules pick it up, with or without judgements.

Later updates (a PDF that finally downloads and parses) never touch ``alert_state``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.gazetteer import UnknownLA, by_urn, lookup
from storage.models import Judgement, Report
from storage.stories import link_report
from storage.types import utcnow

__all__ = [
    "BACKFILL_AFTER_DAYS",
    "MAX_FETCH_ATTEMPTS",
    "RETRYABLE_PDF_STATUSES",
    "ReportInput",
    "ReportOutcome",
    "ReportResult",
    "file_ids_done",
    "get_report",
    "la_code_for_name",
    "la_code_for_urn",
    "upsert_report",
]

#: statuses whose file is downloaded again on the next crawl (``unreadable``: no text layer,
#: perhaps replaced by a text PDF later)
RETRYABLE_PDF_STATUSES = frozenset({"pending", "not_a_pdf", "http_error", "unreadable"})
#: a retryable file is given up after this many download attempts (one per crawl)
MAX_FETCH_ATTEMPTS = 48
#: a new report whose label date is older than this is stored as ``backfill``, not alerted
BACKFILL_AFTER_DAYS = 60


class ReportOutcome(enum.StrEnum):
    NEW = "new"
    #: a known report whose PDF facts or listing facts changed (e.g. a retried PDF parsed)
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, kw_only=True)
class ReportInput:
    """A report link from a provider page plus, when downloaded, what its PDF said."""

    urn: str
    file_id: str
    #: the ``span.nonvisual`` label as shown
    label: str
    provider_name: str = ""
    provider_url: str = ""
    file_url: str = ""
    #: a code from crawler.ofsted.types (label-based when the PDF could not be read)
    report_type: str = "other"
    framework: str | None = None
    published_on: date | None = None
    inspection_start: date | None = None
    inspection_end: date | None = None
    lead_inspector: str | None = None
    #: the LA as the document names it (matched to the gazetteer; a mismatch is a note)
    la_name: str | None = None
    #: a few sentences of the findings, for alerts
    excerpt: str | None = None
    #: judgement kind -> normalised grade (empty for ungraded letters)
    judgements: Mapping[str, str] = field(default_factory=dict)
    overall_grade: str | None = None
    graded: bool = False
    send_outcome: str | None = None
    priority_action: bool = False
    parse_notes: Sequence[str] = ()
    #: ok, not_a_pdf, too_large, pdf_unparseable, http_error, unreadable, or pending
    pdf_status: str = "pending"
    pdf_sha256: str | None = None
    pdf_size: int | None = None
    text: str | None = None
    #: why the file could not be used (status detail)
    error: str | None = None
    #: a download of the file was attempted in this crawl
    fetched: bool = False
    baseline: bool = False
    crawl_run_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReportResult:
    outcome: ReportOutcome
    report_id: int
    pdf_status: str
    alert_state: str


def la_code_for_urn(urn: str) -> str | None:
    """ONS code of the LA with this Ofsted URN, or None if the gazetteer does not know it."""
    try:
        return by_urn(urn).ons_code
    except UnknownLA:
        return None


def la_code_for_name(name: str | None) -> str | None:
    """ONS code of the LA (or predecessor) a document names, or None if unknown."""
    if not name:
        return None
    try:
        return lookup(name).ons_code
    except UnknownLA:
        return None


def _la_notes(report: Report, item: ReportInput) -> list[str]:
    """Match the document's LA name with the provider page's URN; notes on any mismatch."""
    if not item.la_name:
        return []
    named = la_code_for_name(item.la_name)
    if named is None:
        return [f"document names an LA the gazetteer does not know: {item.la_name!r}"]
    if report.la_code is None:
        report.la_code = named  # the provider's URN is unknown: the document says who it is
        return [f"URN {report.urn} unknown; LA {named} taken from the document"]
    if named != report.la_code:
        return [f"document names {item.la_name!r} ({named}) but URN {report.urn} is {report.la_code}"]
    return []


def get_report(session: Session, file_id: str) -> Report | None:
    return session.execute(select(Report).where(Report.file_id == str(file_id))).scalar_one_or_none()


def file_ids_done(session: Session, *, max_attempts: int = MAX_FETCH_ATTEMPTS) -> set[str]:
    """File ids that need no download: stored with a final status, or retried enough."""
    rows = session.execute(select(Report.file_id, Report.pdf_status, Report.fetch_attempts))
    return {
        fid
        for fid, status, attempts in rows
        if status not in RETRYABLE_PDF_STATUSES or (attempts or 0) >= max_attempts
    }


def _alert_state(item: ReportInput, now: datetime) -> str:
    if item.baseline:
        return "baseline"
    if item.published_on and item.published_on < now.date() - timedelta(days=BACKFILL_AFTER_DAYS):
        return "backfill"
    return "pending"


_LISTING_FIELDS = ("urn", "provider_name", "label", "provider_url", "file_url")
_PARSED_FIELDS = (
    "text", "report_type", "framework", "inspection_start", "inspection_end", "lead_inspector",
    "la_name", "excerpt", "graded", "overall_grade", "send_outcome", "priority_action",
)  # fmt: skip


def _set(report: Report, name: str, value: Any) -> bool:
    if getattr(report, name) != value:
        setattr(report, name, value)
        return True
    return False


def _apply_pdf(report: Report, item: ReportInput, now: datetime) -> bool:
    """Copy download and parse results onto ``report``; True if anything changed."""
    changed = False
    if item.fetched:
        report.fetch_attempts = (report.fetch_attempts or 0) + 1
        report.last_fetch_at = now
    if report.pdf_status == "ok" and item.pdf_status != "ok":
        # never downgrade a report already read; remember the failure
        return _set(report, "last_error", item.error)
    changed |= _set(report, "pdf_status", item.pdf_status)
    changed |= _set(report, "last_error", item.error)
    if item.pdf_sha256 is not None:
        changed |= _set(report, "pdf_sha256", item.pdf_sha256)
    if item.pdf_size is not None:
        changed |= _set(report, "pdf_size", item.pdf_size)
    if item.pdf_status != "ok":
        # no text: the label-based type is all there is (unless a parse already refined it)
        if report.report_type in ("other", "childrens_services_inspection") or report.id is None:
            changed |= _set(report, "report_type", item.report_type)
        return changed
    for name in _PARSED_FIELDS:
        changed |= _set(report, name, getattr(item, name))
    la_code = report.la_code
    notes = _la_notes(report, item)
    changed |= report.la_code != la_code
    changed |= _set(report, "parse_notes", "; ".join([*item.parse_notes, *notes]) or None)
    if item.published_on and report.published_on is None:
        changed |= _set(report, "published_on", item.published_on)
    current = {j.area: (j.grade, j.framework) for j in report.judgements}
    wanted = {a: (g, item.framework) for a, g in item.judgements.items()}
    if current != wanted:
        report.judgements.clear()
        report.judgements.extend(Judgement(area=a, grade=g, framework=item.framework)
                                 for a, g in item.judgements.items())
        changed = True
    return changed


def upsert_report(session: Session, item: ReportInput) -> ReportResult:
    """Insert or update the report with ``item.file_id``. Runs in the caller's transaction."""
    now = utcnow()
    report = get_report(session, item.file_id)
    if report is None:
        report = Report(
            file_id=str(item.file_id),
            urn=str(item.urn),
            la_code=la_code_for_urn(item.urn),
            provider_name=item.provider_name,
            label=item.label,
            report_type=item.report_type,
            framework=item.framework,
            published_on=item.published_on,
            provider_url=item.provider_url,
            file_url=item.file_url,
            first_seen_at=now,
            alert_state=_alert_state(item, now),
            crawl_run_id=item.crawl_run_id,
        )
        _apply_pdf(report, item, now)
        try:
            with session.begin_nested():
                session.add(report)
                session.flush()
        except IntegrityError:
            # another crawl stored it first (PostgreSQL; SQLite writers are serialised)
            existing = get_report(session, item.file_id)
            if existing is None:
                raise
            return _update(session, existing, item, now)
        # coverage often appears before the crawler sees the report: link its stories now
        link_report(session, report)
        return _result(ReportOutcome.NEW, report)
    return _update(session, report, item, now)


def _update(session: Session, report: Report, item: ReportInput, now: datetime) -> ReportResult:
    changed = False
    for name in _LISTING_FIELDS:
        value = getattr(item, name)
        if value:
            changed |= _set(report, name, str(value))
    if report.la_code is None:
        changed |= _set(report, "la_code", la_code_for_urn(report.urn))
    if item.published_on:
        changed |= _set(report, "published_on", item.published_on)
    changed |= _apply_pdf(report, item, now)
    session.flush()
    return _result(ReportOutcome.UPDATED if changed else ReportOutcome.UNCHANGED, report)


def _result(outcome: ReportOutcome, report: Report) -> ReportResult:
    return ReportResult(outcome=outcome, report_id=report.id, pdf_status=report.pdf_status,
                        alert_state=report.alert_state)

