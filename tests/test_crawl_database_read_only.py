"""The database turns read-only in the middle of a crawl, or is read-only from its start
(RELIABILITY.md C4): real ``scrapy crawl`` and ``carewatch crawl`` processes against the replicas
in tests/sites, the fault injected as tests/fixtures_database_fault.py describes.

What must hold: one ERROR line naming the database, a failed exit, no Traceback; a run the
crawl could not close is recorded as ``failed`` with the crawl's own words; once the database
takes writes again the next crawl stores every article the first one could not.
"""

from __future__ import annotations

from tests.fixtures_crawl import FAST, CrawlEnv, kill_tree, on_both_databases, wait_for
from tests.fixtures_database_fault import (
    SITE,
    STEADY,
    DatabaseFault,
    article_count,
    carewatch,
    crawl_until,
    database_name,
    error_lines,
)
from tests.test_crawl_lifecycle import missing_articles, runs


@on_both_databases
def test_a_database_that_turns_read_only_mid_crawl_stops_it_with_one_clear_error_and_a_failed_exit(
    crawler_env: CrawlEnv, database_fault: DatabaseFault,
) -> None:
    log = crawl_until(crawler_env, database_fault.make_read_only, exit_code=1)  # the run could not be closed
    errors = error_lines(log)
    assert len(errors) == 1 and database_name(crawler_env) in errors[0] and "is read-only" in errors[0], log[-5000:]
    assert "Traceback" not in log, log[-5000:]
    assert missing_articles(crawler_env, SITE), "every article was stored: the database never turned read-only"


@on_both_databases
def test_carewatch_crawl_records_a_run_its_read_only_database_could_not_close_and_loses_nothing(
    crawler_env: CrawlEnv, database_fault: DatabaseFault,
) -> None:
    steady = ", ".join(f'{k} = "{v}"' for k, v in {**FAST, **STEADY}.items())
    crawler_env.write_config(f"[service]\ncrawl_settings = {{ {steady} }}\n")
    logs = crawler_env.tmp_path / "logs"
    cli = carewatch(crawler_env, "crawl", SITE, "--log-dir", str(logs))
    try:
        wait_for("the first article to be stored", lambda: article_count(crawler_env) >= 1, timeout=60)
        database_fault.make_read_only()
        out, _ = cli.communicate(timeout=120)
    finally:
        kill_tree(cli.pid)
        cli.kill()
    assert cli.returncode == 1, out
    assert f"did not succeed: {SITE}" in out and "Traceback" not in out, out
    run = runs(crawler_env)[-1]
    assert run.status == "failed" and run.finished_at is not None, (run.status, run.error)
    assert "is read-only" in (run.error or ""), run.error  # the crawl's own words, from its log
    assert database_name(crawler_env) in (run.error or "")
    missing = missing_articles(crawler_env, SITE)
    assert missing

    database_fault.clear()
    fast = ", ".join(f'{k} = "{v}"' for k, v in FAST.items())  # nothing strikes this one: no delay
    crawler_env.write_config(f"[service]\ncrawl_settings = {{ {fast} }}\n")
    again = carewatch(crawler_env, "crawl", SITE, "--log-dir", str(logs))
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0, out
    assert missing_articles(crawler_env, SITE) == []


@on_both_databases
def test_a_crawl_whose_database_is_read_only_from_the_start_fails_in_one_line_and_fetches_nothing(
    crawler_env: CrawlEnv, database_fault: DatabaseFault,
) -> None:
    database_fault.make_read_only()
    proc = crawler_env.crawl(SITE)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-5000:]
    errors = error_lines(proc.stderr)
    assert errors and all(database_name(crawler_env) in line and "is read-only" in line for line in errors), errors
    assert crawler_env.mock.hits(SITE) == {}
    assert runs(crawler_env) == []


