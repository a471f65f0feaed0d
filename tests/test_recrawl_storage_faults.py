"""A re-crawl of an unchanged site whose database turns read-only (RELIABILITY.md C4): real
``scrapy crawl`` processes against the locumtoday replica, the fault injected as in
tests/fixtures_database_fault.py.

An unchanged re-crawl stores no article: all it writes is page state (validators, last seen).
When that write is refused, the crawl stops as one that cannot store an article does, with one
ERROR line naming the database, instead of fetching on with nothing recorded.
"""

from __future__ import annotations

from tests.fixtures_crawl import FAST, CrawlEnv, kill_tree, on_both_databases, wait_for
from tests.fixtures_database_fault import SITE, DatabaseFault, database_name, error_lines
from tests.test_crawl_lifecycle import SLOW


def requests_served(env: CrawlEnv) -> int:
    return sum(sum(by_status.values()) for by_status in env.mock.hits(SITE).values())


@on_both_databases
def test_an_unchanged_recrawl_stops_when_its_page_state_cannot_be_written(
    crawler_env: CrawlEnv, database_fault: DatabaseFault,
) -> None:
    first = crawler_env.crawl(SITE, settings=FAST)
    assert first.returncode == 0, first.stderr[-3000:]
    crawler_env.mock.reset_hits()
    proc = crawler_env.start_crawl(SITE, settings=SLOW)
    try:
        wait_for("the re-crawl's first request", lambda: requests_served(crawler_env) >= 1, timeout=60)
        database_fault.make_read_only()
        proc.wait(timeout=120)
    finally:
        kill_tree(proc.pid)
        proc.kill()
    log = (crawler_env.tmp_path / f"crawl-{SITE}.log").read_text(encoding="utf-8")
    assert "Spider closed (database_unwritable)" in log, log[-5000:]
    errors = error_lines(log)
    assert len(errors) == 1 and database_name(crawler_env) in errors[0] and "is read-only" in errors[0], errors
    assert "Traceback" not in log, log[-5000:]
