"""Matching: new stored items -> rules -> deliveries, in one transaction.

Every report, article or revision is stored with ``alert_state = "pending"`` (or "baseline"
for a source's first crawl, "suppressed" for near-copies). One matching pass takes the
pending items, writes a delivery per rule x item x recipient, and sets the items "done" in
the same transaction, so an item is matched exactly once whichever way it was crawled.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from crawler.ofsted.frameworks import FW_UNKNOWN
from scheduler.config import AppConfig
from scheduler.operator import check_sources, notify_operator
from scheduler.rules import Candidate
from storage.db import session_scope
from storage.judgements import NOT_JUDGED, judgement_row
from storage.models import Article, ArticleLA, OperatorEvent, Report, Revision, Story
from storage.outbox import BATCH, DIGEST, IMMEDIATE, NewDelivery, add_deliveries
from storage.ratings import lineage_history, previous_grades, report_date

logger = logging.getLogger(__name__)

BATCH_LIMIT = 500


@dataclass(frozen=True, kw_only=True)
class MatchSummary:
    items: int = 0
    deliveries: int = 0
    flooded: tuple[str, ...] = ()
    operator_notes: int = 0


def _la_names(codes: frozenset[str], fallback: str = "") -> tuple[str, ...]:
    from storage import gazetteer

    names = []
    for code in sorted(codes):
        try:
            names.append(gazetteer.by_code(code).name)
        except LookupError:
            names.append(code)
    return tuple(names) or ((fallback,) if fallback else ())


def _source(config: AppConfig, source: str) -> tuple[str | None, str]:
    src = config.sources.get(source)
    return (src.kind, src.name) if src else (None, source)


def report_candidate(session: Session, config: AppConfig, report: Report) -> Candidate:
    codes = frozenset({report.la_code} if report.la_code else ())
    kind, name = _source(config, "ofsted")
    judgements = tuple((j.area, j.grade) for j in report.judgements)
    # what each judgement "was": the dashboard's comparison (storage.ratings.previous_grades)
    earlier = previous_grades(lineage_history(session, report), report) if judgements else {}
    previous = [(area, *earlier[judgement_row(area)]) for area, grade in judgements
                if grade != NOT_JUDGED and judgement_row(area) in earlier]
    sources = sorted({r.id: r for _, _, r in previous}.values(), key=lambda r: (report_date(r) or date.min, r.id),
                     reverse=True)
    overall = earlier.get("overall")
    return Candidate(
        kind="report", id=report.id, source="ofsted", source_kind=kind or "regulator", source_name=name,
        la_codes=codes, la_names=_la_names(codes, report.la_name or report.provider_name),
        title=report.label or report.provider_name,
        body=report.excerpt or _findings(report.text or ""),
        url=report.file_url or report.provider_url, published=report.published_on,
        report_type=report.report_type, framework=report.framework, overall_grade=report.overall_grade,
        previous_grade=overall[0] if overall and report.overall_grade else None,
        judgements=judgements, previous=tuple((area, grade) for area, grade, _ in previous),
        previous_frameworks=tuple(r.framework or "" for r in sources),
        previous_las=tuple(_la_names(frozenset({r.la_code}))[0] if r.la_code and r.la_code != report.la_code else ""
                           for r in sources),
    )


_LETTERHEAD_END = re.compile(r"\bDear [^\n]{0,80}\n", re.IGNORECASE)


def _findings(text: str) -> str:
    """Report text without a letter's letterhead (for reports stored without an excerpt)."""
    m = _LETTERHEAD_END.search(text[:3000])
    return (text[m.end():] if m else text)[:5000]


def article_candidate(session: Session, config: AppConfig, article: Article,
                      revision: Revision | None = None) -> Candidate:
    codes = frozenset(session.execute(
        select(ArticleLA.la_code).where(ArticleLA.article_id == article.id)).scalars())
    kind, name = _source(config, article.source)
    story = session.get(Story, article.story_id) if article.story_id is not None else None
    return Candidate(
        kind="revision" if revision else "article", id=revision.id if revision else article.id,
        source=article.source, source_kind=kind, source_name=name, la_codes=codes,
        la_names=_la_names(codes), title=article.title, body=article.body, url=article.canonical_url,
        published=article.published_at, story_id=article.story_id,
        story_report_id=story.report_id if story is not None else None,
    )


def load_candidate(session: Session, config: AppConfig, kind: str, item_id: int) -> Candidate | None:
    """The candidate for a delivery's item (None if the item was deleted)."""
    if kind == "report":
        report = session.get(Report, item_id)
        return report_candidate(session, config, report) if report else None
    if kind == "article":
        article = session.get(Article, item_id)
        return article_candidate(session, config, article) if article else None
    if kind == "revision":
        revision = session.get(Revision, item_id)
        return article_candidate(session, config, revision.article, revision) if revision else None
    return None


def _pending(session: Session, config: AppConfig) -> tuple[list[Candidate], dict[str, list[int]]]:
    out: list[Candidate] = []
    done: dict[str, list[int]] = {"report": [], "article": [], "revision": []}
    for report in session.execute(select(Report).where(Report.alert_state == "pending")
                                  .order_by(Report.id).limit(BATCH_LIMIT)).scalars():
        out.append(report_candidate(session, config, report))
        done["report"].append(report.id)
    for article in session.execute(select(Article).where(Article.alert_state == "pending")
                                   .order_by(Article.id).limit(BATCH_LIMIT)).scalars():
        done["article"].append(article.id)
        if article.duplicate_of_id is None:  # near-copies never alert on their own
            out.append(article_candidate(session, config, article))
    for revision in session.execute(select(Revision).where(Revision.alert_state == "pending")
                                    .order_by(Revision.id).limit(BATCH_LIMIT)).scalars():
        done["revision"].append(revision.id)
        if revision.article.duplicate_of_id is None:
            out.append(article_candidate(session, config, revision.article, revision))
    return out, done


def match_pending(session: Session, config: AppConfig, *, now: datetime | None = None) -> MatchSummary:
    """One matching pass inside the caller's transaction."""
    candidates, done = _pending(session, config)
    rows: list[NewDelivery] = []
    for c in candidates:
        for rule in config.enabled_rules.values():
            if rule.matches(c):
                mode = DIGEST if rule.delivery == "digest" else IMMEDIATE
                rows += [NewDelivery(rule=rule.name, item_kind=c.kind, item_id=c.id, recipient=r, mode=mode)
                         for r in rule.recipients]
    per_recipient = Counter(r.recipient for r in rows if r.mode == IMMEDIATE)
    flooded = sorted(r for r, n in per_recipient.items() if n > config.service.flood_cap)
    if flooded:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%f")
        rows = [NewDelivery(rule=r.rule, item_kind=r.item_kind, item_id=r.item_id, recipient=r.recipient,
                            mode=BATCH, batch=f"flood:{stamp}:{r.recipient}")
                if r.mode == IMMEDIATE and r.recipient in flooded else r for r in rows]
    added = add_deliveries(session, rows)
    table: dict[str, type[Report] | type[Article] | type[Revision]] = {
        "report": Report, "article": Article, "revision": Revision}
    for kind, ids in done.items():
        if ids:
            model = table[kind]
            session.execute(update(model).where(model.id.in_(ids), model.alert_state == "pending")
                            .values(alert_state="done"))
    for recipient in flooded:
        notify_operator(session, config, kind="flood", subject=f"{per_recipient[recipient]} alerts at once "
                        f"for {recipient}: sent as one digest",
                        body="More new items matched in one pass than [service] flood_cap allows. "
                             "This often means a site changed its URLs or layout (a bulk change), "
                             "not real news. The items went out as one digest.")
    notes = check_sources(session, config) + _unknown_framework_note(session, config, candidates)
    total = sum(len(v) for v in done.values())
    if total or added:
        logger.info("matched %d new item(s): %d deliveries queued", total, added)
    return MatchSummary(items=total, deliveries=added, flooded=tuple(flooded), operator_notes=notes)


def _unknown_framework_note(session: Session, config: AppConfig, candidates: list[Candidate]) -> int:
    """Tell the operator, once, that a report came in a framework the parser does not know
    (the renewed 2027 framework, say): it is stored with every grade row read, and alerted."""
    unknown = [c for c in candidates if c.kind == "report" and c.framework == FW_UNKNOWN]
    if not unknown:
        return 0
    told = session.execute(select(OperatorEvent.id).where(OperatorEvent.kind == FW_UNKNOWN)
                           .limit(1)).scalar_one_or_none()
    if told is not None:
        return 0
    listed = "\n".join(f"- {', '.join(c.la_names) or '?'}: {c.title} {c.url}" for c in unknown)
    notify_operator(session, config, kind=FW_UNKNOWN,
                    subject="an Ofsted report in a framework carewatch does not know",
                    body="These reports' grade tables match no known framework (SIF, ILACS 2018-22, "
                         "2023-26, 2026 reform). They were stored with every grade row found, marked "
                         f"framework_unknown, and alerted:\n{listed}\n\nThe parser needs the new "
                         "framework's rows (crawler/ofsted). This note is sent once.")
    return 1


def run_matcher(engine: Engine, config: AppConfig) -> MatchSummary:
    """Match every pending item (in batches), each batch in its own transaction."""
    total = MatchSummary()
    while True:
        with session_scope(engine) as session:
            s = match_pending(session, config)
        total = MatchSummary(items=total.items + s.items, deliveries=total.deliveries + s.deliveries,
                             flooded=total.flooded + s.flooded,
                             operator_notes=total.operator_notes + s.operator_notes)
        if s.items < BATCH_LIMIT:
            return total
