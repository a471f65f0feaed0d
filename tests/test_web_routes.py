"""The dashboard's pages, exports, feeds and API on an archive filled by crawling the replicas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import feedparser
import lxml.html
import pytest
from fastapi.testclient import TestClient

from scheduler.config import load_config
from scheduler.webserver import web_settings
from tests.fixtures_crawl import CrawlEnv
from web.app import create_app


@pytest.fixture(scope="module")
def client(web_archive: CrawlEnv) -> Iterator[TestClient]:
    app = create_app(web_settings(load_config(web_archive.config_path)))
    with TestClient(app) as c:
        yield c


def rows(response: object) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- pages


def test_home_shows_latest_reports_with_judgement_badges_and_stories(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'class="badge grade-good"' in page.text  # Croydon's 2024 ILACS: Good
    assert "Latest stories" in page.text and "communitycare" in page.text
    assert 'href="/la/croydon"' in page.text


@pytest.mark.parametrize("key", ["croydon", "E09000008", "80492", "London Borough of Croydon"])
def test_an_la_is_found_by_slug_ons_code_urn_or_name(client: TestClient, key: str) -> None:
    page = client.get(f"/la/{key}")
    assert page.status_code == 200
    assert "<h1>Croydon</h1>" in page.text


def test_la_page_has_a_judgement_timeline_one_column_per_inspection(client: TestClient) -> None:
    data = client.get("/la/croydon?format=json").json()
    timeline = data["timeline"]
    dates = [i["date"] for i in timeline["inspections"]]
    assert dates == sorted(dates) and len(dates) >= 2
    assert all(len(grades) == len(dates) for grades in timeline["grid"].values())
    # SIF 2017 judged overall effectiveness Inadequate; later ILACS ones changed the judgement kinds
    assert timeline["grid"]["overall"][0] == "Inadequate"
    assert None in timeline["grid"]["help_and_protection"] or len(set(map(len, timeline["grid"].values()))) == 1
    page = client.get("/la/croydon")
    assert 'class="timeline"' in page.text and "Overall effectiveness" in page.text


def test_la_page_lists_reports_with_pdf_links_and_the_stories_that_followed(client: TestClient) -> None:
    data = client.get("/la/croydon?format=json").json()
    assert all(r["pdf_url"].startswith("http") for r in data["reports"] if r["pdf_url"])
    followed = [s for s in data["stories"] if s["report_file_id"]]
    assert followed, "no story follows a Croydon report"
    assert any(len(s["outlets"]) > 1 for s in followed)


def test_report_page_shows_judgements_with_the_change_from_the_previous_inspection(client: TestClient) -> None:
    la = client.get("/la/croydon?format=json").json()
    latest = la["timeline"]["inspections"][-1]["file_id"]
    report = client.get(f"/report/{latest}?format=json").json()
    assert report["judgements"] and report["previous_file_id"]
    changes = {j["area"]: j["change"] for j in report["judgements"]}
    assert set(changes.values()) <= {"same", "better", "worse", "changed", "new"}
    assert any(c != "new" for c in changes.values())
    page = client.get(f"/report/{latest}")
    assert "Previous inspection" in page.text and "Lead inspector" in page.text


def _text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _timeline(html: str) -> tuple[list[str], dict[str, list[lxml.html.HtmlElement]]]:
    """The LA page's judgement timeline: the report link of each column, and row heading -> cells."""
    table = lxml.html.fromstring(html).xpath('//table[@class="timeline"]')[0]
    columns = [a.get("href") for a in table.xpath("thead/tr/th/a")]
    return columns, {_text(tr.xpath("th")[0]): tr.xpath("td") for tr in table.xpath("tbody/tr")}


def test_la_timeline_shows_a_sif_judgement_and_its_ilacs_like_on_one_row_with_the_change(client: TestClient) -> None:
    """Croydon: SIF 2017 judged "Leadership, management and governance" and "Children looked after and
    achieving permanence" Inadequate; ILACS 2020 "The impact of leaders" Good; ILACS 2024 "The
    experiences and progress of children in care" Good. Each is one row, the change shown."""
    columns, rows = _timeline(client.get("/la/croydon").text)
    sif, ilacs_2020, ilacs_2024 = (columns.index(f"/report/{f}") for f in ("50000101", "50000106", "50263391"))
    assert not {"Leaders", "Leadership, management and governance", "Children in care",
                "Children looked after and permanence"} & set(rows), sorted(rows)
    leaders = rows["Leadership, management and governance / Leaders"]
    assert [_text(leaders[i]) for i in (sif, ilacs_2020)] == ["Inadequate", "Good ↑"]
    assert leaders[ilacs_2020].xpath('.//*[@class="change-better"]/@title') == ["improved from Inadequate"]
    in_care = rows["Children looked after and permanence / Children in care"]
    assert [_text(in_care[i]) for i in (sif, ilacs_2020, ilacs_2024)] == ["Inadequate", "—", "Good ↑"]
    assert "Children in care and care leavers" in rows  # the 2018-22 combined row is its own judgement


def test_report_page_compares_an_ilacs_judgement_with_its_sif_like(client: TestClient) -> None:
    page = lxml.html.fromstring(client.get("/report/50000106").text)
    table = {_text(tr.xpath("th")[0]): [_text(td) for td in tr.xpath("td")]
             for tr in page.xpath('//table[@class="judgement-table"]/tbody/tr')}
    # ILACS 2020 leaders Good; SIF 2017 leadership, management and governance Inadequate
    assert table["Leaders"] == ["Good", "Inadequate", "improved"]
    report = client.get("/report/50263391?format=json").json()
    in_care = next(j for j in report["judgements"] if j["area"] == "in_care")
    assert (in_care["previous"], in_care["change"]) == ("Inadequate", "better")


def test_a_report_under_the_2026_framework_says_it_has_no_overall_judgement(client: TestClient) -> None:
    reports = client.get("/reports?format=json").json()
    reform = [r for r in reports if r["framework"] == "ilacs_2026"]
    assert reform, "the replica has no report under the April 2026 framework"
    assert "overall" not in {j["area"] for j in reform[0]["judgements"]}
    page = client.get(reform[0]["page"])
    assert "ILACS (April 2026 reform)" in page.text
    assert "No overall effectiveness judgement" in page.text


def test_story_page_lists_its_articles_original_first(client: TestClient) -> None:
    stories = client.get("/stories?format=json").json()
    story = max(stories, key=lambda s: s["articles"])
    detail = client.get(f"/story/{story['id']}?format=json").json()
    dates = [a["published_at"] or a["first_seen_at"] for a in detail["items"]]
    assert dates == sorted(dates)
    page = client.get(f"/story/{story['id']}")
    assert "first published" in page.text
    for outlet in story["outlets"]:
        assert outlet in page.text


def test_article_page_shows_the_text_revisions_with_a_diff_and_aliases(client: TestClient) -> None:
    articles = client.get("/articles?la=croydon&source=croydon&format=json").json()
    revised = [a for a in articles if a["revision_count"]]
    assert revised, "the revised statement has no revision"
    page = client.get(revised[0]["page"])
    assert "revision 1 → current text" in page.text
    assert "<ins>" in page.text and "<del>" in page.text
    assert "40 more social workers" in page.text
    assert "utm_source=rss" in page.text or "?p=10234" in page.text  # an alias URL


def test_search_finds_commissioner_highlights_it_and_filters_by_la(client: TestClient) -> None:
    page = client.get("/search", params={"q": "commissioner"})
    assert "<mark>commissioner</mark>" in page.text.lower()
    everything = client.get("/search", params={"q": "commissioner", "format": "json"}).json()
    assert everything["total"] >= 3
    croydon = client.get("/search", params={"q": "commissioner", "la": "croydon", "format": "json"}).json()
    assert croydon["total"] and all("E09000008" in h["la_codes"] for h in croydon["hits"])
    elsewhere = client.get("/search", params={"q": "commissioner", "la": "leeds", "format": "json"}).json()
    assert elsewhere["total"] == 0


def test_search_stems_words_and_filters_by_kind_source_kind_and_dates(client: TestClient) -> None:
    plural = client.get("/search", params={"q": "commissioners", "format": "json"}).json()
    assert plural["total"] >= 1
    reports = client.get("/search", params={"q": "Croydon", "kind": "report", "format": "json"}).json()
    assert reports["total"] and {h["kind"] for h in reports["hits"]} == {"report"}
    trade = client.get("/search", params={"q": "commissioner", "source_kind": "trade_press", "format": "json"}).json()
    assert trade["hits"] and {h["source"] for h in trade["hits"]} <= {"communitycare", "cypnow", "localgov", "locumtoday"}
    later = client.get("/search", params={"q": "commissioner", "since": "2018-01-01", "format": "json"}).json()
    assert later["total"] < client.get("/search", params={"q": "commissioner", "format": "json"}).json()["total"]


def test_search_pages_through_results(client: TestClient) -> None:
    first = client.get("/search", params={"q": "Croydon", "format": "json"}).json()
    assert first["total"] > first["per_page"], "the archive is too small to page"
    second = client.get("/search", params={"q": "Croydon", "page": "2", "format": "json"}).json()
    assert {h["page"] for h in first["hits"]}.isdisjoint({h["page"] for h in second["hits"]})


def test_ratings_give_every_la_its_latest_grade_per_judgement_sortable_and_by_region(client: TestClient) -> None:
    london = client.get("/ratings?region=London&format=json").json()
    assert len(london) == 33 and {r["region"] for r in london} == {"London"}
    croydon = next(r for r in london if r["slug"] == "croydon")
    assert croydon["published_on"] == "2024-12-06" and croydon["judgements"]["overall"] == "Good"
    by_grade = client.get("/ratings?region=London&sort=overall&format=json").json()
    assert by_grade[0]["slug"] == "croydon"  # the only London LA with a stored grade sorts first
    assert "sorted" in client.get("/ratings?sort=overall").text


def test_sources_page_shows_each_source_status_runs_and_next_run(client: TestClient) -> None:
    data = client.get("/sources?format=json").json()
    croydon = next(s for s in data if s["source"] == "croydon")
    assert croydon["status"] == "ok" and croydon["runs"] and croydon["next_run"]
    assert croydon["items"] >= 3
    disabled = [s for s in data if not s["enabled"]]
    assert all(s["next_run"] == "disabled" for s in disabled)


def test_rules_page_lists_rules_but_hides_recipients_without_sign_in(client: TestClient) -> None:
    page = client.get("/rules")
    assert "croydon_watch" in page.text
    assert "team@example.gov.uk" not in page.text
    assert client.get("/rules?format=json").json()["rules"][0]["recipients"] is None


# --------------------------------------------------------------------------- exports and feeds


@pytest.mark.parametrize("path", ["/reports", "/stories", "/articles", "/ratings", "/sources", "/las",
                                  "/search?q=commissioner", "/rules"])
def test_every_listing_downloads_as_csv_and_json(client: TestClient, path: str) -> None:
    sep = "&" if "?" in path else "?"
    as_csv = client.get(f"{path}{sep}format=csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    as_json = client.get(f"{path}{sep}format=json")
    assert as_json.status_code == 200
    assert as_csv.text.splitlines()[0]  # a header row


def test_csv_exports_keep_the_filters_and_name_the_las(client: TestClient) -> None:
    reports = rows(client.get("/reports?la=croydon&format=csv"))
    assert reports and {r["la"] for r in reports} == {"Croydon"}
    assert any("overall: " in r["judgements"] for r in reports)
    articles = rows(client.get("/articles?la=croydon&format=csv"))
    assert articles and all("Croydon" in r["las"] for r in articles)


def test_reports_feed_is_valid_atom_linking_dashboard_and_original(client: TestClient) -> None:
    response = client.get("/feeds/reports.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.entries
    entry = feed.entries[0]
    rels = {link["rel"]: link["href"] for link in entry.links}
    assert rels["alternate"].startswith("http://testserver/report/")
    assert rels["related"].startswith("http")


@pytest.mark.parametrize("path", ["/la/croydon/feed.atom", "/search/feed.atom?q=commissioner&la=croydon",
                                  "/rules/ofsted_reports/feed.atom"])
def test_la_search_and_rule_feeds_are_valid_atom(client: TestClient, path: str) -> None:
    feed = feedparser.parse(client.get(path).content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.title.startswith("carewatch")


def test_search_feed_entries_are_the_matches(client: TestClient) -> None:
    feed = feedparser.parse(client.get("/search/feed.atom?q=commissioner").content)
    assert feed.entries and all("commissioner" in (e.title + e.summary).lower() for e in feed.entries)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/la/nowhere-on-earth", 404, "unknown local authority"),
    ("/reports?since=2020-13-01", 400, "since"),
    ("/reports?page=0", 400, "page"),
    ("/reports?page=abc", 400, "page"),
    ("/story/99999999999999999999", 400, "story_id"),
    ("/story/424242", 404, "no story"),
    ("/article/0", 400, "article_id"),
    ("/report/nope", 404, "no report"),
    ("/search?q=" + "x" * 500, 400, "too long"),
    ("/search?q=%22%28*%29%3A%5E-", 400, "no words"),
    ("/search?q=NEAR(a+b)+OR+AND+*", 200, "result"),
    ("/search?q=commissioner&kind=video", 400, "kind"),
    ("/ratings?region=Atlantis", 400, "region"),
    ("/ratings?sort=shoe", 400, "sort"),
    ("/reports?format=xml", 400, "format"),
    ("/reports?la=%00", 400, "NUL"),
    ("/api/reports?until=yesterday", 400, "until"),
    ("/rules/nope/feed.atom", 404, "no rule"),
])
def test_bad_input_gets_a_4xx_that_says_what_was_wrong(client: TestClient, path: str, status: int, says: str) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text[:500]
    assert says.lower() in response.text.lower()


def test_a_nul_in_an_api_query_is_a_json_400(client: TestClient) -> None:
    response = client.get("/api/reports?la=a%00b")
    assert response.status_code == 400
    assert response.json() == {"detail": "the query string contains a NUL character"}


def test_fts_syntax_characters_are_searched_as_words(client: TestClient) -> None:
    response = client.get("/search", params={"q": 'commissioner" OR "*', "format": "json"})
    assert response.status_code == 200
    assert response.json()["terms"] == ["commissioner", "OR"]


# --------------------------------------------------------------------------- headers


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/la/nowhere", "/api/reports", "/static/style.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script(client: TestClient) -> None:
    for path in ("/", "/la/croydon", "/search?q=commissioner", "/ratings"):
        assert "<script" not in client.get(path).text
