"""Scrapy's log messages, with a dropped item said in one line (``LOG_FORMATTER``).

Scrapy logs a dropped item as its reason followed by the item's repr on the next line. A
carewatch item holds the extracted article, body and all, and every DropItem reason of ours
names the page or report already: the reason alone is logged.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


class OneLineDropFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Response | Failure | None,
                spider: Spider) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {**result, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}
