"""A crawl's life cut short: page caps, SIGTERM, kill -9, a dead writer (real ``scrapy crawl``
processes against the replicas in tests/sites).

What must survive: every article stored before the stop; the next full crawl finds the ones the
stopped crawl never reached (start pages' validators are kept only when a run finishes); the run
says how it ended (``partial``, ``interrupted``); no helper process outlives its crawl.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import make_engine, session_scope
from storage.migrate import current_revision
from storage.models import CrawlRun, SourceState
from tests.fixtures_crawl import (
    CrawlEnv,
    croydon_with_page,
    descendants,
    kill_tree,
    process_name,
    wait_for,
)
from tests.test_crawl_news import BASE_ARTICLES, find_article

#: a crawl slow enough to be caught in the middle (one request a second)
SLOW = {"DOWNLOAD_DELAY": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


def runs(env: CrawlEnv) -> list[CrawlRun]:
    with session_scope(env.engine) as session:
        return list(session.execute(select(CrawlRun).order_by(CrawlRun.id)).scalars())


def missing_articles(env: CrawlEnv, site: str) -> list[str]:
    expected = [a["path"] for a in BASE_ARTICLES if a["site"] == site]
    assert expected, f"the manifest lists no article for {site}"
    return [path for path in expected if find_article(env, site, path) is None]


def article_pages_served(env: CrawlEnv, site: str) -> int:
    paths = {a["path"] for a in BASE_ARTICLES if a["site"] == site}
    return sum(s.get("200", 0) for p, s in env.mock.hits(site).items() if p.split("?")[0] in paths)


@pytest.mark.parametrize("site", ["cypnow", "localgov"])
def test_a_crawl_cut_short_by_its_page_cap_is_partial_and_the_next_one_stores_every_article(
    crawler_env: CrawlEnv, site: str,
) -> None:
    proc = crawler_env.crawl(site, settings={"CLOSESPIDER_PAGECOUNT": "3"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    capped = runs(crawler_env)[-1]
    assert capped.status == "partial", (capped.status, capped.error)
    assert "page cap" in (capped.error or "")

    proc = crawler_env.crawl(site)
    assert proc.returncode == 0, proc.stderr[-3000:]
    full = runs(crawler_env)[-1]
    assert "page cap" not in (full.error or "")  # (localgov's replica has a broken page: partial)
    assert missing_articles(crawler_env, site) == []


def test_sigterm_closes_the_run_as_interrupted_with_its_real_counts(crawler_env: CrawlEnv) -> None:
    proc = crawler_env.start_crawl("croydon", settings=SLOW)
    try:
        wait_for("an article page", lambda: article_pages_served(crawler_env, "croydon") >= 1)
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        kill_tree(proc.pid)
        proc.kill()
    served = sum(sum(s.values()) for s in crawler_env.mock.hits("croydon").values())
    run = runs(crawler_env)[-1]
    assert run.status == "interrupted", (run.status, run.error)
    assert run.finished_at is not None
    assert 2 <= run.pages_fetched == served  # robots.txt, the feed, the pages fetched before the stop


HELPERS = ("cw-extract", "cw-writer")


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def helpers_of(pid: int) -> list[int]:
    return [p for p in descendants(pid) if process_name(p) in HELPERS]


def test_killing_a_crawl_leaves_no_helper_process_behind(crawler_env: CrawlEnv) -> None:
    proc = crawler_env.start_crawl("croydon", settings=SLOW)
    helpers: list[int] = []
    try:
        wait_for("a helper process", lambda: bool(helpers.extend(helpers_of(proc.pid)) or helpers))
        wait_for("an article page", lambda: article_pages_served(crawler_env, "croydon") >= 1)
        helpers.extend(helpers_of(proc.pid))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        wait_for("the helpers to die with their crawl", lambda: not any(process_name(p) for p in helpers),
                 timeout=10)
    finally:
        proc.kill()
        for pid in helpers:  # an orphan left by a failed check
            if process_name(pid):
                os.kill(pid, signal.SIGKILL)


#: a page that keeps the extraction worker busy for seconds: about 12 MB of paragraphs (under the
#: extractor's element limit)
SLOW_PAGE = ("<html><head><title>Annual report</title></head><body><article>"
             + ("<p>" + "Inspectors found that leaders in the council understood children's services. " * 4
                + "</p>") * 40_000 + "</article></body></html>")


def test_killing_a_crawl_kills_a_helper_busy_on_a_slow_page(tmp_path: Path) -> None:
    env = croydon_with_page(tmp_path, "/childrens-services-annual-report/", SLOW_PAGE)
    helpers: list[int] = []
    proc = env.start_crawl("croydon", settings={"CAREWATCH_MAX_HTML_BYTES": "20000000",
                                                "CAREWATCH_EXTRACT_TIMEOUT": "300"})
    try:
        # the worker has spent more CPU than the replica's normal pages need: it is on the slow one
        wait_for("a helper busy on the slow page", lambda: any(
            cpu_seconds(p) > 1.0 for p in helpers_of(proc.pid)), timeout=60)
        helpers.extend(helpers_of(proc.pid))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        wait_for("the helpers to die with their crawl", lambda: not any(process_name(p) for p in helpers),
                 timeout=3)
    finally:
        proc.kill()
        for pid in helpers:  # an orphan left by a failed check
            if process_name(pid):
                os.kill(pid, signal.SIGKILL)
        env.close()
        env.mock.close()


def test_helpers_killed_mid_crawl_are_replaced_and_every_article_is_stored(crawler_env: CrawlEnv) -> None:
    proc = crawler_env.start_crawl("croydon", settings=SLOW)
    try:
        # the first article has been handed to the helpers (extraction, storage): kill them all
        wait_for("an article page", lambda: article_pages_served(crawler_env, "croydon") >= 1)
        wait_for("a helper process", lambda: bool(helpers_of(proc.pid)))
        time.sleep(0.3)
        for pid in helpers_of(proc.pid):
            os.kill(pid, signal.SIGKILL)
        assert proc.wait(timeout=120) == 0
    finally:
        kill_tree(proc.pid)
        proc.kill()
    run = runs(crawler_env)[-1]
    assert missing_articles(crawler_env, "croydon") == []
    assert run.status == "ok", (run.status, run.error)
    assert run.stats.get("carewatch/articles/failed", 0) == 0


def test_a_crawl_against_a_database_without_the_schema_fails_clearly_and_migrates_nothing(
    crawler_env: CrawlEnv, tmp_path: Path,
) -> None:
    fresh = tmp_path / "fresh.db"
    crawler_env.db_url = f"sqlite:///{fresh}"
    crawler_env.write_config()
    proc = crawler_env.crawl("croydon")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "has no carewatch schema" in proc.stderr and "carewatch db upgrade" in proc.stderr
    assert crawler_env.mock.hits("croydon") == {}
    assert current_revision(make_engine(crawler_env.db_url)) is None


def test_a_crawl_whose_feed_never_answers_before_its_time_limit_is_a_timeout(crawler_env: CrawlEnv) -> None:
    # The crawl stops itself at its time limit (CLOSESPIDER_TIMEOUT, as in a shared crawl
    # process) having read no start page: nothing was dealt with, so this is a failed run that
    # counts towards "source failing", not a `partial` one that counts as a success.
    crawler_env.write_config(
        f'[sources.hangs]\nname = "Hangs"\nkind = "local_news"\ndomains = ["127.0.0.1"]\n'
        f'feeds = ["{crawler_env.mock.base("faults")}/hang"]\n')
    proc = crawler_env.crawl("hangs", settings={"CLOSESPIDER_TIMEOUT": "2"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = runs(crawler_env)[-1]
    assert run.status == "timeout", (run.status, run.error)
    assert run.error == "stopped at the time limit before any feed, listing or sitemap answered"
    with session_scope(crawler_env.engine) as session:
        state = session.execute(select(SourceState).where(SourceState.source == "hangs")).scalar_one()
        assert state.consecutive_failures == 1
