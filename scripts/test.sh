#!/usr/bin/env bash
# Set up (first time) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
# The dashboard's browser tests drive Debian's Chromium (Playwright with executable_path; a
# browser download of its own would fail without the internet). Install it when missing.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/ruff check crawler storage scheduler web tests benchmarks
.venv/bin/mypy
# One pytest worker per core (pytest-xdist): most tests wait on crawl processes, servers and
# timers. Each test has its own temporary directory, PostgreSQL schema and ports, and each
# worker its own replica server.
exec .venv/bin/python -m pytest -n auto --dist worksteal "$@"
