"""Request fingerprints on the URL identity storage uses: one page, one fetch (issue 11).

Scrapy's default fingerprint canonicalises a URL (sorted query, no fragment) but keeps tracking
parameters and session ids, so thousands of links that differ only in ``?utm_*``, ``?xtor=…``,
``;jsessionid=…``, a fragment, ``http``/``https`` or ``www.`` fetch one page thousands of times.
``CanonicalRequestFingerprinter`` (``REQUEST_FINGERPRINTER_CLASS``) hashes the method, the body
and ``storage.dedup.url_key`` of the URL with the source's ``strip_params`` — the same identity
an article is stored under — so feed, sitemap and listing links to one page are one request.
"""

from __future__ import annotations

import hashlib
from typing import Self
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.crawler import Crawler

from storage.dedup import url_key


class CanonicalRequestFingerprinter:
    """Fingerprint = sha1(method, ``url_key(url, strip_params)``, body)."""

    def __init__(self, strip_params: tuple[str, ...] = ()) -> None:
        self.strip_params = strip_params
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        source = getattr(crawler.spidercls, "source", None)
        return cls(tuple(getattr(source, "strip_params", ()) or ()))

    def fingerprint(self, request: Request) -> bytes:
        known = self._cache.get(request)
        if known is None:
            digest = hashlib.sha1(usedforsecurity=False)
            digest.update(request.method.encode())
            digest.update(b"\0")
            digest.update(url_key(request.url, self.strip_params).encode())
            digest.update(b"\0")
            digest.update(request.body or b"")
            known = self._cache[request] = digest.digest()
        return known
