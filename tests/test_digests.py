"""Digests show a report with its coverage under it, and each story once with its outlets."""

from __future__ import annotations

from datetime import UTC, date, datetime

from scheduler.messages import digest_message
from scheduler.rules.base import Candidate

CROYDON = dict(la_codes=frozenset({"E09000008"}), la_names=("Croydon",))


def report() -> Candidate:
    return Candidate(kind="report", id=7, source="ofsted", source_name="Ofsted", source_kind="regulator",
                     title="Children's services inspection", url="https://files.ofsted.gov.uk/v1/file/50000101",
                     published=date(2017, 9, 4), report_type="sif", overall_grade="Inadequate",
                     judgements=(("overall", "Inadequate"),), **CROYDON)  # type: ignore[arg-type]


def article(id_: int, source: str, title: str, story: int | None, report_id: int | None = None,
            day: int = 4) -> Candidate:
    return Candidate(kind="article", id=id_, source=source, source_name=source.title(), title=title,
                     url=f"https://{source}.example/{id_}", published=datetime(2017, 9, day, 9, tzinfo=UTC),
                     story_id=story, story_report_id=report_id, body="Croydon children's services …",
                     **CROYDON)  # type: ignore[arg-type]


def digest(items: list[Candidate]) -> tuple[str, str]:
    msg = digest_message(items, sender="carewatch@example.org", recipient="team@example.org",
                         message_id="<d-1@example.org>", title="daily digest")
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return text, html


def test_coverage_is_grouped_under_the_report_it_follows() -> None:
    items = [
        article(1, "croydon", "Croydon Council statement in response to Ofsted report", 3, 7),
        report(),
        article(2, "localgov", "Watchdog finds 'widespread and serious' failiures", 3, 7),
        article(3, "cypnow", "DfE appoints commissioner at 'inadequate' council", 3, 7),
    ]
    text, html = digest(items)
    report_at = text.index("Children's services inspection")
    coverage_at = text.index("Coverage:")
    assert report_at < coverage_at
    for title in ("Croydon Council statement", "Watchdog finds", "DfE appoints commissioner"):
        assert report_at < coverage_at < text.index(title)
        assert text.count(title) == 1
    assert html.count("<h3>") == 1  # one entry: the report, the coverage listed under it


def test_a_story_without_a_report_is_shown_once_with_its_outlets() -> None:
    items = [
        article(4, "insidecroydon", "Croydon children's services improving, says Ofsted", 9, day=18),
        article(5, "croydonguardian", "Final Ofsted report on Croydon's children's services published", 9, day=18),
        article(6, "londonnewsonline", "Croydon's children's services making progress", 9, day=19),
    ]
    text, html = digest(items)
    assert text.count("* ") == 1
    assert "Also reported by: Croydonguardian, Londonnewsonline" in text
    assert "Also reported by: Croydonguardian, Londonnewsonline" in html


def test_articles_of_different_stories_stay_separate() -> None:
    text, _ = digest([article(8, "communitycare", "Kent recruits overseas", 11),
                      article(9, "cypnow", "Croydon board meets", 12)])
    assert text.count("* ") == 2 and "Also reported by" not in text
