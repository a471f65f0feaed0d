"""SMTP delivery: STARTTLS or SSL with verified certificates, a timeout, password from env."""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage

from scheduler.errors import NotifierError
from scheduler.notifiers.base import Notifier


def _classify(exc: BaseException) -> NotifierError:
    """4xx, refused/closed/timed-out connections and TLS failures retry; 5xx do not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{rcpt}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                           for rcpt, (code, msg) in exc.recipients.items())
        return NotifierError(f"recipient refused: {detail}", temporary=all(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return NotifierError(f"SMTP {exc.smtp_code} {msg}", temporary=not 500 <= exc.smtp_code < 600)
    if isinstance(exc, ssl.SSLError):
        # Includes certificate verification failures: not a 5xx, so keep the mail and retry
        # (the operator must fix the certificate; the delivery goes dead after give_up_hours).
        return NotifierError(f"TLS error: {exc}", temporary=True, connection=True)
    if isinstance(exc, socket.timeout | TimeoutError):
        return NotifierError("SMTP server timed out", temporary=True, connection=True)
    return NotifierError(f"SMTP connection failed: {exc}", temporary=True, connection=True)


class SmtpNotifier(Notifier, kind="smtp"):
    """Sends alerts through an SMTP server (STARTTLS or SSL, certificates verified)."""

    _conn: smtplib.SMTP | None = None

    def describe(self) -> str:
        return f"smtp {self.mail.smtp_host}:{self.mail.port} ({self.mail.security})"

    def _connect(self) -> smtplib.SMTP:
        mail = self.mail
        assert mail.smtp_host
        context = ssl.create_default_context()
        conn: smtplib.SMTP
        if mail.security == "ssl":
            conn = smtplib.SMTP_SSL(mail.smtp_host, mail.port, timeout=mail.timeout, context=context)
        else:
            conn = smtplib.SMTP(mail.smtp_host, mail.port, timeout=mail.timeout)
        try:
            conn.ehlo_or_helo_if_needed()
            if mail.security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if mail.smtp_user:
                password = mail.password
                if not password:
                    raise NotifierError("[mail] smtp_user is set but $CAREWATCH_SMTP_PASSWORD is empty",
                                        temporary=True, connection=True)
                conn.login(mail.smtp_user, password)
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, message: EmailMessage) -> None:
        try:
            if self._conn is None:
                self._conn = self._connect()
            self._conn.send_message(message)
        except NotifierError:
            self.close()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            err = _classify(exc)
            # After a refused recipient or a 5xx on DATA the session is still usable;
            # anything else (disconnect, timeout, TLS) gets a fresh connection next time.
            if not isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                self.close()
            else:
                try:
                    assert self._conn is not None
                    self._conn.rset()
                except (smtplib.SMTPException, OSError):
                    self.close()
            raise err from exc

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
