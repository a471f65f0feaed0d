"""Bounded PDF text extraction (RELIABILITY.md B7, B10, §4.5).

The bytes are checked in the parent (size cap, ``%PDF`` magic); pypdf then runs in a fresh
child interpreter started by pebble (the same mechanism as the extraction pool,
crawler.pipelines.pool; spawn, so no fork of a threaded Scrapy/Twisted parent) that lowers its
own ``RLIMIT_AS`` and ``RLIMIT_CPU`` before importing pypdf and stops itself after
``wall_timeout`` seconds (:mod:`crawler.ofsted._pdfchild`); pebble kills it if it does not. The
child extracts page 1 first, then the other pages one by one, so a file that hangs or blows up
on a later page still yields page 1 (the judgements) with ``complete=False``. The child dies
with its parent. The parent never raises anything but :class:`PdfError`.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import signal
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_CPU_SECONDS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_MEM_BYTES",
    "DEFAULT_WALL_TIMEOUT",
    "NOT_A_PDF",
    "PDF_UNPARSEABLE",
    "TOO_LARGE",
    "UNREADABLE",
    "PdfError",
    "PdfText",
    "extract_pdf_text",
    "looks_like_pdf",
]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_PAGES = 200
DEFAULT_WALL_TIMEOUT = 60.0
DEFAULT_CPU_SECONDS = 30
DEFAULT_MEM_BYTES = 512 * 1024 * 1024

#: statuses, as stored in ``storage.models.Report.pdf_status``
NOT_A_PDF = "not_a_pdf"
TOO_LARGE = "too_large"
PDF_UNPARSEABLE = "pdf_unparseable"
#: a PDF with no text layer (scanned pages): retried on later crawls, noted for the operator
UNREADABLE = "unreadable"
_WORD = re.compile(r"\w")

_LEADING_JUNK = b"\xef\xbb\xbf \t\r\n\x00\x0c"


class PdfError(Exception):
    """A file that cannot be turned into text. ``status`` is a ``Report.pdf_status`` value."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class PdfText:
    """Extracted text: pages joined by form feeds (``\\f``), page 1 first."""

    text: str
    #: number of pages in the document
    pages: int
    sha256: str
    page_texts: tuple[str, ...] = field(default=(), repr=False)
    #: False when extraction stopped after some pages (later page hung, crashed or hit a limit)
    complete: bool = True
    #: why extraction stopped early, when ``complete`` is False
    error: str | None = None

    @property
    def first_page(self) -> str:
        return self.page_texts[0] if self.page_texts else ""


def looks_like_pdf(data: bytes) -> bool:
    """True when the bytes start with ``%PDF-`` (after an optional BOM/whitespace)."""
    return data[:1024].lstrip(_LEADING_JUNK).startswith(b"%PDF-")


def _describe_non_pdf(data: bytes) -> str:
    head = data[:4096]
    m = re.search(rb"<title[^>]*>(.*?)</title>", head, re.IGNORECASE | re.DOTALL)
    if m:
        title = re.sub(rb"\s+", b" ", m.group(1)).strip().decode("utf-8", "replace")
        return f"HTML page titled {title[:200]!r}"
    if re.search(rb"<!doctype html|<html", head, re.IGNORECASE):
        return "HTML page"
    if not data:
        return "empty body"
    return f"starts with {data[:16]!r}"


# --------------------------------------------------------------------------- parent side


def extract_pdf_text(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pages: int = DEFAULT_MAX_PAGES,
    wall_timeout: float = DEFAULT_WALL_TIMEOUT,
    cpu_seconds: int = DEFAULT_CPU_SECONDS,
    mem_bytes: int = DEFAULT_MEM_BYTES,
) -> PdfText:
    """Text of a PDF, extracted under bounds. Raises :class:`PdfError` with status
    ``not_a_pdf``, ``too_large``, ``pdf_unparseable`` or ``unreadable`` (pages without any
    text: an image-only PDF); never anything else."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise PdfError(NOT_A_PDF, f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise PdfError(TOO_LARGE, f"{len(data)} bytes > {max_bytes}")
    if not looks_like_pdf(data):
        raise PdfError(NOT_A_PDF, _describe_non_pdf(data))
    digest = hashlib.sha256(data).hexdigest()

    pages, texts, error = _run_child(data, max_pages=max_pages, wall_timeout=wall_timeout,
                                     cpu_seconds=cpu_seconds, mem_bytes=mem_bytes)
    if error and error.startswith("wall timeout"):
        error = f"wall timeout after {wall_timeout:g} s"
    if error and error.startswith("too many pages"):
        texts = []
    if (error is None or texts) and not any(_WORD.search(t) for t in texts):
        raise PdfError(UNREADABLE, f"no text layer in {pages or len(texts)} page(s) "
                       "(image-only PDF?)" + (f"; {error}" if error else ""))
    if texts:
        # on failure after page 1 (the judgements), keep what we have and say why it stopped
        return PdfText(text="\f".join(texts), pages=pages or len(texts), sha256=digest,
                       page_texts=tuple(texts), complete=error is None, error=error)
    raise PdfError(PDF_UNPARSEABLE, error or "no text extracted")


def _run_child(data: bytes, *, max_pages: int, wall_timeout: float, cpu_seconds: int,
               mem_bytes: int) -> tuple[int | None, list[str], str | None]:
    """``_pdfchild.pdf_pages`` in a fresh interpreter (spawn: no fork of a threaded crawl, and
    ``RLIMIT_AS`` applies to pypdf alone), killed by pebble if it outlives its own deadline."""
    from pebble import ProcessExpired, ProcessPool

    from crawler.ofsted._pdfchild import pdf_pages
    from crawler.pipelines.pool import helper_started

    try:
        with ProcessPool(max_workers=1, max_tasks=1, initializer=helper_started, initargs=("cw-pdftext",),
                         context=multiprocessing.get_context("spawn")) as pool:
            future = pool.schedule(pdf_pages, (data, int(max_pages), int(cpu_seconds), int(mem_bytes), wall_timeout),
                                   timeout=wall_timeout + _START_UP)
            try:
                return future.result()  # type: ignore[no-any-return]
            except FutureTimeout:
                return None, [], "wall timeout"
            except ProcessExpired as exc:
                return None, [], _death(exc.exitcode)
            except MemoryError:  # the result could not be sent back within the memory limit
                return None, [], "memory limit hit"
    except Exception as exc:  # noqa: BLE001 - the pool itself failed: a status, not a crash
        return None, [], f"parser process failed: {type(exc).__name__}: {exc}"


#: seconds allowed for the child interpreter to start, on top of its own deadline
_START_UP = 5.0


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        if name == "SIGXCPU":
            return "CPU time limit hit"
        return f"parser process killed by {name}"
    return f"parser process exited with code {code}"
