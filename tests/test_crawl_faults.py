"""A crawl that meets every kind of broken page finishes, stores nothing bad and says why."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from storage.db import session_scope
from storage.models import Article, CrawlRun
from tests.fixtures_crawl import CrawlEnv


def faults_source(env: CrawlEnv) -> str:
    base = env.mock.base("faults")
    return f"""
[sources.faults]
name = "Fault endpoints (test only)"
kind = "local_news"
domains = ["127.0.0.1"]
listings = [
  {{ url = "{base}/", max_pages = 1 }},
  {{ url = "{base}/redirect-offsite", max_pages = 1 }},
  {{ url = "{base}/redirect-to-file", max_pages = 1 }},
]
allow = ['^/']
"""


def test_broken_pages_are_counted_not_stored_and_the_crawl_finishes(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config(faults_source(crawler_env))
    started = time.monotonic()
    proc = crawler_env.crawl("faults", settings={"DOWNLOAD_TIMEOUT": "3", "RETRY_TIMES": "1"}, timeout=120)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert elapsed < 90

    with session_scope(crawler_env.engine) as session:
        assert session.execute(select(func.count()).select_from(Article)).scalar_one() == 0
        run = session.execute(select(CrawlRun)).scalar_one()
        assert run.source == "faults"
        assert run.status == "partial"
        assert run.finished_at is not None
        assert run.errors > 0
        # every page that reached the extractor was dropped with a reason
        assert run.dropped.get("non_html", 0) >= 2, json.dumps(run.dropped)
        assert sum(run.dropped.values()) >= 4, json.dumps(run.dropped)
        run_stats = dict(run.stats)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    # the hanging page was asked for, and the crawl still ended within its time budget
    hits = crawler_env.mock.hits("faults")
    assert "/hang" in hits
    # the redirects to a look-alike host and to file:///etc/passwd were not followed
    assert "root:x:" not in proc.stderr
    assert run_stats["carewatch/robots/offsite_skipped"] == 1
    assert not any("evil.example" in path for path in hits)


def test_a_source_whose_server_refuses_connections_is_recorded_unreachable(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config("""
[sources.gone]
name = "A source whose server is down"
kind = "council"
domains = ["127.0.0.1"]
feeds = ["http://127.0.0.1:9/feed/"]
""")
    proc = crawler_env.crawl("gone", settings={"RETRY_TIMES": "0"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    with session_scope(crawler_env.engine) as session:
        run = session.execute(select(CrawlRun)).scalar_one()
        assert run.status == "unreachable"
        assert run.error == "connection refused by 127.0.0.1:9"
