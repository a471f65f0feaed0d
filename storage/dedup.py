"""Pure functions for article identity: URL normalisation and content hashes.

``clean_url`` gives the URL carewatch shows and stores (tracking parameters, session ids,
fragments, default ports and AMP variants removed); ``url_key`` is the identity used for
lookups, which also ignores the scheme, a leading ``www.``, a trailing slash and query-parameter
order, so that one publication reached as http/https, with ``?utm_*``, ``?xtor=…`` or
``;jsessionid=…``, is one article. The crawler's request fingerprints use ``url_key`` too
(crawler.fingerprint), so such a page is also fetched once.

Tracking parameters are courlan's maintained list (``courlan.clean.TRACKERS_RE``: ``utm_*``,
``xtor``, ``fbclid``, ``gclid``, ``mc_cid``, ``*campaign*``, ``*medium*``, ``ref``, ``session``…)
plus the few below that it does not know.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan.clean import TRACKERS_RE
from w3lib.url import safe_url_string

#: query parameters that never identify a page, beyond courlan's list (analytics, feeds,
#: social, mail campaigns, session ids)
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl", "igshid",
        "cmp", "cmpid", "ito", "at_medium", "at_campaign", "at_custom1", "at_custom2",
        "at_custom3", "at_custom4", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname",
        "ns_fee", "icid", "ocid", "yclid", "spm", "share", "amp", "outputtype",
        "sid", "sessionid", "phpsessid", "jsessionid", "aspsessionid", "cfid", "cftoken",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_", "vero_")
#: session ids carried as path parameters (``/page;jsessionid=…``)
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#;]*", re.IGNORECASE)


def _drop_param(name: str, extra: frozenset[str]) -> bool:
    low = name.lower()
    return (low in TRACKING_PARAMS or low in extra or low.startswith(TRACKING_PREFIXES)
            or TRACKERS_RE.search(low) is not None)


def clean_url(url: str, strip_params: Iterable[str] = ()) -> str:
    """The URL without tracking parameters, fragment, default port or AMP suffix."""
    return _clean_url(url, frozenset(p.lower() for p in strip_params))


def url_key(url: str, strip_params: Iterable[str] = ()) -> str:
    """Identity of a URL: ``clean_url`` minus scheme, ``www.``, trailing slash and param order."""
    return _url_key(url, frozenset(p.lower() for p in strip_params))


# Both are pure and called several times per stored article (and per known URL when a crawl
# opens), so recent answers are kept: a URL costs one parse however often it is asked about.
@lru_cache(maxsize=8192)
def _clean_url(url: str, extra: frozenset[str]) -> str:
    parts = urlsplit(safe_url_string(url.strip()))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("amp."):
        host = host[4:]
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = _PATH_SESSION.sub("", parts.path) or "/"
    path = re.sub(r"/amp/?$", "/", path)
    path = re.sub(r"\.amp(\.html?)?$", r"\1", path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _drop_param(k, extra)]
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


@lru_cache(maxsize=8192)
def _url_key(url: str, extra: frozenset[str]) -> str:
    parts = urlsplit(_clean_url(url, extra))
    host = parts.netloc
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on the same host, ignoring ``www.``."""
    ha = (urlsplit(a).hostname or "").removeprefix("www.")
    hb = (urlsplit(b).hostname or "").removeprefix("www.")
    return bool(ha) and (ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha))


_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\xa0": " "}


def normalise_text(text: str) -> str:
    """Text reduced for comparison: NFKC, straight quotes, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    # one replace per character (a fast scan each) instead of str.translate, which looks every
    # character of a non-ASCII text up in the table (~40x slower on a news article); the same
    # result, as no replacement is itself replaced
    for char, plain in _QUOTES.items():
        if char in text:
            text = text.replace(char, plain)
    return " ".join(text.lower().split())


def content_hash(text: str) -> str:
    """sha256 of ``normalise_text(text)``: equal for bodies that differ only in layout."""
    return normalised_hash(normalise_text(text))


def normalised_hash(normalised: str) -> str:
    """``content_hash`` of a text already passed through ``normalise_text``."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
