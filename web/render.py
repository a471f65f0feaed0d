"""Jinja2 templates (autoescaped) and the filters the pages use."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from storage.gazetteer import UnknownLA, by_code
from storage.queries import la_name, la_slug
from web import labels

TEMPLATES = Path(__file__).with_name("templates")


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def highlight(value: str, spans: list[tuple[int, int]]) -> Markup:
    """``value`` escaped, with <mark> around the [start, end) ``spans`` (search matches)."""
    out, at = [], 0
    for start, end in sorted(spans):
        if start < at or end > len(value):
            continue
        out.append(escape(value[at:start]))
        out.append(Markup("<mark>{}</mark>").format(value[start:end]))
        at = end
    out.append(escape(value[at:]))
    return Markup("").join(out)


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return value.isoformat()


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def slug_for(code: str | None) -> str:
    if not code:
        return ""
    try:
        return la_slug(by_code(code))
    except UnknownLA:
        return code


def query(params: dict[str, Any], **changes: Any) -> str:
    """The current filters with some changed, as a query string (for pager and export links)."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value is None or value == "" or value == []:
            continue
        for v in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(v)))
    return urlencode(pairs)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.autoescape = True
    env.filters.update(
        safe_url=safe_url, highlight=highlight, date=fmt_date, time=fmt_time, la_name=la_name, la_slug=slug_for,
        type_name=labels.type_name, framework=labels.framework_name, area_name=labels.area_name, grade_class=labels.grade_class,
        short_grade=labels.short_grade,
    )
    env.globals.update(query=query, no_overall=labels.NO_OVERALL)
    return templates
