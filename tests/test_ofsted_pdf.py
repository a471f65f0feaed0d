"""Generated report PDFs through extract_pdf_text -> parse_report, bad files, and the bounds
of RELIABILITY.md B7/B10 (tests/pdfs.py builds every file)."""

from __future__ import annotations

import hashlib
import time
from datetime import date

import pytest

from crawler.ofsted import (
    PdfError,
    classify_label,
    extract_pdf_text,
    looks_like_pdf,
    parse_label,
    parse_report,
)
from tests.pdfs import (
    CROYDON_URN,
    FIXTURE_REPORTS,
    FIXTURES_BY_FILE_ID,
    REPORT_NOT_FOUND_HTML,
    long_report,
)

GOOD_FILES = [f for f in FIXTURE_REPORTS.values() if f.status == "ok"]
BAD_FILES = [f for f in FIXTURE_REPORTS.values() if f.status != "ok"]


@pytest.mark.parametrize("fixture", GOOD_FILES, ids=lambda f: f.key)
def test_generated_report_parses(fixture) -> None:
    pdf = extract_pdf_text(fixture.data)
    assert pdf.complete and pdf.error is None
    assert pdf.sha256 == hashlib.sha256(fixture.data).hexdigest()
    assert pdf.pages == len(pdf.page_texts) >= 1
    assert pdf.text.startswith(pdf.first_page)
    label = parse_label(fixture.label)
    assert label.published_on is not None
    parsed = parse_report(pdf.text, label_type=label.type_label, published_on=label.published_on)
    for key, expected in fixture.expected.items():
        assert getattr(parsed, key) == expected, (key, parsed)
    # page 1 alone is enough for type, dates and grades
    first = parse_report(pdf.first_page, label_type=label.type_label)
    assert first.report_type == parsed.report_type
    assert first.judgements == parsed.judgements
    assert first.inspection_start == parsed.inspection_start


@pytest.mark.parametrize("fixture", BAD_FILES, ids=lambda f: f.key)
def test_bad_file_status(fixture) -> None:
    started = time.monotonic()
    with pytest.raises(PdfError) as info:
        extract_pdf_text(fixture.data)
    assert info.value.status == fixture.status
    assert time.monotonic() - started < 30


def test_report_not_found_page_is_not_a_pdf() -> None:
    assert not looks_like_pdf(REPORT_NOT_FOUND_HTML)
    with pytest.raises(PdfError) as info:
        extract_pdf_text(REPORT_NOT_FOUND_HTML)
    assert info.value.status == "not_a_pdf"
    assert "Report not found - Find an Inspection Report - Ofsted" in info.value.detail


def test_registry_ids_and_croydon_history() -> None:
    assert len(FIXTURES_BY_FILE_ID) == len(FIXTURE_REPORTS)
    for fixture in FIXTURE_REPORTS.values():
        assert 50_000_000 <= fixture.file_id < 51_000_000
        assert fixture.url.endswith(f"/v1/file/{fixture.file_id}")
    croydon = sorted(
        (f for f in FIXTURE_REPORTS.values() if f.urn == CROYDON_URN),
        key=lambda f: parse_label(f.label).published_on or date.min,
    )
    types = [f.expected["report_type"] for f in croydon]
    assert types == [
        "sif",
        "monitoring_visit",
        "monitoring_visit",
        "monitoring_visit",
        "monitoring_visit",
        "ilacs_standard",
        "focused_visit",
        "ilacs_standard",
    ]
    assert FIXTURES_BY_FILE_ID[50263391].key == "croydon_ilacs_2024"
    # one monitoring visit carries an unknown label: the type comes from the letter
    assert classify_label(parse_label(FIXTURE_REPORTS["croydon_mv_oct_2019"].label).type_label) == (
        "other"
    )
    kinds = {classify_label(parse_label(f.label).type_label) for f in FIXTURE_REPORTS.values()}
    assert {"childrens_services_inspection", "focused_visit", "jtai", "area_send"} <= kinds


# --------------------------------------------------------------------------- bounds (B7)


def test_page_cap() -> None:
    with pytest.raises(PdfError) as info:
        extract_pdf_text(FIXTURE_REPORTS["page_bomb_10k"].data)
    assert info.value.status == "pdf_unparseable"
    assert "too many pages: 10000" in info.value.detail


def test_size_cap_before_parsing() -> None:
    data = FIXTURE_REPORTS["croydon_sif_2017"].data
    with pytest.raises(PdfError) as info:
        extract_pdf_text(data, max_bytes=len(data) - 1)
    assert info.value.status == "too_large"


def test_wall_timeout_keeps_page_one() -> None:
    data = long_report(150)
    started = time.monotonic()
    try:
        pdf = extract_pdf_text(data, wall_timeout=0.4)
    except PdfError as exc:  # the child may not even reach page 1 on a slow machine
        assert exc.status == "pdf_unparseable"
        assert "timeout" in exc.detail
    else:
        assert not pdf.complete
        assert pdf.error is not None and "timeout" in pdf.error
        assert pdf.first_page.startswith("Page 1")
        assert len(pdf.page_texts) < 150
    assert time.monotonic() - started < 10


def test_cpu_limit_kills_the_child() -> None:
    started = time.monotonic()
    try:
        pdf = extract_pdf_text(
            FIXTURE_REPORTS["page_bomb_10k"].data, max_pages=20_000, cpu_seconds=1
        )
    except PdfError as exc:
        assert exc.status == "pdf_unparseable"
    else:
        assert not pdf.complete
        assert pdf.error == "CPU time limit hit"
    assert time.monotonic() - started < 10


def test_memory_limit() -> None:
    with pytest.raises(PdfError) as info:
        extract_pdf_text(long_report(5), mem_bytes=30 * 1024 * 1024)
    assert info.value.status == "pdf_unparseable"


def test_flate_bomb_is_bounded() -> None:
    started = time.monotonic()
    with pytest.raises(PdfError) as info:
        extract_pdf_text(FIXTURE_REPORTS["flate_bomb"].data, mem_bytes=256 * 1024 * 1024)
    assert info.value.status == "pdf_unparseable"
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF", b"%PDF-1.7\n" + bytes(range(256)) * 64, b"%PDF-1.4\n%%EOF\n" * 3],
    ids=["empty", "magic-only", "garbage", "eof-only"],
)
def test_broken_inputs_give_a_status(data: bytes) -> None:
    with pytest.raises(PdfError) as info:
        extract_pdf_text(data)
    assert info.value.status in ("not_a_pdf", "pdf_unparseable")


def test_non_bytes_input() -> None:
    with pytest.raises(PdfError) as info:
        extract_pdf_text("%PDF-1.4 not bytes")  # type: ignore[arg-type]
    assert info.value.status == "not_a_pdf"
