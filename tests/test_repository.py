"""Article identity in storage: one article however many URLs; revisions keep the old text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from storage.db import make_engine, session_scope
from storage.errors import URLTooLong
from storage.models import Article, ArticleLA, ArticleUrl, PageState, Report, Revision
from storage.pagestate import PageRecord, flush_page_states
from storage.reports import ReportInput, upsert_report
from storage.repository import ArticleInput, Outcome, store_article
from storage.runs import finish_run, source_state, start_run

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
STATEMENT_URL = "https://news.croydon.gov.uk/croydon-council-statement-in-response-to-ofsted-report/"


def seed_body(prefix: str) -> str:
    text = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    return "\n".join(p.strip() for p in text.split("\n\n")[1:12] if p.strip())


def statement(**overrides: object) -> ArticleInput:
    fields: dict[str, object] = {
        "source": "croydon",
        "canonical_url": STATEMENT_URL,
        "title": "Croydon Council statement in response to Ofsted report",
        "body": seed_body("000"),
        "published_at": datetime(2017, 9, 4, 7, 47, 9, tzinfo=UTC),
        "la_codes": ["E09000008"],
    }
    fields.update(overrides)
    return ArticleInput(**fields)  # type: ignore[arg-type]


def store(engine: Engine, item: ArticleInput) -> Outcome:
    with session_scope(engine) as session:
        return store_article(session, item).outcome


def count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_first_sighting_is_a_new_article_with_its_urls(engine: Engine) -> None:
    item = statement(other_urls=[STATEMENT_URL + "?utm_source=rss&utm_medium=rss"])
    assert store(engine, item) is Outcome.NEW
    with session_scope(engine) as session:
        article = session.execute(select(Article)).scalar_one()
        assert article.title == "Croydon Council statement in response to Ofsted report"
        assert article.published_at == datetime(2017, 9, 4, 7, 47, 9, tzinfo=UTC)
        assert [u.url for u in article.urls] == [STATEMENT_URL]  # the utm_ link is the same URL
        assert [t.la_code for t in article.las] == ["E09000008"]


def test_same_page_again_is_unchanged(engine: Engine) -> None:
    store(engine, statement())
    assert store(engine, statement()) is Outcome.UNCHANGED
    assert count(engine, Article) == 1


def test_http_and_www_variants_are_the_same_article(engine: Engine) -> None:
    store(engine, statement())
    variant = statement(canonical_url=STATEMENT_URL.replace("https://", "http://"))
    assert store(engine, variant) is Outcome.UNCHANGED
    assert count(engine, Article) == 1


def test_another_url_of_a_known_article_is_kept_as_an_alias(engine: Engine) -> None:
    store(engine, statement())
    moved = statement(other_urls=["https://www.croydon.gov.uk/news/ofsted-statement"])
    assert store(engine, moved) is Outcome.ALIAS
    with session_scope(engine) as session:
        urls = session.execute(select(ArticleUrl.url).order_by(ArticleUrl.id)).scalars().all()
    assert urls == [STATEMENT_URL, "https://www.croydon.gov.uk/news/ofsted-statement"]
    assert count(engine, Article) == 1


def test_identical_body_at_a_new_url_is_an_alias_not_a_new_article(engine: Engine) -> None:
    store(engine, statement())
    copy = statement(source="londonnewsonline", canonical_url="https://londonnewsonline.co.uk/news/croydon-statement/")
    assert store(engine, copy) is Outcome.SAME_BODY
    assert count(engine, Article) == 1
    with session_scope(engine) as session:
        kinds = dict(session.execute(select(ArticleUrl.url, ArticleUrl.kind)).all())
    assert kinds["https://londonnewsonline.co.uk/news/croydon-statement/"] == "same_body"


def test_changed_body_at_a_known_url_is_a_revision_keeping_the_old_text(engine: Engine) -> None:
    original = statement()
    store(engine, original)
    changed_body = original.body.replace("We accept the findings", "We fully accept the findings")
    assert changed_body != original.body
    assert store(engine, statement(body=changed_body)) is Outcome.REVISED
    with session_scope(engine) as session:
        article = session.execute(select(Article)).scalar_one()
        revision = session.execute(select(Revision)).scalar_one()
        assert article.body == changed_body and article.revision_count == 1
        assert revision.number == 1 and revision.body == original.body
    assert store(engine, statement(body=changed_body)) is Outcome.UNCHANGED
    assert count(engine, Revision) == 1


def test_a_revision_naming_another_la_adds_its_tag_and_keeps_the_first(engine: Engine) -> None:
    store(engine, statement())
    joint = statement(body=seed_body("000") + "\nThe council will work with Sutton on the improvement plan.",
                      la_codes=["E09000029", "E09000008"])
    assert store(engine, joint) is Outcome.REVISED
    with session_scope(engine) as session:
        assert sorted(session.execute(select(ArticleLA.la_code)).scalars()) == ["E09000008", "E09000029"]


def test_walled_teasers_never_absorb_other_pages(engine: Engine) -> None:
    teaser = "Register to read more about children's services in Croydon."
    store(engine, statement(canonical_url="https://www.cypnow.co.uk/content/news/a", body=teaser, access="partial"))
    other = statement(canonical_url="https://www.cypnow.co.uk/content/news/b", body=teaser, access="partial")
    assert store(engine, other) is Outcome.NEW
    assert count(engine, Article) == 2


def test_baseline_articles_are_not_pending_alerts(engine: Engine) -> None:
    store(engine, statement(baseline=True))
    with session_scope(engine) as session:
        assert session.execute(select(Article.alert_state)).scalar_one() == "baseline"


def test_crawl_run_outcome_updates_source_state(engine: Engine) -> None:
    with session_scope(engine) as session:
        run = start_run(session, "croydon")
        finish_run(session, run.id, status="failed", error="no page could be fetched")
        run2 = start_run(session, "croydon")
        finish_run(session, run2.id, status="failed", error="no page could be fetched")
        assert source_state(session, "croydon").consecutive_failures == 2
        run3 = start_run(session, "croydon")
        finish_run(session, run3.id, status="ok", articles_new=3)
        state = source_state(session, "croydon")
        assert state.consecutive_failures == 0 and state.baseline_done and state.last_success_at


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        store(engine, statement(published_at=datetime(2017, 9, 4)))


# --------------------------------------------------------------------------- values of any length
# PostgreSQL refuses a value longer than its VARCHAR(n) (SQLite stores it): the page failed
# on every run. Free text from pages, feeds, headers and config is unbounded; URLs, which are
# identity keys, are bounded on the way in.

LONG_NAME = "Jane Smith, Senior Reporter, " * 12  # 348 characters


def test_long_author_site_name_language_and_source_id_are_stored_whole(engine: Engine) -> None:
    source = "croydon_council_childrens_services_news_and_press_releases_from_the_borough"
    item = statement(source=source, author=LONG_NAME, site_name=LONG_NAME, language="en-GB-x-" + "dialect" * 6)
    assert store(engine, item) is Outcome.NEW
    assert store(engine, item) is Outcome.UNCHANGED  # the next run: the same article, no error
    with session_scope(engine) as session:
        article = session.execute(select(Article)).scalar_one()
        assert (article.source, article.author, article.site_name) == (source, LONG_NAME, LONG_NAME)
        assert article.language == item.language
        run = start_run(session, source)
        finish_run(session, run.id, status="ok", articles_new=1)
        assert source_state(session, source).last_status == "ok"


def test_a_canonical_url_too_long_to_be_a_key_gives_way_to_the_fetched_url(engine: Engine) -> None:
    # a page naming a 3,000-character canonical URL, also reached through a feed link as long
    huge = "https://news.croydon.gov.uk/" + "statement-" * 300
    item = statement(canonical_url=huge, other_urls=[STATEMENT_URL, huge + "?from=rss"])
    assert store(engine, item) is Outcome.NEW
    assert store(engine, item) is Outcome.UNCHANGED
    with session_scope(engine) as session:
        assert session.execute(select(Article.canonical_url)).scalar_one() == STATEMENT_URL
        assert session.execute(select(ArticleUrl.url)).scalars().all() == [STATEMENT_URL]


def test_an_article_with_no_storable_url_is_one_clear_error(engine: Engine) -> None:
    huge = "https://news.croydon.gov.uk/" + "statement-" * 300
    with pytest.raises(URLTooLong, match=r"no URL of the article fits \(2048 characters\): https://news"):
        store(engine, statement(canonical_url=huge))
    assert count(engine, Article) == 0


def test_long_report_labels_names_and_urls_are_stored_whole(engine: Engine) -> None:
    label = "Children's services focused visit, pdf - 11 March 2025 " + "(amended) " * 50
    file_url = "https://files.ofsted.gov.uk/v1/file/50300001?" + "download=1&" * 200
    # a grade row of a framework the parser does not know is stored under its label's words
    area = "experiences_progress_children_young_people_leaving_care_transition_adulthood_independence"
    with session_scope(engine) as session:
        result = upsert_report(session, ReportInput(
            urn="80492", file_id="50300001", label=label, provider_name=LONG_NAME, file_url=file_url,
            provider_url=file_url, report_type="focused_visit", lead_inspector=LONG_NAME,
            pdf_status="ok", fetched=True, text="Focused visit to Croydon children's services.",
            judgements={area: "Good"}, graded=True))
    with session_scope(engine) as session:
        report = session.get(Report, result.report_id)
        assert report is not None
        assert (report.label, report.provider_name, report.lead_inspector) == (label, LONG_NAME, LONG_NAME)
        assert report.file_url == report.provider_url == file_url
        assert [(j.area, j.grade) for j in report.judgements] == [(area, "Good")]


def test_long_validators_of_a_page_are_kept(engine: Engine) -> None:
    etag = 'W/"' + "0123456789abcdef" * 40 + '"'
    modified = "Mon, 04 Sep 2017 07:47:09 GMT; comment=" + "x" * 100
    url = "https://news.croydon.gov.uk/feed/?" + "&".join(f"p{i}=v" for i in range(306))  # 2,065 characters
    assert 2048 < len(url) <= 2083  # Scrapy's URLLENGTH_LIMIT
    record = PageRecord(url=url, source="croydon", kind="feed", fetched_at=datetime(2026, 11, 2, tzinfo=UTC),
                        etag=etag, last_modified=modified)
    with session_scope(engine) as session:
        flush_page_states(session, [record])
    with session_scope(engine) as session:
        state = session.execute(select(PageState)).scalar_one()
        assert (state.url, state.etag, state.last_modified) == (url, etag, modified)


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_a_failed_statement_s_error_does_not_carry_its_parameters(engine: Engine, read_only: bool) -> None:
    """Every engine (crawl, service and CLI: writers; the dashboard: a reader) comes from
    make_engine, and errors end up in logs: a statement's parameters (article bodies) stay out."""
    own = make_engine(engine.url.render_as_string(hide_password=False), read_only=read_only)
    try:
        with pytest.raises(DBAPIError) as caught, own.connect() as conn:
            conn.execute(text("SELECT no_such_column FROM articles WHERE body = :body"),
                         {"body": "Staff morale is improving at the London Borough of Croydon"})
    finally:
        own.dispose()
    assert "Staff morale" not in str(caught.value) and "no_such_column" in str(caught.value)
