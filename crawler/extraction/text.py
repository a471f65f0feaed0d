"""Text of elements: normalising, counting words, and a one-pass index of a page's text.

Boilerplate marking, container choice and box judging ask the same questions (how many words,
how many link words, what text) about many nested elements. ``PageText`` reads the tree once
and answers each from prefix sums, instead of re-joining and re-counting every subtree.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from lxml import etree
from lxml.etree import _Element

from crawler.extraction import patterns as pt

#: Elements whose text is code, not prose.
_CODE_TAGS = frozenset({"script", "style"})


def tag_of(el: _Element) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def norm(text: str | None) -> str:
    """Whitespace runs as one space, none at the ends.

    Same as ``pt.SPACE.sub(" ", text).strip()``: re's ``\\s`` and ``str.split()`` both mean
    ``str.isspace()`` (no-break spaces included).
    """
    return " ".join(text.split()) if text else ""


def count_words(text: str) -> int:
    """How many runs of word characters (re's ``\\w``) ``text`` has."""
    return len(pt.WORD.findall(text))


def text_of(el: _Element) -> str:
    return norm(" ".join(el.itertext()))


class PageText:
    """The text of every element under ``root``, read once; the tree must not change after.

    ``text_of`` joins a subtree's text nodes with spaces, so no word or comma spans two text
    nodes: an element's word count is the sum over its text nodes, and one prefix sum over the
    page's text nodes (in document order, as ``itertext`` yields them) answers it for every
    element. Elements are also numbered in document order, so that values attached to some
    elements can be summed over any subtree (``subtree_sums``).
    """

    def __init__(self, root: _Element) -> None:
        pieces: list[str] = []
        #: element -> (first piece, end piece, document position, position after its subtree)
        self._span: dict[_Element, tuple[int, int, int, int]] = {}
        span = self._span
        stack: list[tuple[int, int]] = []
        #: pieces that are script or style code: counted only if asked about (rarely)
        code: list[int] = []
        #: elements with a block-level child
        self._block_parents: set[_Element] = set()
        count = 0
        # the events itertext() walks: an element's text at its start, a node's tail after it
        for event, el in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
            if event == "start":
                stack.append((len(pieces), count))
                count += 1
                if el.tag.lower() in pt.BLOCK_TAGS and el is not root:
                    self._block_parents.add(el.getparent())
                if el.text:
                    if el.tag in _CODE_TAGS:
                        code.append(len(pieces))
                    pieces.append(el.text)
                continue
            if event == "end":
                first, pos = stack.pop()
                span[el] = (first, len(pieces), pos, count)
            if el is not root and el.tail:
                pieces.append(el.tail)
        self.pieces = pieces
        self.size = count
        self._code = code
        self._code_counts: dict[int, tuple[int, int]] = {}
        prose = pieces.copy()
        for i in code:
            prose[i] = ""
        self._words = list(accumulate((count_words(p) for p in prose), initial=0))
        self._commas = list(accumulate((p.count(",") for p in prose), initial=0))
        self._chars = list(accumulate((len(p) for p in pieces), initial=0))
        self._text: dict[_Element, str] = {}
        self._links: dict[_Element, int] = {}
        #: every text node concatenated, as XPath's string() of the root
        self.joined = "".join(pieces)

    def has_block_child(self, el: _Element) -> bool:
        """Whether a child of ``el`` is a block (pt.BLOCK_TAGS)."""
        return el in self._block_parents

    def words(self, el: _Element) -> int:
        """``count_words(text_of(el))``."""
        first, end, _, _ = self._span[el]
        return self._words[end] - self._words[first] + self._code_count(first, end, 0)

    def commas(self, el: _Element) -> int:
        """``text_of(el).count(",")``."""
        first, end, _, _ = self._span[el]
        return self._commas[end] - self._commas[first] + self._code_count(first, end, 1)

    def _code_count(self, first: int, end: int, which: int) -> int:
        """Words (0) or commas (1) of the script and style pieces among pieces first:end."""
        code = self._code
        i = bisect_left(code, first)
        total = 0
        while i < len(code) and code[i] < end:
            counts = self._code_counts.get(code[i])
            if counts is None:
                piece = self.pieces[code[i]]
                counts = self._code_counts[code[i]] = (count_words(piece), piece.count(","))
            total += counts[which]
            i += 1
        return total

    def text(self, el: _Element) -> str:
        """``text_of(el)``."""
        text = self._text.get(el)
        if text is None:
            first, end, _, _ = self._span[el]
            text = self._text[el] = norm(" ".join(self.pieces[first:end]))
        return text

    def link_words(self, el: _Element) -> int:
        """Words of the links in ``el`` (or ``el`` itself), a link inside a link counted twice."""
        n = self._links.get(el)
        if n is None:
            n = self._links[el] = sum(self.words(a) for a in el.iter("a"))
        return n

    def chars(self, el: _Element) -> tuple[int, int]:
        """Where ``el``'s text (XPath string(.)) starts and ends in ``joined``."""
        first, end, _, _ = self._span[el]
        return self._chars[first], self._chars[end]

    def subtree_sums(self, values: dict[_Element, int]) -> SubtreeSums:
        return SubtreeSums(self, values)


class SubtreeSums:
    """For any element, the sum of ``values`` over the element and its descendants."""

    def __init__(self, text: PageText, values: dict[_Element, int]) -> None:
        at = [0] * text.size
        span = text._span
        for el, value in values.items():
            at[span[el][2]] += value
        self._span = span
        self._prefix = list(accumulate(at, initial=0))

    def get(self, el: _Element, default: int = 0) -> int:
        span = self._span.get(el)
        if span is None:
            return default
        return self._prefix[span[3]] - self._prefix[span[2]]
