"""``carewatch crawl``: run crawls now, in child processes (``python -m crawler.batch``).

Sources crawled before share one child (start-up paid once); a first crawl gets its own.
Ctrl-C stops the children (SIGTERM, then SIGKILL of their process group) and records their
runs as ``interrupted``.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from scheduler.cli import main
from scheduler.cli.common import app_config, console, engine_for
from scheduler.runner import CrawlOutcome, close_abandoned_runs, plan_batches, run_crawls
from storage.db import session_scope
from storage.models import CrawlRun


@main.command("crawl")
@click.argument("source_ids", nargs=-1, metavar="SOURCE...")
@click.option("--all", "crawl_all", is_flag=True, help="Crawl every enabled source.")
@click.option("--limit", "limit_minutes", type=int, default=None,
              help="Wall-clock limit per crawl in minutes (default: the source's max_crawl_minutes).")
@click.option("--log-dir", type=click.Path(file_okay=False), default="data/logs", show_default=True,
              help="Where each crawl's Scrapy log is written.")
@click.pass_context
def crawl_cmd(ctx: click.Context, source_ids: tuple[str, ...], crawl_all: bool,
              limit_minutes: int | None, log_dir: str) -> None:
    """Crawl SOURCE... (or --all) now and print what each crawl stored."""
    config = app_config(ctx)
    if crawl_all == bool(source_ids):
        raise click.UsageError("name one or more sources, or use --all")
    ids = list(config.enabled_sources) if crawl_all else list(dict.fromkeys(source_ids))
    for sid in ids:
        if sid not in config.sources:
            raise click.ClickException(f"unknown source {sid!r}; `carewatch sources` lists them")
        if not config.sources[sid].enabled:
            raise click.ClickException(f"source {sid!r} is disabled in {config.path or 'the built-in sources'}")
    engine = engine_for(config, upgrade=True)
    close_abandoned_runs(engine, sources=ids)
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    outcomes: list[CrawlOutcome] = []
    try:
        for batch in plan_batches(engine, ids, config.service.max_sources_per_crawl):
            console.print(f"crawling [bold]{', '.join(batch)}[/bold] …")
            log = Path(log_dir) / (f"{batch[0]}.log" if len(batch) == 1 else "batches.log")
            outcomes += run_crawls(
                engine, [(sid, (limit_minutes or config.sources[sid].max_crawl_minutes) * 60) for sid in batch],
                database_url=config.database_url, config_file=str(config.path) if config.path else None,
                trigger="manual", log_file=log, extra_settings=dict(config.service.crawl_settings),
                kill_grace_seconds=config.service.kill_grace_seconds,
            )
    except KeyboardInterrupt:
        engine.dispose()
        raise click.ClickException("interrupted: the running crawl was stopped and recorded as "
                                   "interrupted") from None
    table = Table("source", "status", "pages", "new", "unchanged", "revised", "aliases", "dropped", "seconds",
                  title="crawl summary")
    with session_scope(engine) as session:
        for o in outcomes:
            run = session.get(CrawlRun, o.run_id)
            assert run is not None
            dropped = ", ".join(f"{k} {v}" for k, v in sorted((run.dropped or {}).items())) or "-"
            table.add_row(o.source, run.status + (f" ({run.error})" if run.error and run.status != "ok" else ""),
                          str(run.pages_fetched), str(run.articles_new + run.reports_new), str(run.articles_unchanged),
                          str(run.articles_revised), str(run.articles_aliased), dropped, f"{o.seconds:.1f}")
    engine.dispose()
    console.print(table)
    failed = [o.source for o in outcomes if o.status not in ("ok", "partial")]
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(outcomes)} crawl(s) did not succeed: {', '.join(failed)}")
