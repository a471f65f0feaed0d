"""The Ofsted spider against the reports-site replica, through the real Scrapy engine.

Each crawl is ``python -m scrapy crawl ofsted`` in a child process (tests/fixtures_crawl.py)
with a tmp carewatch.toml (source rebased onto the replica, ``download_delay = 0``) and a tmp
SQLite file. Most tests use the 3-provider scenario; one crawls the full 153-provider list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crawler.ofsted import parse_label
from scheduler.cli import main as cli
from storage.models import CrawlRun, Report
from tests.fixtures_crawl import CrawlEnv
from tests.pdfs import CROYDON_URN, FIXTURE_REPORTS, FixtureReport

pytestmark = pytest.mark.timeout(180)

SMALL_URNS = {CROYDON_URN, "80903", "80904"}
NEW_FILE_ID = "50300001"
#: the 3-provider scenario must not look "suspect"; back-off kept short for the one 403
SETTINGS = {"CAREWATCH_OFSTED_MIN_PROVIDERS": "3", "CAREWATCH_BACKOFF_BASE": "0.05",
            "CAREWATCH_BACKOFF_MAX": "0.2"}
CROYDON_ORDER = ["50000101", "50000102", "50000103", "50000104", "50000105", "50000106",
                 "50000107", "50263391"]


@pytest.fixture
def env(crawler_env: CrawlEnv) -> Iterator[CrawlEnv]:
    crawler_env.write_config()
    text = crawler_env.config_path.read_text(encoding="utf-8")
    assert "[sources.ofsted]\n" in text
    text = text.replace("[sources.ofsted]\n", "[sources.ofsted]\ndownload_delay = 0\n")
    crawler_env.config_path.write_text(text, encoding="utf-8")
    yield crawler_env


def crawl(env: CrawlEnv, **settings: str) -> None:
    proc = env.crawl("ofsted", settings={**SETTINGS, **settings})
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]


def reports(env: CrawlEnv) -> dict[str, Report]:
    with Session(env.engine) as s:
        rows = s.execute(select(Report).options(selectinload(Report.judgements))).scalars().all()
        return {r.file_id: r for r in rows}


def runs(env: CrawlEnv) -> list[CrawlRun]:
    with Session(env.engine) as s:
        return list(s.execute(select(CrawlRun).order_by(CrawlRun.id)).scalars())


def fixtures_for(urns: set[str] | None = None) -> list[FixtureReport]:
    return [f for f in FIXTURE_REPORTS.values() if urns is None or f.urn in urns]


def check_report(report: Report, fixture: FixtureReport) -> None:
    """The stored row says what the fixture says it must."""
    label = parse_label(fixture.label)
    assert report.urn == fixture.urn
    assert report.label == fixture.label.replace("’", "'")
    assert report.published_on == label.published_on, fixture.key
    assert report.pdf_status == fixture.status, (fixture.key, report.last_error)
    assert report.file_url == fixture.url
    if fixture.status != "ok":
        assert report.last_error, fixture.key
        assert not report.judgements and report.overall_grade is None
        return
    assert report.pdf_sha256 and report.text
    columns: dict[str, Any] = {
        "report_type": report.report_type, "framework": report.framework,
        "inspection_start": report.inspection_start, "inspection_end": report.inspection_end,
        "lead_inspector": report.lead_inspector, "overall": report.overall_grade,
        "la_name": report.la_name,
        "graded": report.graded, "send_outcome": report.send_outcome,
        "priority_action": report.priority_action,
        "judgements": {j.area: j.grade for j in report.judgements},
    }  # fmt: skip
    for key, want in fixture.expected.items():
        if key == "published_on":  # the PDF's own line (SIF only); the label date is stored
            if want is not None:
                assert report.published_on == want, fixture.key
            continue
        assert columns[key] == want, (fixture.key, key)


def hits(env: CrawlEnv) -> dict[str, dict[str, int]]:
    return env.mock.hits("ofsted")


def test_small_replica_baseline_recrawl_and_new_report(env: CrawlEnv) -> None:
    env.mock.set_scenario("ofsted_small")
    crawl(env)

    stored = reports(env)
    expected = fixtures_for(SMALL_URNS)
    assert set(stored) == {str(f.file_id) for f in expected}
    for fixture in expected:
        check_report(stored[str(fixture.file_id)], fixture)
    assert stored["50000101"].la_code == "E09000008"  # Croydon, by URN through the gazetteer
    assert {r.alert_state for r in stored.values()} == {"baseline"}
    # the unknown label (monitoring-visit stand-in) is kept, typed from the letter's text
    assert stored["50000105"].report_type == "monitoring_visit"
    assert "unknown label" in (stored["50000105"].parse_notes or "")
    # bad files: a clear status, the report row kept, the crawl went on
    assert stored["50000901"].pdf_status == "not_a_pdf"
    assert "Report not found" in (stored["50000901"].last_error or "")
    assert stored["50000902"].pdf_status == "not_a_pdf"
    assert "404" in (stored["50000902"].last_error or "")
    assert stored["50000906"].pdf_status == "pdf_unparseable"

    h = hits(env)
    for urn in SMALL_URNS:
        assert h[f"/provider/44/{urn}"].get("200") == 1
    assert h["/provider/44/80904"].get("403") == 1  # 403 once, retried after backing off
    assert all("rows=100" in t for t in h if t.startswith("/search"))
    first = runs(env)[-1]
    assert first.status == "ok", first.error
    assert first.reports_new == len(expected)
    assert first.stats["carewatch/backoff"] >= 1
    assert first.stats["retry/reason_count/403 Forbidden"] == 1

    # unchanged replica: nothing new; only the retryable not_a_pdf files are fetched again
    env.mock.reset_hits()
    crawl(env)
    assert set(reports(env)) == set(stored)
    second = runs(env)[-1]
    assert second.status == "ok" and second.reports_new == 0
    files = {t for t in hits(env) if t.startswith("/v1/file/")}
    assert files == {"/v1/file/50000901", "/v1/file/50000902"}
    again = reports(env)
    assert again["50000901"].fetch_attempts == 2 and again["50000101"].fetch_attempts == 1

    # a report added between two crawls is stored on that crawl and nowhere else
    env.mock.set_scenario("ofsted_new_report")
    crawl(env)
    third = runs(env)[-1]
    after = reports(env)
    assert set(after) - set(stored) == {NEW_FILE_ID}
    assert third.reports_new == 1
    new = after[NEW_FILE_ID]
    assert new.crawl_run_id == third.id and new.alert_state == "pending"
    assert new.report_type == "focused_visit" and new.priority_action is True
    assert new.published_on == date.today() and new.la_code == "E09000008"
    assert all(r.alert_state == "baseline" for fid, r in after.items() if fid != NEW_FILE_ID)

    # Croydon's history, oldest first, out of `carewatch ratings Croydon`
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(env.config_path), "ratings", "Croydon", "--json"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    history = json.loads(result.output)
    assert [r["file_id"] for r in history] == [*CROYDON_ORDER, NEW_FILE_ID]
    assert history[0]["report_type"] == "sif" and history[0]["overall"] == "Inadequate"
    assert [r["report_type"] for r in history[1:5]] == ["monitoring_visit"] * 4
    assert history[5]["overall"] == "Good" and history[-2]["overall"] == "Good"
    table = runner.invoke(cli, ["--config", str(env.config_path), "ratings", "Croydon"],
                          catch_exceptions=False, terminal_width=200)
    assert table.exit_code == 0
    text = table.output
    assert "oldest first" in text
    assert text.index("Inadequate") < text.index("Monitoring") < text.index("Focused")


def test_failed_provider_page_is_fetched_next_run(env: CrawlEnv) -> None:
    env.mock.set_scenario("ofsted_small")
    env.mock.set_scenario("ofsted_provider_down")  # Northmoor (80903) answers 503
    crawl(env)
    first = runs(env)[-1]
    assert first.status == "partial"
    stored = reports(env)
    assert {r.urn for r in stored.values()} == {CROYDON_URN, "80904"}
    assert hits(env)["/provider/44/80903"].get("503", 0) >= 2  # retried, then given up

    env.mock.unset_scenario("ofsted_provider_down")
    crawl(env)
    after = reports(env)
    assert {str(f.file_id) for f in fixtures_for({"80903"})} <= set(after)
    assert runs(env)[-1].status == "ok"
    # published long before they were first seen: stored, but not alerted as news
    assert {after[str(f.file_id)].alert_state for f in fixtures_for({"80903"})} == {"backfill"}


def test_links_without_nonvisual_mark_the_run_suspect(env: CrawlEnv) -> None:
    env.mock.set_scenario("ofsted_small")
    env.mock.set_scenario("ofsted_no_labels")
    crawl(env, CAREWATCH_OFSTED_MIN_PROVIDERS="140")  # the production threshold
    run = runs(env)[-1]
    assert run.status == "suspect_empty"
    assert "span.nonvisual" in (run.error or "")
    assert "listed 3 providers, expected about 153" in (run.error or "")
    assert len(reports(env)) == len(fixtures_for(SMALL_URNS))  # still stored, never dropped


def test_provider_pages_without_report_links_mark_the_run_suspect(env: CrawlEnv) -> None:
    env.mock.set_scenario("ofsted_small")
    env.mock.set_scenario("ofsted_layout_changed")
    crawl(env)
    run = runs(env)[-1]
    assert run.status == "suspect_empty"
    assert "none listed an a.publication-link" in (run.error or "")
    assert not reports(env)


def test_full_replica_every_provider_and_report(env: CrawlEnv) -> None:
    crawl(env, CAREWATCH_OFSTED_MIN_PROVIDERS="140")
    run = runs(env)[-1]
    assert run.status == "ok", run.error
    assert run.stats["carewatch/ofsted/providers"] == 153
    h = hits(env)
    providers = {t for t, by_status in h.items() if t.startswith("/provider/44/") and "200" in by_status}
    assert len(providers) == 153
    searches = sorted(t for t in h if t.startswith("/search"))
    assert len(searches) == 3  # 100 + 53 + an empty page
    stored = reports(env)
    assert set(stored) == {str(f.file_id) for f in FIXTURE_REPORTS.values()}
    for fixture in FIXTURE_REPORTS.values():
        check_report(stored[str(fixture.file_id)], fixture)
    assert stored["50000904"].pdf_status == "too_large"
    assert stored["50000905"].pdf_status == "pdf_unparseable"  # 10,000 pages
    assert stored["50000903"].pdf_status == "pdf_unparseable"  # truncated
