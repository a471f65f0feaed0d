"""A scriptable SMTP server on loopback (aiosmtpd), for alert and outbox tests.

``smtp_server`` (function scope) accepts everything by default. Script it with
``respond("451 4.3.0 try later", "550 5.1.1 no")`` (answers to the next DATA commands, then
back to accepting), ``reject_recipient(addr, "550 ...")``, ``stop()`` / ``start()`` (same
port: connections are refused while stopped). ``messages`` holds what was accepted.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content())  # type: ignore[attr-defined]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.server.rejected.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.server.lock:
            if self.server.script:
                reply = self.server.script.pop(0)
                if not reply.startswith("250"):
                    return reply
            msg = message_from_bytes(envelope.content, policy=default_policy)
            self.server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.messages: list[Received] = []
        self.script: list[str] = []
        self.rejected: dict[str, str] = {}
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def respond(self, *replies: str) -> None:
        with self.lock:
            self.script.extend(replies)

    def reject_recipient(self, address: str, reply: str = "550 5.1.1 no such user") -> None:
        self.rejected[address] = reply

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)

    def mail_toml(self, **extra: object) -> str:
        lines = ["[mail]", 'smtp_host = "127.0.0.1"', f"smtp_port = {self.port}", 'security = "none"',
                 "timeout = 5", 'from = "carewatch@example.org"', "retry_base_seconds = 0.3",
                 "retry_max_seconds = 1"]
        for key, value in extra.items():
            lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
        return "\n".join(lines) + "\n"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
