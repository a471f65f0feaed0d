"""``[web]`` of carewatch.toml: the dashboard's address and sign-in (served by scheduler.webserver)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class WebConfig:
    """``[web]``: the dashboard."""

    #: serve the dashboard beside the scheduler in ``carewatch run``
    enabled: bool = True
    host: str = "127.0.0.1"
    #: 0 picks a free port (printed at start-up)
    port: int = 8080
    #: scrypt hash from ``carewatch web --hash-password``; $CAREWATCH_WEB_PASSWORD wins over it
    password_hash: str | None = None
    #: send the session cookie over HTTPS only (behind a TLS proxy)
    secure_cookies: bool = False
