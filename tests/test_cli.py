"""The carewatch command line as a user meets it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import session_scope
from storage.models import CrawlRun
from tests.fixtures_crawl import CrawlEnv, on_both_databases
from tests.fixtures_mockserver import REPO_ROOT

CAREWATCH = [sys.executable, "-m", "scheduler"]


def run(env: CrawlEnv, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    wide = {**env.env(), "COLUMNS": "200"}  # rich wraps tables to the terminal width
    return subprocess.run([*CAREWATCH, *args], cwd=REPO_ROOT, env=wide, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@on_both_databases
def test_crawl_prints_a_summary_and_articles_lists_what_was_stored(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config('[service]\ncrawl_settings = { DOWNLOAD_DELAY = "0", AUTOTHROTTLE_ENABLED = "False" }\n')
    proc = run(crawler_env, "crawl", "croydon", "--log-dir", str(crawler_env.tmp_path / "logs"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "crawl summary" in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if "croydon" in line and "ok" in line)
    assert " 3 " in row  # three children's-services articles new

    listed = run(crawler_env, "articles", "--json")
    assert listed.returncode == 0, listed.stderr
    articles = json.loads(listed.stdout)
    titles = {a["title"] for a in articles}
    assert "Croydon Council statement in response to Ofsted report" in titles
    statement = next(a for a in articles if a["title"].startswith("Croydon Council statement"))
    assert statement["published_at"].startswith("2017-09-04")
    assert statement["las"] == ["E09000008"]

    by_la = json.loads(run(crawler_env, "articles", "--json", "--la", "Croydon", "--since", "2017-09-10").stdout)
    assert {a["title"] for a in by_la} == titles - {"Croydon Council statement in response to Ofsted report"}


def test_unknown_source_is_one_clear_error_line(crawler_env: CrawlEnv) -> None:
    proc = run(crawler_env, "crawl", "nosuchsource")
    assert proc.returncode == 1
    assert proc.stderr.strip() == "Error: unknown source 'nosuchsource'; `carewatch sources` lists them"


def test_unknown_config_key_names_file_section_and_key(crawler_env: CrawlEnv, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[sources.croydon]\ninterval = 5\n', encoding="utf-8")
    proc = run(crawler_env, "--config", str(bad), "sources")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{bad}: [sources.croydon]: unknown key 'interval'" in proc.stderr


def test_unknown_la_is_reported_with_suggestions(crawler_env: CrawlEnv) -> None:
    proc = run(crawler_env, "articles", "--la", "Croydn")
    assert proc.returncode == 1
    assert "Croydn" in proc.stderr and "Croydon" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_date_is_a_usage_error(crawler_env: CrawlEnv) -> None:
    proc = run(crawler_env, "articles", "--since", "last week")
    assert proc.returncode == 2
    assert "'last week' is not a date" in proc.stderr


def test_sources_lists_kind_and_schedule_as_json(crawler_env: CrawlEnv) -> None:
    proc = run(crawler_env, "sources", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)}
    assert rows["croydon"]["kind"] == "council" and rows["croydon"]["schedule"] == "every 60 min"


def test_db_upgrade_is_idempotent(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "fresh.toml"  # an empty database, not the crawl environment's (migrated)
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")

    def upgrade() -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CAREWATCH, "-c", str(config), "db", "upgrade"], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    first, second = upgrade(), upgrade()
    assert first.returncode == 0 and "upgraded from empty" in first.stdout
    assert second.returncode == 0 and "already at revision" in second.stdout


def _hang_source(env: CrawlEnv, path: str = "/hang") -> None:
    env.write_config(f'[sources.hangs]\nname = "Hangs"\nkind = "local_news"\ndomains = ["127.0.0.1"]\n'
                     f'feeds = ["{env.mock.base("faults")}{path}"]\n'
                     '[service]\nkill_grace_seconds = 2\ncrawl_settings = { DOWNLOAD_TIMEOUT = "120" }\n')


def _group_members(pgid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.getpgid(int(entry)) == pgid:
                out.append(int(entry))
        except ProcessLookupError:
            continue
    return out


def _crawl_child(env: CrawlEnv, timeout: float = 60) -> int:
    """The running crawl child of this test's config: it leads its own process group."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    environ = fh.read()
                leader = os.getpgid(int(entry)) == int(entry)
            except (OSError, ValueError):
                continue
            if leader and str(env.config_path).encode() in environ:
                return int(entry)
        time.sleep(0.2)
    raise AssertionError("no crawl child started")


def _runs(env: CrawlEnv) -> list[CrawlRun]:
    with session_scope(env.engine) as s:
        return list(s.execute(select(CrawlRun).order_by(CrawlRun.id)).scalars())


def test_ctrl_c_on_crawl_stops_the_child_process_group(crawler_env: CrawlEnv) -> None:
    _hang_source(crawler_env)
    cli = subprocess.Popen([*CAREWATCH, "crawl", "hangs", "--log-dir", str(crawler_env.tmp_path / "logs")],
                           cwd=REPO_ROOT, env=crawler_env.env(), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        child = _crawl_child(crawler_env)
        time.sleep(2)  # the feed request is hanging
        cli.send_signal(signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
        _, err = cli.communicate(timeout=30)
        assert cli.returncode == 1
        assert err.strip().startswith("Error: interrupted") and "Traceback" not in err
        deadline = time.monotonic() + 5  # SIGKILLed helpers take a moment to be reaped
        while _group_members(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group_members(child) == []
        [run] = _runs(crawler_env)
        assert run.status == "interrupted" and run.finished_at is not None
    finally:
        if cli.poll() is None:
            cli.kill()


@on_both_databases
def test_crawl_closes_a_run_its_killed_predecessor_left_running(crawler_env: CrawlEnv) -> None:
    _hang_source(crawler_env)
    cli = subprocess.Popen([*CAREWATCH, "crawl", "hangs", "--log-dir", str(crawler_env.tmp_path / "logs")],
                           cwd=REPO_ROOT, env=crawler_env.env(), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child = _crawl_child(crawler_env)
    deadline = time.monotonic() + 10
    while _runs(crawler_env)[0].pid != child and time.monotonic() < deadline:  # the run names its process
        time.sleep(0.1)
    cli.kill()  # kill -9 of the command and of its crawl
    os.killpg(child, signal.SIGKILL)
    cli.wait()
    [left] = _runs(crawler_env)
    assert left.status == "running"

    _hang_source(crawler_env, "/ok")  # the site answers again
    again = run(crawler_env, "crawl", "hangs", "--log-dir", str(crawler_env.tmp_path / "logs"))
    assert "Traceback" not in again.stderr
    first, second = _runs(crawler_env)
    assert first.status == "interrupted" and "ended without closing the run" in (first.error or "")
    assert second.finished_at is not None


@pytest.mark.parametrize(("url", "says"), [
    ("postgres://postgres@127.0.0.1:5432/test", "unknown kind of database 'postgres' (PostgreSQL URLs start postgresql://)"),
    ("postgresql://postgres@127.0.0.1:1/test", "Connection refused"),
    ("postgresql://nosuchrole@127.0.0.1:5432/test", 'role "nosuchrole" does not exist'),
])
@pytest.mark.parametrize("command", [("status",), ("articles",), ("db", "upgrade"), ("crawl", "croydon"), ("run",)])
def test_a_database_that_cannot_be_used_is_one_error_line(crawler_env: CrawlEnv, url: str, says: str,
                                                          command: tuple[str, ...]) -> None:
    crawler_env.db_url = url
    crawler_env.write_config("[web]\nport = 0\n")  # were `run` to get as far as its dashboard
    proc = run(crawler_env, *command, timeout=60)
    assert proc.returncode == 1, proc.stdout
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"Error: database {url}: ") and says in line


@pytest.mark.parametrize("command", [("status",), ("articles",), ("stories",), ("alerts", "list")])
def test_read_only_commands_create_no_database(crawler_env: CrawlEnv, command: tuple[str, ...]) -> None:
    where = crawler_env.tmp_path / "nothing-yet" / "carewatch.db"
    crawler_env.db_url = f"sqlite:///{where}"
    crawler_env.write_config()
    proc = run(crawler_env, *command, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f"Error: database sqlite:///{where}: there is none at {where}; "
        "create or update it with `carewatch db upgrade`")
    assert not where.parent.exists()
    assert run(crawler_env, "sources").returncode == 0 and not where.parent.exists()


def test_wrong_type_in_a_listing_names_file_table_key_and_types(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config('[sources.leeds]\nname = "Leeds"\nkind = "council"\ndomains = ["news.leeds.gov.uk"]\n'
                             'listings = [{ url = "https://news.leeds.gov.uk/news?page={page}", max_pages = "3" }]\n')
    proc = run(crawler_env, "sources")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"Error: {crawler_env.config_path}: [sources.leeds.listings[0]]: "
                                   "key 'max_pages' must be int, not str")
