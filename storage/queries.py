"""Read-side queries over Ofsted reports and LAs, shared by the dashboard (web/) and the CLI.

Everything here returns plain frozen records (no ORM objects escape a session), so callers
can render them after the session is closed. Judgements are shown generically: whatever
judgement kinds (``Judgement.area``) a report carries, in the order they were stored, so a
framework that adds or drops a judgement (the April 2026 ILACS reform dropped the overall
grade) needs no change here. A judgement and its like in another framework
(:data:`storage.judgements.LIKE`: SIF "children looked after" and ILACS "children in care")
share one row of the LA timeline and are compared with each other; "Not judged" is no grade
and never the previous one.

Across a reorganisation (``storage/data/predecessors.csv``) an LA's timeline and a report's
change from the previous inspection run back to the authorities it replaced
(:func:`storage.gazetteer.predecessors_of`): North Northamptonshire's first report is compared
with Northamptonshire's last. What a grade is compared with is
:func:`storage.ratings.previous_grades`, which the alerts use too: a page and an email never
disagree on what a grade "was". Each report keeps its own LA's name, so a page can mark the
predecessor's; a grade is compared only with its own LA's or that LA's predecessors' earlier
grades (Poole's SIF is not "better" than Bournemouth's). A predecessor's own page shows its own
reports (not its successors', which are two LAs' apart).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storage.gazetteer import (
    LocalAuthority,
    UnknownLA,
    all_las,
    by_code,
    by_urn,
    lookup,
    predecessors,
    predecessors_of,
)
from storage.judgements import NOT_JUDGED, judgement_row
from storage.models import Judgement, Report
from storage.ratings import current_ratings, lineage_history, previous_grades, report_history

__all__ = [
    "GRADE_ORDER",
    "JudgementView",
    "RatingRow",
    "ReportView",
    "Timeline",
    "grade_change",
    "la_name",
    "la_slug",
    "la_timeline",
    "latest_reports",
    "ratings",
    "report_by_file_id",
    "report_views",
    "resolve_la",
]

#: grade -> rank (1 best); anything else (Not judged, SEND outcomes) sorts after
GRADE_ORDER = {"Outstanding": 1, "Good": 2, "Requires improvement to be good": 3, "Inadequate": 4}
EXCERPT_CHARS = 900


# --------------------------------------------------------------------------- LAs


def _slugify(name: str) -> str:
    name = name.replace("&", " and ").replace("'", "").replace("\u2019", "").casefold()
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")


@lru_cache(maxsize=512)
def la_slug(la: LocalAuthority) -> str:
    """``croydon``, ``barking-and-dagenham``, ``st-helens``: the LA's address in the dashboard.
    A predecessor whose name is also today's LA's ("Bournemouth" is BCP) goes by its official
    name (``bournemouth-borough-council``)."""
    slug = _slugify(la.name)
    if not la.current and lookup(slug.replace("-", " ")) != la:
        return _slugify(la.official_name)
    return slug


@lru_cache(maxsize=1)
def _by_slug() -> dict[str, LocalAuthority]:
    return {la_slug(la): la for la in (*all_las(), *predecessors())}


def resolve_la(key: str) -> LocalAuthority:
    """The LA named by a slug, an ONS code, an Ofsted URN or any name variant.

    Raises :class:`storage.gazetteer.UnknownLA` (a LookupError with suggestions).
    """
    key = key.strip()
    if not key or len(key) > 120:
        raise UnknownLA(key[:120])
    if key.casefold() in _by_slug():
        return _by_slug()[key.casefold()]
    if key.isdigit():
        return by_urn(key)
    if re.fullmatch(r"[A-Za-z]\d{8}", key):
        return by_code(key)
    return lookup(key.replace("-", " "))


def la_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return by_code(code).name
    except UnknownLA:
        return code


# --------------------------------------------------------------------------- reports


def grade_change(grade: str, previous: str | None) -> str:
    """``same``, ``better``, ``worse``, ``changed`` or ``new`` (no earlier grade)."""
    if previous is None:
        return "new"
    if previous == grade:
        return "same"
    a, b = GRADE_ORDER.get(grade), GRADE_ORDER.get(previous)
    if a is None or b is None:
        return "changed"
    return "better" if a < b else "worse"


@dataclass(frozen=True, kw_only=True)
class JudgementView:
    area: str
    grade: str
    #: the grade of the same judgement (or its like in another framework, SIF "children looked
    #: after" for ILACS "children in care") in the LA's latest earlier inspection that graded it
    previous: str | None = None
    #: the name of the LA that inspection was of, when it is not this report's (a predecessor)
    previous_la_name: str | None = None

    @property
    def change(self) -> str:
        """``same``, ``better``, ``worse``, ``changed`` or ``new`` (no earlier grade)."""
        return grade_change(self.grade, self.previous)


@dataclass(frozen=True, kw_only=True)
class ReportView:
    id: int
    file_id: str
    urn: str
    la_code: str | None
    la_name: str
    provider_name: str
    label: str
    report_type: str
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
    file_url: str
    provider_url: str
    judgements: tuple[JudgementView, ...] = ()
    excerpt: str = ""
    #: the LA's previous report (any kind, a predecessor's before the LA's first), by file id
    previous_file_id: str | None = None
    #: the name of the LA that previous report is of, when it is not this report's (a predecessor)
    previous_la_name: str | None = None

    @property
    def date(self) -> date | None:
        return self.published_on or self.inspection_end or self.inspection_start


def _excerpt(text: str | None) -> str:
    if not text:
        return ""
    flat = re.sub(r"[ \t]+", " ", text).strip()
    if len(flat) <= EXCERPT_CHARS:
        return flat
    cut = flat.rfind(" ", 0, EXCERPT_CHARS)
    return flat[: cut if cut > 0 else EXCERPT_CHARS] + " …"


def _view(report: Report, *, previous: dict[str, tuple[str, Report]] | None = None, excerpt: bool = False,
          previous_report: Report | None = None) -> ReportView:
    previous = previous or {}

    def judged(j: Judgement) -> JudgementView:
        grade, before = previous.get(judgement_row(j.area), (None, None))
        return JudgementView(area=j.area, grade=j.grade, previous=grade,
                             previous_la_name=_other_la(before, report) if before else None)
    return ReportView(
        id=report.id, file_id=report.file_id, urn=report.urn, la_code=report.la_code,
        la_name=la_name(report.la_code) or report.provider_name, provider_name=report.provider_name,
        label=report.label, report_type=report.report_type, framework=report.framework,
        published_on=report.published_on, inspection_start=report.inspection_start,
        inspection_end=report.inspection_end, lead_inspector=report.lead_inspector, graded=report.graded,
        overall_grade=report.overall_grade, send_outcome=report.send_outcome,
        priority_action=report.priority_action, pdf_status=report.pdf_status, file_url=report.file_url,
        provider_url=report.provider_url,
        judgements=tuple(judged(j) for j in report.judgements),
        excerpt=_excerpt(report.text) if excerpt else "",
        previous_file_id=previous_report.file_id if previous_report else None,
        previous_la_name=_other_la(previous_report, report) if previous_report else None,
    )


def _other_la(earlier: Report, report: Report) -> str | None:
    """The earlier report's LA name when it is another LA's (a predecessor's), else None."""
    if earlier.la_code is None or earlier.la_code == report.la_code:
        return None
    return la_name(earlier.la_code)


def report_views(reports: Iterable[Report]) -> list[ReportView]:
    return [_view(r) for r in reports]


def report_by_file_id(session: Session, file_id: str) -> ReportView | None:
    """One report with every judgement, its change from the previous inspection and an excerpt."""
    report = session.execute(select(Report).where(Report.file_id == file_id)
                             .options(selectinload(Report.judgements))).scalar_one_or_none()
    if report is None:
        return None
    history = lineage_history(session, report)
    idx = next((n for n, r in enumerate(history) if r.id == report.id), 0)
    prev = history[idx - 1] if idx > 0 else None
    return _view(report, previous=previous_grades(history, report), excerpt=True, previous_report=prev)


def latest_reports(session: Session, *, la_codes: Sequence[str] = (), report_types: Sequence[str] = (),
                   since: date | None = None, until: date | None = None, graded_only: bool = False,
                   limit: int = 20, offset: int = 0) -> list[ReportView]:
    """Reports newest first (publication date, then first seen), with their judgements."""
    when = func.coalesce(Report.published_on, Report.inspection_end, Report.inspection_start)
    stmt = select(Report).options(selectinload(Report.judgements))
    if la_codes:
        stmt = stmt.where(Report.la_code.in_(list(la_codes)))
    if report_types:
        stmt = stmt.where(Report.report_type.in_(list(report_types)))
    if since:
        stmt = stmt.where(when >= since)
    if until:
        stmt = stmt.where(when <= until)
    if graded_only:
        stmt = stmt.where(Report.id.in_(select(Judgement.report_id)))
    stmt = stmt.order_by(when.desc().nulls_last(), Report.first_seen_at.desc(), Report.id.desc())
    return report_views(session.execute(stmt.limit(limit).offset(offset)).scalars())


# --------------------------------------------------------------------------- the LA's timeline


@dataclass(frozen=True, kw_only=True)
class Timeline:
    """One row per judgement, one column per graded inspection (oldest first). A judgement and
    its like in another framework share a row, keyed by :func:`~storage.judgements.judgement_row`
    (SIF "children looked after" is on the ``in_care`` row)."""

    inspections: tuple[ReportView, ...]
    #: rows in order of first appearance
    areas: tuple[str, ...]
    #: row -> one grade (or None: not judged in that inspection's framework) per inspection
    grid: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    #: row -> the judgement kinds shown on it, in order of first appearance (for its heading)
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: row -> per inspection, the row's latest earlier grade its grade is compared with (None: no
    #: grade in that inspection, "Not judged", or no earlier grade)
    previous: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    #: row -> per inspection, :func:`grade_change` from ``previous`` (None where that is None)
    changes: dict[str, tuple[str | None, ...]] = field(default_factory=dict)


def la_timeline(session: Session, la: LocalAuthority) -> tuple[Timeline, list[ReportView]]:
    """The LA's judgement timeline and every report and letter it has, oldest first, the
    authorities it replaced included (each report under its own LA's name)."""
    rows = report_history(session, la_code=la.ons_code, urn=la.urn, la_codes=predecessors_of(la.ons_code))
    graded = [r for r in rows if r.judgements]
    kinds: dict[str, list[str]] = {}
    for r in graded:
        for j in r.judgements:
            seen = kinds.setdefault(judgement_row(j.area), [])
            if j.area not in seen:
                seen.append(j.area)
    grid = {row: tuple(next((j.grade for j in r.judgements if judgement_row(j.area) == row), None)
                       for r in graded)
            for row in kinds}
    # each grade compared as on its report's page and in its alert (storage.ratings.previous_grades)
    earlier = [previous_grades(rows, r) for r in graded]
    previous = {row: tuple(e[row][0] if g and g != NOT_JUDGED and row in e else None
                           for g, e in zip(grades, earlier, strict=True))
                for row, grades in grid.items()}
    views = report_views(rows)
    by_id = {v.id: v for v in views}
    return Timeline(inspections=tuple(by_id[r.id] for r in graded), areas=tuple(kinds), grid=grid,
                    kinds={row: tuple(k) for row, k in kinds.items()}, previous=previous,
                    changes={row: tuple(grade_change(g, p) if g and p else None
                                        for g, p in zip(grid[row], before, strict=True))
                             for row, before in previous.items()}), views


# --------------------------------------------------------------------------- ratings


@dataclass(frozen=True, kw_only=True)
class RatingRow:
    la: LocalAuthority
    slug: str
    #: the LA's latest report with judgements (None: none stored yet)
    report: ReportView | None

    def grade(self, area: str) -> str | None:
        if self.report is None:
            return None
        return next((j.grade for j in self.report.judgements if j.area == area), None)


def ratings(session: Session, las: Sequence[LocalAuthority] | None = None) -> tuple[list[RatingRow], list[str]]:
    """Each LA's latest graded report and its judgements; and every judgement kind seen.

    The latest graded report is the newest (by date) with at least one judgement, whatever its
    framework: after April 2026 that report has no overall grade, and the row shows so.
    """
    chosen = list(las) if las is not None else list(all_las())
    best = {key: rating.report for key, rating in
            current_ratings(session, la_codes=[la.ons_code for la in chosen]).items()}
    areas: list[str] = []
    for r in sorted(best.values(), key=lambda r: r.id):
        for j in r.judgements:
            if j.area not in areas:
                areas.append(j.area)
    rows = [RatingRow(la=la, slug=la_slug(la), report=_view(best[la.ons_code]) if la.ons_code in best else None)
            for la in chosen]
    return rows, areas

