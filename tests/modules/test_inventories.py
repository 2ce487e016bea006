"""Layer 3: plan contracts. Each inventory case is planned against the emulator, compared with
its inventory (subset of values, exact counts) and scanned by the policy gate. Plans only read
from the emulator, so they are made two at a time, each case in its own staging folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from parliament import analyze_policy_string  # type: ignore[import-untyped]

from pipelines_src.gate import runner as policy_gate
from pipelines_src.local import emulator
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


# ---------------------------------------------------------------------------------------------
# IAM audit: every identity policy and boundary planned in any case, through parliament (which
# knows each action's resource types and condition keys).
# ---------------------------------------------------------------------------------------------
IDENTITY_POLICIES = {"aws_iam_policy": "policy", "aws_iam_role_policy": "policy"}
WAIVERS: list[dict[str, str]] = yaml.safe_load((Path(__file__).parent / "iam_audit_waivers.yaml").read_text())


def _planned_resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _planned_resources(child)


def _identity_policies(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(address, policy JSON) of every identity policy whose document is known at plan."""
    for resource in _planned_resources(plan.get("planned_values", {}).get("root_module", {})):
        attribute = IDENTITY_POLICIES.get(resource["type"])
        document = resource.get("values", {}).get(attribute or "")
        if attribute and isinstance(document, str) and document:
            yield resource["address"], document


def _waiver_for(address: str, issue: str, detail: str) -> int | None:
    for index, waiver in enumerate(WAIVERS):
        if waiver["issue"] == issue and re.search(waiver["address"], address) and waiver.get("detail", "") in detail:
            return index
    return None


def test_identity_policies_pass_parliament(plans: dict[str, Future[Planned]]) -> None:
    audited, used, findings = 0, set(), []
    for case in CASES:
        plan, _ = plans[case.id].result()
        for address, document in _identity_policies(plan):
            audited += 1
            for finding in analyze_policy_string(document).findings:
                detail = str(finding.detail)
                waiver = _waiver_for(address, finding.issue, detail)
                if waiver is None:
                    findings.append(f"{case.id} {address}: {finding.issue} {detail[:300]}")
                else:
                    used.add(waiver)
    assert audited >= 40, f"only {audited} identity policies known at plan: the audit lost its input"
    assert not findings, "parliament findings (fix the policy, or waive with a reason):\n" + "\n".join(findings)
    stale = [WAIVERS[i]["reason"][:60] for i in range(len(WAIVERS)) if i not in used]
    assert not stale, f"waivers no plan needs any more (delete them): {stale}"
