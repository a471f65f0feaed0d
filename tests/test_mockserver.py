"""The mock server and the site replicas behave as tests/sites/README.md says."""

from __future__ import annotations

import gzip
import html
import re
import socket
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mockserver import MockServerProcess

SITES_DIR = Path(__file__).resolve().parent / "sites"
MANIFEST: dict[str, Any] = tomllib.loads((SITES_DIR / "expected.toml").read_text(encoding="utf-8"))
REPLICAS = [
    "communitycare",
    "cypnow",
    "localgov",
    "locumtoday",
    "croydon",
    "insidecroydon",
    "croydonguardian",
    "croydonadvertiser",
    "londonnewsonline",
]
ENTRY_POINTS = {
    "communitycare": "/feed/",
    "cypnow": "/search?Tags/Name=Social%20Care&orderBy=PublishedDate&page=1&pageSize=20",
    "localgov": "/news?page=1",
    "locumtoday": "/category.php?catTitle=social%20work&page=1",
    "croydon": "/feed/",
    "insidecroydon": "/feed/",
    "croydonguardian": "/news/rss/",
    "croydonadvertiser": "/news/croydon-news/?service=rss",
    "londonnewsonline": "/feed/",
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(NoRedirect)


def fetch(
    url: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def visible_text(body: bytes) -> str:
    raw = body.decode("utf-8")
    raw = re.sub(r"<(?!/?(p|li|h\d|div|br)\b)[^>]+>", "", raw)
    raw = re.sub(r"<[^>]+>", " ", raw)
    return re.sub(r"\s+", " ", html.unescape(raw).replace("\xa0", " "))


def test_every_replica_is_served(mock: MockServerProcess) -> None:
    assert set(REPLICAS) | {"faults"} <= set(mock.sites)
    assert "ofsted" not in mock.sites or (SITES_DIR / "ofsted").is_dir()


@pytest.mark.parametrize("site", REPLICAS)
def test_entry_point_serves_with_base_substituted(mock: MockServerProcess, site: str) -> None:
    status, headers, body = fetch(mock.url(site, ENTRY_POINTS[site]))
    assert status == 200
    assert "ETag" in headers and "Last-Modified" in headers
    text = body.decode("utf-8")
    assert "{{base" not in text
    assert mock.base(site) in text or 'href="/' in text


def test_sources_toml_points_every_builtin_source_at_its_replica(mock: MockServerProcess) -> None:
    cfg = tomllib.loads(mock.sources_toml())["sources"]
    for site in REPLICAS:
        assert cfg[site] == {"base_url": mock.base(site)}
    assert cfg["ofsted"].get("enabled", True) is False or "ofsted" in mock.sites


def test_conditional_requests_answer_304(mock: MockServerProcess) -> None:
    url = mock.url("croydon", "/croydon-council-statement-in-response-to-ofsted-report/")
    status, headers, _ = fetch(url)
    assert status == 200
    status, _, body = fetch(url, {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    status, _, _ = fetch(url, {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304
    status, _, _ = fetch(url, {"If-None-Match": '"something-else"'})
    assert status == 200
    hits = mock.hits("croydon")
    assert hits["/croydon-council-statement-in-response-to-ofsted-report/"] == {"200": 2, "304": 2}


def test_conditional_false_never_304(mock: MockServerProcess) -> None:
    url = mock.url("faults", "/slow")
    # /slow has conditional = false; use a cheap check via HEAD-less GET with a short delay
    status, headers, _ = fetch(url, {"If-None-Match": "*"}, timeout=10)
    assert status == 200 and "ETag" not in headers


def test_scenario_revised_changes_body_and_validators(mock: MockServerProcess) -> None:
    url = mock.url("croydon", "/croydon-council-statement-in-response-to-ofsted-report/")
    _, h1, b1 = fetch(url)
    mock.set_scenario("revised")
    assert "revised" in mock.scenarios()
    status, h2, b2 = fetch(
        url, {"If-None-Match": h1["ETag"], "If-Modified-Since": h1["Last-Modified"]}
    )
    assert status == 200 and b1 != b2 and h1["ETag"] != h2["ETag"]
    assert b"A recruitment drive has now launched" in b2
    mock.unset_scenario("revised")
    assert fetch(url)[2] == b1


def test_scenario_new_article(mock: MockServerProcess) -> None:
    path = "/2020/03/18/ofsted-finds-serious-weaknesses-in-northamptonshire-front-door/"
    assert fetch(mock.url("communitycare", path))[0] == 404
    assert path.encode() not in fetch(mock.url("communitycare", "/feed/"))[2]
    mock.set_scenario("new_article")
    assert path.encode() in fetch(mock.url("communitycare", "/feed/"))[2]
    assert fetch(mock.url("communitycare", path))[0] == 200


def test_scenario_syndication(mock: MockServerProcess) -> None:
    feed = mock.url("londonnewsonline", "/feed/")
    assert b"final-ofsted-report-into-croydons" not in fetch(feed)[2]
    mock.set_scenario("syndication")
    body = fetch(feed)[2]
    assert b"final-ofsted-report-into-croydons" in body
    assert b"croydon-childrens-services-progress-sustained" in body


def test_reset_scenarios_and_hits(mock: MockServerProcess) -> None:
    mock.set_scenario("revised")
    fetch(mock.url("faults", "/ok"))
    mock.reset_scenarios()
    mock.reset_hits()
    assert mock.scenarios() == []
    assert mock.hits("faults") == {}


def test_feed_links_carry_tracking_params(mock: MockServerProcess) -> None:
    croydon = fetch(mock.url("croydon", "/feed/"))[2].decode()
    assert "?utm_source=rss&amp;utm_medium=rss" in croydon
    listing = fetch(mock.url("croydon", "/category/recent-news/"))[2].decode()
    assert 'croydon-council-statement-in-response-to-ofsted-report/"' in listing
    assert "?ref=rss" in fetch(mock.url("croydonguardian", "/news/rss/"))[2].decode()
    assert (
        "catTitle=social%20work"
        in fetch(mock.url("locumtoday", ENTRY_POINTS["locumtoday"]))[2].decode()
    )


def test_redirects(mock: MockServerProcess) -> None:
    status, headers, _ = fetch(
        mock.url("cypnow", "/news/article/dfe-appoints-commissioner-at-inadequate-council-1")
    )
    assert status == 301
    assert headers["Location"] == mock.url(
        "cypnow", "/content/news/dfe-appoints-commissioner-at-inadequate-council-1"
    )
    status, headers, _ = fetch(mock.url("croydon", "/?p=10234"))
    assert status == 301 and headers["Location"].endswith(
        "/croydon-council-statement-in-response-to-ofsted-report/"
    )


def test_listing_pagination_ends(mock: MockServerProcess) -> None:
    for site, path in [
        ("localgov", "/news?page=3"),
        ("cypnow", "/search?Tags/Name=Social%20Care&orderBy=PublishedDate&page=3&pageSize=20"),
        ("locumtoday", "/category.php?catTitle=social%20work&page=3"),
    ]:
        status, _, body = fetch(mock.url(site, path))
        assert status == 200
        assert b'class="news-item"' not in body and b'class="search-result"' not in body
        assert b'class="listing-item"' not in body


def test_robots(mock: MockServerProcess) -> None:
    robots = fetch(mock.url("localgov", "/robots.txt"))[2].decode()
    assert "Disallow: /Embargoed-" in robots
    listing = fetch(mock.url("localgov", "/news?page=1"))[2].decode()
    assert "/Embargoed-Ofsted-report-on-Slough-childrens-services/43890" in listing
    assert fetch(mock.url("communitycare", "/robots.txt"))[2] == b"User-agent: *\nAllow: /\n"


# ---- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "retry_after"),
    [
        ("/status/404", 404, None),
        ("/status/500", 500, None),
        ("/status/503", 503, "1"),
        ("/status/429", 429, "1"),
    ],
)
def test_fault_statuses(
    mock: MockServerProcess, path: str, status: int, retry_after: str | None
) -> None:
    got, headers, _ = fetch(mock.url("faults", path))
    assert got == status
    assert headers.get("Retry-After") == retry_after


def test_hang_does_not_block_other_requests(mock: MockServerProcess) -> None:
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(mock.url("faults", "/hang"), timeout=1)
    assert fetch(mock.url("faults", "/ok"), timeout=2)[0] == 200


def test_slow_page(mock: MockServerProcess) -> None:
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(mock.url("faults", "/slow"), timeout=1)


def test_gzip_bomb(mock: MockServerProcess) -> None:
    status, headers, body = fetch(mock.url("faults", "/gzip-bomb"))
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert len(body) < 100_000
    assert len(gzip.decompress(body)) > 10_000_000


def test_oversized(mock: MockServerProcess) -> None:
    status, headers, body = fetch(mock.url("faults", "/oversized"))
    assert status == 200 and int(headers["Content-Length"]) == len(body) > 6_000_000
    status, headers, body = fetch(mock.url("faults", "/oversized-nolength"))
    assert "Content-Length" not in headers and len(body) > 6_000_000


def test_wrong_charset_malformed_and_pdf(mock: MockServerProcess) -> None:
    _, headers, body = fetch(mock.url("faults", "/wrong-charset"))
    assert "ISO-8859-1" in headers["Content-Type"] and "’".encode() in body and "£".encode() in body
    assert b"\x00" in fetch(mock.url("faults", "/malformed"))[2]
    _, headers, body = fetch(mock.url("faults", "/pdf-as-html"))
    assert headers["Content-Type"].startswith("text/html") and body.startswith(b"%PDF")


def test_redirect_loop(mock: MockServerProcess) -> None:
    assert fetch(mock.url("faults", "/loop/a"))[1]["Location"] == "/loop/b"
    assert fetch(mock.url("faults", "/loop/b"))[1]["Location"] == "/loop/a"


def test_flaky_and_hits(mock: MockServerProcess) -> None:
    url = mock.url("faults", "/flaky?fail=2")
    assert [fetch(url)[0] for _ in range(3)] == [503, 503, 200]
    assert mock.hits("faults")["/flaky?fail=2"] == {"503": 2, "200": 1}


# ---- manifest ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "article", MANIFEST["article"], ids=lambda a: f"{a['site']}:{a['path'][:40]}"
)
def test_manifest_articles_are_served(mock: MockServerProcess, article: dict[str, Any]) -> None:
    if "scenario" in article:
        mock.set_scenario(article["scenario"])
    status, _, body = fetch(mock.url(article["site"], article["path"]))
    assert status == 200
    text = visible_text(body)
    for sentence in article["body_contains"] + article["body_excludes"]:
        assert re.sub(r"\s+", " ", sentence) in text
    for alias in article.get("aliases", []):
        status, headers, alias_body = fetch(mock.url(article["site"], alias))
        assert status == 200 and alias_body == body or status == 301


@pytest.mark.parametrize("site", REPLICAS)
def test_every_manifest_article_is_linked_from_an_entry_point(
    mock: MockServerProcess, site: str
) -> None:
    for flag in ("new_article", "syndication"):
        mock.set_scenario(flag)
    pages = [ENTRY_POINTS[site]]
    if site == "cypnow":
        pages.append(ENTRY_POINTS[site].replace("page=1", "page=2"))
    if site == "localgov":
        pages.append("/news?page=2")
    if site == "locumtoday":
        pages.append(ENTRY_POINTS[site].replace("page=1", "page=2"))
    if site == "insidecroydon":
        pages.append("/feed/?paged=2")
    linked = "".join(html.unescape(fetch(mock.url(site, p))[2].decode()) for p in pages)
    for article in (a for a in MANIFEST["article"] if a["site"] == site):
        paths = [article["path"], *article.get("aliases", [])]
        assert any(p in linked for p in paths), article["path"]
