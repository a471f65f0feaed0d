"""Display names for codes stored by carewatch (report types, judgement kinds, grades).

Judgement kinds and their names are storage.judgements'; only what the dashboard shows
differently is here.
"""

from __future__ import annotations

from storage.judgements import JUDGEMENT_NAMES

TYPE_NAMES = {
    "ilacs_standard": "ILACS inspection",
    "ilacs_short": "ILACS short inspection",
    "sif": "SIF inspection",
    "sif_reinspection": "SIF re-inspection",
    "pre_sif": "Pre-SIF inspection",
    "monitoring_visit": "Monitoring visit",
    "focused_visit": "Focused visit",
    "jtai": "Joint targeted area inspection",
    "area_send": "Area SEND inspection",
    "childrens_services_inspection": "Inspection (PDF not read)",
    "other": "Other report",
}
#: judgement kinds (``Judgement.area``): the names alerts use (storage.judgements), with the full
#: names of SIF's two longer judgements, for which the dashboard's tables have room
AREA_NAMES = {
    **JUDGEMENT_NAMES,
    "leadership": "Leadership, management and governance",
    "looked_after_and_permanence": "Children looked after and permanence",
    # a "framework not recognised" table's LSCB row (crawler.ofsted.rows.label_key("LSCB"))
    "lscb": "Local Safeguarding Children Board",
}
GRADE_CLASSES = {
    "Outstanding": "outstanding",
    "Good": "good",
    "Requires improvement to be good": "ri",
    "Requires improvement": "ri",
    "Adequate": "ri",
    "Inadequate": "inadequate",
}
FRAMEWORK_NAMES = {
    "pre_sif": "pre-SIF",
    "sif": "SIF (2013–18)",
    "ilacs_2018": "ILACS (2018–22)",
    "ilacs_2023": "ILACS (2023–26)",
    "ilacs_2026": "ILACS (April 2026 reform)",
    "framework_unknown": "framework not recognised",
}
#: frameworks without an overall effectiveness judgement
NO_OVERALL = frozenset({"ilacs_2026"})
SHORT_GRADES = {"Requires improvement to be good": "Requires improvement"}


def type_name(code: str | None) -> str:
    return TYPE_NAMES.get(code or "", (code or "").replace("_", " ").capitalize())


def area_name(code: str) -> str:
    return AREA_NAMES.get(code, code.replace("_", " ").capitalize())


def grade_class(grade: str | None) -> str:
    return "grade-" + GRADE_CLASSES.get(grade or "", "other")


def short_grade(grade: str | None) -> str:
    return SHORT_GRADES.get(grade or "", grade or "")


def framework_name(code: str | None) -> str:
    return FRAMEWORK_NAMES.get(code or "", code or "")
