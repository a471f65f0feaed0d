"""``carewatch run`` as a real process: schedules, hung and failing crawls, alerts, lock, SIGTERM.

One service runs against the site replicas with intervals of a few seconds:

* ``communitycare``: baseline first (stored, not alerted), then the replica publishes a new
  article and exactly one email arrives; later re-crawls send nothing;
* ``hangs``: a feed on the faults site that never answers, killed at its limit, run again;
* ``broken``: a feed on a closed port, failing every run: one "source failing" operator note.

That service and the restart after a kill -9 run on SQLite and on PostgreSQL (a schema each: the
service lock is per schema). No test here takes the dashboard's port 8080: ``[web] port = 0``, or
the dashboard is off where the test is not about it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from storage.db import make_engine, session_scope
from storage.models import CrawlRun
from tests.fixtures_crawl import FAST
from tests.fixtures_mockserver import REPO_ROOT, SOURCES_TOML, MockServerProcess
from tests.fixtures_smtp import SmtpServer

NEWS_TO = "news@example.org"
OP = "op@example.org"


def service_config(tmp_path: Path, db_url: str, mock: MockServerProcess, smtp: SmtpServer, *, extra: str = "") -> Path:
    lines = [f'[database]\nurl = "{db_url}"\n', '[crawler]\ncontact = "tests@carewatch.invalid"\n',
             smtp.mail_toml(), f'[operator]\nemail = "{OP}"\nfailing_after = 2\n',
             "[web]\nport = 0\n"]  # the dashboard on a free port (it prints which)
    for sid in tomllib.loads(SOURCES_TOML.read_text())["sources"]:
        if sid in ("communitycare", "ofsted"):
            lines.append(f'[sources.{sid}]\nbase_url = "{mock.base(sid)}"\n')
        else:
            lines.append(f"[sources.{sid}]\nenabled = false\n")
    faults = mock.base("faults")
    lines.append(f'[sources.hangs]\nname = "Hangs"\nkind = "local_news"\ndomains = ["127.0.0.1"]\n'
                 f'feeds = ["{faults}/hang"]\n')
    lines.append('[sources.broken]\nname = "Broken"\nkind = "local_news"\ndomains = ["127.0.0.1"]\n'
                 'feeds = ["http://127.0.0.1:9/feed/"]\n')
    fast = {**FAST, "CAREWATCH_OFSTED_MIN_PROVIDERS": "3",  # scenario ofsted_small lists 3 LAs
            # the replica answers some provider pages 403: back off briefly, not the shipped 10 s
            "CAREWATCH_BACKOFF_BASE": "0.05", "CAREWATCH_BACKOFF_MAX": "0.2"}
    settings = ", ".join(f'{k} = "{v}"' for k, v in fast.items())
    lines.append(
        "[service]\ndispatch_seconds = 1\njitter_seconds = 0\nkill_grace_seconds = 1\n"
        f'shutdown_grace_seconds = 1\nlog_dir = "{tmp_path / "logs"}"\n'
        "interval_seconds = { communitycare = 4, ofsted = 4, hangs = 3, broken = 3 }\n"
        # limits the baseline crawls meet on a loaded machine (tests run in parallel)
        "crawl_limit_seconds = { hangs = 1.5, communitycare = 90, ofsted = 150, broken = 10 }\n"
        f"crawl_settings = {{ {settings} }}\n")
    lines.append(f'[rules.news]\nitem = "article"\nrecipients = ["{NEWS_TO}"]\n')
    path = tmp_path / "carewatch.toml"
    path.write_text("\n".join(lines) + extra)
    return path


def carewatch(config: Path, *args: str, **kw: object) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
    return subprocess.Popen([sys.executable, "-m", "scheduler", "-c", str(config), *args], cwd=REPO_ROOT,
                            env=env, text=True, stdin=subprocess.DEVNULL, **kw)  # type: ignore[call-overload]


def runs(engine: Engine, source: str) -> list[CrawlRun]:
    try:
        with session_scope(engine) as s:
            stmt = select(CrawlRun).where(CrawlRun.source == source).order_by(CrawlRun.id)
            return list(s.execute(stmt).scalars())
    except (OperationalError, ProgrammingError):  # the service has not created the schema yet
        return []


def wait(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def crawl_children(marker: str) -> list[int]:
    """Live processes whose environment names our config file (crawl children)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if marker.encode() in environ and "State:\tZ" not in status:
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def service(tmp_path: Path, db_url: str, mock: MockServerProcess,
            smtp_server: SmtpServer) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    config = service_config(tmp_path, db_url, mock, smtp_server)
    mock.set_scenario("ofsted_small")
    log = (tmp_path / "service.log").open("w")
    proc = carewatch(config, "run", stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc, config
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        for pid in crawl_children(str(config)):
            os.kill(pid, signal.SIGKILL)


def test_service(service: tuple[subprocess.Popen[str], Path], db_url: str, mock: MockServerProcess,
                 smtp_server: SmtpServer, tmp_path: Path) -> None:
    proc, config = service
    engine = make_engine(db_url)
    try:
        log = tmp_path / "service.log"
        wait(lambda: all(any(r.status in ("ok", "partial") for r in runs(engine, sid))
                         for sid in ("communitycare", "ofsted")), 240,
             "the baseline crawls\n" + (log.read_text() if log.exists() else ""))

        # It serves its dashboard on the free port it printed.
        [url] = [line.split(": ", 1)[1] for line in log.read_text().splitlines()
                 if line.startswith("carewatch dashboard: ")]
        assert url.startswith("http://127.0.0.1:") and not url.startswith("http://127.0.0.1:8080/"), url
        with urllib.request.urlopen(url + "sources", timeout=10) as resp:
            assert resp.status == 200 and "Hangs" in resp.read().decode()

        # A second service against the same database refuses to start.
        second = carewatch(config, "run", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = second.communicate(timeout=30)
        assert second.returncode == 1, out
        assert "another carewatch service is already running" in out
        assert ("carewatch.db.lock" if db_url.startswith("sqlite") else "PostgreSQL advisory lock") in out

        def ofsted_mail() -> list[str]:
            return [m.subject for m in smtp_server.messages if m.subject.startswith("Ofsted:")]

        assert [m for m in smtp_server.messages if NEWS_TO in m.rcpt_tos] == []  # baseline: no alerts
        assert ofsted_mail() == []
        mock.set_scenario("new_article")
        mock.set_scenario("ofsted_new_report")
        wait(lambda: any(NEWS_TO in m.rcpt_tos for m in smtp_server.messages) and bool(ofsted_mail()), 60,
             "the new-article and new-report alerts")
        alerted_at = {sid: max(r.id for r in runs(engine, sid)) for sid in ("communitycare", "ofsted")}
        wait(lambda: all(any(r.id > alerted_at[sid] and r.status != "running" for r in runs(engine, sid))
                         for sid in alerted_at), 60, "a re-crawl of each after the alerts")
        time.sleep(1.5)  # one more matching pass
        news = [m for m in smtp_server.messages if NEWS_TO in m.rcpt_tos]
        assert len(news) == 1, [m.subject for m in news]
        assert news[0].subject.startswith("News: ") and news[0].part("html").startswith("<html>")
        assert "Community Care" in news[0].part("plain")
        [report_mail] = [m for m in smtp_server.messages if m.subject.startswith("Ofsted:")]
        assert report_mail.rcpt_tos == [OP]
        assert report_mail.subject.startswith("Ofsted: Croydon — focused visit"), report_mail.subject

        # The hung crawl was killed at its limit and ran again; the broken one failed; others went on.
        wait(lambda: sum(r.status == "timeout" for r in runs(engine, "hangs")) >= 2, 60,
             "two runs of hangs killed at their limit")
        wait(lambda: sum(r.status not in ("ok", "partial", "running") for r in runs(engine, "broken")) >= 2,
             30, "two failed runs of broken")
        wait(lambda: any("source broken failing" in m.subject for m in smtp_server.messages), 10,
             "the operator note")
        op_notes = [m.subject for m in smtp_server.messages if OP in m.rcpt_tos]
        assert sum("source broken failing since" in s for s in op_notes) == 1
        assert sum("source hangs failing since" in s for s in op_notes) == 1

        status = subprocess.run([sys.executable, "-m", "scheduler", "-c", str(config), "status"], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=30)
        assert status.returncode == 0, status.stderr
        holder = "pid" if db_url.startswith("sqlite") else "backend"  # the flock's or the advisory lock's
        assert f"service: running ({holder} " in status.stdout and "hangs" in status.stdout
        assert "outbox:" in status.stdout

        # SIGTERM while a crawl hangs: the service stops, kills it, leaves no orphan, no open run.
        wait(lambda: bool(crawl_children(str(config))), 15, "a running crawl child")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert crawl_children(str(config)) == []
        with session_scope(engine) as s:
            assert s.execute(select(CrawlRun).where(CrawlRun.finished_at.is_(None))).first() is None
    finally:
        engine.dispose()


# --- the service under stress: real children that hang on the faults site -----------------------


def hanging_config(tmp_path: Path, mock: MockServerProcess, n: int, *, service: str = "",
                   db_url: str | None = None) -> Path:
    """``n`` sources whose feed never answers (each crawl hangs until it is stopped), nothing
    else enabled; crawls may run 60 s. The database: ``db_url``, by default a SQLite file."""
    faults = mock.base("faults")
    url = db_url or f"sqlite:///{tmp_path / 'carewatch.db'}"
    lines = [f'[database]\nurl = "{url}"\n',
             '[crawler]\ncontact = "tests@carewatch.invalid"\n',
             f'[mail]\nmaildir = "{tmp_path / "maildir"}"\n']
    lines += [f"[sources.{sid}]\nenabled = false\n" for sid in tomllib.loads(SOURCES_TOML.read_text())["sources"]]
    lines += [f'[sources.hang{i}]\nname = "Hang {i}"\nkind = "local_news"\ndomains = ["127.0.0.1"]\n'
              f'feeds = ["{faults}/hang?feed={i}"]\nmax_crawl_minutes = 1\n' for i in range(n)]
    settings = ", ".join(f'{k} = "{v}"' for k, v in {**FAST, "DOWNLOAD_TIMEOUT": "120"}.items())
    lines.append("[web]\nenabled = false\n")  # these tests are not about the dashboard: no port taken
    lines.append(f'[service]\njitter_seconds = 0\nkill_grace_seconds = 1\nshutdown_grace_seconds = 20\n'
                 f'log_dir = "{tmp_path / "logs"}"\ncrawl_settings = {{ {settings} }}\n{service}')
    path = tmp_path / "carewatch.toml"
    path.write_text("\n".join(lines))
    return path


def crawl_processes(marker: str) -> list[int]:
    """Crawl children proper (not their helpers): processes that lead their own group."""
    return [pid for pid in crawl_children(marker) if os.getpgid(pid) == pid]


def started_service(config: Path, tmp_path: Path) -> subprocess.Popen[str]:
    log = (tmp_path / "service.log").open("a")
    proc = carewatch(config, "run", stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


def kill_all(proc: subprocess.Popen[str], config: Path) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for pid in crawl_children(str(config)):
        os.kill(pid, signal.SIGKILL)


def test_at_most_max_parallel_crawls_children_run_at_once(tmp_path: Path, mock: MockServerProcess) -> None:
    config = hanging_config(tmp_path, mock, 5, service="max_parallel_crawls = 2\n")
    proc = started_service(config, tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'carewatch.db'}")
    try:
        wait(lambda: len(crawl_processes(str(config))) >= 2, 60, "two crawl children")
        most = 0
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:  # five crawls are due, each hangs for a minute
            most = max(most, len(crawl_processes(str(config))))
            time.sleep(0.2)
        assert most == 2
        started = {r.source for sid in ("hang0", "hang1", "hang2", "hang3", "hang4") for r in runs(engine, sid)}
        assert len(started) == 2  # the other three wait for a slot
    finally:
        kill_all(proc, config)
        engine.dispose()


def test_sigint_stops_the_service_and_its_crawl_records_what_it_did(tmp_path: Path, mock: MockServerProcess) -> None:
    # A slow crawl of the communitycare replica (one page a second), stopped part-way.
    config = hanging_config(tmp_path, mock, 0, service=f'[sources.communitycare]\nbase_url = "{mock.base("communitycare")}"\n'
                            'enabled = true\n')
    text = config.read_text().replace('DOWNLOAD_DELAY = "0"', 'DOWNLOAD_DELAY = "1"')
    config.write_text(text.replace("[sources.communitycare]\nenabled = false\n", ""))
    proc = started_service(config, tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'carewatch.db'}")
    try:
        wait(lambda: sum(sum(h.values()) for h in mock.hits("communitycare").values()) >= 3, 60,
             "a few pages of the crawl")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert crawl_children(str(config)) == []
        [run] = runs(engine, "communitycare")
        assert run.status == "interrupted", (run.status, run.error)
        assert run.pages_fetched >= 3  # the child closed its own run, with its counts
        assert "carewatch service stopped" in (tmp_path / "service.log").read_text()
    finally:
        kill_all(proc, config)
        engine.dispose()


def test_a_run_left_running_by_a_killed_service_is_closed_at_the_next_start(
        tmp_path: Path, db_url: str, mock: MockServerProcess) -> None:
    config = hanging_config(tmp_path, mock, 1, db_url=db_url)
    proc = started_service(config, tmp_path)
    engine = make_engine(db_url)
    try:
        wait(lambda: bool(crawl_processes(str(config))), 60, "a crawl child")
        wait(lambda: runs(engine, "hang0")[0].pid in crawl_processes(str(config)), 10, "the run's pid")
        for pid in [proc.pid, *crawl_children(str(config))]:  # the machine lost power
            os.kill(pid, signal.SIGKILL)
        proc.wait()
        wait(lambda: crawl_children(str(config)) == [], 10, "the children to die")
        [run] = runs(engine, "hang0")
        assert run.status == "running"

        proc = started_service(config, tmp_path)  # the dead service's lock went with it
        wait(lambda: len(runs(engine, "hang0")) == 2, 60, "the next crawl")
        first, second = runs(engine, "hang0")
        assert first.status == "interrupted" and first.finished_at is not None
        assert "ended without closing the run" in (first.error or "")
        assert second.status == "running"
    finally:
        kill_all(proc, config)
        engine.dispose()


def test_re_crawls_due_together_share_one_child(tmp_path: Path, mock: MockServerProcess) -> None:
    from scheduler.config import load_config
    from scheduler.service import Service
    from storage.db import create_schema

    replicas = ("croydon", "cypnow", "localgov")
    extra = "".join(f'[sources.{sid}]\nbase_url = "{mock.base(sid)}"\nenabled = true\n' for sid in replicas)
    config = hanging_config(tmp_path, mock, 0)
    text = config.read_text()
    for sid in replicas:
        text = text.replace(f"[sources.{sid}]\nenabled = false\n", "")
    config.write_text(text + extra)
    service = Service(load_config(config))
    create_schema(service.engine)

    def cycle() -> list[CrawlRun]:
        """Every crawl job at once, each in its own thread, as the scheduler's executor runs them."""
        before = {r.id for sid in replicas for r in runs(service.engine, sid)}
        threads = [threading.Thread(target=service.crawl, args=(sid,)) for sid in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        return [r for sid in replicas for r in runs(service.engine, sid) if r.id not in before]

    try:
        first = cycle()  # first crawls: each alone (a whole archive to extract)
        assert sorted(r.source for r in first) == sorted(replicas)
        assert all(r.status in ("ok", "partial") for r in first), [(r.source, r.status, r.error) for r in first]
        assert len({r.pid for r in first}) == 3
        again = cycle()
        assert sorted(r.source for r in again) == sorted(replicas)
        assert all(r.status in ("ok", "partial") for r in again), [(r.source, r.status, r.error) for r in again]
        assert len({r.pid for r in again}) == 1  # one child crawled the three
    finally:
        service.engine.dispose()
