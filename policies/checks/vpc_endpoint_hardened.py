"""CKV_MLOPS_8: VPC endpoints are hardened: every endpoint has a policy; interface endpoints
also have private DNS on and at least one security group."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories
from mlops_policies.checks._common import ProblemsCheck, first


class VpcEndpointHardened(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="VPC endpoints have a policy; interface endpoints have private DNS and a security group",
            id="CKV_MLOPS_8",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_vpc_endpoint"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str] | None:
        problems = []
        if not first(conf, "policy"):
            problems.append("no endpoint policy")
        if str(first(conf, "vpc_endpoint_type") or "Gateway").lower() == "interface":
            if first(conf, "private_dns_enabled") is not True:
                problems.append("private_dns_enabled is not true")
            if not first(conf, "security_group_ids"):
                problems.append("no security group")
        return problems


check = VpcEndpointHardened()
