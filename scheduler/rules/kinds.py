"""The rule kinds: one per item kind."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.ofsted.normalise import NOT_JUDGED
from scheduler.rules.base import Candidate, Rule
from scheduler.rules.judgements import expand_kinds


@dataclass(frozen=True, kw_only=True)
class ReportRule(Rule, kind="report"):
    """New Ofsted reports on an LA's children's services.

    ``grades`` and ``grade_changed`` look at each judgement named in ``judgements`` (default:
    every judgement of the report, overall included where the framework has one); a report
    matches when one judgement meets all of them. "Changed" compares a judgement with its
    like in the LA's previous graded report (SIF "children looked after" is ILACS "children
    in care"), so a 2026 report without an overall grade never "changes" its overall.
    """

    #: ilacs_standard, ilacs_short, sif, sif_reinspection, monitoring_visit, focused_visit,
    #: jtai, area_send, other
    report_types: tuple[str, ...] = ()
    #: judgement kinds to look at: overall, leaders, help_and_protection, in_care,
    #: care_leavers, in_care_and_care_leavers, ... (default: any)
    judgements: tuple[str, ...] = ()
    #: grades that match (Outstanding, Good, Requires improvement to be good, Inadequate)
    grades: tuple[str, ...] = ()
    #: only judgements whose grade differs from their like in the previous graded report
    grade_changed: bool = False

    def matches(self, item: Candidate) -> bool:
        if not super().matches(item):
            return False
        if self.report_types and item.report_type not in self.report_types:
            return False
        if not (self.grades or self.grade_changed or self.judgements):
            return True
        wanted = expand_kinds(self.judgements) if self.judgements else None
        before = item.before()
        for kind, grade in item.graded():
            if grade == NOT_JUDGED or (wanted is not None and kind not in wanted):
                continue
            if self.grades and grade not in self.grades:
                continue
            if self.grade_changed and before.get(kind) in (None, grade):
                continue
            return True
        return False


@dataclass(frozen=True, kw_only=True)
class ArticleRule(Rule, kind="article"):
    """New news articles (near-copies of an article already seen never match)."""


@dataclass(frozen=True, kw_only=True)
class RevisionRule(Rule, kind="revision"):
    """Articles whose text changed at the same URL."""
