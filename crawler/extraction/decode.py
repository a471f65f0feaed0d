"""Bytes to text: declared charset or BOM, else UTF-8, else cp1252; binary input refused."""

from __future__ import annotations

import codecs
import re

from crawler.extraction.types import ExtractionFailed

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG: these labels mean windows-1252 in browsers.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp819"}
_SNIFF = 65_536
#: Control bytes that text does not contain (all below 0x20 but \t \n \v \f \r and escape).
_CONTROL = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def _normalise(label: str) -> str | None:
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def check_binary(head: bytes | str) -> None:
    """Raise ``non_html`` for PDF or binary content (NUL- or control-heavy)."""
    sample = head[:_SNIFF]
    if isinstance(sample, str):
        sample = sample.encode("utf-8", "ignore")
    stripped = sample.lstrip()
    if stripped.startswith(b"%PDF"):
        raise ExtractionFailed("non_html", "PDF document")
    if not sample:
        return
    nul = sample.count(b"\x00")
    if nul / len(sample) > 0.01:
        raise ExtractionFailed("non_html", f"{nul} NUL bytes in the first {len(sample)}")
    control = len(sample) - len(sample.translate(None, _CONTROL))
    if control / len(sample) > 0.05:
        raise ExtractionFailed("non_html", "binary content")


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode page bytes so that '£ ’ é' survive a wrong or absent charset."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    head = data[:4096]
    labels: list[str] = []
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if match:
        labels.append(match.group(1).decode("ascii", "ignore"))
    if declared:
        labels.append(declared)
    encodings = [e for e in (_normalise(lb) for lb in labels) if e]
    # Valid UTF-8 with non-ASCII bytes is almost never legacy-encoded text by accident,
    # so it wins over a declared single-byte charset (header ISO-8859-1, body UTF-8).
    if not data[:_SNIFF].isascii():
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for enc in encodings:
        if enc == "utf-8":
            continue  # failed above, or plain ASCII handled below
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
