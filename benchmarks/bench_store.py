"""Storage benchmark: CPU cost of storing one crawled article (not a test).

    .venv/bin/python benchmarks/bench_store.py                  # 2,000 articles, SQLite
    .venv/bin/python benchmarks/bench_store.py --profile        # + cProfile breakdown
    .venv/bin/python benchmarks/bench_store.py --postgres       # also PostgreSQL (127.0.0.1:5432/test)
    .venv/bin/python benchmarks/bench_store.py --snapshot s.json   # dump every stored row
    .venv/bin/python benchmarks/bench_store.py --repeat 5       # best of 5 (a busy machine)
    .venv/bin/python benchmarks/bench_store.py --stock-text     # articles from 20 stock sentences (stress)

The pages of the synthetic news site (benchmarks/synthetic_site.py: articles plus exact
copies, near-copies and syndicated copies) are extracted once with
``crawler.pipelines.document.prepare_page`` (in a process pool, before any timing) and turned
into ``ArticleInput`` the way crawler/pipelines/extract.py does (minhash and LA codes
precomputed, as the extraction workers do). A few Ofsted reports on the tagged LAs are stored
first, so that the "follows a report" path of story assignment runs too.

Timed: every article page stored through ``storage.batchwrite.write_batch`` (what the
crawl's writer runs) in batches of ``--batch`` (50) into a fresh, migrated SQLite file,
each with its page-state row; then a re-crawl phase (a share of the articles again: unchanged,
lightly edited, rewritten). Printed: CPU ms per article (this process; SQLite runs in it), the
outcome counts, SQL statements per article by outcome (a separate, untimed pass), and as a
same-run baseline the CPU cost of a plain ``INSERT`` of the same (title, body, url) rows into a
one-table SQLite file with ``executemany`` in the same batches, so the figure reads as a ratio.

For PostgreSQL the CPU figure is this process only (the server's work is not in it); the tables
live in a throw-away schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import os
import pickle
import pstats
import random
import sqlite3
import sys
import tempfile
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from sqlalchemy import Engine, event, select  # noqa: E402

from storage import batchwrite, minhash  # noqa: E402
from storage.db import create_schema, make_engine, session_scope  # noqa: E402
from storage.models import Base, Report  # noqa: E402
from storage.pagestate import PageRecord  # noqa: E402
from storage.repository import ArticleInput, StoreResult  # noqa: E402
from storage.runs import start_run  # noqa: E402

BASE = "http://127.0.0.1:8765"
DOMAIN = "127.0.0.1"
SOURCE = "synthetic"
ARTICLE_KINDS = ("article", "copy", "near")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FETCHED_AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


# ------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Page:
    url: str
    kind: str
    etag: str
    body_sha: str
    article: ArticleInput


def _prepare(job: tuple[str, str, bytes]) -> tuple[str, Any]:
    from crawler.extraction import ExtractionFailed
    from crawler.pipelines.document import prepare_page

    url, kind, body = job
    try:
        return url, prepare_page(body, url, domains=(DOMAIN,))
    except ExtractionFailed as exc:
        return url, exc.reason


def build_pages(n: int, seed: int, workers: int, cache: Path | None, text: str = "varied") -> list[Page]:
    """Every article page of the site, extracted, as ArticleInput, in a shuffled crawl order."""
    if cache is not None and cache.exists():
        with cache.open("rb") as fh:
            cached = pickle.load(fh)
        if cached["key"] == (n, seed, text):
            return [Page(*row) for row in cached["pages"]]
    from synthetic_site import build_site

    from storage.pagestate import body_hash

    site = build_site(BASE, n, seed, text=text)
    jobs = [(BASE + path, p.kind, p.body) for path, p in site.items() if p.kind in ARTICLE_KINDS]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        prepared = dict(pool.map(_prepare, jobs, chunksize=16))
    pages = []
    for url, kind, body in jobs:
        page = prepared[url]
        if isinstance(page, str):
            print(f"  dropped {url}: {page}", file=sys.stderr)
            continue
        extracted = page.extracted
        canonical = page.canonical_url
        # as crawler/pipelines/extract.py: the fetched URL, the feed links, declared aliases
        seen = [url + "?utm_source=rss&utm_medium=feed"] if kind == "article" and zlib.crc32(url.encode()) % 4 == 0 else []
        others = [u for u in [url, *seen, *page.aliases] if u != canonical]
        article = ArticleInput(
            source=SOURCE, canonical_url=canonical, other_urls=others, title=extracted.title or "",
            fetched_url=url, body=extracted.body, author=extracted.author, published_at=extracted.published_at,
            site_name=extracted.site_name, language=extracted.language, access=extracted.access,
            la_codes=page.la_codes, minhash=page.minhash, word_ids=page.word_ids, strip_params=(), baseline=False,
        )
        path = url[len(BASE):]
        pages.append(Page(url, kind, site[path].etag, body_hash(body), article))
    random.Random(seed).shuffle(pages)
    if cache is not None:
        with cache.open("wb") as fh:
            rows = [(p.url, p.kind, p.etag, p.body_sha, p.article) for p in pages]
            pickle.dump({"key": (n, seed, text), "pages": rows}, fh)
    return pages


def recrawl_pages(pages: list[Page], seed: int) -> list[Page]:
    """A re-crawl: ~4% unchanged, ~4% with one sentence edited, ~2% rewritten (new body)."""
    rng = random.Random(seed + 1)
    originals = [p for p in pages if p.kind == "article"]
    picked = rng.sample(originals, max(3, len(originals) // 10))
    out = []
    for i, p in enumerate(picked):
        body = p.article.body
        if i % 5 in (1, 2):
            body = body.replace(" the ", " this ", 2) + "\nThis article was updated."
        elif i % 5 == 3:
            donor = rng.choice(originals).article.body
            body = "\n".join(donor.split("\n")[::-1])
        if body != p.article.body:
            ids = minhash.word_ids(body)
            article = replace(p.article, body=body, word_ids=minhash.ids_to_bytes(ids),
                              minhash=minhash.to_bytes(minhash.minhash_of_hashes(minhash.shingle_hashes(ids))))
        else:
            article = p.article
        out.append(replace(p, article=article))
    return out


def page_record(page: Page) -> PageRecord:
    return PageRecord(url=page.url, source=SOURCE, kind="article", fetched_at=FETCHED_AT, etag=page.etag,
                      last_modified="Mon, 02 Nov 2026 09:00:00 GMT", content_hash=page.body_sha,
                      http_status=200, changed=True)


# ------------------------------------------------------------------------------- databases


def seed_database(engine: Engine, pages: list[Page]) -> int:
    """A crawl run and a few Ofsted reports on the tagged LAs; the run id."""
    by_la: dict[str, list[datetime]] = {}
    for p in pages:
        if p.article.published_at is not None:
            for code in p.article.la_codes:
                by_la.setdefault(code, []).append(p.article.published_at)
    with session_scope(engine) as session:
        for i, (code, dates) in enumerate(sorted(by_la.items())):
            dates.sort()
            for k, when in enumerate(dates[len(dates) // 3 :: max(1, len(dates) // 3)][:2]):
                session.add(Report(
                    file_id=f"bench-{i}-{k}", urn=f"80{i:04d}", la_code=code, provider_name=code,
                    label=f"Inspection of {code}", report_type="ilacs_standard",
                    published_on=(when - timedelta(days=2)).date(), overall_grade="Good", graded=True,
                    first_seen_at=FETCHED_AT, alert_state="baseline",
                ))
        run = start_run(session, SOURCE, trigger="bench")
        return run.id


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench_store_") as tmp:
        yield f"sqlite:///{tmp}/carewatch.db"


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    schema = f"cw_bench_store_{uuid.uuid4().hex[:10]}"
    conn = psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3,
                           autocommit=True)
    conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


def fresh(url: str, pages: list[Page]) -> tuple[Engine, int]:
    engine = make_engine(url)
    create_schema(engine)
    run_id = seed_database(engine, pages)
    return engine, run_id


# ------------------------------------------------------------------------------- runs


@dataclass
class Phase:
    name: str
    articles: int
    cpu: float
    wall: float
    outcomes: Counter[str]


def store_all(engine: Engine, pages: list[Page], run_id: int, batch: int, name: str) -> Phase:
    items = [(replace(p.article, crawl_run_id=run_id), page_record(p)) for p in pages]
    outcomes: Counter[str] = Counter()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(0, len(items), batch):
        results = batchwrite.write_batch(engine, items[i:i + batch], [], {})
        for r in results:
            if isinstance(r, BaseException):
                raise r
            outcomes[r.outcome.value] += 1
    return Phase(name, len(items), time.process_time() - cpu0, time.perf_counter() - wall0, outcomes)


def plain_inserts(pages: list[Page], batch: int) -> Phase:
    """The floor: the same rows as a plain executemany INSERT into a one-table SQLite file."""
    with tempfile.TemporaryDirectory(prefix="bench_store_plain_") as tmp:
        conn = sqlite3.connect(f"{tmp}/plain.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT, body TEXT, url TEXT)")
        rows = [(p.article.title, p.article.body, p.article.canonical_url) for p in pages]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(0, len(rows), batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO articles (title, body, url) VALUES (?, ?, ?)", rows[i:i + batch])
            conn.execute("COMMIT")
        phase = Phase("plain INSERT", len(rows), time.process_time() - cpu0, time.perf_counter() - wall0, Counter())
        conn.close()
    return phase


def count_statements(engine: Engine, pages: list[Page], recrawl: list[Page], run_id: int, batch: int,
                     ) -> dict[str, tuple[int, float]]:
    """SQL statements per store_article call, by outcome (and per batch, outside them)."""
    n = [0]

    def on_execute(*_args: Any) -> None:
        n[0] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    real = batchwrite.store_article
    per: dict[str, list[int]] = {}

    def counted(session: Any, item: ArticleInput, **kw: Any) -> StoreResult:
        before = n[0]
        result = real(session, item, **kw)
        per.setdefault(result.outcome.value, []).append(n[0] - before)
        return result

    batchwrite.store_article = counted  # type: ignore[assignment]
    try:
        total0 = n[0]
        store_all(engine, pages, run_id, batch, "count")
        store_all(engine, recrawl, run_id, batch, "count")
        total = n[0] - total0
    finally:
        batchwrite.store_article = real  # type: ignore[assignment]
        event.remove(engine, "before_cursor_execute", on_execute)
    inside = sum(sum(v) for v in per.values())
    out = {k: (len(v), sum(v) / len(v)) for k, v in sorted(per.items())}
    stored = len(pages) + len(recrawl)
    out["(batch: BEGIN, page state)"] = (stored, (total - inside) / stored)
    return out


def profile_run(engine: Engine, pages: list[Page], run_id: int, batch: int, top: int) -> None:
    prof = cProfile.Profile()
    prof.enable()
    store_all(engine, pages, run_id, batch, "profile")
    prof.disable()
    stats = pstats.Stats(prof)
    n = len(pages)
    entries = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename
        if "/storage/" in filename:
            short = "storage/" + filename.split("/storage/", 1)[1]
        elif "/sqlalchemy/" in filename:
            short = "sqlalchemy/" + filename.split("/sqlalchemy/", 1)[1]
        elif filename == "~":
            short = ""
        entries.append((ct, tt, nc, f"{short}:{line}({func})" if short else func))
    total = max(ct for ct, *_ in entries)
    print(f"\ncProfile (profiled time {total / n * 1000:.2f} ms per article; cumulative, per article):")
    keep = [e for e in entries if "storage/" in e[3] or "sqlite3.Cursor" in e[3]
            or any(k in e[3] for k in ("(flush)", "(_autoflush)", "(execute)", "(commit)", "(executemany)"))]
    keep.sort(key=lambda e: -e[0])
    print(f"  {'cum ms':>7} {'self ms':>7} {'calls':>6}  function")
    for ct, tt, nc, name in keep[:top]:
        print(f"  {ct / n * 1000:7.3f} {tt / n * 1000:7.3f} {nc / n:6.2f}  {name}")


# ------------------------------------------------------------------------------- snapshot


def _value(v: Any, now_after: datetime) -> Any:
    if isinstance(v, datetime):
        aware = v if v.tzinfo else v.replace(tzinfo=UTC)
        return "<now>" if aware >= now_after else aware.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.hex()
    return v


def snapshot(engine: Engine, now_after: datetime) -> dict[str, list[list[Any]]]:
    """Every row of every table, ordered by primary key; times of "now" masked (they differ per run)."""
    out: dict[str, list[list[Any]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [[_value(v, now_after) for v in row] for row in rows]
    return out


# ------------------------------------------------------------------------------- main


def _report(phase: Phase, base: Phase | None) -> str:
    per = phase.cpu / phase.articles * 1000
    ratio = f"  ({per / (base.cpu / base.articles * 1000):5.1f}x plain INSERT)" if base else ""
    return (f"  {phase.name:<26} {phase.articles:5d} articles  CPU {per:7.3f} ms/article  "
            f"wall {phase.wall / phase.articles * 1000:7.3f} ms/article{ratio}")


def _best(phases: list[Phase]) -> Phase:
    """The run with the least CPU (the others lost time to other load on the machine)."""
    return min(phases, key=lambda p: p.cpu)


def bench(url_factory: Callable[[], Any], label: str, pages: list[Page], recrawl: list[Page],
          args: argparse.Namespace, plain: Phase) -> None:
    print(f"\n== {label}")
    firsts: list[Phase] = []
    agains: list[Phase] = []
    for run in range(args.repeat):
        with url_factory() as url:
            engine, run_id = fresh(url, pages)
            now_after = datetime.now(UTC) - timedelta(seconds=1)
            firsts.append(store_all(engine, pages, run_id, args.batch, "first crawl (write_batch)"))
            agains.append(store_all(engine, recrawl, run_id, args.batch, "re-crawl"))
            if run < args.repeat - 1:
                engine.dispose()
                continue
            first, again = _best(firsts), _best(agains)
            if args.repeat > 1:
                runs = ", ".join(f"{p.cpu / p.articles * 1000:.3f}" for p in firsts)
                print(f"  first crawl CPU ms/article in {args.repeat} runs: {runs} (best shown)")
            print(_report(first, plain))
            print(_report(again, plain))
            print("  outcomes, first crawl:", dict(sorted(first.outcomes.items())))
            print("  outcomes, re-crawl:   ", dict(sorted(again.outcomes.items())))
            if args.snapshot:
                path = args.snapshot if label == "SQLite" else args.snapshot.with_suffix(".pg.json")
                snap = snapshot(engine, now_after)
                path.write_text(json.dumps(snap, indent=0, sort_keys=True, default=str))
                print(f"  snapshot: {path} ({', '.join(f'{k} {len(v)}' for k, v in snap.items() if v)})")
            engine.dispose()
    if not args.no_counts:
        with url_factory() as url:
            engine, run_id = fresh(url, pages)
            counts = count_statements(engine, pages, recrawl, run_id, args.batch)
            print("  SQL statements per article, by outcome (untimed pass):")
            for name, (k, avg) in counts.items():
                print(f"    {name:<28} {k:5d} x {avg:6.2f}")
            engine.dispose()
    if args.profile:
        with url_factory() as url:
            engine, run_id = fresh(url, pages)
            profile_run(engine, pages, run_id, args.batch, args.top)
            engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles of the synthetic site (plus ~10%% copies)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--stock-text", action="store_true",
                        help="articles written from 20 stock sentences (synthetic_site.py --text stock: a stress case)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="extraction processes")
    parser.add_argument("--cache", type=Path, help="pickle of the extracted pages, reused for the same --articles/--seed (delete it when extraction changes)")
    parser.add_argument("--profile", action="store_true", help="cProfile breakdown (separate pass)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs (fresh database each); the best is shown")
    parser.add_argument("--no-counts", action="store_true", help="skip the statement-count pass")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL at 127.0.0.1:5432/test")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--snapshot", type=Path,
                        help="write every row stored as JSON (PostgreSQL: the same name, .pg.json)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    pages = build_pages(args.articles, args.seed, args.workers, args.cache, "stock" if args.stock_text else "varied")
    recrawl = recrawl_pages(pages, args.seed)
    kinds = Counter(p.kind for p in pages)
    print(f"{len(pages)} article pages ({dict(kinds)}), re-crawl {len(recrawl)}; "
          f"extracted in {time.perf_counter() - t0:.1f} s (not timed)")
    plain = _best([plain_inserts(pages, args.batch) for _ in range(args.repeat)])
    print(_report(plain, None))
    if not args.no_sqlite:
        bench(sqlite_database, "SQLite", pages, recrawl, args, plain)
    if args.postgres:
        bench(postgres_database, "PostgreSQL (CPU of this process only)", pages, recrawl, args, plain)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
