"""Reading Ofsted outcomes per LA: current ratings, report and judgement histories, and the
earlier grades a report's judgements are compared with (:func:`previous_grades`, the one
comparison the dashboard, the alert emails and the alert rules share). The CLI (``carewatch
ratings``), the alert matcher and the web dashboard all read through these functions.

Stored shape: one :class:`~storage.models.Report` row per Ofsted file; for a graded report
one :class:`~storage.models.Judgement` row per (report, judgement kind) with its ``grade``
and the report's ``framework`` (``sif``, ``ilacs_2018``, ``ilacs_2023``, ``ilacs_2026``,
``framework_unknown``, ...). ``Report.overall_grade`` is set only where the framework has an
overall effectiveness judgement: ILACS reports after the April 2026 reform have none.

An LA's **current rating** is the judgements of its latest graded report, and only those: a
column is never filled from an older report, so a pre-2026 overall grade is never shown as
the current one once a 2026 report is in. Histories run across reorganisations when the
caller passes the predecessors' codes (``storage.gazetteer.predecessors_of``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.gazetteer import predecessors_of
from storage.judgements import NOT_JUDGED, judgement_row
from storage.models import Report

__all__ = [
    "JudgementPoint",
    "Rating",
    "current_ratings",
    "graded_history",
    "is_graded",
    "judgement_history",
    "lineage_history",
    "previous_grades",
    "rating_key",
    "report_date",
    "report_history",
]

def report_date(report: Report) -> date | None:
    """The date a report is ordered by: publication, else end/start of the inspection."""
    return report.published_on or report.inspection_end or report.inspection_start


def _order_key(report: Report) -> tuple[bool, date, int]:
    """Oldest first; undated reports after the dated ones (as PostgreSQL sorts NULLs)."""
    when = report_date(report)
    return (when is None, when or date.min, report.id)


def is_graded(report: Report) -> bool:
    """The report carries at least one real grade (not only "Not judged")."""
    return any(j.grade != NOT_JUDGED for j in report.judgements)


def rating_key(report: Report) -> str:
    """ONS code of the report's LA, or ``urn:<URN>`` for a provider the gazetteer lacks."""
    return report.la_code or f"urn:{report.urn}"


def report_history(
    session: Session, *, la_code: str | None = None, urn: str | None = None,
    la_codes: Iterable[str] = (),
) -> list[Report]:
    """Every report of one LA (by ONS code(s) and/or URN), **oldest first**, graded or not."""
    codes = {c for c in (la_code, *la_codes) if c}
    conditions: list[ColumnElement[bool]] = []
    if codes:
        conditions.append(Report.la_code.in_(sorted(codes)))
    if urn:
        conditions.append(Report.urn == str(urn))
    if not conditions:
        raise ValueError("report_history needs la_code(s) or urn")
    rows = session.execute(
        select(Report).where(or_(*conditions)).options(selectinload(Report.judgements))
    ).scalars()
    return sorted(rows, key=_order_key)


def graded_history(
    session: Session, *, la_code: str | None = None, urn: str | None = None,
    la_codes: Iterable[str] = (),
) -> list[Report]:
    """:func:`report_history` keeping graded reports only."""
    history = report_history(session, la_code=la_code, urn=urn, la_codes=la_codes)
    return [r for r in history if is_graded(r)]


@dataclass(frozen=True)
class Rating:
    """An LA's current rating: the judgements of its latest graded report."""

    key: str
    report: Report
    framework: str | None
    #: judgement kind -> grade, of that report only ("Not judged" left out)
    judgements: dict[str, str] = field(default_factory=dict)

    @property
    def overall(self) -> str | None:
        """Overall effectiveness, where the report's framework has one (ILACS 2026: None)."""
        return self.judgements.get("overall")


def current_ratings(session: Session, *, la_codes: Iterable[str] | None = None) -> dict[str, Rating]:
    """The current rating per provider, keyed by :func:`rating_key`."""
    stmt = select(Report).where(Report.graded.is_(True)).options(selectinload(Report.judgements))
    if la_codes is not None:
        stmt = stmt.where(Report.la_code.in_(list(la_codes)))
    best: dict[str, Report] = {}
    for report in session.execute(stmt).scalars():
        if not is_graded(report):
            continue
        key = rating_key(report)
        if key not in best or _order_key(report) > _order_key(best[key]):
            best[key] = report
    return {
        key: Rating(key=key, report=r, framework=r.framework,
                    judgements={j.area: j.grade for j in r.judgements if j.grade != NOT_JUDGED})
        for key, r in best.items()
    }


def lineage_history(session: Session, report: Report) -> list[Report]:
    """Every report of ``report``'s LA and of the authorities it replaced
    (:func:`storage.gazetteer.predecessors_of`: not its successors), oldest first; by URN when
    the LA is unknown."""
    if report.la_code:
        return report_history(session, la_code=report.la_code, la_codes=predecessors_of(report.la_code))
    return report_history(session, urn=report.urn)


def previous_grades(history: Sequence[Report], report: Report) -> dict[str, tuple[str, Report]]:
    """What each judgement of ``report`` is compared with, wherever it is shown (the dashboard's
    report page and LA timeline, alert emails and rules): judgement row
    (:func:`~storage.judgements.judgement_row`) -> the grade in, and the latest report before
    ``report`` in ``history`` (oldest first, as :func:`lineage_history` gives it) that graded
    that judgement under any of its names (SIF "children looked after" for ILACS "children in
    care"), of the report's own LA or one it replaced. Not necessarily one report: ILACS 2024's
    "children in care" goes back past the 2020 report, which had only the combined row, to SIF
    2017. "Not judged" is no grade. A report without a date (one found just now, whose date
    could not be read) is compared with the dated ones: it is newer than all of them, and
    another undated one may be older or newer."""
    lineage = {report.la_code, *predecessors_of(report.la_code)} if report.la_code else None
    if report_date(report) is None:
        history = [r for r in history if r.id != report.id and report_date(r) is not None] + [report]
    out: dict[str, tuple[str, Report]] = {}
    for earlier in history:
        if earlier.id == report.id:
            break
        if lineage is not None and earlier.la_code is not None and earlier.la_code not in lineage:
            continue  # another LA's (Poole's SIF is not what Bournemouth's grades are compared with)
        for j in earlier.judgements:
            if j.grade != NOT_JUDGED:
                out[judgement_row(j.area)] = (j.grade, earlier)
    return out


@dataclass(frozen=True)
class JudgementPoint:
    """One grade of one judgement kind in one report."""

    kind: str
    grade: str
    framework: str | None
    report_id: int
    file_id: str
    on: date | None


def judgement_history(
    session: Session, *, la_code: str | None = None, urn: str | None = None,
    la_codes: Iterable[str] = (),
) -> dict[str, list[JudgementPoint]]:
    """Each judgement kind's grades over the LA's graded reports, oldest first."""
    out: dict[str, list[JudgementPoint]] = {}
    for report in graded_history(session, la_code=la_code, urn=urn, la_codes=la_codes):
        for j in report.judgements:
            if j.grade == NOT_JUDGED:
                continue
            out.setdefault(j.area, []).append(JudgementPoint(
                kind=j.area, grade=j.grade, framework=j.framework or report.framework,
                report_id=report.id, file_id=report.file_id, on=report_date(report)))
    return out
