"""Whether two articles' texts are about the same event: shingles, compared and cached."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from storage.minhash import (
    intersection_size,
    jaccard_hashes,
    normalised_word_ids,
    shingle_hashes,
    word_ids,
)
from storage.stories.settings import StorySettings


@dataclass
class ShingledText:
    """Shingle hashes of one text, computed once."""

    body: str
    source: str
    settings: StorySettings
    #: ``normalise_text(body)`` when the caller has it already
    normalised: str | None = field(default=None, repr=False)
    #: ``word_ids(body)`` when the caller has them already
    known_ids: np.ndarray | None = field(default=None, repr=False)
    _sh: np.ndarray | None = field(default=None, repr=False)
    _runs: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.known_ids is not None:
            self.normalised = None  # not needed: kept in the text cache, it would only take memory

    @property
    def ids(self) -> np.ndarray:
        if self.known_ids is None:
            self.known_ids = normalised_word_ids(self.normalised) if self.normalised is not None \
                else word_ids(self.body)
            self.normalised = None
        return self.known_ids

    @property
    def sh(self) -> np.ndarray:
        if self._sh is None:
            self._sh = shingle_hashes(self.ids, self.settings.shingle_words)
        return self._sh

    @property
    def runs(self) -> np.ndarray:
        if self._runs is None:
            self._runs = shingle_hashes(self.ids, self.settings.quote_words)
        return self._runs


def related(a: ShingledText, b: ShingledText) -> bool:
    """Whether two texts are about the same event (see storage.stories)."""
    if jaccard_hashes(a.sh, b.sh) >= a.settings.min_jaccard:
        return True
    return a.source != b.source and intersection_size(a.runs, b.runs) > 0


TextKey = tuple[int, str, str, StorySettings]
#: shingles of recently compared articles, by (article id, body hash, source, settings): a crawl
#: compares each new article with the same recent ones over and over, so each body is
#: shingled once per process instead of once per comparison
_TEXT_CACHE: OrderedDict[TextKey, ShingledText] = OrderedDict()
_TEXT_CACHE_SIZE = 1024


def remember(key: TextKey, text: ShingledText) -> ShingledText:
    _TEXT_CACHE[key] = text
    if len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
        _TEXT_CACHE.popitem(last=False)
    return text


def cached(key: TextKey) -> ShingledText | None:
    text = _TEXT_CACHE.get(key)
    if text is not None:
        _TEXT_CACHE.move_to_end(key)
    return text
