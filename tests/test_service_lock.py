"""The single-instance guard of ``carewatch run`` (scheduler.lock): one service per install.

An install is a SQLite file, or a schema of a PostgreSQL database: several installs may share
one PostgreSQL database in different schemas (as the tests do, one schema each), and must not
stop each other from running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from scheduler.errors import AlreadyRunning
from scheduler.lock import ServiceLock
from storage.db import create_schema, make_engine


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

