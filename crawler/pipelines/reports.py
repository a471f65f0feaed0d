"""Store Ofsted ReportItems through storage.reports, one short transaction each, on the crawl's
writer thread (in turn with the articles).

Counts ``carewatch/reports/<new|updated|unchanged>`` and ``carewatch/reports/pdf/<status>``;
a report a full or read-only database would not take counts as ``carewatch/reports/failed``
and stops the crawl (CrawlContext.stop_unwritable).
PageItems and anything else pass through untouched.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ReportItem
from crawler.runstate import CrawlContext, run_state
from storage.errors import DatabaseUnwritable, short_error
from storage.reports import ReportInput


def report_input(item: ReportItem, state: CrawlContext) -> ReportInput:
    """The storage record for a ReportItem produced by crawler.spiders.ofsted."""
    extra = item.extra
    # what the PDF said counts only when its text was read
    parsed: dict[str, Any] = (extra.get("parsed") or {}) if extra.get("pdf_status") == "ok" else {}
    return ReportInput(
        urn=item.urn,
        file_id=item.file_id,
        label=item.label,
        provider_name=item.provider_name,
        provider_url=item.provider_url,
        file_url=item.file_url,
        report_type=item.report_type,
        framework=parsed.get("framework"),
        published_on=item.published_on,
        inspection_start=parsed.get("inspection_start"),
        inspection_end=parsed.get("inspection_end"),
        lead_inspector=parsed.get("lead_inspector"),
        la_name=parsed.get("la_name"),
        excerpt=parsed.get("excerpt") or None,
        judgements=dict(parsed.get("judgements") or {}),
        overall_grade=parsed.get("overall"),
        graded=bool(parsed.get("graded")),
        send_outcome=parsed.get("send_outcome"),
        priority_action=bool(parsed.get("priority_action")),
        parse_notes=tuple(parsed.get("notes") or ()),
        pdf_status=str(extra.get("pdf_status") or "pending"),
        pdf_sha256=extra.get("pdf_sha256"),
        pdf_size=extra.get("pdf_size"),
        text=extra.get("text"),
        error=extra.get("error"),
        fetched=bool(extra.get("fetched")),
        baseline=state.baseline,
        crawl_run_id=state.run_id,
    )


class ReportStorePipeline:
    """Upserts each report by Ofsted file id (storage.reports.upsert_report)."""

    def __init__(self, ctx: CrawlContext) -> None:
        self.ctx = ctx

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(run_state(crawler))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ReportItem):
            return item
        record = report_input(item, self.ctx)
        try:
            result = await self.ctx.writer.store_report(record)
        except DatabaseUnwritable as exc:
            self.ctx.count("reports/failed")
            self.ctx.stop_unwritable(exc)
            raise DropItem(f"not stored: report {item.file_id} (the database {exc.reason})",
                           log_level="WARNING") from None
        except Exception as exc:
            self.ctx.count("reports/failed")
            raise DropItem(f"store_failed: report {item.file_id} ({short_error(exc)})",
                           log_level="WARNING") from None
        self.ctx.count(f"reports/{result.outcome.value}")
        if record.fetched:
            self.ctx.count(f"reports/pdf/{record.pdf_status}")
        return item
