"""Crawl benchmark: carewatch against bare Scrapy on one synthetic news site (not a test).

    .venv/bin/python benchmarks/bench_crawl.py              # 2,000 articles
    .venv/bin/python benchmarks/bench_crawl.py --quick      # 300 articles
    .venv/bin/python benchmarks/bench_crawl.py --articles 5000 --concurrency 16
    .venv/bin/python benchmarks/bench_crawl.py --no-polite    # phases (a)-(d) only
    .venv/bin/python benchmarks/bench_crawl.py --stock-text   # the stress case below

One run, one site (benchmarks/synthetic_site.py, served from another process on 127.0.0.1).
Its articles are worded as varied as real coverage of different events: unrelated ones share
as few 3-word shingles as unrelated seed articles do. ``--stock-text`` writes every article from
the same 20 sentences instead (the site until December 2026): each article is then a
near-duplicate candidate of hundreds and related to most others of its LA, which costs the
store (phase c) about 1 CPU ms more per page. No outlet writes like that; the option is kept to
measure storage under that stress.

  (a) bare Scrapy: fetch every page of the sitemap, do nothing;
  (b) plain Scrapy calling trafilatura.extract in its callback (one core);
  (c) carewatch, full pipeline: ``scrapy crawl`` of a source pointing at the site (sitemap, RSS,
      Atom, listing), extraction in the worker pool, dedup, batched storage in SQLite;
  (d) carewatch again on the unchanged site (conditional requests, revisit policy);
  (e) carewatch with its shipped politeness settings (2 s delay, AutoThrottle, one request at
      a time per host) on a smaller site served from 20 hosts (127.0.0.1-20, ``--hosts``):
      what a monitor of many sources pays per page and per article.

Phases (a)-(d) run in their own processes with the same download settings (no delay, no
AutoThrottle, ``--concurrency`` requests at once). Measured: crawl time (Scrapy's
``elapsed_time_seconds``, spider open to close), wall time of the process, CPU seconds and
peak memory of the whole process tree (crawler, forkserver, extraction workers; sampled every
0.1 s from /proc; memory is PSS, so pages shared between workers count once).

Targets (issue 12; throughput with politeness off is no longer one): CPU ms per page of (c) <=
(b)'s, peak memory of (c) <= 250 MB, d/c <= 0.05 (time) with no article body downloaded again.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
CLK = os.sysconf("SC_CLK_TCK")
ARTICLE_KINDS = ("article", "copy", "near")


# ------------------------------------------------------------------------ process-tree sampling


def _children_map() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        ppid = int(data[data.rindex(b")") + 2:].split()[1])
        out.setdefault(ppid, []).append(int(entry))
    return out


def _tree(root: int) -> list[int]:
    kids = _children_map()
    seen, stack = [], [root]
    while stack:
        pid = stack.pop()
        seen.append(pid)
        stack.extend(kids.get(pid, []))
    return seen


def _cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def _role(pid: int, root: int) -> str:
    """What a process of the crawl does: the crawl process itself, or its helpers' own names
    (crawler.pipelines.pool.helper_started), else "other" (multiprocessing's forkserver)."""
    if pid == root:
        return "crawl process"
    try:
        with open(f"/proc/{pid}/comm") as fh:
            comm = fh.read().strip()
    except OSError:
        return "other"
    return {"cw-extract": "extraction workers"}.get(comm, "other")


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
class Sample:
    cpu_ticks: dict[tuple[int, int], int] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    peak_kb: int = 0
    peak_procs: int = 0
    #: memory by role at the moment of the overall peak
    peak_by_role: dict[str, int] = field(default_factory=dict)


def _sampler(root: int, out: Sample, stop: threading.Event, interval: float = 0.1) -> None:
    n = 0
    while not stop.is_set():
        pids = _tree(root)
        out.peak_procs = max(out.peak_procs, len(pids))
        for pid in pids:
            ticks = _cpu_ticks(pid)
            if ticks is not None:
                key = (pid, 0)
                out.cpu_ticks[key] = max(out.cpu_ticks.get(key, 0), ticks)
                out.roles[pid] = _role(pid, root)
        if n % 2 == 0:  # memory every 0.2 s (smaps_rollup is slower to read)
            pss = {pid: _pss_kb(pid) for pid in pids}
            if sum(pss.values()) > out.peak_kb:
                out.peak_kb = sum(pss.values())
                out.peak_by_role = {}
                for pid, kb in pss.items():
                    role = out.roles.get(pid, "other")
                    out.peak_by_role[role] = out.peak_by_role.get(role, 0) + kb
        n += 1
        stop.wait(interval)


@dataclass
class Phase:
    name: str
    label: str
    wall: float = 0.0
    crawl: float = 0.0
    cpu: float = 0.0
    peak_mb: float = 0.0
    procs: int = 0
    hits: dict[str, dict[str, int]] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    returncode: int = 0
    #: CPU seconds and peak-time memory (MB) by process role
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    mb_by_role: dict[str, float] = field(default_factory=dict)

    def served(self, status: str, kinds: tuple[str, ...] = ARTICLE_KINDS) -> int:
        return sum(self.hits.get(k, {}).get(status, 0) for k in kinds)

    @property
    def requests(self) -> int:
        return sum(sum(v.values()) for v in self.hits.values())


def run_phase(phase: Phase, cmd: list[str], *, cwd: Path, env: dict[str, str], base: str,
              log: Path) -> Phase:
    _get(base + "/__reset")
    sample = Sample()
    stop = threading.Event()
    started = time.monotonic()
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        thread = threading.Thread(target=_sampler, args=(proc.pid, sample, stop), daemon=True)
        thread.start()
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    phase.wall = time.monotonic() - started
    stop.set()
    thread.join()
    sampled = sum(sample.cpu_ticks.values()) / CLK
    own = rusage.ru_utime + rusage.ru_stime  # exact for the crawler and the children it reaped
    phase.cpu = max(sampled, own)
    for (pid, _), ticks in sample.cpu_ticks.items():
        role = sample.roles.get(pid, "other")
        phase.cpu_by_role[role] = phase.cpu_by_role.get(role, 0.0) + ticks / CLK
    phase.mb_by_role = {role: kb / 1024 for role, kb in sample.peak_by_role.items()}
    phase.peak_mb = sample.peak_kb / 1024
    phase.procs = sample.peak_procs
    phase.returncode = proc.returncode
    phase.hits = json.loads(_get(base + "/__hits"))
    if proc.returncode != 0:
        sys.stderr.write(f"phase {phase.name} exited {proc.returncode}; log: {log}\n")
        sys.stderr.write(log.read_text(errors="replace")[-3000:])
    return phase


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read().decode()


# ------------------------------------------------------------------------------------ phases


def scrapy_settings(concurrency: int) -> dict[str, str]:
    return {
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": "False",
        "CLOSESPIDER_PAGECOUNT": "0",
        "CLOSESPIDER_TIMEOUT": "0",
    }


def _s(settings: dict[str, str]) -> list[str]:
    out: list[str] = []
    for k, v in settings.items():
        out += ["-s", f"{k}={v}"]
    return out


CONFIG = """[database]
url = "sqlite:///{db}"

[crawler]
contact = "bench@carewatch.invalid"

[sources.benchsite]
name = "Synthetic news site (benchmark)"
kind = "trade_press"
domains = ["bench.invalid"]
base_url = "{base}"
sitemaps = ["https://bench.invalid/sitemap.xml"]
feeds = ["https://bench.invalid/feed.rss", "https://bench.invalid/feed.atom"]
listings = [{{ url = "https://bench.invalid/news?page={{page}}", max_pages = 3 }}]
allow = ['^/(news/\\d{{4}}/\\d{{2}}|syndicated|partner)/']
max_pages = 1000000
# every article, like (a) and (b): the shipped budget reads the freshest 1,000 sitemap URLs a run
sitemap_max_urls = 5000
max_crawl_minutes = 120
"""

#: phase (e): the same kind of site on 20 hosts, crawled with the shipped politeness settings
POLITE_CONFIG = """[database]
url = "sqlite:///{db}"

[crawler]
contact = "bench@carewatch.invalid"

[sources.benchhosts]
name = "Synthetic news site on 20 hosts (benchmark)"
kind = "trade_press"
domains = {domains}
sitemaps = ["{base}/sitemap.xml"]
feeds = ["{base}/feed.rss", "{base}/feed.atom"]
listings = [{{ url = "{base}/news?page={{page}}", max_pages = 3 }}]
allow = ['^/(news/\\d{{4}}/\\d{{2}}|syndicated|partner)/']
max_crawl_minutes = 30
"""


def migrate(url: str) -> None:
    """What `carewatch db upgrade` does (a crawl only checks the schema)."""
    subprocess.run([PY, "-c", "import sys; from storage.db import make_engine; from storage.migrate import upgrade; "
                    "upgrade(make_engine(sys.argv[1]))", url], cwd=REPO, check=True)


def last_run_stats(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row and row[0] else {}
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=None, help="articles on the site (default 2000)")
    parser.add_argument("--quick", action="store_true", help="300 articles")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workdir", type=Path, default=None, help="keep logs and the database here")
    parser.add_argument("--hosts", type=int, default=20, help="hosts of phase (e)'s site")
    parser.add_argument("--polite-articles", type=int, default=100, help="articles of phase (e)'s site")
    parser.add_argument("--no-polite", action="store_true", help="skip phase (e)")
    parser.add_argument("--stock-text", action="store_true",
                        help="articles written from 20 stock sentences (a storage stress case; synthetic_site.py --text stock)")
    args = parser.parse_args(argv)
    n = args.articles or (300 if args.quick else 2000)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="carewatch-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    text = ["--text", "stock"] if args.stock_text else []
    server = subprocess.Popen([PY, str(REPO / "benchmarks" / "synthetic_site.py"), "--articles", str(n), *text],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO)
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        base = info["base"]
        n_pages = int(info["article_pages"])
        print(f"site: {base}  {n} articles + copies = {n_pages} article pages, "
              f"{info['avg_html_bytes'] / 1024:.1f} KB of HTML each on average; "
              f"{os.cpu_count()} CPU(s), concurrency {args.concurrency}", flush=True)
        common = scrapy_settings(args.concurrency)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
        db = work / "carewatch.db"
        if db.exists():
            db.unlink()
        (work / "carewatch.toml").write_text(CONFIG.format(db=db, base=base), encoding="utf-8")
        migrate(f"sqlite:///{db}")
        cw_env = {**env, "CAREWATCH_CONFIG": str(work / "carewatch.toml")}
        phases: list[Phase] = []
        for name, label, kind in (("a", "bare Scrapy (fetch only)", "bare"),
                                  ("b", "Scrapy + trafilatura in callback", "trafilatura")):
            stats_file = work / f"stats-{name}.json"
            ph = run_phase(Phase(name, label),
                           [PY, str(REPO / "benchmarks" / "bench_spiders.py"), kind, base, str(stats_file),
                            *_s(common)], cwd=work, env=env, base=base, log=work / f"log-{name}.txt")
            ph.stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
            phases.append(ph)
            print(f"  ({name}) done in {ph.wall:.1f} s", flush=True)
        for name, label in (("c", "carewatch full pipeline"), ("d", "carewatch re-crawl, unchanged")):
            ph = run_phase(Phase(name, label),
                           [PY, "-m", "scrapy", "crawl", "benchsite", *_s(common)],
                           cwd=REPO, env=cw_env, base=base, log=work / f"log-{name}.txt")
            ph.stats = last_run_stats(db)
            phases.append(ph)
            print(f"  ({name}) done in {ph.wall:.1f} s", flush=True)
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)

    polite = None if args.no_polite else polite_phase(work, env, args.hosts, args.polite_articles)
    for ph in [*phases, *([polite] if polite else [])]:
        ph.crawl = float(ph.stats.get("elapsed_time_seconds") or ph.wall)
    a, b, c, d = phases
    print()
    print(f"{'phase':<38} {'article pages':>13} {'requests':>8} {'crawl s':>8} {'pages/s':>8} "
          f"{'wall s':>7} {'CPU s':>7} {'CPU ms/page':>11} {'peak MB':>8} {'procs':>5}")
    for ph in [*phases, *([polite] if polite else [])]:
        pages = ph.served("200")
        pages_per_s = pages / ph.crawl if ph.crawl and pages else 0.0
        per_page = f"{ph.cpu * 1000 / pages:11.1f}" if pages else f"{'-':>11}"
        print(f"({ph.name}) {ph.label:<34} {pages:>13} {ph.requests:>8} {ph.crawl:>8.2f} "
              f"{pages_per_s:>8.1f} {ph.wall:>7.1f} {ph.cpu:>7.1f} {per_page} {ph.peak_mb:>8.0f} {ph.procs:>5}")

    def rate(ph: Phase) -> float:
        return ph.served("200") / ph.crawl if ph.crawl else 0.0

    def ms_per_page(ph: Phase) -> float:
        return ph.cpu * 1000 / max(1, ph.served("200"))

    redownloaded = d.served("200")
    print()
    print(f"(c) CPU ms/page {ms_per_page(c):.1f} vs (b) {ms_per_page(b):.1f}   (target: (c) <= (b))")
    print(f"(c) peak memory {c.peak_mb:.0f} MB   (target: <= 250 MB)")
    print(f"c/a speed (pages/s)  {rate(c) / rate(a) if rate(a) else 0:.2f}   (not a target: politeness is off)")
    print(f"c/b speed (pages/s)  {rate(c) / rate(b) if rate(b) else 0:.2f}   (not a target)")
    print(f"d/c time (crawl s)   {d.crawl / c.crawl if c.crawl else 0:.3f}  (target: <= 0.05)")
    print(f"(d) article bodies downloaded again: {redownloaded}/{n_pages} = "
          f"{redownloaded / n_pages:.1%}; 304s: {d.served('304', tuple(d.hits))}; "
          f"requests: {d.requests} (target: 0 bodies)")
    print(f"(c) stored: "
          f"new {c.stats.get('carewatch/articles/new', 0)}, "
          f"same body {c.stats.get('carewatch/articles/same_body', 0)}, "
          f"alias {c.stats.get('carewatch/articles/alias', 0)}, "
          f"syndicated {c.stats.get('carewatch/articles/syndicated', 0)}; "
          f"dropped {sum(v for k, v in c.stats.items() if k.startswith('carewatch/dropped/'))}; "
          f"extraction timeouts {c.stats.get('carewatch/extract_pool/timeouts', 0)}")
    print(f"(b) trafilatura extracted {b.stats.get('bench/extracted', 0)} pages")
    print()
    pages_c = max(1, c.served("200"))
    print(f"(c) by process: {'CPU ms/page':>11} {'CPU s':>7} {'MB at peak':>10}   "
          f"(b, for comparison: {b.cpu * 1000 / max(1, b.served('200')):.1f} CPU ms/page)")
    for role in ("crawl process", "extraction workers", "other"):
        cpu = c.cpu_by_role.get(role, 0.0)
        print(f"    {role:<20} {cpu * 1000 / pages_c:>11.1f} {cpu:>7.1f} {c.mb_by_role.get(role, 0.0):>10.0f}")
    # How far (c) is from what its CPU cost allows: all cores busy for the whole crawl. CPU s
    # includes start-up and shutdown, which "crawl s" does not; (d), a crawl that fetches almost
    # nothing, estimates that fixed cost, and it is left out here.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    crawl_cpu = max(0.0, c.cpu - d.cpu)
    ceiling = cores / (crawl_cpu / pages_c) if crawl_cpu else 0.0
    print(f"(c) without start-up (estimated by (d)'s {d.cpu:.1f} CPU s): {crawl_cpu * 1000 / pages_c:.1f} CPU ms/page, "
          f"{crawl_cpu / c.crawl if c.crawl else 0:.2f} of {cores} cores busy on average; that CPU per page allows at "
          f"most {ceiling:.0f} pages/s on {cores} cores, so c/a can be at most "
          f"{ceiling / rate(a) if rate(a) else 0:.2f}; (c) reached {rate(c) / ceiling if ceiling else 0:.0%} of that")
    if polite is not None:
        stored = int(polite.stats.get("carewatch/articles/new", 0))
        print(f"(e) shipped politeness, {args.hosts} hosts: {ms_per_page(polite):.1f} CPU ms/page, peak "
              f"{polite.peak_mb:.0f} MB (process tree), {polite.requests} requests for {stored} new articles = "
              f"{polite.requests / max(1, stored):.2f} requests/article, {polite.crawl:.0f} s "
              f"({polite.served('200') / polite.crawl if polite.crawl else 0:.2f} pages/s)")
    print(f"logs and database: {work}")
    return 0 if all(ph.returncode == 0 for ph in [*phases, *([polite] if polite else [])]) else 1


def polite_phase(work: Path, env: dict[str, str], hosts: int, articles: int) -> Phase:
    """(e): a fresh database, a site on ``hosts`` loopback addresses, carewatch's own settings."""
    server = subprocess.Popen([PY, str(REPO / "benchmarks" / "synthetic_site.py"), "--articles", str(articles),
                               "--hosts", str(hosts)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO)
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        db = work / "polite.db"
        if db.exists():
            db.unlink()
        domains = json.dumps([u.split("//")[1].split(":")[0] for u in info["hosts"]])
        cfg = work / "polite.toml"
        cfg.write_text(POLITE_CONFIG.format(db=db, base=info["base"], domains=domains), encoding="utf-8")
        migrate(f"sqlite:///{db}")
        print(f"  (e) {articles} articles on {len(info['hosts'])} hosts, shipped politeness settings ...", flush=True)
        ph = run_phase(Phase("e", f"carewatch polite, {len(info['hosts'])} hosts"),
                       [PY, "-m", "scrapy", "crawl", "benchhosts", "-s", "LOG_LEVEL=INFO"],
                       cwd=REPO, env={**env, "CAREWATCH_CONFIG": str(cfg)}, base=info["base"], log=work / "log-e.txt")
        ph.stats = last_run_stats(db)
        print(f"  (e) done in {ph.wall:.1f} s", flush=True)
        return ph
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
