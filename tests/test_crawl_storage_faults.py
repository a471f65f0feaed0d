"""The database fills up in the middle of a crawl (RELIABILITY.md C4): real ``scrapy crawl``
processes against the replicas in tests/sites.

The fault is real, not a stand-in: on SQLite the crawl's own connections are capped at the
file's current size (``PRAGMA max_page_count``, set by a ``sitecustomize`` the crawl process
loads once the test says so); on PostgreSQL, triggers in the test's schema refuse every new
row with ``disk_full`` (SQLSTATE 53100), as a server out of disk space does.

What must hold: the crawl says so in one line naming the database, the run is ``failed``, the
articles stored before the fault are intact, and once there is room again the next crawl
stores every article the first one could not (nothing recorded them as seen).
"""

from __future__ import annotations

import sqlite3
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from storage.db import session_scope
from storage.models import Article, CrawlRun
from tests.fixtures_crawl import CrawlEnv, kill_tree, on_both_databases
from tests.test_crawl_lifecycle import SLOW, missing_articles, runs, wait_for

SITE = "locumtoday"  # five articles on two listing pages

#: loaded by every Python process of the crawl (PYTHONPATH): while the flag file exists, each
#: SQLite connection taken from a pool may not grow the database beyond its current size
SITECUSTOMIZE = textwrap.dedent("""\
    import os
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    FLAG = os.environ["CW_TEST_DATABASE_FULL"]


    @event.listens_for(Pool, "checkout")
    def _cap(dbapi_conn, _record, _proxy):
        if isinstance(dbapi_conn, sqlite3.Connection):
            # SQLite keeps max_page_count at least the current size: 1 means "no more pages"
            pages = 1 if os.path.exists(FLAG) else 4294967294
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")
""")

PG_DISK_FULL = """
CREATE FUNCTION cw_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'could not extend file "base/16384/24577": No space left on device'
    USING ERRCODE = 'disk_full', HINT = 'Check free disk space.';
END $$
"""


@dataclass
class DatabaseFull:
    """Fills the crawl's database (``fill``) and makes room again (``clear``)."""

    fill: Callable[[], None]
    clear: Callable[[], None]


def _sqlite_full(env: CrawlEnv, tmp_path: Path) -> DatabaseFull:
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    flag = tmp_path / "database-full"
    env.extra_env = {"PYTHONPATH": str(inject), "CW_TEST_DATABASE_FULL": str(flag)}
    return DatabaseFull(fill=flag.touch, clear=lambda: flag.unlink(missing_ok=True))


def _pg_full(engine: Engine) -> DatabaseFull:
    def fill() -> None:
        with engine.begin() as conn:
            conn.execute(text(PG_DISK_FULL))
            for table in inspect(conn).get_table_names():
                conn.execute(text(f'CREATE TRIGGER cw_test_disk_full BEFORE INSERT ON "{table}" '
                                  "FOR EACH STATEMENT EXECUTE FUNCTION cw_test_disk_full()"))

    def clear() -> None:
        with engine.begin() as conn:
            conn.execute(text("DROP FUNCTION IF EXISTS cw_test_disk_full() CASCADE"))

    return DatabaseFull(fill=fill, clear=clear)


@pytest.fixture
def database_full(crawler_env: CrawlEnv, tmp_path: Path) -> Iterator[DatabaseFull]:
    fault = (_sqlite_full(crawler_env, tmp_path) if crawler_env.engine.dialect.name == "sqlite"
             else _pg_full(crawler_env.engine))
    yield fault
    fault.clear()


def article_count(env: CrawlEnv) -> int:
    with session_scope(env.engine) as session:
        return int(session.execute(select(func.count()).select_from(Article)).scalar_one())


def database_name(env: CrawlEnv) -> str:
    """How the error names the database: the SQLite file, or the PostgreSQL host and database."""
    url = env.engine.url
    return str(url.database) if url.get_backend_name() == "sqlite" else f"{url.host}:{url.port}/{url.database}"


def crawl_until_full(env: CrawlEnv, fault: DatabaseFull) -> str:
    """A slow crawl of SITE whose database fills up once its first article is stored; its log."""
    proc = env.start_crawl(SITE, settings=SLOW)
    try:
        wait_for("the first article to be stored", lambda: article_count(env) >= 1, timeout=60)
        fault.fill()
        assert proc.wait(timeout=120) == 0
    finally:
        kill_tree(proc.pid)
        proc.kill()
    return (env.tmp_path / f"crawl-{SITE}.log").read_text(encoding="utf-8")


@on_both_databases
def test_a_database_that_fills_up_mid_crawl_fails_the_run_with_one_clear_line(
    crawler_env: CrawlEnv, database_full: DatabaseFull,
) -> None:
    log = crawl_until_full(crawler_env, database_full)
    errors = [line for line in log.splitlines() if "Error: " in line and "is full" in line]
    assert len(errors) == 1, log[-5000:]
    assert database_name(crawler_env) in errors[0]
    assert "Traceback" not in log, log[-5000:]
    run = runs(crawler_env)[-1]
    assert run.status == "failed", (run.status, run.error)
    assert run.finished_at is not None
    assert "is full" in (run.error or "")
    assert missing_articles(crawler_env, SITE), "every article was stored: the database never filled up"


@on_both_databases
def test_articles_a_full_database_could_not_take_are_stored_by_the_next_crawl(
    crawler_env: CrawlEnv, database_full: DatabaseFull,
) -> None:
    crawl_until_full(crawler_env, database_full)
    stored_before = article_count(crawler_env)
    assert stored_before >= 1 and missing_articles(crawler_env, SITE)
    if crawler_env.engine.dialect.name == "sqlite":
        with sqlite3.connect(str(crawler_env.engine.url.database)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with session_scope(crawler_env.engine) as session:
        for article in session.execute(select(Article)).scalars():
            assert article.title and article.body and article.urls, article.canonical_url

    database_full.clear()
    proc = crawler_env.crawl(SITE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert missing_articles(crawler_env, SITE) == []
    assert runs(crawler_env)[-1].status in ("ok", "partial")  # (the replica has a broken page)
    with session_scope(crawler_env.engine) as session:
        assert session.execute(select(func.count()).select_from(CrawlRun)).scalar_one() == 2
