"""What the dashboard is told at start-up: database, address, sign-in, sources and rules."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from web.passwords import hash_password

PASSWORD_ENV = "CAREWATCH_WEB_PASSWORD"
SECRET_ENV = "CAREWATCH_WEB_SECRET"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


class WebConfigError(ValueError):
    """The dashboard cannot start as configured (e.g. a public bind without a password)."""


@dataclass(frozen=True, kw_only=True)
class SourceInfo:
    id: str
    name: str
    kind: str
    enabled: bool
    schedule: str


@dataclass(frozen=True, kw_only=True)
class RuleInfo:
    name: str
    item: str
    description: str
    delivery: str
    enabled: bool
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class WebSettings:
    database_url: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    #: scrypt hash (web.passwords) of the sign-in password; None: no sign-in (loopback only)
    password_hash: str | None = None
    #: key that signs session cookies (random per start unless CAREWATCH_WEB_SECRET is set)
    secret_key: str = field(default_factory=lambda: os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32))
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    rules: tuple[RuleInfo, ...] = ()
    #: source id, its last success -> when it runs next (text), from the scheduler's triggers
    next_run: Callable[[str, datetime | None], str] | None = None
    #: session cookies only over HTTPS (set when a TLS proxy fronts the dashboard)
    secure_cookies: bool = False
    #: failed sign-ins allowed per client address per ``login_window_seconds``
    login_attempts: int = 5
    login_window_seconds: float = 300.0

    @property
    def auth_required(self) -> bool:
        return self.password_hash is not None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def source_kind(self, source_id: str) -> str | None:
        info = self.sources.get(source_id)
        return info.kind if info else None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def password_hash_from(env_password: str | None, configured_hash: str | None) -> str | None:
    """The hash to check sign-ins against: $CAREWATCH_WEB_PASSWORD wins over ``[web] password_hash``."""
    if env_password:
        return hash_password(env_password)
    return configured_hash or None


def check_bind(host: str, password_hash: str | None) -> None:
    """Refuse to serve a non-loopback address without a password."""
    if not is_loopback(host) and password_hash is None:
        raise WebConfigError(
            f"refusing to serve the dashboard on {host} without a password: set ${PASSWORD_ENV} "
            "or [web] password_hash (carewatch web --hash-password), or bind 127.0.0.1")
