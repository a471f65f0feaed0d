"""``carewatch db``: database maintenance."""

from __future__ import annotations

import click

from scheduler.cli import main
from scheduler.cli.common import app_config, open_engine
from storage.migrate import current_revision, head_revision, upgrade


@main.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the database to the newest schema."""
    config = app_config(ctx)
    engine = open_engine(config.database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"database {config.database_url} already at revision {after}")
    else:
        click.echo(f"database {config.database_url} upgraded from {before or 'empty'} to {after} (head {head_revision()})")
