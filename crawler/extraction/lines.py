"""Flatten a DOM subtree into text lines, one per block (paragraph, heading, list item…)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml.etree import _Element

from crawler.extraction import patterns as pt
from crawler.extraction.dom import count_words, norm, tag_of

_SPACED_INLINE = {"span", "a", "time", "small", "abbr", "cite", "label", "dfn"}
#: a space to delete: before closing punctuation
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[.,;:!?)\]’”%])")
_STRONG_TAGS = {"strong", "b"}


@dataclass(slots=True)
class Line:
    """One block of text, with what is needed to judge it."""

    text: str
    words: int
    link_words: int
    strong_words: int
    tag: str
    el: _Element
    #: set on a marker line standing for a paywall/registration gate
    wall: bool = False

    @property
    def link_density(self) -> float:
        return self.link_words / self.words if self.words else 0.0

    @property
    def heading(self) -> bool:
        """A sub-heading: <hN>, or a short paragraph that is all bold."""
        if self.tag in pt.HEADING_TAGS:
            return True
        return (
            self.tag in ("p", "div", "dt")
            and 0 < self.words <= 15
            and self.strong_words >= 0.9 * self.words
        )


#: skip(el) -> True to leave out el's subtree (its tail text is kept); "wall" also leaves a
#: wall marker line in its place.
Skip = Callable[[_Element], "bool | str"]


class _Builder:
    def __init__(self, skip: Skip) -> None:
        self.skip = skip
        self.lines: list[Line] = []
        #: the pending line's text pieces, and those of them in a link / in bold
        self.texts: list[str] = []
        self.links: list[str] = []
        self.strong: list[str] = []
        self.block: _Element | None = None

    def add(self, text: str, link: bool, strong: bool, block: _Element) -> None:
        if not self.texts:
            self.block = block
        self.texts.append(text)
        if link:
            self.links.append(text)
        if strong:
            self.strong.append(text)

    def flush(self) -> None:
        texts = self.texts
        if not texts:
            return
        joined = "".join(texts)
        # whitespace alone normalises to nothing (str.isspace and re's \s agree)
        if self.block is not None and not joined.isspace():
            text = _SPACE_BEFORE_PUNCT.sub("", norm(joined))
            if text:
                links, strong = self.links, self.strong
                self.lines.append(Line(
                    text,
                    count_words(text),
                    count_words(" ".join(links)) if links else 0,
                    count_words(" ".join(strong)) if strong else 0,
                    tag_of(self.block),
                    self.block,
                ))
        texts.clear()
        self.links.clear()
        self.strong.clear()

    def walk(self, el: _Element, link: bool, strong: bool, block: _Element) -> None:
        tag = tag_of(el)
        if tag == "br":
            self.flush()
            return
        is_block = tag in pt.BLOCK_TAGS
        if is_block:
            self.flush()
            block = el
        spaced = tag in _SPACED_INLINE
        link = link or tag == "a"
        strong = strong or tag in _STRONG_TAGS
        add = self.add
        if spaced:
            add(" ", link, strong, block)
        text = el.text
        if text:
            add(text, link, strong, block)
        skip = self.skip
        for child in el:
            if isinstance(child.tag, str):
                verdict = skip(child)
                if verdict == "wall":
                    self.flush()
                    self.lines.append(Line("", 0, 0, 0, tag_of(child), child, wall=True))
                elif not verdict:
                    self.walk(child, link, strong, block)
            text = child.tail
            if text:
                add(text, link, strong, block)
        if spaced:
            add(" ", link, strong, block)
        if is_block:
            self.flush()


def walk_lines(root: _Element, skip: Skip) -> list[Line]:
    """The lines of ``root``'s subtree in document order, leaving out skipped subtrees."""
    builder = _Builder(skip)
    builder.walk(root, False, False, root)
    builder.flush()
    return builder.lines
