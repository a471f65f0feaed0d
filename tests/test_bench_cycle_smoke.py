"""The unchanged-cycle benchmark (phase f) runs end to end on three sites (no timing assertion)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_cycle_prints_before_and_after(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREWATCH_")}
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_cycle.py"), "--sources", "3", "--articles", "4",
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, check=True, cwd=tmp_path, env=env, timeout=280,
    ).stdout
    assert 'python -c "import scrapy"' in out and "before: one `scrapy crawl` child per source" in out
    after = next(line for line in out.splitlines() if line.startswith("after: the service's crawl jobs"))
    assert after[48:].split()[0] == "1"  # children: the three re-crawls shared one
    assert out.count("3 runs of 3/3 sources, statuses ['ok'], 0 new") == 2  # unchanged, both ways
