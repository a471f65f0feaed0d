"""The per-crawl context shared by pipelines and extensions: engine, crawl-run row, baseline."""

from __future__ import annotations

import os
from dataclasses import dataclass

from scrapy.crawler import Crawler
from sqlalchemy import Engine

from crawler.context import database_url
from storage.db import create_schema, make_engine, session_scope
from storage.repository import source_state, start_run


@dataclass
class RunState:
    engine: Engine
    run_id: int
    source: str
    #: first successful crawl of this source: store, do not alert (RELIABILITY.md B9)
    baseline: bool


def run_state(crawler: Crawler) -> RunState:
    """The crawl's RunState, created (schema upgraded, crawl run opened) on first use."""
    existing = getattr(crawler, "_carewatch_run", None)
    if existing is not None:
        return existing
    assert crawler.spider is not None
    source = crawler.spider.name
    engine = make_engine(database_url(crawler.settings))
    create_schema(engine)
    run_id_setting = crawler.settings.get("CAREWATCH_RUN_ID")
    with session_scope(engine) as session:
        state = source_state(session, source)
        baseline = not state.baseline_done
        if run_id_setting:
            run_id = int(run_id_setting)
        else:
            run_id = start_run(
                session, source, trigger=crawler.settings.get("CAREWATCH_TRIGGER", "manual"), pid=os.getpid()
            ).id
    state_obj = RunState(engine=engine, run_id=run_id, source=source, baseline=baseline)
    crawler._carewatch_run = state_obj  # type: ignore[attr-defined]
    return state_obj
