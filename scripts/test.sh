#!/usr/bin/env bash
# Set up (first time) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
.venv/bin/ruff check crawler storage scheduler tests benchmarks
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
