"""Reports after the April 2026 ILACS reform, a report in an unknown (2027-style) framework,
and the kinds of "whole report" facts: lead-inspector variants, letter heads, LA-name
variants, numeric dates, an image-only PDF, an area SEND team table.

The 2026 wording is modelled on the 2023-26 reports (same row labels, no "Overall
effectiveness" row), since only the judgements that remain are public; the 2027 framework's
labels are **invented** (its details are not public) and stand for "labels the parser does not
know". Every authority but Croydon is fictional.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tests.pdfs.fixture import CROYDON_URN, FixtureReport
from tests.pdfs.layout import Line, build_pdf, image_only_pdf, para, table
from tests.pdfs.texts import (
    _BODY,
    _SEND_SENTENCES,
    ILACS_CL,
    ILACS_HP,
    ILACS_IN_CARE,
    ILACS_LEADERS,
    RI,
    _letter,
)

#: the sentence a 2026 report may carry about the last inspection: never a grade of this one
PREVIOUSLY_INADEQUATE = (
    "At its previous standard inspection, the local authority was previously judged inadequate "
    "for overall effectiveness. Since then, leaders have stabilised the workforce."
)


def ilacs_2026_pdf(
    la: str,
    dates: str,
    lead_lines: Sequence[str],
    rows: Sequence[tuple[str, str]],
    *,
    narrative: str = PREVIOUSLY_INADEQUATE,
    valign: str = "after",
    la_line: str = "",
) -> bytes:
    """An ILACS report after the reform: four judgements, no overall effectiveness row, the
    grades on the line after each wrapped label (``valign="after"``)."""
    title = f"Inspection of {la} local authority children’s services"
    page1: list[Line] = [
        la_line,
        title,
        "",
        f"Inspection dates: {dates}",
        *lead_lines,
        "",
        *table(rows, valign=valign, label_width=44, grade_width=21),
        *para(narrative),
        *para(_BODY),
    ]
    page2: list[Line] = ["What needs to improve?", *para(_BODY)]
    for label, grade in rows:
        page2 += para(f"{label}: {grade.lower()}")
        page2 += para(_BODY)
    page2 += [f"Ofsted {la}", "Inspection of local authority children’s services"]
    return build_pdf([page1, page2], title=title)


def unknown_framework_pdf(la: str, dates: str, inspector: str) -> bytes:
    """A graded report whose table rows no known framework has (invented labels)."""
    rows = [
        ("How well leaders make a difference for children and families", "Good"),
        ("Children and families who need help", "Requires improvement to be good"),
        ("Children who need protection", "Inadequate"),
        ("Children in care and young people leaving care", "Good"),
    ]
    page1: list[Line] = [
        f"Inspection of {la} children and families services",
        "",
        f"Inspection dates: {dates}",
        f"Lead inspector: {inspector}, His Majesty’s Inspector",
        "",
        *table(rows, grade_width=40, label_width=60),
        *para(_BODY),
    ]
    return build_pdf([page1], title=f"Inspection of {la} children and families services")


def send_team_table_pdf(la: str, dates: str) -> bytes:
    """An area SEND report whose lead inspector is only named in the team table, the role
    wrapped onto the next line and a CQC inspector's cell beside it."""
    page1: list[Line] = [
        f"Area SEND inspection of {la} Local Area Partnership",
        f"Inspection dates: {dates}",
        "",
        "Inspection outcome",
        *para(_SEND_SENTENCES["inconsistent experiences"]),
        "Information about the local area partnership",
        *para(_BODY),
        "Inspection team",
        ((56.0, "Ofsted"), (320.0, "Care Quality Commission")),
        ((56.0, "Priya Placeholder, Ofsted HMI, lead"), (320.0, "Colin Carer, CQC lead inspector")),
        ((56.0, "inspector"), (320.0, "")),
        ((56.0, "Ola Other, Ofsted Inspector"), (320.0, "Cara Second, CQC inspector")),
    ]
    return build_pdf([page1], title=f"Area SEND inspection of {la}")


def numeric_dates_letter_pdf(la: str) -> bytes:
    """A monitoring letter dated and describing its visit with numeric dates."""
    return _letter(
        f"Monitoring visit to {la} children’s services",
        "1/06/2015",
        f"This letter summarises the findings of the monitoring visit to {la} children’s "
        "services on 12/05/2015 – 13/05/2015. This was the third monitoring visit since the "
        "local authority was judged inadequate in March 2014. Her Majesty’s Inspectors for "
        "this visit were Hugh Testwell and Sam Secondary.",
        "Hugh Testwell",
        [("Areas covered by the visit", _BODY)],
    )


_FOUR_2026 = [
    (ILACS_LEADERS, RI),
    (ILACS_HP, "Inadequate"),
    (ILACS_IN_CARE, "Good"),
    (ILACS_CL, "Good"),
]


def croydon_2026_pdf() -> bytes:
    """Croydon's 2026 ILACS report (invented: the replica's "new report" scenario)."""
    return ilacs_2026_pdf(
        "Croydon", "2 to 13 November 2026",
        ["Lead inspector: Marion Fixture", "Deputy lead inspector: Hugh Testwell"],
        _FOUR_2026, la_line="London Borough of Croydon",
    )  # fmt: skip


def _reform() -> list[FixtureReport]:
    return [
        FixtureReport(
            "northmoor_ilacs_2026_reform", 50000501, "80903", "Northmoor Council",
            "Children’s services inspection, pdf - 26 June 2026",
            lambda: ilacs_2026_pdf(
                "Northmoor", "4 to 15 May 2026",
                ["Lead inspectors: Dana Sample, Robin Example"], _FOUR_2026,
            ),
            {
                "report_type": "ilacs_standard", "framework": "ilacs_2026",
                "inspection_start": date(2026, 5, 4), "inspection_end": date(2026, 5, 15),
                "lead_inspector": "Dana Sample", "overall": None, "graded": True,
                "la_name": "Northmoor",
                "judgements": {"leaders": RI, "help_and_protection": "Inadequate",
                               "in_care": "Good", "care_leavers": "Good"},
            },
            note="2026 reform: no overall row; narrative about a previous overall grade",
        ),
        FixtureReport(
            "southvale_unknown_framework_2027", 50000502, "80904", "Southvale Council",
            "Children’s services inspection, pdf - 14 May 2027",
            lambda: unknown_framework_pdf("Southvale", "8 to 19 March 2027", "Dana Sample"),
            {
                "framework": "framework_unknown", "graded": True, "overall": None,
                "inspection_start": date(2027, 3, 8), "lead_inspector": "Dana Sample",
                "judgements": {
                    "how_well_leaders_make_difference_for_children_families": "Good",
                    "children_families_who_need_help": RI,
                    "children_who_need_protection": "Inadequate",
                    "children_in_care_young_people_leaving_care": "Good",
                },
            },
            note="invented labels standing in for the 2027 framework",
        ),
        FixtureReport(
            "westshire_send_team_table_2025", 50000503, "80901", "Westshire Council",
            "Area SEND full inspection, pdf - 11 April 2025",
            lambda: send_team_table_pdf("Westshire", "3 to 7 March 2025"),
            {"report_type": "area_send", "lead_inspector": "Priya Placeholder",
             "send_outcome": "inconsistent experiences", "la_name": "Westshire"},
        ),
        FixtureReport(
            "dalesbury_mv_numeric_dates_2015", 50000504, "80905", "Dalesbury County Council",
            "Children’s services monitoring visit, pdf - 01 June 2015",
            lambda: numeric_dates_letter_pdf("Dalesbury"),
            {"report_type": "monitoring_visit", "published_on": date(2015, 6, 1),
             "inspection_start": date(2015, 5, 12), "inspection_end": date(2015, 5, 13),
             "lead_inspector": "Hugh Testwell", "la_name": "Dalesbury"},
        ),
        FixtureReport(
            "eastborough_image_only_2025", 50000505, "80902", "Eastborough Council",
            "Children’s services focused visit, pdf - 03 March 2025",
            lambda: image_only_pdf(2), status="unreadable",
            note="scanned pages, no text layer",
        ),
    ]  # fmt: skip


__all__ = [
    "CROYDON_URN",
    "PREVIOUSLY_INADEQUATE",
    "croydon_2026_pdf",
    "ilacs_2026_pdf",
    "numeric_dates_letter_pdf",
    "send_team_table_pdf",
    "unknown_framework_pdf",
]
