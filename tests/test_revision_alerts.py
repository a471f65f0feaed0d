"""A council rewriting its statement alerts a revision rule once; a typo fix does not."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from email.header import decode_header, make_header
from pathlib import Path

from sqlalchemy import Engine

from scheduler.alerts import run_matcher
from scheduler.config import load_config
from scheduler.dispatcher import dispatch_due
from storage.db import session_scope
from storage.repository import ArticleInput, Outcome, store_article

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
URL = "https://news.croydon.gov.uk/croydon-council-statement-in-response-to-ofsted-report/"


def statement(body: str) -> ArticleInput:
    return ArticleInput(source="croydon", canonical_url=URL, title="Croydon Council statement in response to Ofsted report",
                        body=body, published_at=datetime(2017, 9, 4, 7, 47, tzinfo=UTC), la_codes=["E09000008"],
                        baseline=True)


def test_major_revision_alerts_once_and_typo_fix_never(engine: Engine, tmp_path: Path) -> None:
    seed = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    paras = [p.strip() for p in seed.split("\n\n")[1:14] if p.strip()]
    config_file = tmp_path / "carewatch.toml"
    config_file.write_text(f'[mail]\nmaildir = "{tmp_path / "maildir"}"\n[operator]\nemail = "op@example.org"\n'
                           '[rules.statements]\nitem = "revision"\nrecipients = ["press@example.org"]\n'
                           'source_kinds = ["council"]\n', encoding="utf-8")
    config = load_config(config_file)

    with session_scope(engine) as s:  # the baseline text: never alerts
        assert store_article(s, statement("\n".join(paras))).outcome is Outcome.NEW
    with session_scope(engine) as s:  # a typo fix
        typo = "\n".join(paras).replace("Ofsted", "Ofsted.", 1)
        assert store_article(s, statement(typo)).outcome is Outcome.REVISED
    with session_scope(engine) as s:  # the council rewrites its statement
        rewritten = "\n".join([
            "Croydon Council has today set out a new plan for children's services after talks with the "
            "Department for Education and the commissioner appointed to oversee the improvement work.",
            "The leader said the council would publish monthly progress figures and that an independent chair "
            "would lead a new improvement board meeting every fortnight from October onwards.",
            *paras[:2],
        ])
        assert store_article(s, statement(rewritten)).outcome is Outcome.REVISED

    run_matcher(engine, config)
    run_matcher(engine, config)  # matching twice changes nothing
    dispatch_due(engine, config)

    messages = list(mailbox.Maildir(tmp_path / "maildir", create=False))
    to_press = [m for m in messages if m["To"] == "press@example.org"]
    assert len(to_press) == 1
    subject = str(make_header(decode_header(to_press[0]["Subject"])))
    assert subject.startswith("Updated: Croydon — Croydon Council statement in response to Ofsted report")
