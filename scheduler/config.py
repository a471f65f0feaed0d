"""The application configuration (carewatch.toml): database, crawler, sources, mail, rules.

Secrets (the SMTP password) come from the environment only. Unknown sections or keys are an
error naming the file, the section and the key.

Sections read here (``[crawler]`` and ``[sources.*]`` belong to crawler/):

* ``[mail]``      how alerts leave: SMTP, or a local Maildir when no ``smtp_host`` is set
* ``[operator]``  who hears about failing sources and dead deliveries
* ``[service]``   the ``carewatch run`` service: dispatch interval, retries, limits
* ``[rules.*]``   alert rules (see scheduler/rules/)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from crawler.config import (
    CRAWLER_KEYS,
    ConfigError,
    build,
    check_keys,
    config_path,
    load_toml,
)
from crawler.sources import SourceConfig, load_sources
from scheduler.rules import EMAIL, Rule, load_rules
from scheduler.webconfig import WebConfig
from storage.db import DATABASE_URL_ENV, DEFAULT_DATABASE_URL

TOP_LEVEL_KEYS = {"database", "crawler", "sources", "mail", "rules", "service", "operator", "web"}
DATABASE_KEYS = {"url"}
SMTP_PASSWORD_ENV = "CAREWATCH_SMTP_PASSWORD"


@dataclass(frozen=True, kw_only=True)
class MailConfig:
    """``[mail]``: the notifier. No ``smtp_host`` means Maildir delivery under ``maildir``."""

    #: From: address of every alert (``from`` in the file)
    sender: str = "carewatch@localhost"
    #: the name shown with it: ``From: carewatch <carewatch@localhost>``
    from_name: str = "carewatch"
    smtp_host: str | None = None
    smtp_port: int | None = None
    #: "starttls" (default, port 587), "ssl" (port 465) or "none" (plain; loopback relays only)
    security: str = "starttls"
    smtp_user: str | None = None
    #: seconds for connect and every SMTP command
    timeout: float = 30.0
    maildir: str = "data/maildir"
    #: first retry after this many seconds; each later one waits 3x longer, up to retry_max_seconds
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 3 * 3600.0
    #: a delivery still failing after this many hours is marked dead and the operator told
    give_up_hours: float = 48.0

    @property
    def notifier(self) -> str:
        return "smtp" if self.smtp_host else "maildir"

    @property
    def password(self) -> str | None:
        return os.environ.get(SMTP_PASSWORD_ENV) or None

    @property
    def port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return {"ssl": 465, "none": 25}.get(self.security, 587)

    def from_header(self) -> Address:
        return Address(display_name=self.from_name, addr_spec=self.sender)


@dataclass(frozen=True, kw_only=True)
class OperatorConfig:
    """``[operator]``: where "source failing", "recovered" and "delivery dead" messages go."""

    email: str = "operator@localhost"
    #: consecutive failed runs of one source before the operator is told (once)
    failing_after: int = 3


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """``[service]``: the ``carewatch run`` service."""

    #: how often pending items are matched against the rules and due mail is sent (seconds)
    dispatch_seconds: float = 60.0
    #: most messages for one recipient in one matching pass before the rest go as one digest
    flood_cap: int = 20
    #: seconds a running crawl may overrun its limit before its process group is killed
    kill_grace_seconds: float = 60.0
    #: on SIGTERM / Ctrl-C, how long running crawls may finish before they are killed
    shutdown_grace_seconds: float = 10.0
    #: most crawl processes at once (default: one per usable core)
    max_parallel_crawls: int | None = None
    #: most sources one crawl process crawls at once (re-crawls only; a first crawl goes alone)
    max_sources_per_crawl: int = 20
    #: most random delay added to each crawl start (seconds; capped at a tenth of the interval)
    jitter_seconds: float = 90.0
    #: crawl logs (one file per source)
    log_dir: str = "data/logs"
    #: single-instance lock file (default: next to the SQLite database)
    lock_file: str | None = None
    timezone: str = "Europe/London"
    #: per-source schedule overrides in seconds, e.g. {communitycare = 900}
    interval_seconds: dict[str, float] = field(default_factory=dict)
    #: per-source crawl wall-clock limits in seconds (default: the source's max_crawl_minutes)
    crawl_limit_seconds: dict[str, float] = field(default_factory=dict)
    #: Scrapy settings passed to every scheduled crawl (``-s KEY=VALUE``), e.g. {LOG_LEVEL = "INFO"}
    crawl_settings: dict[str, str | int | float | bool] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    path: Path | None
    database_url: str
    sources: dict[str, SourceConfig]
    mail: MailConfig = field(default_factory=MailConfig)
    operator: OperatorConfig = field(default_factory=OperatorConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    rules: dict[str, Rule] = field(default_factory=dict)
    web: WebConfig = field(default_factory=WebConfig)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def enabled_sources(self) -> dict[str, SourceConfig]:
        return {sid: s for sid, s in self.sources.items() if s.enabled}

    @property
    def enabled_rules(self) -> dict[str, Rule]:
        return {name: r for name, r in self.rules.items() if r.enabled}

    def interval_seconds(self, source: SourceConfig) -> float | None:
        """Seconds between crawls of ``source`` (None for cron-scheduled sources)."""
        if source.id in self.service.interval_seconds:
            return float(self.service.interval_seconds[source.id])
        if source.cron:
            return None
        return float((source.interval_minutes or 60) * 60)

    def crawl_limit_seconds(self, source: SourceConfig) -> float:
        return float(self.service.crawl_limit_seconds.get(source.id, source.max_crawl_minutes * 60))


_KEY_ALIASES = {"from": "sender"}


def _check_email(value: str, *, file: Path | None, section: str, key: str) -> None:
    if not EMAIL.match(value):
        raise ConfigError(file, section, f"key {key!r}: {value!r} is not an email address")


def _validate(cfg: AppConfig, file: Path | None) -> None:
    mail, op, svc = cfg.mail, cfg.operator, cfg.service
    if mail.security not in ("starttls", "ssl", "none"):
        raise ConfigError(file, "mail", "key 'security' must be one of starttls, ssl, none")
    _check_email(mail.sender, file=file, section="mail", key="from")
    _check_email(op.email, file=file, section="operator", key="email")
    if op.failing_after < 1:
        raise ConfigError(file, "operator", "key 'failing_after' must be at least 1")
    if (svc.max_parallel_crawls is not None and svc.max_parallel_crawls < 1) or svc.max_sources_per_crawl < 1:
        raise ConfigError(file, "service", "'max_parallel_crawls' and 'max_sources_per_crawl' must be at least 1")
    if svc.dispatch_seconds <= 0 or svc.flood_cap < 1:
        raise ConfigError(file, "service", "'dispatch_seconds' and 'flood_cap' must be positive")
    for key in ("interval_seconds", "crawl_limit_seconds"):
        for sid, seconds in getattr(svc, key).items():
            if sid not in cfg.sources:
                raise ConfigError(file, f"service.{key}", f"unknown source {sid!r}")
            if seconds <= 0:
                raise ConfigError(file, f"service.{key}", f"key {sid!r} must be positive")


def load_config(explicit: str | Path | None = None) -> AppConfig:
    path = config_path(explicit)
    data = load_toml(path)
    check_keys(data, TOP_LEVEL_KEYS, file=path, section="top level")
    for name in TOP_LEVEL_KEYS:
        if name in data and not isinstance(data[name], dict):
            raise ConfigError(path, name, "must be a table")
    database = data.get("database", {})
    check_keys(database, DATABASE_KEYS, file=path, section="database")
    check_keys(data.get("crawler", {}), CRAWLER_KEYS, file=path, section="crawler")
    url = os.environ.get(DATABASE_URL_ENV) or database.get("url") or DEFAULT_DATABASE_URL
    sources = load_sources(path, data=data)
    mail = build(MailConfig, data.get("mail", {}), file=path, section="mail", aliases=_KEY_ALIASES)
    operator = build(OperatorConfig, data.get("operator", {}), file=path, section="operator")
    service = build(ServiceConfig, data.get("service", {}), file=path, section="service")
    web = build(WebConfig, data.get("web", {}), file=path, section="web")
    rules = load_rules(data.get("rules", {}), file=path, operator_email=operator.email,
                       source_ids=set(sources))
    cfg = AppConfig(path=path, database_url=url, sources=sources, mail=mail, operator=operator,
                    service=service, rules=rules, web=web, raw=data)
    _validate(cfg, path)
    return cfg
