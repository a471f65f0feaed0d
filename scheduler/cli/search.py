"""``carewatch search``: full text over articles and reports (the dashboard's search, storage.search)."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.table import Table

from scheduler.cli import main
from scheduler.cli.common import app_config, console, engine_for, parse_date
from storage.db import session_scope
from storage.search import SearchFilters, SearchQueryError, marked_parts, search


def _plain(marked: str) -> str:
    return "".join(text for text, _ in marked_parts(marked))


@main.command("search")
@click.argument("query")
@click.option("--la", "las", multiple=True, help="Only items about this LA (name or ONS code; repeatable).")
@click.option("--kind", type=click.Choice(["article", "report"]), help="Only articles or only reports.")
@click.option("--since", help="Published on or after YYYY-MM-DD.")
@click.option("--until", help="Published on or before YYYY-MM-DD.")
@click.option("--newest", is_flag=True, help="Newest first (default: best match first).")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per hit).")
@click.pass_context
def search_cmd(ctx: click.Context, query: str, las: tuple[str, ...], kind: str | None, since: str | None,
               until: str | None, newest: bool, limit: int, as_json: bool) -> None:
    """Search articles and Ofsted reports: words and "quoted phrases", stemmed (same as the dashboard)."""
    from storage.gazetteer import lookup

    config = app_config(ctx)
    codes = [lookup(name).ons_code for name in las]
    filters = SearchFilters(la_codes=codes, kinds=(kind,) if kind else ("article", "report"),
                            since=parse_date(since, "--since"), until=parse_date(until, "--until"))
    engine = engine_for(config)
    try:
        with session_scope(engine) as session:
            page = search(session, query, filters, per_page=limit, order="date" if newest else "relevance")
    except SearchQueryError as exc:
        raise click.BadParameter(str(exc), param_hint="QUERY") from None
    finally:
        engine.dispose()
    rows: list[dict[str, Any]] = [{"kind": h.kind, "id": h.id, "file_id": h.file_id, "title": _plain(h.title), "source": h.source,
             "date": h.when.isoformat() if h.when else None, "la_codes": list(h.la_codes), "url": h.url,
             "snippet": _plain(h.snippet)} for h in page.hits]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("date", "kind", "source", "title", "matched", title=f"{page.total} result(s) for {' '.join(page.terms)}")
    for r in rows:
        table.add_row(r["date"] or "", str(r["kind"]), str(r["source"]), str(r["title"]), str(r["snippet"])[:120])
    console.print(table)
