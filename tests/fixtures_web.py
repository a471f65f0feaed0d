"""Web fixtures: one archive filled by crawling every site replica, shared by the web tests.

``web_archive`` (session) runs ``scrapy crawl ofsted`` first (so stories can follow its
reports), then every other source with a replica in one crawl child, as the service would (one
start-up for the lot), into a SQLite file. Tests only read it: the dashboard opens its database
read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_crawl import CrawlEnv
from tests.fixtures_mockserver import MockServerProcess

#: the replicas crawled (the regulator first, alone: news after a report joins its story)
CRAWLED = ("ofsted", "govuk", "croydon", "communitycare", "cypnow", "localgov", "locumtoday",
           "insidecroydon", "croydonguardian", "croydonadvertiser", "londonnewsonline")

#: the Ofsted replica answers some provider pages 403: back off briefly, not the shipped 10 s
BACKOFF = {"CAREWATCH_BACKOFF_BASE": "0.05", "CAREWATCH_BACKOFF_MAX": "0.2"}

EXTRA = """
[web]
port = 0

[rules.croydon_watch]
item = "report"
recipients = ["team@example.gov.uk"]
las = ["Croydon"]
"""


@pytest.fixture(scope="session")
def web_archive(mockserver: MockServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawlEnv]:
    tmp = tmp_path_factory.mktemp("web-archive")
    env = CrawlEnv(mock=mockserver, tmp_path=tmp, config_path=tmp / "carewatch.toml",
                   db_url=f"sqlite:///{tmp / 'carewatch.db'}")
    env.write_config(EXTRA)
    mockserver.reset_scenarios()
    proc = env.crawl(CRAWLED[0], settings=BACKOFF, timeout=240)
    assert proc.returncode == 0, f"crawl {CRAWLED[0]} failed:\n{proc.stderr[-3000:]}"
    # the news replicas together, in one crawl child (its start-up paid once)
    news = [source for source in CRAWLED[1:] if source in mockserver.sites]
    outcomes = env.crawl_together(news, settings=BACKOFF, limit=240)
    log = (tmp / "crawl-batch.log").read_text(encoding="utf-8", errors="replace")
    assert [o.returncode for o in outcomes] == [0] * len(news), f"the crawl of {news} failed:\n{log[-3000:]}"
    # the council reworded its statement: the re-check stores a revision (to diff)
    env.write_config(EXTRA + "\n[sources.croydon.revisit]\nyoung_hours = 0.0\nold_days = 0.000001\n")
    mockserver.set_scenario("revised")
    try:
        proc = env.crawl("croydon", timeout=240)
        assert proc.returncode == 0, proc.stderr[-3000:]
    finally:
        mockserver.reset_scenarios()
    yield env
    env.close()


def archive_path(env: CrawlEnv) -> Path:
    return env.tmp_path / "carewatch.db"
