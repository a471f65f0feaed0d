"""Bad files: the HTML "Report not found" page, truncated, oversized and bomb PDFs."""

from __future__ import annotations

import zlib

from tests.pdfs.layout import build_pdf, para
from tests.pdfs.texts import _BODY

#: what files.ofsted.gov.uk served for some 2012 reports (SOURCES.md §1.5), abridged
REPORT_NOT_FOUND_HTML = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    b"<title>Report not found - Find an Inspection Report - Ofsted</title>\n</head>\n"
    b'<body>\n<header class="header"></header>\n<main id="main">\n'
    b'<h1 class="heading--title title-block__heading">Report not found</h1>\n'
    b"<p>Sorry, the document you requested no longer exists.</p>\n"
    b"<p>We recommend linking to a page instead of a pdf report.</p>\n"
    b'</main>\n<footer class="footer"></footer>\n</body>\n</html>\n' + b" " * 6000
)


def _truncated() -> bytes:
    from tests.pdfs import FIXTURE_REPORTS

    whole = FIXTURE_REPORTS["croydon_ilacs_2024"].data
    return whole[: len(whole) // 3]


def _oversized() -> bytes:
    # a "PDF" just over the 32 MiB cap: rejected before any parsing
    return b"%PDF-1.4\n%" + b"0" * (32 * 1024 * 1024 + 16)


def _raw_pdf(objects: list[bytes]) -> bytes:
    """Assemble numbered objects (1-based) into a PDF with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _page_bomb(n: int = 10_000) -> bytes:
    """10,000 pages sharing one content stream (about 0.5 MB): over the page cap."""
    content = b"BT /F1 10 Tf 56 780 Td (Page) Tj ET"
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objects += [page] * n
    return _raw_pdf(objects)


def _flate_bomb(mebibytes: int = 256) -> bytes:
    """A one-page PDF whose content stream inflates to ``mebibytes`` MiB of spaces."""
    comp = zlib.compressobj(1)  # the fastest level: what matters is the inflated size
    chunk = b" " * (1024 * 1024)
    parts = [comp.compress(chunk) for _ in range(mebibytes)]
    parts.append(comp.flush())
    stream = b"".join(parts)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _raw_pdf(objects)


def long_report(pages: int = 150) -> bytes:
    """A long, text-heavy but valid report (for wall-timeout tests with tiny budgets)."""
    body = para(_BODY)
    return build_pdf([[f"Page {i + 1}", *body * 8] for i in range(pages)])
