"""The facts around the grades: LA name, lead inspector, letter date, excerpt, outcomes.

Some of these are read line by line (``lines``: each line of the extracted text, normalised on
its own), because joining lines glues the next line's first word onto a name ("Lead
inspector: Jo Bloggs" / "Deputy lead inspector: …" is Jo Bloggs, not "Jo Bloggs Deputy");
the rest from the whole normalised text (``norm``).
"""

from __future__ import annotations

import re
from datetime import date

from crawler.ofsted.dates import parse_day_month_year
from crawler.ofsted.normalise import normalise_text

__all__ = [
    "EXCERPT_CHARS",
    "excerpt",
    "la_name",
    "lead_inspector",
    "letter_date",
    "priority_action",
    "published",
    "send_outcome",
    "text_lines",
]

EXCERPT_CHARS = 600

#: area SEND outcome phrases, best first (D2I maps them to 1, 2, 3)
SEND_OUTCOMES: tuple[str, ...] = (
    "positive experiences",
    "inconsistent experiences",
    "significant concerns",
)


def text_lines(text: str) -> list[str]:
    """The non-empty lines of ``text``, each normalised."""
    return [line for line in (normalise_text(raw) for raw in text.splitlines()) if line]


# --------------------------------------------------------------------------- lead inspector

_LEAD_LINE = re.compile(r"(?:^|[^\w])lead inspectors?\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
_DEPUTY = re.compile(r"\bdeputy\s+lead\s+inspector", re.IGNORECASE)
#: area SEND team tables: "Jo Bloggs, Ofsted lead inspector", "Jo Bloggs, Ofsted HMI, lead
#: inspector" (the role may wrap onto the next line)
_NAME_ROLE = re.compile(
    r"^(?P<name>[^,:]{2,60}),\s*(?:Ofsted(?:\s+HMI)?|HMI)\s*,?\s*lead\b", re.IGNORECASE
)
_SIGNED = re.compile(
    r"\byours sincerely,?\s+(?P<name>.{2,80}?)\s*,?\s+(?:(?:Her|His) Majesty's Inspector|HMI)\b",
    re.IGNORECASE,
)
_NAME_STOP = {
    "hmi", "her", "his", "judgement", "judgements", "inspection", "report", "lead", "ofsted",
    "overall", "the", "age", "published", "inspector", "inspectors", "senior", "social",
    "children's", "local", "this", "team", "contents", "deputy", "and",
}  # fmt: skip
_NAME_PARTICLES = {"de", "van", "von", "der", "den", "la", "le", "du", "da", "di", "st", "st."}


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


def lead_inspector(lines: list[str], norm: str) -> str | None:
    """The (first) lead inspector: "Lead inspector(s): …" (name on that line, else the next),
    an Ofsted "…, lead inspector" team-table cell, or the letter's signature."""
    for i, line in enumerate(lines):
        m = _LEAD_LINE.search(line)
        if m is None or _DEPUTY.search(line[: m.end()]):
            continue
        rest = m.group("rest").strip()
        if not rest and i + 1 < len(lines):
            rest = lines[i + 1]
        name = _clean_name(rest)
        if name:
            return name
    for i, line in enumerate(lines):
        joined = line if i + 1 >= len(lines) else f"{line} {lines[i + 1]}"
        m = _NAME_ROLE.match(joined)
        if m and m.end("name") < len(line):  # the name and its comma on this line
            name = _clean_name(m.group("name"))
            if name:
                return name
    m = _SIGNED.search(norm)
    return _clean_name(m.group("name")) if m else None


# --------------------------------------------------------------------------- LA name

_LA = r"(?:the\s+)?(?P<la>[A-Z][\w'&,.\- ]{1,80}?)"
_LA_PATTERNS = (
    re.compile(rf"\binspection of {_LA} local authority children's services", re.I),
    re.compile(rf"\b(?:focused|monitoring) visit (?:to|of) {_LA} (?:local authority )?"
               r"children's services", re.I),
    re.compile(rf"\barea SEND (?:full |monitoring )?inspection of {_LA} local area partnership", re.I),
    re.compile(rf"\bchildren's services in {_LA} (?:are|is|requires?)\b", re.I),
    re.compile(rf"\bmulti-agency response to .{{0,160}}? in {_LA}(?=\s*(?:\.|$))", re.I),
)  # fmt: skip
_OLD_TITLE = re.compile(
    r"^(?:inspection of children's social care services|(?:re-)?inspection of services for "
    r"children in need)",
    re.IGNORECASE,
)
_LOCAL_AUTHORITY = re.compile(r"\s+(?:local authority|council)$", re.IGNORECASE)


def la_name(lines: list[str], norm: str) -> str | None:
    """The LA as the document names it ("London Borough of Croydon", "Croydon"), or None."""
    head = norm[:4000]
    for rx in _LA_PATTERNS:
        m = rx.search(head)
        if m:
            name = _LOCAL_AUTHORITY.sub("", m.group("la").strip(" ,."))
            if name and name.lower() not in {"the", "this", "your"}:
                return name
    # older titles carry no name: the line above ("London Borough of Croydon")
    for i, line in enumerate(lines[:12]):
        if _OLD_TITLE.match(line) and i > 0 and len(lines[i - 1]) <= 80:
            return lines[i - 1]
    return None


# --------------------------------------------------------------------------- dates

_DATE_LINE = re.compile(
    r"^(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4})$"
)
_PUBLISHED = re.compile(r"\breport published\s*:\s*", re.IGNORECASE)


def letter_date(lines: list[str]) -> date | None:
    """The date at the head of a letter (a line holding only a date, before "Dear …")."""
    for line in lines[:25]:
        if line.lower().startswith("dear "):
            break
        if _DATE_LINE.match(line):
            found = parse_day_month_year(line)
            if found:
                return found
    return None


def published(norm: str) -> date | None:
    """SIF's "Report published: 4 September 2017"."""
    m = _PUBLISHED.search(norm)
    return parse_day_month_year(norm[m.end() : m.end() + 40]) if m else None


# --------------------------------------------------------------------------- findings

_FINDINGS_HEADINGS = re.compile(
    r"\b(?:headline findings|main findings|summary of findings|areas covered by the visit"
    r"|inspection outcome|overall findings)\b:?\s*",
    re.IGNORECASE,
)
_LETTER_OPENING = re.compile(r"\bthis letter summarises the findings\b", re.IGNORECASE)
_SKIP_HEADINGS = re.compile(r"^(?:what needs to improve\??|contents|judgement grade)\s*",
                            re.IGNORECASE)


def excerpt(norm: str, table_end: int = 0) -> str:
    """A few sentences of the findings: after a findings heading, after the grade table, or
    from the letter's opening sentence; never the letterhead. "" when none is found."""
    start: int | None = None
    m = _FINDINGS_HEADINGS.search(norm)
    if m:
        start = m.end()
    elif table_end:
        start = table_end
    else:
        opening = _LETTER_OPENING.search(norm)
        start = opening.start() if opening else None
    if start is None:
        return ""
    text = _SKIP_HEADINGS.sub("", norm[start:].lstrip(" .:;-–")).strip()
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[:EXCERPT_CHARS]
    sentence = cut.rfind(". ")
    return cut[: sentence + 1] if sentence > EXCERPT_CHARS // 2 else cut.rsplit(" ", 1)[0] + " …"


def send_outcome(norm: str) -> str | None:
    low = norm.lower()
    begin = low.find("inspection outcome")
    region = low
    if begin >= 0:
        stop = low.find("information about the local area partnership", begin)
        region = low[begin : stop if stop > begin else begin + 4000]
    hits = [(region.find(p), p) for p in SEND_OUTCOMES if p in region]
    return min(hits)[1] if hits else None


_PRIORITY = re.compile(r"\bareas? for priority action\b", re.IGNORECASE)


def priority_action(norm: str) -> bool:
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
