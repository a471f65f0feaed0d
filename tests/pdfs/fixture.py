"""One fixture file and what carewatch must make of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

CROYDON_URN = "80492"


@dataclass(frozen=True)
class FixtureReport:
    """One file on the replica's files host, and what carewatch must make of it."""

    key: str
    file_id: int
    urn: str
    provider: str
    #: the provider page's ``span.nonvisual`` label
    label: str
    builder: Callable[[], bytes] = field(repr=False)
    #: ParsedReport fields the parse must have (subset); empty for bad files
    expected: dict[str, Any] = field(default_factory=dict)
    #: expected extraction outcome: "ok", "not_a_pdf", "too_large" or "pdf_unparseable"
    status: str = "ok"
    http_status: int = 200
    content_type: str = "application/pdf"
    note: str = ""

    @property
    def data(self) -> bytes:
        return _bytes(self.key)

    @property
    def url(self) -> str:
        return f"https://files.ofsted.gov.uk/v1/file/{self.file_id}"


@cache
def _bytes(key: str) -> bytes:
    from tests.pdfs import FIXTURE_REPORTS

    return FIXTURE_REPORTS[key].builder()
