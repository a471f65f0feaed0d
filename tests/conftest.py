"""Shared pytest fixtures. Fixture families live in tests/fixtures_*.py plugins."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures_mockserver",
    "tests.fixtures_db",
    "tests.fixtures_smtp",
    "tests.fixtures_crawl",
    "tests.fixtures_web",
]
