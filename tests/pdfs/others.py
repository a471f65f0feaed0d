"""Fictional authorities' reports (real shapes, invented facts) and the bad files."""

from __future__ import annotations

from datetime import date

from tests.pdfs.bad import (
    REPORT_NOT_FOUND_HTML,
    _flate_bomb,
    _oversized,
    _page_bomb,
    _truncated,
)
from tests.pdfs.fixture import FixtureReport
from tests.pdfs.texts import (
    ILACS_CL,
    ILACS_COMBINED,
    ILACS_HP,
    ILACS_IN_CARE,
    ILACS_LEADERS,
    RI,
    _focused,
    _ilacs,
    _jtai,
    _send,
    _sif,
)


def _others() -> list[FixtureReport]:
    return [
        FixtureReport(
            "westshire_ilacs_2019_messy_date", 50000201, "80901", "Westshire Council",
            "Children’s services inspection, pdf - 26 July 2019",
            lambda: _ilacs(
                "Westshire", "10 June 2019 to 1 9 June 2019", "Robin Example HMI",
                [
                    (ILACS_LEADERS, "Good"), (ILACS_HP, "Good"),
                    (ILACS_COMBINED, "Good"), ("Overall effectiveness", "Good"),
                ],
                old_title=True,
            ),
            {
                "report_type": "ilacs_standard", "inspection_start": date(2019, 6, 10),
                "inspection_end": date(2019, 6, 19), "lead_inspector": "Robin Example",
                "judgements": {
                    "leaders": "Good", "help_and_protection": "Good",
                    "in_care_and_care_leavers": "Good", "care_leavers": "Not judged",
                    "overall": "Good",
                },
            },
            note="Wiltshire's split-digit date shape",
        ),
        FixtureReport(
            "eastborough_ilacs_2023_first_split", 50000202, "80902", "Eastborough Council",
            "children’s services inspection, pdf - 10 march 2023",
            lambda: _ilacs(
                "Eastborough", "16\u00a0to\u00a027\u00a0January\u00a020 23",
                "Dana Sample, His Majesty’s Inspector",
                [
                    (ILACS_LEADERS, "Requires Improvement to be good"),
                    (ILACS_HP, "Requires improvement to be good"),
                    (ILACS_IN_CARE, "Inadequate"),
                    (ILACS_CL, "Require improvement to be good"),
                    ("Overall effectiveness", "Requires Improvement to be good"),
                ],
                valign="middle", grade_width=12,
            ),
            {
                "report_type": "ilacs_standard", "inspection_start": date(2023, 1, 16),
                "inspection_end": date(2023, 1, 27), "lead_inspector": "Dana Sample",
                "overall": RI,
                "judgements": {
                    "leaders": RI, "help_and_protection": RI, "in_care": "Inadequate",
                    "care_leavers": RI, "overall": RI,
                },
            },
            note="Bristol's boundary dates; NBSPs, split year, grades wrapped mid-phrase",
        ),
        FixtureReport(
            "northmoor_ilacs_2022_last_combined", 50000203, "80903", "Northmoor Council",
            "Children’s services inspection, pdf - 01 February 2023",
            lambda: _ilacs(
                "Northmoor", "5 to 16 December 2022", "Robin Example HMI",
                [
                    (ILACS_LEADERS, "Inadequate"), (ILACS_HP, "Inadequate"),
                    (ILACS_COMBINED, "Requires improvement to be good"),
                    ("Overall effectiveness", "Inadequate"),
                ],
                grade_width=14,
            ),
            {
                "report_type": "ilacs_standard", "inspection_start": date(2022, 12, 5),
                "inspection_end": date(2022, 12, 16), "overall": "Inadequate",
                "judgements": {
                    "leaders": "Inadequate", "help_and_protection": "Inadequate",
                    "in_care_and_care_leavers": RI, "care_leavers": "Not judged",
                    "overall": "Inadequate",
                },
            },
            note="Blackpool's boundary dates: inspected Dec 2022, published 2023, combined row",
        ),
        FixtureReport(
            "southvale_ilacs_short_2023", 50000204, "80904", "Southvale Council",
            "Children’s services inspection, pdf - 18 August 2023",
            lambda: _ilacs(
                "Southvale", "3 to 7 July 2023", "Dana Sample, His Majesty’s Inspector",
                [
                    (ILACS_LEADERS, "Outstanding"), (ILACS_HP, "Outstanding"),
                    (ILACS_IN_CARE, "Good"), (ILACS_CL, "Outstanding"),
                    ("Overall effectiveness", "Outstanding"),
                ],
            ),
            {
                "report_type": "ilacs_short", "inspection_start": date(2023, 7, 3),
                "inspection_end": date(2023, 7, 7), "overall": "Outstanding",
                "judgements": {
                    "leaders": "Outstanding", "help_and_protection": "Outstanding",
                    "in_care": "Good", "care_leavers": "Outstanding", "overall": "Outstanding",
                },
            },
        ),
        FixtureReport(
            "dalesbury_ilacs_2019_two_blocks", 50000205, "80905", "Dalesbury County Council",
            "Children’s services inspection, pdf - 20 September 2019",
            lambda: _ilacs(
                "Dalesbury",
                "8 July 2019 to 12 July 2019 and 7 August 2019 to 8 August 2019",
                "Robin Example HMI",
                [
                    (ILACS_LEADERS, "Good"), (ILACS_HP, "Requires improvement to be good"),
                    (ILACS_COMBINED, "Good"), ("Overall effectiveness", "Good"),
                ],
                old_title=True,
            ),
            {
                "report_type": "ilacs_standard", "inspection_start": date(2019, 7, 8),
                "inspection_end": date(2019, 8, 8),
                "judgements": {
                    "leaders": "Good", "help_and_protection": RI,
                    "in_care_and_care_leavers": "Good", "care_leavers": "Not judged",
                    "overall": "Good",
                },
            },
            note="Derbyshire's two-block date shape",
        ),
        FixtureReport(
            "eastborough_sif_2014", 50000206, "80902", "Eastborough Council",
            "Children’s services inspection, pdf - 20 June 2014",
            lambda: _sif(
                "Eastborough", "11 March 2014 to 3 April 2014", "20 June 2014",
                "The overall judgement is that children’s services require improvement",
                ("Requires Improvement", "Require improvement", "Good", "Good",
                 "Requires improvement"),
                "Robin Example",
            ),
            {
                "report_type": "sif", "inspection_start": date(2014, 3, 11),
                "inspection_end": date(2014, 4, 3), "published_on": date(2014, 6, 20),
                "overall": RI,
                "judgements": {
                    "overall": RI, "help_and_protection": RI,
                    "looked_after_and_permanence": RI, "adoption": "Good",
                    "care_leavers": "Good", "leadership": RI,
                },
            },
        ),
        FixtureReport(
            "westshire_focused_visit_priority_2022", 50000301, "80901", "Westshire Council",
            "Children’s services focused visit, pdf - 02 December 2022",
            lambda: _focused(
                "Westshire", "18 and 19 October 2022", "2 December 2022", "Dana Sample",
                priority=True,
            ),
            {
                "report_type": "focused_visit", "inspection_start": date(2022, 10, 18),
                "inspection_end": date(2022, 10, 19), "priority_action": True,
                "graded": False, "lead_inspector": "Dana Sample",
            },
        ),
        FixtureReport(
            "northmoor_jtai_2024", 50000302, "80903", "Northmoor Council",
            "Joint area child protection inspection, pdf - 17 May 2024",
            lambda: _jtai("Northmoor", "11 and 15 March 2024", "17 May 2024", "Robin Example"),
            {
                "report_type": "jtai", "framework": None,
                "inspection_start": date(2024, 3, 11), "inspection_end": date(2024, 3, 15),
                "graded": False, "judgements": {}, "lead_inspector": "Robin Example",
            },
        ),
        FixtureReport(
            "southvale_send_positive_2024", 50000401, "80904", "Southvale Council",
            "Area SEND full inspection, pdf - 15 July 2024",
            lambda: _send("Southvale", "3 to 7 June 2024", "positive experiences", "Robin Example"),
            {
                "report_type": "area_send", "framework": None,
                "send_outcome": "positive experiences", "graded": False,
                "inspection_start": date(2024, 6, 3), "inspection_end": date(2024, 6, 7),
                "lead_inspector": "Robin Example",
            },
        ),
        FixtureReport(
            "dalesbury_send_inconsistent_2023", 50000402, "80905", "Dalesbury County Council",
            "Area SEND full inspection, pdf - 05 May 2023",
            lambda: _send(
                "Dalesbury", "27 February to 3 March 2023", "inconsistent experiences",
                "Dana Sample",
            ),
            {
                "report_type": "area_send", "send_outcome": "inconsistent experiences",
                "inspection_start": date(2023, 2, 27), "inspection_end": date(2023, 3, 3),
            },
        ),
        FixtureReport(
            "westshire_send_concerns_2024", 50000403, "80901", "Westshire Council",
            "Area SEND full inspection, pdf - 09 February 2024",
            lambda: _send(
                "Westshire", "4 to 8 December 2023", "significant concerns", "Dana Sample"
            ),
            {"report_type": "area_send", "send_outcome": "significant concerns"},
        ),
    ]  # fmt: skip


def _bad() -> list[FixtureReport]:
    return [
        FixtureReport(
            "html_report_not_found", 50000901, "80903", "Northmoor Council",
            "Children’s services inspection, pdf - 12 October 2012",
            lambda: REPORT_NOT_FOUND_HTML, status="not_a_pdf", content_type="text/html",
            note="HTML 'Report not found' page served at a PDF link, status 200",
        ),
        FixtureReport(
            "html_report_not_found_404", 50000902, "80904", "Southvale Council",
            "Children’s services inspection, pdf - 19 November 2012",
            lambda: REPORT_NOT_FOUND_HTML, status="not_a_pdf", http_status=404,
            content_type="text/html",
            note="the same page with status 404 (the real status is unconfirmed)",
        ),
        FixtureReport(
            "truncated_pdf", 50000903, "80905", "Dalesbury County Council",
            "Children’s services inspection, pdf - 01 March 2016",
            _truncated, status="pdf_unparseable", note="first third of a real fixture",
        ),
        FixtureReport(
            "oversized_pdf", 50000904, "80902", "Eastborough Council",
            "Children’s services inspection, pdf - 15 January 2016",
            _oversized, status="too_large", note="just over 32 MiB",
        ),
        FixtureReport(
            "page_bomb_10k", 50000905, "80901", "Westshire Council",
            "Children’s services inspection, pdf - 14 April 2015",
            _page_bomb, status="pdf_unparseable", note="10,000 pages, over the 200-page cap",
        ),
        FixtureReport(
            "flate_bomb", 50000906, "80903", "Northmoor Council",
            "Children’s services inspection, pdf - 22 May 2015",
            _flate_bomb, status="pdf_unparseable",
            note="content stream inflating to 256 MiB",
        ),
    ]  # fmt: skip
