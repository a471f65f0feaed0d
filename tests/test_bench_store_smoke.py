"""The storage benchmark's code path runs end to end at a tiny N (no timing assertion)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_store_prints_its_figures(tmp_path: Path) -> None:
    snapshot = tmp_path / "rows.json"
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_store.py"), "--articles", "40", "--workers", "1",
         "--snapshot", str(snapshot)],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=240,
    ).stdout
    assert "plain INSERT" in out and "first crawl (write_batch)" in out and "x plain INSERT" in out
    assert "'new': 40" in out and "SQL statements per article" in out
    rows = json.loads(snapshot.read_text())
    assert len(rows["articles"]) >= 40 and rows["lsh_bands"]
