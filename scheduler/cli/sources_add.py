"""``carewatch sources add URL``: look at a news site and add it as a source.

Fetches the home page and robots.txt, finds feeds, sitemaps and a news listing
(crawler.discovery), reads a few articles with carewatch's extractor, proposes the LA, shows
all that, and on confirmation appends a ``[sources.<id>]`` table to carewatch.toml. The
user's file is never rewritten: the table is appended (comments and all else kept), an
existing table of that id is an error, and the new file is checked with the source loader
before it replaces the old one.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import tomli_w
from rich.table import Table

from crawler.config import DEFAULT_CONFIG_NAME, ConfigError, load_toml
from crawler.discovery import Discovery, DiscoveryError, discover
from crawler.sources import KINDS, load_sources
from scheduler.cli.common import console
from scheduler.cli.sources import sources_cmd
from storage.dedup import clean_url

#: pages a listing source reads per crawl when the listing has a "next" link
LISTING_PAGES = 3
_ID = re.compile(r"[a-z][a-z0-9_]*")
_GENERIC_LABELS = {"www", "news", "gov", "uk", "co", "org", "com", "net", "council", "press", "newsroom"}


@sources_cmd.command("add")
@click.argument("url")
@click.option("--id", "source_id", help="Source id (default: from the LA or the domain).")
@click.option("--kind", type=click.Choice([k for k in KINDS if k != "regulator"]), default="council",
              show_default=True, help="Kind of source.")
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Write without asking (for scripts).")
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between two requests to the site.")
@click.pass_context
def sources_add_cmd(ctx: click.Context, url: str, source_id: str | None, kind: str,
                    assume_yes: bool, delay: float) -> None:
    """Look at the news site at URL and add it to carewatch.toml as a source."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.ClickException(f"{url!r} is not an http(s) URL (give it whole, e.g. https://news.example.gov.uk/)")
    if source_id is not None and not _ID.fullmatch(source_id):
        raise click.ClickException(f"--id {source_id!r}: source ids are lower-case letters, digits and _")
    path = _config_file(ctx)
    taken = _taken_ids(path)
    if source_id is not None:
        _check_free(source_id, path, taken)

    from crawler.sitefetch import SiteFetcher  # Scrapy settings only for the User-Agent
    fetcher = SiteFetcher(_user_agent(path), delay=delay)
    try:
        found = discover(parts.geturl(), fetcher)
    except DiscoveryError as exc:
        raise click.ClickException(str(exc)) from None

    sid = source_id or _propose_id(found, taken)
    table = source_table(found, kind)
    text = _table_text(sid, table, found)
    _show(found, fetcher.requests)
    console.print(f"\nTo be added to [bold]{path}[/]:\n")
    console.print(text, markup=False, highlight=False)
    if not assume_yes and not click.confirm(f"Add [sources.{sid}] to {path}?", default=True):
        console.print("Nothing written.")
        return
    _append(path, sid, text)
    console.print(f"Added [sources.{sid}] to {path}. Crawl it now with: carewatch crawl {sid}", markup=False)


# -- the configuration file ------------------------------------------------------------------


def _config_file(ctx: click.Context) -> Path:
    explicit = (ctx.find_root().obj or {}).get("config_file")  # --config or $CAREWATCH_CONFIG
    return Path(explicit) if explicit else Path.cwd() / DEFAULT_CONFIG_NAME


def _taken_ids(path: Path) -> dict[str, str]:
    """Source ids in use -> where ("built-in", or the file). Checks the file loads as it is."""
    user = load_toml(path) if path.is_file() else {}
    sources = load_sources(path if path.is_file() else None, data=user)
    mine = user.get("sources", {})
    return {sid: (str(path) if sid in mine else "built-in") for sid in sources}


def _check_free(sid: str, path: Path, taken: dict[str, str]) -> None:
    where = taken.get(sid)
    if where == "built-in":
        raise click.ClickException(f"[sources.{sid}] is a built-in source; choose another --id")
    if where:
        raise click.ClickException(f"{path}: [sources.{sid}] already exists; choose another --id "
                                   "or edit that table by hand")


def _propose_id(found: Discovery, taken: dict[str, str]) -> str:
    if found.la is not None:
        base = found.la.la.name
    else:
        labels = [x for x in found.host.split(".") if x not in _GENERIC_LABELS and not x.isdigit()]
        base = labels[0] if labels else "council"
    stem = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
    stem = stem if _ID.fullmatch(stem) else f"site_{stem}"
    for candidate in (stem, f"{stem}_news", *(f"{stem}_{n}" for n in range(2, 100))):
        if candidate not in taken:
            return candidate
    raise click.ClickException(f"no free source id for {found.host}; give one with --id")


def _user_agent(path: Path) -> str:
    from scrapy.settings import Settings

    from crawler.context import user_agent

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("CAREWATCH_CONFIG", str(path) if path.is_file() else None)
    return user_agent(settings)


def source_table(found: Discovery, kind: str) -> dict[str, Any]:
    """The ``[sources.<id>]`` keys for what was found (only keys the source loader knows)."""
    hosts = [found.host, *(urlsplit(s.url).hostname or "" for s in found.samples)]
    name = found.site_name or (found.la.la.official_name if found.la else found.host)
    table: dict[str, Any] = {
        "name": name if "news" in name.lower() else f"{name} news",
        "kind": kind,
        "domains": list(dict.fromkeys(h.lower() for h in hosts if h)),
    }
    if found.mode == "feed":
        table["feeds"] = [f.url for f in found.feeds]
    elif found.mode == "sitemap":
        table["sitemaps"] = [s.url for s in found.sitemaps if s.news]
    elif found.mode == "listing" and found.listing is not None:
        listing: dict[str, Any] = {"url": found.listing.url, "max_pages": 1}
        if found.listing.next_css:
            listing.update(max_pages=LISTING_PAGES, next=found.listing.next_css)
        table["listings"] = [listing]
    if found.allow:
        table["allow"] = [found.allow]
    table["topic_filter"] = kind in ("council", "local_news")  # they carry all sorts of news
    table["interval_minutes"] = 60 if kind == "council" else 120
    return table


def _table_text(sid: str, table: dict[str, Any], found: Discovery) -> str:
    notes = [f"# Added by `carewatch sources add {found.url}`: start point found: {found.mode}."]
    if found.la is not None:
        la = found.la.la
        notes.append(f"# LA: {la.name} ({la.ons_code}), from {'; '.join(found.la.evidence)}.")
    return "\n".join(notes) + "\n" + tomli_w.dumps({"sources": {sid: table}})


def _append(path: Path, sid: str, text: str) -> None:
    """Append ``text`` to the file (created if absent) once the result is known to load."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    new = old + ("\n" if old and not old.endswith("\n") else "") + ("\n" if old.strip() else "") + text
    try:
        data = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:  # e.g. `sources = {…}` inline: a table cannot be added
        raise click.ClickException(f"{path}: cannot add [sources.{sid}] to this file ({exc}); "
                                   "add it by hand") from None
    load_sources(path, data=data)  # ConfigError names the file and the table
    directory = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(new)
        if path.is_file():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(path, None, f"cannot be written: {exc.strerror}") from None


# -- what was found --------------------------------------------------------------------------


def _show(found: Discovery, requests: int) -> None:
    console.print(f"[bold]{found.site_name or found.host}[/] ({found.url}), {requests} requests")
    points = Table("start point", "URL", "what it holds", title="Found", title_justify="left")
    for feed in found.feeds:
        points.add_row(_mark("feed", found), feed.url, f"feed '{feed.title or ''}', {len(feed.links)} items on the site")
    for sm in found.sitemaps:
        points.add_row(_mark("sitemap", found), sm.url,
                       f"sitemap ({sm.origin}), {sm.urls} pages, {len(sm.news)} news pages")
    if found.listing is not None:
        nxt = f", next page: {found.listing.next_css}" if found.listing.next_css else ""
        points.add_row(_mark("listing", found), found.listing.url,
                       f"news listing, {len(found.listing.links)} headline links{nxt}")
    console.print(points)
    la = found.la
    console.print(f"LA: [bold]{la.la.name}[/] ({la.la.ons_code}, {la.la.region}), from {'; '.join(la.evidence)}"
                  if la else "LA: none proposed (no clear evidence in the domain or the pages)")
    samples = Table("title", "published", "words", "URL", title=f"Sample articles (via the {found.mode})",
                    title_justify="left")
    for s in found.samples:
        samples.add_row(s.title, s.published.date().isoformat() if s.published else "no date", str(s.words),
                        clean_url(s.url))
    console.print(samples)
    if found.refused:
        console.print(f"{len(found.refused)} candidate page(s) not read as articles: "
                      + "; ".join(f"{clean_url(u)} ({r})" for u, r in found.refused[:3]), markup=False)


def _mark(mode: str, found: Discovery) -> str:
    return f"{mode} (proposed)" if found.mode == mode else mode
