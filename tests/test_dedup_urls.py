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
