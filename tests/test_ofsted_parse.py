"""Pure parsing: labels, grades, dates and page-1 report texts (tests/data/judgement_cases.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawler.ofsted import (
    FRAMEWORK_JUDGEMENTS,
    GRADES,
    REPORT_TYPES,
    SIF_AREAS,
    ParsedReport,
    classify_label,
    normalise_grade,
    parse_date_range,
    parse_label,
    parse_report,
)

CASES: dict[str, list[dict[str, Any]]] = tomllib.loads(
    (Path(__file__).parent / "data" / "judgement_cases.toml").read_text(encoding="utf-8")
)


def _none(value: Any) -> Any:
    """TOML has no null: the string "none" stands for None."""
    return None if value == "none" else value


@pytest.mark.parametrize("case", CASES["label"], ids=lambda c: c["raw"][:40])
def test_label(case: dict[str, Any]) -> None:
    label = parse_label(case["raw"])
    assert label.raw == case["raw"]
    assert label.type_label == case["type_label"]
    assert label.published_on == case.get("published_on")
    assert classify_label(label.type_label) == case["code"]


@pytest.mark.parametrize("case", CASES["grade"], ids=lambda c: c["raw"])
def test_grade(case: dict[str, Any]) -> None:
    assert normalise_grade(case["raw"]) == case.get("grade")


@pytest.mark.parametrize("case", CASES["dates"], ids=lambda c: c["text"][:40])
def test_dates(case: dict[str, Any]) -> None:
    start, end = parse_date_range(case["text"], fallback_year=case.get("fallback_year"))
    assert (start, end) == (case.get("start"), case.get("end"))


@pytest.mark.parametrize("case", CASES["report"], ids=lambda c: c["name"])
def test_report(case: dict[str, Any]) -> None:
    parsed = parse_report(
        case["text"], label_type=case.get("label_type"), published_on=case.get("published_on")
    )
    names = {f.name for f in fields(ParsedReport)}
    for key, expected in case["expect"].items():
        assert key in names, f"unknown field {key} in test case"
        assert getattr(parsed, key) == _none(expected), (key, parsed)
    # invariants for every parse
    assert parsed.report_type in REPORT_TYPES
    for area, grade in parsed.judgements.items():
        assert grade in (*GRADES, "Not judged", "Adequate"), (area, grade)
    if parsed.framework == "sif":
        assert set(parsed.judgements) <= set(SIF_AREAS)
    if parsed.framework in FRAMEWORK_JUDGEMENTS:
        assert set(parsed.judgements) <= set(FRAMEWORK_JUDGEMENTS[parsed.framework])
    if parsed.framework == "ilacs_2026":
        assert "overall" not in parsed.judgements and parsed.overall is None
    if not parsed.graded:
        assert parsed.judgements == {}


def test_care_leavers_not_judged_is_not_a_copy() -> None:
    text = (
        "Inspection of X local authority children's services Inspection dates: 5 to 16 "
        "December 2022 Judgement Grade The experiences and progress of children in care and "
        "care leavers Inadequate Overall effectiveness Inadequate"
    )
    parsed = parse_report(text)
    assert parsed.judgements["in_care_and_care_leavers"] == "Inadequate"
    assert parsed.judgements["care_leavers"] == "Not judged"
    assert "in_care" not in parsed.judgements


def test_split_follows_start_date_not_publication() -> None:
    base = (
        "Inspection of X local authority children's services Inspection dates: {d} "
        "Judgement Grade The experiences and progress of children in care Good "
        "The experiences and progress of care leavers Inadequate Overall effectiveness Good"
    )
    after = parse_report(base.format(d="16 to 27 January 2023"), published_on=date(2023, 3, 10))
    assert after.judgements["in_care"] == "Good"
    assert after.judgements["care_leavers"] == "Inadequate"
    before = parse_report(base.format(d="5 to 16 December 2022"), published_on=date(2023, 2, 1))
    assert before.judgements["care_leavers"] == "Not judged"


def test_label_type_code_or_text_accepted() -> None:
    text = "This letter summarises the findings of the monitoring visit to X on 4 and 5 May 2022."
    assert parse_report(text, label_type="monitoring_visit").report_type == "monitoring_visit"
    assert parse_report(text, label_type="Children’s services monitoring visit").report_type == (
        "monitoring_visit"
    )
    assert parse_report(text).report_type == "monitoring_visit"


def test_garbage_never_raises() -> None:
    for text in ("", " ", "\x00\x01", "Inspection dates: 99 Smarch 20 2x", "Lead inspector:"):
        parsed = parse_report(text)
        assert isinstance(parsed, ParsedReport)
    assert parse_label("").published_on is None
    assert parse_date_range("") == (None, None)


def test_no_catastrophic_backtracking() -> None:
    """Overlapping grade fragments between label words once took seconds per handful."""
    import time

    frag = " requires improvement to be good" * 300
    text = (
        "Inspection dates: 1 to 5 May 2023 Judgement Grade The experiences and progress of "
        f"children in care{frag} and care leavers The experiences{frag} xyz"
    )
    started = time.monotonic()
    parse_report(text * 3)
    assert time.monotonic() - started < 5  # was minutes before the fix; slack for busy CI
