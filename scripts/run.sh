#!/usr/bin/env bash
# Set up (first time) and run the carewatch service: `scripts/run.sh` = `carewatch run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/carewatch "${@:-run}"
