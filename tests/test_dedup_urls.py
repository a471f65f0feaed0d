"""URL cleaning and identity (storage.dedup), driven by tests/data/canonical_url_cases.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from storage.dedup import clean_url, content_hash, url_key

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "data" / "canonical_url_cases.toml").read_text(encoding="utf-8")
)["case"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_clean_url(case: dict[str, Any]) -> None:
    assert clean_url(case["url"], case.get("strip", [])) == case["clean"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_url_key(case: dict[str, Any]) -> None:
    assert url_key(case["url"], case.get("strip", [])) == case["key"]


def test_content_hash_ignores_layout_quotes_and_case() -> None:
    a = "Croydon\u2019s children\u2019s services   were rated\n\n\u2018inadequate\u2019."
    b = "croydon's children's services were rated 'inadequate'."
    assert content_hash(a) == content_hash(b)


def test_content_hash_changes_with_words() -> None:
    assert content_hash("rated inadequate") != content_hash("rated good")


def test_normalise_text_straightens_quotes_dashes_and_spaces_like_a_translation_table() -> None:
    """normalise_text replaces the characters one by one; the result is str.translate's."""
    import unicodedata

    from storage.dedup import _QUOTES, normalise_text

    table = str.maketrans(_QUOTES)

    def reference(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).translate(table).lower().split())

    samples = ["Croydon\u2019s \u201cchildren\u2019s services\u201d \u2013 rated \u2018inadequate\u2019\u00a0\u2014 today",
               "\u2018\u2019\u201c\u201d\u2013\u2014\u00a0" * 3, "plain ascii", "", "\ufb01ne \u00bd \u0130 \u2028 x\t\ny"]
    samples += ["".join(chr(c) for c in range(start, start + 0x800) if not 0xD800 <= c < 0xE000)
                for start in range(0, 0x30000, 0x800)]
    for text in samples:
        assert normalise_text(text) == reference(text)
