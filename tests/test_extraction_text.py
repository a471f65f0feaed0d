"""crawler.extraction.text.PageText answers like re-reading each element's text.

Every element of the dev-set pages and the test sites' pages is checked: words, commas, text,
link words and character range against text_of / itertext / XPath string(.).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extraction import patterns as pt
from crawler.extraction.decode import decode_html
from crawler.extraction.dom import parse
from crawler.extraction.text import PageText, count_words, tag_of, text_of

ROOT = Path(__file__).resolve().parent
PAGES = sorted((ROOT.parents[1] / "shared" / "devset" / "extraction").glob("*.html")) + sorted(
    (ROOT / "sites").rglob("*.html"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_page_text_matches_text_of(path: Path) -> None:
    root = parse(decode_html(path.read_bytes()))
    text = PageText(root)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        want = text_of(el)
        assert text.text(el) == want
        assert text.words(el) == count_words(want)
        assert text.commas(el) == want.count(",")
        assert text.link_words(el) == sum(count_words(text_of(a)) for a in el.iter("a"))
        start, end = text.chars(el)
        assert text.joined[start:end] == el.xpath("string(.)")
        assert text.has_block_child(el) == any(tag_of(c) in pt.BLOCK_TAGS for c in el)


def test_subtree_sums() -> None:
    root = parse("<html><body><div><p>a</p><p>b<span>c</span></p></div><p>d</p></body></html>")
    text = PageText(root)
    ps = list(root.iter("p"))
    sums = text.subtree_sums({ps[0]: 1, ps[1]: 10, ps[2]: 100})
    div = next(root.iter("div"))
    assert (sums.get(div), sums.get(root), sums.get(ps[1]), sums.get(next(root.iter("span")))) \
        == (11, 111, 10, 0)
