"""scheduler.runner.run_crawls in this process: a real ``python -m crawler.batch`` child against
the replicas, and Ctrl-C arriving at the worst moments."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest
from sqlalchemy import event, select

from scheduler.runner import run_crawls
from storage.db import session_scope
from storage.models import CrawlRun
from tests.fixtures_crawl import CrawlEnv, on_both_databases
from tests.test_cli import _group_members, _hang_source


@on_both_databases
def test_ctrl_c_while_the_run_is_given_its_pid_still_stops_the_child(crawler_env: CrawlEnv) -> None:
    """KeyboardInterrupt arriving while the runs are being given the child's pid (the first
    database write after the child starts) stops the child's process group and closes the run."""
    _hang_source(crawler_env)
    engine = crawler_env.engine
    child: list[int] = []

    def ctrl_c_on_pid_write(conn: Any, cursor: Any, statement: str, parameters: Any,
                            context: Any, executemany: bool) -> None:
        if not child and statement.lstrip().upper().startswith("UPDATE") and "pid" in statement:
            child.append(context.compiled_parameters[0]["pid"])
            raise KeyboardInterrupt  # what the default SIGINT handler raises at this instant

    event.listen(engine, "before_cursor_execute", ctrl_c_on_pid_write)
    try:
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            run_crawls(engine, [("hangs", 120)], database_url=crawler_env.db_url,
                       config_file=str(crawler_env.config_path), trigger="manual",
                       log_file=crawler_env.tmp_path / "hangs.log", kill_grace_seconds=2)
        [pid] = child
        deadline = time.monotonic() + 5  # SIGKILLed helpers take a moment to be reaped
        while _group_members(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group_members(pid) == [], "the crawl child is still running after Ctrl-C"
        assert time.monotonic() - started < 60  # stopped, not left to its 120 s limit
        with session_scope(engine) as session:
            [run] = session.execute(select(CrawlRun)).scalars()
            assert run.status == "interrupted" and run.finished_at is not None
    finally:
        event.remove(engine, "before_cursor_execute", ctrl_c_on_pid_write)
        for pid in child:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
