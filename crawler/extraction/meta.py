"""Page metadata: JSON-LD, <meta> tags, language, site name, title and author."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml.etree import _Element

from crawler.extraction import patterns as pt
from crawler.extraction.dom import PageText, inside, norm, tag_of, text_of

_ARTICLE_TYPES = re.compile(r"article|posting|report|pressrelease|webpage|newsarticle", re.I)
_TITLE_SEP = re.compile(r"\s+[|\-–—:·•»]\s+|:\s+")
_NAME = re.compile(r"^[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|de|van|von|der|la|le|da|di|bin|al))"
                   r"{1,4}$")
_BY = re.compile(r"^\W*(?:by|posted by|written by|words by)\s+(.+)$", re.I)
_BY_INNER = re.compile(r"\bby\s+([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){1,3})")
_BY_LEAVES = ("//body//*[not(*)][starts-with(translate(normalize-space(.), 'BY', 'by'), 'by ')"
              " or starts-with(translate(normalize-space(.), 'BYOSTED', 'byosted'), 'posted by ')]")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_NAME_CUT = re.compile(
    r"\s*(?:[|,–—•·]|\s-\s|\bon\b|\bat\b|\bin\b|\d|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december)\b).*$", re.I)


@dataclass
class PageMeta:
    """What the page declares about itself."""

    meta: dict[str, str] = field(default_factory=dict)
    ld: list[dict[str, Any]] = field(default_factory=list)
    title_tag: str = ""
    lang: str | None = None

    def get(self, *names: str) -> str | None:
        for n in names:
            v = self.meta.get(n.lower())
            if v:
                return v
        return None

    def ld_value(self, key: str) -> Any:
        for obj in self.ld:
            if obj.get(key) not in (None, "", []):
                return obj[key]
        return None


def _ld_objects(data: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "@graph" in item:
                stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [])
            types = item.get("@type", "")
            types = " ".join(types) if isinstance(types, list) else str(types)
            if _ARTICLE_TYPES.search(types):
                out.append(item)
    # articles before web pages
    out.sort(key=lambda o: 1 if "webpage" in str(o.get("@type", "")).lower() else 0)
    return out


def read_meta(root: _Element) -> PageMeta:
    pm = PageMeta()
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in pm.meta:
            pm.meta[key] = norm(content)
        equiv = (el.get("http-equiv") or "").lower()
        if equiv == "content-language" and content:
            pm.meta.setdefault("content-language", content)
    for el in root.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json" or not el.text:
            continue
        try:
            pm.ld.extend(_ld_objects(json.loads(el.text, strict=False)))
        except (ValueError, RecursionError):
            continue
    title = root.find(".//title")
    pm.title_tag = text_of(title) if title is not None else ""
    lang = root.get("lang") or pm.get("content-language", "og:locale", "dc.language")
    inl = pm.ld_value("inLanguage")
    lang = lang or (inl if isinstance(inl, str) else None)
    if lang:
        pm.lang = re.split(r"[-_]", lang.strip())[0].lower() or None
    return pm


def _name_of(value: Any) -> str | None:
    if isinstance(value, str):
        return norm(value) or None
    if isinstance(value, dict):
        return _name_of(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_name_of(v) for v in value) if n]
        return ", ".join(names) if names else None
    return None


def site_name(pm: PageMeta, title: str = "") -> str | None:
    """Declared site name, else what the <title> adds to the headline ("Headline | Site")."""
    declared = (pm.get("og:site_name", "application-name", "twitter:site:name")
                or _name_of(pm.ld_value("publisher")))
    if declared or not title:
        return declared
    tag, head = pm.title_tag, title
    rest = tag[len(head):] if tag.lower().startswith(head.lower()) else (
        tag[:-len(head)] if tag.lower().endswith(head.lower()) else "")
    rest = rest.strip(" |-–—:·•»")
    return rest if rest and len(rest) < len(head) else None


def _strip_site(title: str, site: str | None) -> str:
    parts = _TITLE_SEP.split(title)
    if len(parts) < 2:
        return title
    if site:
        kept = [p for p in parts if norm(p).lower() != site.lower()]
        if kept and len(kept) < len(parts):
            return norm(" - ".join(kept)) if len(kept) > 1 else norm(kept[0])
    # "Headline | Site": a short last segment after a strong separator is the site's name
    head, sep, tail = title.rpartition(" | ") if " | " in title else _last_dash(title)
    if sep and len(tail.split()) <= 5 and len(tail) < len(head):
        return norm(head)
    return title


def _last_dash(title: str) -> tuple[str, str, str]:
    for sep in (" – ", " — ", " - "):
        if sep in title:
            return title.rpartition(sep)
    return "", "", title


def _headings(root: _Element, marks: dict[_Element, str], text: PageText) -> list[_Element]:
    out = []
    for el in root.iter("h1", "h2", "h3", "h4"):
        kind = inside(el, marks)
        if kind in pt.TEASER_KINDS:
            continue
        if text.text(el):
            out.append(el)
    return out


def _is_home_link(el: _Element) -> bool:
    return any((a.get("href") or "").rstrip("/") in ("", ".", "..") or
               re.match(r"^https?://[^/]+/?$", a.get("href") or "") is not None
               for a in el.iter("a"))


def choose_title(root: _Element, pm: PageMeta, marks: dict[_Element, str], text: PageText
                 ) -> tuple[str, _Element | None]:
    """(title, heading element showing it, if found)."""
    site = site_name(pm)
    declared = _name_of(pm.ld_value("headline")) or pm.get(
        "og:title", "twitter:title", "headline", "dc.title")
    heads = _headings(root, marks, text)
    tag_title = pm.title_tag.lower()
    if declared:
        declared = _strip_site(declared, site)
        want = declared.lower()
        for h in heads:
            t = text.text(h).lower()
            if t == want or (len(t) > 20 and (t in want or want in t)):
                return declared, h
        return declared, None
    # a heading that the <title> repeats, the longest such (a blog's name is shorter)
    named = [h for h in heads if len(text.text(h)) > 10 and text.text(h).lower() in tag_title]
    if named:
        best = max(named, key=lambda h: len(text.text(h)))
        return text.text(best), best
    for h in heads:
        if tag_of(h) == "h1" and not _is_home_link(h) and (site or "").lower() != \
                text.text(h).lower():
            return text.text(h), h
    if pm.title_tag:
        return _strip_site(pm.title_tag, site), None
    return "", None


def _clean_name(text: str) -> str | None:
    text = norm(text)
    m = _BY.match(text)
    if m:
        text = m.group(1)
    text = _NAME_CUT.sub("", text).strip(" ,.;:-–")
    return text if _NAME.match(text) and len(text) <= 60 else None


def choose_author(root: _Element, pm: PageMeta, zone_lines: Callable[[], list[str]],
                  marks: dict[_Element, str]) -> str | None:
    """JSON-LD or meta author, else a byline element, else a 'By …' line near the headline.

    ``zone_lines`` gives the short lines around the headline and body (asked for last).
    """
    name = _name_of(pm.ld_value("author"))
    if name and not name.startswith("http"):
        return name
    meta_author = pm.get("author", "dc.creator", "parsely-author", "sailthru.author")
    if meta_author and not meta_author.startswith("http"):
        return meta_author
    for el in root.iter():
        if el.get("itemprop") == "author" or el.get("rel") == "author":
            found = _clean_name(text_of(el))
            if found:
                return found
    for el in root.xpath(_BY_LEAVES):
        text = text_of(el)
        if len(text) < 60 and _BY.match(text) and inside(el, marks) not in pt.TEASER_KINDS:
            if found := _clean_name(text):
                return found
    zone = zone_lines()
    for text in zone:
        m = _BY_INNER.search(text)
        found = _clean_name(text) if _BY.match(text) else (_clean_name(m.group(1)) if m else None)
        if found:
            return found
    for text in zone:  # "Name – 30/09/2025", "Name, 3 March 2026"
        found = _clean_name(text) if _YEAR.search(text) else None
        if found and found != text and len(found.split()) >= 2:
            return found
    return None
