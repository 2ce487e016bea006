"""`make bench` runs: one cell at a tiny scale, the engine and its baseline writing the same bytes.
(The speed targets are for `make bench` itself at full size; a 2,000-row run measures start-up.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_bench_cell_runs_and_engine_matches_its_baseline(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tools.bench", "--scale", "0.001", "--only", "10f-50t-d4 jsonl join"]
    result = subprocess.run([*command, "--work", str(tmp_path)], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode in {0, 1}, result.stdout + result.stderr  # 2: the outputs differ
    rows = [line for line in result.stdout.splitlines() if line.startswith("10f-50t-d4 jsonl join")]
    assert len(rows) == 1 and "DIFFER" not in rows[0], result.stdout
    assert "engine peak RSS" in result.stdout


def test_endpoint_load_bench_runs_every_cell_against_its_baseline_and_ceiling() -> None:
    command = [sys.executable, "-m", "tools.bench_endpoint", "--requests", "5"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr  # 1: a request failed
    ratios = [line for line in result.stdout.splitlines() if "engine/baseline" in line]
    assert len(ratios) == 6, result.stdout  # 2 payloads x 3 concurrencies
    assert "peak RSS: emulator" in result.stdout
