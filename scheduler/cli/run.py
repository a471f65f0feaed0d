"""``carewatch run``: the monitoring service (scheduled crawls, alerts, digests)."""

from __future__ import annotations

import logging
import sys

import click

from scheduler.cli import main
from scheduler.cli.common import app_config, open_engine


@main.command("run")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.pass_context
def run_cmd(ctx: click.Context, log_level: str) -> None:
    """Run the service: crawl each source on its schedule and email alerts. Stop with Ctrl-C."""
    from scheduler.service import Service

    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(max(logging.INFO, logging.getLevelName(log_level.upper())))
    config = app_config(ctx)
    Service(config, engine=open_engine(config.database_url)).run()
