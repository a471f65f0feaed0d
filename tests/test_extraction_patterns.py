"""crawler.extraction.patterns.Caseless: the same matches as the re.IGNORECASE pattern.

Texts are the dev set's body and boilerplate blocks (walls, cookie banners, offers, job ads),
as written and with letters' case scrambled, with and without the four non-ASCII characters
that IGNORECASE folds onto ASCII letters.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from crawler.extraction import patterns as pt

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset" / "extraction"
_FOLDING = "\u0130\u0131\u017f\u212a"


def _caseless() -> dict[str, pt.Caseless]:
    found = {name: v for name, v in vars(pt).items() if isinstance(v, pt.Caseless)}
    found.update({f"PROMO_GROUPS[{i}]": v for i, v in enumerate(pt.PROMO_GROUPS)})
    return found


def _texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(DEVSET.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        texts.extend(case["articleBody"].split("\n"))
        texts.extend(b["text"] for b in case["boilerplate"])
    rng = random.Random(7)
    scrambled = ["".join(c.swapcase() if rng.random() < 0.3 else c for c in t) for t in texts]
    folded = ["".join(rng.choice(_FOLDING) if c in "iIsSkK" and rng.random() < 0.2 else c
                      for c in t) for t in texts]
    return texts + scrambled + folded + [t.upper() for t in texts]


def _spans(rx: re.Pattern[str] | pt.Caseless, text: str) -> list[tuple[tuple[int, int], tuple]]:
    return [(m.span(), m.groups()) for m in rx.finditer(text)]


TEXTS = _texts()


@pytest.mark.parametrize("name", sorted(_caseless()))
def test_caseless_matches_like_ignorecase(name: str) -> None:
    rx = _caseless()[name]
    exact = re.compile(rx.pattern, re.IGNORECASE)
    hits = 0
    for text in TEXTS:
        want = _spans(exact, text)
        assert _spans(rx, text) == want, text
        m = rx.search(text)
        assert (m.span() if m else None) == (want[0][0] if want else None)
        m = rx.match(text)
        e = exact.match(text)
        assert (m.span() if m else None) == (e.span() if e else None)
        if not any(c in text for c in _FOLDING):
            assert _spans(rx.fast, text) == want, text
        hits += bool(want)
    assert hits, f"{name} never matched: the test texts do not exercise it"


def test_spelled_cases() -> None:
    assert pt._spell_cases(r"\bco(?:ok)ies?[a-c\d]\b") == r"\b[cC][oO](?:[oO][kK])[iI][eE][sS]?[a-c\dA-C]\b"
    with pytest.raises(ValueError):
        pt._spell_cases(r"caf\xe9")
    with pytest.raises(ValueError):
        pt._spell_cases("café")
    with pytest.raises(ValueError):
        pt._spell_cases("(?i)x")


def test_needles() -> None:
    assert pt._needles(r"\b(members?|membership|premium)\b") == ("member", "membership", "premium")
    assert pt._needles(r"\bsubscri(be|ption)s?\b") == ("subscri",)
    assert pt._needles(r"\b(sign(ing)? up|join)\b") == ("join", "sign")
    assert pt._needles(r"\b(sign up|go)\b") is None  # "go": too short to be worth checking
    assert pt._needles(r"(abcd)?efg|xyz+") is None  # nothing every match contains
    assert pt.WALL.needles is not None and " reading" in pt.WALL.needles


def test_no_needle_no_match() -> None:
    """Lower-casing a text keeps every needle a match contains (no other letter becomes ASCII)."""
    for rx in _caseless().values():
        if rx.needles is None:
            continue
        for text in TEXTS:
            if rx.exact.search(text) and not any(c in text for c in _FOLDING):
                assert any(n in text.lower() for n in rx.needles), (rx.pattern, text)
    odd = [c for c in map(chr, range(0x80, 0x110000)) if not 0xD800 <= ord(c) < 0xE000
           and c not in _FOLDING and any(x.isascii() for x in c.lower())]
    assert odd == []
