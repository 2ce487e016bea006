"""Layer 3: plan contracts. Each inventory case is planned against the emulator, compared with
its inventory (subset of values, exact counts) and scanned by the policy gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines_src.local import emulator
from tools import inventory, policy_gate

CASES = inventory.cases()
_PLANS: dict[str, tuple[dict[str, Any], Path]] = {}


def _plan(case: inventory.Case, info: emulator.Emulator, work: Path) -> tuple[dict[str, Any], Path]:
    if case.id not in _PLANS:
        _PLANS[case.id] = inventory.plan_case(case, info, work / case.root.name)
    return _PLANS[case.id]


def test_every_module_and_example_has_an_inventory() -> None:
    covered = {c.root for c in CASES}
    roots = {p for kind in ("modules", "examples") for p in (inventory.REPO / kind).iterdir() if any(p.glob("*.tf"))}
    assert roots <= covered, f"no inventory case for {sorted(str(r) for r in roots - covered)}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_plan_matches_inventory(case: inventory.Case, local_emulator: emulator.Emulator, tf_work: Path) -> None:
    plan, _ = _plan(case, local_emulator, tf_work)
    expected = yaml.safe_load(case.inventory.read_text())
    diffs = inventory.differences(inventory.summarize(plan), expected)
    assert not diffs, "plan differs from inventory (if intended: `make inventory ROOT=...`):\n" + "\n".join(diffs)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_plan_passes_policy_gate(case: inventory.Case, local_emulator: emulator.Emulator, tf_work: Path) -> None:
    plan, staged = _plan(case, local_emulator, tf_work)
    findings = policy_gate.scan_plan(plan, tf_work / "scans" / case.id.replace("/", "_"), staged)
    findings = policy_gate.apply_waivers(findings, case.root)
    failed = policy_gate.failures(findings)
    assert not failed, "\n".join(str(f) for f in failed)
    readable = policy_gate.known_at_plan(plan, "aws_s3_bucket_policy", "policy")
    tls_rows = {f.resource for f in findings if f.check_id == "CKV_MLOPS_1"}
    assert tls_rows == set(readable), "every bucket policy known at plan must be read by CKV_MLOPS_1"
