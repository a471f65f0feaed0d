"""``carewatch sources``: the configured sources."""

from __future__ import annotations

import json

import click
from rich.table import Table

from scheduler.cli import main
from scheduler.cli.common import app_config, console


@main.group("sources", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include disabled sources.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def sources_cmd(ctx: click.Context, show_all: bool, as_json: bool) -> None:
    """List sources with their kind, spider, schedule and start points (`sources add URL` adds one)."""
    if ctx.invoked_subcommand is not None:
        return
    config = app_config(ctx)
    rows = [s for s in config.sources.values() if show_all or s.enabled]
    if as_json:
        click.echo(json.dumps([
            {"id": s.id, "name": s.name, "kind": s.kind, "spider": s.spider, "schedule": s.schedule,
             "enabled": s.enabled, "start_urls": s.start_urls} for s in rows], indent=2))
        return
    table = Table("id", "name", "kind", "spider", "schedule", "start points", title="carewatch sources")
    for s in rows:
        table.add_row(s.id, s.name, s.kind, s.spider, s.schedule if s.enabled else "disabled", str(len(s.start_urls)))
    console.print(table)
