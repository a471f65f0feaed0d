"""The crawler's hardened defaults (RELIABILITY.md §4.1), as Scrapy will see them."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings


@pytest.fixture(scope="module")
def settings() -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    return s


@pytest.mark.parametrize(("name", "expected"), [
    ("ROBOTSTXT_OBEY", True),
    ("AUTOTHROTTLE_ENABLED", True),
    ("COOKIES_ENABLED", False),
    ("TELNETCONSOLE_ENABLED", False),
    ("REMOTE_CONTROL_ENABLED", False),
    ("DOWNLOAD_VERIFY_CERTIFICATES", True),
    ("DOWNLOAD_FAIL_ON_DATALOSS", True),
])
def test_flag(settings: Settings, name: str, expected: bool) -> None:
    assert settings.getbool(name) is expected


def test_bounds(settings: Settings) -> None:
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") >= 2
    assert settings.getint("DOWNLOAD_TIMEOUT") <= 30
    assert settings.getint("DOWNLOAD_MAXSIZE") <= 32 * 1024 * 1024
    assert 0 < settings.getint("DEPTH_LIMIT") <= 3
    assert settings.getint("REDIRECT_MAX_TIMES") <= 5


def test_non_network_schemes_are_off(settings: Settings) -> None:
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    assert all(handlers[scheme] is None for scheme in ("file", "data", "ftp", "s3"))


def test_the_remote_control_and_telnet_extensions_are_not_loaded(settings: Settings) -> None:
    from scrapy.utils.conf import build_component_list

    loaded = build_component_list(settings.getwithbase("EXTENSIONS"))
    assert "scrapy.extensions.remote_control.RemoteControl" not in loaded
    assert "scrapy.extensions.telnet.TelnetConsole" not in loaded
    assert "crawler.runstate.CrawlContext" in loaded
