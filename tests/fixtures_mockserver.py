"""Mock-server fixtures: the site replicas of tests/sites/ served from a real subprocess.

* ``mockserver`` (session): starts ``python -m tests.mockserver`` once per test session.
* ``mock`` (function): the same object, with scenario flags and hit counters reset first.

Usage::

    def test_feed(mock: MockServerProcess) -> None:
        url = mock.url("communitycare", "/feed/")
        mock.set_scenario("new_article")
        assert mock.hits("communitycare")["/feed/"]["200"] == 1
        toml = mock.sources_toml()   # carewatch.toml fragment pointing sources at the replicas
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCES_TOML = REPO_ROOT / "crawler" / "sources.toml"
START_TIMEOUT = 20.0


class MockServerProcess:
    """Handle on a running ``tests.mockserver`` subprocess."""

    def __init__(self, log_path: Path, sites_dir: Path | None = None) -> None:
        cmd = [sys.executable, "-m", "tests.mockserver"]
        if sites_dir is not None:
            cmd += ["--sites", str(sites_dir)]
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the server prints exactly one line, then serves
        if not line:
            self.proc.wait(timeout=START_TIMEOUT)
            self._log.flush()
            raise RuntimeError(f"mockserver did not start:\n{log_path.read_text(errors='replace')}")
        self.sites: dict[str, str] = json.loads(line)["sites"]

    # -- addresses ----------------------------------------------------------------------------
    def base(self, site: str) -> str:
        """Base URL (``http://127.0.0.1:PORT``, no trailing slash) of a site replica."""
        try:
            return self.sites[site]
        except KeyError:
            raise KeyError(f"no replica for site {site!r}; have {sorted(self.sites)}") from None

    def url(self, site: str, path: str = "/") -> str:
        """Absolute URL of ``path`` (which may carry a query) on a site replica."""
        return self.base(site) + ("" if path.startswith("/") else "/") + path

    # -- control ------------------------------------------------------------------------------
    def _control(self, path: str, site: str | None = None) -> Any:
        base = self.base(site) if site else next(iter(self.sites.values()))
        with urllib.request.urlopen(base + "/__mock__/" + path, timeout=10) as resp:
            return json.loads(resp.read())

    def set_scenario(self, name: str) -> None:
        self._control("scenario?set=" + quote(name))

    def unset_scenario(self, name: str) -> None:
        self._control("scenario?unset=" + quote(name))

    def reset_scenarios(self) -> None:
        self._control("scenario?reset=1")

    def scenarios(self) -> list[str]:
        return list(self._control("scenario"))

    def hits(self, site: str) -> dict[str, dict[str, int]]:
        """``{"<path?query>": {"<status>": count}}`` for one site since the last reset."""
        return dict(self._control("hits", site))

    def reset_hits(self) -> None:
        self._control("reset-hits?all=1")

    # -- config -------------------------------------------------------------------------------
    def sources_toml(self) -> str:
        """A carewatch.toml fragment pointing every built-in source at its replica.

        Sources without a replica are switched off with ``enabled = false``.
        """
        sources = tomllib.loads(SOURCES_TOML.read_text(encoding="utf-8")).get("sources", {})
        out: list[str] = []
        for source_id in sources:
            out.append(f"[sources.{source_id}]")
            if source_id in self.sites:
                out.append(f'base_url = "{self.sites[source_id]}"')
            else:
                out.append("enabled = false")
            out.append("")
        return "\n".join(out)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                if self.proc.stdin is not None:
                    self.proc.stdin.close()  # the server stops when stdin closes
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


@pytest.fixture(scope="session")
def mockserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServerProcess]:
    """One mock server per test session (every replica under tests/sites/)."""
    server = MockServerProcess(tmp_path_factory.mktemp("mockserver") / "mockserver.log")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def mock(mockserver: MockServerProcess) -> MockServerProcess:
    """The session mock server with scenario flags and hit counters reset for this test."""
    mockserver.reset_scenarios()
    mockserver.reset_hits()
    return mockserver
