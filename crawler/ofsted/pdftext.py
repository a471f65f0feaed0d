"""Bounded PDF text extraction (RELIABILITY.md B7, B10, §4.5).

The bytes are checked in the parent (size cap, ``%PDF`` magic); pypdf then runs in a fresh
child interpreter (``sys.executable``, see :mod:`crawler.ofsted._pdfchild`; no fork of a
threaded Scrapy/Twisted parent, no re-import of the caller's ``__main__``) that lowers its own
``RLIMIT_AS`` and ``RLIMIT_CPU`` before importing pypdf, and the parent kills it after
``wall_timeout`` seconds. The child sends page 1 first, then the other
pages one by one, so a file that hangs or blows up on a later page still yields page 1 (the
judgements) with ``complete=False``. The parent never raises anything but :class:`PdfError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
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

_ROOT = str(Path(__file__).resolve().parents[2])
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); from crawler.ofsted._pdfchild import main; main()"
)


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

    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE, _ROOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
        )
    except OSError as exc:
        raise PdfError(PDF_UNPARSEABLE, f"cannot start parser process: {exc}") from exc

    header = f"{int(max_pages)} {int(cpu_seconds)} {int(mem_bytes)}\n".encode()
    feeder = threading.Thread(target=_feed, args=(proc, header + data), daemon=True)
    feeder.start()

    pages: int | None = None
    texts: list[str] = []
    error: str | None = None
    done = False
    reader = _FrameReader(proc, time.monotonic() + wall_timeout)
    try:
        while True:
            frame = reader.next()
            if frame is None:
                error = reader.failure or _death(proc)
                break
            kind = frame[0] if isinstance(frame, list) and frame else None
            if kind == "pages":
                pages = int(frame[1])
            elif kind == "page":
                texts.append(str(frame[2]))
            elif kind == "done":
                done = True
                break
            elif kind == "error":
                error = str(frame[1])
                break
            else:
                error = "parser process sent garbage"
                break
    finally:
        _stop(proc)
        feeder.join(1)
    if error and error.startswith("wall timeout"):
        error = f"wall timeout after {wall_timeout:g} s"

    if (done or texts) and not any(_WORD.search(t) for t in texts):
        raise PdfError(UNREADABLE, f"no text layer in {pages or len(texts)} page(s) "
                       "(image-only PDF?)" + (f"; {error}" if error else ""))
    if done or texts:
        # on failure after page 1 (the judgements), keep what we have and say why it stopped
        return PdfText(
            text="\f".join(texts),
            pages=pages or len(texts),
            sha256=digest,
            page_texts=tuple(texts),
            complete=done,
            error=None if done else error,
        )
    raise PdfError(PDF_UNPARSEABLE, error or "no text extracted")


def _feed(proc: subprocess.Popen[bytes], payload: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(payload)
    except (BrokenPipeError, OSError, ValueError):
        pass
    finally:
        try:
            proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass


class _FrameReader:
    """Reads length-prefixed JSON frames from the child's stdout until a deadline."""

    def __init__(self, proc: subprocess.Popen[bytes], deadline: float) -> None:
        assert proc.stdout is not None
        self._fd = proc.stdout.fileno()
        self._deadline = deadline
        self._buf = bytearray()
        self._eof = False
        self.failure: str | None = None

    def _fill(self, want: int) -> bool:
        while len(self._buf) < want:
            if self._eof:
                return False
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                self.failure = "wall timeout"
                return False
            ready, _, _ = select.select([self._fd], [], [], min(remaining, 1.0))
            if not ready:
                continue
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                self._eof = True
            self._buf += chunk
        return True

    def next(self) -> Any | None:
        if not self._fill(4):
            return None
        (size,) = struct.unpack(">I", self._buf[:4])
        if size > _MAX_FRAME:
            self.failure = f"oversized frame from parser ({size} bytes)"
            return None
        if not self._fill(4 + size):
            return None
        payload = bytes(self._buf[4 : 4 + size])
        del self._buf[: 4 + size]
        try:
            return json.loads(payload)
        except ValueError:
            self.failure = "undecodable frame from parser"
            return None


_MAX_FRAME = 64 * 1024 * 1024


def _death(proc: subprocess.Popen[bytes]) -> str:
    try:
        code = proc.wait(2)
    except subprocess.TimeoutExpired:
        return "parser process stopped responding"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        if name == "SIGXCPU":
            return "CPU time limit hit"
        return f"parser process killed by {name}"
    return f"parser process exited with code {code}"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            proc.kill()
        except OSError:
            pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:  # pragma: no cover - unkillable child
        pass
    if proc.stdout is not None:
        proc.stdout.close()
