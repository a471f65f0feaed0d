"""The dashboard across the 2019-2023 reorganisations: an LA's page and a report's change from
the previous inspection run back to the authority it replaced, as ``carewatch ratings LA`` and
the alerts do, with the predecessor's reports marked by its name; a predecessor's page links to
its successors. Stored rows are read on SQLite and PostgreSQL; the pages are rendered by the
web app on the same database."""

from __future__ import annotations

from datetime import date
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from storage.db import session_scope
from storage.gazetteer import by_code
from storage.queries import la_timeline, report_by_file_id
from storage.reports import ReportInput, upsert_report
from web.app import create_app
from web.settings import WebSettings

RI = "Requires improvement to be good"
NORTHAMPTONSHIRE, NORTH_NORTHANTS, WEST_NORTHANTS = "E10000021", "E06000061", "E06000062"
BOURNEMOUTH, POOLE, BCP = "E06000028", "E06000029", "E06000058"


def _report(file_id: str, urn: str, published: date, framework: str, judgements: dict[str, str], *,
            la_name: str, report_type: str = "ilacs_standard", **kw: Any) -> ReportInput:
    return ReportInput(urn=urn, file_id=file_id, label=f"Children's services inspection, pdf - {published:%d %B %Y}",
                       report_type=report_type, framework=framework, published_on=published,
                       judgements=judgements, overall_grade=judgements.get("overall"), graded=True,
                       pdf_status="ok", file_url=f"https://files.ofsted.gov.uk/v1/file/{file_id}",
                       fetched=True, la_name=la_name, **kw)


def _focused_visit(file_id: str, urn: str, published: date, *, la_name: str) -> ReportInput:
    return ReportInput(urn=urn, file_id=file_id, label=f"Focused visit, pdf - {published:%d %B %Y}",
                       report_type="focused_visit", published_on=published, judgements={}, graded=False,
                       pdf_status="ok", file_url=f"https://files.ofsted.gov.uk/v1/file/{file_id}",
                       fetched=True, la_name=la_name)


#: Northamptonshire's last ILACS (2018-22 framework: one combined in care and care leavers row),
#: under the county council, whose Ofsted URN the gazetteer does not record
NORTHANTS_2019 = {"leaders": "Inadequate", "help_and_protection": "Inadequate",
                  "in_care_and_care_leavers": "Inadequate", "care_leavers": "Not judged",
                  "overall": "Inadequate"}
#: the successors' first ILACS (2023 framework: in care and care leavers judged apart)
NORTH_2024 = {"leaders": RI, "help_and_protection": RI, "in_care": RI, "care_leavers": "Good", "overall": RI}
WEST_2024 = {"leaders": "Good", "help_and_protection": "Good", "in_care": "Good", "care_leavers": "Good",
             "overall": "Good"}
#: SIF, as SOURCES.md §2.2 numbers its judgements
BOURNEMOUTH_SIF = {"overall": RI, "help_and_protection": RI, "looked_after_and_permanence": RI,
                   "adoption": "Good", "care_leavers": RI, "leadership": RI}
POOLE_SIF = {"overall": "Good", "help_and_protection": "Good", "looked_after_and_permanence": "Good",
             "adoption": "Good", "care_leavers": "Good", "leadership": "Good"}
BCP_2024 = {"leaders": "Inadequate", "help_and_protection": "Inadequate", "in_care": RI,
            "care_leavers": RI, "overall": "Inadequate"}


@pytest.fixture
def reorganised(engine: Engine) -> Engine:
    with session_scope(engine) as s:
        upsert_report(s, _report("50130001", "80999", date(2019, 8, 2), "ilacs_2018", NORTHANTS_2019,
                                 la_name="Northamptonshire County Council"))
        upsert_report(s, _focused_visit("50130002", "80999", date(2020, 12, 9),
                                        la_name="Northamptonshire County Council"))
        upsert_report(s, _report("50240001", "2637539", date(2024, 3, 22), "ilacs_2023", NORTH_2024,
                                 la_name="North Northamptonshire Council"))
        upsert_report(s, _report("50240002", "2637548", date(2024, 5, 3), "ilacs_2023", WEST_2024,
                                 la_name="West Northamptonshire Council"))
        upsert_report(s, _report("50010001", "80998", date(2015, 2, 10), "sif", BOURNEMOUTH_SIF,
                                 la_name="Bournemouth Borough Council", report_type="sif"))
        upsert_report(s, _report("50010002", "80997", date(2016, 6, 28), "sif", POOLE_SIF,
                                 la_name="Borough of Poole", report_type="sif"))
        upsert_report(s, _report("50250001", "2532287", date(2024, 8, 16), "ilacs_2023", BCP_2024,
                                 la_name="Bournemouth, Christchurch and Poole Council"))
    return engine


# --------------------------------------------------------------------------- stored rows


def test_a_successors_timeline_starts_with_its_predecessors_inspections(reorganised: Engine) -> None:
    with session_scope(reorganised) as s:
        timeline, reports = la_timeline(s, by_code(NORTH_NORTHANTS))
    assert [(i.file_id, i.la_name) for i in timeline.inspections] == [
        ("50130001", "Northamptonshire"), ("50240001", "North Northamptonshire")]
    assert [r.file_id for r in reports] == ["50130001", "50130002", "50240001"]
    assert timeline.grid["overall"] == ("Inadequate", RI)
    assert timeline.changes["overall"] == (None, "better")
    assert timeline.changes["leaders"] == (None, "better")


def test_a_successor_does_not_show_its_sibling_successors_reports(reorganised: Engine) -> None:
    with session_scope(reorganised) as s:
        timeline, reports = la_timeline(s, by_code(WEST_NORTHANTS))
    assert [r.file_id for r in reports] == ["50130001", "50130002", "50240002"]
    assert "50240001" not in {i.file_id for i in timeline.inspections}


def test_a_predecessors_timeline_is_its_own(reorganised: Engine) -> None:
    with session_scope(reorganised) as s:
        timeline, reports = la_timeline(s, by_code(NORTHAMPTONSHIRE))
    assert [r.file_id for r in reports] == ["50130001", "50130002"]
    assert [i.file_id for i in timeline.inspections] == ["50130001"]


def test_two_predecessors_are_not_compared_with_each_other_but_the_successor_with_the_latest(
        reorganised: Engine) -> None:
    """BCP: Bournemouth's SIF (2015) and Poole's (2016) are different councils' inspections;
    BCP's first ILACS is compared with the latest of them, as the alerts do."""
    with session_scope(reorganised) as s:
        timeline, _ = la_timeline(s, by_code(BCP))
    assert [(i.file_id, i.la_name) for i in timeline.inspections] == [
        ("50010001", "Bournemouth"), ("50010002", "Poole"), ("50250001", "Bournemouth, Christchurch and Poole")]
    assert timeline.grid["overall"] == (RI, "Good", "Inadequate")
    assert timeline.changes["overall"] == (None, None, "worse")  # Poole's Good is not "better" than Bournemouth
    assert timeline.previous["overall"] == (None, None, "Good")


def test_a_successors_first_report_is_compared_with_its_predecessors_last(reorganised: Engine) -> None:
    with session_scope(reorganised) as s:
        first = report_by_file_id(s, "50240001")
    assert first is not None
    assert first.previous_file_id == "50130002"  # the county's focused visit, its last report of any kind
    assert first.previous_la_name == "Northamptonshire"
    by_area = {j.area: j for j in first.judgements}
    assert (by_area["overall"].previous, by_area["overall"].change) == ("Inadequate", "better")
    assert by_area["overall"].previous_la_name == "Northamptonshire"
    # the 2018-22 combined row is its own judgement: the split in care row is judged for the first time
    assert (by_area["in_care"].previous, by_area["in_care"].change) == (None, "new")


def test_a_report_of_the_same_la_names_no_other_la(reorganised: Engine) -> None:
    with session_scope(reorganised) as s:
        visit = report_by_file_id(s, "50130002")
    assert visit is not None and visit.previous_file_id == "50130001"
    assert visit.previous_la_name is None


# --------------------------------------------------------------------------- rendered pages


@pytest.fixture
def client(reorganised: Engine, db_url: str) -> TestClient:
    return TestClient(create_app(WebSettings(database_url=db_url)))


def _text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def test_the_successors_page_shows_the_predecessors_column_under_its_name(client: TestClient) -> None:
    page = lxml.html.fromstring(client.get("/la/north-northamptonshire").text)
    heads = page.xpath('//table[@class="timeline"]/thead/tr/th[a]')
    assert [h.xpath("a/@href")[0] for h in heads] == ["/report/50130001", "/report/50240001"]
    assert [h.xpath('.//*[@class="predecessor"]/text()') for h in heads] == [["Northamptonshire"], []]
    overall = next(tr for tr in page.xpath('//table[@class="timeline"]/tbody/tr')
                   if _text(tr.xpath("th")[0]) == "Overall effectiveness")
    assert overall.xpath('.//*[@class="change-better"]/@title') == ["improved from Inadequate"]
    assert page.xpath('//*[@id="reorganisation"]//a/@href') == ["/la/northamptonshire"]
    # the predecessor's reports are marked in the list of reports and letters too
    listed = {_text(tr.xpath("td")[1]) for tr in page.xpath('//table[@class="reports"]/tbody/tr')}
    assert "Focused visit (Northamptonshire)" in listed


def test_the_successors_json_names_each_inspections_la(client: TestClient) -> None:
    data = client.get("/api/las/E06000061").json()
    assert [(i["file_id"], i["la"], i["la_code"]) for i in data["timeline"]["inspections"]] == [
        ("50130001", "Northamptonshire", NORTHAMPTONSHIRE), ("50240001", "North Northamptonshire", NORTH_NORTHANTS)]
    assert [la["name"] for la in data["predecessors"]] == ["Northamptonshire"]
    assert data["successors"] == [] and data["abolished"] is None


def test_the_report_page_compares_with_the_predecessor_and_says_so(client: TestClient) -> None:
    page = lxml.html.fromstring(client.get("/report/50240001").text)
    table = {_text(tr.xpath("th")[0]): [_text(td) for td in tr.xpath("td")]
             for tr in page.xpath('//table[@class="judgement-table"]/tbody/tr')}
    assert table["Overall effectiveness"][1:] == ["Inadequate (Northamptonshire)", "improved"]
    previous = page.xpath('//dt[text()="Previous report"]/following-sibling::dd[1]')[0]
    assert previous.xpath("a/@href") == ["/report/50130002"]
    assert "Northamptonshire" in _text(previous)
    detail = client.get("/api/reports/50240001").json()
    overall = next(j for j in detail["judgements"] if j["area"] == "overall")
    assert (overall["previous"], overall["previous_la"], overall["change"]) == (
        "Inadequate", "Northamptonshire", "better")
    assert detail["previous_la"] == "Northamptonshire"


def test_the_predecessors_page_links_to_its_successors(client: TestClient) -> None:
    page = lxml.html.fromstring(client.get("/la/northamptonshire").text)
    assert _text(page.xpath("//h1")[0]) == "Northamptonshire"
    note = page.xpath('//*[@id="reorganisation"]')[0]
    assert note.xpath(".//a/@href") == ["/la/north-northamptonshire", "/la/west-northamptonshire"]
    assert "abolished on 2021-04-01" in _text(note)
    data = client.get("/la/northamptonshire?format=json").json()
    assert data["abolished"] == "2021-04-01"
    assert [la["ons_code"] for la in data["successors"]] == [NORTH_NORTHANTS, WEST_NORTHANTS]


def test_a_successor_links_to_each_predecessors_own_page(client: TestClient) -> None:
    """"Bournemouth" and "Poole" are also names of BCP (/la/bournemouth is BCP's page): the old
    boroughs' pages go by their official names, and link back."""
    bcp = lxml.html.fromstring(client.get("/la/bournemouth").text)
    assert _text(bcp.xpath("//h1")[0]) == "Bournemouth, Christchurch and Poole"
    links = bcp.xpath('//*[@id="reorganisation"]//a/@href')
    assert links == ["/la/bournemouth-borough-council", "/la/borough-of-poole"]
    for link, name in zip(links, ("Bournemouth", "Poole"), strict=True):
        page = lxml.html.fromstring(client.get(link).text)
        assert _text(page.xpath("//h1")[0]) == name
        assert page.xpath('//*[@id="reorganisation"]//a/@href') == ["/la/bournemouth-christchurch-and-poole"]
    # a Bournemouth report links to the old borough's page, not BCP's
    report = lxml.html.fromstring(client.get("/report/50010001").text)
    assert report.xpath("//h1/a/@href") == ["/la/bournemouth-borough-council"]
