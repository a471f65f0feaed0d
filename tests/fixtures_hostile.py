"""Helpers for the hostile-site crawls (tests/test_hostile_*.py, tests/sites/faults/hostile.py):
a source on the ``faults`` replica, a crawl whose whole process tree is measured, stored rows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from storage.db import session_scope
from storage.models import Article, ArticleUrl, CrawlRun
from tests.fixtures_crawl import FAST, CrawlEnv, descendants
from tests.fixtures_mockserver import REPO_ROOT


def hostile_source(env: CrawlEnv, source_id: str = "hostile", **fields: Any) -> str:
    """A ``[sources.<id>]`` table on the faults replica; ``fields`` are TOML literals by key."""
    lines = [
        f"[sources.{source_id}]",
        'name = "Hostile test site"',
        'kind = "local_news"',
        'domains = ["127.0.0.1"]',
        "allow = ['^/hostile/']",
    ]
    lines += [f"{key} = {value}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def _pss_kb(pid: int) -> int:
    for name, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(name) as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


@dataclass
class MeasuredCrawl:
    returncode: int | None
    stderr: str
    seconds: float
    #: highest sum of PSS over the crawl's whole process tree, MB
    peak_mb: float
    #: True when the crawl had to be killed at the test's wall-clock limit
    killed: bool


def measured_crawl(env: CrawlEnv, source: str, *, settings: dict[str, str] | None = None,
                   kill_after: float = 120) -> MeasuredCrawl:
    """``python -m scrapy crawl SOURCE`` with its process tree's memory sampled every 0.2 s."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", source]
    for key, value in {**FAST, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    log = env.tmp_path / f"crawl-{source}.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env.env(), stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, sum(_pss_kb(pid) for pid in [proc.pid, *descendants(proc.pid)]))
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        killed = False
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(proc.pid, 9)
            proc.wait()
        finally:
            stop.set()
            sampler.join()
    crawl = MeasuredCrawl(proc.returncode, log.read_text(encoding="utf-8"), time.monotonic() - started,
                          peak / 1024, killed)
    # shown by ``pytest -rP``: the figures behind the README's and the budgets
    print(f"{source}: {crawl.seconds:.1f} s, process tree peak {crawl.peak_mb:.0f} MB (PSS), "
          f"exit {crawl.returncode}{' (killed)' if killed else ''}")
    return crawl


def stored_articles(env: CrawlEnv) -> dict[str, tuple[str, str]]:
    """{canonical URL path: (title, first words of the body)} of every stored article."""
    from urllib.parse import urlsplit

    with session_scope(env.engine) as session:
        rows = session.execute(select(Article.canonical_url, Article.title, Article.body)).all()
    out = {}
    for url, title, body in rows:
        parts = urlsplit(url)
        out[parts.path + (f"?{parts.query}" if parts.query else "")] = (title, body[:80])
    return out


def stored_urls(env: CrawlEnv) -> list[str]:
    with session_scope(env.engine) as session:
        return list(session.execute(select(ArticleUrl.url)).scalars())


def last_run(env: CrawlEnv) -> CrawlRun:
    with session_scope(env.engine) as session:
        run = session.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()
        session.expunge(run)
        return run
