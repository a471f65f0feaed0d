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

from site_text import LAS, TOPICS, paragraphs, sentence, stock_sentence

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
    ``text``: "varied" (realistic wording) or "stock" (see :func:`site_text.paragraphs`)."""
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
        articles.append(Article(i, path, title, la, published, paragraphs(rng, la, text)))
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
        new = stock_sentence if text == "stock" else sentence
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
