"""Who may see what: sign-in, binding, escaping of scraped text, links, sessions, rate limits."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from storage.db import make_engine, session_scope
from storage.models import Article
from tests.fixtures_crawl import CrawlEnv
from tests.fixtures_mockserver import REPO_ROOT
from web.app import create_app
from web.passwords import hash_password, verify_password
from web.settings import WebConfigError, WebSettings

PASSWORD = "correct horse battery staple"


@pytest.fixture
def archive_copy(web_archive: CrawlEnv, tmp_path: Path) -> str:
    """A copy of the crawled archive that a test may change. SQLite's backup, not a copy of the
    file: the archive is in WAL mode and its last writes may still be in carewatch.db-wal."""
    target = tmp_path / "copy.db"
    with closing(sqlite3.connect(web_archive.tmp_path / "carewatch.db")) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def signed_client(db_url: str, **kw: object) -> TestClient:
    settings = WebSettings(database_url=db_url, host="0.0.0.0", password_hash=hash_password(PASSWORD), **kw)  # type: ignore[arg-type]
    return TestClient(create_app(settings), follow_redirects=False)


def test_script_in_a_scraped_title_and_body_renders_inert(archive_copy: str) -> None:
    engine = make_engine(archive_copy)
    with session_scope(engine) as session:
        article_id = session.execute(select(Article.id).where(Article.source == "communitycare")).scalars().first()
        session.execute(update(Article).where(Article.id == article_id).values(
            title='<script>alert("x")</script> Croydon commissioner', canonical_url="javascript:alert(1)",
            body="<img src=x onerror=alert(1)> commissioner text"))
    engine.dispose()
    client = TestClient(create_app(WebSettings(database_url=archive_copy)))
    for path in (f"/article/{article_id}", "/articles", "/search?q=commissioner"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;" in page
        assert 'href="javascript:' not in page
    assert client.get(f"/api/articles/{article_id}").json()["url"] is None  # not an http(s) link


def test_a_public_bind_without_a_password_refuses_to_start() -> None:
    with pytest.raises(WebConfigError, match="without a password"):
        create_app(WebSettings(database_url="sqlite://", host="0.0.0.0"))


def test_carewatch_web_on_a_public_address_without_a_password_exits_with_one_error_line(tmp_path: Path) -> None:
    config = tmp_path / "carewatch.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
    proc = subprocess.run([sys.executable, "-m", "scheduler", "-c", str(config), "web", "--host", "0.0.0.0",
                           "--port", "0"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "Error: refusing to serve the dashboard on 0.0.0.0 without a password: set $CAREWATCH_WEB_PASSWORD "
        "or [web] password_hash (carewatch web --hash-password), or bind 127.0.0.1"]
    assert "Traceback" not in proc.stderr


def test_carewatch_run_with_a_public_web_bind_and_no_password_refuses_to_start(tmp_path: Path) -> None:
    config = tmp_path / "carewatch.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\n\n[web]\nhost = "0.0.0.0"\nport = 0\n',
                      encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
    proc = subprocess.run([sys.executable, "-m", "scheduler", "-c", str(config), "run"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("or bind 127.0.0.1") and "Error: refusing" in proc.stderr


def test_signed_out_pages_redirect_to_sign_in_and_data_answers_401(archive_copy: str) -> None:
    client = signed_client(archive_copy)
    home = client.get("/la/croydon?x=1")
    assert home.status_code == 303 and home.headers["location"] == "/login?next=%2Fla%2Fcroydon%3Fx%3D1"
    for path in ("/api/reports", "/feeds/reports.atom", "/reports?format=csv", "/api/openapi.json"):
        assert client.get(path).status_code == 401, path
    assert client.get("/login").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_signing_in_opens_every_page_and_shows_recipients(archive_copy: str) -> None:
    client = signed_client(archive_copy)
    wrong = client.post("/login", data={"password": "guess", "next": "/rules"})
    assert wrong.status_code == 401 and "Wrong password" in wrong.text
    ok = client.post("/login", data={"password": PASSWORD, "next": "/rules"})
    assert ok.status_code == 303 and ok.headers["location"] == "/rules"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/api/reports").status_code == 200
    assert client.get("/").status_code == 200
    out = client.post("/logout")
    assert out.status_code == 303
    assert client.get("/api/reports").status_code == 401


def test_a_signed_in_user_sees_rule_recipients(web_archive: CrawlEnv) -> None:
    from scheduler.config import load_config
    from scheduler.webserver import web_settings

    os.environ["CAREWATCH_WEB_PASSWORD"] = PASSWORD
    try:
        settings = web_settings(load_config(web_archive.config_path))
    finally:
        del os.environ["CAREWATCH_WEB_PASSWORD"]
    client = TestClient(create_app(settings))
    assert "team@example.gov.uk" not in client.get("/login").text
    client.post("/login", data={"password": PASSWORD, "next": "/rules"})
    assert "team@example.gov.uk" in client.get("/rules").text


def test_http_basic_with_the_password_works_for_feed_readers(archive_copy: str) -> None:
    client = signed_client(archive_copy)
    assert client.get("/feeds/reports.atom", auth=("reader", PASSWORD)).status_code == 200
    assert client.get("/feeds/reports.atom", auth=("reader", "nope")).status_code == 401


def test_sign_in_is_rate_limited_per_client(archive_copy: str) -> None:
    client = signed_client(archive_copy, login_attempts=3)
    for _ in range(3):
        assert client.post("/login", data={"password": "guess"}).status_code == 401
    limited = client.post("/login", data={"password": PASSWORD})
    assert limited.status_code == 429 and "Too many failed sign-ins" in limited.text
    assert client.get("/api/reports", auth=("x", PASSWORD)).status_code == 429


def test_a_sign_in_never_redirects_off_site(archive_copy: str) -> None:
    client = signed_client(archive_copy)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"password": PASSWORD, "next": target})
        assert response.headers["location"] == "/"


def test_a_forged_session_cookie_is_not_signed_in(archive_copy: str) -> None:
    client = signed_client(archive_copy)
    client.cookies.set("carewatch_session", "eyJzaWduZWRfaW4iOiB0cnVlfQ==.forged.sig")
    assert client.get("/api/reports").status_code == 401


def test_password_hashes_verify_and_differ_per_salt() -> None:
    a, b = hash_password(PASSWORD), hash_password(PASSWORD)
    assert a != b and verify_password(PASSWORD, a) and verify_password(PASSWORD, b)
    assert not verify_password("other", a) and not verify_password(PASSWORD, "plain-text")
