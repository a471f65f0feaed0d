"""``carewatch stories``: recent stories (articles about one event) with their report and outlets."""

from __future__ import annotations

import json
from typing import TypedDict

import click
from rich.table import Table

from scheduler.cli import main
from scheduler.cli.common import app_config, console, engine_for, parse_day
from storage.archive import stories
from storage.db import session_scope


class _ReportJSON(TypedDict):
    id: int
    label: str | None
    grade: str | None
    published_on: str | None


class _StoryJSON(TypedDict):
    id: int
    la_code: str | None
    la: str
    title: str
    first_published_at: str | None
    last_published_at: str | None
    articles: int
    outlets: list[str]
    report: _ReportJSON | None


def _la_name(code: str | None) -> str:
    if not code:
        return ""
    from storage.gazetteer import by_code

    try:
        return by_code(code).name
    except LookupError:
        return code


@main.command("stories")
@click.option("--la", "las", multiple=True, help="Only stories about this LA (name or ONS code; repeatable).")
@click.option("--since", help="Stories with an article published on or after YYYY-MM-DD.")
@click.option("--limit", type=int, default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per story).")
@click.pass_context
def stories_cmd(ctx: click.Context, las: tuple[str, ...], since: str | None, limit: int, as_json: bool) -> None:
    """Recent stories, newest first: LA, the Ofsted report they follow, outlets and dates."""
    from storage.gazetteer import lookup

    config = app_config(ctx)
    codes = [lookup(name).ons_code for name in las]
    since_day = parse_day(since, "--since")
    engine = engine_for(config)
    with session_scope(engine) as session:
        rows = stories(session, since=since_day, la_codes=codes, limit=limit)
    engine.dispose()
    data: list[_StoryJSON] = [{
        "id": s.id, "la_code": s.la_code, "la": _la_name(s.la_code), "title": s.title,
        "first_published_at": s.first_published_at.isoformat() if s.first_published_at else None,
        "last_published_at": s.last_published_at.isoformat() if s.last_published_at else None,
        "articles": s.articles, "outlets": list(s.outlets),
        "report": None if s.report_id is None else {
            "id": s.report_id, "label": s.report_label, "grade": s.report_grade,
            "published_on": s.report_published_on.isoformat() if s.report_published_on else None,
        },
    } for s in rows]
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    table = Table("dates", "LA", "story", "report", "outlets", title=f"{len(data)} story(ies)")
    for s in data:
        first, last = (s["first_published_at"] or "")[:10], (s["last_published_at"] or "")[:10]
        dates = first if first == last else f"{first} – {last}"
        report = s["report"]
        rep = "" if report is None else " ".join(
            x for x in (report["published_on"], report["label"], report["grade"] and f"({report['grade']})") if x)
        table.add_row(dates, s["la"], f"{s['title']} [{s['articles']}]", rep, ", ".join(s["outlets"]))
    console.print(table)
