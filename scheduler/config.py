"""The application configuration (carewatch.toml): database, crawler, sources, mail, rules.

Secrets (the SMTP password) come from the environment only. Unknown sections or keys are an
error naming the file, the section and the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.config import CRAWLER_KEYS, ConfigError, check_keys, config_path, load_toml
from crawler.sources import SourceConfig, load_sources
from storage.db import DATABASE_URL_ENV, DEFAULT_DATABASE_URL

TOP_LEVEL_KEYS = {"database", "crawler", "sources", "mail", "rules", "service", "operator"}
DATABASE_KEYS = {"url"}


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    path: Path | None
    database_url: str
    sources: dict[str, SourceConfig]
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def enabled_sources(self) -> dict[str, SourceConfig]:
        return {sid: s for sid, s in self.sources.items() if s.enabled}

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}


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
    return AppConfig(path=path, database_url=url, sources=sources, raw=data)
