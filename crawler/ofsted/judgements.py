"""Ofsted report text -> type, dates, lead inspector and judgements (SOURCES.md §2).

Pure functions on extracted text (page 1 is enough for grades; pass the whole text when you
have it so letters' signatures and cross-checks are found). Nothing here raises on odd input:
what cannot be read is ``None`` / empty, with a line in ``notes`` saying why.

Judgement area keys (fixed):

- SIF / SIF re-inspection: ``overall``, ``help_and_protection``,
  ``looked_after_and_permanence``, ``adoption``, ``care_leavers``, ``leadership``
- ILACS, inspection starting before 1 January 2023: ``leaders``, ``help_and_protection``,
  ``in_care_and_care_leavers``, ``care_leavers`` (always ``"Not judged"``), ``overall``
- ILACS from 1 January 2023 (by inspection *start* date): ``leaders``, ``help_and_protection``,
  ``in_care``, ``care_leavers``, ``overall``
- pre-SIF (2013 looked-after-children inspections): ``overall``, ``capacity_to_improve``
  (grades may be ``Adequate``)

Grades are exactly ``Outstanding``, ``Good``, ``Requires improvement to be good`` or
``Inadequate`` (see :func:`crawler.ofsted.normalise.normalise_grade`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from crawler.ofsted.dates import has_year, parse_date_range, parse_day_month_year
from crawler.ofsted.labels import classify_label
from crawler.ofsted.normalise import NOT_JUDGED, normalise_grade, normalise_text
from crawler.ofsted.types import (
    AREA_SEND,
    CHILDRENS_SERVICES_INSPECTION,
    FOCUSED_VISIT,
    FRAMEWORKS,
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
    "ILACS_AREAS_SPLIT",
    "ILACS_SPLIT_DATE",
    "SEND_OUTCOMES",
    "SIF_AREAS",
    "ParsedReport",
    "parse_report",
]

#: ILACS inspections starting on or after this date judge children in care and care leavers apart
ILACS_SPLIT_DATE = date(2023, 1, 1)
#: inspections spanning at most this many days (end - start) are ILACS short inspections
ILACS_SHORT_MAX_DAYS = 7

SIF_AREAS: tuple[str, ...] = (
    "overall",
    "help_and_protection",
    "looked_after_and_permanence",
    "adoption",
    "care_leavers",
    "leadership",
)
ILACS_AREAS_COMBINED: tuple[str, ...] = (
    "leaders",
    "help_and_protection",
    "in_care_and_care_leavers",
    "care_leavers",
    "overall",
)
ILACS_AREAS_SPLIT: tuple[str, ...] = (
    "leaders",
    "help_and_protection",
    "in_care",
    "care_leavers",
    "overall",
)
PRE_SIF_AREAS: tuple[str, ...] = ("overall", "capacity_to_improve")

#: area SEND outcome phrases, best first (D2I maps them to 1, 2, 3)
SEND_OUTCOMES: tuple[str, ...] = (
    "positive experiences",
    "inconsistent experiences",
    "significant concerns",
)


@dataclass(frozen=True)
class ParsedReport:
    """What one report's text says. ``judgements`` maps area key -> normalised grade.

    ``report_type`` is a code from :data:`crawler.ofsted.types.REPORT_TYPES`, except that a
    "children's services inspection" label with empty or unrecognisable text keeps the
    label-only code ``childrens_services_inspection``. ``graded`` is True for SIF, ILACS and
    pre-SIF types (even if no grade could be read: see ``notes``) and for any other report in
    which a grade table was found; area SEND reports are not graded but carry ``send_outcome``.
    """

    report_type: str
    framework: str | None
    inspection_start: date | None = None
    inspection_end: date | None = None
    #: SIF's "Report published:" line; ILACS and letters have none (use the label's date)
    published_on: date | None = None
    lead_inspector: str | None = None
    judgements: dict[str, str] = field(default_factory=dict)
    overall: str | None = None
    send_outcome: str | None = None
    #: a focused/monitoring visit letter names "areas for priority action"
    priority_action: bool = False
    graded: bool = False
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- grade matching

_FRAG = (
    r"\b(?:requires?\s+improvement(?:\s+to\s+be\s+good)?|improvement(?:\s+to\s+be\s+good)?"
    r"|to\s+be\s+good|be\s+good|outstanding|inadequate|good|adequate|not\s+judged)\b"
)
#: inside a wrapped row label a grade may be cut anywhere, even after "Requires".
#: The fragment loops are possessive (``*+``, Python 3.11): fragments overlap ("requires
#: improvement to be good" splits many ways), and backtracking into them is exponential.
_GAP_FRAG = rf"(?:{_FRAG}|\brequires?\b|\bto\s+be\b)"
_FRAG_RE = re.compile(_GAP_FRAG, re.IGNORECASE)
_GAP = rf"(?>\s*(?:{_GAP_FRAG}\s*)*+)"
_TAIL = rf"\s*[:\-–]?\s*(?P<tail>(?:{_FRAG}\s*)++)?"


def _loose(label: str) -> str:
    """Regex for a row label whose words may have grade fragments wrapped in between
    (table cells extracted line by line: "... children who Requires improvement need help")."""
    words = re.findall(r"[\w']+|[^\w\s]", label)
    return _GAP.join(re.escape(w).replace("'", "'?") for w in words)


@dataclass(frozen=True)
class _Row:
    key: str
    labels: tuple[str, ...]
    not_followed_by: str | None = None

    def pattern(self) -> re.Pattern[str]:
        body = "|".join(_loose(label) for label in self.labels)
        guard = ""
        if self.not_followed_by:
            guard = rf"(?!\s*(?:{_FRAG}\s*)*+{self.not_followed_by})"
        return re.compile(rf"(?:{body}){_TAIL}{guard}", re.IGNORECASE)


_ILACS_COMMON = (
    _Row("leaders", ("The impact of leaders on social work practice with children and families",)),
    _Row(
        "help_and_protection",
        ("The experiences and progress of children who need help and protection",),
    ),
)
_ILACS_OVERALL = _Row("overall", ("Overall effectiveness",))
_ILACS_COMBINED_ROWS = (
    *_ILACS_COMMON,
    _Row(
        "in_care_and_care_leavers",
        (
            "The experiences and progress of children in care and care leavers",
            "The experiences and progress of children looked after and care leavers",
        ),
    ),
    _ILACS_OVERALL,
)
_ILACS_SPLIT_ROWS = (
    *_ILACS_COMMON,
    _Row(
        "in_care",
        ("The experiences and progress of children in care",),
        not_followed_by=r"and\s+care\s+leavers",
    ),
    _Row("care_leavers", ("The experiences and progress of care leavers",)),
    _ILACS_OVERALL,
)
_SIF_ROWS = (
    _Row("help_and_protection", ("Children who need help and protection",)),
    _Row("looked_after_and_permanence", ("Children looked after and achieving permanence",)),
    _Row("adoption", ("Adoption performance",)),
    _Row("care_leavers", ("Experiences and progress of care leavers",)),
    _Row("leadership", ("Leadership, management and governance",)),
)
_PRE_SIF_ROWS = (
    _Row(
        "overall",
        (
            "Overall effectiveness of services for looked after children and young people",
            "Overall effectiveness",
        ),
    ),
    _Row("capacity_to_improve", ("Capacity to improve",)),
)


def _resolve(fragments: list[str]) -> str | None:
    frs = [normalise_text(f).lower() for f in fragments if f.strip()]
    # a leading stray "to be good" belongs to the row before when a whole grade follows
    while len(frs) > 1 and re.fullmatch(r"(?:to )?be(?: good)?|to", frs[0]):
        frs.pop(0)
    if not frs:
        return None
    if frs[0].startswith("requir") or frs[0].startswith("improvement"):
        return normalise_grade("requires improvement to be good")
    return normalise_grade(frs[0])


def _find_rows(
    norm: str, rows: Iterable[_Row], notes: list[str], *, scope: int | None = None
) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in rows:
        grades: list[str] = []
        for m in row.pattern().finditer(norm):
            if scope is not None and m.start() > scope:
                break
            grade = _resolve(_FRAG_RE.findall(m.group(0)))
            if grade:
                grades.append(grade)
        if not grades:
            continue
        found[row.key] = grades[0]
        others = sorted(set(grades[1:]) - {grades[0]})
        if others:
            notes.append(f"{row.key}: first grade {grades[0]!r}, later text also says {others}")
    return found


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


# --------------------------------------------------------------------------- fields

_INSPECTION_DATES = re.compile(r"\binspection dates?\s*:\s*|\binspection dates?\s+(?=\d)", re.I)
_LETTER_DATES = re.compile(
    r"(?:focused|monitoring) visit (?:to|of)\b.{0,300}? on (?=\d)"
    r"|\b(?:took place (?:from|between|on)|between)\s+(?=\d{1,2}\b)",
    re.IGNORECASE,
)
_PUBLISHED = re.compile(r"\breport published\s*:\s*", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19[89]\d|20\d\d)\b")
_LEAD = re.compile(r"\blead inspector\s*:\s*", re.IGNORECASE)
_SIGNED = re.compile(
    r"\byours sincerely,?\s+(?P<name>.{2,80}?)\s*,?\s+(?:(?:Her|His) Majesty's Inspector|HMI)\b",
    re.IGNORECASE,
)
_NAME_STOP = {
    "hmi", "her", "his", "judgement", "judgements", "inspection", "report", "lead", "ofsted",
    "overall", "the", "age", "published", "inspector", "inspectors", "senior", "social",
    "children's", "local", "this", "team", "contents",
}  # fmt: skip
_NAME_PARTICLES = {"de", "van", "von", "der", "den", "la", "le", "du", "da", "di", "st", "st."}
_SIF_OVERALL = (
    re.compile(
        r"children's services in .{1,80}? (?:are|is|requires?) "
        r"(inadequate|good|outstanding|improvement to be good|improvement)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"the overall judgement is (?:that children's services )?"
        r"(requires? improvement|inadequate|good|outstanding)\b",
        re.IGNORECASE,
    ),
)


def _clean_name(raw: str) -> str | None:
    raw = raw.split(",", 1)[0]
    words: list[str] = []
    for w in raw.split():
        wl = w.lower()
        if wl in _NAME_STOP or wl.startswith("majesty"):
            break
        if not (w[:1].isupper() or wl in _NAME_PARTICLES):
            break
        words.append(w)
        if len(words) >= 6:
            break
    name = " ".join(words).strip(" .;:")
    return name or None


def _lead_inspector(norm: str) -> str | None:
    m = _LEAD.search(norm)
    if m:
        name = _clean_name(norm[m.end() : m.end() + 160])
        if name:
            return name
    m = _SIGNED.search(norm)
    if m:
        return _clean_name(m.group("name"))
    return None


def _published(norm: str) -> date | None:
    m = _PUBLISHED.search(norm)
    return parse_day_month_year(norm[m.end() : m.end() + 40]) if m else None


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


def _send_outcome(norm: str) -> str | None:
    low = norm.lower()
    begin = low.find("inspection outcome")
    region = low
    if begin >= 0:
        stop = low.find("information about the local area partnership", begin)
        region = low[begin : stop if stop > begin else begin + 4000]
    hits = [(region.find(p), p) for p in SEND_OUTCOMES if p in region]
    return min(hits)[1] if hits else None


_PRIORITY = re.compile(r"\bareas? for priority action\b", re.IGNORECASE)


def _priority_action(norm: str) -> bool:
    for m in _PRIORITY.finditer(norm):
        sentence_start = max(norm.rfind(". ", 0, m.start()), 0)
        sentence_end = norm.find(". ", m.end())
        sentence = norm[sentence_start : sentence_end if sentence_end > 0 else None].lower()
        if re.search(
            r"\bno (?:areas?|priority)\b|\bnot\b|\bprevious|\blast\b|\bearlier\b", sentence
        ):
            continue
        return True
    return False


# --------------------------------------------------------------------------- judgements


def _sif_judgements(norm: str, notes: list[str]) -> dict[str, str]:
    found = _find_rows(norm, _SIF_ROWS, notes)
    overall: str | None = None
    for rx in _SIF_OVERALL:
        m = rx.search(norm)
        if m:
            overall = normalise_grade(m.group(1))
            break
    result: dict[str, str] = {}
    if overall:
        result["overall"] = overall
    for key in SIF_AREAS[1:]:
        if key in found:
            result[key] = found[key]
    return result


def _ilacs_judgements(
    norm: str, start: date | None, notes: list[str]
) -> tuple[dict[str, str], bool | None]:
    """Judgements and whether the split (post-2023) table was used."""
    low = norm.lower()
    has_combined = "children in care and care leavers" in low or (
        "children looked after and care leavers" in low
    )
    if start is not None:
        split = start >= ILACS_SPLIT_DATE
    else:
        split = not has_combined
        notes.append("inspection start unknown: split decided from the table rows")
    rows = _ILACS_SPLIT_ROWS if split else _ILACS_COMBINED_ROWS
    found = _find_rows(norm, rows, notes)
    if not split:
        found["care_leavers"] = NOT_JUDGED
    elif "in_care" not in found and has_combined:
        notes.append("split-era inspection but only the combined children-in-care row found")
    order = ILACS_AREAS_SPLIT if split else ILACS_AREAS_COMBINED
    return {k: found[k] for k in order if k in found}, split


# --------------------------------------------------------------------------- entry point


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
    norm = normalise_text(text or "")
    label_code = _label_code(label_type)
    detected = _detect_type(norm) if norm else None

    if not norm:
        notes.append("no text")
    if label_code in (FOCUSED_VISIT, MONITORING_VISIT, JTAI, AREA_SEND, PRE_SIF):
        rtype = label_code
        if (
            detected
            and detected != label_code
            and not (detected == ILACS_STANDARD and label_code in (FOCUSED_VISIT, MONITORING_VISIT))
        ):
            notes.append(f"label says {label_code}, text looks like {detected}")
    elif detected:
        rtype = detected
        if label_code == CHILDRENS_SERVICES_INSPECTION and detected not in GRADED_TYPES:
            notes.append(f"label says children's services inspection, text looks like {detected}")
        elif label_code == OTHER:
            notes.append(f"unknown label: type {detected} taken from the text")
    else:
        rtype = label_code or OTHER
        if norm:
            notes.append("report type not recognised in the text")

    published = _published(norm)
    start, end = _dates(norm, rtype, published or published_on, notes) if norm else (None, None)

    judgements: dict[str, str] = {}
    overall: str | None = None
    if rtype in (SIF, SIF_REINSPECTION):
        judgements = _sif_judgements(norm, notes)
    elif rtype in (ILACS_STANDARD, ILACS_SHORT):
        if start and end:
            span = (end - start).days
            rtype = ILACS_SHORT if span <= ILACS_SHORT_MAX_DAYS else ILACS_STANDARD
        else:
            notes.append("ILACS short or standard unknown (no dates): assumed standard")
        judgements, _ = _ilacs_judgements(norm, start, notes)
    elif rtype == PRE_SIF:
        judgements = _find_rows(norm, _PRE_SIF_ROWS, notes)
    elif rtype in (JTAI, OTHER) and re.search(r"\bjudgement grade\b", norm, re.IGNORECASE):
        # JTAIs are believed ungraded (unconfirmed): store a grade table if one ever appears
        judgements, _ = _ilacs_judgements(norm, start, notes)
        if all(g == NOT_JUDGED for g in judgements.values()):
            judgements = {}
        else:
            notes.append(f"grade table found in a {rtype} report")

    graded = rtype in GRADED_TYPES or bool(judgements)
    overall = judgements.get("overall")
    if rtype in GRADED_TYPES and not judgements:
        notes.append("graded report type but no judgements found")
    elif rtype in GRADED_TYPES and overall is None:
        notes.append("no overall judgement found")

    send_outcome = _send_outcome(norm) if rtype == AREA_SEND else None
    if rtype == AREA_SEND and send_outcome is None:
        notes.append("no area SEND outcome phrase found")

    priority = rtype in (FOCUSED_VISIT, MONITORING_VISIT, OTHER) and _priority_action(norm)

    return ParsedReport(
        report_type=rtype,
        framework=FRAMEWORKS.get(rtype),
        inspection_start=start,
        inspection_end=end,
        published_on=published,
        lead_inspector=_lead_inspector(norm) if norm else None,
        judgements=judgements,
        overall=overall,
        send_outcome=send_outcome,
        priority_action=priority,
        graded=graded,
        notes=notes,
    )
