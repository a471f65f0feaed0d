"""The service killed (kill -9) while mail is down, restarted later: every alert exactly once (both databases)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from sqlalchemy import select, update

from storage.db import create_schema, make_engine, session_scope
from storage.models import Delivery
from tests.fixtures_mockserver import REPO_ROOT, SOURCES_TOML
from tests.fixtures_smtp import SmtpServer
from tests.test_outbox import add_article

TO = "a@example.org"


def _config(tmp_path: Path, db_url: str, smtp: SmtpServer) -> Path:
    lines = [f'[database]\nurl = "{db_url}"\n', smtp.mail_toml(),
             '[operator]\nemail = "op@example.org"\n',
             "[service]\ndispatch_seconds = 0.5\n",
             "[web]\nenabled = false\n",  # not about the dashboard: no port taken
             f'[rules.news]\nitem = "article"\nrecipients = ["{TO}"]\n']
    lines += [f"[sources.{sid}]\nenabled = false\n" for sid in tomllib.loads(SOURCES_TOML.read_text())["sources"]]
    path = tmp_path / "carewatch.toml"
    path.write_text("\n".join(lines))
    return path


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "scheduler", "-c", str(config), "run"], cwd=REPO_ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _statuses(engine: object) -> list[str]:
    with session_scope(engine) as s:  # type: ignore[arg-type]
        return [d.status for d in s.execute(select(Delivery)).scalars()]


def _attempted(engine: object) -> bool:
    with session_scope(engine) as s:  # type: ignore[arg-type]
        return any(d.attempts for d in s.execute(select(Delivery)).scalars())


def test_kill_9_while_smtp_down_then_restart(tmp_path: Path, db_url: str, smtp_server: SmtpServer) -> None:
    config = _config(tmp_path, db_url, smtp_server)
    engine = make_engine(db_url)
    create_schema(engine)
    log = tmp_path / "service.log"
    try:
        smtp_server.stop()
        for i in range(4):
            add_article(engine, f"Down {i}")
        proc = _start(config, log)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not (len(_statuses(engine)) == 4 and _attempted(engine)):
            time.sleep(0.1)
        # killed mid-way: rows may be pending or claimed ("sending"); none may be lost
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert len(_statuses(engine)) == 4 and set(_statuses(engine)) <= {"pending", "sending"}, log.read_text()
        # more news while the service is down; and a claim a crash left behind
        for i in range(4, 6):
            add_article(engine, f"Down {i}")
        with session_scope(engine) as s:
            s.execute(update(Delivery).where(Delivery.id == 1).values(status="sending"))
        smtp_server.start()
        proc = _start(config, log)  # the dead service's lock went with it (kernel or server)
        try:
            msgs = smtp_server.wait_for(6, timeout=40)
            time.sleep(1.5)  # a few more dispatch passes: nothing else may arrive
            assert sorted(m.subject for m in smtp_server.messages) == sorted(
                f"News: Croydon — Down {i} — Community Care" for i in range(6)), log.read_text()
            assert all(m.rcpt_tos == [TO] for m in msgs)
            assert _statuses(engine) == ["sent"] * 6
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
    finally:
        engine.dispose()
