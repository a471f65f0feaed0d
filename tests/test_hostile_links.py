"""Links on hostile sites, in real crawls of tests/sites/faults/hostile.py: one page is one fetch
and one article, a claimed canonical does not steal an article, titles arrive clean, a "PDF" that
is an HTML page is not an article, a listing's announced feed is read, and a host that cannot be
reached says so."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from urllib.parse import urlsplit

from tests.fixtures_crawl import CrawlEnv
from tests.fixtures_hostile import hostile_source, last_run, stored_articles, stored_urls
from tests.fixtures_mockserver import REPO_ROOT


def crawl_ok(env: CrawlEnv, source: str = "hostile") -> None:
    proc = env.crawl(source, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


def listing(env: CrawlEnv, path: str) -> str:
    return hostile_source(env, listings=f'[{{ url = "{env.mock.base("faults")}{path}", max_pages = 1 }}]')


def test_links_differing_only_in_tracking_parameters_and_fragments_fetch_one_page_once(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config(listing(crawler_env, "/hostile/variants/"))
    crawl_ok(crawler_env)
    hits = crawler_env.mock.hits("faults")
    for slug in ("variant-1", "variant-2", "variant-3"):
        fetched = {k: v for k, v in hits.items() if k.split("?")[0] == f"/hostile/article/{slug}"}
        assert sum(sum(v.values()) for v in fetched.values()) == 1, fetched
    assert set(stored_articles(crawler_env)) == {f"/hostile/article/variant-{i}" for i in (1, 2, 3)}
    # no tracking parameter (utm_*, xtor, fbclid, mc_*, at_*) survives in a stored URL
    assert [u for u in stored_urls(crawler_env) if urlsplit(u).query or urlsplit(u).fragment] == []


def test_a_page_naming_another_articles_url_as_canonical_does_not_take_it_over(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config(listing(crawler_env, "/hostile/canon/"))
    crawl_ok(crawler_env)
    stored = stored_articles(crawler_env)
    assert set(stored) == {"/hostile/article/canon-real", "/hostile/canon/thief"}, stored
    assert "canon-real" in stored["/hostile/article/canon-real"][0]
    assert "canon-thief" in stored["/hostile/canon/thief"][0]


def test_feed_and_page_titles_reach_storage_without_invisible_characters(crawler_env: CrawlEnv) -> None:
    base = crawler_env.mock.base("faults")
    crawler_env.write_config(hostile_source(crawler_env, feeds=f'["{base}/hostile/bidi/feed.xml"]'))
    crawl_ok(crawler_env)
    titles = [title for title, _ in stored_articles(crawler_env).values()]
    assert titles == ["Croydon children\u2019s services inspection result"], titles
    assert not [c for c in titles[0] if unicodedata.category(c) in ("Cf", "Cc")]


def test_a_pdf_link_whose_bytes_are_an_html_page_is_not_an_article(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config(listing(crawler_env, "/hostile/docs/"))
    crawl_ok(crawler_env)
    assert set(stored_articles(crawler_env)) == {"/hostile/article/docs-good"}


def test_a_feed_a_listing_announces_with_link_rel_alternate_is_read(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config(listing(crawler_env, "/hostile/alt/"))
    crawl_ok(crawler_env)
    assert set(stored_articles(crawler_env)) == {"/hostile/article/alt-1", "/hostile/article/alt-2"}
    # the comments feed it also announces is not a source of articles
    assert "/hostile/alt/comments/feed.xml" not in crawler_env.mock.hits("faults")


def test_a_host_that_cannot_be_resolved_is_reported_unreachable(crawler_env: CrawlEnv) -> None:
    crawler_env.write_config("""
[sources.gone]
name = "A source whose host name does not resolve"
kind = "trade_press"
domains = ["www.communitycare.invalid"]
feeds = ["https://www.communitycare.invalid/feed/"]
""")
    proc = crawler_env.crawl("gone", settings={"RETRY_TIMES": "0"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = last_run(crawler_env)
    assert (run.status, run.error) == ("unreachable", "DNS lookup failed for www.communitycare.invalid")
    status = subprocess.run([sys.executable, "-m", "scheduler", "-c", str(crawler_env.config_path), "status",
                             "--json"], cwd=REPO_ROOT, env=crawler_env.env(), capture_output=True, text=True,
                            timeout=60)
    assert status.returncode == 0, status.stderr
    rows = {row["source"]: row for row in json.loads(status.stdout)["sources"]}
    assert rows["gone"]["result"] == "unreachable: DNS lookup failed for www.communitycare.invalid"
