"""Running real crawls against the site replicas: ``scrapy crawl SOURCE`` in a child process.

``crawler_env`` writes a carewatch.toml pointing every source at its replica and a SQLite file
in ``tmp_path``, and runs crawls exactly as a user would (from the repository root).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.db import make_engine
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
    _engines: list[Engine] = field(default_factory=list)

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
        return env

    def crawl(self, source: str, *, settings: dict[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``python -m scrapy crawl SOURCE`` from the repository root; output captured."""
        cmd = [sys.executable, "-m", "scrapy", "crawl", source]
        for key, value in {**FAST, **(settings or {})}.items():
            cmd += ["-s", f"{key}={value}"]
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=self.env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        (self.tmp_path / f"crawl-{source}.log").write_text(proc.stderr, encoding="utf-8")
        return proc

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
def crawl_db_url(sqlite_url: str) -> str:
    """The database of ``crawler_env``: SQLite; a test module overrides it with ``db_url`` to
    run on both databases (tests/fixtures_db.py)."""
    return sqlite_url


@pytest.fixture
def crawler_env(mock: MockServerProcess, tmp_path: Path, crawl_db_url: str) -> Iterator[CrawlEnv]:
    env = CrawlEnv(mock=mock, tmp_path=tmp_path, config_path=tmp_path / "carewatch.toml",
                   db_url=crawl_db_url)
    env.write_config()
    yield env
    env.close()
