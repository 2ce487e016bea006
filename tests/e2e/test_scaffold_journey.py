"""The README's "Start a use case" journey, as written, from installed packages only: scaffold a
use-case repository, `make demo` to its first predictions (made with its own transformer and its
own data-validation step) within five minutes, `make demo` again as a user does (issue 38),
`make demo-down`."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines_src.local import emulator
from pipelines_src.registry import server
from tests import journeys
from tests.conftest import REPO, clean_env, free_port

BUDGET_SECONDS = 300  # issue 15: scaffold to first predictions on this machine


def test_scaffold_reaches_its_first_predictions_by_its_readme(wheels: Path, use_case_folder: Path) -> None:
    lines = journeys.block(REPO / "README.md", "new-use-case")[1:]  # the install ran in the fixture
    again = lines.index("make demo") + 1
    lines = [*lines[:again], "make demo", *lines[again:]]  # as a user runs it: twice (issue 38)
    env = clean_env(wheels, EMULATOR_PORT=str(free_port()))
    local = use_case_folder / "quality" / ".local"
    try:
        done = journeys.run(lines, use_case_folder, env, timeout=1200)
    finally:  # a journey that failed before `make demo-down` leaves no server running
        emulator.stop(local / "emulator")
        server.SERVICE.stop(local / "registry")
    assert done.returncode == 0, done.output[-4000:]

    took = done.start_of("make demo", 2) - done.start_of("mlops new-use-case")
    print(f"scaffold to first predictions: {took:.0f} s")
    assert took <= BUDGET_SECONDS, f"scaffold to first predictions took {took:.0f} s"
    assert "Traceback" not in done.output
    summary = json.loads((local / "demo" / "summary.json").read_text())  # the second run's
    assert summary["champion_kept"] or summary["approval_history"], "the second run kept or approved"
    assert summary["prediction_rows"] == summary["input_rows"] > 0
    assert summary["predictions_uri"] in done.output and summary["sample"][0] == "id,probability,action"
    assert "power_proxy" in summary["feature_names"]  # its own transformer (steps/features.py)
    training = next(e for e in summary["executions"] if e["pipeline"] == "training")
    assert training["states"]["data-validation"]["status"] == "SUCCEEDED"  # its own step
    assert "destroyed infra" in done.output and "emulator: stopped" in done.output
