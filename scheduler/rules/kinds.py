"""The rule kinds: one per item kind."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.rules.base import Candidate, Rule


@dataclass(frozen=True, kw_only=True)
class ReportRule(Rule, kind="report"):
    """New Ofsted reports on an LA's children's services."""

    #: ilacs_standard, ilacs_short, sif, sif_reinspection, monitoring_visit, focused_visit,
    #: jtai, area_send, other
    report_types: tuple[str, ...] = ()
    #: overall grades that match (Outstanding, Good, Requires improvement to be good, Inadequate)
    grades: tuple[str, ...] = ()
    #: only reports whose overall grade differs from the LA's previous graded inspection
    grade_changed: bool = False

    def matches(self, item: Candidate) -> bool:
        if not super().matches(item):
            return False
        if self.report_types and item.report_type not in self.report_types:
            return False
        if self.grades and item.overall_grade not in self.grades:
            return False
        if self.grade_changed:
            return bool(item.overall_grade and item.previous_grade
                        and item.overall_grade != item.previous_grade)
        return True


@dataclass(frozen=True, kw_only=True)
class ArticleRule(Rule, kind="article"):
    """New news articles (near-copies of an article already seen never match)."""


@dataclass(frozen=True, kw_only=True)
class RevisionRule(Rule, kind="revision"):
    """Articles whose text changed at the same URL."""
