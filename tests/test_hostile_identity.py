"""Identity on hostile sites (issue 11): a canonical claim cannot steal an article, invisible
characters never reach a title or a header, and every URL variant of a page is one page.

Storage tests run on SQLite and on PostgreSQL (a schema of their own, skipped with a reason
when the server is not there).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from scheduler.messages import clean_header
from storage.cleantext import one_line
from storage.db import create_schema, make_engine, session_scope
from storage.models import Article, ArticleUrl
from storage.repository import ArticleInput, Outcome, store_article

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
REAL = "https://www.cypnow.co.uk/content/news/croydon-ofsted-rating-improves"
THIEF = "https://www.cypnow.co.uk/content/news/sponsored-feature-on-fostering"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'carewatch.db'}")
        create_schema(engine)
        yield engine
        engine.dispose()
        return
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[postgres]')")
    try:
        conn = psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3,
                               autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 (database test): {exc}")
    schema = f"cw_hostile_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}")
    try:
        create_schema(engine)
        yield engine
    finally:
        engine.dispose()
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


def seed_body(prefix: str) -> str:
    text = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    return "\n".join(p.strip() for p in text.split("\n\n")[1:12] if p.strip())


def page(fetched: str, body: str, *, canonical: str | None = None, title: str = "A story") -> ArticleInput:
    """An article as the crawl hands it to storage: fetched at ``fetched``, declaring ``canonical``."""
    declared = canonical or fetched
    return ArticleInput(source="cypnow", canonical_url=declared, fetched_url=fetched,
                        other_urls=[fetched] if declared != fetched else [], title=title, body=body,
                        published_at=datetime(2026, 11, 30, 9, tzinfo=UTC))


def store(engine: Engine, item: ArticleInput) -> Outcome:
    with session_scope(engine) as session:
        return store_article(session, item).outcome


def articles(engine: Engine) -> dict[str, str]:
    """{canonical URL: first words of the body}."""
    with session_scope(engine) as session:
        return {url: body[:60] for url, body in session.execute(select(Article.canonical_url, Article.body))}


def owner_of(engine: Engine, url: str) -> str:
    with session_scope(engine) as session:
        return session.execute(
            select(Article.body).join(ArticleUrl, ArticleUrl.article_id == Article.id)
            .where(ArticleUrl.url == url)
        ).scalar_one()[:60]


def test_a_page_claiming_a_stored_articles_url_keeps_its_own(db: Engine) -> None:
    real, thief = seed_body("000"), seed_body("001")
    assert store(db, page(REAL, real)) is Outcome.NEW
    assert store(db, page(THIEF, thief, canonical=REAL)) is Outcome.NEW
    assert articles(db) == {REAL: real[:60], THIEF: thief[:60]}
    assert owner_of(db, REAL) == real[:60]


def test_the_real_article_takes_its_url_back_from_an_earlier_claimant(db: Engine) -> None:
    real, thief = seed_body("000"), seed_body("001")
    store(db, page(THIEF, thief, canonical=REAL))  # stored first, under the URL it claims
    assert store(db, page(REAL, real)) is Outcome.NEW
    assert articles(db) == {REAL: real[:60], THIEF: thief[:60]}
    assert owner_of(db, REAL) == real[:60]
    assert owner_of(db, THIEF) == thief[:60]


def test_a_claim_that_agrees_with_the_stored_body_is_still_believed(db: Engine) -> None:
    body = seed_body("000")
    store(db, page(REAL, body))
    shortlink = "https://www.cypnow.co.uk/node/55123"
    assert store(db, page(shortlink, body, canonical=REAL)) is Outcome.ALIAS
    assert articles(db) == {REAL: body[:60]}
    assert owner_of(db, shortlink) == body[:60]


def test_an_unknown_canonical_is_believed_and_its_page_found_there_later(db: Engine) -> None:
    body = seed_body("000")
    mobile = "https://m.cypnow.co.uk/content/news/croydon-ofsted-rating-improves"
    assert store(db, page(mobile, body, canonical=REAL)) is Outcome.NEW
    assert store(db, page(REAL, body)) is Outcome.UNCHANGED
    assert articles(db) == {REAL: body[:60]}


# --------------------------------------------------------------------- invisible characters

BIDI = "\u202eCroydon\u202c children\u2019s \u2066services\u2069 \u200dinspection\ufeff\x07 result"


def invisible(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cf", "Cc")]


def test_titles_lose_bidi_overrides_and_format_characters() -> None:
    assert one_line(BIDI) == "Croydon children\u2019s services inspection result"
    assert invisible(one_line("a\u202ab\u202bc\u202cd\u202de\u2067f\u2068g\u200bh\u00adi\u2060j")) == []


def test_email_headers_use_the_same_cleaner() -> None:
    assert clean_header(BIDI + "\r\nBcc: victim@example.org") == \
        "Croydon children\u2019s services inspection result Bcc: victim@example.org"
