"""Alembic environment: uses the engine handed over by storage.migrate, else the configured URL."""

from __future__ import annotations

from alembic import context

from storage.db import make_engine
from storage.models import Base
from storage.search import is_search_object

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # the search tables, columns and triggers of 0002 are not in the models
            include_name=lambda name, type_, parents: not is_search_object(name, type_, parents),
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def run_migrations_offline() -> None:
    context.configure(url=str(make_engine().url), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
