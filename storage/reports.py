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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storage.gazetteer import UnknownLA, by_urn
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
    "count_reports",
    "file_ids_done",
    "get_report",
    "la_code_for_urn",
    "latest_graded",
    "report_date",
    "report_history",
    "upsert_report",
]

#: statuses whose file is downloaded again on the next crawl
RETRYABLE_PDF_STATUSES = frozenset({"pending", "not_a_pdf", "http_error"})
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
    #: area key -> normalised grade (empty for ungraded letters)
    judgements: Mapping[str, str] = field(default_factory=dict)
    overall_grade: str | None = None
    graded: bool = False
    send_outcome: str | None = None
    priority_action: bool = False
    parse_notes: Sequence[str] = ()
    #: ok, not_a_pdf, too_large, pdf_unparseable, http_error, or pending (not downloaded)
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
    "report_type", "framework", "inspection_start", "inspection_end", "lead_inspector",
    "graded", "send_outcome", "priority_action",
)  # fmt: skip


def _notes(item: ReportInput) -> str | None:
    return "; ".join(item.parse_notes) or None


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
        return _set(report, "last_error", item.error) or changed
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
    changed |= _set(report, "text", item.text)
    for name in _PARSED_FIELDS:
        changed |= _set(report, name, getattr(item, name))
    changed |= _set(report, "overall_grade", item.overall_grade)
    changed |= _set(report, "parse_notes", _notes(item))
    if item.published_on and report.published_on is None:
        report.published_on = item.published_on
        changed = True
    current = {j.area: j.grade for j in report.judgements}
    if current != dict(item.judgements):
        report.judgements.clear()
        report.judgements.extend(Judgement(area=a, grade=g) for a, g in item.judgements.items())
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
            pdf_status="pending",
            fetch_attempts=0,
            first_seen_at=now,
            alert_state=_alert_state(item, now),
            crawl_run_id=item.crawl_run_id,
            graded=False,
            priority_action=False,
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
        return ReportResult(
            outcome=ReportOutcome.NEW, report_id=report.id, pdf_status=report.pdf_status,
            alert_state=report.alert_state,
        )  # fmt: skip
    return _update(session, report, item, now)


def _update(session: Session, report: Report, item: ReportInput, now: datetime) -> ReportResult:
    changed = False
    for name in _LISTING_FIELDS:
        value = getattr(item, name)
        if value:
            changed |= _set(report, name, str(value))
    if report.la_code is None:
        code = la_code_for_urn(report.urn)
        if code:
            report.la_code = code
            changed = True
    if item.published_on and report.published_on != item.published_on:
        report.published_on = item.published_on
        changed = True
    changed |= _apply_pdf(report, item, now)
    session.flush()
    return ReportResult(
        outcome=ReportOutcome.UPDATED if changed else ReportOutcome.UNCHANGED,
        report_id=report.id, pdf_status=report.pdf_status, alert_state=report.alert_state,
    )  # fmt: skip


# --------------------------------------------------------------------------- reading


def report_date(report: Report) -> date | None:
    """The date a report is ordered by: publication, else end/start of the inspection."""
    return report.published_on or report.inspection_end or report.inspection_start


def _order_key(report: Report) -> tuple[date, int]:
    return (report_date(report) or date.min, report.id)


def report_history(
    session: Session, *, la_code: str | None = None, urn: str | None = None
) -> list[Report]:
    """Every report of one LA (by ONS code and/or URN), **oldest first**, graded or not."""
    conditions = []
    if la_code:
        conditions.append(Report.la_code == la_code)
    if urn:
        conditions.append(Report.urn == str(urn))
    if not conditions:
        raise ValueError("report_history needs la_code or urn")
    rows = session.execute(
        select(Report).where(or_(*conditions)).options(selectinload(Report.judgements))
    ).scalars()
    return sorted(rows, key=_order_key)


def latest_graded(session: Session, *, la_codes: Iterable[str] | None = None) -> dict[str, Report]:
    """The latest report with an overall grade, per provider.

    Keyed by ONS code, or by ``urn:<URN>`` for providers the gazetteer does not know.
    """
    stmt = (
        select(Report)
        .where(Report.overall_grade.is_not(None))
        .options(selectinload(Report.judgements))
    )
    codes = list(la_codes) if la_codes is not None else None
    if codes is not None:
        stmt = stmt.where(Report.la_code.in_(codes))
    best: dict[str, Report] = {}
    for report in session.execute(stmt).scalars():
        key = report.la_code or f"urn:{report.urn}"
        if key not in best or _order_key(report) > _order_key(best[key]):
            best[key] = report
    return best


def count_reports(session: Session) -> int:
    return int(session.execute(select(func.count(Report.id))).scalar_one())
