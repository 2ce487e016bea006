"""The README's promotion journey, as written, from a clean `.local` (issue 16): `make
demo-promotion` then `make demo-down`, on an emulator of its own. What each account did is read
back from the summary.json the demo writes (the emulator is gone after demo-down)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pipelines_src.commands import local_dir
from pipelines_src.local import demo_promotion, emulator
from tests import journeys
from tests.conftest import REPO, free_port

DEV = "123456789012"  # the emulator's own account


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> tuple[journeys.Run, dict[str, Any], Path]:
    local = tmp_path_factory.mktemp("promotion-local")
    env = {**os.environ, "MLOPS_LOCAL_DIR": str(local), "EMULATOR_PORT": str(free_port())}
    try:
        done = journeys.run(journeys.block(REPO / "README.md", "promotion"), REPO, env, timeout=1500)
    finally:  # a journey that failed before `make demo-down` leaves no emulator running
        emulator.stop(local / "emulator")
    assert done.returncode == 0, done.output[-4000:]
    summary = json.loads((local / "demo-promotion" / "summary.json").read_text())
    return done, summary, local


def test_each_account_did_its_part(journey: tuple[journeys.Run, dict[str, Any], Path]) -> None:
    done, summary, _ = journey
    accounts = {a["role"]: a["account"] for a in summary["accounts"]}
    assert accounts == {"data lake": demo_promotion.LAKE, "dev": DEV, **demo_promotion.STAGE_ACCOUNTS}
    took = done.start_of("make demo-down") - done.start_of("make demo-promotion")
    print(f"make demo-promotion: {took:.0f} s")
    assert "Summary: which account did what" in done.output


def test_dev_trains_from_the_data_lake_and_only_dev_trains(journey: tuple[journeys.Run, dict[str, Any], Path]) -> None:
    _, summary, _ = journey
    trainings = [e for e in summary["executions"] if e["pipeline"] == "training"]
    assert [(e["account"], e["status"]) for e in trainings] == [(DEV, "SUCCEEDED")]
    lake = next(a for a in summary["accounts"] if a["role"] == "data lake")
    dev = next(a for a in summary["accounts"] if a["role"] == "dev")
    assert any("s3://acme-cdh-raw/quality/raw/" in line and "written" in line for line in lake["did"])
    assert any("read s3://acme-cdh-raw/quality/raw/: SUCCEEDED" in line for line in dev["did"])


def test_each_stage_scores_with_exactly_the_version_promoted_into_it(
    journey: tuple[journeys.Run, dict[str, Any], Path],
) -> None:
    _, summary, _ = journey
    preprod, prod = summary["promotions"]
    assert (preprod["target_stage"], prod["target_stage"]) == ("preprod", "prod")
    assert prod["source_arn"] == preprod["target_arn"], "prod gets what preprod smoke-tested"
    batches = {e["account"]: e for e in summary["executions"] if e["pipeline"] == "batch-inference"}
    for promoted in (preprod, prod):
        account = demo_promotion.STAGE_ACCOUNTS[promoted["target_stage"]]
        assert promoted["target_arn"].split(":")[4] == account
        assert batches[account]["status"] == "SUCCEEDED"
        assert batches[account]["model_package_arn"] == promoted["target_arn"]
    smoke = batches[demo_promotion.STAGE_ACCOUNTS["preprod"]]["name"]
    assert smoke in prod["why"] and prod["promoted_by"] and prod["promoted_at"], "the recorded approval"


def test_demo_down_leaves_no_account_behind(journey: tuple[journeys.Run, dict[str, Any], Path]) -> None:
    done, _, local = journey
    assert "emulator: stopped" in done.output
    assert not list((local / "work").glob("account-*")), "stale states of the emulator's other accounts"
    assert local != local_dir(), "the journey ran in its own .local, not this checkout's"
