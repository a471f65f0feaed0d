"""Frameworks made explicit (ILACS 2018-22, 2023-26, the April 2026 reform, unknown ones) and
the facts read from the whole report: LA name, lead inspector, letter dates, excerpt."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.ofsted import (
    FW_ILACS_2018,
    FW_ILACS_2023,
    FW_ILACS_2026,
    FW_UNKNOWN,
    PdfError,
    extract_pdf_text,
    parse_date_range,
    parse_report,
)
from tests.pdfs import FIXTURE_REPORTS, RI, croydon_2026_pdf

ROWS_2026 = (
    "Judgement Grade The impact of leaders on social work practice with children and families "
    "Requires improvement to be good The experiences and progress of children who need help and "
    "protection Inadequate The experiences and progress of children in care Good The experiences "
    "and progress of care leavers Good "
)


def test_2026_report_has_four_judgements_and_no_overall_by_its_dates() -> None:
    text = ("Inspection of Northmoor local authority children's services Inspection dates: 4 to 15 "
            "May 2026 " + ROWS_2026 + "Northmoor was previously judged inadequate for overall "
            "effectiveness. Good progress has been made.")
    parsed = parse_report(text)
    assert parsed.framework == FW_ILACS_2026
    assert parsed.judgements == {"leaders": RI, "help_and_protection": "Inadequate",
                                 "in_care": "Good", "care_leavers": "Good"}
    assert parsed.overall is None
    assert not any("overall" in note for note in parsed.notes)  # normal, not a defect


def test_2026_shape_decides_when_dates_are_unreadable() -> None:
    text = ("Inspection of X local authority children's services Inspection dates: soon "
            + ROWS_2026 + "The local authority was previously judged inadequate for overall "
            "effectiveness: Good leaders arrived since.")
    parsed = parse_report(text)
    assert parsed.framework == FW_ILACS_2026 and parsed.overall is None


def test_2023_split_table_with_overall_is_ilacs_2023() -> None:
    text = ("Inspection of X local authority children's services Inspection dates: 14 to 25 "
            "October 2024 " + ROWS_2026 + "Overall effectiveness Good")
    parsed = parse_report(text)
    assert parsed.framework == FW_ILACS_2023 and parsed.overall == "Good"


def test_combined_row_before_2023_is_ilacs_2018() -> None:
    text = ("Inspection of X local authority children's services Inspection dates: 5 to 16 "
            "December 2022 Judgement Grade The impact of leaders on social work practice with "
            "children and families Good The experiences and progress of children who need help and "
            "protection Good The experiences and progress of children in care and care leavers "
            "Good Overall effectiveness Good")
    parsed = parse_report(text)
    assert parsed.framework == FW_ILACS_2018
    assert parsed.judgements["care_leavers"] == "Not judged"


def test_overall_row_after_the_reform_is_an_unknown_framework_with_every_row_kept() -> None:
    text = ("Inspection of X local authority children's services Inspection dates: 4 to 15 May "
            "2026 " + ROWS_2026 + "Overall effectiveness Inadequate")
    parsed = parse_report(text)
    assert parsed.framework == FW_UNKNOWN
    assert parsed.judgements["overall"] == "Inadequate"
    assert parsed.judgements["help_and_protection"] == "Inadequate"


def test_unknown_table_is_stored_row_by_row() -> None:
    fixture = FIXTURE_REPORTS["southvale_unknown_framework_2027"]
    parsed = parse_report(extract_pdf_text(fixture.data).text, label_type="children's services inspection")
    assert parsed.framework == FW_UNKNOWN and parsed.graded
    assert parsed.judgements == fixture.expected["judgements"]
    assert any("framework not recognised" in n for n in parsed.notes)


def test_2026_pdf_wrapped_labels_grade_on_next_line() -> None:
    parsed = parse_report(extract_pdf_text(croydon_2026_pdf()).text,
                          label_type="children's services inspection")
    assert parsed.framework == FW_ILACS_2026
    assert parsed.judgements == {"leaders": RI, "help_and_protection": "Inadequate",
                                 "in_care": "Good", "care_leavers": "Good"}
    assert parsed.overall is None and parsed.report_type == "ilacs_standard"
    # "Lead inspector: Marion Fixture" then "Deputy lead inspector: …" on the next line
    assert parsed.lead_inspector == "Marion Fixture"


@pytest.mark.parametrize(("text", "name"), [
    ("Inspection dates: 1 to 5 May 2023\nLead inspectors: Dana Sample, Robin Example\n", "Dana Sample"),
    ("Lead inspectors: Dana Sample and Robin Example\n", "Dana Sample"),
    ("Lead inspector:\nJo Bloggs, His Majesty's Inspector\n", "Jo Bloggs"),
    ("Lead inspector: Jo Bloggs\nDeputy lead inspector: Sam Second\n", "Jo Bloggs"),
    ("Inspection team\nOfsted\nJo Bloggs, Ofsted lead inspector\nCQC\n", "Jo Bloggs"),
    ("Inspection team\nOfsted\nJo Bloggs, Ofsted HMI, lead\ninspector\nPat Other, CQC lead inspector\n",
     "Jo Bloggs"),
    ("Deputy lead inspector: Sam Second\nLead inspector: Jo Bloggs HMI\n", "Jo Bloggs"),
])
def test_lead_inspector_variants(text: str, name: str) -> None:
    assert parse_report(text).lead_inspector == name


@pytest.mark.parametrize(("text", "la"), [
    ("Inspection of Croydon local authority children's services Inspection dates: 1 to 5 May 2023",
     "Croydon"),
    ("London Borough of Croydon\nInspection of children's social care services\nInspection dates: "
     "3 February 2020 to 14 February 2020", "London Borough of Croydon"),
    ("This letter summarises the findings of the monitoring visit to the London Borough of Croydon "
     "children's services on 20 and 21 March 2018.", "London Borough of Croydon"),
    ("Focused visit to Croydon local authority children's services\nThis letter …", "Croydon"),
    ("Children's services in Bath and North East Somerset are good", "Bath and North East Somerset"),
    ("Area SEND inspection of Westshire Local Area Partnership", "Westshire"),
])
def test_la_name_as_the_document_names_it(text: str, la: str) -> None:
    assert parse_report(text).la_name == la


@pytest.mark.parametrize(("text", "start", "end"), [
    ("1/06/2015", date(2015, 6, 1), date(2015, 6, 1)),
    ("1/06/2015 to 5/06/2015", date(2015, 6, 1), date(2015, 6, 5)),
    ("2 ─ 13 November 2026", date(2026, 11, 2), date(2026, 11, 13)),
    ("2 – 13 November 2026", date(2026, 11, 2), date(2026, 11, 13)),
    ("2 — 13 November 2026", date(2026, 11, 2), date(2026, 11, 13)),
    ("28 February to 4 March 2019", date(2019, 2, 28), date(2019, 3, 4)),
])
def test_date_shapes(text: str, start: date, end: date) -> None:
    assert parse_date_range(text) == (start, end)


def test_letter_date_from_its_head() -> None:
    fixture = FIXTURE_REPORTS["dalesbury_mv_numeric_dates_2015"]
    parsed = parse_report(extract_pdf_text(fixture.data).text, label_type="monitoring_visit")
    assert parsed.published_on == date(2015, 6, 1)  # "1/06/2015" at the head of the letter
    assert (parsed.inspection_start, parsed.inspection_end) == (date(2015, 5, 12), date(2015, 5, 13))
    focused = FIXTURE_REPORTS["croydon_fv_2021"]
    assert parse_report(extract_pdf_text(focused.data).text).published_on == date(2021, 7, 26)


@pytest.mark.parametrize("key", ["croydon_mv2_2018", "croydon_fv_2021", "northmoor_jtai_2024",
                                 "croydon_ilacs_2024", "northmoor_ilacs_2026_reform"])
def test_excerpt_is_findings_never_the_letterhead(key: str) -> None:
    fixture = FIXTURE_REPORTS[key]
    parsed = parse_report(extract_pdf_text(fixture.data).text)
    assert len(parsed.excerpt) > 80
    for letterhead in ("Piccadilly Gate", "Store Street", "Manchester M1", "Dear Director",
                       "Lead inspector", "Inspection dates"):
        assert letterhead not in parsed.excerpt


def test_image_only_pdf_is_unreadable() -> None:
    with pytest.raises(PdfError) as info:
        extract_pdf_text(FIXTURE_REPORTS["eastborough_image_only_2025"].data)
    assert info.value.status == "unreadable"
    assert "no text layer" in info.value.detail
