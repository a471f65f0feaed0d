"""Judgements as the unit of alerts: which ones a rule looks at, what changed, worst first.

Each judgement of a report is compared with its like in the LA's latest earlier inspection that
graded it, as the dashboard compares it (:func:`storage.ratings.previous_grades`,
:data:`storage.judgements.LIKE`): SIF "children looked after" with ILACS "children in care", SIF
"leadership" with ILACS "leaders", and every other kind with itself, so a 2026 report's four
judgements are compared with the previous report's same four and its missing overall grade is
not a change. "Not judged" is never compared.
"""

from __future__ import annotations

from collections.abc import Iterable

from crawler.ofsted.normalise import GRADES
from storage.judgements import JUDGEMENT_KINDS, JUDGEMENT_NAMES, NOT_JUDGED, like_kinds

__all__ = [
    "GRADE_SHORT",
    "JUDGEMENT_KINDS",
    "expand_kinds",
    "judgement_name",
    "worst_first",
]

#: shorter grade names where space is tight (subject lines, tables)
GRADE_SHORT = {"Requires improvement to be good": "Requires improvement"}
_SEVERITY = {grade: i for i, grade in enumerate(reversed(GRADES))}  # Inadequate = 0


def judgement_name(kind: str) -> str:
    """Display name of a judgement kind ("Help and protection"); unknown kinds from their key."""
    return JUDGEMENT_NAMES.get(kind) or kind.replace("_", " ").capitalize()


def expand_kinds(kinds: Iterable[str]) -> frozenset[str]:
    """The kinds a rule's ``judgements`` list stands for, with their likes in other frameworks."""
    return frozenset(like for kind in kinds for like in like_kinds(kind))


def worst_first(judgements: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Judgements ordered worst grade first, then in the framework's display order."""
    order = {k: i for i, k in enumerate(JUDGEMENT_KINDS)}
    return sorted(
        (j for j in judgements if j[1] != NOT_JUDGED),
        key=lambda j: (_SEVERITY.get(j[1], len(_SEVERITY)), order.get(j[0], len(order)), j[0]),
    )
