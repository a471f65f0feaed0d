"""An alert email and the dashboard say the same "was" for every judgement of a new report.

Croydon: SIF 2017 judged "children looked after and achieving permanence" and care leavers
Inadequate; the ILACS 2020 report had only the combined "children in care and care leavers"
row; a new ILACS report (the 2026 framework, published today, so alerted) judges children in
care and care leavers apart. The dashboard compares each of its judgements with the last earlier
grade of that judgement, SIF 2017's for those two: so must the email, received through the real
SMTP path, and the LA timeline.
"""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from scheduler.alerts import run_matcher
from scheduler.config import load_config
from scheduler.dispatcher import dispatch_due
from scheduler.webserver import web_settings
from storage.db import session_scope
from storage.judgements import JUDGEMENT_NAMES
from storage.reports import ReportInput, upsert_report
from tests.fixtures_smtp import Received, SmtpServer
from web.app import create_app

TEAM = "team@example.org"
CROYDON_URN = "80492"
INADEQUATE, RI, GOOD = "Inadequate", "Requires improvement to be good", "Good"

SIF_2017 = ("50000101", "sif", "sif", date(2017, 9, 4), {
    "overall": INADEQUATE, "help_and_protection": INADEQUATE, "looked_after_and_permanence": INADEQUATE,
    "adoption": RI, "care_leavers": INADEQUATE, "leadership": INADEQUATE})
ILACS_2020 = ("50000106", "ilacs_standard", "ilacs_2018", date(2020, 3, 6), {
    "overall": GOOD, "leaders": GOOD, "help_and_protection": GOOD, "in_care_and_care_leavers": GOOD})
NEW_ILACS = ("50310001", "ilacs_standard", "ilacs_2026", date.today(), {
    "leaders": GOOD, "help_and_protection": GOOD, "in_care": GOOD, "care_leavers": RI})


Stored = tuple[str, str, str, date, dict[str, str]]


def store(engine: Engine, report: Stored, *, baseline: bool, urn: str = CROYDON_URN, la_name: str = "Croydon") -> None:
    file_id, report_type, framework, published, judgements = report
    with session_scope(engine) as session:
        upsert_report(session, ReportInput(
            urn=urn, file_id=file_id, label=f"Children's services inspection, pdf - {published:%d %B %Y}",
            provider_name=la_name, la_name=la_name, report_type=report_type, framework=framework,
            published_on=published, judgements=judgements, overall_grade=judgements.get("overall"), graded=True,
            pdf_status="ok", fetched=True, baseline=baseline, file_url=f"https://files.ofsted.gov.uk/v1/file/{file_id}"))


def emailed_was(body: str) -> dict[str, str | None]:
    """Judgement kind -> the grade the email says it was (None: no "was"), from its plain text."""
    kinds = {name: kind for kind, name in JUDGEMENT_NAMES.items()}
    out: dict[str, str | None] = {}
    for line in body.splitlines():
        m = re.fullmatch(r"\s+(.+?): (.+?)(?: \(was (.+)\))?", line)
        if m and m[1] in kinds:
            out[kinds[m[1]]] = m[3]
    return out


def alert_and_dashboard(config_path: Path, engine: Engine, smtp_server: SmtpServer, file_id: str,
                        la_slug: str) -> tuple[Received, dict[str, str | None], dict[str, str | None], Any]:
    """Match and send what is pending; the one email received, what it says each judgement was,
    what the report's dashboard page says each was (None: no change shown), the LA's timeline."""
    config = load_config(config_path)
    run_matcher(engine, config)
    deadline = time.monotonic() + 15
    while not smtp_server.messages and time.monotonic() < deadline:
        dispatch_due(engine, config)
        time.sleep(0.2)
    [message] = smtp_server.wait_for(1)
    with TestClient(create_app(web_settings(config))) as client:
        page = client.get(f"/report/{file_id}?format=json").json()
        timeline = client.get(f"/la/{la_slug}?format=json").json()["timeline"]
    shown = {j["area"]: j["previous"] if j["change"] not in ("same", "new") else None for j in page["judgements"]}
    return message, emailed_was(message.part("plain")), shown, timeline


@pytest.fixture
def config_path(db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> Path:
    path = tmp_path / "carewatch.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n' + smtp_server.mail_toml()
                    + f'[operator]\nemail = "{TEAM}"\n\n[web]\nport = 0\n', encoding="utf-8")
    return path


def test_the_alert_email_and_the_dashboard_say_the_same_was(
    engine: Engine, config_path: Path, smtp_server: SmtpServer,
) -> None:
    store(engine, SIF_2017, baseline=True)
    store(engine, ILACS_2020, baseline=True)
    store(engine, NEW_ILACS, baseline=False)
    message, emailed, shown, timeline = alert_and_dashboard(config_path, engine, smtp_server, "50310001", "croydon")

    assert emailed == shown, (emailed, shown)
    assert emailed["in_care"] == INADEQUATE and emailed["care_leavers"] == INADEQUATE  # SIF 2017's
    assert "(was Inadequate)" in message.subject
    assert "with the latest earlier inspection that graded each (ILACS 2018–22, SIF)" in message.part("plain")
    column = [i["file_id"] for i in timeline["inspections"]].index("50310001")
    assert timeline["previous"]["in_care"][column] == INADEQUATE
    assert timeline["previous"]["care_leavers"][column] == INADEQUATE


#: Northamptonshire's last ILACS (2018-22: one combined in care and care leavers row)
NORTHANTS_2019 = ("50130001", "ilacs_standard", "ilacs_2018", date(2019, 8, 2), {
    "leaders": INADEQUATE, "help_and_protection": INADEQUATE, "in_care_and_care_leavers": INADEQUATE,
    "care_leavers": "Not judged", "overall": INADEQUATE})
NORTH_NORTHANTS_NEW = ("50310002", "ilacs_standard", "ilacs_2026", date.today(), {
    "leaders": RI, "help_and_protection": RI, "in_care": RI, "care_leavers": GOOD})


def store_northamptonshire_then_its_successor(engine: Engine) -> None:
    """Northamptonshire's last ILACS (stored, not alerted), then North Northamptonshire's first."""
    store(engine, NORTHANTS_2019, baseline=True, urn="80999", la_name="Northamptonshire County Council")
    store(engine, NORTH_NORTHANTS_NEW, baseline=False, urn="2637539", la_name="North Northamptonshire Council")


def test_a_successors_alert_and_its_dashboard_page_compare_with_the_predecessors_last_inspection(
    engine: Engine, config_path: Path, smtp_server: SmtpServer,
) -> None:
    store_northamptonshire_then_its_successor(engine)
    _, emailed, shown, _ = alert_and_dashboard(config_path, engine, smtp_server, "50310002", "north-northamptonshire")

    assert emailed == shown, (emailed, shown)
    assert emailed == {"leaders": INADEQUATE, "help_and_protection": INADEQUATE, "in_care": None,
                       "care_leavers": None}


def test_a_successors_alert_says_whose_inspection_its_was_grades_are_from(
    engine: Engine, config_path: Path, smtp_server: SmtpServer,
) -> None:
    store_northamptonshire_then_its_successor(engine)
    message, _, _, _ = alert_and_dashboard(config_path, engine, smtp_server, "50310002", "north-northamptonshire")

    assert ("Compared with the previous graded inspection (Northamptonshire's ILACS 2018–22), "
            "judgement by judgement.") in message.part("plain")
