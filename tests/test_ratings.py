"""``carewatch ratings``: latest graded outcome per LA and one LA's history (storage.reports)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from scheduler.cli import main as cli
from storage.db import session_scope
from storage.reports import ReportInput, ReportOutcome, file_ids_done, upsert_report

RI = "Requires improvement to be good"
CROYDON = "80492"
BARNET = "80487"


def _report(file_id: str, urn: str, rtype: str, published: date, *, overall: str | None = None,
            status: str = "ok", **kw: Any) -> ReportInput:
    judgements = {"overall": overall} if overall else {}
    return ReportInput(urn=urn, file_id=file_id, label=f"{rtype}, pdf - {published:%d %B %Y}",
                       report_type=rtype, published_on=published, overall_grade=overall,
                       judgements=judgements, graded=overall is not None, pdf_status=status,
                       file_url=f"https://files.ofsted.gov.uk/v1/file/{file_id}", fetched=True, **kw)


@pytest.fixture
def config(engine: Engine, db_url: str, tmp_path: Path) -> Path:
    rows = [
        # inserted out of order on purpose: history is sorted by date, not by insertion
        _report("50263391", CROYDON, "ilacs_standard", date(2024, 12, 6), overall="Good"),
        _report("50000101", CROYDON, "sif", date(2017, 9, 4), overall="Inadequate",
                inspection_start=date(2017, 6, 20), inspection_end=date(2017, 7, 13)),
        _report("50000102", CROYDON, "monitoring_visit", date(2018, 5, 10)),
        _report("50000106", CROYDON, "ilacs_standard", date(2020, 3, 13), overall="Good"),
        _report("50000107", CROYDON, "focused_visit", date(2021, 7, 26)),
        _report("50300001", CROYDON, "focused_visit", date(2025, 3, 1)),
        _report("50000900", CROYDON, "childrens_services_inspection", date(2012, 10, 1),
                status="not_a_pdf", error="HTML page"),
        _report("50001000", BARNET, "ilacs_short", date(2023, 6, 1), overall=RI),
        _report("50002000", "80999", "ilacs_standard", date(2022, 1, 1), overall="Outstanding",
                provider_name="Fictional Council"),
    ]
    with session_scope(engine) as s:
        for row in rows:
            assert upsert_report(s, row).outcome is ReportOutcome.NEW
    return _config(tmp_path, db_url)


def _config(tmp_path: Path, db_url: str) -> Path:
    """A carewatch.toml naming the test's database."""
    path = tmp_path / "carewatch.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "ratings", *args], catch_exceptions=False)


def test_history_oldest_first_every_report(config: Path) -> None:
    result = run(config, "Croydon", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["file_id"] for r in rows] == [
        "50000900", "50000101", "50000102", "50000106", "50000107", "50263391", "50300001"]
    assert rows[0]["pdf_status"] == "not_a_pdf" and rows[0]["overall"] is None
    assert rows[1]["overall"] == "Inadequate" and rows[1]["inspection_start"] == "2017-06-20"
    newest = json.loads(run(config, "London Borough of Croydon", "--newest-first", "--json").output)
    assert [r["file_id"] for r in newest] == [r["file_id"] for r in reversed(rows)]


def test_history_table(config: Path) -> None:
    result = run(config, "croydon council")
    assert result.exit_code == 0
    assert "Croydon (URN 80492): 7 Ofsted report(s), oldest first" in result.output
    assert "(PDF" in result.output and "Inadequate" in result.output


def test_latest_graded_per_la(config: Path) -> None:
    rows = json.loads(run(config, "--json").output)
    by_la = {r["la"]: r for r in rows}
    assert len([r for r in rows if r["ons_code"]]) == 153
    assert by_la["Croydon"]["overall"] == "Good" and by_la["Croydon"]["file_id"] == "50263391"
    assert by_la["Barnet"]["overall"] == RI
    assert by_la["Bexley"]["overall"] is None
    assert by_la["Fictional Council"]["overall"] == "Outstanding"  # URN unknown to the gazetteer

    london = json.loads(run(config, "--region", "london", "--json").output)
    assert {r["region"] for r in london} == {"London"} and len(london) == 33
    one = run(config, "--la", "E09000008", "--csv")
    parsed = list(csv.DictReader(io.StringIO(one.output)))
    assert len(parsed) == 1 and parsed[0]["la"] == "Croydon" and parsed[0]["published_on"] == "2024-12-06"
    table = run(config, "--la", "Croydon", "--la", "Barnet")
    assert "Current Ofsted judgements: 2 of 2 LA(s) graded" in table.output


def test_unknown_la_or_region_is_one_error_line(config: Path) -> None:
    result = run(config, "Narnia")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "Narnia" in result.output and result.output.startswith("Error:")
    result = run(config, "--la", "Gondor")
    assert result.exit_code == 1 and "Gondor" in result.output
    result = run(config, "--region", "Mordor")
    assert result.exit_code == 1 and "Mordor" in result.output


def test_retry_statuses_and_updates(engine: Engine) -> None:
    """A bad PDF is retried until it parses; the row is updated, never duplicated."""
    with session_scope(engine) as s:
        upsert_report(s, _report("1", CROYDON, "childrens_services_inspection", date(2026, 11, 1),
                                 status="not_a_pdf", error="HTML"))
        upsert_report(s, _report("2", CROYDON, "sif", date(2017, 9, 4), overall="Inadequate"))
        assert file_ids_done(s) == {"2"}
        result = upsert_report(s, _report("1", CROYDON, "ilacs_standard", date(2026, 11, 1), overall="Good"))
        assert result.outcome is ReportOutcome.UPDATED and result.alert_state == "pending"
        assert file_ids_done(s) == {"1", "2"}
        again = upsert_report(s, _report("2", CROYDON, "sif", date(2017, 9, 4), overall="Inadequate"))
        assert again.alert_state == "backfill"  # seen long after publication, not baseline


def _graded(file_id: str, urn: str, published: date, framework: str, judgements: dict[str, str],
            report_type: str = "ilacs_standard", **kw: Any) -> ReportInput:
    return ReportInput(urn=urn, file_id=file_id, label=f"Children's services inspection, pdf - {published:%d %B %Y}",
                       report_type=report_type, framework=framework, published_on=published,
                       judgements=judgements, overall_grade=judgements.get("overall"), graded=True,
                       pdf_status="ok", file_url=f"https://files.ofsted.gov.uk/v1/file/{file_id}",
                       fetched=True, **kw)


REFORM = {"leaders": RI, "help_and_protection": "Inadequate", "in_care": "Good", "care_leavers": "Good"}


@pytest.fixture
def reform_config(engine: Engine, db_url: str, tmp_path: Path) -> Path:
    with session_scope(engine) as s:
        upsert_report(s, _graded("50000101", CROYDON, date(2017, 9, 4), "sif",
                                 {"overall": "Inadequate", "looked_after_and_permanence": "Inadequate",
                                  "leadership": "Inadequate", "help_and_protection": "Inadequate"}))
        upsert_report(s, _graded("50000106", CROYDON, date(2020, 3, 13), "ilacs_2018",
                                 {"leaders": "Good", "help_and_protection": "Good",
                                  "in_care_and_care_leavers": RI, "care_leavers": "Not judged", "overall": "Good"}))
        upsert_report(s, _graded("50263391", CROYDON, date(2024, 12, 6), "ilacs_2023",
                                 {"leaders": "Good", "help_and_protection": RI, "in_care": "Good",
                                  "care_leavers": "Good", "overall": "Good"}))
        upsert_report(s, _graded("50310001", CROYDON, date(2026, 12, 1), "ilacs_2026", REFORM))
        upsert_report(s, _report("50310002", CROYDON, "monitoring_visit", date(2026, 12, 2)))
    return _config(tmp_path, db_url)


def test_current_rating_after_the_reform_has_no_overall(reform_config: Path) -> None:
    rows = json.loads(run(reform_config, "--la", "Croydon", "--json").output)
    (croydon,) = rows
    assert croydon["framework"] == "ilacs_2026" and croydon["file_id"] == "50310001"
    assert croydon["overall"] is None  # the 2024 "Good" overall is not the current rating
    assert croydon["judgements"] == REFORM
    assert (croydon["leaders"], croydon["help_and_protection"]) == (RI, "Inadequate")
    table = CliRunner().invoke(cli, ["--config", str(reform_config), "ratings", "--la", "Croydon"],
                               catch_exceptions=False, env={"COLUMNS": "250"}).output
    assert "none (2026)" in table and "ILACS 2026" in table
    assert "Inadequate" in table


def test_history_shows_each_judgement_over_time(reform_config: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(reform_config), "ratings", "Croydon"],
                                catch_exceptions=False, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "each judgement over 4 graded inspection(s), oldest first" in out
    history = out[out.index("each judgement over"):]
    lines = [ln for ln in history.splitlines() if ln.startswith("│ 20")]
    assert [ln.split("│")[2].strip() for ln in lines] == ["SIF", "ILACS 18–22", "ILACS 23–26", "ILACS 2026"]
    # SIF "children looked after" under in care; the 2018-22 combined row starred; no 2026 overall
    assert "Inadequate" in lines[0].split("│")[5] and "RI*" in lines[1].split("│")[5]
    assert lines[3].split("│")[7].strip() == "none (2026)"
    rows = json.loads(run(reform_config, "Croydon", "--json").output)
    assert [r["framework"] for r in rows] == ["sif", "ilacs_2018", "ilacs_2023", "ilacs_2026", None]
    assert rows[3]["outcome"] == "no overall; worst Inadequate"


def test_judgement_rows_carry_their_framework(engine: Engine) -> None:
    from sqlalchemy import select

    from storage.models import Judgement
    from storage.ratings import current_ratings, judgement_history

    with session_scope(engine) as s:
        upsert_report(s, _graded("1", CROYDON, date(2024, 12, 6), "ilacs_2023",
                                 {"leaders": "Good", "overall": "Good"}))
        upsert_report(s, _graded("2", CROYDON, date(2026, 12, 1), "ilacs_2026", REFORM))
        rows = {(j.report.file_id, j.area): (j.grade, j.framework) for j in s.execute(select(Judgement)).scalars()}
        assert rows[("2", "help_and_protection")] == ("Inadequate", "ilacs_2026")
        assert rows[("1", "overall")] == ("Good", "ilacs_2023")
        assert ("2", "overall") not in rows
        rating = current_ratings(s)["E09000008"]
        assert rating.overall is None and rating.framework == "ilacs_2026"
        history = judgement_history(s, la_code="E09000008")
        assert [p.grade for p in history["leaders"]] == ["Good", RI]
        assert [p.framework for p in history["overall"]] == ["ilacs_2023"]


def test_document_la_name_is_matched_and_a_mismatch_noted(engine: Engine) -> None:
    from storage.reports import get_report

    with session_scope(engine) as s:
        upsert_report(s, _graded("1", CROYDON, date(2026, 12, 1), "ilacs_2026", REFORM,
                                 la_name="London Borough of Croydon"))
        upsert_report(s, _graded("2", CROYDON, date(2026, 12, 1), "ilacs_2026", REFORM, la_name="Lambeth"))
        upsert_report(s, _graded("3", CROYDON, date(2026, 12, 1), "ilacs_2026", REFORM, la_name="Narnia Borough"))
        upsert_report(s, _graded("4", "99999", date(2026, 12, 1), "ilacs_2026", REFORM, la_name="Croydon"))
        same, other, unknown, by_name = (get_report(s, f) for f in "1234")
        assert same is not None and other is not None and unknown is not None and by_name is not None
        assert same.la_code == "E09000008" and not same.parse_notes
        assert other.la_code == "E09000008"  # the URN decides; the mismatch is a note
        assert "document names 'Lambeth' (E09000022) but URN 80492 is E09000008" in (other.parse_notes or "")
        assert unknown.la_name == "Narnia Borough" and "does not know" in (unknown.parse_notes or "")
        assert by_name.la_code == "E09000008"  # URN unknown to the gazetteer: the document says who


def test_unreadable_pdf_is_retried(engine: Engine) -> None:
    with session_scope(engine) as s:
        upsert_report(s, _report("1", CROYDON, "focused_visit", date(2026, 11, 1), status="unreadable",
                                 error="no text layer in 2 page(s) (image-only PDF?)"))
        assert file_ids_done(s) == set()


@pytest.fixture
def northamptonshire_config(engine: Engine, db_url: str, tmp_path: Path) -> Path:
    """The county's 2019 report (its URN unknown here: matched by the name the document gives)
    and West Northamptonshire's 2026 one."""
    with session_scope(engine) as s:
        upsert_report(s, _graded("40000001", "80999", date(2019, 8, 2), "ilacs_2018",
                                 {"leaders": "Inadequate", "help_and_protection": "Inadequate",
                                  "in_care_and_care_leavers": "Inadequate", "care_leavers": "Not judged",
                                  "overall": "Inadequate"}, la_name="Northamptonshire County Council"))
        upsert_report(s, _graded("40000002", "2637548", date(2026, 12, 1), "ilacs_2026", REFORM,
                                 la_name="West Northamptonshire"))
    return _config(tmp_path, db_url)


def test_history_runs_across_a_reorganisation(northamptonshire_config: Path) -> None:
    """Northamptonshire's reports are part of West Northamptonshire's history, and the
    successor's rating is its own."""
    path = northamptonshire_config
    rows = json.loads(run(path, "West Northamptonshire", "--json").output)
    assert [r["file_id"] for r in rows] == ["40000001", "40000002"]
    assert rows[0]["la_name"] == "Northamptonshire County Council"
    assert [r["predecessor"] for r in rows] == ["Northamptonshire", None]
    table = CliRunner().invoke(cli, ["--config", str(path), "ratings", "West Northamptonshire"],
                               catch_exceptions=False, env={"COLUMNS": "250"}).output
    [county] = [line for line in table.splitlines() if "2019-08-02" in line and "ILACS 18–22" in line]
    assert "ILACS 18–22 (Northamptonshire)" in county  # marked as the county's, as on the dashboard
    assert "abolished" not in table
    current = {r["la"]: r for r in json.loads(run(path, "--json").output)}
    assert current["West Northamptonshire"]["file_id"] == "40000002"
    assert current["North Northamptonshire"]["judgements"] == {}  # not its predecessor's rating


def test_an_abolished_las_history_is_its_own_and_names_its_successors(engine: Engine,
                                                                      northamptonshire_config: Path) -> None:
    """``carewatch ratings Northamptonshire``: the county's own inspections, not North or West
    Northamptonshire's presented as its own, and a line pointing to the successors."""
    with session_scope(engine) as s:
        upsert_report(s, _graded("40000003", "2637539", date(2024, 3, 22), "ilacs_2023",
                                 {**REFORM, "overall": RI}, la_name="North Northamptonshire Council"))
    path = northamptonshire_config
    assert [r["file_id"] for r in json.loads(run(path, "Northamptonshire", "--json").output)] == ["40000001"]
    table = CliRunner().invoke(cli, ["--config", str(path), "ratings", "Northamptonshire"],
                               catch_exceptions=False, env={"COLUMNS": "250"}).output
    assert "Northamptonshire (URN ?): 1 Ofsted report(s)" in table
    assert "each judgement over 1 graded inspection(s)" in table
    assert "40000002" not in table and "40000003" not in table and "ILACS 2026" not in table
    assert ("Northamptonshire was abolished on 2021-04-01; its successors are North Northamptonshire and "
            "West Northamptonshire, whose histories start with its inspections "
            '(carewatch ratings "North Northamptonshire")') in " ".join(table.split())


# --------------------------------------------------------------------------- across frameworks

#: Croydon as SOURCES.md §2.2 and §2.4 word it: SIF 2017 (numbered judgements), then ILACS 2020
#: (one combined in care and care leavers row) and ILACS 2024 (the two judged apart)
CROYDON_SIF = {"overall": "Inadequate", "help_and_protection": "Inadequate",
               "looked_after_and_permanence": "Inadequate", "adoption": RI, "care_leavers": RI,
               "leadership": "Inadequate"}
CROYDON_ILACS_2020 = {"leaders": "Good", "help_and_protection": "Good", "in_care_and_care_leavers": RI,
                      "care_leavers": "Not judged", "overall": "Good"}
CROYDON_ILACS_2024 = {"leaders": "Good", "help_and_protection": RI, "in_care": "Good",
                      "care_leavers": "Good", "overall": "Good"}


@pytest.fixture
def sif_then_ilacs(engine: Engine) -> Engine:
    with session_scope(engine) as s:
        upsert_report(s, _graded("50263391", CROYDON, date(2024, 12, 6), "ilacs_2023", CROYDON_ILACS_2024))
        upsert_report(s, _graded("50000101", CROYDON, date(2017, 9, 4), "sif", CROYDON_SIF, report_type="sif"))
        upsert_report(s, _graded("50000106", CROYDON, date(2020, 3, 13), "ilacs_2018", CROYDON_ILACS_2020))
    return engine


def test_timeline_puts_a_sif_judgement_and_its_ilacs_like_on_one_row(sif_then_ilacs: Engine) -> None:
    from storage.gazetteer import by_code
    from storage.queries import la_timeline

    with session_scope(sif_then_ilacs) as s:
        timeline, _ = la_timeline(s, by_code("E09000008"))
    assert [i.file_id for i in timeline.inspections] == ["50000101", "50000106", "50263391"]
    # SIF "leadership, management and governance" is ILACS "leaders"; "children looked after" is "in care"
    assert timeline.grid["leaders"] == ("Inadequate", "Good", "Good")
    assert timeline.grid["in_care"] == ("Inadequate", None, "Good")
    assert "leadership" not in timeline.areas and "looked_after_and_permanence" not in timeline.areas
    assert timeline.kinds["in_care"] == ("looked_after_and_permanence", "in_care")
    # the 2018-22 combined row is a judgement of its own
    assert timeline.grid["in_care_and_care_leavers"] == (None, RI, None)


def test_change_from_the_previous_inspection_compares_across_frameworks(sif_then_ilacs: Engine) -> None:
    from storage.queries import report_by_file_id

    with session_scope(sif_then_ilacs) as s:
        ilacs_2020 = report_by_file_id(s, "50000106")
        ilacs_2024 = report_by_file_id(s, "50263391")
    assert ilacs_2020 is not None and ilacs_2024 is not None
    leaders = next(j for j in ilacs_2020.judgements if j.area == "leaders")
    assert (leaders.previous, leaders.change) == ("Inadequate", "better")  # SIF leadership: Inadequate
    by_area = {j.area: j for j in ilacs_2024.judgements}
    # in care: the last inspection that judged it is SIF's "children looked after" (2020's row was combined)
    assert (by_area["in_care"].previous, by_area["in_care"].change) == ("Inadequate", "better")
    # care leavers "Not judged" in 2020 is no grade: compared with SIF's care leavers
    assert (by_area["care_leavers"].previous, by_area["care_leavers"].change) == (RI, "better")
    assert (by_area["leaders"].previous, by_area["leaders"].change) == ("Good", "same")
