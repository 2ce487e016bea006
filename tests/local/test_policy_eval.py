"""The emulator's resource-policy evaluation follows AWS's condition semantics."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from pipelines_src.local.policy_eval import Decision, evaluate

BUCKET = "arn:aws:s3:::data-bucket"
TLS_ONLY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET, BUCKET + "/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
WRONG_ALGORITHM = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:PutObject",
    "Resource": BUCKET + "/*",
    "Condition": {
        "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
        "Null": {"s3:x-amz-server-side-encryption": "false"},
    },
}


def _policy(*statements: Mapping[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_tls_only_denies_plain_http_and_allows_https() -> None:
    policy = _policy(TLS_ONLY)
    assert evaluate(policy, "s3:GetObject", BUCKET + "/k", {"aws:SecureTransport": "false"}) is Decision.DENY
    assert evaluate(policy, "s3:GetObject", BUCKET + "/k", {"aws:SecureTransport": "true"}) is Decision.NEUTRAL


@pytest.mark.parametrize(
    ("headers", "decision"),
    [
        ({}, Decision.NEUTRAL),
        ({"s3:x-amz-server-side-encryption": "aws:kms"}, Decision.NEUTRAL),
        ({"s3:x-amz-server-side-encryption": "AES256"}, Decision.DENY),
    ],
    ids=["no-header", "kms", "sse-s3"],
)
def test_encryption_header_conditions(headers: dict[str, str], decision: Decision) -> None:
    context = {"aws:SecureTransport": "true", **headers}
    assert evaluate(_policy(TLS_ONLY, WRONG_ALGORITHM), "s3:PutObject", BUCKET + "/k", context) is decision


def test_negated_operator_is_true_on_missing_key_and_if_exists_skips() -> None:
    deny_not_equals = {
        **WRONG_ALGORITHM,
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
    }
    assert evaluate(_policy(deny_not_equals), "s3:PutObject", BUCKET + "/k", {}) is Decision.DENY
    allow_if_exists = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": BUCKET + "/*",
        "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}},
    }
    assert evaluate(_policy(allow_if_exists), "s3:GetObject", BUCKET + "/k", {}) is Decision.ALLOW


def test_other_resources_and_actions_are_not_concerned() -> None:
    policy = _policy(WRONG_ALGORITHM)
    context = {"s3:x-amz-server-side-encryption": "AES256"}
    assert evaluate(policy, "s3:PutObject", "arn:aws:s3:::other-bucket/k", context) is Decision.NEUTRAL
    assert evaluate(policy, "s3:GetObject", BUCKET + "/k", context) is Decision.NEUTRAL


def test_unknown_operator_is_resolved_restrictively() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }
    allow = {**deny, "Effect": "Allow"}
    assert evaluate(_policy(deny), "s3:GetObject", BUCKET, {}) is Decision.DENY
    assert evaluate(_policy(allow), "s3:GetObject", BUCKET, {}) is Decision.NEUTRAL
