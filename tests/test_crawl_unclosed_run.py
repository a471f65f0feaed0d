"""A ``scrapy crawl`` (not run by the service) whose database turns read-only cannot close its
run (RELIABILITY.md C4): it exits 1, and the next ``carewatch crawl`` or ``carewatch run``
closes the run as ``failed`` with the reason the crawl logged, not as a crash."""

from __future__ import annotations

from tests.fixtures_crawl import FAST, CrawlEnv, on_both_databases
from tests.fixtures_database_fault import SITE, DatabaseFault, carewatch, crawl_until, database_name
from tests.test_crawl_lifecycle import runs


@on_both_databases
def test_the_next_carewatch_crawl_closes_a_run_a_read_only_database_kept_open_as_failed_saying_why(
    crawler_env: CrawlEnv, database_fault: DatabaseFault,
) -> None:
    log_file = crawler_env.tmp_path / "scrapy.log"
    crawl_until(crawler_env, database_fault.make_read_only, exit_code=1, settings={"LOG_FILE": str(log_file)})
    assert [r.status for r in runs(crawler_env)] == ["running"]  # the database took nothing more

    database_fault.clear()
    # the replica crawled without the shipped politeness (2 s between requests), as by scrapy crawl
    fast = ", ".join(f'{k} = "{v}"' for k, v in FAST.items())
    crawler_env.write_config(f"[service]\ncrawl_settings = {{ {fast} }}\n")
    cli = carewatch(crawler_env, "crawl", SITE, "--log-dir", str(crawler_env.tmp_path / "logs"))
    out, _ = cli.communicate(timeout=120)
    assert cli.returncode == 0, out
    first = runs(crawler_env)[0]
    assert first.status == "failed" and first.finished_at is not None, (first.status, first.error)
    assert "is read-only" in (first.error or "") and database_name(crawler_env) in (first.error or ""), first.error
    assert "killed or crashed" not in (first.error or "")
