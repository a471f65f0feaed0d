"""End to end against the Ofsted replica: a new ILACS report after the April 2026 reform for
Croydon is crawled, matched and sent as exactly one email (real SMTP on loopback) whose
subject carries its judgements and what changed since the 2024 inspection."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from scheduler.alerts import run_matcher
from scheduler.config import load_config
from scheduler.dispatcher import dispatch_due
from storage.models import Delivery, Report
from tests.fixtures_crawl import CrawlEnv
from tests.fixtures_smtp import SmtpServer

pytestmark = pytest.mark.timeout(180)

SETTINGS = {"CAREWATCH_OFSTED_MIN_PROVIDERS": "3", "CAREWATCH_BACKOFF_BASE": "0.05",
            "CAREWATCH_BACKOFF_MAX": "0.2"}
TEAM = "team@example.org"


@pytest.fixture
def env(crawler_env: CrawlEnv, smtp_server: SmtpServer) -> Iterator[CrawlEnv]:
    crawler_env.write_config(smtp_server.mail_toml() + f'\n[operator]\nemail = "{TEAM}"\n')
    text = crawler_env.config_path.read_text(encoding="utf-8")
    crawler_env.config_path.write_text(
        text.replace("[sources.ofsted]\n", "[sources.ofsted]\ndownload_delay = 0\n"), encoding="utf-8")
    crawler_env.mock.set_scenario("ofsted_small")
    yield crawler_env


def crawl(env: CrawlEnv) -> None:
    proc = env.crawl("ofsted", settings=SETTINGS)
    assert proc.returncode == 0, proc.stderr[-4000:]


def send_all(env: CrawlEnv) -> None:
    config = load_config(env.config_path)
    run_matcher(env.engine, config)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        dispatch_due(env.engine, config)
        with Session(env.engine) as s:
            if not s.execute(select(Delivery).where(Delivery.status.in_(("pending", "sending")))).first():
                return
        time.sleep(0.2)


def test_new_2026_ilacs_report_is_one_email_with_its_judgements(env: CrawlEnv, smtp_server: SmtpServer) -> None:
    crawl(env)  # baseline: every report stored, none alerted
    send_all(env)
    assert smtp_server.messages == []

    env.mock.set_scenario("ofsted_new_ilacs_2026")
    crawl(env)
    with Session(env.engine) as s:
        new = s.execute(select(Report).where(Report.file_id == "50310001")
                        .options(selectinload(Report.judgements))).scalar_one()
        assert new.framework == "ilacs_2026" and new.overall_grade is None
        assert {j.area: (j.grade, j.framework) for j in new.judgements} == {
            "leaders": ("Requires improvement to be good", "ilacs_2026"),
            "help_and_protection": ("Inadequate", "ilacs_2026"),
            "in_care": ("Good", "ilacs_2026"), "care_leavers": ("Good", "ilacs_2026")}
        assert new.la_name == "Croydon" and new.lead_inspector == "Marion Fixture"
        assert "no overall" not in (new.parse_notes or "")
    send_all(env)

    smtp_server.wait_for(1)
    time.sleep(0.3)
    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert msg.rcpt_tos == [TEAM]
    # worst first with what changed; the unchanged two summed up so that it fits 150 characters
    assert msg.subject == (
        "Ofsted: Croydon — ILACS 2026 — Help and protection: Inadequate (was Requires improvement); "
        "Leaders: Requires improvement (was Good); others: Good")
    assert "Overall" not in msg.subject
    body = msg.part("plain")
    assert "Care leavers: Good" in body and "no overall effectiveness judgement" in body
    assert "Compared with the previous graded inspection (ILACS 2023–26)" in body
    assert "Piccadilly Gate" not in body and "was previously judged inadequate" in body


def test_unknown_framework_is_alerted_and_the_operator_told_once(
    engine: Engine, db_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    from datetime import date

    from storage.db import session_scope
    from storage.models import OperatorEvent
    from storage.reports import ReportInput, upsert_report

    path = tmp_path / "carewatch.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n' + smtp_server.mail_toml()
                    + f'[operator]\nemail = "{TEAM}"\n', encoding="utf-8")
    config = load_config(path)
    rows = {"how_well_leaders_make_difference_for_children_families": "Good",
            "children_who_need_protection": "Inadequate"}

    def add(file_id: str) -> None:
        with session_scope(engine) as s:
            upsert_report(s, ReportInput(
                urn="80492", file_id=file_id, label="Children's services inspection, pdf - 1 December 2026",
                report_type="ilacs_standard", framework="framework_unknown", published_on=date.today(),
                judgements=rows, graded=True, pdf_status="ok", fetched=True,
                file_url=f"https://files.ofsted.gov.uk/v1/file/{file_id}"))

    add("50400001")
    run_matcher(engine, config)
    add("50400002")
    run_matcher(engine, config)
    with Session(engine) as s:
        notes = s.execute(select(OperatorEvent).where(OperatorEvent.kind == "framework_unknown")).scalars().all()
        assert len(notes) == 1 and "50400001" in notes[0].body
        alerts = s.execute(select(Delivery).where(Delivery.rule == "ofsted_reports")).scalars().all()
        assert sorted(d.item_id for d in alerts) == [1, 2]  # both reports alerted
    deadline = time.monotonic() + 15
    while len(smtp_server.messages) < 3 and time.monotonic() < deadline:
        dispatch_due(engine, config)
        time.sleep(0.2)
    subjects = sorted(m.subject for m in smtp_server.messages)
    assert len(subjects) == 3
    assert any(s.startswith("Ofsted: Croydon — ILACS inspection (new framework?) — Children who need "
                            "protection: Inadequate; How well leaders") for s in subjects)
    assert sum("new framework?" in s for s in subjects) == 2
    assert sum("framework carewatch does not know" in s for s in subjects) == 1
