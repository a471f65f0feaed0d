"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

``carewatch web`` serves the crawled archive on a free port (a real uvicorn server in its own
process); the browser clicks through as a user would. Screenshots of the home, LA and search
pages go to the test's tmp folder (printed with ``-s``).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from tests.fixtures_crawl import CrawlEnv
from tests.fixtures_mockserver import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium (scripts/test.sh installs it)")


@pytest.fixture(scope="module")
def dashboard(web_archive: CrawlEnv) -> Iterator[str]:
    """``carewatch web --port 0`` on the archive; yields the URL it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
    proc = subprocess.Popen([sys.executable, "-m", "scheduler", "-c", str(web_archive.config_path), "web",
                             "--port", "0"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("carewatch dashboard: http://127.0.0.1:"), line + (proc.stderr.read() if proc.stderr else "")
    try:
        yield line.split(": ", 1)[1].strip().rstrip("/")
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1200, "height": 900}, accept_downloads=True)
        errors: list[str] = []
        pg = context.new_page()
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        yield pg
        context.close()
        assert not [e for e in errors if "favicon" not in e and "404" not in e], errors


def test_home_to_la_timeline_to_report_to_story(dashboard: str, page: object, tmp_path: Path) -> None:
    pg: playwright.Page = page  # type: ignore[assignment]
    pg.goto(dashboard + "/")
    assert "Latest Ofsted reports" in pg.inner_text("main")
    pg.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    pg.click("table.reports >> text=Croydon >> nth=0")
    assert pg.url.endswith("/la/croydon")
    timeline = pg.locator("table.timeline")
    assert timeline.is_visible()
    assert timeline.locator("thead th").count() >= 3  # the judgement column and two or more inspections
    assert "Overall effectiveness" in timeline.inner_text()
    pg.screenshot(path=str(tmp_path / "la.png"), full_page=True)
    # the oldest inspection (SIF, 2017): its report, then the coverage that followed it
    timeline.locator("thead a").first.click()
    assert "/report/" in pg.url
    assert "Inadequate" in pg.inner_text("#judgements")
    pg.locator("#coverage table a[href^='/story/']").first.click()
    assert "/story/" in pg.url
    assert "Follows the report" in pg.inner_text("main")
    assert pg.locator("ol.story-articles li").count() >= 1
    print(f"screenshots in {tmp_path}")


def test_search_commissioner_then_filter_by_la_and_download_csv(dashboard: str, page: object, tmp_path: Path) -> None:
    pg: playwright.Page = page  # type: ignore[assignment]
    pg.goto(dashboard + "/")
    pg.fill("header input[name=q]", "commissioner")
    pg.press("header input[name=q]", "Enter")
    pg.wait_for_url("**/search?q=commissioner")
    assert pg.locator("ol.hits mark").count() >= 1
    everywhere = pg.locator("ol.hits li").count()
    pg.select_option("form.search select[name=la]", "croydon")
    pg.click("form.search button[type=submit]")
    pg.wait_for_url("**la=croydon**")
    hits = pg.locator("ol.hits li")
    assert 1 <= hits.count() <= everywhere
    assert all("Croydon" in hits.nth(i).inner_text() for i in range(hits.count()))
    pg.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    with pg.expect_download() as info:
        pg.click("p.summary >> text=CSV")
    saved = tmp_path / "search.csv"
    info.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == hits.count() and all("Croydon" in r["las"] for r in rows)


def test_subscribe_to_a_feed_url_from_the_la_page(dashboard: str, page: object) -> None:
    pg: playwright.Page = page  # type: ignore[assignment]
    pg.goto(dashboard + "/la/croydon")
    href = pg.get_attribute("a.feed", "href")
    assert href == "/la/croydon/feed.atom"
    advertised = pg.get_attribute("link[rel=alternate][href$='feed.atom']", "href")
    assert advertised == href
    with urllib.request.urlopen(dashboard + href, timeout=10) as resp:  # what a feed reader does
        feed = feedparser.parse(resp.read())
    assert not feed.bozo and feed.entries
    assert any(e.link.startswith(dashboard + "/report/") for e in feed.entries)
