"""extract_article: bytes or text of one page -> Extracted, or ExtractionFailed with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from lxml.etree import _Element

from crawler.extraction import dates
from crawler.extraction import patterns as pt
from crawler.extraction.body import Body, read_body
from crawler.extraction.clean import site_host
from crawler.extraction.decode import check_binary, decode_html
from crawler.extraction.dom import (
    PageText,
    SubtreeSums,
    count_words,
    good_words,
    mark,
    mark_cookie_boxes,
    parse,
    prune,
)
from crawler.extraction.lines import Line, walk_lines
from crawler.extraction.meta import PageMeta, choose_author, choose_title, read_meta, site_name
from crawler.extraction.second import second_opinion
from crawler.extraction.types import (
    MAX_BYTES,
    MIN_PARTIAL_WORDS,
    MIN_WORDS,
    Extracted,
    ExtractionFailed,
)

#: Fewer body words than this is "no content" rather than "too short".
_EMPTY_WORDS = 10
#: A listing page: at least this many headline links in the container …
_LISTING_TEASERS = 5
#: … and fewer body words than this per headline link.
_LISTING_WORDS_PER_TEASER = 35
#: … and fewer paragraphs of prose than this directly after another (an article's sections).
_ARTICLE_RUNS = 3
#: Words of kicker, breadcrumb or standfirst that may stand above the headline in the body.
_ABOVE_HEADLINE = 60
#: A body holding less than this share of the page's unmarked prose asks for a second opinion.
_DOUBT = 0.8


def _marks(root: _Element, text: PageText, gw: SubtreeSums, protect: float | None
           ) -> dict[_Element, str]:
    marks = mark(root, gw, protect)
    mark_cookie_boxes(root, text, marks)
    return marks


def _strip_header(lines: list[Line], title: str, title_el: _Element | None) -> list[Line]:
    """Drop the headline and the byline/date/label lines before the first real paragraph."""
    if title_el is not None:
        inside_title = set(title_el.iter())
        above = 0
        for i, ln in enumerate(lines):
            if ln.el in inside_title:
                if above <= _ABOVE_HEADLINE:  # else the heading repeats the title further down
                    lines = lines[i + 1:]
                break
            above += ln.words
    out: list[Line] = []
    started = False
    for ln in lines:
        if not started:
            if ln.text.lower() == title.lower():
                continue
            if ln.words <= 15 and (pt.BYLINE_START.match(ln.text) or dates.dates_in(ln.text)):
                continue
            started = ln.words >= 12
        out.append(ln)
    return out


def _locate(page: Sequence[Line], body: Sequence[Line], title_el: _Element | None
            ) -> tuple[int | None, int, int]:
    """Indexes in the page lines of the headline, the first and the last body line."""
    title_idx: int | None = None
    if title_el is not None:
        inside_title = set(title_el.iter())
        hits = [i for i, ln in enumerate(page) if ln.el in inside_title]
        title_idx = hits[-1] if hits else None
    if not body:
        return title_idx, len(page), len(page)
    lo = (title_idx + 1) if title_idx is not None else 0
    first, last = body[0].text, body[-1].text
    start = next((i for i in range(lo, len(page)) if page[i].text == first),
                 next((i for i, ln in enumerate(page) if ln.text == first), len(page)))
    end = next((i for i in range(len(page) - 1, start - 1, -1) if page[i].text == last), start)
    return title_idx, start, end


def _prose(root: _Element, gw: SubtreeSums, marks: dict[_Element, str],
           container: _Element | None) -> int:
    """Words of the page's prose-like blocks outside the elements marked as boilerplate, but
    for those marked inside the body's container (a widget named like a sidebar holding a
    part of the article)."""
    inner = set(container.iter()) if container is not None else set()
    return gw.get(root, 0) - sum(gw.get(el, 0) for el in marks if el not in inner)


def _access(pm: PageMeta, root: _Element, wall: bool) -> str:
    if wall:
        return "partial"
    free = pm.ld_value("isAccessibleForFree")
    if free is False or str(free).lower() == "false":
        part = pm.ld_value("hasPart")
        sel = part.get("cssSelector") if isinstance(part, dict) else None
        if isinstance(sel, str):
            try:
                from lxml.cssselect import CSSSelector

                if not any(count_words(" ".join(e.itertext())) for e in CSSSelector(sel)(root)):
                    return "partial"
            except Exception:  # a bad selector from the page must not fail extraction
                return "full"
    return "full"


def extract_article(
    html: str | bytes,
    url: str,
    *,
    prune_xpaths: Sequence[str] = (),
    prune_css: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
    encoding: str | None = None,
) -> Extracted:
    """Extract one article. ``encoding`` is the HTTP header's charset, if any."""
    if html is None or len(html) == 0:
        raise ExtractionFailed("no_content", "empty document")
    size = len(html) if isinstance(html, bytes) else len(html.encode("utf-8", "replace"))
    if size > max_bytes:
        raise ExtractionFailed("too_large", f"{size} bytes > {max_bytes}")
    check_binary(html)
    text = decode_html(html, encoding) if isinstance(html, bytes) else html
    root = parse(text)
    pm = read_meta(root)
    prune(root, prune_xpaths, prune_css)
    page_text = PageText(root)  # the tree does not change from here on
    gw = good_words(root, page_text)
    marks = _marks(root, page_text, gw, None)
    host = site_host(url)
    body = read_body(root, page_text, marks, host)
    if body.words < MIN_WORDS and not body.wall:
        rescue_marks = _marks(root, page_text, gw, 0.5)
        rescue = read_body(root, page_text, rescue_marks, host)
        if rescue.words > body.words:
            body, marks = rescue, rescue_marks
    title, title_el = choose_title(root, pm, marks, page_text)
    lines = _strip_header(body.lines, title, title_el)
    words = sum(ln.words for ln in lines)
    if not body.wall and (words < MIN_WORDS or words < _DOUBT * _prose(root, gw, marks, body.container)):
        alt = second_opinion(text, url, root, page_text, marks, lines)
        if alt is not None:
            lines = _strip_header(alt, title, title_el)
            body = Body(body.container, lines, False, body.teasers, body.runs)
    return _finish(root, text, url, pm, marks, body, lines, title, title_el)


def _finish(root: _Element, text: str, url: str, pm: PageMeta, marks: dict[_Element, str],
            body: Body, lines: list[Line], title: str, title_el: _Element | None) -> Extracted:
    words = sum(ln.words for ln in lines)
    if (body.teasers >= _LISTING_TEASERS and words < _LISTING_WORDS_PER_TEASER * body.teasers
            and body.runs < _ARTICLE_RUNS):
        raise ExtractionFailed("not_article", f"{body.teasers} teaser links, {words} words")
    if body.wall and words < MIN_PARTIAL_WORDS:
        raise ExtractionFailed("paywalled", f"wall with {words} public words")
    if words < _EMPTY_WORDS:
        raise ExtractionFailed("no_content", f"no article text found ({words} words)")
    if words < MIN_WORDS and not body.wall:
        raise ExtractionFailed("too_short", f"{words} words < {MIN_WORDS}")

    page = _Page(root, marks, lines, title_el)
    found = (dates.from_metadata(pm) or dates.from_page(*page.located)
             or dates.from_url(url) or dates.from_htmldate(text, url))
    return Extracted(
        title=title,
        body="\n".join(ln.text for ln in lines),
        author=choose_author(root, pm, page.zone, marks),
        published_at=found.when if found else None,
        published_raw=found.raw if found else None,
        site_name=site_name(pm, title),
        language=pm.lang,
        access=_access(pm, root, body.wall),
        word_count=words,
    )


class _Page:
    """The whole page's lines around the headline and the body, for dates and bylines.

    Walked only when asked for: a page declaring its date and author never needs them.
    """

    def __init__(self, root: _Element, marks: dict[_Element, str], body: list[Line],
                 title_el: _Element | None) -> None:
        self.root = root
        self.marks = marks
        self.body = body
        self.title_el = title_el

    @cached_property
    def located(self) -> tuple[list[Line], int | None, int, int]:
        """(page lines, index of the headline, of the first and of the last body line)."""
        marks = self.marks
        page = walk_lines(self.root, lambda el: el.tag in pt.DROP_TAGS
                          or marks.get(el) in pt.TEASER_KINDS)
        return (page, *_locate(page, self.body, self.title_el))

    def zone(self) -> list[str]:
        """Short lines just before the body (from four above the headline) and just after."""
        page, title_idx, start, end = self.located
        hi = title_idx if title_idx is not None else start
        return [ln.text for ln in [*page[max(0, hi - 4):start], *page[end + 1:end + 4]]
                if ln.words <= 20]


def devset_extract(html: str, url: str) -> dict[str, Any]:
    """The dev-set scorer's view: body, title, date and author (empty body when refused)."""
    try:
        art = extract_article(html, url)
    except ExtractionFailed:
        return {"articleBody": "", "title": None, "date": None, "author": None}
    return {
        "articleBody": art.body,
        "title": art.title,
        "date": art.published_at.isoformat() if art.published_at else None,
        "author": art.author,
    }
