"""Child side of :mod:`crawler.ofsted.pdftext` (run as a separate interpreter).

Reads ``<max_pages> <cpu_seconds> <mem_bytes>\\n`` and the PDF bytes from stdin, lowers its own
limits *before* importing pypdf, and writes length-prefixed JSON frames to stdout:
``["pages", n]``, ``["page", i, text]`` (page 1 first), then ``["done"]`` or ``["error", msg]``.
"""

from __future__ import annotations

import json
import struct
import sys
from typing import Any, BinaryIO


def _send(out: BinaryIO, frame: list[Any]) -> None:
    payload = json.dumps(frame).encode("utf-8")
    out.write(struct.pack(">I", len(payload)) + payload)
    out.flush()


def main() -> None:
    out = sys.stdout.buffer
    header = sys.stdin.buffer.readline()
    try:
        max_pages, cpu, mem = (int(x) for x in header.split())
    except ValueError:
        _send(out, ["error", "bad header"])
        return
    try:
        import resource

        if mem > 0:
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        if cpu > 0:
            # SIGXCPU at the soft limit kills us; the hard limit (SIGKILL) is a backstop
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ImportError, ValueError, OSError) as exc:  # pragma: no cover - non-POSIX
        _send(out, ["error", f"cannot set resource limits: {exc}"])
        return
    try:
        data = sys.stdin.buffer.read()
        import io
        import logging

        logging.disable(logging.CRITICAL)
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        del data
        n = len(reader.pages)
        _send(out, ["pages", n])
        if n > max_pages:
            _send(out, ["error", f"too many pages: {n} > {max_pages}"])
            return
        for i in range(n):
            _send(out, ["page", i, reader.pages[i].extract_text() or ""])
        _send(out, ["done"])
    except MemoryError:
        _send(out, ["error", "memory limit hit"])
    except RecursionError:
        _send(out, ["error", "recursion limit hit"])
    except Exception as exc:  # noqa: BLE001 - any parser failure is a status, not a crash
        _send(out, ["error", f"{type(exc).__name__}: {str(exc)[:300]}"])


if __name__ == "__main__":
    main()
