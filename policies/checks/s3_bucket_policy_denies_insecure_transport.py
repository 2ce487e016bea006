"""CKV_MLOPS_1: a bucket policy denies every request that does not use TLS.

The policy must be read from its rendered JSON: on a plan scan it always is; on an HCL scan a
policy built by a data source is only a reference, the check returns UNKNOWN (no row) and the
plan scan covers it (the test suite asserts one result per bucket policy on every plan).
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from mlops_policies.checks._common import as_list, first, policy_document, statements


def _denies_insecure_transport(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, dict) and "*" in as_list(principal.get("AWS")))
    actions = {a.lower() for a in as_list(statement.get("Action"))}
    bool_condition = (statement.get("Condition") or {}).get("Bool", {})
    insecure = [str(v).lower() for v in as_list(bool_condition.get("aws:SecureTransport"))]
    return everyone and bool(actions & {"s3:*", "*"}) and insecure == ["false"]


class S3BucketPolicyDeniesInsecureTransport(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="S3 bucket policy denies requests without TLS (aws:SecureTransport = false)",
            id="CKV_MLOPS_1",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_s3_bucket_policy"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        document = policy_document(first(conf, "policy"))
        if document is None:
            return CheckResult.UNKNOWN
        if any(_denies_insecure_transport(s) for s in statements(document)):
            return CheckResult.PASSED
        return CheckResult.FAILED


check = S3BucketPolicyDeniesInsecureTransport()
