"""``carewatch sources add URL``: look at a news site and add it as a source.

The looking is ``python -m crawler.discovery URL`` in a child process with a time limit (the
CLI, like the service, never loads Scrapy or fetches pages itself): it fetches the home page and
robots.txt, finds feeds, sitemaps and a news listing, reads a few articles with carewatch's
extractor and proposes the LA. This module shows what it found and, on confirmation, appends a
``[sources.<id>]`` table to carewatch.toml. The
user's file is never rewritten: the table is appended (comments and all else kept), an
existing table of that id is an error, and the new file is checked with the source loader
before it replaces the old one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import tomli_w
from rich.table import Table

from crawler.config import DEFAULT_CONFIG_NAME, ConfigError, load_toml
from crawler.sources import KINDS, load_sources
from scheduler.cli.common import console
from scheduler.cli.sources import sources_cmd
from scheduler.runner import PROJECT_ROOT

#: pages a listing source reads per crawl when the listing has a "next" link
LISTING_PAGES = 3
#: seconds the discovery child may take (about 40 requests at most, plus extraction)
DISCOVERY_LIMIT = 300
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

    found = _discover(parts.geturl(), path, delay)
    sid = source_id or _propose_id(found, taken)
    table = source_table(found, kind)
    text = _table_text(sid, table, found)
    _show(found)
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


def _discover(url: str, path: Path, delay: float) -> dict[str, Any]:
    """Run the discovery child; what it found, or a ClickException saying why not."""
    env = {k: v for k, v in os.environ.items() if k != "CAREWATCH_CONFIG"}
    if path.is_file():
        env["CAREWATCH_CONFIG"] = str(path.resolve())  # the User-Agent's contact comes from it
    cmd = [sys.executable, "-m", "crawler.discovery", url, "--delay", str(delay)]
    try:
        proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, text=True, timeout=DISCOVERY_LIMIT)
    except subprocess.TimeoutExpired:
        raise click.ClickException(f"looking at {url} took more than {DISCOVERY_LIMIT} s; stopped") from None
    lines = proc.stdout.strip().splitlines()
    try:
        found: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        found = {}
    if "error" in found:
        raise click.ClickException(str(found["error"]))
    if proc.returncode != 0 or "mode" not in found:
        raise click.ClickException(f"looking at {url} failed (the discovery process exited with code "
                                   f"{proc.returncode})")
    return found


def _propose_id(found: dict[str, Any], taken: dict[str, str]) -> str:
    if found["la"] is not None:
        base = found["la"]["name"]
    else:
        labels = [x for x in found["host"].split(".") if x not in _GENERIC_LABELS and not x.isdigit()]
        base = labels[0] if labels else "council"
    stem = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
    stem = stem if _ID.fullmatch(stem) else f"site_{stem}"
    for candidate in (stem, f"{stem}_news", *(f"{stem}_{n}" for n in range(2, 100))):
        if candidate not in taken:
            return candidate
    raise click.ClickException(f"no free source id for {found['host']}; give one with --id")


def source_table(found: dict[str, Any], kind: str) -> dict[str, Any]:
    """The ``[sources.<id>]`` keys for what was found (only keys the source loader knows)."""
    hosts = [found["host"], *(urlsplit(s["url"]).hostname or "" for s in found["samples"])]
    name = found["site_name"] or (found["la"]["official_name"] if found["la"] else found["host"])
    table: dict[str, Any] = {
        "name": name if "news" in name.lower() else f"{name} news",
        "kind": kind,
        "domains": list(dict.fromkeys(h.lower() for h in hosts if h)),
    }
    mode, listing_found = found["mode"], found["listing"]
    if mode == "feed":
        table["feeds"] = [f["url"] for f in found["feeds"]]
    elif mode == "sitemap":
        table["sitemaps"] = [s["url"] for s in found["sitemaps"] if s["news"]]
    elif mode == "listing" and listing_found is not None:
        listing: dict[str, Any] = {"url": listing_found["url"], "max_pages": 1}
        if listing_found["next"]:
            listing.update(max_pages=LISTING_PAGES, next=listing_found["next"])
        table["listings"] = [listing]
    if found["allow"]:
        table["allow"] = [found["allow"]]
    table["topic_filter"] = kind in ("council", "local_news")  # they carry all sorts of news
    table["interval_minutes"] = 60 if kind == "council" else 120
    return table


def _table_text(sid: str, table: dict[str, Any], found: dict[str, Any]) -> str:
    notes = [f"# Added by `carewatch sources add {found['url']}`: start point found: {found['mode']}."]
    la = found["la"]
    if la is not None:
        notes.append(f"# LA: {la['name']} ({la['ons_code']}), from {'; '.join(la['evidence'])}.")
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


def _show(found: dict[str, Any]) -> None:
    console.print(f"[bold]{found['site_name'] or found['host']}[/] ({found['url']}), {found['requests']} requests")
    points = Table("start point", "URL", "what it holds", title="Found", title_justify="left")
    mark = {m: f"{m} (proposed)" if found["mode"] == m else m for m in ("feed", "sitemap", "listing")}
    for feed in found["feeds"]:
        points.add_row(mark["feed"], feed["url"], f"feed '{feed['title'] or ''}', {feed['items']} items on the site")
    for sm in found["sitemaps"]:
        points.add_row(mark["sitemap"], sm["url"],
                       f"sitemap ({sm['origin']}), {sm['pages']} pages, {sm['news']} news pages")
    if (listing := found["listing"]) is not None:
        nxt = f", next page: {listing['next']}" if listing["next"] else ""
        points.add_row(mark["listing"], listing["url"], f"news listing, {listing['links']} headline links{nxt}")
    console.print(points)
    la = found["la"]
    console.print(f"LA: [bold]{la['name']}[/] ({la['ons_code']}, {la['region']}), from {'; '.join(la['evidence'])}"
                  if la else "LA: none proposed (no clear evidence in the domain or the pages)")
    samples = Table("title", "published", "words", "URL", title=f"Sample articles (via the {found['mode']})",
                    title_justify="left")
    for s in found["samples"]:
        samples.add_row(s["title"], (s["published"] or "no date")[:10], str(s["words"]), s["url"])
    console.print(samples)
    if found["refused"]:
        console.print(f"{len(found['refused'])} candidate page(s) not read as articles: "
                      + "; ".join(f"{u} ({r})" for u, r in found["refused"][:3]), markup=False)
