"""Inspection frameworks and the judgements each one makes (DESIGN.md "Domain facts").

A graded report belongs to one framework, stored as a code in ``Report.framework`` and on
each of its judgement rows:

=====================  ======================================================================
code                   framework
=====================  ======================================================================
``pre_sif``            pre-SIF looked-after-children inspections (to 2013): overall, capacity
``sif``                single inspection framework (Nov 2013 - 2018): overall + 5 judgements
``ilacs_2018``         ILACS, inspections starting before 1 January 2023: leaders, help and
                       protection, one combined "children in care and care leavers" row, overall
``ilacs_2023``         ILACS, inspections starting 1 January 2023 - 31 March 2026: children in
                       care and care leavers judged apart, overall
``ilacs_2026``         ILACS after the April 2026 reform (announced 27 November 2025): leaders,
                       help and protection, children in care, care leavers; **no overall
                       effectiveness judgement**
``framework_unknown``  a graded report whose table matches none of the above (the renewed
                       "children and families services" framework is planned for 2027):
                       every grade row found is stored under a key made from its label
=====================  ======================================================================

Ungraded letters (focused and monitoring visits, JTAIs) and area SEND reports have no
framework (``None``).

The judgement kinds (the ``area`` of a judgement row), their display names and which of them
are the same judgement in another framework (``LIKE``: SIF's "children looked after and
achieving permanence" is ILACS's "children in care") live in :mod:`storage.judgements`, so
that storage, the dashboard and the alert rules compare like with like; they are re-exported
here for the parsers.
"""

from __future__ import annotations

from datetime import date

from storage.judgements import JUDGEMENT_KINDS, JUDGEMENT_NAMES, LIKE, like_kinds

__all__ = [
    "FRAMEWORKS",
    "FRAMEWORK_JUDGEMENTS",
    "FRAMEWORK_NAMES",
    "FW_ILACS_2018",
    "FW_ILACS_2023",
    "FW_ILACS_2026",
    "FW_PRE_SIF",
    "FW_SIF",
    "FW_UNKNOWN",
    "ILACS_REFORM_DATE",
    "ILACS_SPLIT_DATE",
    "JUDGEMENT_KINDS",
    "JUDGEMENT_NAMES",
    "LIKE",
    "ilacs_framework_for",
    "like_kinds",
]

FW_PRE_SIF = "pre_sif"
FW_SIF = "sif"
FW_ILACS_2018 = "ilacs_2018"
FW_ILACS_2023 = "ilacs_2023"
FW_ILACS_2026 = "ilacs_2026"
FW_UNKNOWN = "framework_unknown"

FRAMEWORKS: tuple[str, ...] = (
    FW_PRE_SIF, FW_SIF, FW_ILACS_2018, FW_ILACS_2023, FW_ILACS_2026, FW_UNKNOWN,
)  # fmt: skip

#: short names for subject lines and tables
FRAMEWORK_NAMES: dict[str, str] = {
    FW_PRE_SIF: "pre-SIF",
    FW_SIF: "SIF",
    FW_ILACS_2018: "ILACS 2018–22",
    FW_ILACS_2023: "ILACS 2023–26",
    FW_ILACS_2026: "ILACS 2026",
    FW_UNKNOWN: "unknown framework",
}

#: ILACS inspections starting on or after this date judge children in care and care leavers apart
ILACS_SPLIT_DATE = date(2023, 1, 1)
#: ILACS inspections starting on or after this date have no overall effectiveness judgement
ILACS_REFORM_DATE = date(2026, 4, 1)

FRAMEWORK_JUDGEMENTS: dict[str, tuple[str, ...]] = {
    FW_PRE_SIF: ("overall", "capacity_to_improve"),
    FW_SIF: ("overall", "help_and_protection", "looked_after_and_permanence", "adoption",
             "care_leavers", "leadership"),
    FW_ILACS_2018: ("leaders", "help_and_protection", "in_care_and_care_leavers", "care_leavers",
                    "overall"),
    FW_ILACS_2023: ("leaders", "help_and_protection", "in_care", "care_leavers", "overall"),
    FW_ILACS_2026: ("leaders", "help_and_protection", "in_care", "care_leavers"),
}  # fmt: skip


def ilacs_framework_for(start: date) -> str:
    """The ILACS framework an inspection starting on ``start`` was made under."""
    if start >= ILACS_REFORM_DATE:
        return FW_ILACS_2026
    if start >= ILACS_SPLIT_DATE:
        return FW_ILACS_2023
    return FW_ILACS_2018
