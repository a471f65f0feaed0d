"""Which local authorities an article is about: the mention tagger over the gazetteer.

The LAs, their name variants and their predecessors come from :mod:`storage.gazetteer`;
this module finds them in text. A predecessor (Northamptonshire, Cumbria, Bournemouth,
Poole ...) is tagged with its own code, only when named as a council or its children's
services ("Northamptonshire County Council", "Cumbria's children's services"): a bare
county name is geography. Rules and histories join a predecessor to its successors.

Tagging rule (:func:`tag_las`)
------------------------------
An article is *about* an LA when:

* the LA is mentioned in the title, or
* the LA is mentioned at least twice in the body, or
* the LA is mentioned in the body's lead: its first three paragraphs (paragraphs are
  separated by blank lines, or by single newlines if the text has no blank lines),
  capped at the first ``LEAD_CHARS`` characters.

A single passing mention deep in the body does not count.  Callers pass the extracted body:
boilerplate (job adverts, sidebars, "latest articles") is removed upstream by the extractor,
which is what keeps an LA named only in a job advert out of the tags.

What counts as a mention (:func:`la_mentions`)
----------------------------------------------
One compiled regular expression finds every name and variant (canonical name, official
name, CSV variants, with ``and``/``&``, hyphen/space and ``St``/``St.`` spelled either way),
optionally preceded by ``London Borough of`` / ``Royal Borough of`` / ``City of`` /
``County of`` / ``Borough of`` and optionally followed by ``Council``, ``County Council``,
``City Council``, ``Borough Council``, ``Metropolitan Borough Council``,
``London Borough Council`` (either case of the suffix words) and a possessive ``'s``.
Names are matched case-sensitively (``reading`` is a verb, ``Reading`` a town) on word
boundaries (``Kentish Town`` is not Kent).  ALL-CAPS names are not matched.  Precision
rules, applied to *unqualified* mentions (no council prefix/suffix):

* Not followed by a word that makes it something else: ``Kent Police``, ``Durham
  University``, ``Old Kent Road``, ``Northumberland Park``, ``Croydon Central`` (a
  constituency), ``Leicester City`` / ``Derby County`` / ``Newcastle United`` (football
  clubs; ``Leicester City Council`` is fine), ``Bury St Edmunds``, ``Sutton Coldfield``,
  ``Newcastle-under-Lyme`` ...
* Not preceded by a title or ``of``-phrase that makes it a person or another body:
  ``Duchess of Cornwall``, ``Bishop of Durham``, ``University of Kent``, ``Greater
  Manchester``, ``New York``, ``Mr Kent`` ...
* Person-name guard (body only, not on title-case lines): a bare name directly after a
  capitalised word that is not a known harmless word (``In``, ``The``, ``East``,
  ``Labour`` ...) is taken as a surname: ``Sue Kent`` is not Kent.
* ``Westminster`` is only matched when qualified (``Westminster City Council``,
  ``City of Westminster``, ``Westminster council``, ``Westminster children's services``);
  bare ``Westminster`` almost always means Parliament.
* ``Reading``, ``Bury`` and ``Slough`` are not matched at the start of a sentence when
  followed by a determiner/pronoun (``Reading the report, ...``).
* ``County Durham`` is matched from ``Durham`` too (the city is in the county); bare
  ``Bedfordshire``, ``Cheshire``, ``Northamptonshire``, ``Cumbria``, ``Yorkshire`` are not
  LAs and are not matched; ``Bedford`` (the borough) is not matched inside
  ``Bedfordshire``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from crawler.extraction.la_words import (
    DETERMINER_AFTER,
    HARMLESS_BEFORE,
    NOT_LA_AFTER,
    NOT_LA_BEFORE,
    SENTENCE_START,
)
from storage.gazetteer import LocalAuthority, all_las, norm_key, predecessors

__all__ = ["LEAD_CHARS", "LAMention", "la_mentions", "tag_las"]

#: The lead (first three paragraphs) never extends beyond this many characters of the body.
LEAD_CHARS = 1200
#: Number of leading body paragraphs in which a single mention is enough.
LEAD_PARAGRAPHS = 3


@dataclass(frozen=True)
class LAMention:
    """Mentions of one LA in a text.

    ``count`` and ``first_offset`` refer to the body text; ``first_offset`` is None when the
    LA is only mentioned in the title.  ``title_count`` counts title mentions, ``in_lead``
    says whether a body mention falls in the lead (first paragraphs).
    """

    la: LocalAuthority
    count: int
    first_offset: int | None
    title_count: int = 0
    in_lead: bool = False

    @property
    def in_title(self) -> bool:
        return self.title_count > 0

# ---------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------

# LAs whose bare name is not a mention (see module docstring).
_QUALIFIED_ONLY = {"E09000033"}  # Westminster
# LAs whose bare name is also an English word that can start a sentence.
_SENTENCE_START_AMBIGUOUS = {"E06000038", "E08000002", "E06000039"}  # Reading, Bury, Slough

_PREFIX_RE = (
    r"(?:(?:London|Royal|Metropolitan)\s+Borough\s+of|Borough\s+of|City\s+of|County\s+of)\s+"
)
_SUFFIX_RE = (
    r"\s+(?:(?:Metropolitan\s+|London\s+|Royal\s+)?(?:[Bb]orough\s+|[Cc]ounty\s+|[Cc]ity\s+"
    r"|[Dd]istrict\s+)?[Cc]ouncil)(?!\s+[Tt]ax)"
)
_POSS_RE = r"['\u2019]s(?!\w)"


def _surface_regex(surface: str) -> str:
    """Regex for one name/variant: flexible whitespace/hyphens, and/&, St/St./Saint."""
    tokens = [t for t in re.split(r"[\s\-]+", surface.strip()) if t]
    parts: list[str] = []
    for tok in tokens:
        low = tok.casefold()
        if low in ("and", "&"):
            parts.append(r"(?:and|&)")
        elif low in ("st", "st."):
            parts.append(r"(?:St\.?|Saint)")
        else:
            parts.append(re.escape(tok))
    return r"(?:\s+|\s*-\s*|\s*\u2010\s*)".join(parts)


@dataclass(frozen=True)
class _Matcher:
    regex: re.Pattern[str]
    by_surface: dict[str, LocalAuthority]
    #: Where a match can start: ``candidates`` finds words, and a match can only start at a
    #: word in ``first_words`` (the first word of a council prefix or of a name); None when
    #: some name does not start with a word, and every position is tried.
    candidates: re.Pattern[str]
    first_words: frozenset[str] | None


_PREFIX_FIRST_WORDS = ("London", "Royal", "Metropolitan", "Borough", "City", "County")
_LEADING_WORD = re.compile(r"\w+")


def _first_words(surface: str) -> set[str] | None:
    """The words a match of ``_surface_regex(surface)`` can start with (None: not a word)."""
    first = [t for t in re.split(r"[\s\-]+", surface.strip()) if t][0]
    low = first.casefold()
    if low in ("and", "&"):
        return None  # (?:and|&)
    if low in ("st", "st."):
        return {"St", "Saint"}
    word = _LEADING_WORD.match(first)
    return {word.group(0)} if word else None


@lru_cache(maxsize=1)
def _surfaces() -> tuple[tuple[LocalAuthority, frozenset[str]], ...]:
    """Every LA with the names it is mentioned by. A predecessor's bare name only when no
    current LA uses it ("Bournemouth" is BCP today; "Bournemouth Borough Council" the old one)."""
    current = [(la, frozenset({la.name, la.official_name, *la.variants})) for la in all_las()]
    taken = {norm_key(s) for _, names in current for s in names}
    old = [(la, frozenset({la.official_name, *la.variants}
                          | ({la.name} if norm_key(la.name) not in taken else set())))
           for la in predecessors()]
    return tuple(current + old)


@lru_cache(maxsize=1)
def _qualified_only() -> frozenset[str]:
    """Westminster, and predecessors: only "… council" or "… children's services" count."""
    return frozenset({*_QUALIFIED_ONLY, *(la.ons_code for la in predecessors())})


@lru_cache(maxsize=1)
def _matcher() -> _Matcher:
    by_surface: dict[str, LocalAuthority] = {}
    for la, surfaces in _surfaces():
        for s in surfaces:
            k = norm_key(s)
            if by_surface.setdefault(k, la) is not la:
                raise ValueError(f"gazetteer surface {s!r} is ambiguous")
    # Build alternation longest-first so "Kingston upon Hull" wins over "Kingston".
    alts: list[tuple[str, str]] = []
    seen: set[str] = set()
    for _la, surfaces in _surfaces():
        for s in sorted(surfaces):
            rx = _surface_regex(s)
            if rx not in seen:
                seen.add(rx)
                alts.append((s, rx))
    alts.sort(key=lambda sr: (-len(sr[0]), sr[0]))
    name_alt = "|".join(rx for _, rx in alts)
    first_words: set[str] | None = set(_PREFIX_FIRST_WORDS)
    for surface, _ in alts:
        words = _first_words(surface)
        first_words = first_words | words if first_words is not None and words else None
    # every name starts with a capital (else look at every word: slower, same matches)
    capitalised = first_words is not None and all("A" <= w[0] <= "Z" for w in first_words)
    candidates = re.compile(r"[A-Z]\w*" if capitalised else r"\w+")
    pattern = (
        r"(?<![\w&])"
        rf"(?P<pre>{_PREFIX_RE})?"
        rf"(?P<name>{name_alt})"
        rf"(?P<suf>{_SUFFIX_RE})?"
        rf"(?P<poss>{_POSS_RE})?"
        r"(?!\w)"
    )
    return _Matcher(re.compile(pattern), by_surface, candidates,
                    frozenset(first_words) if first_words is not None else None)


@dataclass(frozen=True)
class _Hit:
    la: LocalAuthority
    start: int
    end: int


_LINE_WORD = re.compile(r"[A-Za-z][\w'\u2019]*")


def _line_is_title_case(text: str, pos: int) -> bool:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    words = _LINE_WORD.findall(text[start : end if end != -1 else len(text)])
    long_words = [w for w in words if len(w) > 3]
    if len(long_words) < 3:
        return False
    return sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.8


def _starts(text: str, m: _Matcher) -> Iterator[re.Match[str]]:
    """``m.regex.finditer(text)``, trying the regex only where a match can start.

    A match starts a word (the regex's look-behind: not after a word character or "&"), and
    that word is the first word of a prefix or name; the regex is tried at each such word that
    is not inside the previous match.
    """
    if m.first_words is None:
        yield from m.regex.finditer(text)
        return
    end = 0
    for word in m.candidates.finditer(text):
        at = word.start()
        if at < end or word.group(0) not in m.first_words:
            continue
        if at and (text[at - 1].isalnum() or text[at - 1] in "_&"):
            continue  # inside a word, or after "&" (str.isalnum and "_" are re's \w)
        mo = m.regex.match(text, at)
        if mo is not None:
            end = mo.end()
            yield mo


def _find(text: str, *, is_title: bool) -> list[_Hit]:
    m = _matcher()
    hits: list[_Hit] = []
    for mo in _starts(text, m):
        la = m.by_surface.get(norm_key(mo.group("name")))
        if la is None:  # pragma: no cover - every alternative comes from a surface
            continue
        qualified = bool(mo.group("pre") or mo.group("suf")) or _is_qualified_surface(
            mo.group("name"), la
        )
        if not qualified and not _plausible(text, mo, la, is_title=is_title):
            continue
        hits.append(_Hit(la, mo.start(), mo.end()))
    return hits


_QUALIFIED_SURFACE = re.compile(
    r"\b(?:[Cc]ouncil|Borough|Corporation|City\s+of|County\s+of)\b|,\s*(?:City|County)\s+of"
)


@lru_cache(maxsize=4096)
def _is_qualified_surface(surface: str, la: LocalAuthority) -> bool:
    """True for official names and council-form variants; False for the bare name."""
    if norm_key(surface) == norm_key(la.name):
        return False
    return bool(_QUALIFIED_SURFACE.search(surface))


_COUNCIL_AFTER = re.compile(r"\s+council\b")
_SERVICES_AFTER = re.compile(r"(?:['\u2019]s)?\s+children['\u2019]s\s+services")
_CAPITALISED_BEFORE = re.compile(r"(?<![\w'\u2019])([A-Z][a-z]+(?:['\u2019]s)?)[ \t]$")


def _plausible(text: str, mo: re.Match[str], la: LocalAuthority, *, is_title: bool) -> bool:
    start, end = mo.start("name"), mo.end("name")
    after = text[end : end + 60]
    before = text[max(0, start - 40) : start]
    if la.ons_code in _qualified_only():
        # Westminster, Northamptonshire ...: only "… council" (lower case) or "… children's services".
        return bool(
            _COUNCIL_AFTER.match(after) or _SERVICES_AFTER.match(after)
        )
    if mo.group("poss") is None and NOT_LA_AFTER.match(after):
        return False
    if NOT_LA_BEFORE.search(before):
        return False
    if la.ons_code in _SENTENCE_START_AMBIGUOUS and DETERMINER_AFTER.match(after):
        if not before.strip() and start < 40 or SENTENCE_START.search(before):
            return False
    if not is_title:
        prev = _CAPITALISED_BEFORE.search(before)
        if prev and prev.group(1) not in HARMLESS_BEFORE and not _line_is_title_case(text, start):
            # "Sue Kent", "Ruth Sunderland": a capitalised word directly before -> surname.
            # Unless that word itself starts a sentence and is a common sentence opener,
            # which HARMLESS_BEFORE covers.
            return False
    return True


_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_NEWLINE = re.compile(r"\n\s*")


def _lead_end(text: str) -> int:
    """Offset where the lead (first LEAD_PARAGRAPHS paragraphs, max LEAD_CHARS) ends.

    Paragraphs are separated by blank lines, or by newlines if the text has no blank line.
    """
    sep = _BLANK_LINE if _BLANK_LINE.search(text) else _NEWLINE
    paras = 0
    last_end = len(text.rstrip())
    for mo in sep.finditer(text, len(text) - len(text.lstrip())):
        paras += 1
        if paras >= LEAD_PARAGRAPHS:
            last_end = mo.start()
            break
    return min(last_end, LEAD_CHARS)


def _normalise_quotes(text: str) -> str:
    # Same-length replacement so offsets stay valid.
    return text.replace("\u2019", "'").replace("\u2018", "'")


def la_mentions(text: str, *, title: str = "") -> list[LAMention]:
    """LAs mentioned in ``text`` (the article body) and ``title``.

    Ordered: LAs mentioned in the title first (in title order), then by first body offset.
    """
    body = _normalise_quotes(text or "")
    head = _normalise_quotes(title or "")
    lead_end = _lead_end(body)
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    in_lead: dict[str, bool] = {}
    tcount: dict[str, int] = {}
    tfirst: dict[str, int] = {}
    las: dict[str, LocalAuthority] = {}
    for hit in _find(head, is_title=True):
        code = hit.la.ons_code
        las[code] = hit.la
        tcount[code] = tcount.get(code, 0) + 1
        tfirst.setdefault(code, hit.start)
    for hit in _find(body, is_title=False):
        code = hit.la.ons_code
        las[code] = hit.la
        counts[code] = counts.get(code, 0) + 1
        first.setdefault(code, hit.start)
        if hit.start < lead_end:
            in_lead[code] = True
    out = [
        LAMention(
            la=las[code],
            count=counts.get(code, 0),
            first_offset=first.get(code),
            title_count=tcount.get(code, 0),
            in_lead=in_lead.get(code, False),
        )
        for code in las
    ]
    out.sort(
        key=lambda m: (
            0 if m.in_title else 1,
            tfirst.get(m.la.ons_code, 0),
            m.first_offset if m.first_offset is not None else -1,
        )
    )
    return out


def tag_las(title: str, body: str) -> list[str]:
    """ONS codes of the LAs an article is about (rule in the module docstring)."""
    return [
        m.la.ons_code
        for m in la_mentions(body, title=title)
        if m.in_title or m.count >= 2 or m.in_lead
    ]
