"""Report type codes stored in ``storage.models.Report.report_type``.

=========================  ==================================================================
code                       meaning
=========================  ==================================================================
``ilacs_standard``         ILACS standard (2-week) inspection, graded (span > 7 days)
``ilacs_short``            ILACS short (1-week) inspection, graded (span <= 7 days)
``sif``                    Single inspection framework (Nov 2013 - 2018), graded
``sif_reinspection``       SIF re-inspection ("Re-inspection of services for children in need")
``pre_sif``                Pre-SIF inspections (2013 looked-after-children, 2012 "adequate")
``monitoring_visit``       Monitoring visit letter after an inadequate judgement, ungraded
``focused_visit``          ILACS focused visit letter, ungraded
``jtai``                   Joint targeted area inspection letter (believed ungraded)
``area_send``              Area SEND inspection (2023 framework), outcome phrase not grade
``other``                  Anything else: kept with its raw label, never dropped
=========================  ==================================================================

``childrens_services_inspection`` (:data:`CHILDRENS_SERVICES_INSPECTION`) is a *label-only*
code: the label "children's services inspection" covers SIF and ILACS alike, and only the PDF
text tells them apart. :func:`crawler.ofsted.parse_report` resolves it; a report whose PDF could
not be read keeps it (its raw label is stored too).
"""

from __future__ import annotations

__all__ = [
    "AREA_SEND",
    "CHILDRENS_SERVICES_INSPECTION",
    "FOCUSED_VISIT",
    "GRADED_TYPES",
    "ILACS_SHORT",
    "ILACS_STANDARD",
    "JTAI",
    "LABEL_ONLY_TYPES",
    "MONITORING_VISIT",
    "OTHER",
    "PRE_SIF",
    "REPORT_TYPES",
    "SIF",
    "SIF_REINSPECTION",
]

ILACS_STANDARD = "ilacs_standard"
ILACS_SHORT = "ilacs_short"
SIF = "sif"
SIF_REINSPECTION = "sif_reinspection"
PRE_SIF = "pre_sif"
MONITORING_VISIT = "monitoring_visit"
FOCUSED_VISIT = "focused_visit"
JTAI = "jtai"
AREA_SEND = "area_send"
OTHER = "other"

#: every final report type code
REPORT_TYPES: tuple[str, ...] = (
    ILACS_STANDARD,
    ILACS_SHORT,
    SIF,
    SIF_REINSPECTION,
    PRE_SIF,
    MONITORING_VISIT,
    FOCUSED_VISIT,
    JTAI,
    AREA_SEND,
    OTHER,
)

#: label "children's services inspection": SIF or ILACS, decided from the PDF text
CHILDRENS_SERVICES_INSPECTION = "childrens_services_inspection"
LABEL_ONLY_TYPES: tuple[str, ...] = (CHILDRENS_SERVICES_INSPECTION,)

#: types whose reports carry grades on the four-point scale
GRADED_TYPES: frozenset[str] = frozenset(
    {ILACS_STANDARD, ILACS_SHORT, SIF, SIF_REINSPECTION, PRE_SIF}
)
