"""`carewatch sources add URL` as a user meets it: the real CLI against council replicas.

Three councils on three kinds of CMS (tests/sites/leedsnews: WordPress with a feed;
walthamforest: LocalGov Drupal with only a sitemap; rutland: a plain news listing with neither):
each is added from its home page, and the table written must load and crawl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures_crawl import CrawlEnv
from tests.fixtures_mockserver import REPO_ROOT, MockServerProcess

CAREWATCH = [sys.executable, "-m", "scheduler"]
USER_FILE = """# my carewatch settings: keep this comment
[crawler]
contact = "tests@carewatch.invalid"  # and this one

[sources.croydon]
enabled = false   # not following Croydon any more
"""


def carewatch(config: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}, "COLUMNS": "220"}
    return subprocess.run([*CAREWATCH, "--config", str(config), *args], cwd=REPO_ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def add(config: Path, url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    extra = ("--yes",) if stdin is None else ()
    return carewatch(config, "sources", "add", url, "--delay", "0", *extra, *args, stdin=stdin)


@pytest.fixture
def user_config(tmp_path: Path) -> Path:
    path = tmp_path / "my-carewatch.toml"
    path.write_text(USER_FILE + f'\n[database]\nurl = "sqlite:///{tmp_path / "cw.db"}"\n', encoding="utf-8")
    return path


@dataclass(frozen=True)
class Council:
    site: str
    source_id: str
    la_code: str
    #: the key of the start point the table must have
    start_key: str
    #: children's-services articles of the replica (its other news is about bins, roads, markets)
    childrens: frozenset[str]


COUNCILS = [
    Council("leedsnews", "leeds", "E08000035", "feeds", frozenset({
        "Children’s services in Leeds rated outstanding by Ofsted", "New family hubs open in south Leeds",
        "Foster carers celebrated at Leeds awards evening", "Care leavers in Leeds to get free bus travel"})),
    Council("walthamforest", "waltham_forest", "E09000031", "sitemaps", frozenset({
        "Waltham Forest children’s services judged good by Ofsted", "New youth centre opens in Leyton",
        "More foster carers needed in Waltham Forest", "Support for care leavers extended to age 25"})),
    Council("rutland", "rutland", "E06000017", "listings", frozenset({
        "Ofsted praises Rutland children’s services", "Family hub opens at Oakham library",
        "Foster with Rutland: information evening", "New social work academy for Rutland"})),
]


@pytest.mark.parametrize("council", COUNCILS, ids=[c.site for c in COUNCILS])
def test_a_council_added_by_its_url_then_crawls(
        council: Council, mock: MockServerProcess, crawler_env: CrawlEnv, user_config: Path) -> None:
    proc = add(user_config, mock.url(council.site, "/"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert f"Added [sources.{council.source_id}] to {user_config}" in proc.stdout
    text = user_config.read_text(encoding="utf-8")
    assert text.startswith(USER_FILE)  # the user's file, comments and all, is kept as it was
    table = tomllib.loads(text)["sources"][council.source_id]
    assert table["kind"] == "council" and table["topic_filter"] is True
    assert council.start_key in table
    assert not ({"feeds", "sitemaps", "listings"} - {council.start_key}) & set(table)
    assert "# LA: " in text and f"({council.la_code})" in text  # the proposed LA, as a comment

    listed = carewatch(user_config, "sources", "--json")  # the existing loader reads the new table
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in json.loads(listed.stdout) if r["id"] == council.source_id)
    assert row["start_urls"] and all(u.startswith(mock.base(council.site)) for u in row["start_urls"])

    assert carewatch(user_config, "db", "upgrade").returncode == 0  # as a user would, before the first crawl
    crawler_env.config_path = user_config
    crawled = crawler_env.crawl(council.source_id)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    stored = json.loads(carewatch(user_config, "articles", "--json", "--source", council.source_id).stdout)
    assert {a["title"] for a in stored} == council.childrens  # the other council news is filtered out
    assert all(a["las"] == [council.la_code] and a["published_at"] for a in stored)


def test_what_was_found_is_shown_before_writing(mock: MockServerProcess, user_config: Path) -> None:
    proc = add(user_config, mock.url("leedsnews", "/"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "feed (proposed)" in out and mock.url("leedsnews", "/feed/") in out
    assert "/comments/feed/" not in out  # a comments feed is not news
    assert mock.url("leedsnews", "/wp-sitemap.xml") in out  # found in robots.txt, shown, not used
    assert "LA: Leeds (E08000035, Yorkshire and The Humber)" in out and "a link to www.leeds.gov.uk" in out
    samples = out.split("Sample articles", 1)[1]
    assert samples.count("2024-0") == 5  # five sample articles, each with its date
    assert "Children’s services in Leeds rated outstanding by Ofsted" in samples and "2024-03-12" in samples
    assert "Bin collections change over the Easter bank holidays" in samples


def test_sitemap_council_gets_a_pattern_that_keeps_to_its_news(mock: MockServerProcess, user_config: Path) -> None:
    proc = add(user_config, mock.url("walthamforest", "/"))
    assert proc.returncode == 0, proc.stderr
    assert "sitemap (guessed), 16 pages, 6 news pages" in proc.stdout
    table = tomllib.loads(user_config.read_text(encoding="utf-8"))["sources"]["waltham_forest"]
    assert table["sitemaps"] == [mock.url("walthamforest", "/sitemap.xml")]
    assert table["allow"] == ["^/news/[^/]+/?$"]  # the sitemap's service pages are not followed
    assert table["name"] == "Waltham Forest Council news"


def test_listing_council_follows_its_next_page_link(mock: MockServerProcess, user_config: Path) -> None:
    proc = add(user_config, mock.url("rutland", "/"), "--id", "rutland_cc")
    assert proc.returncode == 0, proc.stderr
    table = tomllib.loads(user_config.read_text(encoding="utf-8"))["sources"]["rutland_cc"]
    assert table["listings"] == [{"url": mock.url("rutland", "/news"), "max_pages": 3, "next": ".pagination .next a"}]
    assert table["allow"] == [r"^/news/article/\d+/[^/]+/?$"]
    hits = mock.hits("rutland")
    assert "/robots.txt" in hits and not any(path.startswith("/site/scripts/") for path in hits)


def test_a_feed_url_given_instead_of_the_home_page_is_used_as_the_feed(
        mock: MockServerProcess, user_config: Path) -> None:
    proc = add(user_config, mock.url("leedsnews", "/feed/"))
    assert proc.returncode == 0, proc.stderr
    table = tomllib.loads(user_config.read_text(encoding="utf-8"))["sources"]["leeds"]
    assert table["feeds"] == [mock.url("leedsnews", "/feed/")] and table["name"] == "Leeds City Council News"
    assert "Children’s services in Leeds rated outstanding by Ofsted" in proc.stdout


@pytest.mark.parametrize(("samples", "new_article", "not_articles"), [
    (["/news/2024/03/ofsted-report/", "/news/2024/02/family-hubs/"], "/news/2025/11/care-leavers/",
     ["/news/", "/news/2024/", "/contact-us/"]),
    (["/news/article/2231/ofsted", "/news/article/2219/family-hub"], "/news/article/3001/fostering",
     ["/news", "/news/article", "/my-services/council-tax"]),
    (["/children-services-rated-good/", "/foster-carers-needed/"], "/new-family-hub-opens/",
     ["/", "/category/news/page/2/"]),
], ids=["dated", "numbered", "slug-only"])
def test_the_allow_pattern_covers_future_articles_not_other_pages(
        samples: list[str], new_article: str, not_articles: list[str]) -> None:
    import re

    from crawler.urlshapes import allow_pattern

    pattern = allow_pattern(["https://www.example.gov.uk" + p for p in samples])
    assert re.search(pattern, new_article)
    assert not any(re.search(pattern, p) for p in not_articles)


def test_an_existing_table_is_never_overwritten(mock: MockServerProcess, user_config: Path) -> None:
    user_config.write_text(USER_FILE + '\n[sources.leeds]\nname = "My Leeds"\nkind = "council"\n'
                           'domains = ["news.leeds.gov.uk"]\nfeeds = ["https://news.leeds.gov.uk/feed/"]\n',
                           encoding="utf-8")
    before = user_config.read_bytes()
    proc = add(user_config, mock.url("leedsnews", "/"), "--id", "leeds")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"Error: {user_config}: [sources.leeds] already exists; "
                                   "choose another --id or edit that table by hand")
    assert user_config.read_bytes() == before
    assert mock.hits("leedsnews") == {}  # refused before fetching anything

    proc = add(user_config, mock.url("leedsnews", "/"))  # no --id: a free id is proposed instead
    assert proc.returncode == 0, proc.stderr
    data = tomllib.loads(user_config.read_text(encoding="utf-8"))
    assert data["sources"]["leeds"]["name"] == "My Leeds" and "leeds_news" in data["sources"]


def test_a_built_in_source_id_is_refused(mock: MockServerProcess, user_config: Path) -> None:
    proc = add(user_config, mock.url("leedsnews", "/"), "--id", "communitycare")
    assert proc.returncode == 1
    assert proc.stderr.strip() == "Error: [sources.communitycare] is a built-in source; choose another --id"


def test_declining_writes_nothing(mock: MockServerProcess, user_config: Path) -> None:
    before = user_config.read_bytes()
    proc = add(user_config, mock.url("rutland", "/"), stdin="n\n")
    assert proc.returncode == 0, proc.stderr
    assert "Add [sources.rutland] to" in proc.stdout and "Nothing written." in proc.stdout
    assert user_config.read_bytes() == before


def test_a_missing_config_file_is_created(mock: MockServerProcess, tmp_path: Path) -> None:
    config = tmp_path / "new" / "my-carewatch.toml"
    config.parent.mkdir()
    proc = add(config, mock.url("rutland", "/"))
    assert proc.returncode == 0, proc.stderr
    assert "[sources.rutland]" in config.read_text(encoding="utf-8")


@pytest.mark.parametrize(("where", "message"), [
    ("news.leeds.gov.uk", "Error: 'news.leeds.gov.uk' is not an http(s) URL"),
    ("http://127.0.0.1:9/", "Error: cannot fetch http://127.0.0.1:9/robots.txt:"),
    ("faults:/status/404", "Error: {base}/status/404 answered HTTP 404"),
    ("faults:/octet-stream", "Error: {base}/octet-stream is neither an HTML page nor a feed"),
    ("faults:/ok", "Error: found no feed, no sitemap with news pages and no news listing on {base}/ok"),
    ("localgov:/Embargoed-Ofsted-report-on-Slough-childrens-services/43890", "Error: robots.txt of"),
], ids=["not-a-url", "unreachable", "http-error", "not-html", "nothing-found", "robots-disallow"])
def test_bad_input_is_one_error_line(where: str, message: str, mock: MockServerProcess, user_config: Path) -> None:
    site, _, path = where.partition(":/")
    url, base = (mock.url(site, "/" + path), mock.base(site)) if path and site in mock.sites else (where, "")
    before = user_config.read_bytes()
    proc = add(user_config, url)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.format(base=base)), proc.stderr
    assert user_config.read_bytes() == before


def test_unreachable_robots_txt_stops_like_a_crawl(mock: MockServerProcess, user_config: Path) -> None:
    mock.set_scenario("robots_503")
    proc = add(user_config, mock.url("faults", "/"))
    assert proc.returncode == 1
    assert "could not be fetched (HTTP 503)" in proc.stderr
    assert list(mock.hits("faults")) == ["/robots.txt"]  # nothing else is asked for


def test_the_la_is_proposed_from_a_council_domain() -> None:
    from crawler.laguess import propose_la

    proposal = propose_la("www.walthamforest.gov.uk", [], "Popular services. Bins and recycling.", "Home", [])
    assert proposal is not None and proposal.la.name == "Waltham Forest"
    assert proposal.evidence == ("the domain www.walthamforest.gov.uk",)


def test_no_la_is_proposed_for_a_site_about_many() -> None:
    from crawler.laguess import propose_la

    text = ("Ofsted rates Leeds outstanding.\nCroydon improves after monitoring visit.\n"
            "Rutland praised for early help.\nKent and Slough inspected.")
    articles = [("Leeds rated outstanding", "Inspectors praised Leeds."),
                ("Croydon improves", "Croydon's children's services have improved.")]
    assert propose_la("www.communitycare.co.uk", ["https://www.gov.uk/government/organisations/ofsted"],
                      text, "Community Care", articles) is None
