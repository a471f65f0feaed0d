"""Realistic Ofsted report PDFs (and bad files) for tests and the Ofsted site replica.

Each :class:`FixtureReport` has a file id (50,000,000 range, as on files.ofsted.gov.uk), the
provider-page label it is listed under, a builder for its bytes and the parse it must give.
Page-1 wording follows SOURCES.md §2; tables are drawn line by line across both columns, so
text extraction interleaves a wrapped row label with its wrapped grade ("... children who" /
"Requires" / "need help and protection" / "improvement to be good") as real PDFs do.

Facts: Croydon's history (URN 80492) follows SOURCES.md §6: inspection dates, publication dates
where known, the SIF 2017 grades, ILACS 2020 overall Good with children in care and care leavers
requiring improvement, ILACS 2024 overall Good with help and protection requiring improvement,
file id 50263391. Everything else is **invented** for tests: inspector names, the days of the
2nd monitoring visit, the publication dates of the 2020 and 2024 reports and of the 2018 letter,
the other 2024 grades, and every non-Croydon authority (fictional names and URNs) whose text
only reproduces real shapes (Bristol/Blackpool boundary dates, Derbyshire's two blocks,
Wiltshire's "1 9 June 2019", ...).

Use ``FIXTURE_REPORTS[key].data`` (built once, cached) or ``FIXTURES_BY_FILE_ID[file_id]``.
"""

from __future__ import annotations

import io
import textwrap
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

__all__ = [
    "CROYDON_URN",
    "area_send_pdf",
    "focused_visit_pdf",
    "ilacs_pdf",
    "jtai_pdf",
    "long_report",
    "monitoring_visit_pdf",
    "sif_pdf",
    "FIXTURES_BY_FILE_ID",
    "FIXTURE_REPORTS",
    "REPORT_NOT_FOUND_HTML",
    "FixtureReport",
    "build_pdf",
]

CROYDON_URN = "80492"
RI = "Requires improvement to be good"

# --------------------------------------------------------------------------- layout

#: one drawn line: plain text at the left margin, or (x, text) cells drawn left to right
Line = str | tuple[tuple[float, str], ...]
Page = Sequence[Line]

_LEFT = 56.0
_GRADE_X = 380.0
_TOP = A4[1] - 64
_LEADING = 13.0


def build_pdf(pages: Sequence[Page], *, title: str = "", font_size: float = 10.0) -> bytes:
    """A PDF whose pages hold the given lines, drawn top to bottom in order."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    if title:
        c.setTitle(title)
        c.setAuthor("Ofsted")
    for page in pages:
        y = _TOP
        c.setFont("Helvetica", font_size)
        for line in page:
            if y < 60:  # overflow: continue on a new page
                c.showPage()
                c.setFont("Helvetica", font_size)
                y = _TOP
            cells = ((_LEFT, line),) if isinstance(line, str) else line
            for x, text in cells:
                if text:
                    c.drawString(x, y, text)
            y -= _LEADING
        c.showPage()
    c.save()
    return buf.getvalue()


def para(text: str, width: int = 92) -> list[str]:
    """A paragraph wrapped as a PDF would wrap it, followed by a blank line."""
    return [*textwrap.wrap(text, width), ""]


def table(
    rows: Sequence[tuple[str, str]],
    *,
    label_width: int = 52,
    grade_width: int = 21,
    valign: str = "top",
    header: tuple[str, str] | None = ("Judgement", "Grade"),
) -> list[Line]:
    """Two-column table, drawn line by line so extraction interleaves wrapped cells.

    ``valign="middle"`` centres a short grade cell against a long label (so "to be good" can
    land after the label, or "Requires" before its end)."""
    out: list[Line] = []
    if header:
        out.append(((_LEFT, header[0]), (_GRADE_X, header[1])))
    for label, grade in rows:
        ll = textwrap.wrap(label, label_width)
        gl = textwrap.wrap(grade, grade_width)
        n = max(len(ll), len(gl))
        offset = (n - len(gl)) // 2 if valign == "middle" else 0
        gl = [""] * offset + gl
        for i in range(n):
            left = ll[i] if i < len(ll) else ""
            right = gl[i] if i < len(gl) else ""
            out.append(((_LEFT, left), (_GRADE_X, right)))
    out.append("")
    return out


# --------------------------------------------------------------------------- report texts

ILACS_LEADERS = "The impact of leaders on social work practice with children and families"
ILACS_HP = "The experiences and progress of children who need help and protection"
ILACS_COMBINED = "The experiences and progress of children in care and care leavers"
ILACS_IN_CARE = "The experiences and progress of children in care"
ILACS_CL = "The experiences and progress of care leavers"

_BODY = (
    "Children and families benefit from social workers who know them well. Leaders have a "
    "clear understanding of the quality of practice and have strengthened the front door, "
    "where decisions about children's needs are timely and proportionate. Management "
    "oversight and supervision are regular, although the recording of the rationale for "
    "decisions is not consistently evident in children's records."
)


def _ilacs(
    la: str,
    dates: str,
    inspector: str,
    rows: Sequence[tuple[str, str]],
    *,
    old_title: bool = False,
    valign: str = "top",
    grade_width: int = 21,
    body_headings: bool = True,
) -> bytes:
    title = (
        "Inspection of children’s social care services"
        if old_title
        else f"Inspection of {la} local authority children’s services"
    )
    page1: list[Line] = [
        f"{la}" if old_title else "",
        title,
        "",
        f"Inspection dates: {dates}",
        f"Lead inspector: {inspector}",
        "",
        *table(rows, valign=valign, grade_width=grade_width),
        *para(_BODY),
    ]
    page2: list[Line] = ["What needs to improve?", *para(_BODY)]
    if body_headings:
        for label, grade in rows[1:-1]:
            page2 += para(f"{label}: {grade.lower()}")
            page2 += para(_BODY)
    page2 += [f"Ofsted {la}", "Inspection of local authority children’s services"]
    return build_pdf([page1, page2], title=title)


def _sif(
    la: str,
    dates: str,
    published: str,
    overall_sentence: str,
    grades: Sequence[str],
    inspector: str,
    *,
    reinspection: bool = False,
) -> bytes:
    labels = (
        "1. Children who need help and protection",
        "2. Children looked after and achieving permanence",
        "2.1 Adoption performance",
        "2.2 Experiences and progress of care leavers",
        "3. Leadership, management and governance",
    )
    head = "Re-inspection" if reinspection else "Inspection"
    page1: list[Line] = [
        la,
        f"{head} of services for children in need of help and protection, children",
        "looked after and care leavers",
        "and",
        "Review of the effectiveness of the Local Safeguarding Children Board",
        f"Inspection date: {dates}",
        f"Report published: {published}",
        "",
        overall_sentence,
        "",
        "The judgements on areas of the service that contribute to overall effectiveness are:",
        *table(list(zip(labels, grades, strict=True)), header=None, grade_width=14),
        "The effectiveness of the Local Safeguarding Children Board (LSCB) is reported",
        "separately in this report.",
    ]
    page2: list[Line] = [
        "Contents",
        *para(_BODY),
        "Information about this inspection",
        "Inspection team",
        f"Lead inspector: {inspector}",
    ]
    return build_pdf([page1, page2], title=f"{la} SIF")


def _letter(
    la_heading: str,
    letter_date: str,
    opening: str,
    inspector: str,
    sections: Sequence[tuple[str, str]],
) -> bytes:
    page1: list[Line] = [
        "Ofsted",
        "Piccadilly Gate",
        "Store Street",
        "Manchester M1 2WD",
        "",
        letter_date,
        "",
        "Director of Children’s Services",
        "",
        "Dear Director",
        "",
        la_heading,
        "",
        *para(opening),
    ]
    for heading, body in sections:
        page1 += [heading, *para(body)]
    page2: list[Line] = [
        *para("Ofsted will take the findings from this visit into account at the next inspection."),
        "Yours sincerely",
        "",
        inspector,
        "His Majesty’s Inspector",
    ]
    return build_pdf([page1, page2], title=la_heading)


def _monitoring(la: str, on: str, nth: str, since: str, letter_date: str, inspector: str) -> bytes:
    return _letter(
        f"Monitoring visit to {la} children’s services",
        letter_date,
        f"This letter summarises the findings of the monitoring visit to {la} children’s "
        f"services on {on}. This was the {nth} monitoring visit since the local authority was "
        f"judged inadequate in {since}. His Majesty’s Inspectors for this visit were "
        f"{inspector} and Sam Secondary.",
        inspector,
        [
            ("Areas covered by the visit", _BODY),
            ("Headline findings", _BODY),
        ],
    )


def _focused(la: str, on: str, letter_date: str, inspector: str, *, priority: bool) -> bytes:
    sections = [
        (
            "Headline findings",
            _BODY
            + (
                " Inspectors identified areas for priority action in the response to "
                "children at risk of exploitation."
                if priority
                else ""
            ),
        ),
        ("What needs to improve in this area of social work practice", _BODY),
    ]
    return _letter(
        f"Focused visit to {la} children’s services",
        letter_date,
        f"This letter summarises the findings of the focused visit to {la} children’s "
        f"services on {on}. His Majesty’s Inspectors for this visit were {inspector} and "
        "Sam Secondary. Inspectors looked at the local authority’s arrangements for the "
        "‘front door’.",
        inspector,
        sections,
    )


def _jtai(la: str, between: str, letter_date: str, inspector: str) -> bytes:
    return _letter(
        f"Joint targeted area inspection of the multi-agency response to children and "
        f"families who need help in {la}",
        letter_date,
        f"Between {between}, Ofsted, the Care Quality Commission (CQC) and His Majesty’s "
        "Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS) undertook a joint "
        f"inspection of the multi-agency response to children and families who need help in {la}.",
        inspector,
        [("Headline findings", _BODY), ("What needs to improve?", _BODY)],
    )


_SEND_SENTENCES = {
    "positive experiences": (
        "The local area partnership’s special educational needs and/or disabilities (SEND) "
        "arrangements typically lead to positive experiences and outcomes for children and "
        "young people with SEND. The local area partnership is taking action where improvements "
        "are needed."
    ),
    "inconsistent experiences": (
        "The local area partnership’s special educational needs and/or disabilities (SEND) "
        "arrangements lead to inconsistent experiences and outcomes for children and young "
        "people with SEND. The local area partnership must work jointly to make improvements."
    ),
    "significant concerns": (
        "There are widespread and/or systemic failings leading to significant concerns about "
        "the experiences and outcomes of children and young people with special educational "
        "needs and/or disabilities (SEND), which the local area partnership must address "
        "urgently."
    ),
}


def _send(la: str, dates: str, outcome: str, inspector: str) -> bytes:
    page1: list[Line] = [
        f"Area SEND inspection of {la} Local Area Partnership",
        f"Inspection dates: {dates}",
        "Dates of previous inspection: 5 to 9 March 2018",
        "",
        "Inspection outcome",
        *para(_SEND_SENTENCES[outcome]),
        *para(
            "Ofsted and CQC ask that the local area partnership updates and publishes its "
            "strategic plan. The next full area SEND inspection will be within approximately "
            "3 years."
        ),
        "Information about the local area partnership",
        *para(_BODY),
        f"Lead inspector: {inspector}, His Majesty’s Inspector",
    ]
    return build_pdf([page1], title=f"Area SEND inspection of {la}")


# --------------------------------------------------------------------------- bad files

#: what files.ofsted.gov.uk served for some 2012 reports (SOURCES.md §1.5), abridged
REPORT_NOT_FOUND_HTML = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    b"<title>Report not found - Find an Inspection Report - Ofsted</title>\n</head>\n"
    b'<body>\n<header class="header"></header>\n<main id="main">\n'
    b'<h1 class="heading--title title-block__heading">Report not found</h1>\n'
    b"<p>Sorry, the document you requested no longer exists.</p>\n"
    b"<p>We recommend linking to a page instead of a pdf report.</p>\n"
    b'</main>\n<footer class="footer"></footer>\n</body>\n</html>\n' + b" " * 6000
)


def _truncated() -> bytes:
    whole = FIXTURE_REPORTS["croydon_ilacs_2024"].data
    return whole[: len(whole) // 3]


def _oversized() -> bytes:
    # a "PDF" just over the 32 MiB cap: rejected before any parsing
    return b"%PDF-1.4\n%" + b"0" * (32 * 1024 * 1024 + 16)


def _raw_pdf(objects: list[bytes]) -> bytes:
    """Assemble numbered objects (1-based) into a PDF with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _page_bomb(n: int = 10_000) -> bytes:
    """10,000 pages sharing one content stream (about 0.5 MB): over the page cap."""
    content = b"BT /F1 10 Tf 56 780 Td (Page) Tj ET"
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objects += [page] * n
    return _raw_pdf(objects)


def _flate_bomb(mebibytes: int = 256) -> bytes:
    """A one-page PDF whose content stream inflates to ``mebibytes`` MiB of spaces."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    parts = [comp.compress(chunk) for _ in range(mebibytes)]
    parts.append(comp.flush())
    stream = b"".join(parts)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _raw_pdf(objects)


def long_report(pages: int = 150) -> bytes:
    """A long, text-heavy but valid report (for wall-timeout tests with tiny budgets)."""
    body = para(_BODY)
    return build_pdf([[f"Page {i + 1}", *body * 8] for i in range(pages)])


#: public names for the builders, for tests that need a report not in the registry
#: (e.g. the replica's "new report appears" scenario)
sif_pdf = _sif
ilacs_pdf = _ilacs
monitoring_visit_pdf = _monitoring
focused_visit_pdf = _focused
jtai_pdf = _jtai
area_send_pdf = _send

# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class FixtureReport:
    """One file on the replica's files host, and what carewatch must make of it."""

    key: str
    file_id: int
    urn: str
    provider: str
    #: the provider page's ``span.nonvisual`` label
    label: str
    builder: Callable[[], bytes] = field(repr=False)
    #: ParsedReport fields the parse must have (subset); empty for bad files
    expected: dict[str, Any] = field(default_factory=dict)
    #: expected extraction outcome: "ok", "not_a_pdf", "too_large" or "pdf_unparseable"
    status: str = "ok"
    http_status: int = 200
    content_type: str = "application/pdf"
    note: str = ""

    @property
    def data(self) -> bytes:
        return _bytes(self.key)

    @property
    def url(self) -> str:
        return f"https://files.ofsted.gov.uk/v1/file/{self.file_id}"


@cache
def _bytes(key: str) -> bytes:
    return FIXTURE_REPORTS[key].builder()


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


FIXTURE_REPORTS: dict[str, FixtureReport] = {f.key: f for f in (*_croydon(), *_others(), *_bad())}
FIXTURES_BY_FILE_ID: dict[int, FixtureReport] = {f.file_id: f for f in FIXTURE_REPORTS.values()}
assert len(FIXTURES_BY_FILE_ID) == len(FIXTURE_REPORTS), "duplicate fixture file id"
