"""Serving the dashboard (web/): its settings from the app config, and uvicorn in a thread.

``carewatch web`` serves it in the foreground; ``carewatch run`` starts :class:`WebThread`
beside the scheduler when ``[web] enabled`` (the default) and stops it on shutdown.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime

import uvicorn

from crawler.config import ConfigError
from crawler.sources import SourceConfig
from scheduler.config import AppConfig
from web.app import create_app
from web.passwords import is_password_hash
from web.settings import (
    PASSWORD_ENV,
    RuleInfo,
    SourceInfo,
    WebSettings,
    check_bind,
    password_hash_from,
)

logger = logging.getLogger(__name__)
START_TIMEOUT = 15.0


def _schedule(config: AppConfig, source: SourceConfig) -> str:
    seconds = config.interval_seconds(source)
    if seconds is None:
        return f"cron {source.cron}"
    if seconds % 3600 == 0:
        return f"every {int(seconds // 3600)} h"
    return f"every {int(seconds // 60)} min" if seconds >= 60 else f"every {int(seconds)} s"


def _next_run(config: AppConfig) -> object:
    from scheduler.service import catch_up_time, source_trigger

    def next_run(source_id: str, last_success: datetime | None) -> str:
        source = config.sources.get(source_id)
        if source is None:
            return "not configured"
        if not source.enabled:
            return "disabled"
        now = datetime.now(UTC)
        when = catch_up_time(config, source, last_success, now)
        if when is None:
            when = source_trigger(config, source).get_next_fire_time(None, now)
        if when is None:
            return "-"
        return "due now" if when <= now else when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

    return next_run


def web_settings(config: AppConfig, *, host: str | None = None, port: int | None = None) -> WebSettings:
    web = config.web
    sources = {sid: SourceInfo(id=sid, name=s.name, kind=s.kind, enabled=s.enabled, schedule=_schedule(config, s))
               for sid, s in sorted(config.sources.items())}
    rules = tuple(RuleInfo(name=r.name, item=r.kind, description=r.describe(),
                           delivery="immediate" if r.delivery == "immediate" else f"digest at {r.digest_at}",
                           enabled=r.enabled, recipients=tuple(r.recipients))
                  for r in config.rules.values())
    if not 0 <= web.port <= 65535:
        raise ConfigError(config.path, "web", f"key 'port': {web.port} is not a port number (0-65535)")
    if web.password_hash and not is_password_hash(web.password_hash):
        raise ConfigError(config.path, "web", "key 'password_hash' is not a hash from `carewatch web --hash-password`")
    password_hash = password_hash_from(os.environ.get(PASSWORD_ENV), web.password_hash)
    bind = host or web.host
    check_bind(bind, password_hash)  # WebConfigError: a public address without a password
    return WebSettings(
        database_url=config.database_url, host=bind, port=web.port if port is None else port,
        password_hash=password_hash,
        sources=sources, rules=rules, next_run=_next_run(config),  # type: ignore[arg-type]
        secure_cookies=web.secure_cookies,
    )


def announce(url: str) -> None:
    """The one line ``carewatch run`` and ``carewatch web`` print: where the dashboard is."""
    sys.stdout.write(f"carewatch dashboard: {url}\n")
    sys.stdout.flush()


def _bound_url(server: uvicorn.Server, settings: WebSettings) -> str:
    for srv in getattr(server, "servers", []):
        for sock in srv.sockets:
            host, port = sock.getsockname()[:2]
            host = f"[{host}]" if ":" in host else host
            return f"http://{host}:{port}/"
    return settings.url


def uvicorn_server(settings: WebSettings) -> uvicorn.Server:
    app = create_app(settings)  # WebConfigError for a public bind without a password
    return uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                                         access_log=False, lifespan="on", server_header=False))


class WebThread:
    """uvicorn serving the dashboard in a daemon thread; ``stop()`` shuts it down cleanly."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.server = uvicorn_server(settings)
        self.thread = threading.Thread(target=self.server.run, name="carewatch-web", daemon=True)
        self.url: str | None = None

    def start(self) -> str | None:
        """Start serving; the URL, or None if the server could not start (logged)."""
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            logger.error("the dashboard could not start on %s:%s (address in use?); the service runs without it",
                         self.settings.host, self.settings.port)
            return None
        self.url = _bound_url(self.server, self.settings)
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
