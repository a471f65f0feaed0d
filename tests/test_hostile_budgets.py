"""Hostile sources end by themselves, within time and memory, with the good articles stored.

Real ``scrapy crawl`` processes against the hostile kinds of tests/sites/faults/hostile.py; where
the target is memory, the PSS of the crawl's whole process tree is sampled (extraction workers
and database writer included). The budget is 300 MB for the process tree (issue 11).
"""

from __future__ import annotations

from tests.fixtures_crawl import CrawlEnv
from tests.fixtures_hostile import hostile_source, last_run, measured_crawl, stored_articles

TREE_BUDGET_MB = 300


def test_a_host_asking_to_wait_an_hour_is_given_up_for_the_run_and_recorded(crawler_env: CrawlEnv) -> None:
    base = crawler_env.mock.base("faults")
    crawler_env.write_config(hostile_source(crawler_env, feeds=f'["{base}/hostile/feed.xml"]'))
    crawler_env.mock.set_scenario("retry_after_hour")
    crawl = measured_crawl(crawler_env, "hostile", settings={"RETRY_TIMES": "2"}, kill_after=150)
    assert not crawl.killed and crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.seconds < 40, f"waited on the host for {crawl.seconds:.0f} s"
    # asked once, not again and again
    assert crawler_env.mock.hits("faults")["/hostile/feed.xml"] == {"503": 1}
    run = last_run(crawler_env)
    assert run.finished_at is not None
    assert "Retry-After" in (run.error or "") and "3600" in (run.error or ""), run.error
    assert "127.0.0.1" in (run.error or "")


def test_a_huge_sitemap_is_read_within_memory_and_newest_first(crawler_env: CrawlEnv) -> None:
    base = crawler_env.mock.base("faults")
    # 200,000 old URLs (about 29 MB), the 5 newest by lastmod at the very end of the document
    crawler_env.write_config(hostile_source(
        crawler_env, sitemaps=f'["{base}/hostile/sitemap-huge.xml?n=200000&fresh=5"]'))
    crawl = measured_crawl(crawler_env, "hostile", settings={"CLOSESPIDER_PAGECOUNT": "30"}, kill_after=240)
    assert not crawl.killed and crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.peak_mb < TREE_BUDGET_MB, f"process tree peaked at {crawl.peak_mb:.0f} MB"
    stored = stored_articles(crawler_env)
    assert {f"/hostile/article/fresh-{i}" for i in range(5)} <= set(stored), sorted(stored)[:10]


def test_a_5mb_robots_txt_costs_little_memory_and_its_rules_are_obeyed(crawler_env: CrawlEnv) -> None:
    base = crawler_env.mock.base("faults")
    crawler_env.write_config(hostile_source(
        crawler_env, listings=f'[{{ url = "{base}/hostile/canon/", max_pages = 1 }}]',
        feeds=f'["{base}/hostile/feed.xml"]'))
    crawler_env.mock.set_scenario("robots_huge")
    baseline = measured_crawl(crawler_env, "hostile", kill_after=120)
    assert baseline.returncode == 0, baseline.stderr[-3000:]
    stored = stored_articles(crawler_env)
    assert {"/hostile/article/feed-1", "/hostile/article/feed-2", "/hostile/article/feed-3"} <= set(stored)
    assert baseline.peak_mb < TREE_BUDGET_MB, f"process tree peaked at {baseline.peak_mb:.0f} MB"
    stats = last_run(crawler_env).stats
    assert stats.get("carewatch/robots/truncated") == 1, {k: v for k, v in stats.items() if "robots" in k}


def test_a_trap_site_ends_within_its_time_budget_with_the_good_articles_stored(crawler_env: CrawlEnv) -> None:
    base = crawler_env.mock.base("faults")
    crawler_env.write_config(hostile_source(
        crawler_env,
        listings=f'[{{ url = "{base}/hostile/trap/", max_pages = 1000, next = "a.next" }}]'))
    # polite crawling (one request at a time with a delay) and a 25 s budget
    crawl = measured_crawl(crawler_env, "hostile", kill_after=75, settings={
        "CLOSESPIDER_TIMEOUT": "25", "DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"})
    assert not crawl.killed and crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.seconds < 25 + 20
    stored = stored_articles(crawler_env)
    good = {f"/hostile/article/trap-good-{i}" for i in range(1, 7)}
    assert good <= set(stored), sorted(stored)
    # each good article fetched once, whatever session id its links carried
    hits = crawler_env.mock.hits("faults")
    for path in good:
        assert sum(sum(v.values()) for k, v in hits.items() if k.split("?")[0].split(";")[0] == path) == 1, path


def test_feed_links_are_fetched_before_a_big_sitemaps_urls(crawler_env: CrawlEnv) -> None:
    base = crawler_env.mock.base("faults")
    crawler_env.write_config(hostile_source(
        crawler_env, sitemaps=f'["{base}/hostile/sitemap-huge.xml?n=3000&fresh=0"]',
        feeds=f'["{base}/hostile/feed.xml?delay=2"]'))
    # two requests at a time, a feed slower to answer than the sitemap, and room for the start
    # points, robots.txt and a few articles only
    crawl = measured_crawl(crawler_env, "hostile", settings={
        "CLOSESPIDER_PAGECOUNT": "10", "CONCURRENT_REQUESTS_PER_DOMAIN": "2", "DOWNLOAD_DELAY": "0.5"})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    stored = stored_articles(crawler_env)
    assert {"/hostile/article/feed-1", "/hostile/article/feed-2", "/hostile/article/feed-3"} <= set(stored), \
        sorted(stored)


def test_a_hanging_page_does_not_keep_the_crawl_past_its_time_budget(crawler_env: CrawlEnv) -> None:
    base = crawler_env.mock.base("faults")
    crawler_env.write_config(hostile_source(
        crawler_env, listings=f'[{{ url = "{base}/hostile/slow/", max_pages = 1 }}]'))
    # a 10 s budget; the page that hangs would hold a download for DOWNLOAD_TIMEOUT = 40 s
    crawl = measured_crawl(crawler_env, "hostile", kill_after=90, settings={
        "CLOSESPIDER_TIMEOUT": "10", "DOWNLOAD_TIMEOUT": "40", "RETRY_TIMES": "0"})
    assert not crawl.killed and crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.seconds < 10 + 15, f"ended after {crawl.seconds:.0f} s"
    assert "/hostile/article/slow-good" in stored_articles(crawler_env)
