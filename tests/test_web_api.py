"""The read-only JSON API: its OpenAPI document, and schemathesis fuzzing every endpoint.

Every generated request must get a response that matches the documented schema and is never
a server error (bad input is a 4xx that says what was wrong).
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from scheduler.config import load_config
from scheduler.webserver import web_settings
from tests.fixtures_crawl import CrawlEnv
from web.app import create_app


@pytest.fixture(scope="module")
def api_app(web_archive: CrawlEnv) -> object:
    return create_app(web_settings(load_config(web_archive.config_path)))


def test_the_api_answers_every_request_by_its_schema_never_a_500(api_app: object) -> None:
    # schemathesis' pytest plugin (from_fixture) does not run under this pytest; the same
    # operations and strategies are driven with hypothesis directly
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            # a schema-valid LA name that is no LA is rightly a 400: positive-data acceptance
            # does not hold for lookups, every other check does
            case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])

        check()


def test_the_openapi_document_lists_the_read_only_endpoints(api_app: object) -> None:
    doc = TestClient(api_app).get("/api/openapi.json").json()  # type: ignore[arg-type]
    paths = doc["paths"]
    for path in ("/api/reports", "/api/reports/{file_id}", "/api/las/{key}", "/api/search", "/api/ratings",
                 "/api/stories/{story_id}", "/api/articles/{article_id}", "/api/sources", "/api/rules"):
        assert set(paths[path]) == {"get"}, path


def test_api_search_returns_highlight_offsets_of_the_matched_words(api_app: object) -> None:
    data = TestClient(api_app).get("/api/search", params={"q": "commissioner"}).json()  # type: ignore[arg-type]
    hit = data["hits"][0]
    start, end = hit["snippet_highlights"][0]
    assert hit["snippet"][start:end].lower() == "commissioner"
