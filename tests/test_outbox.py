"""Outbox: matching writes deliveries once; the dispatcher sends each exactly once (real SMTP)."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from scheduler.alerts import run_matcher
from scheduler.config import AppConfig, load_config
from scheduler.dispatcher import dispatch_due
from storage.db import make_engine, session_scope
from storage.models import Article, ArticleLA, Delivery, Judgement, Report
from storage.outbox import NewDelivery, add_deliveries, claim_next, release_digests
from storage.runs import finish_run, start_run
from tests.fixtures_smtp import SmtpServer

OP = "op@example.org"
_n = 0


def make_config(tmp_path: Path, smtp: SmtpServer, extra: str = "") -> AppConfig:
    path = tmp_path / "carewatch.toml"
    path.write_text(smtp.mail_toml() + f'[operator]\nemail = "{OP}"\nfailing_after = 3\n' + extra)
    return load_config(path)


def add_report(engine: Engine, *, la: str = "E09000008", grade: str | None = None, state: str = "pending",
               report_type: str = "ilacs_standard", published: date | None = date(2026, 11, 27),
               label: str = "Children's services inspection") -> int:
    global _n
    _n += 1
    with session_scope(engine) as s:
        r = Report(file_id=f"f{_n}", urn="80492", la_code=la, report_type=report_type, label=label,
                   published_on=published, overall_grade=grade, alert_state=state,
                   file_url=f"https://files.ofsted.gov.uk/v1/file/{_n}",
                   judgements=[Judgement(area="overall", grade=grade)] if grade else [])
        s.add(r)
        s.flush()
        return r.id


def add_article(engine: Engine, title: str, *, las: tuple[str, ...] = ("E09000008",), state: str = "pending",
                duplicate_of: int | None = None, source: str = "communitycare") -> int:
    global _n
    _n += 1
    with session_scope(engine) as s:
        a = Article(source=source, canonical_url=f"https://www.communitycare.co.uk/a/{_n}", title=title,
                    body=f"Body of {title}.", body_hash=f"h{_n}", alert_state=state, duplicate_of_id=duplicate_of)
        s.add(a)
        s.flush()
        for code in las:
            s.add(ArticleLA(article_id=a.id, la_code=code))
        return a.id


def deliveries(engine: Engine) -> list[Delivery]:
    with session_scope(engine) as s:
        return list(s.execute(select(Delivery).order_by(Delivery.id)).scalars())


def drain(engine: Engine, config: AppConfig, *, until: float = 10.0) -> None:
    """Dispatch until nothing is pending (retries included) or ``until`` seconds pass."""
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        dispatch_due(engine, config)
        if not any(d.status in ("pending", "sending") for d in deliveries(engine)):
            return
        time.sleep(0.2)


def test_new_report_is_one_email_with_both_parts(engine: Engine, smtp_server: SmtpServer, tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server)
    add_report(engine, grade="Requires improvement to be good", published=date(2022, 5, 1), state="done")
    add_report(engine, grade="Inadequate")
    add_report(engine, grade="Good", state="baseline")  # first crawl: stored, never alerted
    run_matcher(engine, config)
    run_matcher(engine, config)  # a second pass finds nothing new
    drain(engine, config)
    msgs = smtp_server.wait_for(1)
    time.sleep(0.2)
    assert len(smtp_server.messages) == 1
    m = msgs[0]
    assert m.rcpt_tos == [OP]
    assert m.subject == "Ofsted: Croydon — ILACS inspection — Overall: Inadequate (was Requires improvement)"
    assert "Overall effectiveness: Inadequate" in m.part("plain")
    assert "<b>Inadequate</b>" in m.part("html")
    [d] = deliveries(engine)
    assert d.status == "sent" and d.message_id == m.message["Message-ID"] == f"<carewatch.delivery-{d.id}@example.org>"
    # re-crawl of the same report: nothing new to match, nothing sent
    run_matcher(engine, config)
    dispatch_due(engine, config)
    assert len(smtp_server.messages) == 1


def test_undated_report_is_compared_with_the_latest_dated_one(engine: Engine, smtp_server: SmtpServer,
                                                             tmp_path: Path) -> None:
    # "was …" names the grade of the latest dated inspection before it; an undated report
    # sorts after the dated ones (PostgreSQL put it first: NULLs are high there)
    config = make_config(tmp_path, smtp_server)
    add_report(engine, grade="Good", published=date(2018, 3, 1), state="done")
    add_report(engine, grade="Requires improvement to be good", published=date(2022, 5, 1), state="done")
    add_report(engine, grade="Outstanding", published=None, state="done")
    add_report(engine, grade="Inadequate", published=None)
    run_matcher(engine, config)
    drain(engine, config)
    [m] = smtp_server.wait_for(1)
    assert m.subject.endswith("Overall: Inadequate (was Requires improvement)")


def test_duplicates_and_suppressed_never_match(engine: Engine, smtp_server: SmtpServer, tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server, '[rules.news]\nitem = "article"\n')
    original = add_article(engine, "Original")
    add_article(engine, "Syndicated copy", duplicate_of=original)
    add_article(engine, "Suppressed", state="suppressed")
    run_matcher(engine, config)
    assert [(d.item_id, d.rule) for d in deliveries(engine)] == [(original, "news")]


def test_matcher_counts_the_deliveries_it_queued(engine: Engine, smtp_server: SmtpServer, tmp_path: Path) -> None:
    # the count was -1 per delivery on PostgreSQL (an ORM INSERT's rowcount)
    config = make_config(tmp_path, smtp_server, '[rules.news]\nitem = "article"\n'
                         'recipients = ["a@example.org", "b@example.org"]\n')
    for i in range(3):
        add_article(engine, f"Story {i}")
    summary = run_matcher(engine, config)
    assert (summary.items, summary.deliveries) == (3, 6)
    assert run_matcher(engine, config).deliveries == 0
    assert len(deliveries(engine)) == 6


def test_smtp_down_then_up_every_alert_exactly_once(engine: Engine, smtp_server: SmtpServer,
                                                    tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server, '[rules.news]\nitem = "article"\nrecipients = ["a@example.org"]\n')
    smtp_server.stop()
    ids = [add_article(engine, f"Story {i}") for i in range(3)]
    run_matcher(engine, config)
    s = dispatch_due(engine, config)
    assert s.sent == 0 and s.retried == 1  # connection refused: one try, the rest wait
    ids += [add_article(engine, f"Story {i}") for i in range(3, 5)]
    run_matcher(engine, config)
    dispatch_due(engine, config)
    assert all(d.status == "pending" for d in deliveries(engine))
    smtp_server.start()
    drain(engine, config)
    time.sleep(0.3)
    subjects = sorted(m.subject for m in smtp_server.messages)
    assert subjects == sorted(f"News: Croydon — Story {i} — Community Care" for i in range(5))
    assert all(d.status == "sent" for d in deliveries(engine))


def test_451_is_retried_then_sent(engine: Engine, smtp_server: SmtpServer, tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server)
    add_report(engine, report_type="focused_visit")
    run_matcher(engine, config)
    smtp_server.respond("451 4.3.0 try again later")
    assert dispatch_due(engine, config).retried == 1
    [d] = deliveries(engine)
    assert d.status == "pending" and "451" in (d.last_error or "")
    drain(engine, config)
    assert len(smtp_server.wait_for(1)) == 1
    [d] = deliveries(engine)
    assert (d.status, d.attempts) == ("sent", 2)


def test_550_is_dead_operator_told_others_still_sent(engine: Engine, smtp_server: SmtpServer,
                                                     tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server,
                         '[rules.team]\nitem = "report"\nrecipients = ["bad@example.org", "good@example.org"]\n'
                         '[rules.ofsted_reports]\nenabled = false\n')
    smtp_server.reject_recipient("bad@example.org", "550 5.1.1 mailbox unavailable")
    add_report(engine, report_type="jtai")
    run_matcher(engine, config)
    drain(engine, config)
    msgs = smtp_server.wait_for(2)
    by_rcpt = {m.rcpt_tos[0]: m for m in msgs}
    assert set(by_rcpt) == {"good@example.org", OP}
    assert "could not be delivered" in by_rcpt[OP].subject and "bad@example.org" in by_rcpt[OP].subject
    status = {d.recipient: d.status for d in deliveries(engine)}
    assert status == {"bad@example.org": "dead", "good@example.org": "sent", OP: "sent"}
    dispatch_due(engine, config)
    assert len(smtp_server.messages) == 2  # no retry loop


def test_an_alert_whose_report_was_deleted_is_dead_and_the_operator_told(engine: Engine, smtp_server: SmtpServer,
                                                                        tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server,
                         '[rules.team]\nitem = "report"\nrecipients = ["team@example.org"]\n'
                         '[rules.ofsted_reports]\nenabled = false\n')
    report_id = add_report(engine)
    run_matcher(engine, config)
    with session_scope(engine) as s:
        s.delete(s.get(Report, report_id))
    drain(engine, config)
    [note] = smtp_server.wait_for(1)
    assert note.rcpt_tos == [OP] and "could not be delivered" in note.subject
    alert = next(d for d in deliveries(engine) if d.recipient == "team@example.org")
    assert alert.status == "dead" and f"cannot render: report {report_id} is gone" in (alert.last_error or "")


def test_flood_cap_sends_one_digest(engine: Engine, smtp_server: SmtpServer, tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server, '[service]\nflood_cap = 3\n'
                         '[rules.news]\nitem = "article"\nrecipients = ["a@example.org"]\n')
    for i in range(6):
        add_article(engine, f"Bulk {i}", las=("E09000008",) if i % 2 else ("E09000022",))
    run_matcher(engine, config)
    drain(engine, config)
    time.sleep(0.3)
    to_a = [m for m in smtp_server.messages if m.rcpt_tos == ["a@example.org"]]
    to_op = [m for m in smtp_server.messages if m.rcpt_tos == [OP]]
    assert len(to_a) == 1 and "6 new items" in to_a[0].subject
    html = to_a[0].part("html")
    assert html.index("<h2>Croydon</h2>") < html.index("<h2>Lambeth</h2>")
    assert len(to_op) == 1 and "sent as one digest" in to_op[0].subject


def test_digest_waits_for_its_time_then_goes_as_one(engine: Engine, smtp_server: SmtpServer,
                                                    tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server, '[rules.daily]\nitem = "article"\ndelivery = "digest"\n'
                         'digest_at = "07:30"\nrecipients = ["a@example.org"]\n')
    add_article(engine, "One")
    add_article(engine, "Two", las=("E10000016",))
    run_matcher(engine, config)
    dispatch_due(engine, config)
    assert smtp_server.messages == []
    with session_scope(engine) as s:
        assert release_digests(s, ["daily"], label="2026-11-30-07:30") == 2
    drain(engine, config)
    [m] = smtp_server.wait_for(1)
    assert "daily digest: 2 new items" in m.subject and "Croydon" in m.subject and "Kent" in m.subject


@pytest.mark.parametrize("manual", [False, True])
def test_source_failing_once_then_recovered_once(engine: Engine, smtp_server: SmtpServer, tmp_path: Path,
                                                 manual: Any) -> None:
    config = make_config(tmp_path, smtp_server)

    def crawl(status: str) -> None:
        with session_scope(engine) as s:
            run = start_run(s, "croydon", trigger="manual" if manual else "scheduled")
            finish_run(s, run.id, status=status, error=None if status == "ok" else "boom")
        run_matcher(engine, config)
        dispatch_due(engine, config)

    for _ in range(5):
        crawl("failed")
    crawl("ok")
    crawl("ok")
    msgs = smtp_server.wait_for(2)
    time.sleep(0.2)
    assert [m.subject for m in smtp_server.messages] == [
        msgs[0].subject, "carewatch: source croydon recovered"]
    assert msgs[0].subject.startswith("carewatch: source croydon failing since")


def test_hostile_title_arrives_as_one_clean_subject(engine: Engine, smtp_server: SmtpServer,
                                                    tmp_path: Path) -> None:
    config = make_config(tmp_path, smtp_server, '[rules.news]\nitem = "article"\nrecipients = ["a@example.org"]\n')
    add_article(engine, "Report\r\nBcc: evil@example.com <script>alert(1)</script>")
    run_matcher(engine, config)
    drain(engine, config)
    [m] = smtp_server.wait_for(1)
    assert m.rcpt_tos == ["a@example.org"]  # no smuggled Bcc recipient
    assert m.message["Bcc"] is None
    assert m.subject == "News: Croydon — Report Bcc: evil@example.com <script>alert(1)</script> — Community Care"
    html = m.part("html")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_two_dispatchers_on_one_outbox_send_nothing_twice(engine: Engine, db_url: str, smtp_server: SmtpServer,
                                                          tmp_path: Path) -> None:
    # two services (or a service and `carewatch alerts send`) draining the same outbox at once
    config = make_config(tmp_path, smtp_server, '[service]\nflood_cap = 1000\n'
                         '[rules.news]\nitem = "article"\nrecipients = ["a@example.org", "b@example.org"]\n')
    for i in range(30):
        add_article(engine, f"Story {i}")
    run_matcher(engine, config)
    assert len(deliveries(engine)) == 60
    start = threading.Barrier(2)
    sent: list[int] = []

    def dispatcher() -> None:
        own = make_engine(db_url)  # its own connections, as another process would have
        try:
            start.wait(timeout=30)
            while (summary := dispatch_due(own, config)).sent:
                sent.append(summary.sent)
        finally:
            own.dispose()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    smtp_server.wait_for(60)
    time.sleep(0.3)
    received = sorted((m.rcpt_tos[0], m.subject) for m in smtp_server.messages)
    assert received == sorted((rcpt, f"News: Croydon — Story {i} — Community Care")
                              for i in range(30) for rcpt in ("a@example.org", "b@example.org"))
    assert sum(sent) == 60
    assert {d.status for d in deliveries(engine)} == {"sent"}



def _claim_at_once(engines: list[Engine]) -> list[int]:
    """How many rows each engine's claim got, all claiming at the same moment."""
    start = threading.Barrier(len(engines))
    claimed: list[int] = []

    def claim(own: Engine) -> None:
        start.wait(timeout=30)
        with session_scope(own) as s:
            claimed.append(len(claim_next(s)))

    threads = [threading.Thread(target=claim, args=(own,)) for own in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return claimed


def test_two_dispatchers_claiming_at_once_never_split_a_digest(engine: Engine, db_url: str,
                                                              tmp_path: Path, smtp_server: SmtpServer) -> None:
    # a digest of ten items, released for two dispatchers that claim at the same moment: one
    # claims all ten rows, the other none (it was 9 + 1 on PostgreSQL: two digests, split)
    config = make_config(tmp_path, smtp_server, '[rules.daily]\nitem = "article"\ndelivery = "digest"\n'
                         'digest_at = "07:30"\nrecipients = ["a@example.org"]\n')
    engines = [make_engine(db_url) for _ in range(2)]
    try:
        for day in range(1, 11):
            for i in range(10):
                add_article(engine, f"Story {day}.{i}")
            run_matcher(engine, config)
            with session_scope(engine) as s:
                assert release_digests(s, ["daily"], label=f"2026-11-{day:02}-07:30") == 10
            assert sorted(_claim_at_once(engines)) == [0, 10], f"day {day}"
            with session_scope(engine) as s:
                s.execute(update(Delivery).values(status="sent"))
    finally:
        for own in engines:
            own.dispose()


def test_a_digest_for_a_long_rule_name_and_address_is_queued_and_claimed(engine: Engine) -> None:
    # the batch key joins rule, time and address: it outgrew its VARCHAR(256) on PostgreSQL
    rule = "croydon_and_sutton_childrens_services_news_for_the_safeguarding_partnership_" * 2
    recipient = "safeguarding.partnership.business.unit." + "x" * 25 + "@" + "children.example.org" * 10
    with session_scope(engine) as s:
        assert add_deliveries(s, [NewDelivery(rule=rule, item_kind="article", item_id=i, recipient=recipient,
                                              mode="digest") for i in (1, 2)]) == 2
    with session_scope(engine) as s:
        assert release_digests(s, [rule], label="2026-11-30-07:30") == 2
    with session_scope(engine) as s:
        rows = claim_next(s)
        assert [(r.rule, r.recipient, r.item_id) for r in rows] == [(rule, recipient, 1), (rule, recipient, 2)]
        assert rows[0].batch == f"digest:2026-11-30-07:30:{recipient}"
