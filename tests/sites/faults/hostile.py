"""Hostile kinds of site, generated under ``/hostile/`` of the ``faults`` replica (issue 11).

Every page is generated per request (nothing big is kept in memory). Good articles live at
``/hostile/article/<slug>``: realistic children's-services news pages, each with its own text
(seeded by the slug), a self-referencing ``rel=canonical`` and a date. The rest are the kinds a
crawler meets on hostile sites:

* ``/hostile/feed.xml?delay=S``         RSS of ``feed-1`` … ``feed-3`` (after S seconds)
* ``/hostile/sitemap-huge.xml?n=N&fresh=F&delay=S``  streamed sitemap of N old URLs, then F
                                         fresh ones (newest ``lastmod``) at the very end, after S s
* ``/hostile/variants/``                 thousands of links to 3 articles differing only in
                                         tracking parameters, fragments and parameter order
* ``/hostile/trap/``                     6 good articles among traps: an endless calendar,
                                         session ids (``;jsessionid=``, ``?sid=``), endless paging
                                         (``a.next`` to ``?page=N+1``), reordered parameters
* ``/hostile/canon/``                    a real article and a page naming it as its canonical
* ``/hostile/bidi/feed.xml``             titles full of bidi overrides and other format characters
* ``/hostile/docs/``                     a ``.pdf`` link whose bytes are an HTML article page
* ``/hostile/slow/``                     a good article and a page that answers after 60 s
* ``/hostile/alt/``                      a listing that announces its feed only with
                                         ``<link rel="alternate">``
* scenario ``robots_huge``               /robots.txt is 5 MB (its real rules at the top)
* scenario ``retry_after_hour``          every /hostile/ page answers 503 with ``Retry-After: 3600``
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from tests.mockserver import Request, Response, Site

ROBOTS_HUGE_BYTES = 5 * 1024 * 1024
TRAP_GOOD = [f"trap-good-{i}" for i in range(1, 7)]
VARIANT_ARTICLES = ["variant-1", "variant-2", "variant-3"]
#: bidi embeddings/overrides/isolates, a zero-width joiner, a BOM and a control character
BIDI_TITLE = "\u202eCroydon\u202c children\u2019s \u2066services\u2069 \u200dinspection\ufeff\x07 result"

_LAS = ["Croydon", "Kent", "Leeds", "Norfolk", "Slough", "Sutton", "Merton", "Devon", "Essex", "Wirral"]
_TOPICS = ["children's services", "fostering", "adoption", "care leavers", "safeguarding", "early help",
           "family hubs", "youth justice", "child protection", "SEND provision"]
_SENTENCES = [
    "{la} Council said its {topic} had improved since the last inspection, but leaders warned that progress was fragile.",
    "Ofsted found that managers in {la} understood the strengths and weaknesses of {topic} well.",
    "The number of children in care in {la} rose by {n} per cent over the past year, figures show.",
    "The director told councillors that caseloads had fallen to an average of {small} children per social worker.",
    "A report to the cabinet said spending on {topic} would exceed its budget by {n} million pounds.",
    "Inspectors praised direct work with families, noting that children's voices were heard in their plans.",
    "However, the report said that management oversight of {topic} was inconsistent in {la}.",
    "The council has recruited {small} new practitioners through a partnership with local universities.",
    "Campaigners said the changes to {topic} risked leaving vulnerable families in {la} without support.",
    "Staff turnover in {la} has fallen from {n} per cent to {small} per cent over eighteen months.",
    "The local safeguarding partnership in {la} will publish its annual report on {topic} in the autumn.",
    "Councillors heard that demand for {topic} had risen sharply since {year}.",
]


def _rng(slug: str) -> random.Random:
    return random.Random(int(hashlib.sha256(slug.encode()).hexdigest()[:12], 16))


def article_title(slug: str) -> str:
    if slug.startswith("bidi"):
        return BIDI_TITLE
    rng = _rng(slug)
    return f"{rng.choice(_LAS)} {rng.choice(_TOPICS)} update {slug}"


def article_html(base: str, slug: str, *, canonical: str | None = None, title: str | None = None,
                 published: datetime | None = None) -> bytes:
    """A good article page: its own text, a date, and a canonical (its own URL by default)."""
    rng = _rng(slug)
    la = rng.choice(_LAS)
    paras = []
    for _ in range(8):
        paras.append(" ".join(
            rng.choice(_SENTENCES).format(la=la, topic=rng.choice(_TOPICS), n=rng.randint(3, 60),
                                          small=rng.randint(2, 30), year=rng.randint(2015, 2024))
            for _ in range(4)
        ))
    title = title if title is not None else article_title(slug)
    when = published or datetime(2026, 11, 2, 9, tzinfo=UTC) + timedelta(hours=rng.randint(0, 600))
    canonical = canonical or f"{base}/hostile/article/{slug}"
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)} | Hostile News</title>
<link rel="canonical" href="{escape(canonical)}">
<meta property="og:title" content="{escape(title)}">
<meta property="article:published_time" content="{when.isoformat()}">
</head><body>
<header><a href="{base}/hostile/">Hostile News</a></header>
<main><article><h1>{escape(title)}</h1>
<p class="byline">By Staff reporter, <time datetime="{when.isoformat()}">{when:%d %B %Y}</time></p>
{body}
</article></main>
<footer><p>Hostile News, a test site.</p></footer>
</body></html>
""".encode()


def _html(req: Request, site: Site, body: str) -> Response:
    return site.serve_bytes(req, body.encode(), content_type="text/html; charset=utf-8")


def _listing(title: str, links: list[str], *, head: str = "", extra: str = "") -> str:
    items = "\n".join(f'<li><a href="{escape(u)}">link {i}</a></li>' for i, u in enumerate(links))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>{head}</head>'
            f"<body><h1>{escape(title)}</h1><ul>\n{items}\n</ul>{extra}</body></html>")


def _rss(base: str, title: str, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{base}{path}</link>"
        f"<pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate></item>"
        for t, path in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>{base}/hostile/</link>{entries}</channel></rss>").encode()


def _huge_sitemap(base: str, n: int, fresh: int) -> Iterator[bytes]:
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    old = datetime(2015, 1, 1, tzinfo=UTC)
    chunk: list[str] = []
    for i in range(n):
        day = (old + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        chunk.append(f"<url><loc>{base}/hostile/article/old-{i}</loc><lastmod>{day}</lastmod></url>\n")
        if len(chunk) == 2000:
            yield "".join(chunk).encode()
            chunk = []
    for i in range(fresh):
        chunk.append(f"<url><loc>{base}/hostile/article/fresh-{i}</loc>"
                     f"<lastmod>2026-11-30T0{i % 10}:00:00+00:00</lastmod></url>\n")
    yield "".join(chunk).encode()
    yield b"</urlset>\n"


def _huge_robots() -> bytes:
    head = "User-agent: *\nDisallow: /hostile/private/\nAllow: /\n"
    lines = [head]
    size = len(head)
    i = 0
    while size < ROBOTS_HUGE_BYTES:
        line = f"Disallow: /hostile/generated/{i}/*/page-{i}.html$\n"
        lines.append(line)
        size += len(line)
        i += 1
    return "".join(lines).encode()


def _variant_links(base: str) -> list[str]:
    links = []
    params = ["utm_source=rss", "utm_medium=email&utm_campaign=daily", "xtor=RSS-{i}", "fbclid=IwAR{i}",
              "at_medium=social&at_campaign={i}", "gclid={i}", "mc_cid={i}&mc_eid={i}", "ref=homepage",
              "xtor=ES-{i}-[newsletter]"]
    for slug in VARIANT_ARTICLES:
        url = f"{base}/hostile/article/{slug}"
        for i in range(250):
            p = params[i % len(params)].format(i=i)
            links.append(f"{url}?{p}" if i % 3 else f"{url}?{p}#section-{i}")
            if i % 50 == 0:
                links.append(f"{url}#comments-{i}")
    return links


def _trap_listing(base: str, page: int) -> str:
    good = [f"{base}/hostile/article/{s}" for s in TRAP_GOOD] if page == 1 else []
    traps = []
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=40 * (page - 1))
    for d in range(40):
        day = start + timedelta(days=d)
        traps.append(f"{base}/hostile/trap/calendar/{day:%Y/%m/%d}")
        traps.append(f"{base}/hostile/trap/events?date={day:%Y-%m-%d}&view=day")
        traps.append(f"{base}/hostile/trap/events?view=day&date={day:%Y-%m-%d}")
    for i, slug in enumerate(TRAP_GOOD):
        for k in range(8):
            sid = hashlib.md5(f"{page}-{i}-{k}".encode()).hexdigest()
            traps.append(f"{base}/hostile/article/{slug};jsessionid={sid.upper()}")
            traps.append(f"{base}/hostile/article/{slug}?sid={sid}")
            traps.append(f"{base}/hostile/article/{slug}?PHPSESSID={sid}")
    nxt = f'<a class="next" href="{base}/hostile/trap/?page={page + 1}">Next</a>'
    return _listing(f"Trap site page {page}", good + traps, extra=nxt)


def _calendar(base: str, path: str) -> str:
    parts = path.rstrip("/").split("/")[-3:]
    try:
        day = datetime(int(parts[0]), int(parts[1]), int(parts[2]), tzinfo=UTC)
    except (ValueError, IndexError):
        day = datetime(2026, 1, 1, tzinfo=UTC)
    links = [f"{base}/hostile/trap/calendar/{(day + timedelta(days=k)):%Y/%m/%d}" for k in (-1, 1, 7, 30)]
    return _listing(f"Events on {day:%d %B %Y}", links)


def handle(req: Request, site: Site) -> Response | None:
    """The /hostile/ pages, and the robots scenarios (None: not a hostile page)."""
    path, base = req.path, site.base
    if path == "/robots.txt" and site.scenario("robots_huge"):
        return Response(200, {"Content-Type": "text/plain; charset=utf-8"}, _huge_robots())
    if not path.startswith("/hostile/"):
        return None
    if site.scenario("retry_after_hour"):
        return Response(503, {"Content-Type": "text/html", "Retry-After": "3600"}, b"<p>Come back in an hour</p>")
    if path.startswith("/hostile/article/"):
        slug = path.removeprefix("/hostile/article/").split(";")[0].strip("/")
        return _html(req, site, article_html(base, slug).decode())
    if path.startswith("/hostile/private/"):
        return _html(req, site, article_html(base, "private-" + path.rsplit("/", 1)[-1]).decode())
    if path == "/hostile/feed.xml":
        items = [(article_title(f"feed-{i}"), f"/hostile/article/feed-{i}") for i in (1, 2, 3)]
        resp = site.serve_bytes(req, _rss(base, "Hostile News", items), content_type="application/rss+xml")
        resp.delay = float(req.param("delay", "0") or 0)
        return resp
    if path == "/hostile/sitemap-huge.xml":
        n = int(req.param("n", "300000") or 300000)
        fresh = int(req.param("fresh", "5") or 5)
        delay = float(req.param("delay", "0") or 0)
        return Response(200, {"Content-Type": "application/xml"}, _huge_sitemap(base, n, fresh), delay=delay)
    if path == "/hostile/variants/":
        return _html(req, site, _listing("Variants", _variant_links(base)))
    if path == "/hostile/trap/":
        return _html(req, site, _trap_listing(base, int(req.param("page", "1") or 1)))
    if path.startswith("/hostile/trap/calendar/"):
        return _html(req, site, _calendar(base, path))
    if path == "/hostile/trap/events":
        return _html(req, site, _listing("Events", [f"{base}/hostile/trap/events?date={req.param('date')}&view=week"]))
    if path == "/hostile/canon/":
        return _html(req, site, _listing("Canonical", [f"{base}/hostile/article/canon-real", f"{base}/hostile/canon/thief"]))
    if path == "/hostile/canon/thief":
        # its own text, but it names the real article's URL as its canonical
        return _html(req, site, article_html(base, "canon-thief", canonical=f"{base}/hostile/article/canon-real").decode())
    if path == "/hostile/bidi/feed.xml":
        items = [(BIDI_TITLE, "/hostile/article/bidi-1")]
        return site.serve_bytes(req, _rss(base, "Bidi", items), content_type="application/rss+xml")
    if path == "/hostile/docs/":
        return _html(req, site, _listing("Documents", [f"{base}/hostile/docs/annual-report.pdf",
                                                        f"{base}/hostile/article/docs-good"]))
    if path == "/hostile/docs/annual-report.pdf":
        # linked as a PDF, but the bytes are an HTML article page
        return site.serve_bytes(req, article_html(base, "docs-fake-pdf", canonical=f"{base}{path}"),
                                content_type="text/html; charset=utf-8")
    if path == "/hostile/slow/":
        return _html(req, site, _listing("Slow", [f"{base}/hostile/article/slow-good", f"{base}/hostile/hang"]))
    if path == "/hostile/hang":
        return Response(200, {"Content-Type": "text/html"}, b"<p>too late</p>", delay=60.0)
    if path == "/hostile/alt/":
        head = (f'<link rel="alternate" type="application/rss+xml" title="Hostile News feed" href="{base}/hostile/alt/feed.xml">'
                f'<link rel="alternate" type="application/rss+xml" title="Comments feed" href="{base}/hostile/alt/comments/feed.xml">')
        return _html(req, site, _listing("Announced feed", [], head=head))
    if path == "/hostile/alt/feed.xml":
        items = [(article_title(f"alt-{i}"), f"/hostile/article/alt-{i}") for i in (1, 2)]
        return site.serve_bytes(req, _rss(base, "Alt", items), content_type="application/rss+xml")
    return None
