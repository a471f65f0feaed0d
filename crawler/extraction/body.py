"""Find the element holding the article text and read its lines, skipping boilerplate."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.etree import _Element

from crawler.extraction import patterns as pt
from crawler.extraction.clean import box_kind, clean_lines, site_host
from crawler.extraction.dom import PageText, inside, tag_of
from crawler.extraction.lines import Line, walk_lines

_SCORED = ("p", "pre", "td", "blockquote", "dd", "div", "li", "article", "section")
_LIST_TAGS = {"ul", "ol", "dl"}


@dataclass
class Body:
    """The body container and its cleaned lines."""

    container: _Element | None
    lines: list[Line] = field(default_factory=list)
    wall: bool = False
    #: headline-like links among the container's blocks (a listing page has many)
    teasers: int = 0
    #: paragraphs of prose directly after another (a listing has one under each headline)
    runs: int = 0

    @property
    def words(self) -> int:
        return sum(ln.words for ln in self.lines)


def choose_container(root: _Element, text: PageText, marks: dict[_Element, str]
                     ) -> _Element | None:
    """The element whose own paragraphs hold the most non-link words (readability-style)."""
    scores: dict[_Element, float] = {}
    for el in root.iter(*_SCORED):
        tag = tag_of(el)
        if tag != "p" and text.has_block_child(el):
            continue
        n = text.words(el)
        if n < (5 if tag == "li" else 8):
            continue
        if text.link_words(el) > 0.4 * n or inside(el, marks) is not None:
            continue
        parent = el.getparent()
        if tag in ("li", "dd") and parent is not None and tag_of(parent) in _LIST_TAGS:
            parent = parent.getparent()
        elif tag == "p" and parent is not None and tag_of(parent) == "blockquote":
            parent = parent.getparent()
        if parent is None:
            continue
        bonus = 1.0 + 0.1 * min(text.commas(el), 5)
        scores[parent] = scores.get(parent, 0.0) + n * bonus
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + 0.5 * n * bonus
    if not scores:
        return None
    best = max(scores, key=lambda e: scores[e])
    parent = best.getparent()
    if parent is not None and tag_of(best) not in ("body", "html"):
        siblings = [c for c in parent if c is not best and isinstance(c.tag, str)]
        if any(scores.get(s, 0.0) >= 0.3 * scores[best] and s not in marks and tag_of(s) not in
               pt.HEADING_TAGS for s in siblings):
            best = parent
    return best


class Reader:
    """Skip rules for walking the container: marked, dropped-tag and boilerplate boxes."""

    def __init__(self, container: _Element, text: PageText, marks: dict[_Element, str],
                 host: str = "") -> None:
        self.container = container
        self.text = text
        self.marks = marks
        self.host = host

    def skip(self, el: _Element) -> bool | str:
        tag = tag_of(el)
        if tag in pt.DROP_TAGS:
            return True
        kind = self.marks.get(el)
        if kind is not None:
            if kind == "wall" and self._wall_words(el):
                return "wall"
            return True
        if tag in pt.BOX_TAGS and el is not self.container:
            kind = self.box(el)
            if kind == "wall":
                return "wall"
            if kind is not None:
                return True
        return False

    def box(self, el: _Element) -> str | None:
        """Why a nested box is boilerplate (clean.box_kind), or None."""
        words = self.text.words(el)
        if words > 200:
            return None
        controls = any(True for _ in el.iter(*pt.FORM_CONTROLS))
        return box_kind(walk_lines(el, self.skip_plain), words, controls, self.host)

    def skip_plain(self, el: _Element) -> bool:
        return tag_of(el) in pt.DROP_TAGS or el in self.marks

    def _wall_words(self, el: _Element) -> bool:
        text = self.text.text(el)
        return bool(pt.WALL.search(text.lower()) or pt.PROMO_GROUPS[3].search(text)
                    or pt.PROMO_GROUPS[0].search(text))


def _count_teasers(container: _Element, text: PageText, marks: dict[_Element, str], host: str
                   ) -> int:
    """Links of headline length to this site that make up (nearly) all of their block's text
    (a round-up's links to other sites are not teasers)."""
    count = 0
    for a in container.iter("a"):
        n = text.words(a)
        if n < 4 or inside(a, marks) is not None or site_host(a.get("href") or "") not in (
                "", host):
            continue
        block = a.getparent()
        while block is not None and tag_of(block) not in pt.BLOCK_TAGS:
            block = block.getparent()
        if block is None:
            continue
        total = text.words(block)
        if n >= 0.6 * total or tag_of(block) in pt.HEADING_TAGS:
            count += 1
    return count


def read_body(root: _Element, text: PageText, marks: dict[_Element, str], host: str = ""
              ) -> Body:
    """The article's lines: container chosen, boxes judged, lines cleaned, walls noted;
    ``host`` is the page's (clean.site_host)."""
    container = choose_container(root, text, marks)
    if container is None:
        return Body(None)
    reader = Reader(container, text, marks, host)
    raw = walk_lines(container, reader.skip)
    lines, wall = clean_lines(raw, host)
    return Body(container, lines, wall, _count_teasers(container, text, marks, host),
                _runs(raw))


def _runs(lines: list[Line]) -> int:
    """How many prose paragraphs directly follow another one."""
    prose = [ln.words >= 20 and ln.link_density < 0.3 for ln in lines]
    return sum(1 for a, b in zip(prose, prose[1:], strict=False) if a and b)

