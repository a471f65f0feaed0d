"""The crawl benchmark runs end to end at a tiny size and prints its table (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_bench_crawl_prints_its_table(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_crawl.py"), "--articles", "20",
         # phase (e) still crawls all 20 hosts with the shipped politeness: one article each
         "--polite-articles", "20", "--workdir", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    for label in ("(a) bare Scrapy", "(b) Scrapy + trafilatura", "(c) carewatch full pipeline",
                  "(d) carewatch re-crawl", "c/a speed", "c/b speed", "d/c time", "pages/s", "CPU s",
                  "peak MB", "article bodies downloaded again: 0/", "(e) shipped politeness, 20 hosts"):
        assert label in out, f"missing {label!r} in:\n{out}"
