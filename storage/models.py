"""SQLAlchemy 2.0 typed models: everything carewatch stores.

Articles (with their URLs, revisions, LA tags and near-duplicate signatures), Ofsted
reports with their judgements, stories, crawl runs and per-source state, per-URL fetch
state for conditional re-crawls, and the alert outbox.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


# --------------------------------------------------------------------------- articles


class Article(Base):
    """One news article, however many URLs or outlets carry it."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text, index=True)
    #: the URL shown to users (rel=canonical when trustworthy, else the fetched URL, cleaned);
    #: identity is by ArticleUrl.key, so http/https or www variants still match
    canonical_url: Mapped[str] = mapped_column(String(2048), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    site_name: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    #: sha256 of the normalised body text (storage.dedup.content_hash)
    body_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: "full", or "partial" for a paywalled/registration-walled teaser
    access: Mapped[str] = mapped_column(String(16), default="full")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    #: near-duplicate original (first seen) when this article is a syndicated/near copy
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    duplicate_similarity: Mapped[float | None] = mapped_column(Float)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    #: MinHash signature (uint64 values, little-endian) for near-duplicate checks
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: alert matching: "pending" until matched once, then "done"; "baseline" for the
    #: first crawl of a source; "suppressed" for copies that must never alert on their own
    alert_state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))

    urls: Mapped[list[ArticleUrl]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleUrl.id"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Revision.number"
    )
    las: Mapped[list[ArticleLA]] = relationship(cascade="all, delete-orphan")


class ArticleUrl(Base):
    """Every URL an article was seen at (the canonical one included)."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    #: storage.dedup.url_key(url): scheme-, www-, slash- and tracking-insensitive identity
    key: Mapped[str] = mapped_column(String(2048), unique=True)
    #: "canonical", "alias" (other URL of the same page) or "same_body" (identical body elsewhere)
    kind: Mapped[str] = mapped_column(String(16), default="alias")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="urls")


class Revision(Base):
    """An earlier text of an article, kept when its body changed at the same URL."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    #: 1 = the first text seen; the article row holds the newest
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_hash: Mapped[str] = mapped_column(String(64))
    #: when this text was replaced by the next one
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: similarity of the replacing text to this one (MinHash estimate), and "minor"/"major"
    similarity: Mapped[float | None] = mapped_column(Float)
    change: Mapped[str | None] = mapped_column(String(16))
    alert_state: Mapped[str] = mapped_column(String(16), default="done", index=True)

    article: Mapped[Article] = relationship(back_populates="revisions")


class ArticleLA(Base):
    """An LA that an article concerns (by ONS code, see storage.gazetteer)."""

    __tablename__ = "article_las"
    __table_args__ = (UniqueConstraint("article_id", "la_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    la_code: Mapped[str] = mapped_column(String(16), index=True)


class LshBand(Base):
    """One LSH band hash of an article's MinHash: candidates are one indexed lookup."""

    __tablename__ = "lsh_bands"
    __table_args__ = (Index("ix_lsh_bands_band_bucket", "band", "bucket", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    band: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[int] = mapped_column(BigInteger)


class Story(Base):
    """Articles about one event (same LA, close in time, similar text), maybe under a report."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    la_code: Mapped[str | None] = mapped_column(String(16), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    first_published_at: Mapped[datetime | None] = mapped_column()
    last_published_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- Ofsted reports


class Report(Base):
    """An Ofsted inspection report or letter on an LA's children's services."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Ofsted's file id (files.ofsted.gov.uk/v1/file/<id>): the identity of a report
    file_id: Mapped[str] = mapped_column(String(32), unique=True)
    urn: Mapped[str] = mapped_column(String(16), index=True)
    la_code: Mapped[str | None] = mapped_column(String(16), index=True)
    provider_name: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str] = mapped_column(Text, default="")
    #: see crawler.ofsted report types: ilacs_standard, ilacs_short, sif, sif_reinspection,
    #: monitoring_visit, focused_visit, jtai, area_send, other
    report_type: Mapped[str] = mapped_column(String(32), index=True)
    #: graded reports: pre_sif, sif, ilacs_2018, ilacs_2023, ilacs_2026 (no overall grade) or
    #: framework_unknown (see crawler.ofsted.frameworks); None for letters and area SEND
    framework: Mapped[str | None] = mapped_column(String(32))
    published_on: Mapped[date | None] = mapped_column(Date, index=True)
    inspection_start: Mapped[date | None] = mapped_column(Date)
    inspection_end: Mapped[date | None] = mapped_column(Date)
    lead_inspector: Mapped[str | None] = mapped_column(Text)
    #: the LA as the document names it ("London Borough of Croydon"), kept even when unknown
    la_name: Mapped[str | None] = mapped_column(Text)
    #: overall effectiveness, where the framework has one (ILACS 2026 has none)
    overall_grade: Mapped[str | None] = mapped_column(String(64))
    #: a graded inspection (SIF/ILACS/pre-SIF, or any report whose PDF carried a grade table)
    graded: Mapped[bool] = mapped_column(Boolean, default=False)
    #: area SEND outcome phrase: positive experiences, inconsistent experiences, significant concerns
    send_outcome: Mapped[str | None] = mapped_column(String(64))
    #: a focused/monitoring visit letter names "areas for priority action"
    priority_action: Mapped[bool] = mapped_column(Boolean, default=False)
    #: what the parser could not read (``; ``-separated), for operators
    parse_notes: Mapped[str | None] = mapped_column(Text)
    provider_url: Mapped[str] = mapped_column(Text, default="")
    file_url: Mapped[str] = mapped_column(Text, default="")
    #: pending, ok, not_a_pdf, pdf_unparseable, too_large, http_error, unreadable (no text
    #: layer); pending, not_a_pdf, http_error and unreadable are fetched again on later crawls
    pdf_status: Mapped[str] = mapped_column(String(32), default="pending", index=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    #: a few sentences of the findings (not the letterhead), for alerts
    excerpt: Mapped[str | None] = mapped_column(Text)
    fetch_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_fetch_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: "pending" (new: to alert), "baseline" (the source's first crawl), "backfill" (first seen
    #: long after its publication date, e.g. a provider page that failed during the baseline)
    alert_state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))

    judgements: Mapped[list[Judgement]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Judgement.id"
    )


class Judgement(Base):
    """One judgement of a graded report: one row per (report, judgement kind).

    ``area`` is the judgement kind (``overall``, ``leaders``, ``help_and_protection``,
    ``in_care``, ``care_leavers``, ``in_care_and_care_leavers``, SIF's ``leadership``,
    ``looked_after_and_permanence``, ``adoption``, ...; a key made from the row label in a
    ``framework_unknown`` report), ``grade`` the normalised grade and ``framework`` the
    report's framework, so a kind is compared with its like across frameworks.
    """

    __tablename__ = "judgements"
    __table_args__ = (UniqueConstraint("report_id", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(Text)
    grade: Mapped[str] = mapped_column(String(64))
    framework: Mapped[str | None] = mapped_column(String(32))

    report: Mapped[Report] = relationship(back_populates="judgements")


# --------------------------------------------------------------------------- crawling


class CrawlRun(Base):
    """One crawl of one source, scheduled or by hand."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text, index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    #: running, ok, partial, failed, timeout, robots_unavailable, suspect_empty
    status: Mapped[str] = mapped_column(String(32), default="running")
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    pid: Mapped[int | None] = mapped_column(Integer)
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    articles_revised: Mapped[int] = mapped_column(Integer, default=0)
    articles_aliased: Mapped[int] = mapped_column(Integer, default=0)
    articles_syndicated: Mapped[int] = mapped_column(Integer, default=0)
    reports_new: Mapped[int] = mapped_column(Integer, default=0)
    #: reason -> count of pages not stored (not_article, too_short, paywalled, non_html, ...)
    dropped: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SourceState(Base):
    """What the scheduler knows about each source between runs."""

    __tablename__ = "source_state"

    source: Mapped[str] = mapped_column(Text, primary_key=True)
    last_run_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column()
    #: the operator has been told this source is failing (reset when it recovers)
    failure_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the first successful crawl is a baseline: stored, not alerted
    baseline_done: Mapped[bool] = mapped_column(Boolean, default=False)


class PageState(Base):
    """Per-URL fetch state for conditional, incremental re-crawls."""

    __tablename__ = "page_state"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(Text, index=True)
    #: feed, listing, sitemap, article, provider, file
    kind: Mapped[str] = mapped_column(String(16), default="article")
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    http_status: Mapped[int | None] = mapped_column(Integer)
    last_fetched_at: Mapped[datetime | None] = mapped_column()
    last_changed_at: Mapped[datetime | None] = mapped_column()
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))


# --------------------------------------------------------------------------- alerts


class OperatorEvent(Base):
    """Something the operator must hear about (source failing/recovered, dead delivery)."""

    __tablename__ = "operator_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One message owed: rule x item x recipient, unique, so nothing is sent twice."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("rule", "item_kind", "item_id", "recipient", name="uq_delivery"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(Text)
    #: report, article, revision, operator
    item_kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(Text)
    #: immediate, digest (waiting for its rule's digest time) or batch (sent as one message
    #: with the other rows of the same ``batch``: a digest that is due, or a flood-capped pass)
    mode: Mapped[str] = mapped_column(String(16), default="immediate")
    #: grouping key of a batch (one recipient each), e.g. "digest:ofsted_daily:2026-11-30:a@b"
    batch: Mapped[str | None] = mapped_column(Text, index=True)
    #: pending, sending (claimed by the dispatcher), sent, dead
    status: Mapped[str] = mapped_column(String(16), default="pending")
    subject: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
