"""SIF (Nov 2013 - 2018) and pre-SIF (to 2013) judgements, SOURCES.md §2.1-§2.2.

SIF reports state the overall judgement in a sentence ("Children's services in Croydon are
inadequate", "The overall judgement is that children's services require improvement") and
list five numbered judgements, each followed by its grade on the same line or the next.
"""

from __future__ import annotations

import re

from crawler.ofsted.normalise import normalise_grade
from crawler.ofsted.rows import Row, find_rows

__all__ = ["PRE_SIF_AREAS", "SIF_AREAS", "pre_sif_judgements", "sif_judgements"]

SIF_AREAS: tuple[str, ...] = (
    "overall",
    "help_and_protection",
    "looked_after_and_permanence",
    "adoption",
    "care_leavers",
    "leadership",
)
PRE_SIF_AREAS: tuple[str, ...] = ("overall", "capacity_to_improve")

_SIF_ROWS = (
    Row("help_and_protection", ("Children who need help and protection",)),
    Row("looked_after_and_permanence", ("Children looked after and achieving permanence",)),
    Row("adoption", ("Adoption performance",)),
    Row("care_leavers", ("Experiences and progress of care leavers",)),
    Row("leadership", ("Leadership, management and governance",)),
)
_PRE_SIF_ROWS = (
    Row(
        "overall",
        (
            "Overall effectiveness of services for looked after children and young people",
            "Overall effectiveness",
        ),
    ),
    Row("capacity_to_improve", ("Capacity to improve",)),
)
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


def sif_judgements(norm: str, notes: list[str]) -> tuple[dict[str, str], int]:
    """SIF grades by kind (overall first) and where the judgement list ends."""
    found, end = find_rows(norm, _SIF_ROWS, notes)
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
    return result, end


def pre_sif_judgements(norm: str, notes: list[str]) -> tuple[dict[str, str], int]:
    return find_rows(norm, _PRE_SIF_ROWS, notes)
