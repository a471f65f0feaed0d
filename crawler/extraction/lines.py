"""Flatten a DOM subtree into text lines, one per block (paragraph, heading, list item…)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml.etree import _Element

from crawler.extraction import patterns as pt
from crawler.extraction.dom import count_words, norm, tag_of

_SPACED_INLINE = {"span", "a", "time", "small", "abbr", "cite", "label", "dfn"}
_SPACE_BEFORE_PUNCT = re.compile(r" ([.,;:!?)\]’”%])")
_LINK_TAGS = {"a"}
_STRONG_TAGS = {"strong", "b"}


@dataclass
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
        if not self.texts:
            return
        joined = "".join(self.texts)
        # whitespace alone normalises to nothing (str.isspace and re's \s agree)
        if self.block is not None and not joined.isspace():
            text = _SPACE_BEFORE_PUNCT.sub(r"\1", norm(joined))
            if text:
                self.lines.append(Line(
                    text=text,
                    words=count_words(text),
                    link_words=count_words(" ".join(self.links)) if self.links else 0,
                    strong_words=count_words(" ".join(self.strong)) if self.strong else 0,
                    tag=tag_of(self.block),
                    el=self.block,
                ))
        self.texts = []
        self.links = []
        self.strong = []

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
        link = link or tag in _LINK_TAGS
        strong = strong or tag in _STRONG_TAGS
        if spaced:
            self.add(" ", link, strong, block)
        if el.text:
            self.add(el.text, link, strong, block)
        skip = self.skip
        for child in el:
            if isinstance(child.tag, str):
                verdict = skip(child)
                if verdict == "wall":
                    self.flush()
                    self.lines.append(Line("", 0, 0, 0, tag_of(child), child, wall=True))
                elif not verdict:
                    self.walk(child, link, strong, block)
            if child.tail:
                self.add(child.tail, link, strong, block)
        if spaced:
            self.add(" ", link, strong, block)
        if is_block:
            self.flush()


def walk_lines(root: _Element, skip: Skip) -> list[Line]:
    """The lines of ``root``'s subtree in document order, leaving out skipped subtrees."""
    builder = _Builder(skip)
    builder.walk(root, False, False, root)
    builder.flush()
    return builder.lines
