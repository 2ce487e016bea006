"""CKV_MLOPS_3: no AWS-managed KMS keys anywhere; customer managed keys only.

Fails a resource that names an `alias/aws/...` key in any attribute, a `data.aws_kms_alias` or
`data.aws_kms_key` that looks one up, and S3 default encryption that falls back to an AWS-managed
key (SSE-S3, or aws:kms without a key).
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from mlops_policies.checks._common import first, is_plan

AWS_MANAGED_MARKER = "alias/aws/"


def _mentions_aws_managed_key(value: Any) -> bool:
    if isinstance(value, str):
        return AWS_MANAGED_MARKER in value
    if isinstance(value, dict):
        return any(_mentions_aws_managed_key(v) for k, v in value.items() if not str(k).startswith("__"))
    if isinstance(value, list):
        return any(_mentions_aws_managed_key(v) for v in value)
    return False


def _s3_default_encryption_is_aws_managed(conf: dict[str, Any]) -> bool:
    # On a plan, a key ARN that is unknown until apply is absent from the values, while a key
    # left unset is present as null/"": only the latter falls back to the AWS-managed key.
    for rule in conf.get("rule") or []:
        for default in (rule or {}).get("apply_server_side_encryption_by_default") or []:
            algorithm = first(default, "sse_algorithm")
            key_given = first(default, "kms_master_key_id") or (is_plan(conf) and "kms_master_key_id" not in default)
            if algorithm == "AES256" or (str(algorithm).startswith("aws:kms") and not key_given):
                return True
    return False


class NoAwsManagedKmsKeys(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Resources use customer managed KMS keys, never AWS-managed ones (alias/aws/*, SSE-S3)",
            id="CKV_MLOPS_3",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_*"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if _mentions_aws_managed_key(conf):
            return CheckResult.FAILED
        if self.entity_type == "aws_s3_bucket_server_side_encryption_configuration":
            return CheckResult.FAILED if _s3_default_encryption_is_aws_managed(conf) else CheckResult.PASSED
        return CheckResult.PASSED


class NoAwsManagedKmsKeyLookups(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name="No lookups of AWS-managed KMS keys (alias/aws/*)",
            id="CKV_MLOPS_3",
            categories=[CheckCategories.ENCRYPTION],
            supported_data=["aws_kms_alias", "aws_kms_key"],
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        return CheckResult.FAILED if _mentions_aws_managed_key(conf) else CheckResult.PASSED


check = NoAwsManagedKmsKeys()
data_check = NoAwsManagedKmsKeyLookups()
