"""Child side of :mod:`crawler.ofsted.pdftext`: runs in a fresh interpreter started by pebble.

``pdf_pages`` lowers the process's own limits *before* importing pypdf, then extracts page 1
first and the other pages one by one until done, the page cap, its own deadline (SIGALRM) or
its CPU limit (SIGXCPU, with the hard limit one second later as a backstop): what it has so
far is returned with the reason it stopped, so a file that hangs on a later page still yields
page 1 (the judgements).
"""

from __future__ import annotations

import signal
from typing import Any


class _Stop(Exception):
    pass


#: why a limit stopped the child: the exception raised by the signal handler may come back
#: wrapped (a codec re-raises it as "decoding with 'cp1252' codec failed (_Stop: …)", pypdf as
#: its own error), so the reason is kept here, not only in the exception's text
_stopped: list[str] = []


def _raise(reason: str) -> Any:
    def handler(signum: int, frame: Any) -> None:
        _stopped.append(reason)
        raise _Stop(reason)

    return handler


def pdf_pages(data: bytes, max_pages: int, cpu_seconds: int, mem_bytes: int,
              seconds: float) -> tuple[int | None, list[str], str | None]:
    """(pages in the document, texts of the pages extracted, why extraction stopped early)."""
    import resource

    if mem_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
    if cpu_seconds > 0:
        signal.signal(signal.SIGXCPU, _raise("CPU time limit hit"))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    signal.signal(signal.SIGALRM, _raise("wall timeout"))
    signal.setitimer(signal.ITIMER_REAL, max(0.01, seconds))
    pages: int | None = None
    texts: list[str] = []
    try:
        import io
        import logging

        logging.disable(logging.CRITICAL)
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        del data
        pages = len(reader.pages)
        if pages > max_pages:
            return pages, [], f"too many pages: {pages} > {max_pages}"
        for i in range(pages):
            texts.append(reader.pages[i].extract_text() or "")
        return pages, texts, None
    except _Stop as stop:
        return pages, texts, _stopped[0] if _stopped else str(stop)
    except MemoryError:
        return pages, texts, "memory limit hit"
    except RecursionError:
        return pages, texts, "recursion limit hit"
    except Exception as exc:  # noqa: BLE001 - any parser failure is a status, not a crash
        if _stopped:  # a limit's exception, wrapped by the parser
            return pages, texts, _stopped[0]
        return pages, texts, f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
