"""Text normalisation and grade normalisation shared by the Ofsted parsers.

SOURCES.md §2.9: curly apostrophes become ``'``, non-breaking spaces become spaces and all
whitespace (newlines included) collapses to one space before any pattern is matched.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "GRADES",
    "INADEQUATE",
    "GOOD",
    "NOT_JUDGED",
    "OUTSTANDING",
    "REQUIRES_IMPROVEMENT",
    "normalise_grade",
    "normalise_text",
]

OUTSTANDING = "Outstanding"
GOOD = "Good"
REQUIRES_IMPROVEMENT = "Requires improvement to be good"
INADEQUATE = "Inadequate"
#: pre-2013 frameworks (e.g. Croydon 2012, the 2013 looked-after-children inspections)
ADEQUATE = "Adequate"
#: ILACS care leavers before the January 2023 split: no separate judgement
NOT_JUDGED = "Not judged"

#: the four-point scale, best first
GRADES: tuple[str, ...] = (OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE)

_APOSTROPHES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2212": "-",
    }
)
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """NFKC (NBSPs, ligatures), straight apostrophes, no soft hyphens, one space between words."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text.translate(_APOSTROPHES))
    return _WS.sub(" ", text).strip()


def normalise_grade(raw: str | None) -> str | None:
    """Map any grade spelling to one of :data:`GRADES` (or Adequate / Not judged), else None.

    "Requires improvement", "Require improvement", "Requires Improvement" split over lines,
    "requires improvement to be good" and a stray "to be good" fragment (D2I's rule) are all
    :data:`REQUIRES_IMPROVEMENT`.
    """
    if raw is None:
        return None
    s = normalise_text(raw).lower()
    if not s:
        return None
    if "not judged" in s:
        return NOT_JUDGED
    if "improvement" in s or re.search(r"\bbe good\w*", s):
        return REQUIRES_IMPROVEMENT
    if "inadequate" in s:
        return INADEQUATE
    if "outstanding" in s:
        return OUTSTANDING
    if re.search(r"\bgood\b", s):
        return GOOD
    if re.search(r"\badequate\b", s):
        return ADEQUATE
    return None
