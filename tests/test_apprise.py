"""Apprise recipients (``json://``, ``msteams://``, ``slack://``…) through the same outbox as email.

Apprise posts to a real HTTP receiver on 127.0.0.1; the outbox's guarantees hold for it:
one delivery per rule x item x recipient, retried with backoff when the receiver fails, sent once.
"""

from __future__ import annotations

import json
import mailbox
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from crawler.config import ConfigError
from scheduler.alerts import run_matcher
from scheduler.config import AppConfig, load_config
from scheduler.dispatcher import dispatch_due
from storage.db import session_scope
from storage.models import Delivery, Judgement, Report
from storage.types import utcnow


@dataclass
class Receiver:
    url: str
    posts: list[dict[str, object]] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if state.status == 200:
                state.posts.append({"path": self.path, **json.loads(body)})
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"json://127.0.0.1:{server.server_address[1]}/hooks/carewatch"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def config_for(tmp_path: Path, recipients: list[str]) -> AppConfig:
    path = tmp_path / "carewatch.toml"
    path.write_text(
        f'[mail]\nmaildir = "{tmp_path / "maildir"}"\nretry_base_seconds = 1\n\n'
        '[operator]\nemail = "op@example.org"\n\n'
        f'[rules.croydon_reports]\nitem = "report"\nlas = ["Croydon"]\nrecipients = {json.dumps(recipients)}\n',
        encoding="utf-8")
    return load_config(path)


def add_report(engine: Engine) -> int:
    with session_scope(engine) as s:
        report = Report(file_id="70001", urn="80492", la_code="E09000008", report_type="ilacs_standard",
                        framework="ILACS", label="Children's services inspection", published_on=date.today(),
                        overall_grade="Inadequate", graded=True, alert_state="pending",
                        file_url="https://files.ofsted.gov.uk/v1/file/70001",
                        judgements=[Judgement(area="overall", grade="Inadequate", framework="ILACS")])
        s.add(report)
        s.flush()
        return report.id


def deliveries(engine: Engine) -> list[Delivery]:
    with session_scope(engine) as s:
        return list(s.execute(select(Delivery).where(Delivery.rule == "croydon_reports").order_by(Delivery.id)).scalars())


def test_a_new_report_is_posted_once_to_the_apprise_url_and_emailed(engine: Engine, receiver: Receiver,
                                                                     tmp_path: Path) -> None:
    config = config_for(tmp_path, [receiver.url, "team@example.org"])
    add_report(engine)
    run_matcher(engine, config)
    dispatch_due(engine, config)
    assert len(receiver.posts) == 1
    post = receiver.posts[0]
    assert post["path"] == "/hooks/carewatch"
    assert "Croydon" in str(post["title"]) and "Inadequate" in str(post["title"])
    assert "https://files.ofsted.gov.uk/v1/file/70001" in str(post["message"])
    assert {d.recipient: d.status for d in deliveries(engine)} == {receiver.url: "sent", "team@example.org": "sent"}
    mailed = [mailbox.Maildir(tmp_path / "maildir")[k]["To"] for k in mailbox.Maildir(tmp_path / "maildir").keys()]
    assert mailed.count("team@example.org") == 1  # the email went its own way
    run_matcher(engine, config)
    dispatch_due(engine, config)
    assert len(receiver.posts) == 1  # matched once, sent once


def test_a_failing_receiver_is_retried_with_backoff_then_sent_once(engine: Engine, receiver: Receiver,
                                                                   tmp_path: Path) -> None:
    config = config_for(tmp_path, [receiver.url])
    add_report(engine)
    run_matcher(engine, config)
    receiver.status = 503
    dispatch_due(engine, config)
    [row] = deliveries(engine)
    assert row.status == "pending" and row.attempts == 1 and "Apprise post" in (row.last_error or "")
    assert row.next_attempt_at > utcnow()
    assert "hooks/carewatch" not in (row.last_error or "")  # the URL's path and tokens stay out of errors
    dispatch_due(engine, config)
    assert deliveries(engine)[0].attempts == 1  # not due yet: nothing sent again
    receiver.status = 200
    with session_scope(engine) as s:
        s.execute(update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    dispatch_due(engine, config)
    assert len(receiver.posts) == 1 and deliveries(engine)[0].status == "sent"


def test_an_apprise_url_apprise_cannot_use_is_dead_and_the_operator_told(engine: Engine, tmp_path: Path) -> None:
    config = config_for(tmp_path, ["nosuchservice://token/abc"])
    add_report(engine)
    run_matcher(engine, config)
    dispatch_due(engine, config)
    [row] = deliveries(engine)
    assert row.status == "dead" and "not an Apprise URL" in (row.last_error or "")


@pytest.mark.parametrize("recipient", ["msteams://team/tokenA/tokenB/tokenC", "slack://T1/B2/C3",
                                       "json://hooks.example.org/carewatch"])
def test_rules_accept_apprise_urls_beside_email_addresses(tmp_path: Path, recipient: str) -> None:
    config = config_for(tmp_path, [recipient, "team@example.org"])
    assert config.rules["croydon_reports"].recipients == (recipient, "team@example.org")


def test_a_recipient_that_is_neither_email_nor_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not an email address or an Apprise URL"):
        config_for(tmp_path, ["team at example"])
