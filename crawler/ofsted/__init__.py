"""Ofsted report parsing: labels, report types, judgements and bounded PDF text.

Pure modules (no Scrapy): :mod:`.labels` (provider-page labels), :mod:`.types` (report type
codes), :mod:`.frameworks` (framework codes; the judgement kinds and their likes it re-exports
from :mod:`storage.judgements`), :mod:`.dates`, :mod:`.judgements` (report text ->
:class:`ParsedReport`, using :mod:`.sif`, :mod:`.ilacs`, :mod:`.rows` and :mod:`.fields`) and
:mod:`.pdftext` (PDF bytes -> text in a resource-limited child process).
"""

from __future__ import annotations

from crawler.ofsted.dates import parse_date_range
from crawler.ofsted.frameworks import (
    FRAMEWORK_JUDGEMENTS,
    FRAMEWORK_NAMES,
    FRAMEWORKS,
    FW_ILACS_2018,
    FW_ILACS_2023,
    FW_ILACS_2026,
    FW_PRE_SIF,
    FW_SIF,
    FW_UNKNOWN,
    ILACS_REFORM_DATE,
    JUDGEMENT_KINDS,
    JUDGEMENT_NAMES,
    like_kinds,
)
from crawler.ofsted.judgements import (
    ILACS_AREAS_COMBINED,
    ILACS_AREAS_REFORM,
    ILACS_AREAS_SPLIT,
    ILACS_SPLIT_DATE,
    PRE_SIF_AREAS,
    SEND_OUTCOMES,
    SIF_AREAS,
    ParsedReport,
    parse_report,
)
from crawler.ofsted.labels import ReportLabel, classify_label, parse_label
from crawler.ofsted.normalise import (
    GOOD,
    GRADES,
    INADEQUATE,
    NOT_JUDGED,
    OUTSTANDING,
    REQUIRES_IMPROVEMENT,
    normalise_grade,
    normalise_text,
)
from crawler.ofsted.pdftext import (
    NOT_A_PDF,
    PDF_UNPARSEABLE,
    TOO_LARGE,
    UNREADABLE,
    PdfError,
    PdfText,
    extract_pdf_text,
    looks_like_pdf,
)
from crawler.ofsted.types import (
    AREA_SEND,
    CHILDRENS_SERVICES_INSPECTION,
    FOCUSED_VISIT,
    GRADED_TYPES,
    ILACS_SHORT,
    ILACS_STANDARD,
    JTAI,
    LABEL_ONLY_TYPES,
    MONITORING_VISIT,
    OTHER,
    PRE_SIF,
    REPORT_TYPES,
    SIF,
    SIF_REINSPECTION,
)

__all__ = [
    "AREA_SEND",
    "CHILDRENS_SERVICES_INSPECTION",
    "FOCUSED_VISIT",
    "FRAMEWORKS",
    "FRAMEWORK_JUDGEMENTS",
    "FRAMEWORK_NAMES",
    "FW_ILACS_2018",
    "FW_ILACS_2023",
    "FW_ILACS_2026",
    "FW_PRE_SIF",
    "FW_SIF",
    "FW_UNKNOWN",
    "GOOD",
    "GRADED_TYPES",
    "GRADES",
    "ILACS_AREAS_COMBINED",
    "ILACS_AREAS_REFORM",
    "ILACS_AREAS_SPLIT",
    "ILACS_REFORM_DATE",
    "ILACS_SHORT",
    "ILACS_SPLIT_DATE",
    "ILACS_STANDARD",
    "INADEQUATE",
    "JTAI",
    "JUDGEMENT_KINDS",
    "JUDGEMENT_NAMES",
    "LABEL_ONLY_TYPES",
    "MONITORING_VISIT",
    "NOT_A_PDF",
    "NOT_JUDGED",
    "OTHER",
    "OUTSTANDING",
    "PDF_UNPARSEABLE",
    "PRE_SIF",
    "PRE_SIF_AREAS",
    "REPORT_TYPES",
    "REQUIRES_IMPROVEMENT",
    "SEND_OUTCOMES",
    "SIF",
    "SIF_AREAS",
    "SIF_REINSPECTION",
    "TOO_LARGE",
    "UNREADABLE",
    "ParsedReport",
    "PdfError",
    "PdfText",
    "ReportLabel",
    "classify_label",
    "extract_pdf_text",
    "like_kinds",
    "looks_like_pdf",
    "normalise_grade",
    "normalise_text",
    "parse_date_range",
    "parse_label",
    "parse_report",
]
