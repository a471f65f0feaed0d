"""Hints that mark boilerplate: class/id name parts, ARIA roles and text patterns by kind.

Everything here describes *kinds* of boilerplate (cookie banners, share bars, newsletter
boxes, job ads, walls, teaser lists…) as sites in general name and word them; nothing is
keyed to one site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, cast

# --- case-insensitive search ----------------------------------------------------------------
#: The non-ASCII characters re.IGNORECASE matches to ASCII letters (İ ı ~ i, ſ ~ s, K ~ k).
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")
_CASELESS_ESCAPES = set("bBwWsSdDAZ")


def _spell_cases(pattern: str) -> str:
    """``pattern`` with every ASCII letter in both cases (``s`` -> ``[sS]``), for use without
    re.IGNORECASE; raises ValueError on syntax it does not handle (cased non-ASCII letters,
    letter escapes such as \\x41, inline flags)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            _check_escape(pattern[i + 1])
            out.append(pattern[i:i + 2])
            i += 2
        elif c == "[":
            end, extra = _class_cases(pattern, i)
            out.append(pattern[i:end - 1] + extra + "]")
            i = end
        elif pattern.startswith("(?", i):
            head = re.match(r"\(\?(?:[:=!]|<[=!]|P<\w+>)", pattern[i:])
            if head is None:
                raise ValueError(f"unsupported group at {i} in {pattern!r}")
            out.append(head.group(0))
            i += len(head.group(0))
        else:
            out.append(_both_cases(c))
            i += 1
    return "".join(out)


def _check_escape(c: str) -> None:
    if c.isalnum() and c not in _CASELESS_ESCAPES:
        raise ValueError(f"unsupported escape \\{c}")


def _both_cases(c: str) -> str:
    if c.isascii() and c.isalpha():
        return f"[{c.lower()}{c.upper()}]"
    if c.lower() != c or c.upper() != c:
        raise ValueError(f"cased non-ASCII character {c!r}")
    return c


def _class_cases(pattern: str, start: int) -> tuple[int, str]:
    """End (after "]") of the character class at ``start``, and the other case of its letters."""
    i = start + 1
    if pattern[i] == "^":
        i += 1
    extra: list[str] = []
    first = True
    while first or pattern[i] != "]":
        first = False
        if pattern[i] == "\\":
            _check_escape(pattern[i + 1])
            i += 2
            continue
        c = pattern[i]
        if pattern[i + 1] == "-" and pattern[i + 2] != "]":
            hi = pattern[i + 2]
            if c.isascii() and c.isalpha() and hi.isascii() and hi.isalpha() and (
                    c.islower() == hi.islower()):
                extra.append(f"{c.swapcase()}-{hi.swapcase()}")
            elif any(x.isalpha() for x in map(chr, range(ord(c), ord(hi) + 1))):
                raise ValueError(f"unsupported range {c}-{hi}")
            i += 3
            continue
        if _both_cases(c) != c:
            extra.append(c.swapcase())
        i += 1
    return i + 1, "".join(extra)


def _needles(pattern: str) -> tuple[str, ...] | None:
    """Lower-case strings of which every match of ``pattern`` contains one, or None.

    Read off the parsed pattern: a run of literal characters is required, so is anything
    required by a group, by each alternative of a choice, or by a repeat of at least one.
    """
    try:
        # the stdlib's own parser; if it changes, go without needles. typeshed has no stub for
        # the private re._parser (only the deprecated sre_parse alias)
        from re import _parser  # type: ignore[attr-defined]

        found = _required(_parser.parse(pattern))
    except Exception:  # pragma: no cover - a different Python's parser
        return None
    if not found or min(map(len, found)) < 3:
        return None
    return tuple(sorted(found))


def _required(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    from re import _constants as c  # type: ignore[attr-defined]  # private module, no typeshed stub

    best: set[str] | None = None

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            consider({"".join(run).lower()})
            run = []
        if op is c.SUBPATTERN:
            consider(_required(av[3]))
        elif op is c.BRANCH:
            alternatives = [_required(alt) for alt in av[1]]
            if all(alternatives):
                consider(set().union(*cast(list[set[str]], alternatives)))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_required(av[2]))
        elif op is c.ATOMIC_GROUP:
            consider(_required(av))
        # anything else (classes, anchors, look-arounds, optional parts) requires no literal
    if run:
        consider({"".join(run).lower()})
    return best


class Caseless:
    """A case-insensitive pattern that keeps re's fast skipping.

    re.IGNORECASE folds every character through Unicode case tables and loses the engine's quick
    rejection of alternatives by their first character, which makes searching long texts slow.
    The same pattern with ASCII letters spelled in both cases matches exactly the same strings in
    any text without the four non-ASCII characters IGNORECASE folds onto ASCII letters; a text
    containing one of those is searched with the IGNORECASE original. Before searching, the
    lower-cased text is checked for the pattern's needles (strings every match contains).
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.exact = re.compile(pattern, re.IGNORECASE)
        self.fast = re.compile(_spell_cases(pattern))
        self.needles = _needles(pattern)

    def _for(self, text: str) -> re.Pattern[str] | None:
        """The pattern to search ``text`` with; None when it cannot match."""
        if not text.isascii() and _FOLDS_TO_ASCII.search(text):
            return self.exact
        if self.needles is not None:
            lower = text.lower()  # only ASCII letters change into ASCII letters here
            if not any(n in lower for n in self.needles):
                return None
        return self.fast

    def search(self, text: str) -> re.Match[str] | None:
        rx = self._for(text)
        return rx.search(text) if rx is not None else None

    def match(self, text: str) -> re.Match[str] | None:
        rx = self._for(text)
        return rx.match(text) if rx is not None else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        rx = self._for(text)
        return rx.finditer(text) if rx is not None else iter(())


# --- class / id names --------------------------------------------------------------------
# A class or id is split on "-", "_" and spaces; each part is matched in full.
_PART_KINDS: dict[str, str] = {
    "chrome": r"nav|navbar|navigation|topnav|subnav|menu|megamenu|masthead|mast|header|hdr|head"
    r"|footer|foot|ftr|bottom|breadcrumbs?|crumbs?|trail|util|utility|skip|logo|brand"
    r"|toolbar|tools|pager|pagination|prev|next|previously|postnav|tagline",
    "cookie": r"cookies?\w*|consent\w*|gdpr|cmp|cc",
    "share": r"share\w*|sharing|social\w*|sharethis|addthis",
    "newsletter": r"newsletter\w*|nl|nlbox|nlband|signup|subscribe|subscription|subs|digest"
    r"|emailme|alerts?|updates|bulletin|mailing\w*",
    "promo": r"promo\w*|sponsor\w*|partner\w*|advert\w*|ads?|adslot|adunit|adblock|dfp|mpu"
    r"|banner|taboola|outbrain|learnbox|give|donate|donation|upsell|cta|stickybar"
    r"|commercial",
    "wall": r"gate|paywall\w*|wall|regwall|piano|membership|meter",
    "related": r"related\w*|rel|relbox|more|morenews|moreon|latest|ticker|topstories|most"
    r"|mostread|popular|trending|recommended|recirc\w*|teasers?|readnext|also|outlinks",
    "comments": r"comments?|commentlist|addcomment|respond|reply|replies|talk|discussion"
    r"|disqus|readers|responses",
    "jobs": r"jobs?|jobswidget|careers|vacanc\w*|recruit\w*",
    "aside": r"sidebar|side|rail|aside|widget|gadget|secondary|complementary",
    "byline": r"byline|credit|credits|dateline|kicker|author|meta|caption|figcaption",
    "tags": r"tags|topics|labels|keywords|categories",
    "feedback": r"feedback|rate|rating|useful|survey",
    "unseen": r"hidden|hide|nonvisual|offscreen|visuallyhidden",
    "modal": r"modal|dialog|popup|overlay|lightbox",
}
PART_KIND: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^(?:{rx})$"), kind) for kind, rx in _PART_KINDS.items()
]
#: Whole class tokens (not split) that hide text from sighted readers.
HIDDEN_TOKENS = {"sr-only", "visually-hidden", "screen-reader-text", "u-hidden", "is-hidden"}
SPLIT_PARTS = re.compile(r"[-_\s]+")

#: ARIA roles that are never the article.
ROLE_KINDS = {
    "navigation": "chrome", "banner": "chrome", "contentinfo": "chrome", "search": "chrome",
    "complementary": "aside", "dialog": "modal", "alertdialog": "modal", "alert": "modal",
}
#: Kinds whose names never turn up on a page's wrappers. Any other name ("has-sidebar",
#: "field--label-hidden", "newsletter-post", a hashed "cc") is also found on elements holding
#: the whole article, so an element holding half the page's prose is not marked by its name.
UNWRAPPED_KINDS = {"comments"}
#: Kinds whose dates and text must never be used for the article's metadata.
TEASER_KINDS = {"related", "comments", "jobs", "aside", "promo", "newsletter", "cookie", "modal"}

# --- tags ---------------------------------------------------------------------------------
DROP_TAGS = {
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "button", "input", "select", "textarea", "label", "option", "video", "audio", "map",
    "figure", "figcaption", "picture", "img",
}
#: Structural tags dropped unless they hold most of the page's text (ASP.NET <form> wrappers).
STRUCTURAL_DROP = {"nav": "chrome", "footer": "chrome", "header": "chrome", "aside": "aside",
                   "form": "newsletter", "menu": "chrome", "dialog": "modal"}
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
    "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure",
    "figcaption", "address", "hr", "body", "html", "center", "details", "summary", "fieldset",
}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
#: Nested containers inside the body that are judged as a whole (promo boxes, job widgets).
BOX_TAGS = {"div", "section", "aside", "table", "form", "details", "fieldset", "center"}
FORM_CONTROLS = {"input", "textarea", "select", "button", "iframe"}

# --- text patterns ------------------------------------------------------------------------
_I = re.I
#: Headings of blocks that are not the article.
BOILER_HEADING = re.compile(
    r"^\W*(related( \w+)?|more (news|stories|from|on|in|like this)\b.*|latest( \w+)?"
    r"|most (read|popular|viewed|shared)|(you|we think you) (may|might) (also )?(like|enjoy)"
    r"|read (more|next|also)|top stories|trending|recommended( for you)?|popular posts?"
    r"|(\d+ )?(reader[s’']? )?(comments?|responses?|replies)( \(\d+\))?:?|(\d+ )?comments:?"
    r"|have your say|join the (discussion|conversation)|(leave|post|add) (a|your) (comment|reply)"
    r"|share( this)?( \w+)?:?|follow us|sign up\b.*|newsletter|get [\w ]+ (by email|first)"
    r"|stay in touch|subscribe\b.*|(\w+ )*jobs( from [\w ]+)?|vacancies|job (search|board)"
    r"|promoted( stories)?|sponsored( content| links)?|partner content|advertisement"
    r"|media contact|for journalists|press office|press enquiries|was this page useful\??"
    r"|did you find what you were looking for\??|cookies? (on|settings)\b.*|previously"
    r"|categories|tags|labels|topics|blog archive|about me|about the author)\W*$",
    _I,
)
READ_MORE_LINE = re.compile(
    r"^\W*(read more|more:|read also|also read|see also|related( story| article)?|previously"
    r"|watch|listen|more on this|for more on this (story|topic)|click here|back to top"
    r"|story continues|article continues|continue reading below)\b", _I)
AD_LABEL_LINE = re.compile(
    r"^\W*(advertisement|advert|ad|sponsored( content)?|promoted( content)?|partner content"
    r"|paid (content|partnership)|story continues below|article continues below"
    r"|continue reading below|linkedin banner)\W*$", _I)
SHARE_LINE = re.compile(
    r"^\W*(share( this( article| story| page| post| release)?)?( on| via)?|tweet|email this"
    r"|print( this)?( page| article)?|copy link|blogthis!?|(share to|post to|share on)\s+\w+)"
    r"\W*(\b(facebook|twitter|x|linkedin|whatsapp|email|bluesky|nextdoor|reddit|print"
    r"|copy link)\b\W*)*$", _I)
CTA_LINE = re.compile(
    r"^\W*(subscribe( now| today| here)?|sign up( now| here| today)?|register( now| here)?"
    r"|join( now| today| us)?|log ?in|sign in|donate( now| today)?|book a demo|start (watching"
    r"|your trial)|get it here|find out more|learn more|claim offer|apply now|submit"
    r"|choose your alerts|send me [\w ]+|back to top)\W*$", _I)
SALARY = Caseless(
    r"£\s?\d[\d,]*(\.\d+)?k?\s*(-|–|—|to)\s*£?\s?\d[\d,]*(\.\d+)?k?"
    r"|£\s?\d[\d,.]*k?\s*(per annum|p\.?a\.?|per year|pro rata|an hour|per hour|\(fte\))"
    r"|\bup to £\s?\d[\d,]*(\.\d+)? per annum|\bpro rata\b|\bre(c|cu)r?u?i?r?i?ter\s*:")
JOB_WORDS = Caseless(r"\b(closes|closing date|apply by|salary|recrui?ter|recuriter|vacancy)\b")
PRICE_PERIOD = Caseless(
    r"£\s?\d[\d,.]*\s*(\+\s*vat\s*)?(/|per|a|an)\s*(month|mth|user|person|head|seat|issue)\b"
    r"|\bfrom £\s?\d[\d,.]*\s*(/|per|a)\s*\w+|£\s?\d[\d,.]* for (your )?first (month|year)"
    r"|£\s?\d[\d,.]*\s*\+\s*vat")
#: Groups of promotional wording; a line or section hitting several groups is an offer.
PROMO_GROUPS: list[Caseless] = [
    Caseless(r"\bsubscri(be|ber|bers|ption|ptions)\b"),
    Caseless(r"\b(newsletters?|bulletin|digest|briefing|mailing list|inbox|e-?mail updates)\b"),
    Caseless(r"\b(sign(ing)? up|register|registration|join (now|today|us|our))\b"),
    Caseless(r"\b(members?|membership|premium)\b"),
    Caseless(r"\b(free trial|\d+-day trial|start (a|your) [\w-]+ trial|unlimited access"
             r"|fewer adverts|e-edition|support local journalism|unsubscribe)\b"),
    Caseless(r"\b(your email( address)?|enter your email|email address)\b"),
    Caseless(r"\b(donate|donation|give £\d+)\b"),
    Caseless(r"\b(book a demo|partner content|sponsored|in association with)\b"),
]
NEWSLETTER_WORDS = Caseless(
    r"\b(newsletters?|bulletin|digest|mailing list|inbox|e-?mail updates|email alerts)\b")
#: Wording of a membership, registration or paywall gate.
WALL = Caseless(
    r"\b((register|sign in|log in|subscribe|join)( now)?( free)? to (continue|keep) reading"
    r"|(keep|continue) reading with\b|the rest of this (article|story|content|page) is"
    r" (only )?(for|available to) (members|subscribers)"
    r"|this (article|content|story) is (only )?(for|available to|exclusive to|reserved for)"
    r" (members|subscribers|premium|registered)"
    r"|to (read|continue reading|access|unlock) (the full|this|the rest of (this|the))"
    r" (article|story|content)|subscriber-only|subscribe to (read|unlock|continue)"
    r"|unlock (this|the full) (article|story)|you('ve| have) reached your (free )?"
    r"(article )?limit)")
#: An imperative addressed to the reader that opens a sign-up pitch ("Receive the latest…").
PITCH_START = re.compile(
    r"^\W*(receive|get|sign up|subscribe|register|join|enter|type|stay|don[’']?t miss"
    r"|never miss|want|enjoy|support|become|click|follow)\b", _I)
COOKIE_TEXT = Caseless(r"\bcookies?\b")
COOKIE_ACTION = Caseless(
    r"\b(accept|agree|allow|reject|decline|consent|essential|optional|preferences|settings"
    r"|partners|personali[sz]ed|got it|ok)\b")
#: A line that is only a publication/update stamp (teasers' dates, "last updated" footers).
DATELINE = re.compile(
    r"^\W*(this (page|article|story) was )?(first )?(last )?(published|posted|updated|modified"
    r"|reviewed)( on| at)?\W+(\w+,? )?\d{1,2}(st|nd|rd|th)?\W+\w+\W+\d{4}\W*$"
    r"|^\W*(published|posted|updated)( on)?\W+\w+\W+\d{1,2}(st|nd|rd|th)?,? \d{4}\W*$", _I)
BYLINE_START = re.compile(r"^\W*(by|posted( by| on)?|published( on| by)?|written by|words by"
                          r"|last updated|updated|press release)\b", _I)
WORD = re.compile(r"\w+")
SPACE = re.compile(r"\s+")
