"""Finding "row label -> grade" pairs in normalised report text, whatever the layout.

Tables are extracted line by line across both columns, so a wrapped row label and its
wrapped grade interleave ("... children who Requires improvement need help and protection to
be good"), and a grade may sit after the whole label (the next line). :class:`Row` builds a
pattern that lets grade fragments sit between the label's words and reads the grade from
them plus the text right after the label. :func:`generic_rows` reads a grade table whose
labels are unknown (a framework the parser does not know).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.ofsted.normalise import normalise_grade, normalise_text

__all__ = ["Row", "find_rows", "generic_rows", "label_key", "resolve_grade", "row_grade"]

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
    """Regex for a row label whose words may have grade fragments wrapped in between."""
    words = re.findall(r"[\w']+|[^\w\s]", label)
    return _GAP.join(re.escape(w).replace("'", "'?") for w in words)


@dataclass(frozen=True)
class Row:
    """One judgement row: its kind and the label(s) it is printed under."""

    key: str
    labels: tuple[str, ...]
    not_followed_by: str | None = None

    def pattern(self) -> re.Pattern[str]:
        body = "|".join(_loose(label) for label in self.labels)
        guard = ""
        if self.not_followed_by:
            guard = rf"(?!\s*(?:{_FRAG}\s*)*+{self.not_followed_by})"
        return re.compile(rf"(?:{body}){_TAIL}{guard}", re.IGNORECASE)


def resolve_grade(fragments: list[str]) -> str | None:
    """One grade from the fragments found in and after a row label."""
    frs = [normalise_text(f).lower() for f in fragments if f.strip()]
    # a leading stray "to be good" belongs to the row before when a whole grade follows
    while len(frs) > 1 and re.fullmatch(r"(?:to )?be(?: good)?|to", frs[0]):
        frs.pop(0)
    if not frs:
        return None
    if frs[0].startswith("requir") or frs[0].startswith("improvement"):
        return normalise_grade("requires improvement to be good")
    return normalise_grade(frs[0])


def row_grade(m: re.Match[str]) -> str | None:
    """The grade read from one match of :meth:`Row.pattern`."""
    return resolve_grade(_FRAG_RE.findall(m.group(0)))


def find_rows(
    norm: str, rows: Iterable[Row], notes: list[str], *, scope: int | None = None
) -> tuple[dict[str, str], int]:
    """Grades by row key (first occurrence wins; disagreeing later ones are noted), and the
    offset where the last first-found row ended (where the findings start)."""
    found: dict[str, str] = {}
    table_end = 0
    for row in rows:
        grades: list[str] = []
        for m in row.pattern().finditer(norm):
            if scope is not None and m.start() > scope:
                break
            grade = row_grade(m)
            if grade:
                if not grades:
                    table_end = max(table_end, m.end())
                grades.append(grade)
        if not grades:
            continue
        found[row.key] = grades[0]
        others = sorted(set(grades[1:]) - {grades[0]})
        if others:
            notes.append(f"{row.key}: first grade {grades[0]!r}, later text also says {others}")
    return found, table_end


_TABLE_HEAD = re.compile(r"\bjudgements?\s+grades?\b", re.IGNORECASE)
_WHOLE_GRADE = re.compile(
    r"\b(?:requires?\s+improvement(?:\s+to\s+be\s+good)?|outstanding|inadequate|good)\b",
    re.IGNORECASE,
)
_KEY_WORDS = re.compile(r"[a-z0-9]+")
#: a generic table row label is at most this long; longer text is narrative
_MAX_LABEL = 160


def label_key(label: str) -> str:
    """A judgement kind made from an unknown row label's words."""
    words = [w for w in _KEY_WORDS.findall(label.lower()) if w not in {"the", "of", "and", "a"}]
    return "_".join(words[:8]) or "row"


def generic_rows(norm: str) -> list[tuple[str, str]]:
    """Every ``(label, grade)`` pair of the table after a "Judgement Grade" header.

    For reports in a framework the parser does not know: a label is the text between two
    grades, as long as it is short and not narrative (the table ends at the first that is).
    Returns [] when there is no such header.
    """
    head = _TABLE_HEAD.search(norm)
    if head is None:
        return []
    found: list[tuple[str, str]] = []
    pos = head.end()
    for m in _WHOLE_GRADE.finditer(norm, pos):
        label = norm[pos : m.start()].strip(" :-–")
        if not label or len(label) > _MAX_LABEL or re.search(r"[.;]\s", label):
            break
        grade = normalise_grade(m.group(0))
        if grade:
            found.append((label, grade))
        pos = m.end()
        # a wrapped "Requires improvement" / "to be good" leaves its tail before the next label
        tail = re.match(r"\s*to\s+be\s+good\b", norm[pos:], re.IGNORECASE)
        if tail:
            pos += tail.end()
    return found
