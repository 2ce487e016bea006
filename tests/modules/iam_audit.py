"""IAM audit: identity policies and boundaries through parliament, which knows each action's
resource types and condition keys (unknown actions, resource mismatches, condition keys an action
never carries). Findings that are not defects are waived, with reasons, in iam_audit_waivers.yaml."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from parliament import analyze_policy_string  # type: ignore[import-untyped]

from tools import inventory

IDENTITY_POLICIES = {"aws_iam_policy": "policy", "aws_iam_role_policy": "policy"}
WAIVERS: list[dict[str, str]] = yaml.safe_load((Path(__file__).parent / "iam_audit_waivers.yaml").read_text())


def identity_policies(root_module: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(address, policy JSON) of every identity policy whose document is known."""
    for resource in inventory.module_resources(root_module):
        attribute = IDENTITY_POLICIES.get(resource["type"])
        document = resource.get("values", {}).get(attribute or "")
        if attribute and isinstance(document, str) and document:
            yield resource["address"], document


def planned_identity_policies(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    return identity_policies(plan.get("planned_values", {}).get("root_module", {}))


def _waiver_for(address: str, issue: str, detail: str) -> int | None:
    for index, waiver in enumerate(WAIVERS):
        if waiver["issue"] == issue and re.search(waiver["address"], address) and waiver.get("detail", "") in detail:
            return index
    return None


@dataclass
class Audit:
    audited: int = 0
    findings: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)

    def run(self, label: str, documents: Iterable[tuple[str, str]]) -> None:
        for address, document in documents:
            self.audited += 1
            for finding in analyze_policy_string(document).findings:
                detail = str(finding.detail)
                waiver = _waiver_for(address, finding.issue, detail)
                if waiver is None:
                    self.findings.append(f"{label} {address}: {finding.issue} {detail[:300]}")
                else:
                    self.used.add(waiver)

    def stale(self) -> list[str]:
        return [WAIVERS[i]["reason"][:60] for i in range(len(WAIVERS)) if i not in self.used]
