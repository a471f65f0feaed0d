"""Hints that mark boilerplate: class/id name parts, ARIA roles and text patterns by kind.

Everything here describes *kinds* of boilerplate (cookie banners, share bars, newsletter
boxes, job ads, walls, teaser lists…) as sites in general name and word them; nothing is
keyed to one site.
"""

from __future__ import annotations

import re

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
#: Parts of utility class names that style a property; the parts after them are its value.
STYLE_WORDS = {"overflow", "margin", "padding", "border", "bg", "background", "text", "font",
               "label", "align", "float"}

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
    "figcaption", "picture", "img",
}
#: Structural tags dropped unless they hold most of the page's text (ASP.NET <form> wrappers).
STRUCTURAL_DROP = {"nav": "chrome", "footer": "chrome", "header": "chrome", "aside": "aside",
                   "form": "newsletter", "menu": "chrome", "dialog": "modal"}
#: Page chrome that holds links, not prose, unless broken markup nests the article inside.
NAV_TAGS = {"nav", "header", "menu"}
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
    "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure",
    "figcaption", "address", "hr", "body", "html", "center", "details", "summary", "fieldset",
}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
#: Nested containers inside the body that are judged as a whole (promo boxes, job widgets).
BOX_TAGS = {"div", "section", "aside", "table", "form", "details", "fieldset", "center"}
FORM_CONTROLS = {"input", "textarea", "select"}

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
#: WALL and SALARY are searched in lower-cased text (faster than IGNORECASE on long lines).
SALARY = re.compile(
    r"£\s?\d[\d,]*(\.\d+)?k?\s*(-|–|—|to)\s*£?\s?\d[\d,]*(\.\d+)?k?"
    r"|£\s?\d[\d,.]*k?\s*(per annum|p\.?a\.?|per year|pro rata|an hour|per hour|\(fte\))"
    r"|\bup to £\s?\d[\d,]*(\.\d+)? per annum|\bpro rata\b|\brecruiters?\s*:")
JOB_WORDS = re.compile(r"\b(closes|closing date|apply by|salary|recruiters?|vacanc(y|ies))\b", _I)
PRICE_PERIOD = re.compile(
    r"£\s?\d[\d,.]*\s*(\+\s*vat\s*)?(/|per|a|an)\s*(month|mth|user|person|head|seat|issue)\b"
    r"|\bfrom £\s?\d[\d,.]*\s*(/|per|a)\s*\w+|£\s?\d[\d,.]* for (your )?first (month|year)"
    r"|£\s?\d[\d,.]*\s*\+\s*vat", _I)
#: Groups of promotional wording; a line or section hitting several groups is an offer.
PROMO_GROUPS: list[re.Pattern[str]] = [
    re.compile(r"\bsubscri(be|ber|bers|ption|ptions)\b", _I),
    re.compile(r"\b(newsletters?|bulletin|digest|briefing|mailing list|inbox|e-?mail updates)\b", _I),
    re.compile(r"\b(sign(ing)? up|register|registration|join (now|today|us|our))\b", _I),
    re.compile(r"\b(members?|membership|premium)\b", _I),
    re.compile(r"\b(free trial|\d+-day trial|start (a|your) [\w-]+ trial|unlimited access"
               r"|fewer adverts|e-edition|support local journalism|unsubscribe)\b", _I),
    re.compile(r"\b(your email( address)?|enter your email|email address)\b", _I),
    re.compile(r"\b(donate|donation|give £\d+)\b", _I),
    re.compile(r"\b(book a demo|partner content|sponsored|in association with)\b", _I),
]
#: Any of the groups, in lower case: one scan of a lower-cased text tells whether it has
#: promotional wording at all (without IGNORECASE, re skips ahead on the literal letters).
ANY_PROMO = re.compile("|".join(f"(?:{rx.pattern})" for rx in PROMO_GROUPS))
NEWSLETTER_WORDS = re.compile(
    r"\b(newsletters?|bulletin|digest|mailing list|inbox|e-?mail updates|email alerts)\b", _I)
#: Wording of a membership, registration or paywall gate.
WALL = re.compile(
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
COOKIE_TEXT = re.compile(r"\bcookies?\b", _I)
COOKIE_ACTION = re.compile(
    r"\b(accept|agree|allow|reject|decline|consent|essential|optional|preferences|settings"
    r"|partners|personali[sz]ed|got it|ok)\b", _I)
#: A line that is only a publication/update stamp (teasers' dates, "last updated" footers).
DATELINE = re.compile(
    r"^\W*(this (page|article|story) was )?(first )?(last )?(published|posted|updated|modified"
    r"|reviewed)( on| at)?\W+(\w+,? )?\d{1,2}(st|nd|rd|th)?\W+\w+\W+\d{4}\W*$"
    r"|^\W*(published|posted|updated)( on)?\W+\w+\W+\d{1,2}(st|nd|rd|th)?,? \d{4}\W*$", _I)
BYLINE_START = re.compile(r"^\W*(by|posted( by| on)?|published( on| by)?|written by|words by"
                          r"|last updated|updated|press release)\b", _I)
WORD = re.compile(r"\w+")
SPACE = re.compile(r"\s+")
