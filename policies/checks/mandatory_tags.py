"""CKV_MLOPS_4: every taggable resource carries the mandatory tags, read from the plan's tags_all.

Tags usually come from the provider's default_tags, which only the plan shows, so this check
runs on plan scans; on an HCL scan (no tags_all) it returns UNKNOWN and reports nothing.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from mlops_policies.checks._common import first, unwrap

MANDATORY_TAGS = ("cost-center", "data-classification", "environment", "owner")
DATA_CLASSIFICATIONS = ("confidential", "internal", "public", "restricted")
ENVIRONMENTS = ("dev", "prod", "sandbox", "staging", "test")


def missing_or_invalid(tags: dict[str, Any]) -> list[str]:
    problems = [f"missing {key}" for key in MANDATORY_TAGS if not str(tags.get(key) or "").strip()]
    classification = tags.get("data-classification")
    if classification and classification not in DATA_CLASSIFICATIONS:
        problems.append(f"data-classification {classification!r} not in {DATA_CLASSIFICATIONS}")
    environment = tags.get("environment")
    if environment and environment not in ENVIRONMENTS:
        problems.append(f"environment {environment!r} not in {ENVIRONMENTS}")
    return problems


class MandatoryTags(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Taggable resources carry cost-center, data-classification, environment and owner (plan tags_all)",
            id="CKV_MLOPS_4",
            categories=[CheckCategories.CONVENTION],
            supported_resources=["aws_*"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if "tags_all" not in conf:
            return CheckResult.UNKNOWN
        tags = first(conf, "tags_all")
        if not isinstance(tags, dict):
            return CheckResult.FAILED
        problems = missing_or_invalid({key: unwrap(value) for key, value in tags.items()})
        if problems:
            self.details.extend(problems)
            return CheckResult.FAILED
        return CheckResult.PASSED


check = MandatoryTags()
