"""Run one crawl as a child process (``scrapy crawl SOURCE``) with a wall-clock limit.

Scrapy's reactor cannot be restarted in one process and a crash must not take the service
down (DESIGN.md), so every crawl is ``python -m scrapy crawl`` in its own session; on overrun
the whole process group is killed and the run is recorded as timed out.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from storage.db import session_scope
from storage.models import CrawlRun
from storage.repository import finish_run, start_run

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CrawlOutcome:
    source: str
    run_id: int
    status: str
    returncode: int | None
    seconds: float
    error: str | None = None


def _kill_group(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def crawl_command(source: str, *, limit_seconds: int, extra_settings: dict[str, str] | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", source, "-s", f"CLOSESPIDER_TIMEOUT={limit_seconds}"]
    for key, value in (extra_settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def run_crawl(
    engine: Engine,
    source: str,
    *,
    database_url: str,
    config_file: str | None = None,
    limit_seconds: float = 1200,
    trigger: str = "scheduled",
    log_file: Path | None = None,
    extra_settings: dict[str, str] | None = None,
    on_start: object | None = None,
    kill_grace_seconds: float = 60,
) -> CrawlOutcome:
    """Run ``scrapy crawl source`` in a child process group and record the run."""
    with session_scope(engine) as session:
        run_id = start_run(session, source, trigger=trigger).id
    env = dict(os.environ)
    env.update(
        CAREWATCH_DATABASE_URL=database_url,
        CAREWATCH_RUN_ID=str(run_id),
        CAREWATCH_TRIGGER=trigger,
        PYTHONUNBUFFERED="1",
    )
    if config_file:
        env["CAREWATCH_CONFIG"] = str(config_file)
    cmd = crawl_command(source, limit_seconds=max(1, round(limit_seconds)), extra_settings=extra_settings)
    hard_limit = limit_seconds + kill_grace_seconds
    started = time.monotonic()
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        if callable(on_start):
            on_start(proc)
        timed_out = False
        try:
            rc: int | None = proc.wait(timeout=hard_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            rc = proc.returncode
    finally:
        if log_file:
            out.close()  # type: ignore[union-attr]
    seconds = time.monotonic() - started

    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        if timed_out:
            finish_run(session, run_id, status="timeout",
                       error=f"crawl exceeded its {hard_limit:g} s limit and was killed")
        elif run.finished_at is None:
            # The child never closed its run: it crashed or was killed.
            finish_run(session, run_id, status="failed", error=f"crawl process exited with code {rc}")
        status = run.status
        error = run.error
    logger.info("crawl of %s finished: %s in %.1f s", source, status, seconds)
    return CrawlOutcome(source=source, run_id=run_id, status=status, returncode=rc, seconds=seconds, error=error)
