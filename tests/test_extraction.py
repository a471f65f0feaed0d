"""crawler.extraction: body, boilerplate, title, date, refusals, bounds and charsets.

Page cases are data: tests/data/extraction/cases.toml (pages beside it). The five seed pages
wrap the real seed texts (tests/data/extraction/seeds/) in plausible markup of their sites.
"""

from __future__ import annotations

import dataclasses
import re
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.extraction import (
    MAX_TREE_SIZE,
    Extracted,
    ExtractionFailed,
    devset_extract,
    extract_article,
)

DATA = Path(__file__).resolve().parent / "data" / "extraction"
CASES: dict[str, Any] = tomllib.loads((DATA / "cases.toml").read_text(encoding="utf-8"))
_BULLET = re.compile(r"^[\s•\-–*]+")


def _norm(text: str) -> str:
    return _BULLET.sub("", " ".join(text.split()))


def _body_lines(art: Extracted) -> list[str]:
    return [_norm(ln) for ln in art.body.split("\n")]


def _seed_lines(n: str) -> list[str]:
    text = (DATA / "seeds" / f"{n}.txt").read_text(encoding="utf-8")
    return [_norm(ln) for ln in text.splitlines() if ln.strip()]


def _absent(art: Extracted, text: str) -> bool:
    """Short boilerplate must not be a body line; longer boilerplate not anywhere in it."""
    text = _norm(text)
    if len(text.split()) < 4:
        return text not in _body_lines(art)
    return text not in _norm(art.body.replace("\n", " "))


def _extract(case: dict[str, Any]) -> Extracted:
    return extract_article((DATA / case["file"]).read_bytes(), case.get("url", "https://example.org/a"))


@pytest.mark.parametrize("case", CASES["case"], ids=[c["file"] for c in CASES["case"]])
def test_page(case: dict[str, Any]) -> None:
    art = _extract(case)
    assert art.title == case["title"]
    assert art.published_at is not None and art.published_at.tzinfo is not None
    assert art.published_at.date().isoformat() == case["date"]
    assert art.access == case["access"]
    for key in ("author", "site_name"):
        if key in case:
            assert getattr(art, key) == case[key]
    lines = _body_lines(art)
    for text in case.get("present", []):
        assert _norm(text) in lines or _norm(text) in " ".join(lines), text
    for text in case.get("absent", []):
        assert _absent(art, text), f"boilerplate leaked: {text!r}"
    assert art.word_count == len(re.findall(r"\w+", art.body))
    assert art.title not in art.body.split("\n")


SEED_CASES = [c for c in CASES["case"] if "seed" in c]


@pytest.mark.parametrize("case", SEED_CASES, ids=[c["seed"] for c in SEED_CASES])
def test_seed_page(case: dict[str, Any]) -> None:
    """Every seed body line is a body line; every seed boilerplate line is gone."""
    art = _extract(case)
    seed = _seed_lines(case["seed"])
    first, last = (_norm(p) for p in case["seed_body"])
    start = next(i for i, ln in enumerate(seed) if ln.startswith(first))
    end = next(i for i in range(len(seed) - 1, -1, -1) if seed[i].startswith(last))
    skip = {_norm(s) for s in case.get("seed_skip", [])}
    lines = _body_lines(art)
    missing = [ln for ln in seed[start:end + 1] if ln not in skip and ln not in lines]
    assert not missing, missing
    if "seed_boilerplate_from" in case:
        bp = seed.index(_norm(case["seed_boilerplate_from"]))
        leaked = [ln for ln in seed[bp:] if not _absent(art, ln)]
        assert not leaked, leaked


@pytest.mark.parametrize("case", CASES["failure"], ids=[c["file"] for c in CASES["failure"]])
def test_refused(case: dict[str, Any]) -> None:
    with pytest.raises(ExtractionFailed) as exc:
        _extract(case)
    assert exc.value.reason == case["reason"]


# --- interface ---------------------------------------------------------------------------
def test_interface() -> None:
    art = _extract(CASES["case"][0])
    assert dataclasses.is_dataclass(art)
    with pytest.raises(dataclasses.FrozenInstanceError):
        art.title = "x"  # type: ignore[misc]
    assert issubclass(ExtractionFailed, Exception)
    assert art.language == "en" and art.word_count > 60


def test_devset_extract_shape() -> None:
    html = (DATA / "wordpress_cc.html").read_text(encoding="utf-8")
    out = devset_extract(html, "https://www.communitycare.co.uk/2025/04/02/x/")
    assert set(out) == {"articleBody", "title", "date", "author"}
    assert out["date"].startswith("2025-04-02")
    assert devset_extract("<html><body><p>hi</p></body></html>", "")["articleBody"] == ""


# --- dates and time zones ------------------------------------------------------------------
def _article(head: str = "", header: str = "", url: str = "https://example.org/news/a") -> Extracted:
    paras = "".join(
        f"<p>Paragraph {i} of a council statement about children's services, written out at "
        f"enough length to count as running text for the extractor in this test.</p>"
        for i in range(5))
    html = (f"<html><head><title>A test headline | Site</title>{head}</head><body>"
            f"<h1>A test headline</h1>{header}<div class='story'>{paras}</div></body></html>")
    return extract_article(html, url)


def test_date_only_is_midnight_london() -> None:
    art = _article(header="<p>Published: 4 July 2025</p>")
    assert art.published_at is not None
    assert (art.published_at.hour, art.published_at.minute) == (0, 0)
    assert art.published_at.utcoffset() == timedelta(hours=1)  # BST
    assert art.published_raw is not None and "4 July 2025" in art.published_raw


def test_offset_kept_and_updated_dates_ignored() -> None:
    art = _article(head='<meta property="article:published_time" content="2025-01-05T23:30:00Z"/>')
    assert art.published_at == datetime(2025, 1, 5, 23, 30, tzinfo=UTC)
    art = _article(header="<p>Last updated: 9 May 2025</p><p>Published: 2 May 2025</p>")
    assert art.published_at is not None and art.published_at.date().isoformat() == "2025-05-02"


def test_url_date_when_page_has_none() -> None:
    art = _article(url="https://www.communitycare.co.uk/2017/09/04/slug/")
    assert art.published_at is not None and art.published_at.date().isoformat() == "2017-09-04"


# --- refusals and bounds (RELIABILITY B1-B3, §4.5) --------------------------------------
@pytest.mark.parametrize("data,reason", [
    (b"", "no_content"),
    (b"   \n ", "no_content"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "non_html"),
    (b"\x00\x01\x02\x03" * 500, "non_html"),
    (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no_content"),
])
def test_drop_reasons(data: bytes, reason: str) -> None:
    with pytest.raises(ExtractionFailed) as exc:
        extract_article(data, "https://example.org/")
    assert exc.value.reason == reason


def test_too_large_checked_before_parsing() -> None:
    big = b"<html><body>" + b"<p>word </p>" * 1000 + b"</body></html>"
    with pytest.raises(ExtractionFailed) as exc:
        extract_article(big, "https://example.org/", max_bytes=1000)
    assert exc.value.reason == "too_large"


def test_too_complex_and_fast() -> None:
    html = "<html><body>" + "<div>" * (MAX_TREE_SIZE + 10) + "x" + "</body></html>"
    start = time.perf_counter()
    with pytest.raises(ExtractionFailed) as exc:
        extract_article(html, "https://example.org/")
    assert exc.value.reason in ("too_complex", "no_content")
    assert time.perf_counter() - start < 5
    wide = "<html><body>" + "<span>a</span>" * (MAX_TREE_SIZE + 10) + "</body></html>"
    with pytest.raises(ExtractionFailed) as exc:
        extract_article(wide, "https://example.org/")
    assert exc.value.reason == "too_complex"


def test_malformed_html_never_crashes() -> None:
    good = (DATA / "wordpress_cc.html").read_text(encoding="utf-8")
    for bad in (good[: len(good) // 2], good.replace("</p>", ""), "<table><td><html><body>x",
                good.replace("<p>", "<p>\x00", 3)):
        try:
            extract_article(bad, "https://example.org/")
        except ExtractionFailed as exc:
            assert exc.reason in ("no_content", "too_short", "not_article")


# --- charsets (RELIABILITY B2) -----------------------------------------------------------
_TEXT = ("The council’s £2.5m café scheme will fund résumé workshops for care leavers, "
         "and officers say the money will also pay for mentoring, travel passes and a "
         "named worker for every young person who asks for one before the end of the year. ")


def _page(meta: str) -> str:
    return (f"<html><head>{meta}<title>Caf\u00e9 scheme</title></head><body><h1>Café scheme</h1>"
            f"<div><p>{_TEXT}</p><p>A second paragraph. {_TEXT}</p></div></body></html>")


@pytest.mark.parametrize("meta,encoding,declared", [
    ('<meta charset="utf-8">', "cp1252", None),           # says UTF-8, is cp1252
    ('<meta charset="iso-8859-1">', "utf-8", None),        # says Latin-1, is UTF-8
    ("", "cp1252", None),                                   # no charset, cp1252
    ("", "utf-8", None),                                    # no charset, UTF-8
    ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">', "cp1252", None),
    ("", "utf-8-sig", None),                                # BOM
    ("", "utf-8", "iso-8859-1"),                            # HTTP header wrong
])
def test_charsets(meta: str, encoding: str, declared: str | None) -> None:
    data = _page(meta).encode(encoding)
    art = extract_article(data, "https://example.org/", encoding=declared)
    assert "£2.5m café" in art.body and "council’s" in art.body and "résumé" in art.body


# --- per-source pruning ------------------------------------------------------------------
def test_prune_rules() -> None:
    data = (DATA / "wordpress_cc.html").read_bytes()
    url = "https://www.communitycare.co.uk/2025/04/02/x/"
    art = extract_article(data, url, prune_css=[".wp-block-group"])
    assert "principal social worker" not in art.body and "Unions said" in art.body
    art = extract_article(data, url, prune_xpaths=["//h2[contains(., 'duty cover')]"])
    assert "Concerns over duty cover" not in art.body


def test_speed() -> None:
    pages = [(DATA / c["file"]).read_bytes() for c in CASES["case"]]
    extract_article(pages[0], "https://example.org/")
    start = time.perf_counter()
    for p in pages:
        extract_article(p, "https://example.org/")
    assert (time.perf_counter() - start) / len(pages) < 0.1


# --- markup variants: wrappers named like boilerplate, div-per-paragraph, <br> text ----------
_P = [
    "Councillors in Sefton have agreed to spend an extra £3m on early help services for "
    "families, after a review found demand had risen sharply since 2022.",
    "The money will pay for twelve new family support workers and extend opening hours at "
    "four family hubs across the borough, the council said on Tuesday.",
    "Cabinet member for children, Cllr Mhairi Doyle, said the investment would help families "
    "get support before problems reached crisis point and needed social workers.",
    "Opposition councillors welcomed the plan but questioned whether the posts could be "
    "filled, given vacancy rates of nearly 20 per cent in the service last year.",
]


@pytest.mark.parametrize("html", [
    "<div class='content-area has-sidebar'><h1>Sefton boosts early help</h1>"
    "<p>By Liam Thorp, 12 March 2024</p><div class='entry'>"
    + "".join(f"<p>{p}</p>" for p in _P)
    + "</div><div class='sidebar'><h3>Most read</h3><p><a href='/a'>Man arrested after crash "
    "on the M57 near Switch Island</a></p></div></div>",
    "<h1>Sefton boosts early help</h1><p class='byline'>By Liam Thorp, 12 March 2024</p>"
    "<div class='article-body'>" + "".join(f"<div class='paragraph'><p>{p}</p></div>" for p in _P)
    + "<div><p>Sign up to our daily newsletter</p><input/></div></div>",
    "<table><tr><td><a href='/'>Home</a> | <a href='/news'>News</a></td></tr><tr><td>"
    "<b>Sefton boosts early help</b><br/>By Liam Thorp, 12/03/2024<br/><br/>"
    + "<br/><br/>".join(_P) + "<br/><br/><a href='/news'>Back to news</a></td></tr></table>",
])
def test_markup_variants(html: str) -> None:
    page = f"<html><head><title>Sefton boosts early help | Echo</title></head><body>{html}</body></html>"
    art = extract_article(page, "https://example.org/news/sefton")
    assert art.body.split("\n") == _P
    assert art.title == "Sefton boosts early help"
    assert art.published_at is not None and art.published_at.date().isoformat() == "2024-03-12"
    assert art.author == "Liam Thorp"
