"""Parsing, text helpers, and marking of boilerplate elements by name, role and tag."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import lxml.html
from lxml import etree
from lxml.etree import _Element

from crawler.extraction import patterns as pt
from crawler.extraction.types import MAX_TREE_SIZE, ExtractionFailed

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_COOKIE_XPATH = ("//*[self::div or self::section or self::aside or self::dialog or self::form]"
                 "[contains(translate(string(.), 'COKIE', 'cokie'), 'cookie')]")
_NS = {"re": "http://exslt.org/regular-expressions"}


def parse(text: str) -> _Element:
    """Parse HTML text; raise ``no_content`` / ``too_complex`` when unusable."""
    text = _XML_DECL.sub("", text.replace("\x00", ""), count=1)
    if not text.strip():
        raise ExtractionFailed("no_content", "empty document")
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
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


def tag_of(el: _Element) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def norm(text: str | None) -> str:
    return pt.SPACE.sub(" ", (text or "").replace("\xa0", " ")).strip()


def count_words(text: str) -> int:
    return len(pt.WORD.findall(text))


def text_of(el: _Element) -> str:
    return norm(" ".join(el.itertext()))


def name_parts(el: _Element) -> Iterable[str]:
    """Lower-cased parts of class, id, aria-label and custom-element tag names."""
    for attr in ("class", "id", "aria-label"):
        value = el.get(attr)
        if value:
            yield from (p for p in pt.SPLIT_PARTS.split(value.lower()) if p)
    tag = tag_of(el)
    if "-" in tag:
        yield from tag.split("-")


def classify(el: _Element) -> str | None:
    """The boilerplate kind an element's name, role or tag announces, if any."""
    tag = tag_of(el)
    if tag in ("html", "body", ""):
        return None
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return "hidden"
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return "hidden"
    role = (el.get("role") or "").lower()
    if role in pt.ROLE_KINDS:
        return pt.ROLE_KINDS[role]
    classes = (el.get("class") or "").lower().split()
    if any(c in pt.HIDDEN_TOKENS for c in classes):
        return "hidden"
    for part in name_parts(el):
        for rx, kind in pt.PART_KIND:
            if rx.match(part):
                return kind
    return pt.STRUCTURAL_DROP.get(tag)


def good_words(root: _Element) -> dict[_Element, int]:
    """Words of low-link-density text blocks, summed into every ancestor."""
    totals: dict[_Element, int] = {}
    for el in root.iter("p", "li", "td", "pre", "blockquote", "dd", "div"):
        if tag_of(el) in ("div", "blockquote") and any(
            tag_of(c) in pt.BLOCK_TAGS for c in el
        ):
            continue
        text = text_of(el)
        n = count_words(text)
        if n < 5:
            continue
        link = sum(count_words(text_of(a)) for a in el.iter("a"))
        if link > 0.5 * n:
            continue
        node: _Element | None = el
        while node is not None:
            totals[node] = totals.get(node, 0) + n
            node = node.getparent()
    return totals


def mark(root: _Element, protect: float | None = None) -> dict[_Element, str]:
    """Boilerplate elements by kind (outermost only).

    An element of a wrapper-prone kind (pt.WRAPPER_KINDS) holding half the page's good words
    is never marked (a wrapper whose class happens to contain e.g. "sidebar"); with
    ``protect`` set, no element holding at least that share is.
    """
    gw = good_words(root)
    total = gw.get(root, 0)
    marks: dict[_Element, str] = {}
    stack = [root]
    while stack:
        el = stack.pop()
        kind = classify(el)
        if kind is not None and total and kind != "hidden":
            share = gw.get(el, 0) / total
            if share >= (protect or 1.1) or (kind in pt.WRAPPER_KINDS and share >= 0.5):
                kind = None
        if kind is not None:
            marks[el] = kind
            continue
        stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))
    return marks


def mark_cookie_boxes(root: _Element, marks: dict[_Element, str]) -> None:
    """Small blocks about cookies with consent buttons or wording."""
    for el in root.xpath(_COOKIE_XPATH):
        if el in marks:
            continue
        text = text_of(el)
        n = count_words(text)
        if n > 80 or not pt.COOKIE_TEXT.search(text):
            continue
        if any(True for _ in el.iter("button")) or len(set(
            m.group(0).lower() for m in pt.COOKIE_ACTION.finditer(text)
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
