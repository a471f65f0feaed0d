"""Running real crawls against the site replicas: ``scrapy crawl SOURCE`` in a child process.

``crawler_env`` writes a carewatch.toml pointing every source at its replica and a SQLite file
in ``tmp_path`` (migrated, as ``carewatch db upgrade`` would), and runs crawls exactly as a user
would (from the repository root).

``no_writes_to_data`` (every test): the repository's ``./data``, where the user's real database
lives, is the same after the test as before it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.runner import CrawlOutcome, run_crawls
from storage.db import make_engine
from storage.migrate import upgrade
from tests.fixtures_mockserver import REPO_ROOT, MockServerProcess

#: settings that make replica crawls fast; politeness itself is tested separately
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "DOWNLOAD_TIMEOUT": "5",
    "RETRY_TIMES": "1",
    "LOG_LEVEL": "INFO",
}


@dataclass
class CrawlEnv:
    mock: MockServerProcess
    tmp_path: Path
    config_path: Path
    db_url: str
    extra_config: str = ""
    #: more environment for the crawl processes (a fault to inject, tests/fixtures_database_fault.py)
    extra_env: dict[str, str] = field(default_factory=dict)
    _engines: list[Engine] = field(default_factory=list)

    def __post_init__(self) -> None:
        upgrade(self.engine)  # the service or `carewatch db upgrade` does this; crawls only check

    def write_config(self, extra: str = "") -> None:
        self.extra_config = extra
        self.config_path.write_text(
            f'[database]\nurl = "{self.db_url}"\n\n[crawler]\ncontact = "tests@carewatch.invalid"\n\n'
            + self.mock.sources_toml() + "\n" + extra,
            encoding="utf-8",
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
        env["CAREWATCH_CONFIG"] = str(self.config_path)
        return {**env, **self.extra_env}

    def _crawl_cmd(self, source: str, settings: dict[str, str] | None) -> list[str]:
        cmd = [sys.executable, "-m", "scrapy", "crawl", source]
        for key, value in {**FAST, **(settings or {})}.items():
            cmd += ["-s", f"{key}={value}"]
        return cmd

    def start_crawl(self, source: str, *, settings: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """The same crawl, started in the background (to be signalled); its log goes to
        ``tmp_path/crawl-SOURCE.log``."""
        with (self.tmp_path / f"crawl-{source}.log").open("wb") as log:
            return subprocess.Popen(self._crawl_cmd(source, settings), cwd=REPO_ROOT, env=self.env(),
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def crawl(self, source: str, *, settings: dict[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``python -m scrapy crawl SOURCE`` from the repository root; output captured."""
        cmd = self._crawl_cmd(source, settings)
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=self.env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        (self.tmp_path / f"crawl-{source}.log").write_text(proc.stderr, encoding="utf-8")
        return proc

    def crawl_together(self, sources: Sequence[str], *, settings: dict[str, str] | None = None,
                       limit: float = 180) -> list[CrawlOutcome]:
        """Every source crawled by one ``python -m crawler.batch`` child, as the service crawls a
        batch (scheduler.runner.run_crawls): one interpreter start-up for the lot, the crawls at
        once in one reactor, their runs numbered in the order given. Log: ``tmp_path/crawl-batch.log``.
        (Not for ``extra_env``: the child gets this process's environment.)"""
        assert not self.extra_env, "crawl_together does not pass extra_env to its child"
        return run_crawls(self.engine, [(source, limit) for source in sources], database_url=self.db_url,
                          config_file=str(self.config_path), trigger="manual",
                          log_file=self.tmp_path / "crawl-batch.log", extra_settings={**FAST, **(settings or {})})

    def scrapy(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=REPO_ROOT, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    @property
    def engine(self) -> Engine:
        if not self._engines:
            self._engines.append(make_engine(self.db_url))
        return self._engines[0]

    def close(self) -> None:
        for eng in self._engines:
            eng.dispose()


@pytest.fixture
def crawl_db_url(request: pytest.FixtureRequest) -> str:
    """The database of ``crawler_env``: SQLite, or each database for a test marked
    ``@on_both_databases`` (a PostgreSQL schema of its own: tests/fixtures_db.py)."""
    kind = getattr(request, "param", "sqlite")
    return str(request.getfixturevalue("sqlite_url" if kind == "sqlite" else "pg_url"))


#: run a test that uses ``crawler_env`` on SQLite and on PostgreSQL
on_both_databases = pytest.mark.parametrize(
    "crawl_db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def crawler_env(mock: MockServerProcess, tmp_path: Path, crawl_db_url: str) -> Iterator[CrawlEnv]:
    env = CrawlEnv(mock=mock, tmp_path=tmp_path, config_path=tmp_path / "carewatch.toml",
                   db_url=crawl_db_url)
    env.write_config()
    yield env
    env.close()


def croydon_with_page(tmp_path: Path, path: str, html: str) -> CrawlEnv:
    """A CrawlEnv on its own mock server whose Croydon replica has one more page, at ``path``,
    listed first in the feed (the caller closes ``env`` and ``env.mock``)."""
    sites = tmp_path / "sites"
    shutil.copytree(REPO_ROOT / "tests" / "sites" / "croydon", sites / "croydon")
    (sites / "croydon" / "extra.html").write_text(html, encoding="utf-8")
    with (sites / "croydon" / "site.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[[route]]\npath = "{path}"\nfile = "extra.html"\n')
    feed = sites / "croydon" / "feed.xml"
    feed.write_text(feed.read_text(encoding="utf-8").replace("<item>", (
        "<item><title>Children's services annual report</title>"
        f"<link>{{{{base}}}}{path}</link></item>\n<item>"), 1), encoding="utf-8")
    server = MockServerProcess(tmp_path / "mockserver.log", sites)
    env = CrawlEnv(mock=server, tmp_path=tmp_path, config_path=tmp_path / "carewatch.toml",
                   db_url=f"sqlite:///{tmp_path / 'carewatch.db'}")
    env.write_config()
    return env


# ------------------------------------------------------------------------------ processes


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            ppid = int(data[data.rindex(b")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, stack = [], list(children.get(pid, []))
    while stack:
        child = stack.pop()
        out.append(child)
        stack.extend(children.get(child, []))
    return out


def process_name(pid: int) -> str | None:
    """The name of a living process (``/proc/PID/comm``), None once it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
        with open(f"/proc/{pid}/comm") as fh:
            name = fh.read().strip()
    except OSError:
        return None
    return None if data[data.rindex(b")") + 2:][:1] == b"Z" else name


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``check`` every 50 ms until it is true; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def kill_tree(pid: int) -> None:
    for child in descendants(pid):
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass


# ------------------------------------------------------------------------------ ./data guard

DATA_DIR = REPO_ROOT / "data"


def _snapshot() -> dict[str, tuple[int, int]]:
    if not DATA_DIR.exists():
        return {}
    out = {}
    for path in DATA_DIR.rglob("*"):
        try:
            st = path.stat()
        except OSError:
            continue
        out[str(path)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(autouse=True)
def no_writes_to_data() -> Iterator[None]:
    """Fail any test that creates or changes something under the repository's ./data."""
    existed, before = DATA_DIR.exists(), _snapshot()
    yield
    after = _snapshot()
    assert DATA_DIR.exists() == existed and after == before, (
        f"the test wrote into {DATA_DIR} (the user's database): "
        f"{sorted(set(after.items()) ^ set(before.items()))[:5]}")
