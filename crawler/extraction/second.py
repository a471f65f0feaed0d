"""A second opinion: trafilatura's body, read back onto our tree and judged with our rules.

Our container search is exact on pages shaped like the ones it was written for, but can keep
too little on a CMS it has never seen (a body split into sibling blocks, an article nested
under a header by broken markup, a class name that looks like boilerplate). When our body
holds much less of the page's prose than the page has, trafilatura's body is asked for; its
lines are matched to the page's own lines (so links, headings and elements are known again),
cleaned with the same rules as ours, and taken instead when they hold clearly more.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from lxml.etree import _Element

from crawler.extraction import patterns as pt
from crawler.extraction.body import Reader
from crawler.extraction.clean import clean_lines, site_host
from crawler.extraction.dom import PageText, count_words, tag_of
from crawler.extraction.lines import Line, walk_lines
from crawler.extraction.types import MAX_TREE_SIZE

_CODE_TAGS = {"script", "style", "noscript", "template"}


@lru_cache(maxsize=1)
def _config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def _key(text: str) -> str:
    return " ".join(pt.WORD.findall(text.lower()))


def trafilatura_lines(text: str, url: str, root: _Element) -> list[Line]:
    """trafilatura's body as lines of our page (link words, tag and element where found)."""
    import trafilatura

    out = trafilatura.extract(text, url=url or None, include_comments=False,
                              include_tables=True, config=_config())
    if not out:
        return []
    page: dict[str, Line] = {}
    for ln in walk_lines(root, lambda el: el.tag in _CODE_TAGS):
        page.setdefault(_key(ln.text), ln)
    lines = []
    for raw in out.splitlines():
        t = raw.strip().removeprefix("- ")
        if t:
            lines.append(page.get(_key(t)) or Line(t, count_words(t), 0, 0, "p", root))
    return lines


def second_opinion(text: str, url: str, root: _Element, page: PageText,
                   marks: dict[_Element, str], ours: Sequence[Line]) -> list[Line] | None:
    """trafilatura's lines, less those in boxes we judge boilerplate, when they hold clearly
    more text than ``ours``; else None."""
    rejected = _Rejected(Reader(root, page, marks, site_host(url)), marks)
    theirs = clean_lines([ln for ln in trafilatura_lines(text, url, root)
                          if ln.el is root or not rejected(ln.el)], site_host(url))[0]
    if sum(ln.words for ln in theirs) > 1.1 * sum(ln.words for ln in ours) + 10:
        return theirs
    return None


class _Rejected:
    """Whether an element lies in a small box our reader judges boilerplate by its text (a job
    list, an offer, a link box). Marks by name are not used: trafilatura is asked exactly
    when they may be wrong."""

    def __init__(self, reader: Reader, marks: dict[_Element, str]) -> None:
        self.reader = reader
        self.marks = marks
        self.memo: dict[_Element, bool] = {}

    def __call__(self, el: _Element) -> bool:
        chain: list[_Element] = []
        node: _Element | None = el
        verdict = False
        while node is not None:
            if node in self.memo:
                verdict = self.memo[node]
                break
            chain.append(node)
            node = node.getparent()
        for n in reversed(chain):
            verdict = verdict or self._judge(n)
            self.memo[n] = verdict
        return verdict

    def _judge(self, el: _Element) -> bool:
        if el in self.marks or tag_of(el) not in pt.BOX_TAGS:
            return False
        # a box with a form field may still be a body part (a calculator); not so a job list
        return self.reader.box(el) not in (None, "form")
