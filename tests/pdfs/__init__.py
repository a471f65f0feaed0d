"""Realistic Ofsted report PDFs (and bad files) for tests and the Ofsted site replica.

Each :class:`FixtureReport` has a file id (50,000,000 range, as on files.ofsted.gov.uk), the
provider-page label it is listed under, a builder for its bytes and the parse it must give.
Page-1 wording follows SOURCES.md §2; tables are drawn line by line across both columns, so
text extraction interleaves a wrapped row label with its wrapped grade ("... children who" /
"Requires" / "need help and protection" / "improvement to be good") as real PDFs do.

Facts: Croydon's history (URN 80492) follows SOURCES.md §6: inspection dates, publication dates
where known, the SIF 2017 grades, ILACS 2020 overall Good with children in care and care leavers
requiring improvement, ILACS 2024 overall Good with help and protection requiring improvement,
file id 50263391. Everything else is **invented** for tests: inspector names, the days of the
2nd monitoring visit, the publication dates of the 2020 and 2024 reports and of the 2018 letter,
the other 2024 grades, and every non-Croydon authority (fictional names and URNs) whose text
only reproduces real shapes (Bristol/Blackpool boundary dates, Derbyshire's two blocks,
Wiltshire's "1 9 June 2019", ...).

Use ``FIXTURE_REPORTS[key].data`` (built once, cached) or ``FIXTURES_BY_FILE_ID[file_id]``.
"""
from __future__ import annotations

from tests.pdfs.bad import REPORT_NOT_FOUND_HTML, long_report
from tests.pdfs.croydon import _croydon
from tests.pdfs.fixture import CROYDON_URN, FixtureReport
from tests.pdfs.layout import build_pdf
from tests.pdfs.others import _bad, _others
from tests.pdfs.reform import _reform, croydon_2026_pdf, ilacs_2026_pdf
from tests.pdfs.texts import RI, _focused, _ilacs, _jtai, _monitoring, _send, _sif

__all__ = [
    "CROYDON_URN",
    "RI",
    "area_send_pdf",
    "focused_visit_pdf",
    "ilacs_pdf",
    "jtai_pdf",
    "long_report",
    "monitoring_visit_pdf",
    "sif_pdf",
    "FIXTURES_BY_FILE_ID",
    "FIXTURE_REPORTS",
    "REPORT_NOT_FOUND_HTML",
    "FixtureReport",
    "build_pdf",
    "croydon_2026_pdf",
    "ilacs_2026_pdf",
]

#: public names for the builders, for tests that need a report not in the registry
#: (e.g. the replica's "new report appears" scenario)
sif_pdf = _sif
ilacs_pdf = _ilacs
monitoring_visit_pdf = _monitoring
focused_visit_pdf = _focused
jtai_pdf = _jtai
area_send_pdf = _send


FIXTURE_REPORTS: dict[str, FixtureReport] = {f.key: f for f in (*_croydon(), *_others(), *_reform(), *_bad())}
FIXTURES_BY_FILE_ID: dict[int, FixtureReport] = {f.file_id: f for f in FIXTURE_REPORTS.values()}
assert len(FIXTURES_BY_FILE_ID) == len(FIXTURE_REPORTS), "duplicate fixture file id"
