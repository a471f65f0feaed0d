"""The dedup benchmark's code path runs end to end at a tiny N (no timing assertion)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_dedup_prints_its_table(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_dedup.py"), "--n", "80", "--checkpoints", "40,80",
         "--sample", "10", "--batch", "15", "--copy-share", "0.3", "--db", str(tmp_path / "bench.db")],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=240,
    ).stdout
    assert "check on ms" in out and "check off ms" in out
    assert "       40 |" in out and "       80 |" in out
    assert "precision" in out and "recall" in out
