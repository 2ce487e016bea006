"""CKV_MLOPS_10: DynamoDB tables have deletion protection and point-in-time recovery."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories
from mlops_policies.checks._common import ProblemsCheck, first, unresolved


class DynamoDbProtected(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="DynamoDB tables have deletion protection and point-in-time recovery",
            id="CKV_MLOPS_10",
            categories=[CheckCategories.BACKUP_AND_RECOVERY],
            supported_resources=["aws_dynamodb_table"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str] | None:
        if unresolved(first(conf, "deletion_protection_enabled")):
            return None
        problems = []
        if first(conf, "deletion_protection_enabled") is not True:
            problems.append("deletion_protection_enabled is not true")
        recovery = first(conf, "point_in_time_recovery")
        # An absent block is AWS's default (off); on a plan it shows as unknown, not as a block.
        if not isinstance(recovery, dict) or first(recovery, "enabled") is not True:
            problems.append("point_in_time_recovery is not enabled")
        return problems


check = DynamoDbProtected()
