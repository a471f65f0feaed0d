"""Stories: the coverage of one event grouped, and linked to the Ofsted report it follows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from scheduler.cli import main
from storage import archive
from storage.db import session_scope
from storage.models import Article, Report, Story
from storage.repository import ArticleInput
from storage.stories import DEFAULT_STORY_SETTINGS, link_report
from storage.stories.text import ShingledText, related
from tests.test_neardup import (
    CROYDON,
    NEW_LEAD,
    STATEMENT,
    SUTTON,
    article,
    reprint,
    seed_body,
    seed_item,
    store,
)


def croydon_2017_report(engine: Engine) -> int:
    with session_scope(engine) as session:
        report = Report(file_id="2731392", urn="80492", la_code=CROYDON, provider_name="Croydon",
                        label="Inspection of services for children in need of help and protection",
                        report_type="sif", published_on=date(2017, 9, 4), overall_grade="Inadequate")
        session.add(report)
        session.flush()
        return report.id


def story_of(engine: Engine, article_id: int) -> Story | None:
    a = article(engine, article_id)
    if a.story_id is None:
        return None
    with session_scope(engine) as session:
        return session.get(Story, a.story_id)


def texts_related(a: str, b: str) -> bool:
    """Whether two texts from different outlets are about the same event."""
    return related(ShingledText(a, "a", DEFAULT_STORY_SETTINGS), ShingledText(b, "b", DEFAULT_STORY_SETTINGS))


def test_seed_pairs_are_related_by_their_shared_quotations() -> None:
    s0, s1, s2 = (seed_body(n) for n in ("000", "001", "002"))
    assert texts_related(s0, s1) and texts_related(s0, s2) and texts_related(s1, s2)
    assert not texts_related(seed_body("003"), seed_body("004"))


def test_the_three_4_september_2017_articles_form_one_story(engine: Engine) -> None:
    ids = [store(engine, seed_item(n)).article_id for n in ("000", "001", "002")]
    story_ids = {article(engine, i).story_id for i in ids}
    assert len(story_ids) == 1 and None not in story_ids


def test_the_2017_story_is_linked_to_croydons_2017_report(engine: Engine) -> None:
    report_id = croydon_2017_report(engine)
    ids = [store(engine, seed_item(n)).article_id for n in ("000", "001", "002")]
    story = story_of(engine, ids[0])
    assert story is not None
    assert story.report_id == report_id
    assert story.la_code == CROYDON
    assert story.title == "Croydon Council statement in response to Ofsted report"
    assert story.first_published_at == datetime(2017, 9, 4, 7, 47, tzinfo=UTC)
    assert story.last_published_at == datetime(2017, 9, 4, 12, 30, tzinfo=UTC)


def test_2019_articles_do_not_join_the_2017_story(engine: Engine) -> None:
    croydon_2017_report(engine)
    first = store(engine, seed_item("000")).article_id
    store(engine, seed_item("001"))
    later = [store(engine, seed_item(n)).article_id for n in ("003", "004")]
    story_2017 = article(engine, first).story_id
    for i in later:
        assert article(engine, i).story_id != story_2017
    with session_scope(engine) as session:
        assert session.execute(select(Story)).scalars().all()[0].id == story_2017
        assert len(session.execute(select(Story)).scalars().all()) == 1


def test_other_la_on_the_same_day_never_merges(engine: Engine) -> None:
    # Sutton's article the same day quotes the same national statement as Croydon's
    shared = ("A Department for Education spokesperson said: \"Every child deserves to be safe and we will "
              "not hesitate to intervene where councils are failing to protect vulnerable children, and we "
              "will work with the council and its partners to make sure improvements are made quickly.\"")
    croydon = store(engine, seed_item("002", body=seed_body("002") + "\n\n" + shared))
    store(engine, seed_item("000"))
    sutton = store(engine, ArticleInput(
        source="suttonguardian", canonical_url="https://suttonguardian.example/news/1", la_codes=[SUTTON],
        title="Sutton children's services told to improve",
        body="Sutton Council's children's services must improve, inspectors have said after a visit in July. "
             "The council said it had already begun work on an action plan.\n\n" + shared,
        published_at=datetime(2017, 9, 4, 15, tzinfo=UTC)))
    croydon_story = article(engine, croydon.article_id).story_id
    assert croydon_story is not None
    assert article(engine, sutton.article_id).story_id != croydon_story


def test_unrelated_article_on_the_same_la_and_day_stays_out(engine: Engine) -> None:
    ids = [store(engine, seed_item(n)).article_id for n in ("000", "001")]
    libraries = store(engine, ArticleInput(
        source="croydon", canonical_url="https://news.croydon.gov.uk/libraries-extend-weekend-opening-hours/",
        title="Libraries extend weekend opening hours", la_codes=[CROYDON],
        published_at=datetime(2017, 9, 4, 11, tzinfo=UTC),
        body="Six Croydon libraries will open for longer at weekends from October, the council announced "
             "today. Residents asked for longer Sunday hours in last year's consultation, and Central, "
             "Thornton Heath and Norbury libraries will now open until 5pm on Sundays."))
    story = article(engine, ids[0]).story_id
    assert story is not None
    assert article(engine, libraries.article_id).story_id is None


def test_syndicated_copy_shares_its_originals_story_and_adds_an_outlet(engine: Engine) -> None:
    ids = [store(engine, seed_item(n)).article_id for n in ("000", "001")]
    copy = store(engine, reprint("000", "insidecroydon", NEW_LEAD + "\n\n" + STATEMENT))
    story = article(engine, ids[0]).story_id
    assert article(engine, copy.article_id).story_id == story
    with session_scope(engine) as session:
        rows = archive.articles(session, group_stories=True)
        from storage.stories import outlets_by_article

        outlets = outlets_by_article(session, rows)
    assert [a.id for a in rows] == [ids[0]]
    assert outlets[ids[0]] == ["croydon", "localgov", "insidecroydon"]


def test_copy_stored_before_the_story_forms_follows_its_original_into_it(engine: Engine) -> None:
    first = store(engine, seed_item("000")).article_id
    copy = store(engine, reprint("000", "insidecroydon", NEW_LEAD + "\n\n" + STATEMENT)).article_id
    assert article(engine, first).story_id is None
    store(engine, seed_item("002"))
    story = article(engine, first).story_id
    assert story is not None
    assert article(engine, copy).story_id == story


def test_single_article_following_a_report_gets_a_story_under_it(engine: Engine) -> None:
    report_id = croydon_2017_report(engine)
    only = store(engine, seed_item("002")).article_id
    story = story_of(engine, only)
    assert story is not None and story.report_id == report_id


def test_article_weeks_after_the_report_is_not_linked_to_it(engine: Engine) -> None:
    croydon_2017_report(engine)
    late = store(engine, seed_item("002", published_at=datetime(2017, 10, 20, 9, tzinfo=UTC))).article_id
    assert article(engine, late).story_id is None


def test_report_stored_after_its_coverage_is_linked_by_link_report(engine: Engine) -> None:
    ids = [store(engine, seed_item(n)).article_id for n in ("000", "001", "002")]
    report_id = croydon_2017_report(engine)
    with session_scope(engine) as session:
        report = session.get(Report, report_id)
        assert report is not None
        linked = link_report(session, report)
    story = story_of(engine, ids[0])
    assert story is not None and linked == [story.id]
    assert story.report_id == report_id


def test_two_stories_bridged_by_a_later_article_merge(engine: Engine) -> None:
    a = store(engine, seed_item("000")).article_id
    # 001 is stored as if published four days later, out of 000's window, so it starts alone
    b = store(engine, seed_item("001", published_at=datetime(2017, 9, 8, 10, tzinfo=UTC))).article_id
    assert article(engine, a).story_id is None and article(engine, b).story_id is None
    store(engine, seed_item("002", published_at=datetime(2017, 9, 6, 9, tzinfo=UTC)))
    assert article(engine, a).story_id is not None
    assert article(engine, a).story_id == article(engine, b).story_id
    with session_scope(engine) as session:
        assert len(session.execute(select(Story)).scalars().all()) == 1


def test_articles_listing_shows_a_story_once(engine: Engine) -> None:
    ids = [store(engine, seed_item(n)).article_id for n in ("000", "001", "002", "003")]
    with session_scope(engine) as session:
        grouped = [x.id for x in archive.articles(session, group_stories=True)]
        flat = [x.id for x in archive.articles(session)]
    assert grouped == [ids[3], ids[0]]
    assert len(flat) == 4


def test_a_story_without_dates_is_listed_after_the_dated_ones(engine: Engine) -> None:
    # newest first by last article; a story with no dated article sorts last on both databases
    # (PostgreSQL put it first: NULLs are high there)
    for n in ("000", "001", "002"):
        store(engine, seed_item(n))
    with session_scope(engine) as session:
        session.add(Story(la_code=CROYDON, title="Croydon children's services: no article dated yet"))
    with session_scope(engine) as session:
        listed = [(s.title, s.articles) for s in archive.stories(session)]
    assert listed == [("Croydon Council statement in response to Ofsted report", 3),
                      ("Croydon children's services: no article dated yet", 0)]


def test_stories_command_lists_la_report_outlets_and_dates(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAREWATCH_DATABASE_URL", raising=False)
    croydon_2017_report(engine)
    for n in ("000", "001", "002"):
        store(engine, seed_item(n))
    config = tmp_path / "carewatch.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["-c", str(config), "stories", "--json"])
    assert result.exit_code == 0, result.output
    (story,) = json.loads(result.output)
    assert story["la"] == "Croydon"
    assert story["report"]["published_on"] == "2017-09-04"
    assert story["outlets"] == ["croydon", "localgov", "cypnow"]
    assert story["articles"] == 3
    assert story["first_published_at"].startswith("2017-09-04")
    table = CliRunner().invoke(main, ["-c", str(config), "stories"])
    assert table.exit_code == 0, table.output
    assert "Croydon" in table.output and "cypnow" in table.output


def test_story_window_is_three_days(engine: Engine) -> None:
    first = store(engine, seed_item("000")).article_id
    late = store(engine, seed_item("002", published_at=datetime(2017, 9, 4, 7, 47, tzinfo=UTC)
                                   + timedelta(days=3, hours=1))).article_id
    assert article(engine, first).story_id is None
    assert article(engine, late).story_id is None


def test_report_crawled_after_its_coverage_takes_the_story_under_it(engine: Engine) -> None:
    from datetime import date

    from storage.reports import ReportInput, upsert_report

    ids = [store(engine, seed_item(n)).article_id for n in ("000", "001", "002")]
    with session_scope(engine) as session:
        result = upsert_report(session, ReportInput(
            urn="80492", file_id="50000101", label="Children's services inspection, pdf - 04 September 2017",
            provider_name="Croydon", report_type="sif", published_on=date(2017, 9, 4),
        ))
    story = story_of(engine, ids[0])
    assert story is not None and story.report_id == result.report_id
    assert {story_of(engine, i).id for i in ids} == {story.id}  # type: ignore[union-attr]


def test_a_text_cache_smaller_than_the_candidates_costs_only_reads(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # shingles of recent articles are cached; with room for 3, the 4th article's candidates
    # (newest first: one evicted, two cached) once made the cache evict an entry it had just
    # counted as cached, and the whole batch failed
    from collections import OrderedDict

    from storage.stories import text

    monkeypatch.setattr(text, "_TEXT_CACHE_SIZE", 3)
    monkeypatch.setattr(text, "_TEXT_CACHE", OrderedDict())
    ids = [store(engine, seed_item(n)).article_id for n in ("000", "001", "002")]
    libraries = store(engine, ArticleInput(
        source="croydon", canonical_url="https://news.croydon.gov.uk/libraries-extend-weekend-opening-hours/",
        title="Libraries extend weekend opening hours", la_codes=[CROYDON],
        published_at=datetime(2017, 9, 4, 11, tzinfo=UTC),
        body="Six Croydon libraries will open for longer at weekends from October, the council announced "
             "today. Residents asked for longer Sunday hours in last year's consultation."))
    story = article(engine, ids[0]).story_id
    assert story is not None and {article(engine, i).story_id for i in ids} == {story}
    assert article(engine, libraries.article_id).story_id is None


def test_objects_the_session_holds_see_the_story(engine: Engine) -> None:
    from storage.repository import store_article

    with session_scope(engine) as session:
        first = session.get(Article, store_article(session, seed_item("000")).article_id)
        assert first is not None and first.story_id is None
        store_article(session, seed_item("001"))
        assert first.story_id is not None  # the Core UPDATE expired the loaded object
