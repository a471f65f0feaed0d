"""Shared pytest fixtures. Fixture families live in tests/fixtures_*.py plugins."""

from __future__ import annotations

import os

# pytest-xdist starts its workers with COLUMNS set to the controller's width (80 without a
# terminal). rich reads COLUMNS once, when the CLI's console is made at import, so tests that
# give a CLI run its own width (CliRunner env={"COLUMNS": ...}) would get 80 columns instead.
os.environ.pop("COLUMNS", None)

pytest_plugins = [
    "tests.fixtures_mockserver",
    "tests.fixtures_db",
    "tests.fixtures_smtp",
    "tests.fixtures_crawl",
    "tests.fixtures_database_fault",
    "tests.fixtures_web",
]
