"""PDF layout for the fixture reports: lines drawn top to bottom, two-column tables."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

#: one drawn line: plain text at the left margin, or (x, text) cells drawn left to right
Line = str | tuple[tuple[float, str], ...]
Page = Sequence[Line]

_LEFT = 56.0
_GRADE_X = 380.0
_TOP = A4[1] - 64
_LEADING = 13.0


def build_pdf(pages: Sequence[Page], *, title: str = "", font_size: float = 10.0) -> bytes:
    """A PDF whose pages hold the given lines, drawn top to bottom in order."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    if title:
        c.setTitle(title)
        c.setAuthor("Ofsted")
    for page in pages:
        y = _TOP
        c.setFont("Helvetica", font_size)
        for line in page:
            if y < 60:  # overflow: continue on a new page
                c.showPage()
                c.setFont("Helvetica", font_size)
                y = _TOP
            cells = ((_LEFT, line),) if isinstance(line, str) else line
            for x, text in cells:
                if text:
                    c.drawString(x, y, text)
            y -= _LEADING
        c.showPage()
    c.save()
    return buf.getvalue()


def para(text: str, width: int = 92) -> list[str]:
    """A paragraph wrapped as a PDF would wrap it, followed by a blank line."""
    return [*textwrap.wrap(text, width), ""]


def table(
    rows: Sequence[tuple[str, str]],
    *,
    label_width: int = 52,
    grade_width: int = 21,
    valign: str = "top",
    header: tuple[str, str] | None = ("Judgement", "Grade"),
) -> list[Line]:
    """Two-column table, drawn line by line so extraction interleaves wrapped cells.

    ``valign="middle"`` centres a short grade cell against a long label (so "to be good" can
    land after the label, or "Requires" before its end); ``valign="after"`` puts the grade on
    the line after the label's last line."""
    out: list[Line] = []
    if header:
        out.append(((_LEFT, header[0]), (_GRADE_X, header[1])))
    for label, grade in rows:
        ll = textwrap.wrap(label, label_width)
        gl = textwrap.wrap(grade, grade_width)
        n = max(len(ll), len(gl)) if valign != "after" else len(ll) + len(gl)
        offset = (n - len(gl)) // 2 if valign == "middle" else len(ll) if valign == "after" else 0
        gl = [""] * offset + gl
        for i in range(n):
            left = ll[i] if i < len(ll) else ""
            right = gl[i] if i < len(gl) else ""
            out.append(((_LEFT, left), (_GRADE_X, right)))
    out.append("")
    return out


def image_only_pdf(pages: int = 2) -> bytes:
    """A scanned-looking PDF: each page one raster image, no text layer at all."""
    from PIL import Image, ImageDraw

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    for n in range(pages):
        img = Image.new("L", (240, 340), 255)
        draw = ImageDraw.Draw(img)
        for row in range(20, 320, 14):  # grey bars where the scanned lines of text were
            draw.rectangle((20, row, 220 - (row * 7 + n * 13) % 60, row + 6), fill=90)
        c.drawInlineImage(img, 40, 60, width=A4[0] - 80, height=A4[1] - 120)
        c.showPage()
    c.save()
    return buf.getvalue()
