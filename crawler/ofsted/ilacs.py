"""ILACS judgements: the 2018-22, 2023-26 and April 2026 tables (SOURCES.md §2.3-§2.4).

The framework follows the inspection *start* date (:func:`ilacs_framework_for`); the table's
shape confirms it, and decides when the dates are unreadable:

* combined "children in care and care leavers" row -> ``ilacs_2018`` (care leavers stored
  as "Not judged", never a copy of the combined grade);
* split rows with an "Overall effectiveness" row -> ``ilacs_2023``;
* split rows and no overall row -> ``ilacs_2026`` (the reform: no overall judgement, which
  is normal, not a defect).

An overall grade is only taken from the table (the "Overall effectiveness" row right after
the other rows), never from narrative such as "was previously judged inadequate for overall
effectiveness". A table that matches no known shape is read row by row and marked
``framework_unknown``.
"""

from __future__ import annotations

import re
from datetime import date

from crawler.ofsted.frameworks import (
    FRAMEWORK_JUDGEMENTS,
    FW_ILACS_2018,
    FW_ILACS_2023,
    FW_ILACS_2026,
    FW_UNKNOWN,
    ilacs_framework_for,
)
from crawler.ofsted.normalise import NOT_JUDGED
from crawler.ofsted.rows import Row, find_rows, generic_rows, label_key, row_grade

__all__ = ["ILACS_AREAS_COMBINED", "ILACS_AREAS_REFORM", "ILACS_AREAS_SPLIT", "ilacs_judgements"]

ILACS_AREAS_COMBINED = FRAMEWORK_JUDGEMENTS[FW_ILACS_2018]
ILACS_AREAS_SPLIT = FRAMEWORK_JUDGEMENTS[FW_ILACS_2023]
ILACS_AREAS_REFORM = FRAMEWORK_JUDGEMENTS[FW_ILACS_2026]

_COMMON = (
    Row("leaders", ("The impact of leaders on social work practice with children and families",)),
    Row(
        "help_and_protection",
        ("The experiences and progress of children who need help and protection",),
    ),
)
_OVERALL = Row("overall", ("Overall effectiveness",))
_COMBINED = Row(
    "in_care_and_care_leavers",
    (
        "The experiences and progress of children in care and care leavers",
        "The experiences and progress of children looked after and care leavers",
    ),
)
_SPLIT = (
    Row(
        "in_care",
        ("The experiences and progress of children in care",),
        not_followed_by=r"and\s+care\s+leavers",
    ),
    Row("care_leavers", ("The experiences and progress of care leavers",)),
)
_KNOWN_ROWS = (*_COMMON, _COMBINED, *_SPLIT, _OVERALL)
#: the overall row follows the other rows within this many characters (no sentence between)
_OVERALL_REACH = 40
#: narrative, not a table row: "judged inadequate for overall effectiveness", "its overall …"
_NARRATIVE_BEFORE = re.compile(r"\b(?:for|of|its|their|the|judged|on|in|and)\s*$", re.IGNORECASE)


def _table_overall(norm: str, table_end: int) -> tuple[str | None, int]:
    """The "Overall effectiveness" grade of the table (the row right after the others), never
    one read out of the narrative."""
    for m in _OVERALL.pattern().finditer(norm):
        if _NARRATIVE_BEFORE.search(norm[max(0, m.start() - 12) : m.start()]):
            continue
        heading = re.match(r"overall effectiveness\s*:", m.group(0), re.IGNORECASE)
        if table_end and not heading:  # "Overall effectiveness: good" in the body counts too
            gap = norm[table_end : m.start()]
            if m.start() < table_end or len(gap) > _OVERALL_REACH or re.search(r"[.;:]", gap):
                continue
        grade = row_grade(m)
        if grade:
            return grade, m.end()
    return None, table_end


def _read_table(norm: str) -> tuple[dict[str, str], int]:
    """Every row of the grade table, known labels under their usual kind, and how many
    labels are unknown."""
    out: dict[str, str] = {}
    strange = 0
    for label, grade in generic_rows(norm):
        key = next((r.key for r in _KNOWN_ROWS if r.pattern().fullmatch(label)), None)
        if key is None:
            key, strange = label_key(label), strange + 1
        out.setdefault(key, grade)
    return out, strange


def _shape(norm: str, start: date | None) -> str | None:
    """The framework by start date, else by which rows the table has."""
    if start is not None:
        return ilacs_framework_for(start)
    scratch: list[str] = []
    combined, _ = find_rows(norm, (_COMBINED,), scratch)
    if combined:
        return FW_ILACS_2018
    split, _ = find_rows(norm, _SPLIT, scratch)
    return FW_ILACS_2023 if split else None


def ilacs_judgements(
    norm: str, start: date | None, notes: list[str]
) -> tuple[dict[str, str], str | None, int]:
    """Grades by kind, the framework code and the offset where the table ends."""
    framework = _shape(norm, start)
    if start is None:
        notes.append("inspection start unknown: framework decided from the table rows")
    rows = (*_COMMON, _COMBINED) if framework == FW_ILACS_2018 else (*_COMMON, *_SPLIT)
    found, table_end = find_rows(norm, rows, notes)
    overall, end_o = _table_overall(norm, table_end)
    end = max(table_end, end_o)
    if framework == FW_ILACS_2023 and start is None and overall is None:
        framework = FW_ILACS_2026
    complete = all(r.key in found for r in rows)
    mismatch = framework == FW_ILACS_2026 and overall is not None
    if mismatch:
        notes.append("an overall effectiveness row in a report inspected after the April 2026 "
                     "reform: framework not recognised")
    if framework is None or not complete or mismatch:
        read, strange = _read_table(norm)
        if mismatch and overall is not None:
            read = {**found, "overall": overall, **read}
        if read and (strange or framework is None or mismatch):
            notes.append(f"framework not recognised; grade rows stored as read: {sorted(read)}")
            return read, FW_UNKNOWN, end
        if framework is None:
            return {}, None, 0
        # a known framework with rows missing from a scrambled table: keep what was read
        notes.append(f"{framework}: rows not found: {[r.key for r in rows if r.key not in found]}")

    if framework == FW_ILACS_2018:
        found["care_leavers"] = NOT_JUDGED
    elif "in_care" not in found and "children in care and care leavers" in norm.lower():
        notes.append("split-era inspection but only the combined children-in-care row found")
    if overall is not None and framework != FW_ILACS_2026:
        found["overall"] = overall
    elif framework in (FW_ILACS_2018, FW_ILACS_2023):
        notes.append("no overall judgement found")
    order = FRAMEWORK_JUDGEMENTS[framework]
    return {k: found[k] for k in order if k in found}, framework, end
