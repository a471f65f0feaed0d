"""Parsing, text helpers, and marking of boilerplate elements by name, role and tag."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import lru_cache

from lxml import etree
from lxml.etree import _Element

from crawler.extraction import patterns as pt
from crawler.extraction.text import PageText, SubtreeSums, count_words, norm, tag_of, text_of
from crawler.extraction.types import MAX_TREE_SIZE, ExtractionFailed

__all__ = [
    "PageText", "classify", "count_words", "drop", "good_words", "inside", "mark",
    "mark_cookie_boxes", "name_parts", "norm", "parse", "prune", "tag_of", "text_of",
]

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
#: Elements that may be cookie boxes, and the case folding their text is searched with.
_COOKIE_BOX_TAGS = ("div", "section", "aside", "dialog", "form")
_COOKIE = re.compile("cookie", re.IGNORECASE | re.ASCII)
_NS = {"re": "http://exslt.org/regular-expressions"}


def parse(text: str) -> _Element:
    """Parse HTML text; raise ``no_content`` / ``too_complex`` when unusable."""
    text = _XML_DECL.sub("", text.replace("\x00", ""), count=1)
    if not text.strip():
        raise ExtractionFailed("no_content", "empty document")
    # plain lxml.etree elements: lxml.html's element classes cost a Python call per element
    # touched, and nothing here uses their extra methods
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        root = etree.fromstring(text, parser=parser)
        if root is None:
            raise etree.ParserError("Document is empty")
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionFailed("no_content", f"unparseable: {exc}") from None
    size = sum(1 for _ in root.iter())
    if size > MAX_TREE_SIZE:
        raise ExtractionFailed("too_complex", f"{size} elements > {MAX_TREE_SIZE}")
    return root


def prune(root: _Element, xpaths: Sequence[str], css: Sequence[str]) -> None:
    """Remove elements chosen by per-source rules, keeping their tails."""
    found: list[_Element] = []
    for xp in xpaths:
        try:
            found.extend(e for e in root.xpath(xp, namespaces=_NS) if isinstance(e, _Element))
        except etree.XPathError as exc:
            raise ValueError(f"bad prune_xpath {xp!r}: {exc}") from exc
    if css:
        from lxml.cssselect import CSSSelector

        for sel in css:
            found.extend(CSSSelector(sel)(root))
    for el in found:
        drop(el)


def drop(el: _Element) -> None:
    """Remove an element but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def name_parts(el: _Element) -> Iterable[str]:
    """Lower-cased parts of class, id, aria-label and custom-element tag names."""
    return _parts(el.get("class"), el.get("id"), el.get("aria-label"), tag_of(el))


def _parts(*names: str | None) -> list[str]:
    cls, *attrs, tag = names
    tokens = (cls or "").lower().split()
    parts = [p for t in tokens for p in _style_cut(pt.SPLIT_PARTS.split(t)) if p]
    parts += [p for value in attrs if value for p in pt.SPLIT_PARTS.split(value.lower()) if p]
    if len(tokens) >= 4 and sum(len(t) <= 3 for t in tokens) * 2 > len(tokens):
        # generated (hashed or atomic) class names: "ca bd cb cc" says nothing of the kind
        parts = [p for p in parts if len(p) > 3]
    if tag and "-" in tag:
        parts.extend(tag.split("-"))
    return parts


def _style_cut(parts: list[str]) -> list[str]:
    """A class's parts up to a CSS property ("overflow-hidden", "margin-bottom-small",
    "border-brand", "field--label-hidden"): what follows is a value, not the element's kind."""
    for i, p in enumerate(parts):
        if p in pt.STYLE_WORDS:
            return parts[:i]
    return parts


@lru_cache(maxsize=8192)
def _name_kind(cls: str | None, id_: str | None, aria: str | None, tag: str) -> str | None:
    """The kind the first matching name part announces (names repeat across pages: cached)."""
    for part in _parts(cls, id_, aria, tag):
        for rx, kind in pt.PART_KIND:
            if rx.match(part):
                return kind
    return None


def classify(el: _Element) -> str | None:
    """The boilerplate kind an element's name, role or tag announces, if any."""
    tag = tag_of(el)
    if tag in ("html", "body", ""):
        return None
    get = el.get
    if get("hidden") is not None or get("aria-hidden") == "true":
        return "hidden"
    style = get("style")
    if style and _HIDDEN_STYLE.search(style):
        return "hidden"
    role = (get("role") or "").lower()
    if role in pt.ROLE_KINDS:
        return pt.ROLE_KINDS[role]
    cls = get("class")
    if cls and any(c in pt.HIDDEN_TOKENS for c in cls.lower().split()):
        return "hidden"
    if tag in pt.HEADING_TAGS:
        return None  # a heading's id is a slug of its text, its class its style
    return _name_kind(cls, get("id"), get("aria-label"), tag) or pt.STRUCTURAL_DROP.get(tag)


def good_words(root: _Element, text: PageText) -> SubtreeSums:
    """Words of low-link-density text blocks, summed into every ancestor."""
    blocks: dict[_Element, int] = {}
    for el in root.iter("p", "li", "td", "pre", "blockquote", "dd", "div"):
        if el.tag in ("div", "blockquote") and text.has_block_child(el):
            continue
        n = text.words(el)
        if n < 5 or text.link_words(el) > 0.5 * n:
            continue
        blocks[el] = n
    return text.subtree_sums(blocks)


def mark(root: _Element, gw: SubtreeSums, protect: float | None = None) -> dict[_Element, str]:
    """Boilerplate elements by kind (outermost only); ``gw`` is good_words(root).

    An element holding half the page's good words is not marked by its name (a wrapper whose
    class happens to contain e.g. "sidebar") nor as hidden (a page whose script shows or moves
    the article in), unless its kind is in pt.UNWRAPPED_KINDS; with
    ``protect`` set, no element holding at least that share is. A header or nav holding a
    quarter of it holds the article (unclosed markup nests the page under the site header).
    """
    total = gw.get(root, 0)
    marks: dict[_Element, str] = {}
    stack = [root]
    while stack:
        el = stack.pop()
        kind = classify(el)
        if kind is not None and total:
            share = gw.get(el, 0) / total
            if share >= (protect or 1.1) or (kind not in pt.UNWRAPPED_KINDS and share >= 0.5) or (
                    el.tag in pt.NAV_TAGS and share >= 0.25):
                kind = None
        if kind is not None:
            marks[el] = kind
            continue
        stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))
    return marks


def mark_cookie_boxes(root: _Element, text: PageText, marks: dict[_Element, str]) -> None:
    """Small blocks about cookies with consent buttons or wording.

    Candidates are the boxes whose text (string(.), its nodes joined without spaces) contains
    "cookie" in any case of its ASCII letters: found once in the page's text, then each box's
    character range is checked for an occurrence.
    """
    found = [m.start() for m in _COOKIE.finditer(text.joined)]
    if not found:
        return
    for el in root.iter(*_COOKIE_BOX_TAGS):
        start, end = text.chars(el)
        i = bisect_left(found, start)
        if i == len(found) or found[i] + 6 > end or el in marks:
            continue
        content = text.text(el)
        if text.words(el) > 80 or not pt.COOKIE_TEXT.search(content):
            continue
        if any(True for _ in el.iter("button")) or len(set(
            m.group(0).lower() for m in pt.COOKIE_ACTION.finditer(content)
        )) >= 2:
            marks[el] = "cookie"


def inside(el: _Element, marks: dict[_Element, str]) -> str | None:
    """Kind of the marked element containing ``el`` (or ``el`` itself), if any."""
    node: _Element | None = el
    while node is not None:
        kind = marks.get(node)
        if kind is not None:
            return kind
        node = node.getparent()
    return None
