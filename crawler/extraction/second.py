"""A second opinion: trafilatura's body, read back onto our tree and judged with our rules.

Our container search is exact on pages shaped like the ones it was written for, but can keep
too little on a CMS it has never seen (a body split into sibling blocks, an article nested
under a header by broken markup, a class name that looks like boilerplate). When our body
holds much less of the page's prose than the page has, trafilatura's body is asked for; its
lines are matched to the page's own lines (so links, headings and boilerplate marks are known
again), cleaned with the same rules as ours, and taken instead when they hold clearly more.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from lxml.etree import _Element

from crawler.extraction import patterns as pt
from crawler.extraction.clean import clean_lines
from crawler.extraction.dom import count_words
from crawler.extraction.lines import Line, walk_lines
from crawler.extraction.types import MAX_TREE_SIZE


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
    page = {_key(ln.text): ln for ln in walk_lines(root, lambda el: el.tag in pt.DROP_TAGS)}
    lines = []
    for raw in out.splitlines():
        t = raw.strip()
        if t.startswith("- "):
            t = t[2:]
        if not t:
            continue
        found = page.get(_key(t))
        lines.append(found if found is not None else Line(t, count_words(t), 0, 0, "p", root))
    return lines


def second_opinion(text: str, url: str, root: _Element, ours: Sequence[Line]) -> list[Line] | None:
    """trafilatura's cleaned lines when they hold clearly more text than ``ours``, else None."""
    theirs, _ = clean_lines(trafilatura_lines(text, url, root))
    mine = sum(ln.words for ln in ours)
    if sum(ln.words for ln in theirs) > 1.1 * mine + 10:
        return theirs
    return None
