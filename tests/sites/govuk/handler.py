"""Replica of the GOV.UK search API, finder/organisation Atom feeds and content pages
(SOURCES.md §3, §7 "GOV.UK").

* ``/api/search.json``: parameters are validated strictly, an unknown one is **422**
  (alphagov/search-api); honours ``count`` (max 1500), ``start``, ``order`` (sortable fields,
  ``-`` for descending), ``fields`` (repeated or comma-separated), ``filter_<field>`` /
  ``reject_<field>`` (``organisations``, ``content_store_document_type``, ``format``); ``link``
  is a path and ``public_timestamp`` ends in ``Z``.
* ``/search/news-and-communications.atom`` (finder feed, newest first, ``organisations[]``
  filter) and ``/government/organisations/ofsted.atom`` (organisation feed): entry ids
  ``tag:www.gov.uk,2005:/<path>``, absolute links, ``application/atom+xml``,
  ``Cache-Control: max-age=900``.
* Content pages at each document's path: GOV.UK page furniture (cookie banner, header,
  breadcrumbs, ``gem-c-title``, lead paragraph, metadata, ``govspeak`` body, share links,
  related content, footer) around the body. Component class names follow govuk_publishing_
  components; the exact page structure is **unconfirmed**.
* ``/government/news/old-ofsted-annual-report-slug`` redirects (301) to its current path.

Scenario ``govuk_new_doc`` adds one newer Ofsted press release.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from urllib.parse import unquote

from tests.mockserver import Request, Response, Site

GOVUK = "https://www.gov.uk"
ALLOWED_PARAMS = {"q", "count", "start", "order", "fields", "c", "suggest", "debug", "ab_tests",
                  "cluster", "boost_fields"}
ALLOWED_PREFIXES = ("filter_", "reject_", "aggregate_", "facet_")
SORTABLE = {"public_timestamp", "closing_date", "title", "tribunal_decision_decision_date",
            "start_date", "assessment_date", "popularity", "release_timestamp"}
FILTERABLE = {"organisations", "content_store_document_type", "format", "content_purpose_supergroup"}
DEFAULT_FIELDS = ("title", "link", "description", "public_timestamp")

ORGS = {
    "ofsted": {"slug": "ofsted", "title": "Ofsted", "acronym": "Ofsted",
               "link": "/government/organisations/ofsted", "organisation_type": "non_ministerial_department"},
    "department-for-education": {"slug": "department-for-education", "title": "Department for Education",
                                 "acronym": "DfE", "link": "/government/organisations/department-for-education",
                                 "organisation_type": "ministerial_department"},
}


@dataclass(frozen=True)
class Doc:
    path: str
    title: str
    description: str
    timestamp: str  # UTC, ...Z
    doc_type: str  # content_store_document_type
    display: str  # "Press release", "Official Statistics", ...
    org: str
    body: tuple[str, ...]
    scenario: str | None = None

    @property
    def supergroup(self) -> str:
        return "research_and_statistics" if "statistics" in self.doc_type else "news_and_communications"


DOCS: tuple[Doc, ...] = (
    Doc("/government/statistics/local-authority-inspection-outcomes-as-at-31-march-2024",
        "Local authority inspection outcomes as at 31 March 2024",
        "Official statistics on the latest inspection outcomes of local authority children’s services.",
        "2024-08-30T08:30:00Z", "official_statistics", "Official Statistics", "ofsted",
        ("This release reports the latest outcomes of Ofsted’s inspections of local authority children’s "
         "services (ILACS) for all 153 local authorities in England, as at 31 March 2024.",
         "Of the 153 local authorities, 63% were judged good or outstanding for overall effectiveness at "
         "their most recent inspection, up from 58% a year earlier. Eleven local authorities were judged "
         "inadequate, and 46 require improvement to be good.",
         "From 2023–24 these statistics are published separately from ‘Children’s social care in England’. "
         "The methodology report explains how the latest outcome is chosen when a local authority has had "
         "more than one inspection.")),
    Doc("/government/news/ofsted-publishes-childrens-social-care-inspection-outcomes",
        "Ofsted publishes children’s social care inspection outcomes",
        "More local authorities are now judged good or outstanding for their children’s services.",
        "2024-08-30T09:30:00Z", "press_release", "Press release", "ofsted",
        ("Ofsted has today published its latest official statistics on inspections of local authority "
         "children’s services, showing that more councils are now judged good or outstanding.",
         "Ofsted’s National Director for Social Care said: “It is encouraging that more children are "
         "receiving the help and protection they need. But too many children in care still live far from "
         "home, and we remain concerned about the councils judged inadequate.”",
         "The statistics cover all 153 local authorities with responsibility for children’s social care. "
         "Ofsted will continue to monitor councils judged inadequate through quarterly monitoring visits.")),
    Doc("/government/news/changes-to-inspections-of-local-authority-childrens-services",
        "Changes to inspections of local authority children’s services",
        "Ofsted confirms updates to the ILACS framework following consultation.",
        "2024-11-28T10:00:00Z", "news_story", "News story", "ofsted",
        ("Ofsted has confirmed changes to the inspecting local authority children’s services (ILACS) "
         "framework, which will apply to inspections from January 2025.",
         "Inspectors will judge the experiences and progress of children in care and of care leavers "
         "separately, as they have done since January 2023, and will report more clearly on how well "
         "local authorities understand the needs of their children.",
         "Ofsted thanked the directors of children’s services, practitioners, young people and families who "
         "responded to the consultation, which received more than 1,200 responses.")),
    Doc("/government/publications/inspecting-local-authority-childrens-services-from-2018",
        "Inspecting local authority children’s services",
        "Guidance for inspectors carrying out inspections of local authority children’s services (ILACS).",
        "2024-12-02T00:15:00Z", "guidance", "Guidance", "ofsted",
        ("This framework and guidance set out how Ofsted inspects local authority services for children in "
         "need of help and protection, children in care and care leavers.",
         "It covers standard and short inspections, focused visits, monitoring visits to local authorities "
         "judged inadequate, and joint targeted area inspections carried out with other inspectorates.",
         "The guidance was updated in December 2024 to reflect changes to the framework that apply from "
         "January 2025.")),
    Doc("/government/news/new-funding-for-family-help",
        "New funding for family help services",
        "The Department for Education announces funding for family help in every local authority.",
        "2024-12-05T12:00:00Z", "press_release", "Press release", "department-for-education",
        ("The Department for Education has announced new funding for family help services in every local "
         "authority in England.",
         "The money will support councils to bring together early help and child in need services, so that "
         "families get support sooner and fewer children need to enter care.",
         "Councils will receive allocations in the new year, with guidance on how the funding can be used "
         "published alongside them.")),
    Doc("/government/news/ofsted-annual-report-202324",
        "Ofsted annual report 2023/24",
        "Ofsted’s annual report on education, children’s services and skills.",
        "2024-11-27T00:01:00Z", "press_release", "Press release", "ofsted",
        ("His Majesty’s Chief Inspector today presented Ofsted’s annual report to Parliament, covering "
         "education, children’s services and skills in 2023/24.",
         "The report finds that the children’s social care system is under strain: demand continues to rise, "
         "too many children live in unregistered homes, and local authorities struggle to recruit and keep "
         "experienced social workers.",
         "Nevertheless, most local authorities inspected this year were judged good or outstanding, and "
         "several councils previously judged inadequate have improved.")),
    Doc("/government/news/ofsted-responds-to-childrens-social-care-consultation",
        "Ofsted responds to children’s social care consultation",
        "Ofsted publishes its response to the consultation on the future of social care inspection.",
        "2026-11-29T07:00:00Z", "press_release", "Press release", "ofsted",
        ("Ofsted has today published its response to the consultation on the future of children’s social "
         "care inspection, setting out how inspections of local authorities will change from next year.",
         "The new approach will give parents and carers clearer information about the quality of help and "
         "protection in their area, and will put more weight on what children and young people say.",
         "Ofsted will publish the updated framework and handbooks in the spring, with new-style inspections "
         "of local authority children’s services starting in the autumn."),
        scenario="govuk_new_doc"),
)

REDIRECTS = {"/government/news/old-ofsted-annual-report-slug": "/government/news/ofsted-annual-report-202324"}


def _docs(site: Site) -> list[Doc]:
    return [d for d in DOCS if d.scenario is None or site.scenario(d.scenario)]


def _error(status: int, message: str) -> Response:
    body = json.dumps({"error": message}).encode()
    return Response(status, {"Content-Type": "application/json; charset=utf-8"}, body)


def _field(doc: Doc, name: str) -> object:
    return {
        "title": doc.title, "link": doc.path, "description": doc.description,
        "public_timestamp": doc.timestamp, "content_store_document_type": doc.doc_type,
        "format": doc.doc_type, "organisations": [ORGS[doc.org]],
        "content_purpose_supergroup": doc.supergroup,
    }.get(name)  # fmt: skip


def _matches(doc: Doc, field_name: str, values: list[str]) -> bool:
    if field_name == "organisations":
        return doc.org in values
    return str(_field(doc, field_name)) in values


def _search(req: Request, site: Site) -> Response:
    unknown = sorted(k for k in req.query if k not in ALLOWED_PARAMS and not k.startswith(ALLOWED_PREFIXES))
    if unknown:
        return _error(422, "Unexpected parameters: " + ", ".join(unknown))
    try:
        count = int(req.param("count", "10") or 10)
        start = int(req.param("start", "0") or 0)
    except ValueError:
        return _error(422, "Invalid count or start")
    if count > 1500 or count < 0 or start < 0:
        return _error(422, "count must be 0..1500 and start >= 0")
    docs = _docs(site)
    for key, values in req.query.items():
        for prefix, keep in (("filter_", True), ("reject_", False)):
            if key.startswith(prefix):
                name = key.removeprefix(prefix)
                if name not in FILTERABLE:
                    return _error(422, f"\"{name}\" is not a valid filter field")
                flat = [v for value in values for v in value.split(",") if v]
                docs = [d for d in docs if _matches(d, name, flat) == keep]
    order = req.param("order")
    if order:
        name = order.lstrip("-")
        if name not in SORTABLE:
            return _error(422, f"\"{name}\" is not a valid sort field")
        if name == "public_timestamp":
            docs.sort(key=lambda d: d.timestamp, reverse=order.startswith("-"))
    fields = [f for value in req.query.get("fields", []) for f in value.split(",") if f] or list(DEFAULT_FIELDS)
    results = []
    for d in docs[start : start + count]:
        row = {f: _field(d, f) for f in fields}
        row.update({"index": "govuk", "es_score": None, "_id": d.path,
                    "elasticsearch_type": d.doc_type, "document_type": d.doc_type})
        results.append(row)
    body = json.dumps({"results": results, "total": len(docs), "start": start, "aggregates": {},
                       "suggested_queries": [], "suggested_autocomplete": []}, ensure_ascii=False)
    return site.serve_bytes(req, body.encode(), content_type="application/json; charset=utf-8",
                            headers={"Cache-Control": "max-age=300, public", "Access-Control-Allow-Origin": "*"})


def _atom(req: Request, site: Site, *, organisation_feed: bool) -> Response:
    docs = sorted(_docs(site), key=lambda d: d.timestamp, reverse=True)
    if organisation_feed:
        docs = [d for d in docs if d.org == "ofsted"]
        title = "Ofsted - Activity on GOV.UK"
    else:
        orgs = req.query.get("organisations[]", [])
        if orgs:
            docs = [d for d in docs if d.org in orgs and d.supergroup == "news_and_communications"]
        title = "News and communications from Ofsted" if orgs else "News and communications"
    docs = docs[:20]
    updated = docs[0].timestamp if docs else "2024-01-01T00:00:00Z"
    entries = "\n".join(
        f"""  <entry>
    <id>tag:www.gov.uk,2005:{d.path}</id>
    <updated>{d.timestamp.replace("Z", "+00:00")}</updated>
    <link rel="alternate" type="text/html" href="{GOVUK}{d.path}"/>
    <title>{html.escape(d.title)}</title>
    <summary type="html">{html.escape(html.escape(d.description))}</summary>
  </entry>"""
        for d in docs
    )
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">
  <id>tag:www.gov.uk,2005:{req.path}</id>
  <link rel="alternate" type="text/html" href="{GOVUK}{req.path.removesuffix('.atom')}"/>
  <link rel="self" type="application/atom+xml" href="{GOVUK}{req.target}"/>
  <title>{html.escape(title)}</title>
  <author><name>HM Government</name></author>
  <updated>{updated.replace("Z", "+00:00")}</updated>
{entries}
</feed>
"""
    return site.serve_bytes(req, body.encode(), content_type="application/atom+xml; charset=utf-8",
                            headers={"Cache-Control": "max-age=900, public", "Access-Control-Allow-Origin": "*"})


def _human_date(ts: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(ts.replace("Z", "+00:00")).strftime("%-d %B %Y")


def _page(doc: Doc) -> bytes:
    org = ORGS[doc.org]
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in doc.body)
    return f"""<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>{html.escape(doc.title)} - GOV.UK</title>
<link rel="canonical" href="{GOVUK}{doc.path}">
<meta property="og:title" content="{html.escape(doc.title)}">
<meta property="og:url" content="{GOVUK}{doc.path}">
<meta name="description" content="{html.escape(doc.description)}">
<meta name="govuk:format" content="{doc.doc_type}">
<meta name="govuk:first-published-at" content="{doc.timestamp.replace("Z", "+00:00")}">
<meta name="govuk:public-updated-at" content="{doc.timestamp.replace("Z", "+00:00")}">
<meta name="govuk:primary-publishing-organisation" content="{html.escape(org['title'])}">
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<div id="global-cookie-message" class="gem-c-cookie-banner">
<h2 class="govuk-cookie-banner__heading">Cookies on GOV.UK</h2>
<p>We use some essential cookies to make this website work.</p>
<p>We’d like to set additional cookies to understand how you use GOV.UK, remember your settings and improve government services.</p>
<button>Accept additional cookies</button> <button>Reject additional cookies</button> <a href="/help/cookies">View cookies</a>
</div>
<header class="gem-c-layout-super-navigation-header"><a href="/" class="govuk-header__link">GOV.UK</a>
<nav><a href="/browse">Menu</a> <a href="/search">Search GOV.UK</a></nav></header>
<div class="govuk-width-container">
<nav class="gem-c-breadcrumbs" aria-label="Breadcrumb"><ol class="govuk-breadcrumbs__list">
<li><a href="/">Home</a></li><li><a href="/education">Education, training and skills</a></li>
<li><a href="/childcare-parenting/safeguarding-children">Safeguarding and social care for children</a></li></ol></nav>
<main class="govuk-main-wrapper" id="main-content" role="main" lang="en">
<div class="gem-c-title govuk-!-margin-top-8"><span class="gem-c-title__context">{html.escape(doc.display)}</span>
<h1 class="gem-c-title__text govuk-heading-l">{html.escape(doc.title)}</h1></div>
<p class="gem-c-lead-paragraph">{html.escape(doc.description)}</p>
<div class="gem-c-metadata"><dl>
<dt class="gem-c-metadata__term">From:</dt><dd class="gem-c-metadata__definition"><a href="{org['link']}">{html.escape(org['title'])}</a></dd>
<dt class="gem-c-metadata__term">Published</dt><dd class="gem-c-metadata__definition">{_human_date(doc.timestamp)}</dd>
</dl></div>
<div class="gem-c-govspeak govuk-govspeak" data-module="govspeak">
<div class="govspeak">
{paras}
</div></div>
<div class="gem-c-share-links"><h2>Share this page</h2><ul><li><a href="#">Facebook</a></li><li><a href="#">Twitter</a></li></ul></div>
<div class="gem-c-contextual-sidebar"><nav class="gem-c-related-navigation"><h2>Related content</h2>
<ul><li><a href="/government/organisations/ofsted">Ofsted</a></li></ul></nav></div>
<div class="gem-c-feedback"><p>Is this page useful?</p><button>Yes</button><button>No</button><button>Report a problem with this page</button></div>
</main></div>
<footer class="govuk-footer"><h2 class="govuk-visually-hidden">Support links</h2>
<p>All content is available under the Open Government Licence v3.0, except where otherwise stated</p>
<p>© Crown copyright</p></footer>
</body>
</html>
""".encode()


def handle(req: Request, site: Site) -> Response | None:
    path = unquote(req.path)
    if path == "/api/search.json":
        return _search(req, site)
    if path == "/search/news-and-communications.atom":
        return _atom(req, site, organisation_feed=False)
    if path == "/government/organisations/ofsted.atom":
        return _atom(req, site, organisation_feed=True)
    if path in REDIRECTS:
        return Response(301, {"Location": site.base + REDIRECTS[path], "Content-Type": "text/html"}, b"")
    for doc in _docs(site):
        if doc.path == path:
            return site.serve_bytes(req, _page(doc), last_modified="Fri, 30 Aug 2024 08:30:00 GMT")
    return None
