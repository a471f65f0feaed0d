"""Provider-page report labels (``span.nonvisual``), SOURCES.md §1.3–§1.4.

Format: ``<report type>, pdf - <D Month YYYY>``, e.g. "Area SEND full inspection, pdf - 15 July
2024"; the day may be zero-padded and D2I lower-cases everything. The date is the publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from crawler.ofsted.dates import MONTHS
from crawler.ofsted.normalise import normalise_text
from crawler.ofsted.types import (
    AREA_SEND,
    CHILDRENS_SERVICES_INSPECTION,
    FOCUSED_VISIT,
    JTAI,
    MONITORING_VISIT,
    OTHER,
    PRE_SIF,
)

__all__ = ["ReportLabel", "classify_label", "parse_label"]

_SEP = re.compile(r"\s[-–—]\s")
_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_PDF_SUFFIX = re.compile(r",?\s*\(?pdf\)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ReportLabel:
    """A parsed label: ``type_label`` is normalised and lower-cased ("children's services
    inspection"); ``published_on`` is None when the date part is missing or unreadable."""

    raw: str
    type_label: str
    published_on: date | None


def _parse_date(text: str) -> date | None:
    m = _DATE.match(text.strip())
    if not m:
        return None
    month = MONTHS.get(m.group(2).lower())
    if month is None:
        return None
    try:
        return date(int(m.group(3)), month, int(m.group(1)))
    except ValueError:
        return None


def parse_label(nonvisual_text: str) -> ReportLabel:
    """Split a label on its last " - " into type and publication date. Never raises."""
    raw = nonvisual_text
    text = normalise_text(nonvisual_text)
    published: date | None = None
    type_part = text
    seps = list(_SEP.finditer(text))
    if seps:
        last = seps[-1]
        candidate = _parse_date(text[last.end() :])
        if candidate is not None:
            published = candidate
            type_part = text[: last.start()]
    type_part = _PDF_SUFFIX.sub("", type_part).strip(" ,")
    return ReportLabel(raw=raw, type_label=type_part.lower(), published_on=published)


def classify_label(type_label: str) -> str:
    """Report type code for a label's type part (see :mod:`crawler.ofsted.types`).

    "children's services inspection" gives the label-only code
    ``childrens_services_inspection`` (SIF or ILACS, decided from the PDF). The monitoring-visit
    label is unconfirmed, so any label mentioning "monitoring visit" is taken as one; anything
    unknown is ``other`` (kept, and the PDF's opening sentence is tried by ``parse_report``).
    """
    t = normalise_text(type_label).lower().replace("childrens", "children's")
    t = re.sub(r",?\s*\(?pdf\)?$", "", t).strip()
    if "area send" in t or ("area" in t and re.search(r"\bsend\b.*\binspection\b", t)):
        return AREA_SEND
    if "joint area child protection" in t or "joint targeted area" in t or "jtai" in t:
        return JTAI
    if "focused visit" in t:
        return FOCUSED_VISIT
    if "monitoring visit" in t:
        return MONITORING_VISIT
    if "looked after children" in t or "safeguarding and looked after" in t:
        return PRE_SIF
    if "children's services" in t and "inspection" in t:
        return CHILDRENS_SERVICES_INSPECTION
    return OTHER
