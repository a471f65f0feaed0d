"""Judging body lines, sub-sections and nested boxes as article text or boilerplate."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import dropwhile
from urllib.parse import urlsplit

from crawler.extraction import patterns as pt
from crawler.extraction.lines import Line


def promo_points(text: str) -> int:
    """How many kinds of promotional wording a text uses (a price per period counts 2)."""
    if not pt.ANY_PROMO.search(text.lower()):
        return 0
    points = sum(1 for rx in pt.PROMO_GROUPS if rx.search(text))
    if pt.PRICE_PERIOD.search(text):
        points += 2
    return points


#: Lines whose links are their text, not a way elsewhere: headings and code.
_DATA_TAGS = pt.HEADING_TAGS | {"pre"}


def line_is_boilerplate(line: Line, host: str = "") -> bool:
    """A single line that is never article text (``host`` as in section_is_boilerplate)."""
    text, words = line.text, line.words
    if words == 0:
        return True
    if words <= 30 and pt.READ_MORE_LINE.match(text):
        return True
    if pt.AD_LABEL_LINE.match(text) or pt.SHARE_LINE.match(text) or pt.CTA_LINE.match(text):
        return True
    if (words <= 25 and line.link_density >= 0.6 and line.tag not in _DATA_TAGS
            and not (line.tag == "li" and line.link_words < words)
            and not _links_elsewhere(line, host)):
        return True  # a link line: not a heading or code, nor a list item with a note
    if words <= 12 and pt.SALARY.search(text.lower()):
        return True
    if words <= 12 and pt.NEWSLETTER_WORDS.search(text):
        return True
    if words <= 45 and pt.PITCH_START.match(text) and promo_points(text) >= 1:
        return True
    if words <= 45 and promo_points(text) >= 2 and (
        line.link_words or pt.PRICE_PERIOD.search(text) or pt.CTA_LINE.search(text)
    ):
        return True
    if words <= 10 and pt.PRICE_PERIOD.search(text):
        return True
    if words <= 12 and pt.DATELINE.match(text):
        return True
    if words <= 40 and pt.COOKIE_TEXT.search(text) and len(
        {m.group(0).lower() for m in pt.COOKIE_ACTION.finditer(text)}
    ) >= 2:
        return True
    return False


#: A teaser's standfirst is one short paragraph; a linked sub-heading over more text heads a
#: real section (a round-up linking each part to the full story).
_TEASER_WORDS = 60


def _standfirst_only(body: Sequence[Line]) -> bool:
    return (sum(ln.words for ln in body) <= _TEASER_WORDS
            and sum(1 for ln in body if ln.words >= 12) <= 1)


def _anchor_only(line: Line) -> bool:
    """A heading whose links all point into the page itself (a section permalink)."""
    return line.tag in pt.HEADING_TAGS and all(
        (a.get("href") or "").startswith("#") for a in line.el.iter("a"))


def _links_elsewhere(line: Line, host: str) -> bool:
    """A line whose links all lead to other sites than ``host`` (a round-up's items)."""
    links = list(line.el.iter("a")) or [a for a in line.el.iterancestors("a")]
    return bool(host) and bool(links) and all(
        site_host(a.get("href") or "") not in ("", host) for a in links)


def site_host(url: str) -> str:
    """The host an absolute URL names, lower-cased and without "www."; "" for a relative one."""
    return urlsplit(url).netloc.lower().removeprefix("www.") if "//" in url else ""


def section_is_boilerplate(section: Sequence[Line], host: str = "") -> bool:
    """A heading and the lines under it that together are an offer, job list or teaser list.

    ``host`` is the page's own (without "www."): a teaser links to another page of the site,
    a round-up's linked heading to the thing it presents elsewhere."""
    head = section[0]
    words = sum(ln.words for ln in section)
    if (head.heading and head.link_density >= 0.6 and head.words >= 3
            and _standfirst_only(section[1:]) and not _anchor_only(head)
            and not _links_elsewhere(head, host)):
        return True  # a teaser: its headline links to another page, a short standfirst below
    if words > 200:
        return False
    text = "\n".join(ln.text for ln in section)
    body = section[1:]
    if head.heading and pt.BOILER_HEADING.match(head.text):
        if not body or sum(ln.link_words for ln in body) >= 0.4 * sum(ln.words for ln in body):
            return True
        if pt.SALARY.search(text.lower()) or promo_points(text) >= 1:
            return True
    if sum(1 for ln in section if pt.SALARY.search(ln.text.lower())) >= 2:
        return True
    points = promo_points(text) + (1 if any(pt.CTA_LINE.match(ln.text) for ln in section) else 0)
    return head.heading and points >= 3


def box_kind(lines: Sequence[Line], words: int, has_controls: bool, host: str = ""
             ) -> str | None:
    """Why a nested box inside the body container is boilerplate, or None if it is text
    (``host`` as in section_is_boilerplate)."""
    if not lines or words > 200:
        return None
    text = "\n".join(ln.text for ln in lines)
    if pt.WALL.search(text.lower()):
        return "wall"
    if has_controls:
        return "form"
    first = lines[0]
    if pt.AD_LABEL_LINE.match(first.text):
        return "promo"
    if (first.heading or first.words <= 6) and pt.BOILER_HEADING.match(first.text):
        return "heading"
    salaries = sum(1 for ln in lines if pt.SALARY.search(ln.text.lower()))
    # a job teaser: a pay line with job wording, or under the job title linked to the ad
    if salaries >= 2 or (salaries and (pt.JOB_WORDS.search(text) or first.link_density >= 0.6)):
        return "jobs"
    link_words = sum(ln.link_words for ln in lines)
    linked = [ln for ln in lines if ln.link_words]
    if words and link_words >= 0.5 * words and len(linked) >= 2 and not all(
            _links_elsewhere(ln, host) for ln in linked):
        return "links"
    points = promo_points(text)
    if points >= 3:
        return "promo"
    has_cta = any(pt.CTA_LINE.match(ln.text) or (ln.link_words and ln.words <= 4) for ln in lines)
    if points >= 1 and words <= 80 and (first.heading or has_cta) and len(lines) <= 6:
        return "promo"
    if words <= 60 and pt.COOKIE_TEXT.search(text) and len(
        {m.group(0).lower() for m in pt.COOKIE_ACTION.finditer(text)}
    ) >= 2:
        return "cookie"
    return None


def _sections(lines: Sequence[Line]) -> list[list[Line]]:
    out: list[list[Line]] = []
    for ln in lines:
        if ln.heading or not out:
            out.append([ln])
        else:
            out[-1].append(ln)
    return out


def clean_lines(lines: Sequence[Line], host: str = "") -> tuple[list[Line], bool]:
    """Article lines and whether a wall was met (everything after a wall is dropped);
    ``host`` as in section_is_boilerplate."""
    kept: list[Line] = []
    wall = False
    for ln in lines:
        if ln.wall or pt.WALL.search(ln.text.lower()):
            wall = True
            if kept and kept[-1].heading:
                kept.pop()
            break
        kept.append(ln)
    out: list[Line] = []
    for section in _sections(kept):
        if section_is_boilerplate(section, host):
            if section[0].tag in pt.HEADING_TAGS:
                continue
            # a bold line is a weak heading: it takes with it only the lines up to the prose
            section = list(dropwhile(lambda ln: not _prose(ln), section))
        out.extend(ln for ln in section if not line_is_boilerplate(ln, host))
    return _dedupe(out), wall


def _prose(line: Line) -> bool:
    return line.words >= 20 and line.link_density < 0.3


def _dedupe(lines: Sequence[Line]) -> list[Line]:
    """Drop repeated lines; a line printed twice in a row (a doubled caption) goes entirely."""
    out: list[Line] = []
    seen: set[str] = set()
    i = 0
    while i < len(lines):
        ln = lines[i]
        if i + 1 < len(lines) and lines[i + 1].text == ln.text and ln.words <= 40:
            i += 2
            continue
        if ln.text not in seen or ln.words < 4:
            out.append(ln)
            seen.add(ln.text)
        i += 1
    # a trailing heading with nothing under it is a left-over label
    while out and out[-1].heading:
        out.pop()
    return out
