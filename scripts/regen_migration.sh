#!/usr/bin/env bash
# Until carewatch's first release, the schema is one initial migration generated from
# storage/models.py. Run this after changing the models.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
# later migrations (hand-written DDL, e.g. 0002_search.py) revise 0001: set them aside meanwhile
mkdir "$tmp/later"
trap 'mv "$tmp"/later/*.py storage/migrations/versions/ 2>/dev/null || true; rm -rf "$tmp"' EXIT
find storage/migrations/versions -maxdepth 1 -name '*.py' ! -name '0001_initial.py' -exec mv {} "$tmp/later/" \;
rm -f storage/migrations/versions/0001_initial.py
CAREWATCH_DATABASE_URL="sqlite:///$tmp/empty.db" .venv/bin/alembic -c alembic.ini revision \
  --autogenerate --rev-id 0001 -m "initial schema" >/dev/null
mv storage/migrations/versions/0001_initial_schema.py storage/migrations/versions/0001_initial.py
.venv/bin/ruff format -q storage/migrations/versions/0001_initial.py
.venv/bin/ruff check -q --fix storage/migrations/versions/0001_initial.py || true
echo "regenerated storage/migrations/versions/0001_initial.py"
