"""A synthetic children's-services news site for benchmarks, served on 127.0.0.1.

``python benchmarks/synthetic_site.py --articles 2000`` generates the site in memory and prints
one JSON line ``{"base": "http://127.0.0.1:PORT", "articles": N, "pages": M}``, then serves until
stdin closes. Pages:

* ``/news/<yyyy>/<mm>/<slug>-<id>/`` articles of realistic length (about 600-1,000 words) inside
  real-looking boilerplate (cookie banner, navigation, "most read", related links, newsletter
  box, JSON-LD, analytics script, long footer): about 40 KB of HTML each;
* ``/syndicated/<id>/`` exact copies (same bytes) of ~5% of the articles, ``/partner/<id>/``
  near-copies (new opening paragraph, one sentence edited) of another ~5%;
* ``/news?page=N`` listings (20 links a page), ``/feed.rss`` and ``/feed.atom`` (newest 50),
  ``/sitemap.xml`` (every article URL, copies included), ``/robots.txt``.

``--hosts N`` serves the same site from N loopback addresses (127.0.0.1 … 127.0.0.N, one port),
and spreads the articles over them: article ``i`` lives on host ``i % N`` (its links, canonical
URL and feed/sitemap entries say so). Feeds, sitemap and listings are on the first host.

Every page has an ETag and Last-Modified and answers 304 to a matching conditional request.
``/__hits`` returns ``{"<kind>": {"<status>": n}}`` (kinds: article, copy, near, listing, feed,
sitemap, robots, other); ``/__reset`` clears it. HTTP/1.1 keep-alive, bodies pre-rendered, so
the server costs little CPU next to the crawler.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

LAS = ["Croydon", "Birmingham", "Kent", "Northamptonshire", "Slough", "Lambeth", "Leeds",
       "Manchester", "Norfolk", "Devon", "Essex", "Hampshire", "Sandwell", "Bradford", "Hackney",
       "Sheffield", "Liverpool", "Wirral", "Cumbria", "Surrey"]
TOPICS = ["children's services", "children's social care", "fostering", "adoption", "care leavers",
          "safeguarding", "the front door", "early help", "family hubs", "SEND provision",
          "youth justice", "children's homes", "agency social workers", "child protection"]
PEOPLE = ["the director of children's services", "the lead member for children", "inspectors",
          "the chief social worker", "the children's commissioner", "a council spokesperson",
          "union representatives", "the improvement board chair", "frontline practitioners"]
SENTENCES = [
    "{la} Council said its {topic} had improved since the last inspection, but {person} warned that progress was fragile.",
    "Ofsted found that leaders in {la} had a clear understanding of the strengths and weaknesses of {topic}.",
    "The number of children in care in {la} rose by {n} per cent over the past year, according to figures published on {day}.",
    "{person} told the meeting that caseloads had fallen to an average of {small} children per social worker.",
    "A report to the cabinet said spending on {topic} was forecast to exceed its budget by £{money}m.",
    "Inspectors praised the quality of direct work with families, noting that children's voices were heard in plans.",
    "However, the report said that management oversight was inconsistent and that some assessments lacked analysis.",
    "The council has recruited {small} new practitioners through its graduate programme and a partnership with local universities.",
    "{person} said the authority would publish an improvement plan within {small} weeks.",
    "The Department for Education said it would continue to monitor progress in {la} closely.",
    "Campaigners said the changes to {topic} risked leaving vulnerable families without support.",
    "The number of agency social workers in {la} has halved since {year}, the council said.",
    "In a statement, {person} said: \"We know there is more to do, and we are determined to get this right for every child.\"",
    "The inspection took place over three weeks in {month} and looked at {topic} across the county.",
    "Councillors were told that demand for {topic} had risen sharply since the pandemic.",
    "{la} is one of {small} councils taking part in the government's pilot of new family help teams.",
    "The review highlighted delays in placing children with long-term foster carers.",
    "Managers said that a new case management system would be introduced by the end of the year.",
    "Staff turnover has fallen from {n} per cent to {small} per cent over eighteen months.",
    "The local safeguarding partnership will publish its annual report in the autumn.",
]
NAV = ["News", "Features", "Opinion", "Jobs", "Events", "Ofsted", "Policy", "Practice", "Research",
       "Leadership", "Workforce", "Fostering", "Adoption", "SEND", "Youth justice", "Podcasts",
       "Webinars", "Awards", "Subscribe", "Newsletters", "About us", "Contact", "Advertise", "Archive"]
FOOTER = ["About us", "Contact us", "Privacy notice", "Cookie policy", "Terms and conditions",
          "Accessibility", "Complaints", "Advertise with us", "Careers", "Sitemap", "RSS feeds",
          "Editorial policy", "Corrections", "Subscriptions", "Group titles", "Events", "Awards",
          "Training", "Jobs board", "Press office", "Newsletters", "Modern slavery statement"] * 2
LAST_MODIFIED = "Mon, 02 Nov 2026 09:00:00 GMT"


@dataclass
class Page:
    body: bytes
    content_type: str
    etag: str
    kind: str


# Sentences are composed from parts, so that two articles about different events share about
# as much wording as real coverage of one council does: a few stock phrases, not whole
# sentences. Unrelated seed articles (shared/seeds) score 0.006-0.055 Jaccard on 3-word
# shingles; composed articles score about 0.04 (SENTENCES alone gave 0.36, which made every
# article related to every other and a near-duplicate candidate of hundreds).
SUBJECTS = ["{la} Council", "The council's cabinet", "{person}", "Inspectors", "{name}, {role},",
            "A report to the scrutiny committee", "Figures released by the council",
            "The improvement board", "Local MPs", "Foster carers in {la}", "A serious case review",
            "Parents who spoke to this publication", "The latest monitoring visit", "Senior leaders",
            "Social workers at the {place} office", "The children's rights service",
            "An independent review commissioned by {la}", "The regional adoption agency",
            "Youth workers in {place}", "Opposition councillors", "The safeguarding partnership"]
PREDICATES = ["said {topic} had {trend} since {year}", "warned that {topic} faced {pressure}",
              "welcomed the {count} new {staff} recruited in {month}",
              "found that {count} of the {big} cases sampled lacked {gap}",
              "called for {topic} to be {action}", "described {topic} as {adjective}",
              "approved a budget of £{money}m for {topic}", "reported {pressure} in {topic}",
              "agreed to {action2} {topic} by {month} {year2}",
              "questioned why {topic} had not been {action}", "praised {staff} for {praise}",
              "noted that {gap} remained a concern in {topic}",
              "set a target of {count} {staff} by {year2}", "linked {pressure} to {cause}",
              "compared {topic} in {la} with {neighbour}", "asked for {count} further {staff}",
              "said {count} children were waiting for {service}", "blamed {cause} for delays in {service}"]
DETAILS = ["", "", "", " after a review of {big} case files", " according to figures published on {day}",
           " at a meeting on {day}", " in its annual report", " despite {pressure}",
           " while {cause} continued", " for the {ordinal} year running", " ahead of a visit in {month}",
           " in a letter to {name}", " following complaints from {count} families",
           " across {count} wards", " as part of a {money}m programme"]
TRENDS = ["improved", "deteriorated", "stabilised", "been transformed", "slipped", "recovered slowly"]
PRESSURES = ["rising demand", "a shortage of foster carers", "high agency spend", "staff vacancies",
             "court delays", "an overspend of £{money}m", "a backlog of assessments",
             "placement sufficiency problems", "cuts to early help", "a spike in referrals"]
STAFF = ["social workers", "team managers", "foster carers", "personal advisers",
         "independent reviewing officers", "family support workers", "practice leads", "apprentices"]
GAPS = ["management oversight", "a clear plan", "evidence of the child's voice", "timely visits",
        "multi-agency checks", "supervision records", "analysis of risk", "a return interview"]
ACTIONS = ["reviewed", "brought back in house", "funded properly", "reorganised", "commissioned again",
           "published", "extended to older children", "protected from cuts"]
ACTIONS2 = ["review", "restructure", "expand", "recommission", "pilot", "audit", "merge", "refocus"]
ADJECTIVES = ["fragile", "much improved", "unsustainable", "a national example", "patchy",
              "under severe strain", "on the right track", "inadequate in places"]
PRAISES = ["their persistence", "building relationships with children", "clear recording",
           "working through the pandemic", "creative direct work", "reducing caseloads"]
CAUSES = ["the cost of living", "the pandemic", "national workforce shortages", "court backlogs",
          "the loss of grant funding", "a rise in unaccompanied children", "a failed IT system"]
SERVICES = ["a permanent placement", "an assessment", "a mental health appointment",
            "an EHC plan", "a care leaver flat", "a family group conference", "therapy"]
NEIGHBOURS = ["its statistical neighbours", "the England average", "the regional average",
              "similar councils", "the best-performing authorities"]
PLACES = ["Northgate", "Riverside", "Eastfield", "Hillcrest", "Westbrook", "Southmoor", "Kingsway",
          "Oakwood", "Marston", "Ashby", "Fairview", "Brookside", "Highbury", "Lowfield"]
FIRST = ["Sarah", "David", "Amira", "John", "Priya", "Michael", "Helen", "Tom", "Grace", "Imran",
         "Rachel", "Steve", "Nadia", "Paul", "Claire", "Ben", "Fiona", "Kwame", "Laura", "Mark"]
LAST = ["Patel", "Smith", "Okafor", "Jones", "Hughes", "Khan", "Walker", "Evans", "Brown", "Shah",
        "Taylor", "Wilson", "Begum", "Clarke", "Murphy", "Green", "Ahmed", "Wright", "Hall", "Lewis"]
ROLES = ["the cabinet member for children", "the interim director", "a Unison steward",
         "the designated safeguarding lead", "the chair of the fostering panel", "a senior practitioner"]
ORDINALS = ["second", "third", "fourth", "fifth"]


def _fill(template: str, rng: random.Random, la: str) -> str:
    c = rng.choice
    return template.format(
        la=la, topic=c(TOPICS), person=c(PEOPLE), n=rng.randint(3, 40), count=rng.randint(2, 60),
        small=rng.randint(2, 30), big=rng.randint(40, 400), money=f"{rng.uniform(0.5, 30):.1f}",
        year=rng.randint(2015, 2024), year2=rng.randint(2026, 2029), trend=c(TRENDS),
        day=f"{rng.randint(1, 28)} {c(['March', 'June', 'September', 'November'])}",
        month=c(["January", "April", "July", "October"]), pressure=c(PRESSURES).replace(
            "{money}", f"{rng.uniform(0.5, 30):.1f}"), staff=c(STAFF), gap=c(GAPS), action=c(ACTIONS),
        action2=c(ACTIONS2), adjective=c(ADJECTIVES), praise=c(PRAISES), cause=c(CAUSES),
        service=c(SERVICES), neighbour=c(NEIGHBOURS), place=c(PLACES), name=f"{c(FIRST)} {c(LAST)}",
        role=c(ROLES), ordinal=c(ORDINALS))


COMMON = ("the of and to a in that is was for on it with as be by at this have from or had not but "
          "are which an they were been has their more would who will its also about after there when "
          "could than into other only over such some what most many new these two those first over "
          "very any may even because much where while just still between both each under last since "
          "against during without before three years time people work year week month plan review "
          "support families children young staff team service services council report case cases "
          "practice care social help home school health local national government money budget number "
          "change changes risk needs need worker workers meeting change manager managers court order").split()
#: the words of free sentences, most frequent first (drawn with Zipf-like weights, as real text's are)
VOCABULARY = list(dict.fromkeys(COMMON + [w.strip(",.'\"()").lower() for part in (
    SUBJECTS, PREDICATES, DETAILS, TRENDS, PRESSURES, STAFF, GAPS, ACTIONS, ADJECTIVES, PRAISES, CAUSES,
    SERVICES, NEIGHBOURS, PLACES, FIRST, LAST, ROLES, TOPICS, PEOPLE) for phrase in part
    for w in phrase.split() if "{" not in w]))
_WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def _sentence(rng: random.Random, la: str) -> str:
    """One sentence: now and then a stock one (SENTENCES), else composed from parts (SUBJECTS,
    PREDICATES, DETAILS) or, most often, free words (VOCABULARY) around a composed clause."""
    roll = rng.random()
    if roll < 0.05:
        return _fill(rng.choice(SENTENCES), rng, la)
    if roll < 0.55:
        text = _fill(f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)}{rng.choice(DETAILS)}", rng, la)
        if roll > 0.3:
            text = " ".join(rng.choices(VOCABULARY, _WEIGHTS, k=rng.randint(6, 12))) + ", " + text[0].lower() + text[1:]
    else:
        text = " ".join(rng.choices(VOCABULARY, _WEIGHTS, k=rng.randint(10, 24)))
    return text[0].upper() + text[1:] + "."


def _stock_sentence(rng: random.Random, la: str) -> str:
    return _fill(rng.choice(SENTENCES), rng, la)


def _paragraphs(rng: random.Random, la: str, text: str = "varied") -> list[str]:
    """An article's paragraphs. ``text="stock"``: every sentence one of the 20 SENTENCES (the
    site's text until December 2026): unrelated articles then score 0.36 on 3-word shingles, more
    than coverage of one event does, so every article is a near-duplicate candidate of hundreds
    and related to most of its LA's. A stress case for storage, not a site anyone crawls."""
    if text == "stock":
        return [" ".join(_stock_sentence(rng, la) for _ in range(rng.randint(3, 6)))
                for _ in range(rng.randint(9, 14))]
    return [" ".join(_sentence(rng, la) for _ in range(rng.randint(3, 6)))
            for _ in range(rng.randint(7, 11))]


@dataclass
class Article:
    id: int
    path: str
    title: str
    la: str
    published: datetime
    paragraphs: list[str]


def _article_html(base: str, a: Article, others: list[Article], *, path: str | None = None,
                  paragraphs: list[str] | None = None) -> str:
    paras = paragraphs or a.paragraphs
    nav = "".join(f'<li><a href="{base}/section/{n.lower().replace(" ", "-")}/">{n}</a></li>' for n in NAV)
    most_read = "".join(f'<li><a href="{base}{o.path}">{escape(o.title)}</a><span class="date">'
                        f'{o.published:%d %B %Y}</span></li>' for o in others[:10])
    related = "".join(f'<article class="teaser"><a href="{base}{o.path}"><img src="{base}/img/{o.id}.jpg" '
                      f'alt=""><h3>{escape(o.title)}</h3></a><p>{escape(o.paragraphs[0][:160])}…</p></article>'
                      for o in others[10:15])
    footer = "".join(f'<li><a href="{base}/info/{i}">{t}</a></li>' for i, t in enumerate(FOOTER))
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
                     "datePublished": a.published.isoformat(), "author": {"@type": "Person", "name": "Staff reporter"},
                     "publisher": {"@type": "Organization", "name": "Children's Services Today"}})
    analytics = "var _cw=window._cw||[];" + "".join(f"_cw.push(['t{i}','{hashlib.md5(str(i).encode()).hexdigest()}']);" for i in range(400))
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>{escape(a.title)} | Children's Services Today</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{escape(paras[0][:150])}">
<meta property="og:title" content="{escape(a.title)}"><meta property="og:type" content="article">
<meta property="og:site_name" content="Children's Services Today">
<meta property="article:published_time" content="{a.published.isoformat()}">
<link rel="canonical" href="{base}{a.path}">
<link rel="stylesheet" href="{base}/static/site.css"><script type="application/ld+json">{ld}</script>
<style>.cookie{{position:fixed;bottom:0}}.nav li{{display:inline}}.teaser img{{width:100%}}</style>
</head><body class="article-page">
<div class="cookie-banner" id="cookies"><p>We use cookies to give you the best experience on our website. By continuing you agree to our use of cookies.</p><button>Accept all</button><button>Manage preferences</button></div>
<header class="site-header"><a class="logo" href="{base}/">Children's Services Today</a>
<form class="search" action="{base}/search"><input name="q" placeholder="Search"><button>Search</button></form>
<nav class="nav"><ul>{nav}</ul></nav>
<div class="login"><a href="{base}/login">Sign in</a> | <a href="{base}/register">Register</a></div></header>
<div class="ad-leaderboard"><a href="{base}/advertise"><img src="{base}/ads/leader.png" alt="Advertisement"></a></div>
<main class="content"><div class="breadcrumbs"><a href="{base}/">Home</a> › <a href="{base}/news">News</a> › {escape(a.la)}</div>
<article class="story"><h1>{escape(a.title)}</h1>
<div class="byline">By Staff reporter · <time datetime="{a.published.isoformat()}">{a.published:%d %B %Y}</time></div>
<div class="share"><a href="#">Share on X</a> <a href="#">Share on LinkedIn</a> <a href="#">Email</a></div>
<figure><img src="{base}/img/{a.id}.jpg" alt="{escape(a.la)} council offices"><figcaption>{escape(a.la)} Council's offices. Picture: council</figcaption></figure>
<div class="article-body">
{body}
</div>
<div class="tags"><a href="{base}/tag/{a.la.lower()}">{escape(a.la)}</a> <a href="{base}/tag/ofsted">Ofsted</a></div>
</article>
<section class="newsletter"><h2>Get the daily bulletin</h2><p>Sign up for free news and analysis every weekday morning.</p><form><input name="email"><button>Sign up</button></form></section>
<section class="related"><h2>Related stories</h2>{related}</section>
<section class="comments"><h2>Comments</h2><p>Comments are closed for this article.</p></section>
</main>
<aside class="sidebar"><h2>Most read</h2><ol>{most_read}</ol>
<div class="jobs"><h2>Latest jobs</h2><ul><li>Team manager, children in care – £52,000</li><li>Senior social worker – £45,000</li><li>Independent reviewing officer – £48,500</li></ul></div></aside>
<footer class="site-footer"><ul>{footer}</ul><p>© 2026 Children's Services Today Ltd. All rights reserved. Registered in England and Wales.</p></footer>
<script>{analytics}</script>
</body></html>
"""


def build_site(base: str, n: int, seed: int = 42, hosts: list[str] | None = None,
               text: str = "varied") -> dict[str, Page]:
    """The site's pages by path; ``hosts`` (base URLs) spread the articles over several hosts;
    ``text``: "varied" (realistic wording) or "stock" (see :func:`_paragraphs`)."""
    homes = hosts or [base]

    def home(a: Article) -> str:
        return homes[a.id % len(homes)]

    rng = random.Random(seed)
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    articles: list[Article] = []
    for i in range(n):
        la = rng.choice(LAS)
        topic = rng.choice(TOPICS)
        title = f"{la} {rng.choice(['sets out plan for', 'criticised over', 'praised for', 'invests in', 'reviews'])} {topic} ({i})"
        published = start - timedelta(hours=3 * i)
        slug = title.lower().replace("'", "").replace(" ", "-").replace("(", "").replace(")", "")
        path = f"/news/{published:%Y/%m}/{slug}-{i}/"
        articles.append(Article(i, path, title, la, published, _paragraphs(rng, la, text)))
    pages: dict[str, Page] = {}

    def add(path: str, markup: str, ctype: str, kind: str) -> None:
        data = markup.encode("utf-8")
        pages[path] = Page(data, ctype, '"' + hashlib.sha1(data).hexdigest()[:20] + '"', kind)

    html = "text/html; charset=utf-8"
    for a in articles:
        others = rng.sample(articles, 15) if n > 15 else articles
        add(a.path, _article_html(home(a), a, others), html, "article")
    sitemap_paths = [home(a) + a.path for a in articles]
    n_copy = max(1, n // 20)
    for a in rng.sample(articles, n_copy):  # exact copies: the same bytes at a second URL
        path = f"/syndicated/{a.id}/"
        pages[path] = Page(pages[a.path].body, html, pages[a.path].etag, "copy")
        sitemap_paths.append(home(a) + path)
    for a in rng.sample(articles, n_copy):  # near-copies: new opening, one sentence edited
        new = _stock_sentence if text == "stock" else _sentence
        paras = [new(rng, a.la) + " " + new(rng, a.la),
                 *a.paragraphs[1:]]
        paras[3] = paras[3].replace(" the ", " this ", 1)
        path = f"/partner/{a.id}/"
        near = Article(a.id, path, a.title, a.la, a.published, paras)
        add(path, _article_html(home(a), near, articles[:15]), html, "near")
        sitemap_paths.append(home(a) + path)
    per_page = 20
    n_listing = (n + per_page - 1) // per_page
    for k in range(n_listing):
        chunk = articles[k * per_page:(k + 1) * per_page]
        items = "".join(f'<li><a href="{home(a) if hosts else ""}{a.path}">{escape(a.title)}</a> <span>{a.published:%d %B %Y}</span></li>' for a in chunk)
        nxt = f'<a class="next" href="/news?page={k + 2}">Next</a>' if k + 1 < n_listing else ""
        add(f"/news?page={k + 1}", f"<!DOCTYPE html><html><head><title>News – page {k + 1}</title></head><body>"
            f"<h1>News</h1><ul class='list'>{items}</ul><div class='pager'>{nxt}</div></body></html>", html, "listing")
    newest = articles[:50]
    rss_items = "".join(f"<item><title>{escape(a.title)}</title><link>{home(a)}{a.path}</link><guid>{home(a)}{a.path}</guid>"
                        f"<pubDate>{format_datetime(a.published)}</pubDate><description>{escape(a.paragraphs[0][:200])}</description></item>"
                        for a in newest)
    add("/feed.rss", f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Children\'s Services Today</title>'
        f"<link>{base}/</link><description>News</description>{rss_items}</channel></rss>", "application/rss+xml; charset=utf-8", "feed")
    atom_items = "".join(f'<entry><title>{escape(a.title)}</title><link href="{home(a)}{a.path}"/><id>{home(a)}{a.path}</id>'
                         f"<updated>{a.published.isoformat()}</updated><summary>{escape(a.paragraphs[0][:200])}</summary></entry>"
                         for a in newest)
    add("/feed.atom", f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Children\'s Services Today</title>'
        f"<id>{base}/</id><updated>{start.isoformat()}</updated>{atom_items}</feed>", "application/atom+xml; charset=utf-8", "feed")
    urls = "".join(f"<url><loc>{u}</loc><lastmod>2026-11-01</lastmod></url>" for u in sitemap_paths)
    add("/sitemap.xml", f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        "application/xml; charset=utf-8", "sitemap")
    add("/robots.txt", "User-agent: *\nDisallow: /search\n", "text/plain; charset=utf-8", "robots")
    return pages


class _State:
    pages: dict[str, Page] = {}
    hits: dict[str, dict[str, int]] = {}
    lock = threading.Lock()


def _handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
            # One write per response: separate header and body writes on a keep-alive
            # connection meet Nagle + delayed ACK (40 ms stalls) and the site becomes the bottleneck.
            lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
                     "Server: synthetic-site", f"Content-Length: {len(body)}"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
            self.wfile.write(head + (body if self.command != "HEAD" else b""))

        def do_GET(self) -> None:
            path = self.path
            if path == "/__hits":
                with _State.lock:
                    data = json.dumps(_State.hits).encode()
                return self._send(200, {"Content-Type": "application/json"}, data)
            if path == "/__reset":
                with _State.lock:
                    _State.hits.clear()
                return self._send(200, {"Content-Type": "application/json"}, b"{}")
            page = _State.pages.get(path)
            if page is None:
                status, kind = 404, "other"
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
            else:
                kind = page.kind
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                common = {"ETag": page.etag, "Last-Modified": LAST_MODIFIED}
                if (inm is not None and page.etag in [t.strip() for t in inm.split(",")]) or (
                        inm is None and ims == LAST_MODIFIED):
                    status = 304
                    self._send(304, common)
                else:
                    status = 200
                    self._send(200, {**common, "Content-Type": page.content_type}, page.body)
            with _State.lock:
                counts = _State.hits.setdefault(kind, {})
                counts[str(status)] = counts.get(str(status), 0) + 1

        do_HEAD = do_GET

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--hosts", type=int, default=1, help="loopback addresses to serve from (max 250)")
    parser.add_argument("--text", choices=("varied", "stock"), default="varied",
                        help="article wording: varied (realistic) or stock (20 sentences, a stress case)")
    args = parser.parse_args(argv)
    servers = _serve(max(1, min(250, args.hosts)))
    port = servers[0].server_address[1]
    bases = [f"http://127.0.0.{k + 1}:{port}" for k in range(len(servers))]
    base = bases[0]
    _State.pages = build_site(base, args.articles, args.seed, bases if len(bases) > 1 else None, args.text)
    for httpd in servers:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    html = [p for p in _State.pages.values() if p.kind in ("article", "copy", "near")]
    sys.stdout.write(json.dumps({"base": base, "hosts": bases, "articles": args.articles, "pages": len(_State.pages),
                                 "article_pages": len(html),
                                 "avg_html_bytes": sum(len(p.body) for p in html) // max(1, len(html))}) + "\n")
    sys.stdout.flush()
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    for httpd in servers:
        httpd.shutdown()
    return 0


def _serve(hosts: int) -> list[ThreadingHTTPServer]:
    """One server per loopback address, all on one port (retried if the port is taken)."""
    for _ in range(20):
        first = ThreadingHTTPServer(("127.0.0.1", 0), _handler())
        servers = [first]
        try:
            for k in range(2, hosts + 1):
                servers.append(ThreadingHTTPServer((f"127.0.0.{k}", first.server_address[1]), _handler()))
        except OSError:
            for httpd in servers:
                httpd.server_close()
            continue
        for httpd in servers:
            httpd.daemon_threads = True
        return servers
    raise OSError("no port free on every loopback address")


if __name__ == "__main__":
    raise SystemExit(main())
