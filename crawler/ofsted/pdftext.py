"""Bounded PDF text extraction (RELIABILITY.md B7, B10, §4.5).

The bytes are checked in the parent (size cap, ``%PDF`` magic); pypdf then runs in a *spawned*
child process that lowers its own ``RLIMIT_AS`` and ``RLIMIT_CPU`` before importing pypdf, and
the parent kills it after ``wall_timeout`` seconds. The child sends page 1 first, then the other
pages one by one, so a file that hangs or blows up on a later page still yields page 1 (the
judgements) with ``complete=False``. The parent never raises anything but :class:`PdfError`.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

__all__ = [
    "DEFAULT_CPU_SECONDS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_MEM_BYTES",
    "DEFAULT_WALL_TIMEOUT",
    "NOT_A_PDF",
    "PDF_UNPARSEABLE",
    "TOO_LARGE",
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


# --------------------------------------------------------------------------- child side


def _child_main(conn: Connection, data: bytes, max_pages: int, cpu: int, mem: int) -> None:
    """Runs in the spawned child: limits first, then pypdf, sending results page by page."""
    try:
        import resource

        if mem > 0:
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        if cpu > 0:
            # SIGXCPU at the soft limit kills the child; the hard limit is a backstop
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ImportError, ValueError, OSError) as exc:  # pragma: no cover - non-POSIX
        conn.send(("error", f"cannot set resource limits: {exc}"))
        return
    try:
        import io
        import logging

        logging.disable(logging.CRITICAL)
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        del data
        n = len(reader.pages)
        conn.send(("pages", n))
        if n > max_pages:
            conn.send(("error", f"too many pages: {n} > {max_pages}"))
            return
        for i in range(n):
            text = reader.pages[i].extract_text() or ""
            conn.send(("page", i, text))
        conn.send(("done",))
    except MemoryError:
        conn.send(("error", "memory limit hit"))
    except RecursionError:
        conn.send(("error", "recursion limit hit"))
    except Exception as exc:  # noqa: BLE001 - any parser failure is a status, not a crash
        conn.send(("error", f"{type(exc).__name__}: {str(exc)[:300]}"))
    finally:
        conn.close()


# --------------------------------------------------------------------------- parent side


def _context() -> Any:
    # spawn: no inherited threads/locks from Scrapy/Twisted, a fresh interpreter to limit
    return multiprocessing.get_context("spawn")


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
    ``not_a_pdf``, ``too_large`` or ``pdf_unparseable``; never anything else."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise PdfError(NOT_A_PDF, f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise PdfError(TOO_LARGE, f"{len(data)} bytes > {max_bytes}")
    if not looks_like_pdf(data):
        raise PdfError(NOT_A_PDF, _describe_non_pdf(data))
    digest = hashlib.sha256(data).hexdigest()

    ctx = _context()
    try:
        parent_conn, child_conn = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_child_main,
            args=(child_conn, data, max_pages, int(cpu_seconds), int(mem_bytes)),
            daemon=True,
        )
        proc.start()
    except Exception as exc:  # noqa: BLE001
        raise PdfError(PDF_UNPARSEABLE, f"cannot start parser process: {exc}") from exc
    child_conn.close()

    pages: int | None = None
    texts: list[str] = []
    error: str | None = None
    done = False
    deadline = time.monotonic() + wall_timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                error = f"wall timeout after {wall_timeout:g} s"
                break
            try:
                if not parent_conn.poll(min(remaining, 0.5)):
                    if not proc.is_alive() and not parent_conn.poll(0):
                        error = _death(proc)
                        break
                    continue
                msg = parent_conn.recv()
            except (EOFError, OSError):
                error = _death(proc)
                break
            kind = msg[0]
            if kind == "pages":
                pages = int(msg[1])
            elif kind == "page":
                texts.append(str(msg[2]))
            elif kind == "done":
                done = True
                break
            elif kind == "error":
                error = str(msg[1])
                break
    finally:
        _stop(proc)
        parent_conn.close()

    if done:
        return PdfText(
            text="\f".join(texts), pages=pages or len(texts), sha256=digest,
            page_texts=tuple(texts),
        )  # fmt: skip
    if texts:
        # page 1 (the judgements) survived: keep what we have, say why it stopped
        return PdfText(
            text="\f".join(texts), pages=pages or len(texts), sha256=digest,
            page_texts=tuple(texts), complete=False, error=error,
        )  # fmt: skip
    raise PdfError(PDF_UNPARSEABLE, error or "no text extracted")


def _death(proc: Any) -> str:
    proc.join(1)
    code = proc.exitcode
    if code is None:
        return "parser process stopped responding"
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        if name == "SIGXCPU":
            return "CPU time limit hit"
        return f"parser process killed by {name}"
    return f"parser process exited with code {code}"


def _stop(proc: Any) -> None:
    if proc.is_alive():
        proc.kill()
    proc.join(5)
    try:
        proc.close()
    except ValueError:  # still running after kill+join: leave it to the OS
        pass
