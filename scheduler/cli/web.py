"""``carewatch web``: serve the dashboard alone (``carewatch run`` serves it beside the scheduler)."""

from __future__ import annotations

import signal
from types import FrameType

import click

from scheduler.cli import main
from scheduler.cli.common import app_config, engine_for


@main.command("web")
@click.option("--host", help="Address to listen on (default: [web] host, 127.0.0.1). Any address but "
              "loopback needs $CAREWATCH_WEB_PASSWORD or [web] password_hash.")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: [web] port, 8080; 0 = any free port).")
@click.option("--hash-password", is_flag=True,
              help="Ask for a password and print its hash for [web] password_hash, then exit.")
@click.pass_context
def web_cmd(ctx: click.Context, host: str | None, port: int | None, hash_password: bool) -> None:
    """Serve the web dashboard and its JSON API, reading the configured database."""
    from web.passwords import hash_password as make_hash

    if hash_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        click.echo(make_hash(password))
        return
    from scheduler.webserver import WebThread, announce, web_settings

    config = app_config(ctx)
    settings = web_settings(config, host=host, port=port)  # refuses a public bind without a password
    engine_for(config, upgrade=True).dispose()  # create or migrate the database first
    server = WebThread(settings)
    url = server.start()
    if url is None:
        raise click.ClickException(f"cannot serve the dashboard on {settings.host}:{settings.port} "
                                   "(address in use or not available)")
    announce(url)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        server.server.should_exit = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while server.thread.is_alive():
            server.thread.join(0.5)
    finally:
        server.stop()
