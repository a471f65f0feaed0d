"""``carewatch run`` serves the dashboard beside the scheduler and prints its URL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.fixtures_mockserver import REPO_ROOT


def test_carewatch_run_prints_the_dashboard_url_and_serves_it_until_stopped(tmp_path: Path) -> None:
    config = tmp_path / "carewatch.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "carewatch.db"}"\n\n[service]\nlog_dir = "{tmp_path}/logs"\n\n'
        f'[mail]\nmaildir = "{tmp_path}/maildir"\n\n[web]\nport = 0\n\n'
        + "".join(f"[sources.{s}]\nenabled = false\n\n" for s in (
            "ofsted", "govuk", "communitycare", "cypnow", "localgov", "locumtoday", "croydon", "insidecroydon",
            "croydonguardian", "croydonadvertiser", "londonnewsonline")),
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
    proc = subprocess.Popen([sys.executable, "-m", "scheduler", "-c", str(config), "run"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("carewatch dashboard: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].strip()
        for path in ("", "la/croydon", "sources", "api/reports"):
            with urllib.request.urlopen(url + path, timeout=10) as resp:
                assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "carewatch service stopped" in err
    assert out == ""  # one line only: the URL
