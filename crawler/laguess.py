"""Which local authority a council's website belongs to, from the gazetteer.

Two kinds of evidence: the domain (``news.leeds.gov.uk``, or the ``*.gov.uk`` council site the
pages link to, whose labels spell an LA's name with the spaces taken out) and the text (LAs
named on the home page and tagged in sample articles, by the crawl's own tagging rule).
Only public names are used: the data from ``storage.gazetteer``, the mention rules from
``crawler.extraction.la_tagger`` (the tagger a crawl uses).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from crawler.extraction.la_tagger import la_mentions, tag_las
from storage.gazetteer import LocalAuthority, all_las, by_code

#: weight of a domain match against one text mention
DOMAIN_WEIGHT = 10
#: the best LA must score this much, and this many times the runner-up
MIN_SCORE = 3
MARGIN = 1.5
_COUNCIL = re.compile(r"(metropolitanboroughcouncil|londonboroughcouncil|boroughcouncil|citycouncil|"
                      r"countycouncil|council)$")


@dataclass(frozen=True)
class LAProposal:
    la: LocalAuthority
    #: what pointed at it, for the user ("the domain news.leeds.gov.uk", "12 mentions on the home page")
    evidence: tuple[str, ...]


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("&", "and"))


@cache
def _by_label() -> dict[str, LocalAuthority]:
    table: dict[str, LocalAuthority] = {}
    for la in all_las():
        for form in (la.name, la.official_name, *la.variants):
            key = _compact(form)
            for variant in (key, _COUNCIL.sub("", key)):
                if len(variant) >= 4:
                    table.setdefault(variant, la)
    return table


def _domain_las(hosts: Iterable[str]) -> dict[str, str]:
    """ONS code -> the host whose labels name it."""
    found: dict[str, str] = {}
    for host in hosts:
        for label in host.lower().split("."):
            la = _by_label().get(label)
            if la is not None:
                found.setdefault(la.ons_code, host)
    return found


def propose_la(site_host: str, linked_urls: Iterable[str], page_text: str, page_title: str,
               articles: Iterable[tuple[str, str]]) -> LAProposal | None:
    """The LA a council site most likely belongs to, or None when the evidence is thin.

    ``linked_urls``: links of the home page (a council's news site links to its main site);
    ``articles``: (title, body) of sample articles.
    """
    council_hosts = {h for u in linked_urls if (h := urlsplit(u).hostname or "").endswith(".gov.uk")}
    score: Counter[str] = Counter()
    evidence: dict[str, list[str]] = {}

    def add(code: str, points: int, why: str) -> None:
        score[code] += points
        evidence.setdefault(code, []).append(why)

    for code, host in _domain_las([site_host]).items():
        add(code, DOMAIN_WEIGHT, f"the domain {host}")
    for code, host in _domain_las(sorted(council_hosts - {site_host})).items():
        add(code, DOMAIN_WEIGHT // 2, f"a link to {host}")
    mentions: Counter[str] = Counter()
    for m in la_mentions(page_text, title=page_title):
        mentions[m.la.ons_code] += m.count + 2 * m.title_count
    tagged: Counter[str] = Counter()
    for title, body in articles:
        tagged.update(tag_las(title, body))
    for code, n in mentions.items():
        add(code, n, f"{n} mention{'s' if n > 1 else ''} on the home page")
    for code, n in tagged.items():
        add(code, 2 * n, f"tagged in {n} sample article{'s' if n > 1 else ''}")
    ranked = score.most_common(2)
    if not ranked or ranked[0][1] < MIN_SCORE:
        return None
    if len(ranked) > 1 and ranked[0][1] < MARGIN * ranked[1][1]:
        return None
    code = ranked[0][0]
    return LAProposal(by_code(code), tuple(evidence[code]))
