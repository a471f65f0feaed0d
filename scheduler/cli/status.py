"""``carewatch status``: sources' last runs and the outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from rich.table import Table
from sqlalchemy import select

from scheduler.cli import main
from scheduler.cli.common import app_config, console, engine_for
from scheduler.config import AppConfig
from storage.db import session_scope
from storage.models import CrawlRun, SourceState
from storage.outbox import outbox_counts


def _next_run(config: AppConfig, sid: str, state: SourceState | None) -> str:
    from scheduler.service import source_trigger

    src = config.sources[sid]
    if not src.enabled:
        return "disabled"
    now = datetime.now(UTC)
    interval = config.interval_seconds(src)
    if interval is None:
        nxt = source_trigger(config, src).get_next_fire_time(None, now)
        return nxt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if nxt else "-"
    if state is None or state.last_success_at is None:
        return "at start-up"
    due = state.last_success_at.astimezone(UTC) + timedelta(seconds=interval)
    return "due now" if due <= now else due.strftime("%Y-%m-%d %H:%M UTC")


def _fmt(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "never"


@main.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status_cmd(ctx: click.Context, as_json: bool) -> None:
    """Each source's last run, result, consecutive failures and next run; the outbox counts."""
    from scheduler.lock import ServiceLock

    config = app_config(ctx)
    engine = engine_for(config)
    try:
        holder = ServiceLock(engine, config.service.lock_file).holder()
        with session_scope(engine) as session:
            states = {s.source: s for s in session.execute(select(SourceState)).scalars()}
            rows: list[dict[str, Any]] = []
            for sid in sorted(set(config.enabled_sources) | set(states)):
                if sid not in config.sources:
                    continue
                run = session.execute(select(CrawlRun).where(CrawlRun.source == sid)
                                      .order_by(CrawlRun.id.desc()).limit(1)).scalar_one_or_none()
                st = states.get(sid)
                rows.append({
                    "source": sid,
                    "last_run": _fmt(run.started_at) if run else "never",
                    "result": (run.status + (f": {run.error}" if run.error and run.status != "ok" else ""))
                    if run else "-",
                    "last_success": _fmt(st.last_success_at) if st else "never",
                    "consecutive_failures": st.consecutive_failures if st else 0,
                    "next_run": _next_run(config, sid, st),
                })
            counts = outbox_counts(session)
    finally:
        engine.dispose()
    outbox = {"pending": counts.get("pending", 0) + counts.get("sending", 0),
              "failed": counts.get("dead", 0), "sent": counts.get("sent", 0)}
    service = f"running ({holder})" if holder else "not running"
    if as_json:
        click.echo(json.dumps({"service": service, "sources": rows, "outbox": outbox}, indent=2))
        return
    console.print(f"service: {service}")
    table = Table("source", "last run", "result", "last success", "failures", "next run", title="sources")
    for r in rows:
        table.add_row(r["source"], r["last_run"], r["result"], r["last_success"],
                      str(r["consecutive_failures"]), r["next_run"])
    console.print(table)
    console.print(f"outbox: {outbox['pending']} pending, {outbox['failed']} failed (dead), "
                  f"{outbox['sent']} sent")
