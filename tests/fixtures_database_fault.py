"""A database that fills up or turns read-only in the middle of a crawl (RELIABILITY.md C4),
for tests that run real ``scrapy crawl`` processes against the replicas in tests/sites.

The fault is real, not a stand-in: on SQLite the crawl processes' connections are capped at
the file's current size (``PRAGMA max_page_count``, set by a ``sitecustomize`` they load, once
the test says so), while the service's few small rows still fit, as in the last free pages of
a nearly full disk; on PostgreSQL, triggers in the test's schema refuse every new row of the
archive's tables with ``disk_full`` (SQLSTATE 53100), as when the tablespace holding them is
out of disk space. Read-only: SQLite's ``query_only``, PostgreSQL's read-only transactions.

``database_fault`` (function scope, with ``crawler_env``) is a DatabaseFault whose environment
the crawl processes of ``crawler_env`` get.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from storage.db import session_scope
from storage.models import Article
from tests.fixtures_crawl import CrawlEnv, kill_tree, wait_for
from tests.fixtures_mockserver import REPO_ROOT

SITE = "locumtoday"  # five articles on two listing pages

#: one request at a time, 0.4 s apart: the test sees the first article stored and strikes
#: well before the last one is fetched (the polls are 50 ms apart)
STEADY = {"DOWNLOAD_DELAY": "0.4", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}

#: loaded by every Python process started with it on PYTHONPATH. What the flag file says applies
#: to each connection a crawl process takes from a pool: "full", SQLite may not grow the file;
#: "read-only", SQLite refuses writes (query_only) and PostgreSQL transactions are read-only
#: (default_transaction_read_only, as on a standby the primary failed over to)
SITECUSTOMIZE = textwrap.dedent("""\
    import os
    import sqlite3
    import sys

    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    FLAG = os.environ["CW_TEST_DATABASE_FAULT"]
    CRAWL = sys.orig_argv[1:3] in (["-m", "scrapy"], ["-m", "crawler.batch"])


    @event.listens_for(Pool, "checkout")
    def _fault(dbapi_conn, _record, _proxy):
        if not CRAWL:
            return
        try:
            with open(FLAG) as fh:
                fault = fh.read().strip()
        except FileNotFoundError:
            fault = ""
        if isinstance(dbapi_conn, sqlite3.Connection):
            # SQLite keeps max_page_count at least the current size: 1 means "no more pages"
            dbapi_conn.execute(f"PRAGMA max_page_count = {1 if fault == 'full' else 4294967294}")
            dbapi_conn.execute(f"PRAGMA query_only = {int(fault == 'read-only')}")
        else:
            dbapi_conn.execute(f"SET default_transaction_read_only = {'on' if fault == 'read-only' else 'off'}")
            dbapi_conn.commit()
""")

PG_DISK_FULL = """
CREATE FUNCTION cw_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'could not extend file "base/16384/24577": No space left on device'
    USING ERRCODE = 'disk_full', HINT = 'Check free disk space.';
END $$
"""

#: the archive: what a crawl adds rows to
ARCHIVE_TABLES = ("articles", "article_urls", "revisions", "article_las", "lsh_bands", "stories",
                  "reports", "judgements", "page_state")


@dataclass
class DatabaseFault:
    """Makes the crawl's database full (``fill``) or read-only (``make_read_only``), and
    well again (``clear``); ``env`` is what the processes affected need in their environment."""

    engine: Engine
    flag: Path
    env: dict[str, str]

    @classmethod
    def for_engine(cls, engine: Engine, tmp_path: Path) -> DatabaseFault:
        inject = tmp_path / "inject"
        inject.mkdir()
        (inject / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        flag = tmp_path / "database-fault"
        return cls(engine, flag, {"PYTHONPATH": str(inject), "CW_TEST_DATABASE_FAULT": str(flag)})

    def fill(self) -> None:
        if self.engine.dialect.name == "sqlite":
            self.flag.write_text("full", encoding="utf-8")
            return
        with self.engine.begin() as conn:
            conn.execute(text(PG_DISK_FULL))
            for table in ARCHIVE_TABLES:
                conn.execute(text(f'CREATE TRIGGER cw_test_disk_full BEFORE INSERT ON "{table}" '
                                  "FOR EACH STATEMENT EXECUTE FUNCTION cw_test_disk_full()"))

    def make_read_only(self) -> None:
        self.flag.write_text("read-only", encoding="utf-8")

    def clear(self) -> None:
        self.flag.unlink(missing_ok=True)
        if self.engine.dialect.name != "sqlite":
            with self.engine.begin() as conn:
                conn.execute(text("DROP FUNCTION IF EXISTS cw_test_disk_full() CASCADE"))


@pytest.fixture
def database_fault(crawler_env: CrawlEnv, tmp_path: Path) -> Iterator[DatabaseFault]:
    fault = DatabaseFault.for_engine(crawler_env.engine, tmp_path)
    crawler_env.extra_env = fault.env
    yield fault
    fault.clear()


def article_count_of(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count()).select_from(Article)).scalar_one())


def article_count(env: CrawlEnv) -> int:
    return article_count_of(env.engine)


def database_name(env: CrawlEnv) -> str:
    """How the error names the database: the SQLite file, or the PostgreSQL host and database."""
    url = env.engine.url
    return str(url.database) if url.get_backend_name() == "sqlite" else f"{url.host}:{url.port}/{url.database}"


def error_lines(log: str) -> list[str]:
    """The crawl log's ERROR lines (what a user reading it is told went wrong)."""
    return [line for line in log.splitlines() if "] ERROR: " in line]


def crawl_until(env: CrawlEnv, fault: Callable[[], None], *, exit_code: int = 0,
                settings: dict[str, str] | None = None) -> str:
    """A slow crawl of SITE whose database ``fault`` strikes once its first article is stored;
    its log."""
    proc = env.start_crawl(SITE, settings={**STEADY, **(settings or {})})
    try:
        wait_for("the first article to be stored", lambda: article_count(env) >= 1, timeout=60)
        fault()
        assert proc.wait(timeout=120) == exit_code
    finally:
        kill_tree(proc.pid)
        proc.kill()
    return (env.tmp_path / f"crawl-{SITE}.log").read_text(encoding="utf-8")


def carewatch(env: CrawlEnv, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "scheduler", *args], cwd=REPO_ROOT, env=env.env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
