"""``carewatch alerts``: list rules and recent deliveries; send a test alert."""

from __future__ import annotations

from datetime import date

import click
from rich.table import Table

from scheduler.cli import main
from scheduler.cli.common import app_config, console, engine_for
from storage.archive import delivery_rows
from storage.db import session_scope


@main.group("alerts")
def alerts_group() -> None:
    """Alert rules and deliveries."""


@alerts_group.command("list")
@click.option("--limit", type=int, default=20, show_default=True, help="Recent deliveries to show.")
@click.pass_context
def alerts_list(ctx: click.Context, limit: int) -> None:
    """The alert rules, then the most recent deliveries."""
    config = app_config(ctx)
    table = Table("rule", "matches", "delivery", "recipients", title="alert rules")
    for rule in config.rules.values():
        delivery = "immediate" if rule.delivery == "immediate" else f"digest at {rule.digest_at}"
        table.add_row(rule.name + ("" if rule.enabled else " (disabled)"), rule.describe(), delivery,
                      ", ".join(rule.recipients))
    console.print(table)
    console.print(f"mail: {config.mail.notifier}"
                  + (f" {config.mail.smtp_host}:{config.mail.port}" if config.mail.smtp_host
                     else f" {config.mail.maildir}"))
    engine = engine_for(config)
    try:
        with session_scope(engine) as session:
            rows = [(d.id, d.created_at, d.rule, f"{d.item_kind} {d.item_id}", d.recipient, d.status,
                     d.attempts, d.subject or "", d.last_error or "") for d in delivery_rows(session, limit=limit)]
    finally:
        engine.dispose()
    out = Table("id", "created", "rule", "item", "recipient", "status", "tries", "subject / error",
                title="recent deliveries")
    for r in rows:
        out.add_row(str(r[0]), r[1].strftime("%Y-%m-%d %H:%M"), r[2], r[3], r[4], r[5], str(r[6]),
                    r[8] if r[5] != "sent" and r[8] else r[7])
    console.print(out)


@alerts_group.command("test")
@click.argument("rule_name", metavar="RULE")
@click.option("--to", "recipients", multiple=True, help="Send to this address instead (repeatable).")
@click.pass_context
def alerts_test(ctx: click.Context, rule_name: str, recipients: tuple[str, ...]) -> None:
    """Send one sample alert for RULE through the configured mail settings."""
    from scheduler.dispatcher import stamp
    from scheduler.messages import item_message
    from scheduler.notifiers import build_notifier
    from scheduler.rules import Candidate

    config = app_config(ctx)
    if rule_name not in config.rules:
        raise click.ClickException(f"no rule {rule_name!r}; rules: {', '.join(sorted(config.rules))}")
    rule = config.rules[rule_name]
    sample = Candidate(
        kind=rule.kind, id=0, source="ofsted" if rule.kind == "report" else "communitycare",
        source_name="carewatch test", la_codes=frozenset({"E09000008"}), la_names=("Croydon",),
        title="[TEST] Sample alert from carewatch", body="This is a test message for alert rule "
        f"{rule_name!r}. If you can read it, mail delivery works.",
        url="https://reports.ofsted.gov.uk/", published=date.today(),
        report_type="ilacs_standard" if rule.kind == "report" else None,
        overall_grade="Good" if rule.kind == "report" else None,
        previous_grade="Requires improvement to be good" if rule.kind == "report" else None,
    )
    notifier = build_notifier(config.mail)
    targets = recipients or rule.recipients
    with notifier:
        for n, recipient in enumerate(targets):
            msg = item_message(sample, sender=config.mail.sender, recipient=recipient, rule=rule_name,
                               message_id=f"<carewatch.test-{date.today():%Y%m%d}-{n}-{id(sample)}@carewatch>")
            msg.replace_header("Subject", "[TEST] " + str(msg["Subject"]))
            notifier.send(stamp(msg, config.mail))  # NotifierError -> "Error: ..." and exit 1
            console.print(f"sent test alert for {rule_name} to {recipient} via {notifier.describe()}")
