"""CKV_MLOPS_5: every IAM role carries a permission boundary."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from mlops_policies.checks._common import first


class IamRoleHasPermissionBoundary(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Every IAM role carries a permission boundary",
            id="CKV_MLOPS_5",
            categories=[CheckCategories.IAM],
            supported_resources=["aws_iam_role"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        boundary = first(conf, "permissions_boundary")
        return CheckResult.PASSED if isinstance(boundary, str) and boundary.strip() else CheckResult.FAILED


check = IamRoleHasPermissionBoundary()
