"""The Ofsted reports spider (SOURCES.md §1.6).

search listing (``start=0,100,…&rows=100`` until a page lists no provider) → every provider
page ``/provider/44/<URN>`` → every ``a.publication-link`` (label from ``span.nonvisual``, file
id from the href, ``timeline__day--opened`` events skipped) → each file not yet stored (or
stored with a retryable status) is downloaded (size-bounded), checked to be a PDF, turned into
text in a bounded child process (crawler.ofsted.pdftext, in a thread; at most one per usable
core) and parsed. One :class:`~crawler.items.ReportItem` per downloaded file, whatever its
fate, stored by ``crawler.pipelines.reports``. Order and conditional provider pages:
:mod:`crawler.spiders.ofsted_recrawl`. Politeness: the source's delay, one request at a time
per host, 403 retried like 429/5xx, :class:`BackoffMiddleware` slowing the host after each.

Stats (besides ``carewatch/reports/*`` from the pipeline): ``carewatch/ofsted/providers``,
``carewatch/providers/{ok,failed}``, ``carewatch/reports/{seen,known,queued}``,
``carewatch/reports/unknown_label``, ``carewatch/links/no_nonvisual``, ``carewatch/backoff``;
``carewatch/suspect_empty`` (+ ``_detail``) when the search lists fewer than
``CAREWATCH_OFSTED_MIN_PROVIDERS`` (140) providers or report links lack ``span.nonvisual``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import StopDownload
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler.context import crawler_section
from crawler.items import ReportItem
from crawler.middlewares.conditional import skipped_by_policy
from crawler.ofsted import (
    OTHER,
    PdfError,
    PdfText,
    classify_label,
    extract_pdf_text,
    normalise_text,
    parse_label,
    parse_report,
)
from crawler.pipelines.pool import usable_cores
from crawler.runstate import run_state
from crawler.sources import rebase
from crawler.spiders.base import SourceSpider
from crawler.spiders.ofsted_backoff import BackoffMiddleware
from crawler.spiders.ofsted_recrawl import PRIORITY_SEARCH, ProviderPages, file_priority
from storage.db import session_scope
from storage.reports import file_ids_done

PROVIDER_PATH = re.compile(r"/provider/44/(\d+)/?$")
FILE_ID = re.compile(r"/v1/file/(\d+)")
#: about 153 LA providers are expected; fewer than this marks the run suspect (B11)
DEFAULT_MIN_PROVIDERS = 140
DEFAULT_PDF_MAX_MB = 32


class OfstedSpider(SourceSpider):
    """Ofsted's reports site: LA children's services providers and their report PDFs."""

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        # at "spider" priority: `scrapy crawl` re-applies the process settings over lower ones
        codes = [int(c) for c in settings.getlist("RETRY_HTTP_CODES")]
        settings.set("RETRY_HTTP_CODES", [*codes, 403] if 403 not in codes else codes,
                     priority="spider")
        middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
        middlewares[f"{BackoffMiddleware.__module__}.{BackoffMiddleware.__qualname__}"] = 560
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")
        src = getattr(cls, "source", None)
        if src is not None and src.listings:
            # search pages chain one after another: keep providers and files within depth
            settings.set("DEPTH_LIMIT", src.listings[0].max_pages + 3, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.headers_received, signal=signals.headers_received)
        return spider

    def headers_received(self, headers: Any, body_length: int, request: Request, spider: Any) -> None:
        """Stop an oversized report download cleanly (a recorded ``too_large``, not a crawl
        error); ``download_maxsize`` stays as the backstop for bodies without a length."""
        limit = request.meta.get("download_maxsize")
        if request.meta.get("cw_kind") == "file" and limit and body_length > limit:
            request.meta["cw_too_large"] = body_length
            raise StopDownload(fail=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.providers: dict[str, str] = {}
        self.done: set[str] = set()
        self.queued: set[str] = set()
        self.suspect: list[str] = []
        #: provider pages requested and not yet answered; pages that listed report links
        self.providers_pending = 0
        self.providers_with_links = 0
        self.providers_answered = 0
        self.search_done = False
        #: PDF text extractions running at once: one per usable core, like the extraction pool
        self.pdf_slots = asyncio.Semaphore(usable_cores())
        #: provider-page order, conditional requests and their page state
        self.pages = ProviderPages(self)

    # -- settings ------------------------------------------------------------------------------

    @cached_property
    def pdf_max_bytes(self) -> int:
        explicit = self.settings.getint("CAREWATCH_PDF_MAX_BYTES", 0)
        if explicit:
            return explicit
        mb = float(crawler_section(self.settings).get("pdf_max_mb", DEFAULT_PDF_MAX_MB))
        return int(mb * 1024 * 1024)

    def search_url(self, page: int) -> str:
        listing = self.source.listings[0]
        return listing.url.replace("{start}", str(page * listing.step))

    def flag_suspect(self, detail: str) -> None:
        self.logger.warning("Suspect crawl: %s", detail)
        self.suspect.append(detail)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("carewatch/suspect_empty", 1)
        self.crawler.stats.set_value("carewatch/suspect_empty_detail", "; ".join(self.suspect))

    # -- search ----------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        state = run_state(self.crawler)
        with session_scope(state.engine) as session:
            self.done = file_ids_done(session)
            self.pages.load(session)
        self.count("reports/known", len(self.done))
        if not self.source.listings:
            self.flag_suspect("source has no search listing configured")
            return
        yield self._search_request(0)

    def _retries(self) -> Iterator[Request]:
        """Files stored with a retryable status, whether or not their provider page changed;
        queued once the search is done, so every provider page comes before them."""
        for retry in self.pages.plan.retry:
            if retry.file_id not in self.queued:
                self.queued.add(retry.file_id)
                self.count("reports/retried")
                yield self._file_request(retry.file_url, retry.published_on, {
                    "urn": retry.urn, "file_id": retry.file_id, "label": retry.label,
                    "provider_name": retry.provider_name, "provider_url": retry.provider_url,
                    "file_url": retry.file_url})

    def _file_request(self, file_url: str, published: Any, link: dict[str, str]) -> Request:
        return Request(rebase(file_url, self.source.base_url), callback=self.parse_file, errback=self.file_failed,
                       priority=file_priority(published),
                       meta={"cw_kind": "file", "handle_httpstatus_all": True,
                             "download_maxsize": self.pdf_max_bytes, "cw_link": link})

    def _search_request(self, page: int) -> Request:
        return Request(self.search_url(page), callback=self.parse_search, errback=self.search_failed,
                       dont_filter=True, priority=PRIORITY_SEARCH,
                       # not "listing": the search is never fetched conditionally (a 304 there
                       # must not stop the walk of the provider pages)
                       meta={"cw_kind": "search", "cw_page": page})

    def parse_search(self, response: Response) -> Iterator[Request]:
        page = int(response.meta.get("cw_page", 0))
        if not isinstance(response, TextResponse):
            self.flag_suspect(f"search page {page} is not HTML")
            return
        self.count("start_ok")
        anchors = response.css("ul.results-list > li > h3 > a")
        if not anchors:  # looser forms used by other scrapers (SOURCES.md §1.2)
            anchors = response.xpath("//a[contains(@href, '/provider/44/')]")
            if anchors:
                self.logger.warning("Search page %d: results-list selector found nothing; "
                                    "fell back to any /provider/44/ link", page)
        found = 0
        for a in anchors:
            href = (a.attrib.get("href") or "").strip()
            m = PROVIDER_PATH.search(urlsplit(href).path)
            if not m:
                continue
            found += 1
            urn = m.group(1)
            if urn in self.providers:
                continue
            name = normalise_text(" ".join(a.css("::text").getall()))
            self.providers[urn] = name
            self.providers_pending += 1
            yield self.pages.request(rebase(response.urljoin(href), self.source.base_url), urn,
                                     callback=self.parse_provider, errback=self.provider_failed,
                                     meta={"cw_kind": "provider", "cw_urn": urn, "cw_provider": name})
        self.count("listings/links", found)
        max_pages = self.source.listings[0].max_pages
        if found == 0:
            self._search_finished(f"page {page} listed no provider")
            yield from self._retries()
        elif page + 1 >= max_pages:
            self.logger.warning("Search stopped at the page limit (%d pages): raise max_pages if "
                                "Ofsted lists more providers", max_pages)
            self._search_finished("page limit")
            yield from self._retries()
        else:
            yield self._search_request(page + 1)

    def _provider_done(self, *, links: int | None) -> None:
        """Bookkeeping after each provider page; once the last one is in, a walk whose provider
        pages listed no report link at all is a layout change, not "nothing new" (B11)."""
        self.providers_pending -= 1
        if links is not None:
            self.providers_answered += 1
            self.providers_with_links += bool(links)
        if self.search_done and self.providers_pending == 0:
            self._check_providers()

    def _check_providers(self) -> None:
        if self.providers_answered and not self.providers_with_links:
            self.flag_suspect(f"{self.providers_answered} provider page(s) fetched but none listed "
                              "an a.publication-link (layout change?)")

    def _search_finished(self, why: str) -> None:
        self.search_done = True
        if self.providers_pending == 0:
            self._check_providers()
        n = len(self.providers)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("carewatch/ofsted/providers", n)
        minimum = self.settings.getint("CAREWATCH_OFSTED_MIN_PROVIDERS", DEFAULT_MIN_PROVIDERS)
        self.logger.info("Ofsted search done (%s): %d providers", why, n)
        if n < minimum:
            self.flag_suspect(f"Ofsted search listed {n} providers, expected about 153 "
                              f"(at least {minimum}): selectors or page size changed?")

    def search_failed(self, failure: Failure) -> Iterator[Request]:
        if skipped_by_policy(failure):  # robots.txt says no, or cannot be read
            self.logger.warning("Ofsted search not fetched: %s", failure.getErrorMessage())
            return
        self.count("start_failed")
        request = getattr(failure, "request", None)
        self.logger.error("Ofsted search page failed (%s): %s",
                          request.url if request else "?", failure.getErrorMessage())
        self._search_finished("search page failed")
        yield from self._retries()

    # -- provider pages ------------------------------------------------------------------------

    def parse_provider(self, response: Response) -> Iterator[Request]:
        meta = response.meta
        urn: str = meta["cw_urn"]
        if self.pages.not_modified(response):
            self._provider_done(links=None)
            return
        if not isinstance(response, TextResponse):
            self.provider_failed_now(urn, response.url, "not HTML")
            return
        self.count("providers/ok")
        new_files: list[Any] = []
        title = normalise_text(" ".join(response.css("h1.heading--title ::text").getall()))
        provider = title or meta.get("cw_provider", "")
        unlabelled = 0
        links = response.css("a.publication-link")
        self._provider_done(links=len(links))
        for a in links:
            if a.xpath("ancestor::li[contains(@class, 'timeline__day--opened')]"):
                continue
            href = (a.attrib.get("href") or "").strip()
            m = FILE_ID.search(href)
            if not m:
                self.count("links/not_a_file")
                continue
            file_id = m.group(1)
            label = normalise_text(" ".join(a.css("span.nonvisual ::text").getall()))
            if not label:
                unlabelled += 1
                label = normalise_text(" ".join(a.xpath("./text()").getall()))
            self.count("reports/seen")
            if file_id in self.done or file_id in self.queued:
                continue
            self.queued.add(file_id)
            self.count("reports/queued")
            file_url = response.urljoin(href)
            published = parse_label(label).published_on
            new_files.append(published)
            yield self._file_request(file_url, published, {
                "urn": urn, "file_id": file_id, "label": label, "provider_name": provider,
                "provider_url": response.url, "file_url": file_url})
        self.pages.seen(response, new_files)
        if unlabelled:
            self.count("links/no_nonvisual", unlabelled)
            self.flag_suspect(f"provider {urn}: {unlabelled} report link(s) without "
                              "span.nonvisual (layout change?)")

    def provider_failed(self, failure: Failure) -> None:
        if skipped_by_policy(failure):  # robots.txt (or a 304 if ever fetched conditionally)
            self.count("providers/skipped")
            self._provider_done(links=None)
            return
        request = getattr(failure, "request", None)
        urn = request.meta.get("cw_urn", "?") if request is not None else "?"
        self.provider_failed_now(urn, request.url if request else "?", failure.getErrorMessage())

    def provider_failed_now(self, urn: str, url: str, why: str) -> None:
        self._provider_done(links=None)
        self.count("providers/failed")
        self.count("start_failed")
        self.logger.warning("Provider page %s (URN %s) failed: %s; it is fetched again next run",
                            url, urn, why)

    # -- report files ----------------------------------------------------------------------------

    def _item(self, link: dict[str, str], **pdf: Any) -> ReportItem:
        label = parse_label(link["label"])
        label_code = classify_label(label.type_label)
        parsed = pdf.pop("parsed", None)
        if label_code == OTHER:
            self.count("reports/unknown_label")
            self.logger.warning("Unknown report label %r (file %s, URN %s): kept as %s",
                                link["label"], link["file_id"], link["urn"],
                                parsed.report_type if parsed else OTHER)
        published = label.published_on or (parsed.published_on if parsed else None)
        return ReportItem(
            **link,  # urn, file_id, label, provider_name, provider_url, file_url
            report_type=parsed.report_type if parsed else label_code,
            published_on=published,
            extra={"fetched": True, "parsed": dataclasses.asdict(parsed) if parsed else None, **pdf},
        )  # fmt: skip

    async def parse_file(self, response: Response) -> AsyncIterator[ReportItem]:
        link: dict[str, str] = response.meta["cw_link"]
        body = response.body
        self.count("pages/file")
        too_large = response.meta.get("cw_too_large")
        if too_large:
            self.logger.warning("File %s (URN %s): too_large: %s bytes announced, over %d",
                                link["file_id"], link["urn"], too_large, self.pdf_max_bytes)
            yield self._item(link, pdf_status="too_large", pdf_size=int(too_large),
                             error=f"{too_large} bytes announced, over {self.pdf_max_bytes}")
            return
        if response.status != 200:
            ctype = (response.headers.get("Content-Type") or b"").decode("latin-1")
            if response.status in (404, 410) and (b"<html" in body[:4096].lower() or "html" in ctype):
                yield self._item(link, pdf_status="not_a_pdf", pdf_size=len(body),
                                 error=f"HTTP {response.status} HTML page instead of a PDF")
            else:
                yield self._item(link, pdf_status="http_error", error=f"HTTP {response.status}")
            return
        try:
            async with self.pdf_slots:
                pdf: PdfText = await maybe_deferred_to_future(
                    deferToThread(extract_pdf_text, body, max_bytes=self.pdf_max_bytes)
                )
        except PdfError as exc:
            self.logger.warning("File %s (URN %s): %s", link["file_id"], link["urn"], exc)
            yield self._item(link, pdf_status=exc.status, pdf_size=len(body), error=exc.detail)
            return
        label = parse_label(link["label"])
        parsed = parse_report(pdf.text, label_type=label.type_label, published_on=label.published_on)
        notes = list(parsed.notes)
        if not pdf.complete:
            notes.append(f"text incomplete after {len(pdf.page_texts)} page(s): {pdf.error}")
        parsed = dataclasses.replace(parsed, notes=notes)
        yield self._item(link, pdf_status="ok", pdf_size=len(body), pdf_sha256=pdf.sha256,
                         text=pdf.text, parsed=parsed)

    def file_failed(self, failure: Failure) -> Iterator[ReportItem]:
        request = getattr(failure, "request", None)
        if request is None or "cw_link" not in request.meta:
            self.logger.warning("File download failed: %s", failure.getErrorMessage())
            return
        link = request.meta["cw_link"]
        message = failure.getErrorMessage()
        name = type(failure.value).__name__
        if "Cancel" in name or "max size" in message.lower() or "maxsize" in message.lower():
            status, error = "too_large", f"over {self.pdf_max_bytes} bytes: {message}"
        else:
            status, error = "http_error", f"{name}: {message}"
        self.logger.warning("File %s (URN %s) failed: %s", link["file_id"], link["urn"], error)
        yield self._item(link, pdf_status=status, error=error)
