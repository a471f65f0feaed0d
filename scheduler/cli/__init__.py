"""The ``carewatch`` command line.

Each command lives in its own module in this package and registers itself on ``main``.
Our own errors become one ``Error: …`` line and exit status 1; usage errors exit 2.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.exc import InterfaceError, NoSuchModuleError, OperationalError

from crawler.config import ConfigError
from scheduler.errors import AlreadyRunning, NotifierError
from storage.errors import StorageError
from web.settings import WebConfigError

USER_ERRORS: tuple[type[BaseException], ...] = (ConfigError, StorageError, NotifierError, AlreadyRunning, LookupError,
                                                WebConfigError)


class CarewatchGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            raise click.ClickException(str(message)) from None
        except (OperationalError, InterfaceError, NoSuchModuleError) as exc:
            # The database cannot be reached or its URL is wrong: one line, not a traceback.
            config = (ctx.find_root().obj or {}).get("app_config")
            if config is None:
                raise
            from scheduler.cli.common import database_error

            raise click.ClickException(str(database_error(config.database_url, exc))) from None


@click.group(cls=CarewatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "-c", "config_file", type=click.Path(dir_okay=False), envvar="CAREWATCH_CONFIG",
              help="carewatch.toml to use (default: $CAREWATCH_CONFIG, else ./carewatch.toml).")
@click.version_option(package_name="carewatch")
@click.pass_context
def main(ctx: click.Context, config_file: str | None) -> None:
    """carewatch: Ofsted reports and news on English councils' children's services."""
    ctx.obj = {"config_file": config_file}


def _register() -> None:
    from scheduler.cli import (  # noqa: F401
        alerts,
        articles,
        crawl,
        db,
        ratings,
        run,
        sources,
        sources_add,
        status,
        stories,
        web,
    )


_register()
