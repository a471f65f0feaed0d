"""Report texts in the wording of SOURCES.md §2 (SIF, ILACS, letters, area SEND)."""

from __future__ import annotations

from collections.abc import Sequence

from tests.pdfs.layout import Line, build_pdf, para, table

RI = "Requires improvement to be good"

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
