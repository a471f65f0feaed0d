"""The single-instance guard of ``carewatch run`` (scheduler.lock): one service per install.

An install is a SQLite file, or a schema of a PostgreSQL database: several installs may share
one PostgreSQL database in different schemas (as the tests do, one schema each), and must not
stop each other from running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.errors import AlreadyRunning
from scheduler.lock import ServiceLock
from storage.db import create_schema, make_engine
from tests.fixtures_mockserver import REPO_ROOT, SOURCES_TOML


@pytest.fixture
def engines() -> Iterator[Callable[[str], Engine]]:
    """Migrated engines on URLs, disposed of afterwards (one per service)."""
    made: list[Engine] = []

    def engine_on(url: str) -> Engine:
        engine = make_engine(url)
        create_schema(engine)
        made.append(engine)
        return engine

    yield engine_on
    for engine in made:
        engine.dispose()


@pytest.fixture
def held() -> Iterator[list[ServiceLock]]:
    """Locks the test took, released afterwards."""
    locks: list[ServiceLock] = []
    yield locks
    for lock in locks:
        lock.release()


def take(lock: ServiceLock, held: list[ServiceLock]) -> ServiceLock:
    lock.acquire()
    held.append(lock)
    return lock


@pytest.mark.postgres
def test_services_on_two_schemas_of_one_database_both_run(
        pg_schemas: Callable[[], str], engines: Callable[[str], Engine], held: list[ServiceLock]) -> None:
    first, second = engines(pg_schemas()), engines(pg_schemas())
    take(ServiceLock(first), held)
    take(ServiceLock(second), held)  # the other install is not "already running"
    assert ServiceLock(first).holder() is not None
    assert ServiceLock(second).holder() is not None


@pytest.mark.postgres
def test_status_sees_only_the_service_of_its_own_schema(
        pg_schemas: Callable[[], str], engines: Callable[[str], Engine], held: list[ServiceLock]) -> None:
    running, idle = engines(pg_schemas()), engines(pg_schemas())
    take(ServiceLock(running), held)
    assert (ServiceLock(running).holder() or "").startswith("backend ")
    assert ServiceLock(idle).holder() is None


def test_a_second_service_on_the_same_install_is_refused_until_the_first_stops(
        db_url: str, engines: Callable[[str], Engine], held: list[ServiceLock]) -> None:
    first = take(ServiceLock(engines(db_url)), held)
    second = ServiceLock(engines(db_url))  # another process would have its own engine
    with pytest.raises(AlreadyRunning, match="another carewatch service is already running against this database"):
        second.acquire()
    first.release()
    assert second.holder() is None
    take(second, held)
    assert ServiceLock(engines(db_url)).holder() is not None



# --- the same with ``carewatch run`` ---------------------------------------------------------------


def install(folder: Path, db_url: str) -> Path:
    """A carewatch.toml on ``db_url`` with nothing to crawl, mail to a maildir and no dashboard."""
    folder.mkdir()
    lines = [f'[database]\nurl = "{db_url}"\n', f'[mail]\nmaildir = "{folder / "maildir"}"\n',
             f'[service]\nlog_dir = "{folder / "logs"}"\n', "[web]\nenabled = false\n"]
    lines += [f"[sources.{sid}]\nenabled = false\n" for sid in tomllib.loads(SOURCES_TOML.read_text())["sources"]]
    config = folder / "carewatch.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def carewatch_run(config: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
    return subprocess.Popen([sys.executable, "-m", "scheduler", "-c", str(config), "run"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def started(proc: subprocess.Popen[str]) -> str:
    """The service's log up to "carewatch service started" (or to its exit)."""
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if not line or "carewatch service started" in line:
            break
    return "".join(seen)


@pytest.mark.postgres
def test_carewatch_run_on_two_schemas_of_one_database_runs_twice_but_not_twice_on_one(
        pg_schemas: Callable[[], str], tmp_path: Path) -> None:
    first, second = install(tmp_path / "first", pg_schemas()), install(tmp_path / "second", pg_schemas())
    services = [carewatch_run(first), carewatch_run(second)]
    try:
        for proc in services:
            assert "carewatch service started" in started(proc), proc.poll()
        again = carewatch_run(first)
        _, err = again.communicate(timeout=60)
        assert again.returncode == 1
        assert err.strip().splitlines()[-1].startswith(
            "Error: another carewatch service is already running against this database: lock PostgreSQL advisory lock")
        for proc in services:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)
            assert proc.returncode == 0
    finally:
        for proc in services:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
