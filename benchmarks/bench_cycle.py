"""Benchmark (f): one unchanged cycle over 20 sources, as the service runs it.

``python benchmarks/bench_cycle.py [--sources 20] [--polite]``

Twenty synthetic news sites (benchmarks/synthetic_site.py), each on its own loopback port,
are crawled once (first crawls, not measured), then every source is due again with nothing
changed. Measured, in the same run, as CPU seconds of the crawl processes and everything they
started (``RUSAGE_CHILDREN``, process start-up included):

* ``python -c "import scrapy"``: the floor for any child that runs Scrapy;
* one ``scrapy crawl SOURCE`` child per source, ``cores`` at a time: how the service ran a
  cycle before crawler.batch;
* the service's own way: every source's ``crawl:<source>`` job fires at once (what the
  scheduler does when they are due together) through ``Service.crawl``: at most
  ``max_parallel_crawls`` children, re-crawls sharing one.

Without ``--polite`` crawls use no download delay (less idle reactor time, so the start-up
share is, if anything, smaller than in production).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.pipelines.pool import usable_cores  # noqa: E402
from crawler.sources import load_sources  # noqa: E402
from scheduler.config import load_config  # noqa: E402
from scheduler.service import Service  # noqa: E402
from storage.db import make_engine, session_scope  # noqa: E402
from storage.models import CrawlRun  # noqa: E402

PY = sys.executable

SOURCE = """
[sources.{sid}]
name = "Synthetic site {n}"
kind = "trade_press"
domains = ["bench{n}.invalid"]
base_url = "{base}"
feeds = ["https://bench{n}.invalid/feed.rss", "https://bench{n}.invalid/feed.atom"]
listings = [{{ url = "https://bench{n}.invalid/news?page={{page}}", max_pages = 2 }}]
sitemaps = ["https://bench{n}.invalid/sitemap.xml"]
allow = ['^/(news/\\\\d{{4}}/\\\\d{{2}}|syndicated|partner)/']
"""


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds of the children ``fn`` started and reaped, wall seconds)."""
    cpu, wall = children_cpu(), time.monotonic()
    fn()
    return children_cpu() - cpu, time.monotonic() - wall


def start_sites(n: int, articles: int) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    procs, bases = [], []
    for i in range(n):
        proc = subprocess.Popen([PY, str(REPO / "benchmarks" / "synthetic_site.py"), "--articles",
                                 str(articles), "--seed", str(i)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, cwd=REPO)
        procs.append(proc)
    for proc in procs:
        assert proc.stdout is not None
        bases.append(json.loads(proc.stdout.readline())["base"])
    return procs, bases


def fire_all(service: Service, ids: list[str]) -> None:
    """Every crawl job at once, each in its own thread, as APScheduler's executor runs them."""
    threads = [threading.Thread(target=service.crawl, args=(sid,)) for sid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def one_child_each(env: dict[str, str], ids: list[str], settings: dict[str, str], parallel: int) -> None:
    """``scrapy crawl SOURCE`` per source, ``parallel`` at a time."""
    todo = list(ids)
    lock = threading.Lock()
    args = [a for k, v in settings.items() for a in ("-s", f"{k}={v}")]

    def worker() -> None:
        while True:
            with lock:
                if not todo:
                    return
                sid = todo.pop(0)
            subprocess.run([PY, "-m", "scrapy", "crawl", sid, *args], cwd=REPO, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def check_unchanged(db_url: str, ids: list[str], after_id: int) -> str:
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            rows = [r for r in s.query(CrawlRun).filter(CrawlRun.id > after_id)]
        statuses = sorted({r.status for r in rows})
        new = sum(r.articles_new for r in rows)
        return f"{len(rows)} runs of {len(set(r.source for r in rows))}/{len(ids)} sources, statuses {statuses}, {new} new"
    finally:
        engine.dispose()


def last_run_id(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            return max([r.id for r in s.query(CrawlRun)] or [0])
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--articles", type=int, default=15, help="articles per site")
    parser.add_argument("--polite", action="store_true", help="the shipped download delays")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="carewatch-cycle-"))
    work.mkdir(parents=True, exist_ok=True)
    cores = usable_cores()
    settings = {"LOG_LEVEL": "INFO", "TELNETCONSOLE_ENABLED": "False"}
    if not args.polite:
        settings |= {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}

    sites, bases = start_sites(args.sources, args.articles)
    try:
        ids = [f"site{n:02d}" for n in range(args.sources)]
        db_url = f"sqlite:///{work / 'carewatch.db'}"
        shown = ", ".join(f'{k} = "{v}"' for k, v in settings.items())
        text = (f'[database]\nurl = "{db_url}"\n[crawler]\ncontact = "bench@carewatch.invalid"\n'
                f'[mail]\nmaildir = "{work / "maildir"}"\n'
                f'[service]\nlog_dir = "{work / "logs"}"\nlock_file = "{work / "lock"}"\n'
                f"crawl_settings = {{ {shown} }}\n")
        builtin = load_sources(None)
        text += "".join(f"[sources.{b}]\nenabled = false\n" for b in builtin)
        text += "".join(SOURCE.format(sid=sid, n=n, base=base) for n, (sid, base) in enumerate(zip(ids, bases, strict=True)))
        (work / "carewatch.toml").write_text(text, encoding="utf-8")
        os.environ["CAREWATCH_CONFIG"] = str(work / "carewatch.toml")
        config = load_config(work / "carewatch.toml")
        extra = set(config.enabled_sources) - set(ids)
        assert not extra, f"sources left enabled: {extra}"
        env = {**os.environ, "CAREWATCH_CONFIG": str(work / "carewatch.toml"), "CAREWATCH_DATABASE_URL": db_url}

        service = Service(config)
        from storage.db import create_schema

        create_schema(service.engine)
        print(f"{args.sources} sources on {cores} usable core(s), max_parallel_crawls {service.max_parallel_crawls}, "
              f"{'shipped politeness' if args.polite else 'no download delay'}; work dir {work}", flush=True)
        cpu, wall = measure(lambda: fire_all(service, ids))
        print(f"first crawls (not measured): {cpu:.1f} CPU s, {wall:.1f} s; "
              f"{check_unchanged(db_url, ids, 0)}", flush=True)

        rows: list[tuple[str, int, float, float, str]] = []
        floor = [measure(lambda: subprocess.run([PY, "-c", "import scrapy"], check=True))[0] for _ in range(3)]
        rows.append(('python -c "import scrapy" (floor per process)', 1, min(floor), 0.0, ""))
        mark = last_run_id(db_url)
        cpu, wall = measure(lambda: one_child_each(env, ids, settings, cores))
        rows.append(("before: one `scrapy crawl` child per source", args.sources, cpu, wall,
                     check_unchanged(db_url, ids, mark)))
        mark = last_run_id(db_url)
        cpu, wall = measure(lambda: fire_all(service, ids))
        with session_scope(service.engine) as s:
            pids = {r.pid for r in s.query(CrawlRun).filter(CrawlRun.id > mark)}
        rows.append(("after: the service's crawl jobs, all due", len(pids), cpu, wall,
                     check_unchanged(db_url, ids, mark)))
        service.engine.dispose()

        print(f"\n{'(f) unchanged cycle':<48} {'children':>8} {'CPU s':>7} {'wall s':>7} {'CPU s/source':>13}")
        for label, children, cpu, wall, _ in rows:
            per = cpu if children == 1 and not wall else cpu / args.sources
            print(f"{label:<48} {children:>8} {cpu:>7.2f} {wall:>7.1f} {per:>13.3f}")
        for label, _, _, _, check in rows:
            if check:
                print(f"  {label}: {check}")
        return 0
    finally:
        for site in sites:
            site.terminate()
        for site in sites:
            site.wait()


if __name__ == "__main__":
    sys.exit(main())
