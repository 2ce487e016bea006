"""CKV_MLOPS_6: identity policies allow named actions only: no `*` and no service wildcards such
as `sagemaker:*`, `s3:*`, `kms:*`, `iam:*`. Deny statements may use wildcards (they narrow).

Reads inline and managed IAM policies (JSON on plans and literal policies) and
`aws_iam_policy_document` data sources (HCL). Action patterns such as `s3:Get*` are allowed.
"""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from mlops_policies.checks._common import ProblemsCheck, as_list, first, policy_document, statements, unwrap

WILDCARD = re.compile(r"^(\*|[a-z0-9-]+:\*)$", re.IGNORECASE)
POLICY_ATTRIBUTE = {
    "aws_iam_group_policy": "policy",
    "aws_iam_policy": "policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
}


def wildcard_actions(document: dict[str, Any]) -> list[str]:
    found = []
    for statement in statements(document):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        found += [a for a in as_list(statement.get("Action")) if isinstance(a, str) and WILDCARD.match(a)]
        if "NotAction" in statement:
            found.append("NotAction (allows everything else)")
    return found


class NoServiceWildcards(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="IAM policies allow named actions only (no *, no service:* wildcards)",
            id="CKV_MLOPS_6",
            categories=[CheckCategories.IAM],
            supported_resources=[*POLICY_ATTRIBUTE, "aws_iam_role"],
        )

    def _documents(self, conf: dict[str, Any]) -> list[Any]:
        if self.entity_type == "aws_iam_role":
            return [first(p, "policy") for p in (conf.get("inline_policy") or []) if isinstance(p, dict)]
        return [first(conf, POLICY_ATTRIBUTE[self.entity_type])]

    def problems(self, conf: dict[str, Any]) -> list[str] | None:
        documents = [policy_document(raw) for raw in self._documents(conf)]
        if self.entity_type != "aws_iam_role" and documents == [None]:
            return None  # a reference in HCL: the data check or the plan scan reads it
        found = [a for d in documents if d for a in wildcard_actions(d)]
        return found


class NoServiceWildcardsInDocuments(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name="IAM policy documents allow named actions only (no *, no service:* wildcards)",
            id="CKV_MLOPS_6",
            categories=[CheckCategories.IAM],
            supported_data=["aws_iam_policy_document"],
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        found = []
        for statement in conf.get("statement") or []:
            if not isinstance(statement, dict) or unwrap(statement.get("effect")) == "Deny":
                continue
            actions = unwrap(statement.get("actions")) or []
            found += [a for a in as_list(actions) if isinstance(a, str) and WILDCARD.match(a)]
            if unwrap(statement.get("not_actions")):
                found.append("not_actions (allows everything else)")
        self.details.extend(found)
        return CheckResult.FAILED if found else CheckResult.PASSED


check = NoServiceWildcards()
data_check = NoServiceWildcardsInDocuments()
