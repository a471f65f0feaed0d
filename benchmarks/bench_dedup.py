"""Near-duplicate benchmark: cost per stored article at 1k / 10k / 100k, precision and recall.

Synthetic articles (400-900 words from a Zipf-weighted vocabulary, paragraphs, an outlet
boilerplate, an LA tag and a publication time that advances with the crawl) go through the
real ``storage.repository.store_article`` into a SQLite file. A known share are planted
near-copies of an earlier original: a few word edits, a new lead paragraph, reordered
paragraphs, or another outlet's boilerplate.

The filler is stored in batches (one transaction per ``--batch`` articles). At each
checkpoint a sample of articles is stored one per transaction (``BEGIN IMMEDIATE`` ...
``COMMIT``, as the crawler does), alternating the near-duplicate check on
(``neardup.DEFAULT_SETTINGS``) and off (``neardup.OFF``), and the medians are printed
with their ratios. Precision and recall are over every planted copy stored with the check on.

    .venv/bin/python benchmarks/bench_dedup.py            # up to 100,000 (tens of minutes)
    .venv/bin/python benchmarks/bench_dedup.py --quick    # up to 10,000

This prints numbers; it is not a timed unit test. On and off stores are interleaved, so the
on/off column is robust to other load on the machine; the "on / on@first" column compares
checkpoints minutes apart and is only meaningful on an otherwise quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from storage import neardup
from storage.db import create_schema, make_engine, session_scope
from storage.repository import ArticleInput, Outcome, StoreResult, store_article

SYLLABLES = [
    "ba", "be", "bi", "bo", "ca", "ce", "co", "da", "de", "di", "do", "fa", "fe", "ga", "go", "ha",
    "he", "hi", "ka", "ke", "la", "le", "li", "lo", "lu", "ma", "me", "mi", "mo", "na", "ne", "ni",
    "no", "pa", "pe", "po", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "ta", "te", "ti", "to",
    "va", "ve", "vi", "wa", "we", "ya", "za", "ster", "ment", "tion", "ing", "ly", "er", "al",
]
FUNCTION_WORDS = (
    "the of and to a in that is for it was on with as by at from be this have are not has "
    "its but which were said they their will would been an had or more about council "
    "children services ofsted report social care local authority inspection"
).split()


class Generator:
    """Deterministic synthetic news text."""

    def __init__(self, seed: int, vocab_size: int = 20000, outlets: int = 20, las: int = 153) -> None:
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        words = set(FUNCTION_WORDS)
        vocab = list(FUNCTION_WORDS)
        while len(vocab) < vocab_size:
            w = "".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 5))))
            if w not in words:
                words.add(w)
                vocab.append(w)
        self.vocab = np.array(vocab, dtype=object)
        ranks = np.arange(1, vocab_size + 1, dtype=float)
        weights = 1.0 / ranks**1.07
        self.cdf = np.cumsum(weights / weights.sum())
        self.outlets = [f"outlet{i:02d}" for i in range(outlets)]
        self.boilerplate = {o: self.paragraph(int(rng.integers(30, 71))) for o in self.outlets}
        self.las = [f"E{10000000 + i}" for i in range(las)]

    def _words(self, n: int) -> list[str]:
        idx = np.searchsorted(self.cdf, self.rng.random(n))
        return list(self.vocab[np.minimum(idx, len(self.vocab) - 1)])

    def paragraph(self, n: int) -> str:
        ws = self._words(n)
        out, i = [], 0
        while i < len(ws):
            k = int(self.rng.integers(8, 26))
            sent = ws[i : i + k]
            sent[0] = sent[0].capitalize()
            out.append(" ".join(sent) + ".")
            i += k
        return " ".join(out)

    def paragraphs(self, total: int) -> list[str]:
        out, left = [], total
        while left > 0:
            n = min(left, int(self.rng.integers(40, 110)))
            out.append(self.paragraph(n))
            left -= n
        return out


@dataclass
class Doc:
    paras: list[str]
    outlet: str
    la: str
    title: str
    published_at: datetime
    #: for a planted copy: the index of its original in ``Bench.docs``
    copy_of: int | None = None
    kind: str = "original"

    @property
    def body(self) -> str:
        return "\n\n".join(self.paras)


@dataclass
class Bench:
    gen: Generator
    copy_share: float
    start: datetime = datetime(2020, 1, 6, 8, tzinfo=UTC)
    step: timedelta = timedelta(minutes=20)
    docs: list[Doc] = field(default_factory=list)
    #: index of a stored original -> article id; planted copies -> (original article id, result)
    article_of: dict[int, int] = field(default_factory=dict)
    originals: list[int] = field(default_factory=list)
    #: (original article id for a planted copy, result, kind) for every store with the check on
    results: list[tuple[int | None, StoreResult, str]] = field(default_factory=list)

    def next_doc(self) -> Doc:
        g, rng = self.gen, self.gen.rng
        when = self.start + self.step * len(self.docs)
        if self.originals and rng.random() < self.copy_share:
            # a recent original, as syndication happens within days
            j = self.originals[-1 - int(min(len(self.originals) - 1, rng.exponential(200)))]
            doc = self._copy(self.docs[j], j, when)
        else:
            outlet = g.outlets[int(rng.integers(len(g.outlets)))]
            body = g.paragraphs(int(rng.integers(400, 901)))
            doc = Doc([*body, g.boilerplate[outlet]], outlet, g.las[int(rng.integers(len(g.las)))],
                      g.paragraph(10), when)
        self.docs.append(doc)
        return doc

    def _copy(self, orig: Doc, j: int, when: datetime) -> Doc:
        g, rng = self.gen, self.gen.rng
        kind = ["edits", "lead", "reorder", "boilerplate"][int(rng.integers(4))]
        outlet = g.outlets[int(rng.integers(len(g.outlets)))]
        paras = list(orig.paras[:-1])
        if kind == "edits":
            for _ in range(int(rng.integers(3, 16))):
                p = int(rng.integers(len(paras)))
                ws = paras[p].split(" ")
                ws[int(rng.integers(len(ws)))] = g._words(1)[0]
                paras[p] = " ".join(ws)
        elif kind == "lead":
            paras.insert(0, g.paragraph(int(rng.integers(40, 81))))
        elif kind == "reorder":
            order = rng.permutation(len(paras))
            paras = [paras[int(i)] for i in order]
        tail = orig.paras[-1] if kind != "boilerplate" else g.boilerplate[outlet]
        if kind == "boilerplate" and outlet == orig.outlet:
            tail = g.paragraph(int(rng.integers(30, 71)))
        return Doc([*paras, tail], outlet, orig.la, orig.title, when, copy_of=j, kind=kind)

    def item(self, i: int, doc: Doc) -> ArticleInput:
        return ArticleInput(
            source=doc.outlet, canonical_url=f"https://{doc.outlet}.example/news/{i}",
            title=doc.title, body=doc.body, published_at=doc.published_at, la_codes=[doc.la],
        )

    def record(self, i: int, doc: Doc, result: StoreResult, checked: bool) -> None:
        if doc.copy_of is None:
            self.article_of[i] = result.article_id
            if checked:  # only originals with a signature can be found again
                self.originals.append(i)
        if checked:
            truth = self.article_of.get(doc.copy_of) if doc.copy_of is not None else None
            self.results.append((truth, result, doc.kind))


def timed_store(engine: object, bench: Bench, near: neardup.NearDupSettings) -> float:
    i = len(bench.docs)
    doc = bench.next_doc()
    item = bench.item(i, doc)
    t0 = time.perf_counter()
    with session_scope(engine) as session:  # type: ignore[arg-type]
        result = store_article(session, item, near=near)
    elapsed = time.perf_counter() - t0
    bench.record(i, doc, result, near.enabled)
    return elapsed


def fill(engine: object, bench: Bench, upto: int, batch: int) -> Iterator[int]:
    while len(bench.docs) < upto:
        with session_scope(engine) as session:  # type: ignore[arg-type]
            for _ in range(min(batch, upto - len(bench.docs))):
                i = len(bench.docs)
                doc = bench.next_doc()
                bench.record(i, doc, store_article(session, bench.item(i, doc)), True)
        yield len(bench.docs)


def precision_recall(results: list[tuple[int | None, StoreResult, str]]) -> tuple[int, int, int, int]:
    planted = tp = fp = 0
    for truth, r, _kind in results:
        if truth is not None:
            planted += 1
        if r.outcome is Outcome.SYNDICATED:
            if truth is not None and r.original_id == truth:
                tp += 1
            else:
                fp += 1
    return planted, tp, fp, planted - tp


def run(n: int, checkpoints: list[int], sample: int, batch: int, copy_share: float, seed: int,
        db: Path | None) -> int:
    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench_dedup_")
        db = Path(tmp.name) / "bench.db"
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    bench = Bench(Generator(seed), copy_share)
    print(f"bench_dedup: up to {n:,} articles, copy share {copy_share:.0%}, sample {sample} per checkpoint, "
          f"SQLite {db}", flush=True)
    rows = []
    t_start = time.perf_counter()
    for cp in sorted(c for c in checkpoints if c <= n):
        target = max(cp - sample, len(bench.docs))
        for _ in fill(engine, bench, target, batch):
            pass
        on: list[float] = []
        off: list[float] = []
        for k in range(sample):
            near = neardup.DEFAULT_SETTINGS if k % 2 == 0 else neardup.OFF
            (on if near.enabled else off).append(timed_store(engine, bench, near))
        rows.append((len(bench.docs), statistics.median(on) * 1000, statistics.median(off) * 1000))
        print(f"  ... {len(bench.docs):,} stored after {time.perf_counter() - t_start:,.0f} s", flush=True)
    engine.dispose()  # type: ignore[attr-defined]

    base_on = rows[0][1] if rows else float("nan")
    print()
    print(f"{'stored':>9} | {'check on ms':>11} | {'check off ms':>12} | {'on/off':>6} | {'on / on@first':>13}")
    print(f"{'-' * 9}-+-{'-' * 11}-+-{'-' * 12}-+-{'-' * 6}-+-{'-' * 13}")
    for count, on_ms, off_ms in rows:
        print(f"{count:>9,} | {on_ms:>11.2f} | {off_ms:>12.2f} | {on_ms / off_ms:>6.2f} | {on_ms / base_on:>13.2f}")
    planted, tp, fp, fn = precision_recall(bench.results)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / planted if planted else 1.0
    print()
    print(f"planted copies {planted:,}: found {tp:,}, missed {fn:,}, false links {fp:,}; "
          f"precision {precision:.4f}, recall {recall:.4f}")
    by_kind: dict[str, list[int]] = {}
    for truth, r, kind in bench.results:
        if truth is not None:
            by_kind.setdefault(kind, []).append(int(r.outcome is Outcome.SYNDICATED and r.original_id == truth))
    print("recall by kind: " + ", ".join(f"{k} {sum(v) / len(v):.3f} ({len(v)})" for k, v in sorted(by_kind.items())))
    growth = rows[-1][1] / base_on if rows else float("nan")
    print(f"targets: on@{rows[-1][0] if rows else 0:,} / on@{rows[0][0] if rows else 0:,} = {growth:.2f} (<= 1.5: "
          f"{'yes' if growth <= 1.5 else 'NO'}); recall >= 0.95: {'yes' if recall >= 0.95 else 'NO'}; "
          f"precision >= 0.99: {'yes' if precision >= 0.99 else 'NO'}")
    if tmp is not None:
        tmp.cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=100_000, help="articles to store in all (default 100,000)")
    p.add_argument("--quick", action="store_true", help="up to 10,000 (smoke run)")
    p.add_argument("--checkpoints", default="1000,10000,100000", help="comma-separated counts")
    p.add_argument("--sample", type=int, default=400, help="individually timed stores per checkpoint")
    p.add_argument("--batch", type=int, default=500, help="filler articles per transaction")
    p.add_argument("--copy-share", type=float, default=0.1, help="share of planted near-copies")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--db", type=Path, help="SQLite file to use (default: a temporary one)")
    args = p.parse_args(argv)
    n = min(args.n, 10_000) if args.quick else args.n
    checkpoints = [int(c) for c in args.checkpoints.split(",") if c.strip()]
    return run(n, checkpoints, args.sample, args.batch, args.copy_share, args.seed, args.db)


if __name__ == "__main__":
    sys.exit(main())
