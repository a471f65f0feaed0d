"""Notifiers against real local servers; ``carewatch alerts test`` and ``alerts list``."""

from __future__ import annotations

import datetime as dt
import email.utils
import mailbox
import socket
import ssl
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from scheduler.cli import main
from scheduler.config import MailConfig
from scheduler.errors import NotifierError
from scheduler.notifiers import Notifier, build_notifier
from tests.fixtures_smtp import SmtpServer, _free_port, _Handler


def _msg(to: str = "u@example.org") -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "cw@example.org", to, "hello"
    m.set_content("body")
    return m


def test_registry_lists_kinds() -> None:
    assert {"smtp", "maildir"} <= set(Notifier.registry)
    assert build_notifier(MailConfig()).kind == "maildir"
    assert build_notifier(MailConfig(smtp_host="127.0.0.1")).kind == "smtp"


def test_maildir_is_the_default(tmp_path: Path) -> None:
    with build_notifier(MailConfig(maildir=str(tmp_path / "data" / "md"))) as n:
        n.send(_msg())
    [stored] = list(mailbox.Maildir(tmp_path / "data" / "md"))
    assert stored["Subject"] == "hello"


def test_smtp_codes_are_classified(smtp_server: SmtpServer) -> None:
    mail = MailConfig(smtp_host="127.0.0.1", smtp_port=smtp_server.port, security="none", timeout=5)
    smtp_server.respond("451 4.3.0 later", "550 5.7.1 no")
    with build_notifier(mail) as n:
        with pytest.raises(NotifierError, match="451") as temp:
            n.send(_msg())
        assert temp.value.temporary and not temp.value.connection
        with pytest.raises(NotifierError, match="550") as perm:
            n.send(_msg())
        assert not perm.value.temporary
        n.send(_msg())  # the same connection still works
    assert len(smtp_server.messages) == 1
    smtp_server.stop()
    with build_notifier(mail) as n, pytest.raises(NotifierError) as down:
        n.send(_msg())
    assert down.value.temporary and down.value.connection


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never says a word (E8)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(sock.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield sock.getsockname()[1]
    stop.set()
    t.join()
    for c in conns:
        c.close()
    sock.close()


def test_smtp_timeout_is_temporary(silent_server: int) -> None:
    mail = MailConfig(smtp_host="127.0.0.1", smtp_port=silent_server, security="none", timeout=0.5)
    with build_notifier(mail) as n, pytest.raises(NotifierError, match="timed out") as err:
        n.send(_msg())
    assert err.value.temporary


def _self_signed(tmp_path: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    return ctx


def test_starttls_with_self_signed_certificate_is_refused(tmp_path: Path) -> None:
    server = SmtpServer()
    port = _free_port()
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=port, tls_context=_self_signed(tmp_path))
    controller.start()
    try:
        mail = MailConfig(smtp_host="127.0.0.1", smtp_port=port, security="starttls", timeout=5)
        with build_notifier(mail) as n, pytest.raises(NotifierError, match="TLS|certificate") as err:
            n.send(_msg())
        assert err.value.temporary  # kept pending; the delivery goes dead after give_up_hours
        assert server.messages == []
    finally:
        controller.stop()


def _cli(tmp_path: Path, text: str, *args: str) -> tuple[int, str]:
    path = tmp_path / "carewatch.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cw.db"}"\n' + text)
    result = CliRunner().invoke(main, ["-c", str(path), *args])
    return result.exit_code, result.output


def test_alerts_test_sends_through_real_config(tmp_path: Path, smtp_server: SmtpServer) -> None:
    code, out = _cli(tmp_path, smtp_server.mail_toml() + '[operator]\nemail = "op@example.org"\n',
                     "alerts", "test", "ofsted_reports")
    assert code == 0, out
    [m] = smtp_server.wait_for(1)
    assert m.rcpt_tos == ["op@example.org"] and m.subject.startswith("[TEST] Ofsted: Croydon")
    assert m.part("html") and m.part("plain")


def test_alerts_test_reports_failure_honestly(tmp_path: Path, smtp_server: SmtpServer) -> None:
    smtp_server.stop()
    code, out = _cli(tmp_path, smtp_server.mail_toml(), "alerts", "test", "ofsted_reports")
    assert code == 1 and "Error: SMTP connection failed" in out
    code, out = _cli(tmp_path, "", "alerts", "test", "nosuch")
    assert code == 1 and "no rule 'nosuch'" in out


def test_alerts_list_shows_rules(tmp_path: Path) -> None:
    rules = ('[rules.daily]\nitem = "article"\nregions = ["London"]\ndelivery = "digest"\n'
             'digest_at = "07:30"\nrecipients = ["a@example.org"]\n')
    assert _cli(tmp_path, rules, "db", "upgrade")[0] == 0
    code, out = _cli(tmp_path, rules, "alerts", "list")
    assert code == 0, out
    assert "ofsted_reports" in out and "daily" in out and "digest at 07:30" in out and "recent deliveries" in out


def test_alert_mail_has_a_date_and_a_from_naming_the_sender(tmp_path: Path, smtp_server: SmtpServer) -> None:
    code, out = _cli(tmp_path, smtp_server.mail_toml(from_name="Children's services watch") +
                     '[operator]\nemail = "op@example.org"\n', "alerts", "test", "ofsted_reports")
    assert code == 0, out
    [m] = smtp_server.wait_for(1)
    sent = email.utils.parsedate_to_datetime(str(m.message["Date"]))  # RFC 5322 date-time
    assert abs((dt.datetime.now(dt.UTC) - sent).total_seconds()) < 60
    assert str(m.message["From"]) == "Children's services watch <carewatch@example.org>"


def test_default_from_is_carewatch_at_the_configured_address(tmp_path: Path, smtp_server: SmtpServer) -> None:
    code, out = _cli(tmp_path, smtp_server.mail_toml(), "alerts", "test", "ofsted_reports")
    assert code == 0, out
    [m] = smtp_server.wait_for(1)
    assert str(m.message["From"]) == "carewatch <carewatch@example.org>"
    assert m.rcpt_tos == ["operator@localhost"]  # the default rule's mail goes to [operator] email
