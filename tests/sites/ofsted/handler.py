"""Replica of Ofsted's reports site and files host (SOURCES.md §1, §7 "Ofsted reports site").

Both hosts are served on this one port; the spider rebases ``https://files.ofsted.gov.uk`` links
(kept absolute on provider pages, as on the real site) onto the replica via the source's
``base_url``.

* ``/search``: honours ``level_1_types`` (3) and ``level_2_types[]`` / ``level_2_types[0]`` (12),
  ``start``, ``rows`` (default 10, **capped at 100**); results as ``ul.results-list > li > h3 > a``
  to ``/provider/44/<URN>``, ``a.pagination__next``, an empty page after the last. Other
  category codes list schools (``/provider/21/…``), never LA providers.
* Providers: 153 by default (Croydon, the five fictional providers of tests/pdfs.py, and 147
  more LAs from the gazetteer with their URNs); scenario ``ofsted_small``: Croydon (80492),
  Northmoor (80903) and Southvale (80904).
* ``/provider/44/<URN>``: ``h1.heading--title``, ``ol.timeline > li.timeline__day`` newest first,
  ``p.timeline__date``, ``a.publication-link[target=_blank]`` with ``span.nonvisual`` labels, a
  ``timeline__day--opened`` event without a link. Southvale's page answers **403** to its first
  request (per hit-counter reset), exercising retry and back-off.
* ``/v1/file/<id>``: the files of tests/pdfs.py, including the HTML "Report not found" page
  (status 200 at 50000901, 404 at 50000902), a truncated PDF, an oversized file, a page bomb
  and a flate bomb.

Scenarios: ``ofsted_small``; ``ofsted_new_report`` (one new Croydon focused-visit letter,
file 50300001, published today); ``ofsted_new_ilacs_2026`` (a new Croydon ILACS report after
the April 2026 reform, file 50310001, published today: four judgements, no overall grade); ``ofsted_provider_down`` (Northmoor's page answers 503);
``ofsted_no_labels`` (report links without ``span.nonvisual``); ``ofsted_layout_changed``
(report links renamed, so no ``a.publication-link`` on any provider page);
``ofsted_new_monitoring_visit`` (a new Northmoor monitoring-visit letter, file 50300002,
published two days ago).

Validators: whether the real provider pages send ETag/Last-Modified and answer 304 is
**unconfirmed** (SOURCES.md §1.6), so by default they send neither (what is known: a plain
200). Scenario ``ofsted_validators`` makes them answer validators as a well-behaved server
would; ``ofsted_validators_broken`` sends one ETag for every version of a page and answers
304 to it whatever changed (the case carewatch's full sweeps must catch).

Markup beyond SOURCES.md §1.2-§1.3 (result-item details, breadcrumbs text, scripts) is
**unconfirmed** and kept plain.
"""

from __future__ import annotations

import html
import re
import threading
from collections import defaultdict
from datetime import date, timedelta
from functools import cache
from urllib.parse import unquote, urlencode

from storage.gazetteer import all_las
from tests.mockserver import Request, Response, Site
from tests.pdfs import (
    CROYDON_URN,
    FIXTURE_REPORTS,
    FIXTURES_BY_FILE_ID,
    FixtureReport,
    _focused,
    croydon_2026_pdf,
    monitoring_visit_pdf,
)

SMALL_URNS = (CROYDON_URN, "80903", "80904")
FORBIDDEN_ONCE_URN = "80904"
DOWN_URN = "80903"
NEW_FILE_ID = 50300001
NEW_ILACS_2026_ID = 50310001
NEW_VISIT_ID = 50300002
FULL_SIZE = 153
MAX_ROWS = 100
FILES_HOST = "https://files.ofsted.gov.uk"

# The files are built once, on first use; the flate bomb takes a CPU second or more. Build them as
# the replica starts, so that a crawl's first request for one does not race its download timeout.
threading.Thread(target=lambda: [f.data for f in FIXTURE_REPORTS.values()], name="ofsted-files",
                 daemon=True).start()


@cache
def _fixture_providers() -> dict[str, str]:
    return {f.urn: f.provider for f in FIXTURE_REPORTS.values()}


@cache
def _full_providers() -> tuple[tuple[str, str], ...]:
    """(URN, display name) for the default 153-provider list, sorted by name."""
    providers = dict(_fixture_providers())
    for la in all_las():
        if len(providers) >= FULL_SIZE:
            break
        if la.urn and la.urn not in providers:
            providers[la.urn] = la.official_name or la.name
    return tuple(sorted(providers.items(), key=lambda p: p[1].lower()))


def _providers(site: Site) -> tuple[tuple[str, str], ...]:
    full = _full_providers()
    if site.scenario("ofsted_small"):
        return tuple(p for p in full if p[0] in SMALL_URNS)
    return full


def _today_label() -> str:
    return date.today().strftime("%d %B %Y")


def _days_ago_label(days: int) -> str:
    return (date.today() - timedelta(days=days)).strftime("%d %B %Y")


@cache
def _new_report_pdf(today: str) -> bytes:
    return _focused("Croydon", "4 and 5 November 2026", today, "Hugh Testwell", priority=True)


@cache
def _monitoring_pdf(today: str) -> bytes:
    return monitoring_visit_pdf("Northmoor", "17 and 18 November 2026", "first", "December 2022",
                                today, "Hugh Testwell")


@cache
def _croydon_2026() -> bytes:
    return croydon_2026_pdf()


def _reports_for(site: Site, urn: str) -> list[tuple[int, str]]:
    """(file id, label) newest first."""
    by_urn: dict[str, list[FixtureReport]] = defaultdict(list)
    for f in FIXTURE_REPORTS.values():
        by_urn[f.urn].append(f)
    items = [(f.file_id, f.label) for f in by_urn.get(urn, [])]
    if urn == CROYDON_URN and site.scenario("ofsted_new_report"):
        items.append((NEW_FILE_ID, f"Children’s services focused visit, pdf - {_today_label()}"))
    if urn == DOWN_URN and site.scenario("ofsted_new_monitoring_visit"):
        items.append((NEW_VISIT_ID, f"Children’s services monitoring visit, pdf - {_days_ago_label(2)}"))
    if urn == CROYDON_URN and site.scenario("ofsted_new_ilacs_2026"):
        items.append((NEW_ILACS_2026_ID, f"Children’s services inspection, pdf - {_today_label()}"))
    return sorted(items, key=lambda it: _label_date(it[1]) or date.min, reverse=True)


_LABEL_DATE = re.compile(r"(\d{1,2}) ([A-Za-z]+) (\d{4})\s*$")


def _label_date(label: str) -> date | None:
    m = _LABEL_DATE.search(label)
    if not m:
        return None
    from datetime import datetime

    try:
        return datetime.strptime(f"{m.group(1)} {m.group(2).title()} {m.group(3)}", "%d %B %Y").date()
    except ValueError:
        return None


# --------------------------------------------------------------------------- markup

_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - Find an Inspection Report - Ofsted</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<div class="cookie-banner"><p>We use some essential cookies to make this service work.</p></div>
<header class="header"><a class="header__logo" href="/">Ofsted</a>
<span class="nonvisual">Find an inspection report</span></header>
<ol class="breadcrumbs"><li class="crumb"><a href="/">Home</a></li><li class="crumb">{title}</li></ol>
<main id="main">
"""
_FOOT = """</main>
<footer class="footer"><p>© Crown copyright</p></footer>
<script src="/assets/js/jquery.min.js"></script><script src="/assets/js/ofsted.main.js"></script>
</body>
</html>
"""


def _page(title: str, body: str) -> bytes:
    return (_HEAD.format(title=html.escape(title)) + body + _FOOT).encode("utf-8")


def _search_page(req: Request, site: Site) -> bytes:
    q = req.query
    l1 = (q.get("level_1_types") or [""])[0]
    l2 = q.get("level_2_types[]", []) + q.get("level_2_types[0]", [])
    try:
        start = max(0, int(req.param("start", "0") or 0))
        rows = min(MAX_ROWS, max(1, int(req.param("rows", "10") or 10)))
    except ValueError:
        start, rows = 0, 10
    if l1 == "3" and "12" in l2:
        everything = [(f"/provider/44/{urn}", name) for urn, name in _providers(site)]
        kind = "Local Authority Childrens Services"
    else:  # any other category: schools, never LA children's services
        everything = [(f"/provider/21/{100000 + n}", f"Example Primary School {n}") for n in range(30)]
        kind = "Primary school"
    chunk = everything[start : start + rows]
    items = "\n".join(
        f'<li class="search-result"><h3 class="search-result__title"><a href="{href}">'
        f"{html.escape(name)}</a></h3>\n"
        f'<ul class="search-result__provider-info"><li>{kind}</li>'
        f"<li>URN: {href.rsplit('/', 1)[1]}</li></ul></li>"
        for href, name in chunk
    )
    nav = ""
    if start + rows < len(everything):
        params = [(k, v) for k, vs in q.items() if k != "start" for v in vs] + [("start", str(start + rows))]
        nav = (f'<nav class="pagination"><ul class="pagination"><li class="next">'
               f'<a class="pagination__next" href="/search?{html.escape(urlencode(params))}">Next</a>'
               f"</li></ul></nav>")
    body = (
        '<div class="title-block"><h1 class="heading--title title-block__heading">Search results</h1></div>\n'
        f'<p class="search-results__count">{len(everything)} results</p>\n'
        f'<ul class="results-list">\n{items}\n</ul>\n{nav}\n'
    )
    return _page("Search results", body)


def _provider_page(site: Site, urn: str, name: str) -> bytes:
    labels = not site.scenario("ofsted_no_labels")
    link_class = "report-download" if site.scenario("ofsted_layout_changed") else "publication-link"
    days = []
    for file_id, label in _reports_for(site, urn):
        visible = re.sub(r",\s*pdf\s*-.*$", "", label)
        when = _label_date(label)
        nonvisual = f' <span class="nonvisual">{html.escape(label)}</span>' if labels else ""
        days.append(
            f'<li class="timeline__day"><p class="timeline__date">'
            f"{when.strftime('%-d %B %Y') if when else ''}</p>\n"
            f'<div class="timeline__content"><a class="{link_class}" '
            f'href="{FILES_HOST}/v1/file/{file_id}" target="_blank">{html.escape(visible)}{nonvisual}</a>'
            "</div></li>"
        )
    days.append('<li class="timeline__day timeline__day--opened"><p class="timeline__date">1 April 2009'
                "</p><p>Provider opened</p></li>")
    body = (
        f'<div class="title-block"><h1 class="heading--title title-block__heading">{html.escape(name)}</h1></div>\n'
        f'<p class="provider-type">Local Authority Childrens Services</p><p>URN: {urn}</p>\n'
        '<h2>Reports</h2>\n<ol class="timeline">\n' + "\n".join(days) + "\n</ol>\n"
    )
    return _page(name, body)


def _file(req: Request, site: Site, file_id: int) -> Response:
    if file_id == NEW_FILE_ID and site.scenario("ofsted_new_report"):
        data = _new_report_pdf(_today_label())
        return site.serve_bytes(req, data, content_type="application/pdf", conditional=False)
    if file_id == NEW_VISIT_ID and site.scenario("ofsted_new_monitoring_visit"):
        data = _monitoring_pdf(_days_ago_label(2))
        return site.serve_bytes(req, data, content_type="application/pdf", conditional=False)
    if file_id == NEW_ILACS_2026_ID and site.scenario("ofsted_new_ilacs_2026"):
        return site.serve_bytes(req, _croydon_2026(), content_type="application/pdf", conditional=False)
    fixture = FIXTURES_BY_FILE_ID.get(file_id)
    if fixture is None:
        return Response(404, {"Content-Type": "text/html; charset=utf-8"}, _page("Page not found", "<p>Not found</p>"))
    return site.serve_bytes(req, fixture.data, content_type=fixture.content_type,
                            status=fixture.http_status, conditional=False)


_PROVIDER = re.compile(r"^/provider/44/(\d+)/?$")
_FILE = re.compile(r"^/v1/file/(\d+)$")


def handle(req: Request, site: Site) -> Response | None:
    path = unquote(req.path)
    if path == "/search":
        return site.serve_bytes(req, _search_page(req, site))
    m = _PROVIDER.match(path)
    if m:
        urn = m.group(1)
        names = dict(_providers(site))
        if urn not in names:
            return Response(404, {"Content-Type": "text/html; charset=utf-8"},
                            _page("Page not found", "<p>Sorry, we could not find that page.</p>"))
        if urn == FORBIDDEN_ONCE_URN and site.hit_count(req.target) == 0:
            return Response(403, {"Content-Type": "text/html; charset=utf-8"},
                            _page("Forbidden", "<p>Access denied</p>"))
        if urn == DOWN_URN and site.scenario("ofsted_provider_down"):
            return Response(503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "1"},
                            _page("Service unavailable", "<p>Slim Application Error</p>"))
        body = _provider_page(site, urn, names[urn])
        if site.scenario("ofsted_validators_broken"):
            etag = f'"provider-{urn}"'
            if req.headers.get("if-none-match") == etag:
                return Response(304, {"ETag": etag}, b"")
            return Response(200, {"Content-Type": "text/html; charset=utf-8", "ETag": etag}, body)
        return site.serve_bytes(req, body, conditional=site.scenario("ofsted_validators"))
    m = _FILE.match(path)
    if m:
        return _file(req, site, int(m.group(1)))
    return None
