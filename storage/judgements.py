"""Judgement kinds (``Judgement.area``) and which of them are the same judgement across frameworks.

Each framework names its judgements its own way; some are the same judgement under another
name (:data:`SAME_JUDGEMENT`): SIF's "children looked after and achieving permanence" is
ILACS's "children in care", SIF's "leadership, management and governance" is ILACS's "impact
of leaders". The 2018-22 combined "children in care and care leavers" row is its own kind.
Everything that compares a report with an earlier one reads this module, through one function,
:func:`storage.ratings.previous_grades` (the alert emails and rules, the LA timeline and the
change from the previous inspection in the dashboard); so do the ``carewatch ratings`` columns.
"""

from __future__ import annotations

__all__ = [
    "JUDGEMENT_KINDS",
    "JUDGEMENT_NAMES",
    "LIKE",
    "NOT_JUDGED",
    "SAME_JUDGEMENT",
    "judgement_row",
    "like_kinds",
]

#: ILACS care leavers before the January 2023 split: no separate judgement (never compared)
NOT_JUDGED = "Not judged"

#: every judgement kind a known framework makes, in display order
JUDGEMENT_KINDS: tuple[str, ...] = (
    "overall",
    "leaders",
    "leadership",
    "help_and_protection",
    "in_care",
    "looked_after_and_permanence",
    "in_care_and_care_leavers",
    "care_leavers",
    "adoption",
    "capacity_to_improve",
)

#: short display names (alert subject lines and bodies)
JUDGEMENT_NAMES: dict[str, str] = {
    "overall": "Overall effectiveness",
    "leaders": "Leaders",
    "leadership": "Leadership",
    "help_and_protection": "Help and protection",
    "in_care": "Children in care",
    "looked_after_and_permanence": "Children looked after",
    "in_care_and_care_leavers": "Children in care and care leavers",
    "care_leavers": "Care leavers",
    "adoption": "Adoption",
    "capacity_to_improve": "Capacity to improve",
}

#: kinds that are one judgement under different frameworks' names, the current (ILACS) name first
SAME_JUDGEMENT: tuple[tuple[str, ...], ...] = (
    ("leaders", "leadership"),
    ("in_care", "looked_after_and_permanence"),
)

#: judgement kind -> the kinds that judge the same thing in other frameworks (itself first)
LIKE: dict[str, tuple[str, ...]] = {
    kind: (kind, *(other for other in group if other != kind)) for group in SAME_JUDGEMENT for kind in group
}


def like_kinds(kind: str) -> tuple[str, ...]:
    """The kinds comparable with ``kind`` (itself first; unknown kinds only match themselves)."""
    return LIKE.get(kind, (kind,))


def judgement_row(kind: str) -> str:
    """The one key ``kind`` and its likes share (the current framework's name): the row of a
    timeline, the key a kind is compared under. ``looked_after_and_permanence`` -> ``in_care``."""
    return next((group[0] for group in SAME_JUDGEMENT if kind in group), kind)
