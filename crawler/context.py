"""What a crawl needs from the configuration: database URL, contact, User-Agent."""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

from scrapy.settings import BaseSettings

from crawler.config import CRAWLER_KEYS, check_keys, config_path, load_toml
from storage.db import resolve_database_url

logger = logging.getLogger(__name__)


@cache
def _file_data(explicit: str | None) -> dict[str, Any]:
    return load_toml(config_path(explicit))


def crawler_section(settings: BaseSettings) -> dict[str, Any]:
    data = _file_data(settings.get("CAREWATCH_CONFIG"))
    section = data.get("crawler", {})
    check_keys(section, CRAWLER_KEYS, file=config_path(settings.get("CAREWATCH_CONFIG")), section="crawler")
    return section


def database_url(settings: BaseSettings) -> str:
    """Setting ``CAREWATCH_DATABASE_URL``, else ``$CAREWATCH_DATABASE_URL``, else [database] url."""
    explicit = settings.get("CAREWATCH_DATABASE_URL")
    if explicit:
        return str(explicit)
    data = _file_data(settings.get("CAREWATCH_CONFIG"))
    from_file = data.get("database", {}).get("url")
    return os.environ.get("CAREWATCH_DATABASE_URL") or from_file or resolve_database_url(None)


def user_agent(settings: BaseSettings) -> str:
    section = crawler_section(settings)
    if section.get("user_agent"):
        return str(section["user_agent"])
    base = settings.get("USER_AGENT")
    contact = section.get("contact")
    if not contact:
        logger.warning(
            "No [crawler] contact in carewatch.toml: sites cannot reach the operator. "
            "Set contact = \"you@example.org\" to name one in the User-Agent."
        )
        return str(base)
    return f"{str(base).rstrip(')')}; {contact})"
