"""Hostile feeds and sitemaps (RELIABILITY.md B4, B5): no entity reaches a request, memory bounded."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response, XmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.sources import load_sources
from crawler.spiderloader import spider_class_for

XXE_RSS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title>
<item><title>&xxe;</title><link>https://news.croydon.gov.uk/statement-&xxe;/</link></item>
<item><title>Ok</title><link>https://news.croydon.gov.uk/a-real-story/</link></item>
</channel></rss>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">""" + b"".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
) + b"""]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://news.croydon.gov.uk/lol/</link></item></channel></rss>"""

XXE_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://news.croydon.gov.uk/&xxe;</loc></url>
<url><loc>https://news.croydon.gov.uk/a-real-story/</loc></url>
</urlset>"""


@pytest.fixture
def spider() -> Any:
    source = load_sources(data={})["croydon"]
    cls = spider_class_for(source)
    project = Settings()
    project.setmodule("crawler.settings")  # carewatch's budgets and size limits, as in a crawl
    crawler = get_crawler(cls, settings_dict={k: v for k, v in project.items() if k.startswith("CAREWATCH_")})
    crawler.spider = cls.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler.spider


def requests_from(gen: Any) -> list[str]:
    return [r.url for r in gen if isinstance(r, Request)]


def test_external_entity_in_a_feed_is_not_resolved(spider: Any) -> None:
    response = XmlResponse("https://news.croydon.gov.uk/feed/", body=XXE_RSS)
    urls = requests_from(spider.parse_feed(response))
    assert "https://news.croydon.gov.uk/a-real-story/" in urls
    assert not any("root:" in u for u in urls)


def test_billion_laughs_feed_is_rejected_or_bounded(spider: Any) -> None:
    response = XmlResponse("https://news.croydon.gov.uk/feed/", body=LAUGHS)
    urls = requests_from(spider.parse_feed(response))
    assert all(len(u) < 2000 for u in urls)


def test_external_entity_in_a_sitemap_is_not_resolved(spider: Any) -> None:
    response = XmlResponse("https://news.croydon.gov.uk/sitemap.xml", body=XXE_SITEMAP)
    urls = requests_from(spider.parse_sitemap(response))
    assert not any("root:" in u for u in urls)


def test_a_feed_too_big_to_parse_whole_is_read_incrementally_up_to_its_link_budget(spider: Any) -> None:
    items = b"".join(b"<item><title>Story %d</title><link>https://news.croydon.gov.uk/story-%d/</link></item>" % (i, i)
                     for i in range(100_000))
    body = b"<rss version='2.0'><channel>" + items + b"</channel></rss>"
    assert len(body) > 1_000_000
    response = XmlResponse("https://news.croydon.gov.uk/feed/", body=body)
    urls = requests_from(spider.parse_feed(response))
    assert urls[:2] == ["https://news.croydon.gov.uk/story-0/", "https://news.croydon.gov.uk/story-1/"]
    assert len(urls) == 500  # CAREWATCH_FEED_MAX_LINKS
    assert spider.crawler.stats.get_value("carewatch/feeds/incremental") == 1
    assert spider.crawler.stats.get_value("carewatch/feeds/over_budget") == 1


def test_a_sitemap_gives_its_newest_urls_first_within_the_budget(spider: Any) -> None:
    rows = [f"<url><loc>https://news.croydon.gov.uk/old-{i}/</loc><lastmod>2016-01-{1 + i % 28:02d}</lastmod></url>"
            for i in range(5000)]
    rows.insert(2500, "<url><loc>https://news.croydon.gov.uk/newest/</loc><lastmod>2026-11-30T10:00:00+00:00</lastmod></url>")
    rows.append("<url><loc>https://news.croydon.gov.uk/second/</loc><lastmod>2026-11-29</lastmod></url>")
    body = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(rows) + "</urlset>").encode()
    response = XmlResponse("https://news.croydon.gov.uk/sitemap.xml", body=body)
    urls = requests_from(spider.parse_sitemap(response))
    assert urls[:2] == ["https://news.croydon.gov.uk/newest/", "https://news.croydon.gov.uk/second/"]
    assert len(urls) == 1000  # CAREWATCH_SITEMAP_MAX_URLS


def test_a_gzipped_sitemap_is_read_like_a_plain_one(spider: Any) -> None:
    import gzip

    body = gzip.compress(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                         b"<url><loc>https://news.croydon.gov.uk/a-real-story/</loc></url></urlset>")
    response = Response("https://news.croydon.gov.uk/sitemap.xml.gz", body=body)
    assert requests_from(spider.parse_sitemap(response)) == ["https://news.croydon.gov.uk/a-real-story/"]


def test_a_sitemap_index_gives_at_most_its_budget_of_child_sitemaps_newest_first(spider: Any) -> None:
    rows = "".join(f"<sitemap><loc>https://news.croydon.gov.uk/sitemap-{i}.xml</loc>"
                   f"<lastmod>2026-{1 + i % 12:02d}-01</lastmod></sitemap>" for i in range(500))
    body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + rows + "</sitemapindex>").encode()
    urls = requests_from(spider.parse_sitemap(XmlResponse("https://news.croydon.gov.uk/sitemap.xml", body=body)))
    assert len(urls) == 20  # CAREWATCH_SITEMAP_MAX_FILES
    assert urls[0] == "https://news.croydon.gov.uk/sitemap-11.xml"  # lastmod 2026-12-01, first in the file
