"""Policies that need "some connected resource has X" over the plan: checkov's YAML connection
checks require *every* connected resource to match, so they cannot say "a VPC has, among its
endpoints, one for each required service". These read the plan JSON directly.

CKV_MLOPS_7: every VPC created in the plan has interface endpoints for the services a private ML
platform needs and gateway endpoints for S3 (links followed through the configuration's
references, module-aware).
CKV_MLOPS_21: every endpoint created in the plan is watched by a monitoring schedule (schedule ->
job definition -> endpoint input, matched on the planned names).
CKV_MLOPS_27: resource policies, trust policies and KMS grants name no `*` principal in an Allow,
and every account they name is one of the root's: an account the plan's providers run in (its
`aws_caller_identity` reads) or one listed in the root's `policy-accounts.yaml`. A checkov check
sees one resource and no root, so it could not know the configured set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

REQUIRED_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "s3", "sagemaker.api", "sagemaker.runtime", "sts")


@dataclass(frozen=True)
class PlanFinding:
    check_id: str
    resource: str
    passed: bool
    detail: str


def _module_prefix(address: str) -> str:
    parts = address.split(".")
    prefix = []
    while len(parts) > 2 and parts[0] == "module":
        prefix += parts[:2]
        parts = parts[2:]
    return ".".join(p.split("[")[0] if i % 2 else p for i, p in enumerate(prefix))


def _config_resources(module: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    found = {f"{prefix}{r['address']}": r for r in module.get("resources", [])}
    for name, call in (module.get("module_calls") or {}).items():
        found |= _config_resources(call.get("module", {}), f"{prefix}module.{name}.")
    return found


def _vpc_of(endpoint: dict[str, Any], config: dict[str, dict[str, Any]]) -> set[str]:
    prefix = _module_prefix(endpoint["address"])
    key = f"{prefix}.{endpoint['type']}.{endpoint['name']}" if prefix else f"{endpoint['type']}.{endpoint['name']}"
    references = config.get(key, {}).get("expressions", {}).get("vpc_id", {}).get("references", [])
    base = f"{prefix}." if prefix else ""
    return {base + ref.split("[")[0].removesuffix(".id") for ref in references if ref.startswith("aws_vpc.")}


def _short_service(service_name: str) -> str:
    # com.amazonaws.<region>.<service> or aws.sagemaker.<region>.<service>
    return service_name.split(".", 3)[-1] if service_name else ""


def _planned(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c for c in plan.get("resource_changes", []) if c["mode"] == "managed" and "delete" not in c["change"]["actions"]
    ]


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _monitored_endpoint(definition: dict[str, Any]) -> str | None:
    for key, block in definition.items():
        if key.endswith("_job_input"):
            endpoint_input = _first((_first(block) or {}).get("endpoint_input"))
            if isinstance(endpoint_input, dict):
                return endpoint_input.get("endpoint_name")
    return None


def endpoints_monitored(plan: dict[str, Any]) -> list[PlanFinding]:
    changes = _planned(plan)
    definitions = {
        after.get("name"): _monitored_endpoint(after)
        for c in changes
        if c["type"].endswith("_job_definition") and c["type"].startswith("aws_sagemaker_")
        for after in [c["change"].get("after") or {}]
    }
    monitored = set()
    for schedule in (c for c in changes if c["type"] == "aws_sagemaker_monitoring_schedule"):
        config = _first((schedule["change"].get("after") or {}).get("monitoring_schedule_config")) or {}
        monitored.add(definitions.get(config.get("monitoring_job_definition_name")))
    findings = []
    for endpoint in (c for c in changes if c["type"] == "aws_sagemaker_endpoint"):
        name = (endpoint["change"].get("after") or {}).get("name")
        detail = (
            "monitored by a schedule"
            if name in monitored
            else f"no monitoring schedule watches endpoint {name!r} (compose modules/model-monitoring)"
        )
        findings.append(PlanFinding("CKV_MLOPS_21", endpoint["address"], name in monitored, detail))
    return findings


def required_vpc_endpoints(plan: dict[str, Any]) -> list[PlanFinding]:
    changes = _planned(plan)
    config = _config_resources(plan.get("configuration", {}).get("root_module", {}))
    services: dict[str, set[str]] = {}
    for change in (c for c in changes if c["type"] == "aws_vpc_endpoint"):
        service = _short_service((change["change"].get("after") or {}).get("service_name", ""))
        for vpc in _vpc_of(change, config):
            services.setdefault(vpc, set()).add(service)
    findings = []
    for network in (c for c in changes if c["type"] == "aws_vpc"):
        base_address = network["address"].split("[")[0]
        missing = sorted(set(REQUIRED_ENDPOINTS) - services.get(base_address, set()))
        detail = f"missing endpoints: {', '.join(missing)}" if missing else "required endpoints present"
        findings.append(PlanFinding("CKV_MLOPS_7", network["address"], not missing, detail))
    return findings


# Attributes holding a policy document that grants principals, per resource type.
PRINCIPAL_POLICIES = {
    "aws_cloudwatch_event_bus_policy": "policy",
    "aws_ecr_repository_policy": "policy",
    "aws_iam_role": "assume_role_policy",
    "aws_kms_key": "policy",
    "aws_kms_key_policy": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_sagemaker_model_package_group_policy": "resource_policy",
    "aws_sns_topic_policy": "policy",
    "aws_sqs_queue_policy": "policy",
}
ACCOUNT_IN_PRINCIPAL = re.compile(r"^(?:arn:aws[a-z-]*:(?:iam|sts)::)?([0-9]{12})(?::|$)")


def plan_accounts(plan: dict[str, Any]) -> set[str]:
    """The accounts the plan's providers run in: every aws_caller_identity the plan read."""
    found: set[str] = set()
    modules = [(plan.get("prior_state") or {}).get("values", {}).get("root_module", {})]
    while modules:
        module = modules.pop()
        modules += module.get("child_modules", [])
        for resource in module.get("resources", []):
            if resource["type"] == "aws_caller_identity" and (resource.get("values") or {}).get("account_id"):
                found.add(resource["values"]["account_id"])
    return found


def _aws_principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict) or "AWS" not in principal:
        return []
    named = principal["AWS"]
    return [named] if isinstance(named, str) else list(named)


def _granted_principals(change: dict[str, Any]) -> list[str] | None:
    """AWS principals an Allow of the planned resource names (None: not known at plan)."""
    after = change["change"].get("after") or {}
    if change["type"] == "aws_kms_grant":
        return [after["grantee_principal"]] if after.get("grantee_principal") else None
    document = after.get(PRINCIPAL_POLICIES[change["type"]])
    if not document:
        return None
    statements = json.loads(document).get("Statement", []) if isinstance(document, str) else []
    statements = [statements] if isinstance(statements, dict) else statements
    return [p for s in statements if s.get("Effect") == "Allow" for p in _aws_principals(s)]


def _principal_problem(principal: str, accounts: set[str]) -> str | None:
    if principal == "*":
        return "an Allow names every principal (*): name the accounts or roles"
    match = ACCOUNT_IN_PRINCIPAL.match(principal)
    if match is None:
        return f"principal {principal!r} names no account: use an account id or a role ARN"
    if match.group(1) not in accounts:
        return (
            f"principal {principal} is in account {match.group(1)}, which is neither one this root deploys to "
            "nor listed in its policy-accounts.yaml: list it there (with why) or remove the grant"
        )
    return None


def cross_account_principals(plan: dict[str, Any], listed: set[str]) -> list[PlanFinding]:
    accounts = plan_accounts(plan) | listed
    findings = []
    for change in _planned(plan):
        if change["type"] not in PRINCIPAL_POLICIES and change["type"] != "aws_kms_grant":
            continue
        principals = _granted_principals(change)
        if principals is None:
            continue  # not known at plan: no row, rather than a pass nothing read
        problems = sorted({p for p in (_principal_problem(p, accounts) for p in principals) if p})
        detail = "; ".join(problems) or "every principal is named and in this root's accounts"
        findings.append(PlanFinding("CKV_MLOPS_27", change["address"], not problems, detail))
    return findings


def all_findings(plan: dict[str, Any], listed_accounts: set[str] | None = None) -> list[PlanFinding]:
    return (
        required_vpc_endpoints(plan)
        + endpoints_monitored(plan)
        + cross_account_principals(plan, listed_accounts or set())
    )
