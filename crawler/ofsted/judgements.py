"""Ofsted report text -> type, framework, dates, names and judgements (SOURCES.md §2).

Pure functions on extracted text (page 1 is enough for grades; pass the whole text when you
have it so letters' signatures and cross-checks are found). Nothing here raises on odd input:
what cannot be read is ``None`` / empty, with a line in ``notes`` saying why.

The judgements of each framework are read by :mod:`crawler.ofsted.sif` and
:mod:`crawler.ofsted.ilacs`; the framework codes and judgement kinds are in
:mod:`crawler.ofsted.frameworks`; the other facts by :mod:`crawler.ofsted.fields`.

Grades are exactly ``Outstanding``, ``Good``, ``Requires improvement to be good`` or
``Inadequate`` (see :func:`crawler.ofsted.normalise.normalise_grade`), plus ``Not judged``
(ILACS 2018-22 care leavers) and ``Adequate`` (pre-SIF).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from crawler.ofsted import fields as f
from crawler.ofsted.dates import has_year, parse_date_range
from crawler.ofsted.frameworks import FW_PRE_SIF, FW_SIF, FW_UNKNOWN, ILACS_SPLIT_DATE
from crawler.ofsted.ilacs import (
    ILACS_AREAS_COMBINED,
    ILACS_AREAS_REFORM,
    ILACS_AREAS_SPLIT,
    ilacs_judgements,
)
from crawler.ofsted.labels import classify_label
from crawler.ofsted.normalise import NOT_JUDGED, normalise_text
from crawler.ofsted.sif import PRE_SIF_AREAS, SIF_AREAS, pre_sif_judgements, sif_judgements
from crawler.ofsted.types import (
    AREA_SEND,
    CHILDRENS_SERVICES_INSPECTION,
    FOCUSED_VISIT,
    GRADED_TYPES,
    ILACS_SHORT,
    ILACS_STANDARD,
    JTAI,
    LABEL_ONLY_TYPES,
    MONITORING_VISIT,
    OTHER,
    PRE_SIF,
    REPORT_TYPES,
    SIF,
    SIF_REINSPECTION,
)

__all__ = [
    "ILACS_AREAS_COMBINED",
    "ILACS_AREAS_REFORM",
    "ILACS_AREAS_SPLIT",
    "ILACS_SPLIT_DATE",
    "PRE_SIF_AREAS",
    "SEND_OUTCOMES",
    "SIF_AREAS",
    "ParsedReport",
    "parse_report",
]

SEND_OUTCOMES = f.SEND_OUTCOMES
#: inspections spanning at most this many days (end - start) are ILACS short inspections
ILACS_SHORT_MAX_DAYS = 7
_LETTERS = (FOCUSED_VISIT, MONITORING_VISIT, JTAI, OTHER)


@dataclass(frozen=True)
class ParsedReport:
    """What one report's text says. ``judgements`` maps judgement kind -> normalised grade.

    ``report_type`` is a code from :data:`crawler.ofsted.types.REPORT_TYPES`, except that a
    "children's services inspection" label with empty or unrecognisable text keeps the
    label-only code ``childrens_services_inspection``. ``framework`` is a code from
    :mod:`crawler.ofsted.frameworks` for graded reports (``framework_unknown`` when the grade
    table matches no known framework), None for letters and area SEND. ``graded`` is True for
    SIF, ILACS and pre-SIF types (even if no grade could be read: see ``notes``) and for any
    other report in which a grade table was found; area SEND reports carry ``send_outcome``.
    ``overall`` is the overall effectiveness grade where the framework has one (ILACS 2026
    has none: that is normal, not a defect).
    """

    report_type: str
    framework: str | None
    inspection_start: date | None = None
    inspection_end: date | None = None
    #: SIF's "Report published:" line, or the date at the head of a letter (ILACS has none:
    #: use the label's date)
    published_on: date | None = None
    lead_inspector: str | None = None
    #: the LA as the document names it ("London Borough of Croydon"), not matched to anything
    la_name: str | None = None
    judgements: dict[str, str] = field(default_factory=dict)
    overall: str | None = None
    send_outcome: str | None = None
    #: a focused/monitoring visit letter names "areas for priority action"
    priority_action: bool = False
    graded: bool = False
    #: a few sentences of the findings (never the letterhead), for alerts
    excerpt: str = ""
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- type detection

_SIGNATURES: tuple[tuple[str, str], ...] = (
    (FOCUSED_VISIT, r"\bfocused visit (?:to|of)\b"),
    (FOCUSED_VISIT, r"findings of (?:a|the) focused visit"),
    (MONITORING_VISIT, r"\bmonitoring visit (?:to|of)\b"),
    (MONITORING_VISIT, r"findings of (?:a|the) monitoring visit"),
    (JTAI, r"\bjoint targeted area inspection"),
    (JTAI, r"\bjoint inspection of the multi-agency response"),
    (AREA_SEND, r"\barea SEND (?:full |monitoring )?inspection"),
    (AREA_SEND, r"\blocal area partnership\b"),
    (PRE_SIF, r"\binspection of (?:safeguarding and )?looked after children"),
    (PRE_SIF, r"overall effectiveness of services for looked after children"),
    (SIF_REINSPECTION, r"\bre-?inspection of services for children in need"),
    (SIF, r"\binspection of services for children in need of help and protection"),
    (SIF, r"children's services in .{1,80}? (?:are|is|requires?) "
          r"(?:inadequate|good|outstanding|improvement)"),
    (SIF, r"\bthe overall judgement is\b"),
    (ILACS_STANDARD, r"\binspection of (?:the )?[\w' ,.-]{0,80}?local authority children's services"),
    (ILACS_STANDARD, r"\binspection of children's social care services"),
    (ILACS_STANDARD, r"\bjudgement grade\b"),
    (ILACS_STANDARD, r"\bthe impact of leaders on social work practice"),
)  # fmt: skip
_SIGNATURE_RES = tuple((t, re.compile(p, re.IGNORECASE)) for t, p in _SIGNATURES)
_DETECT_SCOPE = 6000


def _detect_type(norm: str) -> str | None:
    head = norm[:_DETECT_SCOPE]
    best: tuple[int, str] | None = None
    for rtype, rx in _SIGNATURE_RES:
        m = rx.search(head)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), rtype)
    return best[1] if best else None


def _label_code(label_type: str | None) -> str | None:
    if not label_type:
        return None
    if label_type in REPORT_TYPES or label_type in LABEL_ONLY_TYPES:
        return label_type
    return classify_label(label_type)


# --------------------------------------------------------------------------- dates

_INSPECTION_DATES = re.compile(r"\binspection dates?\s*:\s*|\binspection dates?\s+(?=\d)", re.I)
_LETTER_DATES = re.compile(
    r"(?:focused|monitoring) visit (?:to|of)\b.{0,300}? on (?=\d)"
    r"|\b(?:took place (?:from|between|on)|between)\s+(?=\d{1,2}\b)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19[89]\d|20\d\d)\b")


def _dates(
    norm: str, rtype: str, published: date | None, notes: list[str]
) -> tuple[date | None, date | None]:
    m = _INSPECTION_DATES.search(norm)
    if m is None or rtype in (FOCUSED_VISIT, MONITORING_VISIT, JTAI):
        m = _LETTER_DATES.search(norm[:_DETECT_SCOPE]) or m
    if m is None:
        notes.append("no inspection dates found")
        return None, None
    segment = norm[m.end() : m.end() + 200]
    fallback: int | None = None
    if not has_year(segment):
        if published is not None:
            fallback = published.year
        else:
            later = _YEAR.search(norm, m.end())
            fallback = int(later.group(0)) if later else None
    start, end = parse_date_range(segment, fallback_year=fallback)
    if fallback is not None and published is not None and end is not None and end > published:
        fallback -= 1
        start, end = parse_date_range(segment, fallback_year=fallback)
    if fallback is not None and start is not None:
        notes.append(f"inspection year not next to the dates; assumed {start.year}")
    if start is None:
        notes.append(f"inspection dates unreadable: {segment[:60]!r}")
    return start, end


# --------------------------------------------------------------------------- entry point


def _rtype(norm: str, label_code: str | None, notes: list[str]) -> str:
    detected = _detect_type(norm) if norm else None
    if label_code in (FOCUSED_VISIT, MONITORING_VISIT, JTAI, AREA_SEND, PRE_SIF):
        if (
            detected
            and detected != label_code
            and not (detected == ILACS_STANDARD and label_code in (FOCUSED_VISIT, MONITORING_VISIT))
        ):
            notes.append(f"label says {label_code}, text looks like {detected}")
        return label_code
    if detected:
        if label_code == CHILDRENS_SERVICES_INSPECTION and detected not in GRADED_TYPES:
            notes.append(f"label says children's services inspection, text looks like {detected}")
        elif label_code == OTHER:
            notes.append(f"unknown label: type {detected} taken from the text")
        return detected
    if norm:
        notes.append("report type not recognised in the text")
    return label_code or OTHER


def parse_report(
    text: str, *, label_type: str | None = None, published_on: date | None = None
) -> ParsedReport:
    """Parse a report's extracted text.

    ``label_type`` is the provider-page label's type (a code from
    :mod:`crawler.ofsted.types` or the label text, e.g. "children's services inspection"); it
    decides focused visits, monitoring visits, JTAIs and area SEND, while "children's services
    inspection" / unknown labels are resolved from the text. ``published_on`` (the label's date)
    only helps infer a year missing from the inspection dates.
    """
    notes: list[str] = []
    text = text or ""
    norm = normalise_text(text)
    lines = f.text_lines(text)
    if not norm:
        notes.append("no text")
    rtype = _rtype(norm, _label_code(label_type), notes)

    published = f.published(norm)
    if published is None and rtype in _LETTERS:
        published = f.letter_date(lines)
    start, end = _dates(norm, rtype, published or published_on, notes) if norm else (None, None)

    judgements: dict[str, str] = {}
    framework: str | None = None
    table_end = 0
    if rtype in (SIF, SIF_REINSPECTION):
        judgements, table_end = sif_judgements(norm, notes)
        framework = FW_SIF
    elif rtype in (ILACS_STANDARD, ILACS_SHORT):
        if start and end:
            span = (end - start).days
            rtype = ILACS_SHORT if span <= ILACS_SHORT_MAX_DAYS else ILACS_STANDARD
        else:
            notes.append("ILACS short or standard unknown (no dates): assumed standard")
        judgements, framework, table_end = ilacs_judgements(norm, start, notes)
    elif rtype == PRE_SIF:
        judgements, table_end = pre_sif_judgements(norm, notes)
        framework = FW_PRE_SIF
    elif rtype in (JTAI, OTHER) and re.search(r"\bjudgement grade\b", norm, re.IGNORECASE):
        # JTAIs are believed ungraded (unconfirmed): store a grade table if one ever appears
        judgements, framework, table_end = ilacs_judgements(norm, start, notes)
        if all(g == NOT_JUDGED for g in judgements.values()):
            judgements, framework = {}, None
        else:
            notes.append(f"grade table found in a {rtype} report")

    graded = rtype in GRADED_TYPES or bool(judgements)
    if rtype in GRADED_TYPES and not judgements:
        notes.append("graded report type but no judgements found")
        if framework == FW_UNKNOWN:
            framework = None

    send_outcome = f.send_outcome(norm) if rtype == AREA_SEND else None
    if rtype == AREA_SEND and send_outcome is None:
        notes.append("no area SEND outcome phrase found")
    priority = rtype in (FOCUSED_VISIT, MONITORING_VISIT, OTHER) and f.priority_action(norm)

    return ParsedReport(
        report_type=rtype,
        framework=framework if graded else None,
        inspection_start=start,
        inspection_end=end,
        published_on=published,
        lead_inspector=f.lead_inspector(lines, norm) if norm else None,
        la_name=f.la_name(lines, norm) if norm else None,
        judgements=judgements,
        overall=judgements.get("overall"),
        send_outcome=send_outcome,
        priority_action=priority,
        graded=graded,
        excerpt=f.excerpt(norm, table_end) if norm else "",
        notes=notes,
    )
