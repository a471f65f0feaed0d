"""Query parameters shared by the pages, exports, feeds and the API, checked into 400s.

Everything arrives as text (an HTML form sends empty fields as ``name=``); a value that
cannot be used raises :class:`BadInput` naming the parameter, which the app turns into a 400
page (or JSON) saying what was wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from fastapi import HTTPException

from storage.gazetteer import LocalAuthority, UnknownLA, las_in_region, regions
from storage.queries import resolve_la
from web.settings import WebSettings

MAX_PAGE = 10_000
MAX_VALUE_CHARS = 200
FORMATS = ("html", "csv", "json")
KINDS = ("article", "report")
SOURCE_KINDS = ("council", "trade_press", "local_news", "regulator")


class BadInput(HTTPException):
    def __init__(self, param: str, problem: str, status: int = 400) -> None:
        super().__init__(status_code=status, detail=f"{param}: {problem}")


def text(value: str | None, param: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_VALUE_CHARS:
        raise BadInput(param, f"too long ({len(value)} characters; at most {MAX_VALUE_CHARS})")
    return value


def day(value: str | None, param: str) -> date | None:
    value = text(value, param)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(param, f"{value!r} is not a date (YYYY-MM-DD)") from None


def page_number(value: str | None, param: str = "page") -> int:
    value = text(value, param)
    if not value:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise BadInput(param, f"{value!r} is not a page number (1 to {MAX_PAGE})")
    return int(value)


def choice(value: str | None, param: str, allowed: Sequence[str], default: str) -> str:
    value = text(value, param) or default
    if value not in allowed:
        raise BadInput(param, f"{value!r} is not one of: {', '.join(allowed)}")
    return value


def la(value: str, param: str = "la") -> LocalAuthority:
    try:
        return resolve_la(text(value, param))
    except UnknownLA as exc:
        raise BadInput(param, str(exc), status=404 if param == "LA" else 400) from None


def region(value: str | None) -> str | None:
    value = text(value, "region")
    if not value:
        return None
    if not las_in_region(value):
        raise BadInput("region", f"unknown region {value!r}; one of: {', '.join(regions())}")
    return value


@dataclass(frozen=True, kw_only=True)
class Filters:
    """The listing filters (LA, region, source, source kind, item kind, dates) as given and as resolved."""

    las: tuple[LocalAuthority, ...] = ()
    region: str | None = None
    sources: tuple[str, ...] = ()
    source_kind: str | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None
    #: the query parameters as received (for links that keep them)
    params: dict[str, object] = field(default_factory=dict)

    @property
    def la_codes(self) -> list[str]:
        """LAs asked for, narrowed (or given) by the region; [] means any."""
        codes = [x.ons_code for x in self.las]
        if self.region:
            in_region = {x.ons_code for x in las_in_region(self.region)}
            codes = [c for c in codes if c in in_region] if codes else sorted(in_region)
            if not codes:
                codes = ["-none-"]
        return codes

    def source_ids(self, settings: WebSettings) -> list[str] | None:
        """Sources asked for (by id or kind); None means any."""
        chosen: list[str] | None = list(self.sources) or None
        if self.source_kind:
            of_kind = [sid for sid, s in settings.sources.items() if s.kind == self.source_kind]
            if self.source_kind == "regulator" and "ofsted" not in of_kind:
                of_kind.append("ofsted")
            chosen = [s for s in chosen if s in of_kind] if chosen is not None else of_kind
        return chosen


def filters(settings: WebSettings, *, la_values: Sequence[str] = (), region_value: str | None = None,
            source_values: Sequence[str] = (), source_kind: str | None = None, kind: str | None = None,
            since: str | None = None, until: str | None = None) -> Filters:
    if len(la_values) > 20 or len(source_values) > 20:
        raise BadInput("la" if len(la_values) > 20 else "source", "at most 20 values")
    chosen = tuple(la(v) for v in la_values if v.strip())
    sources = tuple(dict.fromkeys(text(s, "source") for s in source_values if s.strip()))
    for sid in sources:
        if settings.sources and sid not in settings.sources and sid != "ofsted":
            raise BadInput("source", f"unknown source {sid!r}; one of: {', '.join(sorted(settings.sources))}")
    kind_value = choice(kind, "kind", ("", *KINDS), "") or None
    sk = choice(source_kind, "source_kind", ("", *SOURCE_KINDS), "") or None
    start, end = day(since, "since"), day(until, "until")
    if start and end and start > end:
        raise BadInput("until", f"{end} is before since ({start})")
    params: dict[str, object] = {"la": [x for x in la_values if x.strip()], "region": region_value or None,
                                 "source": list(sources), "source_kind": sk, "kind": kind_value,
                                 "since": since or None, "until": until or None}
    return Filters(las=chosen, region=region(region_value), sources=sources, source_kind=sk, kind=kind_value,
                   since=start, until=end, params=params)
