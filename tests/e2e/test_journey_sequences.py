"""The README's journeys in the order a user runs them (issue 38), on an emulator of their own:
`make demo`, `make demo` again (the README: "re-applies with no change and runs new
executions"), then the promotion journey as written (`make demo-promotion`, which finds dev's
template already there, and `make demo-down`). The second training meets the champion the first
approved: keeping it is a normal outcome, said in the summary, never a crash."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from pipelines_src.local import emulator
from tests import journeys
from tests.conftest import REPO, free_port

KEPT = "champion kept: no new package; version 1 keeps serving"


@pytest.fixture(scope="module")
def sequence(tmp_path_factory: pytest.TempPathFactory) -> tuple[journeys.Run, dict[str, Any]]:
    local = tmp_path_factory.mktemp("sequence-local")
    env = {**os.environ, "MLOPS_LOCAL_DIR": str(local), "EMULATOR_PORT": str(free_port())}
    demo = journeys.opening(REPO / "README.md")[0]
    assert demo == "make demo"
    lines = [demo, demo, *journeys.block(REPO / "README.md", "promotion")]
    try:
        done = journeys.run(lines, REPO, env, timeout=1800)
    finally:  # a journey that failed before `make demo-down` leaves no emulator running
        emulator.stop(local / "emulator")
    assert done.returncode == 0, done.output[-4000:]
    return done, json.loads((local / "demo-promotion" / "summary.json").read_text())


def test_make_demo_twice_keeps_the_champion_and_says_so(sequence: tuple[journeys.Run, dict[str, Any]]) -> None:
    done, _ = sequence
    assert "Traceback" not in done.output
    second = done.output[done.output.index("[1/8]", done.output.index("[1/8]") + 1) :]
    assert f"[4/7] {KEPT}" in second and f"approval           {KEPT}" in second
    assert "batch rows         2000 in, 2000 predictions out" in second, "the champion scored the batch"
    took = done.start_of("make demo-promotion") - done.start_of("make demo", 2)
    print(f"second make demo: {took:.0f} s")


def test_promotion_after_the_demo_promotes_the_kept_champion(sequence: tuple[journeys.Run, dict[str, Any]]) -> None:
    _, summary = sequence
    dev = next(a for a in summary["accounts"] if a["role"] == "dev")
    assert any(KEPT in line for line in dev["did"]), dev["did"]
    preprod, prod = summary["promotions"]
    assert preprod["source_arn"].endswith("model-package/quality-dev/1"), "the champion make demo approved"
    batches = {e["account"]: e for e in summary["executions"] if e["pipeline"] == "batch-inference"}
    assert [batches[p["target_arn"].split(":")[4]]["status"] for p in (preprod, prod)] == ["SUCCEEDED"] * 2
