"""``carewatch articles``: recent articles in the archive."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.table import Table

from scheduler.cli import main
from scheduler.cli.common import app_config, console, engine_for, parse_day
from storage.archive import articles
from storage.db import session_scope
from storage.stories import outlets_by_article


@main.command("articles")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--la", "las", multiple=True, help="Only articles about this LA (name or ONS code; repeatable).")
@click.option("--since", help="Published on or after YYYY-MM-DD.")
@click.option("--until", help="Published before YYYY-MM-DD.")
@click.option("--limit", type=int, default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per article).")
@click.pass_context
def articles_cmd(ctx: click.Context, sources: tuple[str, ...], las: tuple[str, ...], since: str | None,
                 until: str | None, limit: int, as_json: bool) -> None:
    """Recent articles, newest first, each shown once however many URLs carry it.

    A story (storage.stories) is shown once, by its first article, with all its outlets.
    """
    from storage.gazetteer import lookup

    config = app_config(ctx)
    for sid in sources:
        if sid not in config.sources:
            raise click.ClickException(f"unknown source {sid!r}; `carewatch sources` lists them")
    codes = [lookup(name).ons_code for name in las]
    since_day, until_day = parse_day(since, "--since"), parse_day(until, "--until")
    engine = engine_for(config)
    with session_scope(engine) as session:
        rows = articles(session, sources=sources or None, since=since_day, until=until_day, la_codes=codes,
                        limit=limit, group_stories=True)
        outlets = outlets_by_article(session, rows)
        data: list[dict[str, Any]] = [{
            "id": a.id, "source": a.source, "title": a.title, "url": a.canonical_url,
            "published_at": a.published_at.isoformat() if a.published_at else None,
            "first_seen_at": a.first_seen_at.isoformat(), "author": a.author,
            "urls": [u.url for u in a.urls], "las": [t.la_code for t in a.las],
            "revisions": a.revision_count, "access": a.access,
            "story_id": a.story_id, "outlets": outlets[a.id],
        } for a in rows]
    engine.dispose()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    table = Table("published", "source", "title", "urls", "outlets", title=f"{len(data)} article(s)")
    for a in data:
        table.add_row((a["published_at"] or "")[:10], a["source"], a["title"], str(len(a["urls"])),
                      ", ".join(a["outlets"]))
    console.print(table)
