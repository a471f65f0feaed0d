"""Publication date: declared metadata first, then the article's own header, never teasers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from lxml.etree import _Element

from crawler.extraction.lines import Line
from crawler.extraction.meta import PageMeta

LONDON = ZoneInfo("Europe/London")
_MON = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?)?")
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MON},?\s+(\d{{4}})\b", re.I)
_MDY = re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_NUM = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\s*(am|pm)?\b", re.I)
_NOT_PUBLISHED = re.compile(
    r"(updated|modified|revised|reviewed|edited|closes|closing|deadline|until|ends|expires"
    r"|due|from|between|since|before|after|by)(\W+(on|at))?\W*$", re.I)
_PUBLISHED = re.compile(r"(published|posted|press release|released|issued|first published"
                        r"|date)\W*(on\W*)?$", re.I)
_UPDATED_LINE = re.compile(r"^\W*(last )?(updated|modified|reviewed|revised)\b", re.I)
_URL_DATE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})(?:/|$)|[=/](\d{4})-(\d{2})-(\d{2})(?:[-/&]|$)")
_META_KEYS = ("article:published_time", "og:article:published_time", "datepublished",
              "article.published", "published_time", "pubdate", "publishdate", "publish-date",
              "publish_date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
              "sailthru.date", "parsely-pub-date", "citation_publication_date",
              "original-publish-date", "date")


@dataclass(frozen=True)
class Found:
    when: datetime
    raw: str
    start: int = 0
    end: int = 0


def _valid(y: int, m: int, d: int) -> bool:
    now = datetime.now(UTC).year
    return 1990 <= y <= now + 1 and 1 <= m <= 12 and 1 <= d <= 31


def _aware(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0,
           tz: str | None = None) -> datetime | None:
    try:
        if tz:
            if tz.upper() == "Z":
                zone: timezone | ZoneInfo = UTC
            else:
                sign = 1 if tz[0] == "+" else -1
                digits = tz[1:].replace(":", "")
                zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
            return datetime(y, mo, d, h, mi, s, tzinfo=zone)
        return datetime(y, mo, d, h, mi, s, tzinfo=LONDON)
    except ValueError:
        return None


def dates_in(text: str) -> list[Found]:
    """Every full date (with year) written in ``text``, in order."""
    out: list[Found] = []
    for m in _ISO.finditer(text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        if _valid(y, mo, d):
            when = _aware(y, mo, d, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0), m[7])
            if when:
                out.append(Found(when, m[0], m.start(), m.end()))
    for rx, order in ((_DMY, "dmy"), (_MDY, "mdy"), (_NUM, "num")):
        for m in rx.finditer(text):
            if any(f.start <= m.start() < f.end for f in out):
                continue
            if order == "dmy":
                d, mo, y = int(m[1]), _MONTHS[m[2][:3].lower()], int(m[3])
            elif order == "mdy":
                mo, d, y = _MONTHS[m[1][:3].lower()], int(m[2]), int(m[3])
            else:
                d, mo, y = int(m[1]), int(m[2]), int(m[3])
                if mo > 12 >= d:
                    d, mo = mo, d
            if not _valid(y, mo, d):
                continue
            h = mi = 0
            near = text[max(0, m.start() - 12):m.start()] + " " + text[m.end():m.end() + 12]
            t = _TIME.search(near)
            if t:
                h, mi = int(t[1]), int(t[2])
                if t[3] and t[3].lower() == "pm" and h < 12:
                    h += 12
            when = _aware(y, mo, d, h, mi)
            if when:
                out.append(Found(when, m[0], m.start(), m.end()))
    return sorted(out, key=lambda f: f.start)


def parse_value(value: str) -> Found | None:
    found = dates_in(value.strip())
    return Found(found[0].when, value.strip()) if found else None


def from_metadata(pm: PageMeta) -> Found | None:
    for key in ("datePublished", "dateCreated"):
        value = pm.ld_value(key)
        if isinstance(value, str) and (f := parse_value(value)):
            return f
    for key in _META_KEYS:
        value = pm.get(key)
        if value and (f := parse_value(value)):
            return f
    return None


def _attr_dates(el: _Element) -> list[str]:
    values = []
    for node in el.iter():
        for attr in ("datetime", "content", "title", "data-date"):
            value = node.get(attr)
            if value and _ISO.search(value):
                if attr == "content" and node.get("itemprop", "").lower() not in (
                        "datepublished", "datecreated"):
                    continue
                values.append(value)
    return values


def _candidates(line: Line, allow_plain: bool) -> list[tuple[int, Found]]:
    """(rank, date) pairs for one line: 0 labelled published, 1 machine-readable, 2 plain."""
    out: list[tuple[int, Found]] = []
    text = line.text
    if _UPDATED_LINE.match(text) and not re.search(r"published|posted", text, re.I):
        return out
    prev_end = 0
    for f in dates_in(text):
        before = text[prev_end:f.start]
        prev_end = f.end
        if _NOT_PUBLISHED.search(before):
            continue
        if _PUBLISHED.search(before):
            out.append((0, Found(f.when, text)))
        elif allow_plain:
            out.append((2, Found(f.when, text)))
    for value in _attr_dates(line.el):
        if (parsed := parse_value(value)) is not None:
            out.append((1, Found(parsed.when, value)))
    return out


def from_page(lines: Sequence[Line], title_idx: int | None, body_start: int,
              body_end: int) -> Found | None:
    """A date near the headline (after it, then before it), else just after the body."""
    if title_idx is None:
        title_idx = body_start
        after: list[Line] = []
    else:
        after = list(lines[title_idx + 1:body_start])[:12]
    before = list(reversed(lines[max(0, title_idx - 4):title_idx]))
    tail: list[Line] = []
    for ln in lines[body_end + 1:body_end + 5]:
        if ln.heading:
            break
        tail.append(ln)
    best: tuple[int, int, int, Found] | None = None
    for zone_no, zone in enumerate((after, before, tail)):
        for pos, ln in enumerate(zone):
            if ln.link_density > 0.5:
                continue
            for rank, f in _candidates(ln, allow_plain=ln.words <= 25):
                key = (rank + (3 if zone_no == 2 else 0), zone_no, pos)
                if best is None or key < best[:3]:
                    best = (*key, f)
    return best[3] if best else None


def from_url(url: str) -> Found | None:
    m = _URL_DATE.search(url)
    if not m:
        return None
    y, mo, d = (int(x) for x in (m[1] or m[4], m[2] or m[5], m[3] or m[6]))
    when = _aware(y, mo, d) if _valid(y, mo, d) else None
    return Found(when, m[0]) if when else None


def from_htmldate(html: str, url: str) -> Found | None:
    try:
        from htmldate import find_date

        value = find_date(html, url=url or None, original_date=True, extensive_search=False)
    except Exception:  # htmldate is a last resort; any failure means "no date"
        return None
    return parse_value(value) if value else None
