"""Layer 4: the policy gate. Modules and examples are clean on HCL; each custom policy passes
and fails exactly its fixtures; a deliberately insecure root fails exactly the expected IDs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines_src.gate import runner as policy_gate
from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tests.conftest import EXAMPLES, MODULES, REPO

FIXTURES = policy_gate.POLICIES / "fixtures"
CHECK_FIXTURES = sorted(p for p in FIXTURES.iterdir() if (p / "expected.yaml").exists())
INSECURE_ROOT = FIXTURES / "insecure-root"
INSECURE_IAM_NETWORK = FIXTURES / "insecure-iam-network"
# Exactly what the insecure root must fail on its plan: built-in checks for the public access
# block, encryption, versioning, logging, lifecycle and replication, plus ours for the missing
# policy, the AWS-managed key and the missing tags.
INSECURE_ROOT_FAILS = {
    "CKV2_AWS_6",
    "CKV2_AWS_61",
    "CKV2_AWS_62",
    "CKV_AWS_144",
    "CKV_AWS_145",
    "CKV_AWS_18",
    "CKV_AWS_21",
    "CKV_AWS_53",
    "CKV_AWS_54",
    "CKV_AWS_55",
    "CKV_AWS_56",
    "CKV_MLOPS_2",
    "CKV_MLOPS_3",
    "CKV_MLOPS_4",
}


def _plan_findings(root: Path, info: emulator.Emulator, work: Path) -> list[policy_gate.Finding]:
    staged = tf.stage(root, work / "stage", info)
    plan = tf.TerraformRoot(staged, tf.base_env(info)).plan_json()
    return policy_gate.scan_plan(plan, work / "scan", staged)


def _rows(findings: list[policy_gate.Finding], check_id: str, passed: bool) -> set[str]:
    return {f.resource for f in findings if f.check_id == check_id and f.passed is passed}


@pytest.mark.parametrize("root", MODULES + EXAMPLES, ids=[str(p.relative_to(REPO)) for p in MODULES + EXAMPLES])
def test_hcl_has_no_failures(root: Path) -> None:
    failed = policy_gate.failures(policy_gate.scan_hcl(root))
    assert not failed, "\n".join(str(f) for f in failed)


def test_every_custom_policy_has_fixtures() -> None:
    ids = {p.name for p in CHECK_FIXTURES}
    for source in policy_gate.POLICIES.rglob("*.py"):
        for check_id in set(re.findall(r'id="(CKV_MLOPS_\d+)"', source.read_text())):
            assert check_id in ids, f"{check_id} ({source.name}) has no fixture folder"
    for source in policy_gate.CHECKS.glob("*.yaml"):
        check_id = yaml.safe_load(source.read_text())["metadata"]["id"]
        assert check_id in ids, f"{check_id} ({source.name}) has no fixture folder"


@pytest.mark.parametrize("fixture", CHECK_FIXTURES, ids=[p.name for p in CHECK_FIXTURES])
def test_policy_fixture_exact_sets(fixture: Path, local_emulator: emulator.Emulator, tmp_path: Path) -> None:
    expected: dict[str, Any] = yaml.safe_load((fixture / "expected.yaml").read_text())
    check_id = expected["check"]
    for scan in expected["scans"]:
        scanned = policy_gate.scan_hcl(fixture) if scan == "hcl" else _plan_findings(fixture, local_emulator, tmp_path)
        assert _rows(scanned, check_id, passed=True) == set(expected["passed"]), f"{scan} scan: passed set"
        assert _rows(scanned, check_id, passed=False) == set(expected["failed"]), f"{scan} scan: failed set"


def test_insecure_root_fails_exactly_the_expected_ids(local_emulator: emulator.Emulator, tmp_path: Path) -> None:
    """What the gate reports: HCL scan and plan scan together."""
    findings = policy_gate.scan_hcl(INSECURE_ROOT) + _plan_findings(INSECURE_ROOT, local_emulator, tmp_path)
    failed_ids = {f.check_id for f in policy_gate.failures(findings)}
    assert failed_ids == INSECURE_ROOT_FAILS, (
        f"unexpected: {failed_ids - INSECURE_ROOT_FAILS}, missing: {INSECURE_ROOT_FAILS - failed_ids}"
    )


def test_insecure_iam_and_network_fail_exactly_the_custom_ids(
    local_emulator: emulator.Emulator, tmp_path: Path
) -> None:
    """sagemaker:*, a role without boundary and a VPC without endpoints: CKV_MLOPS_5, 6 and 7."""
    findings = policy_gate.scan_hcl(INSECURE_IAM_NETWORK) + _plan_findings(
        INSECURE_IAM_NETWORK, local_emulator, tmp_path
    )
    failed = {(f.check_id, f.resource) for f in policy_gate.failures(findings) if f.check_id.startswith("CKV_MLOPS_")}
    assert failed == {
        ("CKV_MLOPS_5", "aws_iam_role.unbounded"),
        ("CKV_MLOPS_6", "aws_iam_role_policy.everything_sagemaker"),
        ("CKV_MLOPS_7", "aws_vpc.bare"),
    }


def _finding(check_id: str, resource: str, passed: bool = False) -> policy_gate.Finding:
    return policy_gate.Finding(check_id, resource, passed, "tfplan.json", "detail")


def test_waiver_with_reason_turns_the_failure_into_an_explained_pass(tmp_path: Path) -> None:
    (tmp_path / policy_gate.WAIVERS_FILE).write_text(
        "- {check: CKV_MLOPS_21, resource: aws_sagemaker_endpoint.this, reason: schedule composed beside}\n"
    )
    found = policy_gate.apply_waivers(
        [_finding("CKV_MLOPS_21", "aws_sagemaker_endpoint.this"), _finding("CKV_MLOPS_21", "aws_sagemaker_endpoint.b")],
        tmp_path,
    )
    assert [(f.resource, f.passed) for f in found] == [
        ("aws_sagemaker_endpoint.this", True),
        ("aws_sagemaker_endpoint.b", False),
    ]
    assert found[0].detail == "waived: schedule composed beside"


@pytest.mark.parametrize(
    ("waiver", "message"),
    [
        ("- {check: CKV_MLOPS_21, resource: aws_sagemaker_endpoint.this}\n", "needs check, resource and a reason"),
        ("- {check: CKV_MLOPS_21, resource: aws_sagemaker_endpoint.gone, reason: old}\n", "matches no failure"),
    ],
)
def test_waiver_without_reason_or_target_is_refused(tmp_path: Path, waiver: str, message: str) -> None:
    (tmp_path / policy_gate.WAIVERS_FILE).write_text(waiver)
    with pytest.raises(ValueError, match=message):
        policy_gate.apply_waivers([_finding("CKV_MLOPS_21", "aws_sagemaker_endpoint.this")], tmp_path)


def test_listed_accounts_are_read_with_their_reasons(tmp_path: Path) -> None:
    assert policy_gate.accounts_of(tmp_path) == set(), "no file: only the plan's own accounts count"
    (tmp_path / policy_gate.ACCOUNTS_FILE).write_text(
        '- {id: "111111111111", why: data lake}\n- {id: "210987654321", why: preprod reads the registry}\n'
    )
    assert policy_gate.accounts_of(tmp_path) == {"111111111111", "210987654321"}


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        ("accounts: 111111111111\n", "write a list of accounts"),
        ("- {id: 111111111111, why: data lake}\n", "12 digits in quotes"),
        ('- {id: "1111", why: data lake}\n', "12 digits in quotes"),
        ('- {id: "111111111111"}\n', "needs a why"),
        ("- [unclosed\n", "not YAML"),
    ],
)
def test_bad_account_lists_are_refused_with_the_fix(tmp_path: Path, listed: str, message: str) -> None:
    (tmp_path / policy_gate.ACCOUNTS_FILE).write_text(listed)
    with pytest.raises(policy_gate.GateError, match=message):
        policy_gate.accounts_of(tmp_path)
