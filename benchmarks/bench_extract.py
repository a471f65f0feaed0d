"""Extraction benchmark: CPU ms per page of carewatch's worker-side work next to trafilatura's.

    .venv/bin/python benchmarks/bench_extract.py              # 400 synthetic articles + dev set
    .venv/bin/python benchmarks/bench_extract.py --profile    # + cProfile of prepare_page
    .venv/bin/python benchmarks/bench_extract.py --general 0  # + the general set (0 = all pages)

Pages: the article pages of the synthetic site (benchmarks/synthetic_site.py, about 38 KB of
HTML each, in realistic boilerplate) and the 16 dev-set pages (../shared/devset/extraction).
Timed in this process, on the same pages in the same run:

* ``trafilatura.extract(html, url=url)``, the baseline (and ``with_metadata=True``, as
  benchmarks/bench_spiders.py calls it in the plain-Scrapy baseline of bench_crawl.py);
* ``crawler.pipelines.document.prepare_page``: everything an extraction worker computes per
  page (extraction, canonical URL, topic, LA tags, MinHash signature);
* ``crawler.extraction.extract_article`` alone, and ``storage.gazetteer.tag_las`` alone (on
  the extracted title and body).

Each figure is the lowest of ``--reps`` passes over all the pages, the functions taking turns
within each pass, in CPU time of this process, so other load on the machine moves it little.
With ``--general N``, also the first N pages (0: all 714) of the general set
(../shared/generalset, real article pages from hundreds of sites, scored by its own score.py):
carewatch's extractor (``crawler.extraction:devset_extract``) and ``trafilatura.extract`` one
after the other in this run, with shingle F1, WCXB word F1, the share of boilerplate snippets
leaked, empty outputs and the median wall ms per page.

This prints numbers; it is not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT.parent / "shared" / "devset" / "extraction"
GENERALSET = ROOT.parent / "shared" / "generalset"

Page = tuple[str, bytes]  # (url, body)


def synthetic_pages(articles: int) -> list[Page]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic_site import build_site

    base = "https://bench.invalid"
    site = build_site(base, articles)
    return [(base + path, page.body) for path, page in site.items() if page.kind == "article"]


def devset_pages() -> list[Page]:
    pages = []
    for html in sorted(DEVSET.glob("*.html")):
        meta = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
        pages.append((meta["url"], html.read_bytes()))
    return pages


def _functions(pages: list[Page]) -> dict[str, Callable[[str, bytes], object]]:
    import trafilatura

    from crawler.extraction import ExtractionFailed, extract_article
    from crawler.extraction.la_tagger import tag_las
    from crawler.pipelines.document import prepare_page

    extracted = {}
    for url, body in pages:
        try:
            extracted[url] = extract_article(body, url)
        except ExtractionFailed:
            continue

    def refused(f: Callable[[str, bytes], object]) -> Callable[[str, bytes], object]:
        def call(url: str, body: bytes) -> object:
            try:
                return f(url, body)
            except ExtractionFailed:
                return None
        return call

    def tag(url: str, body: bytes) -> object:
        art = extracted.get(url)
        return tag_las(art.title, art.body) if art else None

    return {
        "trafilatura": lambda url, body: trafilatura.extract(body.decode("utf-8", "replace"),
                                                             url=url),
        "trafilatura+meta": lambda url, body: trafilatura.extract(
            body.decode("utf-8", "replace"), url=url, with_metadata=True),
        "prepare_page": refused(lambda url, body: prepare_page(body, url)),
        "extract_article": refused(lambda url, body: extract_article(body, url)),
        "tag_las": tag,
    }


def measure(pages: list[Page], reps: int) -> dict[str, float]:
    """CPU ms per page of each function: the best of ``reps`` passes."""
    functions = _functions(pages)
    for f in functions.values():  # warm up: imports, compiled patterns, caches
        for url, body in pages[:3]:
            f(url, body)
    best = {name: float("inf") for name in functions}
    for _ in range(reps):
        for name, f in functions.items():
            t0 = time.process_time()
            for url, body in pages:
                f(url, body)
            best[name] = min(best[name], (time.process_time() - t0) / len(pages) * 1000)
    return best


def profile(pages: list[Page]) -> None:
    from crawler.extraction import ExtractionFailed
    from crawler.pipelines.document import prepare_page

    prof = cProfile.Profile()
    prof.enable()
    for url, body in pages:
        try:
            prepare_page(body, url)
        except ExtractionFailed:
            pass
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


def general(limit: int) -> None:
    """carewatch against trafilatura on the general set, scored by the set's own score.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generalset_score", GENERALSET / "score.py")
    if spec is None or spec.loader is None or not (GENERALSET / "score.py").is_file():
        print(f"general set: no score.py in {GENERALSET}")
        return
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    pages = score.load_pages(GENERALSET, limit=limit)
    print(f"\ngeneral set ({GENERALSET}, {len(pages)} pages; wall ms, this run)")
    print(f"{'extractor':<12} {'F1':>6} {'wF1':>6} {'leak':>6} {'empty':>6} {'ms_med':>7}")
    for name in ("crawler.extraction:devset_extract", "trafilatura"):
        extract, meta, version = score.resolve(name)
        m = score.evaluate(name, extract, meta, version, pages, n_boot=0, keep_text=False)
        label = "carewatch" if name.startswith("crawler") else name
        print(f"{label:<12} {m['f1']:>6.3f} {m['word_f1']:>6.3f} {m['without_leak']:>6.3f}"
              f" {m['empty']:>6} {m['ms_median']:>7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400,
                        help="synthetic site size (article pages timed; default 400)")
    parser.add_argument("--reps", type=int, default=5, help="passes per function (default 5)")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of prepare_page on the synthetic pages")
    parser.add_argument("--general", type=int, default=None, metavar="N",
                        help="also score the first N general-set pages (0 = all) against trafilatura")
    args = parser.parse_args(argv)

    corpora = {"synthetic articles": synthetic_pages(args.articles), "dev set": devset_pages()}
    names = ["trafilatura", "trafilatura+meta", "prepare_page", "extract_article", "tag_las"]
    print(f"CPU ms per page (best of {args.reps} passes)")
    print(f"{'pages':<20} {'n':>4} " + " ".join(f"{n:>16}" for n in names)
          + f" {'prepare/traf':>13} {'extract/traf':>13}")
    for label, pages in corpora.items():
        if not pages:
            print(f"{label:<20} {0:>4}  (no pages)")
            continue
        ms = measure(pages, args.reps)
        print(f"{label:<20} {len(pages):>4} " + " ".join(f"{ms[n]:>16.2f}" for n in names)
              + f" {ms['prepare_page'] / ms['trafilatura']:>13.2f}"
              + f" {ms['extract_article'] / ms['trafilatura']:>13.2f}")
    if args.profile:
        profile(corpora["synthetic articles"])
    if args.general is not None:
        general(args.general)
    return 0


if __name__ == "__main__":
    sys.exit(main())
