"""Layer 3: plan contracts. Each inventory case is planned against the emulator, compared with
its inventory (subset of values, exact counts) and scanned by the policy gate. Plans only read
from the emulator, so they are made two at a time, each case in its own staging folder."""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines_src.gate import runner as policy_gate
from pipelines_src.local import emulator
from tests.modules import iam_audit
from tools import inventory

CASES = inventory.cases()
Planned = tuple[dict[str, Any], Path]


@pytest.fixture(scope="module")
def plans(local_emulator: emulator.Emulator, tf_work: Path) -> dict[str, Future[Planned]]:
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="plan")
    work = tf_work / "inventories"
    return {c.id: pool.submit(inventory.plan_case, c, local_emulator, work / re.sub(r"[/:]", "_", c.id)) for c in CASES}


def test_every_module_and_example_has_an_inventory() -> None:
    covered = {c.root for c in CASES}
    roots = {p for kind in ("modules", "examples") for p in (inventory.REPO / kind).iterdir() if any(p.glob("*.tf"))}
    assert roots <= covered, f"no inventory case for {sorted(str(r) for r in roots - covered)}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_plan_matches_inventory(case: inventory.Case, plans: dict[str, Future[Planned]]) -> None:
    plan, _ = plans[case.id].result()
    expected = yaml.safe_load(case.inventory.read_text())
    diffs = inventory.differences(inventory.summarize(plan), expected)
    assert not diffs, "plan differs from inventory (if intended: `make inventory ROOT=...`):\n" + "\n".join(diffs)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_plan_passes_policy_gate(case: inventory.Case, plans: dict[str, Future[Planned]], tf_work: Path) -> None:
    plan, staged = plans[case.id].result()
    findings = policy_gate.scan_plan(plan, tf_work / "scans" / case.id.replace("/", "_"), staged)
    findings = policy_gate.apply_waivers(findings, case.root)
    failed = policy_gate.failures(findings)
    assert not failed, "\n".join(str(f) for f in failed)
    readable = policy_gate.known_at_plan(plan, "aws_s3_bucket_policy", "policy")
    tls_rows = {f.resource for f in findings if f.check_id == "CKV_MLOPS_1"}
    assert tls_rows == set(readable), "every bucket policy known at plan must be read by CKV_MLOPS_1"


def test_identity_policies_known_at_plan_pass_parliament(plans: dict[str, Future[Planned]]) -> None:
    """The IAM audit (tests/modules/iam_audit.py) over every case's plan; documents that embed
    ARNs made at apply are audited after apply, in tests/e2e/test_examples.py."""
    audit = iam_audit.Audit()
    for case in CASES:
        plan, _ = plans[case.id].result()
        audit.run(case.id, iam_audit.planned_identity_policies(plan))
    assert audit.audited >= 10, f"only {audit.audited} identity policies known at plan: the audit lost its input"
    assert not audit.findings, "parliament findings (fix the policy, or waive with a reason):\n" + "\n".join(
        audit.findings
    )
    assert not audit.stale(), f"waivers no plan needs any more (delete them): {audit.stale()}"


TRAINING_TYPES = ("aws_sagemaker_domain", "aws_sagemaker_user_profile", "aws_sagemaker_notebook_instance")


def _training_footprint(plan: dict[str, Any]) -> list[str]:
    """Addresses of what trains or explores: Studio, notebooks, a state machine whose name says training."""
    found = []
    for change in plan["resource_changes"]:
        name = str((change["change"].get("after") or {}).get("name", ""))
        if change["type"] in TRAINING_TYPES or (change["type"] == "aws_sfn_state_machine" and "training" in name):
            found.append(change["address"])
    return found


def test_an_inference_stage_root_has_no_training_resources(plans: dict[str, Future[Planned]]) -> None:
    """Preprod and prod are batch-inference-only (docs/architecture.md, Accounts): no training
    state machine, no Studio, no notebook; the dev root has them, so the check can fail."""
    stage, _ = plans["examples/batch-inference-only:prod"].result()
    dev, _ = plans["examples/use-case-complete:defaults"].result()
    assert _training_footprint(stage) == []
    assert any("training" in a or "studio" in a for a in _training_footprint(dev)), "the dev root trains"
    machines = [c for c in stage["resource_changes"] if c["type"] == "aws_sfn_state_machine"]
    assert [c["change"]["after"]["name"] for c in machines] == ["quality-prod-batch-inference"]
