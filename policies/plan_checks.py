"""Policies that need "some connected resource has X" over the plan: checkov's YAML connection
checks require *every* connected resource to match, so they cannot say "a VPC has, among its
endpoints, one for each required service". These read the plan JSON directly.

CKV_MLOPS_7: every VPC created in the plan has interface endpoints for the services a private ML
platform needs and gateway endpoints for S3 (links followed through the configuration's
references, module-aware).
CKV_MLOPS_21: every endpoint created in the plan is watched by a monitoring schedule (schedule ->
job definition -> endpoint input, matched on the planned names).
"""

from __future__ import annotations

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


def all_findings(plan: dict[str, Any]) -> list[PlanFinding]:
    return required_vpc_endpoints(plan) + endpoints_monitored(plan)
