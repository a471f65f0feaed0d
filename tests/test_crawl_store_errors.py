"""An article the database refuses for a reason of its own (not full, not read-only): real
``scrapy crawl`` processes against the replicas in tests/sites.

The refusal is a real constraint: on PostgreSQL a CHECK constraint added to the test's schema,
whose error carries the refused row ("Failing row contains (…)", the body among it); on
SQLite, which cannot add one to a table, a trigger that aborts the insert as a constraint does.

What must hold: the crawl log says so in one line, naming the article and the failure, and
carries neither the article's body nor the SQL statement's parameters; the crawl goes on. The
same for an Ofsted report, which the next crawl fetches and stores.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from storage.db import session_scope
from storage.models import Report
from tests.fixtures_crawl import CrawlEnv, on_both_databases
from tests.pdfs import FIXTURE_REPORTS
from tests.test_crawl_lifecycle import runs
from tests.test_crawl_news import find_article
from tests.test_ofsted_crawl import SETTINGS as OFSTED_SETTINGS
from tests.test_ofsted_crawl import SMALL_URNS

SITE = "locumtoday"
REFUSED = "/article.php?s=2019-05-14-birmingham-trust-offers-locums-a-route-to-permanent-posts"
CONSTRAINT = "cw_test_refused"


def refuse_the_birmingham_article(env: CrawlEnv) -> None:
    with env.engine.begin() as conn:
        if env.engine.dialect.name == "sqlite":
            conn.execute(text(f"CREATE TRIGGER {CONSTRAINT} BEFORE INSERT ON articles "
                              "WHEN NEW.title LIKE 'Birmingham trust%' "
                              f"BEGIN SELECT RAISE(ABORT, 'constraint {CONSTRAINT} failed'); END"))
        else:
            conn.execute(text(f"ALTER TABLE articles ADD CONSTRAINT {CONSTRAINT} "
                              "CHECK (title NOT LIKE 'Birmingham trust%') NOT VALID"))


def allow_it_again(env: CrawlEnv) -> None:
    with env.engine.begin() as conn:
        conn.execute(text(f"DROP TRIGGER {CONSTRAINT}") if env.engine.dialect.name == "sqlite"
                     else text(f"ALTER TABLE articles DROP CONSTRAINT {CONSTRAINT}"))


def not_info(line: str) -> bool:
    """A log line that is not an INFO or DEBUG record (a WARNING, an ERROR, or a record's
    continuation line)."""
    return "] INFO: " not in line and "] DEBUG: " not in line


@on_both_databases
def test_an_article_the_database_refuses_is_logged_in_one_line_without_its_body(crawler_env: CrawlEnv) -> None:
    refuse_the_birmingham_article(crawler_env)
    proc = crawler_env.crawl(SITE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stderr
    assert find_article(crawler_env, SITE, REFUSED) is None
    assert runs(crawler_env)[-1].status == "partial"  # the crawl went on with the others

    url = crawler_env.mock.url(SITE, REFUSED)
    told = [line for line in log.splitlines() if url in line and not_info(line)]
    assert len(told) == 1, told
    assert "] WARNING: " in told[0] and CONSTRAINT in told[0], told[0]
    assert "[parameters:" not in log and "Failing row contains" not in log and "INSERT INTO" not in log, log[-5000:]

    # the article as it is once the database takes it: none of its body was in the first log
    allow_it_again(crawler_env)
    assert crawler_env.crawl(SITE).returncode == 0
    stored = find_article(crawler_env, SITE, REFUSED)
    assert stored is not None
    middle = len(stored.body) // 2
    assert stored.body[middle:middle + 40] not in log and stored.body[-40:] not in log


@pytest.fixture
def ofsted_env(crawler_env: CrawlEnv) -> Iterator[CrawlEnv]:
    """The three-provider Ofsted replica, crawled without a download delay."""
    crawler_env.write_config()
    config = crawler_env.config_path.read_text(encoding="utf-8")
    crawler_env.config_path.write_text(config.replace("[sources.ofsted]\n", "[sources.ofsted]\ndownload_delay = 0\n"),
                                       encoding="utf-8")
    crawler_env.mock.set_scenario("ofsted_small")
    yield crawler_env


def stored_report_ids(env: CrawlEnv) -> set[str]:
    with session_scope(env.engine) as session:
        return set(session.execute(select(Report.file_id)).scalars())


def refuse_report(env: CrawlEnv, file_id: str) -> None:
    with env.engine.begin() as conn:
        if env.engine.dialect.name == "sqlite":
            conn.execute(text(f"CREATE TRIGGER {CONSTRAINT} BEFORE INSERT ON reports "
                              f"WHEN NEW.file_id = '{file_id}' "
                              f"BEGIN SELECT RAISE(ABORT, 'constraint {CONSTRAINT} failed'); END"))
        else:
            conn.execute(text(f"ALTER TABLE reports ADD CONSTRAINT {CONSTRAINT} "
                              f"CHECK (file_id <> '{file_id}') NOT VALID"))


def allow_reports_again(env: CrawlEnv) -> None:
    with env.engine.begin() as conn:
        conn.execute(text(f"DROP TRIGGER {CONSTRAINT}") if env.engine.dialect.name == "sqlite"
                     else text(f"ALTER TABLE reports DROP CONSTRAINT {CONSTRAINT}"))


@on_both_databases
def test_an_ofsted_report_the_database_refuses_is_logged_in_one_line_and_stored_by_the_next_crawl(
    ofsted_env: CrawlEnv,
) -> None:
    refused = str(FIXTURE_REPORTS["croydon_ilacs_2020"].file_id)
    refuse_report(ofsted_env, refused)
    proc = ofsted_env.crawl("ofsted", settings=OFSTED_SETTINGS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stderr
    assert "Traceback" not in log and "Error processing" not in log, log[-5000:]
    told = [line for line in log.splitlines() if refused in line and not_info(line)]
    assert len(told) == 1, told
    assert "] WARNING: " in told[0] and CONSTRAINT in told[0], told[0]
    assert "[parameters:" not in log and "Failing row contains" not in log, log[-5000:]
    assert refused not in stored_report_ids(ofsted_env)

    allow_reports_again(ofsted_env)
    again = ofsted_env.crawl("ofsted", settings=OFSTED_SETTINGS)
    assert again.returncode == 0, again.stderr[-3000:]
    assert stored_report_ids(ofsted_env) == {str(f.file_id) for f in FIXTURE_REPORTS.values()
                                             if f.urn in SMALL_URNS}
