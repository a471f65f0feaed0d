"""Alert rules: a registry of rule kinds (one per item kind), each declaring its options.

A rule is a frozen dataclass; its fields are the keys accepted under ``[rules.<name>]``
(plus ``item``, which picks the kind). Matching is a pure function of a :class:`Candidate`,
a plain record the matcher builds from a stored report, article or revision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, ClassVar

from crawler.ofsted.types import CHILDRENS_SERVICES_INSPECTION
from crawler.ofsted.types import REPORT_TYPES as _OFSTED_TYPES

GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
#: report type codes, as crawler.ofsted assigns them (plus the label-only
#: "childrens_services_inspection" kept when a PDF could not be read)
REPORT_TYPES = (*_OFSTED_TYPES, CHILDRENS_SERVICES_INSPECTION)
DELIVERIES = ("immediate", "digest")


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """What a rule sees of one stored item."""

    kind: str  # report | article | revision
    id: int
    source: str
    source_kind: str | None = None
    la_codes: frozenset[str] = frozenset()
    title: str = ""
    body: str = ""
    url: str = ""
    published: date | datetime | None = None
    # reports only
    report_type: str | None = None
    #: framework code (crawler.ofsted.frameworks): ilacs_2026, ilacs_2023, sif, ...
    framework: str | None = None
    overall_grade: str | None = None
    #: the LA's latest earlier overall grade (None if there was none)
    previous_grade: str | None = None
    #: (judgement kind, grade) of this report
    judgements: tuple[tuple[str, str], ...] = ()
    #: (judgement kind of this report, grade of its like in the LA's latest earlier inspection
    #: that graded it: storage.ratings.previous_grades, as the dashboard shows it)
    previous: tuple[tuple[str, str], ...] = ()
    #: the framework of each inspection those grades are from, newest first ("": not known)
    previous_frameworks: tuple[str, ...] = ()
    #: for each of those inspections, the LA it was of when not this report's (one it replaced), else ""
    previous_las: tuple[str, ...] = ()
    #: display names of the LAs (same order as sorted la_codes), and of the source
    la_names: tuple[str, ...] = ()
    source_name: str = ""
    # articles only: the story they belong to and the Ofsted report that story follows
    story_id: int | None = None
    story_report_id: int | None = None

    def graded(self) -> tuple[tuple[str, str], ...]:
        """This report's judgements; a bare ``overall_grade`` counts as the overall one."""
        if self.judgements:
            return self.judgements
        return (("overall", self.overall_grade),) if self.overall_grade else ()

    def before(self) -> dict[str, str]:
        """Judgement kind -> the grade of its like in the latest earlier inspection that graded it."""
        if self.previous:
            return dict(self.previous)
        return {"overall": self.previous_grade} if self.previous_grade else {}


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Base of every rule kind; the fields are the options common to all kinds."""

    kind: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[Rule]]] = {}

    name: str
    #: email addresses; default: the operator address
    recipients: tuple[str, ...] = ()
    enabled: bool = True
    #: "immediate" or "digest" (one email a day at ``digest_at``, grouped by LA)
    delivery: str = "immediate"
    #: HH:MM (Europe/London) for digests
    digest_at: str = "08:00"
    #: LAs by name, variant or ONS code (stored as ONS codes)
    las: tuple[str, ...] = ()
    #: ONS regions, e.g. "London", "South East"
    regions: tuple[str, ...] = ()
    #: source ids, e.g. ["communitycare", "ofsted"]
    sources: tuple[str, ...] = ()
    #: council | trade_press | local_news | regulator
    source_kinds: tuple[str, ...] = ()
    #: words or phrases, any of which must appear in the title or body (case-insensitive)
    keywords: tuple[str, ...] = ()
    #: ONS codes of ``las`` plus every LA of ``regions`` (filled by the loader)
    la_codes: frozenset[str] = field(default=frozenset(), repr=False)

    def __init_subclass__(cls, *, kind: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind:
            cls.kind = kind
            Rule.registry[kind] = cls

    @classmethod
    def options(cls) -> set[str]:
        """The keys ``[rules.<name>]`` accepts for this kind (besides ``item``)."""
        return {f.name for f in fields(cls)} - {"name", "la_codes"}

    def matches(self, item: Candidate) -> bool:
        if item.kind != self.kind:
            return False
        if self.sources and item.source not in self.sources:
            return False
        if self.source_kinds and item.source_kind not in self.source_kinds:
            return False
        if (self.las or self.regions) and not (item.la_codes & self.la_codes):
            return False
        if self.keywords:
            text = f"{item.title}\n{item.body}"
            if not any(re.search(r"(?<!\w)" + re.escape(k) + r"(?!\w)", text, re.IGNORECASE)
                       for k in self.keywords):
                return False
        return True

    def describe(self) -> str:
        """One line saying what the rule matches, for ``carewatch alerts list``."""
        parts = [self.kind + "s"]
        for key in sorted(self.options() - {"recipients", "enabled", "delivery", "digest_at"}):
            value = getattr(self, key)
            if value not in ((), False, None, ""):
                shown = ", ".join(value) if isinstance(value, tuple) else str(value)
                parts.append(f"{key}: {shown}")
        return "; ".join(parts)
