"""Croydon's reports (URN 80492), SOURCES.md §6; see tests/pdfs/__init__.py for what is invented."""

from __future__ import annotations

from datetime import date

from tests.pdfs.fixture import CROYDON_URN, FixtureReport
from tests.pdfs.texts import (
    ILACS_CL,
    ILACS_COMBINED,
    ILACS_HP,
    ILACS_IN_CARE,
    ILACS_LEADERS,
    RI,
    _focused,
    _ilacs,
    _monitoring,
    _sif,
)


def _croydon() -> list[FixtureReport]:
    sif_grades = ("Inadequate", "Inadequate", "Requires improvement", "Requires improvement",
                  "Inadequate")  # fmt: skip
    return [
        FixtureReport(
            "croydon_sif_2017", 50000101, CROYDON_URN, "London Borough of Croydon",
            "Children’s services inspection, pdf - 04 September 2017",
            lambda: _sif(
                "Croydon", "20 June – 13 July 2017", "4 September 2017",
                "Children’s services in Croydon are inadequate", sif_grades,
                "Marion Fixture HMI",
            ),
            {
                "report_type": "sif", "framework": "sif",
                "inspection_start": date(2017, 6, 20), "inspection_end": date(2017, 7, 13),
                "published_on": date(2017, 9, 4), "lead_inspector": "Marion Fixture",
                "overall": "Inadequate", "graded": True,
                "judgements": {
                    "overall": "Inadequate", "help_and_protection": "Inadequate",
                    "looked_after_and_permanence": "Inadequate", "adoption": RI,
                    "care_leavers": RI, "leadership": "Inadequate",
                },
            },
        ),
        FixtureReport(
            "croydon_mv2_2018", 50000102, CROYDON_URN, "London Borough of Croydon",
            "Children’s services monitoring visit, pdf - 10 May 2018",
            lambda: _monitoring(
                "the London Borough of Croydon", "20 and 21 March 2018", "second",
                "September 2017", "10 May 2018", "Hugh Testwell",
            ),
            {
                "report_type": "monitoring_visit", "framework": None,
                "inspection_start": date(2018, 3, 20), "inspection_end": date(2018, 3, 21),
                "lead_inspector": "Hugh Testwell", "graded": False, "judgements": {},
                "priority_action": False,
            },
            note="visit days and letter date invented (SOURCES: March 2018, reported May 2018)",
        ),
        FixtureReport(
            "croydon_mv5_2019", 50000103, CROYDON_URN, "London Borough of Croydon",
            "Children’s services monitoring visit, pdf - 14 March 2019",
            lambda: _monitoring(
                "the London Borough of Croydon", "19 and 20 February 2019", "fifth",
                "September 2017", "14 March 2019", "Hugh Testwell",
            ),
            {
                "report_type": "monitoring_visit",
                "inspection_start": date(2019, 2, 19), "inspection_end": date(2019, 2, 20),
                "graded": False, "judgements": {},
            },
        ),
        FixtureReport(
            "croydon_mv6_2019", 50000104, CROYDON_URN, "London Borough of Croydon",
            "Children’s services monitoring visit, pdf - 02 August 2019",
            lambda: _monitoring(
                "the London Borough of Croydon", "10 and 11 July 2019", "sixth and final",
                "September 2017", "2 August 2019", "Hugh Testwell",
            ),
            {
                "report_type": "monitoring_visit",
                "inspection_start": date(2019, 7, 10), "inspection_end": date(2019, 7, 11),
                "graded": False,
            },
        ),
        FixtureReport(
            "croydon_mv_oct_2019", 50000105, CROYDON_URN, "London Borough of Croydon",
            # stand-in for the unconfirmed monitoring-visit label: classify_label -> "other"
            "Local authority children’s services letter, pdf - 18 December 2019",
            lambda: _monitoring(
                "the London Borough of Croydon", "16 and 17 October 2019", "final",
                "September 2017", "18 December 2019", "Hugh Testwell",
            ),
            {
                "report_type": "monitoring_visit",
                "inspection_start": date(2019, 10, 16), "inspection_end": date(2019, 10, 17),
                "graded": False,
            },
            note="unknown label: type must come from the letter's opening sentence",
        ),
        FixtureReport(
            "croydon_ilacs_2020", 50000106, CROYDON_URN, "London Borough of Croydon",
            "Children’s services inspection, pdf - 13 March 2020",
            lambda: _ilacs(
                "London Borough of Croydon", "3 February 2020 to 14 February 2020",
                "Marion Fixture, Her Majesty’s Inspector",
                [
                    (ILACS_LEADERS, "Good"), (ILACS_HP, "Good"),
                    (ILACS_COMBINED, "Requires improvement to be good"),
                    ("Overall effectiveness", "Good"),
                ],
                old_title=True, grade_width=20,
            ),
            {
                "report_type": "ilacs_standard", "framework": "ilacs_2018",
                "inspection_start": date(2020, 2, 3), "inspection_end": date(2020, 2, 14),
                "published_on": None, "lead_inspector": "Marion Fixture", "overall": "Good",
                "judgements": {
                    "leaders": "Good", "help_and_protection": "Good",
                    "in_care_and_care_leavers": RI, "care_leavers": "Not judged",
                    "overall": "Good",
                },
            },
            note="publication date invented",
        ),
        FixtureReport(
            "croydon_fv_2021", 50000107, CROYDON_URN, "London Borough of Croydon",
            "Children’s services focused visit, pdf - 26 July 2021",
            lambda: _focused(
                "Croydon", "15 and 16 June 2021", "26 July 2021", "Hugh Testwell",
                priority=False,
            ),
            {
                "report_type": "focused_visit", "framework": None,
                "inspection_start": date(2021, 6, 15), "inspection_end": date(2021, 6, 16),
                "lead_inspector": "Hugh Testwell", "graded": False, "judgements": {},
                "priority_action": False,
            },
        ),
        FixtureReport(
            "croydon_ilacs_2024", 50263391, CROYDON_URN, "London Borough of Croydon",
            "Children’s services inspection, pdf - 06 December 2024",
            lambda: _ilacs(
                "Croydon", "14 to 25 October 2024",
                "Marion Fixture, His Majesty’s Inspector",
                [
                    (ILACS_LEADERS, "Good"), (ILACS_HP, "Requires improvement to be good"),
                    (ILACS_IN_CARE, "Good"), (ILACS_CL, "Good"),
                    ("Overall effectiveness", "Good"),
                ],
            ),
            {
                "report_type": "ilacs_standard", "framework": "ilacs_2023",
                "inspection_start": date(2024, 10, 14), "inspection_end": date(2024, 10, 25),
                "lead_inspector": "Marion Fixture", "overall": "Good", "graded": True,
                "judgements": {
                    "leaders": "Good", "help_and_protection": RI, "in_care": "Good",
                    "care_leavers": "Good", "overall": "Good",
                },
            },
            note="real file id; publication date and grades other than overall/H&P invented",
        ),
    ]  # fmt: skip
