"""Inspection-date parsing for every shape met in real Ofsted reports (SOURCES.md §2.9).

Handled: "14 to 25 October 2024", "15 to 26 November" (year elsewhere: ``fallback_year``),
"28 February to 4 March 2019", "11 September 2017 to 5 October 2017", Derbyshire's two blocks
"8 July 2019 to 12 July 2019 and 7 August 2019 to 8 August 2019" (first day to last day),
"19 November–30 November 2018", split digits "1 9 June 2019", split years "20 23", NBSPs,
SIF's "20 June – 13 July 2017", the letters' "15 and 16 June 2021", numeric dates
"1/06/2015" (day first) and ranges joined by "to", "-", "–", "—" or a box-drawing "─".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from crawler.ofsted.normalise import normalise_text

__all__ = ["MONTHS", "parse_date_range", "parse_day_month_year"]

MONTHS: dict[str, int] = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_CONNECTORS = {"to", "and", "-", "–", "—", "─", "&", ",", "until", "till"}
_SKIP = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "on", "from", "between", "the", "of", "st", "nd", "rd", "th",
}  # fmt: skip
_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})$")
_TOKEN = re.compile(r"\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b|\d+|[A-Za-z]+|[–—─&,-]|\S")


@dataclass
class _Point:
    day: int
    month: int | None = None
    year: int | None = None


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise_text(text))


def _points(tokens: list[str]) -> list[_Point]:
    points: list[_Point] = []
    i = 0
    n = len(tokens)
    prev_kind = ""  # "", "num", "month", "conn"
    while i < n:
        tok = tokens[i]
        low = tok.lower()
        numeric = _NUMERIC.match(tok)
        if numeric:
            day, month, year = (int(g) for g in numeric.groups())
            if not (1 <= day <= 31 and 1 <= month <= 12):
                break
            points.append(_Point(day, month, year + 2000 if year < 100 else year))
            i, prev_kind = i + 1, "year"
            continue
        if tok.isdigit():
            run = [tok]
            j = i + 1
            while j < n and tokens[j].isdigit():
                run.append(tokens[j])
                j += 1
            digits = "".join(run)
            after_month = prev_kind == "month"
            if after_month and len(digits) == 4 and 1990 <= int(digits) <= 2099:
                if points and points[-1].year is None:
                    points[-1].year = int(digits)
                    i, prev_kind = j, "year"
                    continue
            if after_month and len(digits) > 4 and digits[:2] in ("19", "20"):
                # "2019 15" glued: a year then a day
                if points and points[-1].year is None:
                    points[-1].year = int(digits[:4])
                day = int(digits[4:])
            else:
                day = int(digits)
            if not 1 <= day <= 31:
                if points:
                    break
                return []
            points.append(_Point(day))
            i, prev_kind = j, "num"
            continue
        if low in MONTHS:
            month = MONTHS[low]
            if not points:
                return []
            # the month belongs to the latest day; days without a month take the next one
            if points[-1].month is None:
                points[-1].month = month
            else:
                break
            i, prev_kind = i + 1, "month"
            continue
        if low in _CONNECTORS:
            i, prev_kind = i + 1, "conn"
            continue
        if low in _SKIP or low == ".":
            if low == "." and points:
                break
            i += 1
            continue
        if points:
            break
        i += 1
        if i > 6:  # nothing date-like near the start
            return []
    return points


def parse_date_range(
    text: str, *, fallback_year: int | None = None
) -> tuple[date | None, date | None]:
    """First and last day of the date expression at the start of ``text``.

    Parsing stops at the first word that is not part of a date ("Lead inspector", "Report
    published", a full stop). Days without a month take the next month given, days without a
    year take the next year given, else ``fallback_year``; a start that would fall after the end
    ("15 December to 10 January 2019") moves back one year. Returns ``(None, None)`` when no
    complete date is found.
    """
    points = _points(_tokens(text))
    if not points:
        return None, None
    # backfill months and years from later points
    next_month: int | None = None
    next_year: int | None = fallback_year
    for p in reversed(points):
        if p.month is None:
            p.month = next_month
        else:
            next_month = p.month
        if p.year is None:
            p.year = next_year
        else:
            next_year = p.year
    dates: list[date] = []
    for p in points:
        if p.month is None or p.year is None:
            continue
        try:
            dates.append(date(p.year, p.month, p.day))
        except ValueError:
            continue
    if not dates:
        return None, None
    start, end = dates[0], dates[-1]
    if start > end:
        try:
            start = start.replace(year=start.year - 1)
        except ValueError:
            return None, end
    return start, end


def parse_day_month_year(text: str) -> date | None:
    """One date such as "4 September 2017" or "04 september 2017" (first day found)."""
    start, _ = parse_date_range(text)
    return start


def has_year(text: str) -> bool:
    """Whether the date expression at the start of ``text`` carries its own year."""
    return any(p.year is not None for p in _points(_tokens(text)))
