"""The database fills up in the middle of a crawl (RELIABILITY.md C4): real ``scrapy crawl``
processes (and ``carewatch run``) against the replicas in tests/sites, the fault injected as
tests/fixtures_database_fault.py describes.

What must hold: the crawl says so in one line naming the database, the run is ``failed``, the
articles stored before the fault are intact, and once there is room again the next crawl
stores every article the first one could not (nothing recorded them as seen); the service
tells the operator and alerts only what was stored.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, select

from storage.db import session_scope
from storage.models import Article, CrawlRun, Report
from tests.fixtures_crawl import FAST, CrawlEnv, kill_tree, on_both_databases, wait_for
from tests.fixtures_database_fault import (
    SITE,
    DatabaseFault,
    article_count,
    article_count_of,
    crawl_until,
    database_name,
    error_lines,
)
from tests.fixtures_mockserver import REPO_ROOT, SOURCES_TOML, MockServerProcess
from tests.fixtures_smtp import SmtpServer
from tests.pdfs import FIXTURE_REPORTS
from tests.test_crawl_lifecycle import missing_articles, runs
from tests.test_ofsted_crawl import SMALL_URNS


@on_both_databases
def test_a_database_that_fills_up_mid_crawl_fails_the_run_with_one_clear_line(
    crawler_env: CrawlEnv, database_fault: DatabaseFault,
) -> None:
    log = crawl_until(crawler_env, database_fault.fill)
    errors = error_lines(log)
    assert len(errors) == 1, log[-5000:]
    assert database_name(crawler_env) in errors[0] and "Error: " in errors[0] and "is full" in errors[0]
    assert "Traceback" not in log, log[-5000:]
    run = runs(crawler_env)[-1]
    assert run.status == "failed", (run.status, run.error)
    assert run.finished_at is not None
    assert "is full" in (run.error or "")
    assert missing_articles(crawler_env, SITE), "every article was stored: the database never filled up"


@on_both_databases
def test_articles_a_full_database_could_not_take_are_stored_by_the_next_crawl(
    crawler_env: CrawlEnv, database_fault: DatabaseFault,
) -> None:
    crawl_until(crawler_env, database_fault.fill)
    stored_before = article_count(crawler_env)
    assert stored_before >= 1 and missing_articles(crawler_env, SITE)
    if crawler_env.engine.dialect.name == "sqlite":
        with sqlite3.connect(str(crawler_env.engine.url.database)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with session_scope(crawler_env.engine) as session:
        for article in session.execute(select(Article)).scalars():
            assert article.title and article.body and article.urls, article.canonical_url

    database_fault.clear()
    proc = crawler_env.crawl(SITE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert missing_articles(crawler_env, SITE) == []
    assert runs(crawler_env)[-1].status in ("ok", "partial")  # (the replica has a broken page)
    with session_scope(crawler_env.engine) as session:
        assert session.execute(select(func.count()).select_from(CrawlRun)).scalar_one() == 2


# --- the service: the operator is told, and nothing is alerted that was not stored --------------

NEWS_TO = "news@example.org"
OP = "op@example.org"


def service_config(tmp_path: Path, db_url: str, mock: MockServerProcess, smtp: SmtpServer) -> Path:
    """``carewatch run`` crawling Community Care's replica every second (the next crawl starts
    within a second of the last one's end), its new articles mailed to NEWS_TO, the operator
    told after one failed run."""
    lines = [f'[database]\nurl = "{db_url}"\n', '[crawler]\ncontact = "tests@carewatch.invalid"\n',
             smtp.mail_toml(), f'[operator]\nemail = "{OP}"\nfailing_after = 1\n', "[web]\nenabled = false\n"]
    for sid in tomllib.loads(SOURCES_TOML.read_text(encoding="utf-8"))["sources"]:
        lines.append(f'[sources.{sid}]\nbase_url = "{mock.base(sid)}"\n' if sid == "communitycare"
                     else f"[sources.{sid}]\nenabled = false\n")
    settings = ", ".join(f'{k} = "{v}"' for k, v in FAST.items())
    lines.append("[service]\ndispatch_seconds = 1\njitter_seconds = 0\nkill_grace_seconds = 1\n"
                 f'shutdown_grace_seconds = 1\nlog_dir = "{tmp_path / "logs"}"\n'
                 "interval_seconds = { communitycare = 1 }\n"
                 f"crawl_settings = {{ {settings} }}\n")
    lines.append(f'[rules.news]\nitem = "article"\nrecipients = ["{NEWS_TO}"]\n')
    path = tmp_path / "carewatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def wait_until(what: str, check: Callable[[], bool], log: Path, timeout: float = 60) -> None:
    try:
        wait_for(what, check, timeout=timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{log.read_text(encoding='utf-8')[-5000:]}") from None


def service_runs(engine: Engine) -> list[CrawlRun]:
    with session_scope(engine) as session:
        return list(session.execute(select(CrawlRun).order_by(CrawlRun.id)).scalars())


def test_the_service_tells_the_operator_when_the_database_is_full_and_alerts_only_what_was_stored(
    tmp_path: Path, engine: Engine, db_url: str, mock: MockServerProcess, smtp_server: SmtpServer,
) -> None:
    config = service_config(tmp_path, db_url, mock, smtp_server)
    fault = DatabaseFault.for_engine(engine, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")} | fault.env
    log = tmp_path / "service.log"

    def subjects(to: str) -> list[str]:
        return [m.subject for m in smtp_server.messages if to in m.rcpt_tos]

    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "scheduler", "-c", str(config), "run"], cwd=REPO_ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_until("the baseline crawl", lambda: any(r.status in ("ok", "partial") for r in service_runs(engine)),
                   log, timeout=90)
        baseline = article_count_of(engine)
        fault.fill()
        mock.set_scenario("new_article")  # one more article, which the full database cannot take

        wait_until("a run failed on the full database",
                   lambda: any(r.status == "failed" and "is full" in (r.error or "") for r in service_runs(engine)),
                   log)
        wait_until("the operator note", lambda: any("source communitycare failing" in s for s in subjects(OP)), log,
                   timeout=20)
        time.sleep(2)  # more crawls and matching passes on the full database
        assert subjects(NEWS_TO) == []  # the new article was not stored: nothing to alert
        assert article_count_of(engine) == baseline

        fault.clear()
        wait_until("the new article's alert", lambda: bool(subjects(NEWS_TO)), log)
        wait_until("the recovered note", lambda: any("source communitycare recovered" in s for s in subjects(OP)),
                   log, timeout=20)
        time.sleep(2)
        assert len(subjects(NEWS_TO)) == 1, subjects(NEWS_TO)
        assert article_count_of(engine) == baseline + 1
        assert sum("failing" in s for s in subjects(OP)) == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        fault.clear()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        kill_tree(proc.pid)


# --- Ofsted reports go through the same writer -----------------------------------------------------


def report_ids(env: CrawlEnv) -> set[str]:
    with session_scope(env.engine) as session:
        return set(session.execute(select(Report.file_id)).scalars())


@on_both_databases
def test_an_ofsted_crawl_whose_database_fills_up_fails_and_the_next_stores_every_report(
    crawler_env: CrawlEnv, database_fault: DatabaseFault,
) -> None:
    crawler_env.write_config()
    text_ = crawler_env.config_path.read_text(encoding="utf-8")
    crawler_env.config_path.write_text(text_.replace("[sources.ofsted]\n", "[sources.ofsted]\ndownload_delay = 0.5\n"),
                                       encoding="utf-8")
    crawler_env.mock.set_scenario("ofsted_small")
    settings = {"CAREWATCH_OFSTED_MIN_PROVIDERS": "3", "CAREWATCH_BACKOFF_BASE": "0.05",
                "CAREWATCH_BACKOFF_MAX": "0.2", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    proc = crawler_env.start_crawl("ofsted", settings=settings)
    try:
        wait_for("the first report to be stored", lambda: bool(report_ids(crawler_env)), timeout=90)
        database_fault.fill()
        assert proc.wait(timeout=120) == 0
    finally:
        kill_tree(proc.pid)
        proc.kill()
    log = (crawler_env.tmp_path / "crawl-ofsted.log").read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-5000:]
    errors = error_lines(log)
    assert len(errors) == 1 and database_name(crawler_env) in errors[0] and "is full" in errors[0], errors
    run = runs(crawler_env)[-1]
    assert run.status == "failed" and "is full" in (run.error or ""), (run.status, run.error)
    stored = report_ids(crawler_env)

    database_fault.clear()
    del settings["CONCURRENT_REQUESTS_PER_DOMAIN"]  # nothing strikes this one: requests at once
    again = crawler_env.crawl("ofsted", settings=settings)
    assert again.returncode == 0, again.stderr[-3000:]
    everything = report_ids(crawler_env)
    assert stored < everything  # some were missed while the database was full, none are now
    assert everything == {str(f.file_id) for f in FIXTURE_REPORTS.values() if f.urn in SMALL_URNS}
