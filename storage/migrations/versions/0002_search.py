"""full-text search over articles and reports

SQLite: FTS5 tables ``articles_fts`` and ``reports_fts`` with external content (the rows of
``articles`` / ``reports``), kept in step by triggers, BM25-ranked (storage.search).
PostgreSQL: a stored generated ``tsvector`` column ``search_tsv`` on both tables, each with a
GIN index.

Autogenerate cannot express either, so they live here, not in 0001 (which is regenerated from
the models); storage.search.is_search_object keeps autogenerate from proposing to drop them.
A later migration that rebuilds ``articles`` or ``reports`` on SQLite (batch mode) drops the
triggers with the table: it must call ``sqlite_create_triggers`` and rebuild afterwards.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: table -> its indexed columns, in FTS column order
FTS_COLUMNS = {"articles": ("title", "body"), "reports": ("provider_name", "label", "text")}
#: report texts are long; the first part is what a search needs (and tsvector has a 1 MB limit)
PG_TEXT_CHARS = 200_000


def _sqlite_statements(table: str, columns: Sequence[str]) -> list[str]:
    fts = f"{table}_fts"
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _pg_statements() -> list[str]:
    article = ("setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
               "setweight(to_tsvector('english', coalesce(body, '')), 'B')")
    report = ("setweight(to_tsvector('english', coalesce(provider_name, '') || ' ' || coalesce(label, '')), 'A') || "
              f"setweight(to_tsvector('english', left(coalesce(text, ''), {PG_TEXT_CHARS})), 'B')")
    out = []
    for table, expr in (("articles", article), ("reports", report)):
        out.append(f"ALTER TABLE {table} ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({expr}) STORED")
        out.append(f"CREATE INDEX ix_{table}_search_tsv ON {table} USING gin (search_tsv)")
    return out


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table, columns in FTS_COLUMNS.items():
            for statement in _sqlite_statements(table, columns):
                op.execute(statement)
    elif dialect == "postgresql":
        for statement in _pg_statements():
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in FTS_COLUMNS:
        if dialect == "sqlite":
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
        elif dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_tsv")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_tsv")
