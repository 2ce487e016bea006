"""Operational guard rails.

CKV_MLOPS_17: CloudWatch alarms have actions enabled and at least one alarm action.
CKV_MLOPS_18: SNS topics and custom EventBridge buses are encrypted with a customer managed key
              (a key ARN or a customer alias, never alias/aws/*).
CKV_MLOPS_19: CodeBuild projects run in a VPC and keep secrets out of plaintext environment
              variables (use PARAMETER_STORE or SECRETS_MANAGER).
"""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories
from mlops_policies.checks._common import ProblemsCheck, first

SECRET_NAME = re.compile(r"(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.IGNORECASE)
KEY_ATTRIBUTE = {"aws_sns_topic": "kms_master_key_id", "aws_cloudwatch_event_bus": "kms_key_identifier"}


def _flatten(value: Any) -> list[Any]:
    """Values of an attribute however checkov nests them (plans give [None] for an unset list)."""
    if isinstance(value, list):
        return [item for inner in value for item in _flatten(inner)]
    return [value]


class AlarmsHaveActions(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="CloudWatch alarms act: actions enabled and at least one alarm action",
            id="CKV_MLOPS_17",
            categories=[CheckCategories.LOGGING],
            supported_resources=["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        found = [] if first(conf, "actions_enabled") in (None, True) else ["actions_enabled is false"]
        if not [a for a in _flatten(conf.get("alarm_actions")) if a]:
            found.append("no alarm_actions")
        return found


class TopicsAndBusesUseCmk(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="SNS topics and custom EventBridge buses are encrypted with a customer managed key",
            id="CKV_MLOPS_18",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=list(KEY_ATTRIBUTE),
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        if self.entity_type == "aws_cloudwatch_event_bus" and first(conf, "event_source_name"):
            return []  # partner event buses are encrypted by the partner integration
        key = first(conf, KEY_ATTRIBUTE[self.entity_type])
        if not key:
            return [f"{KEY_ATTRIBUTE[self.entity_type]} is not set"]
        return ["AWS-managed key"] if "alias/aws/" in str(key) else []


class CodeBuildInVpcWithoutPlaintextSecrets(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="CodeBuild projects run in a VPC and keep secrets out of plaintext variables",
            id="CKV_MLOPS_19",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_codebuild_project"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        vpc = first(conf, "vpc_config")
        found = [] if isinstance(vpc, dict) and first(vpc, "subnets") else ["no vpc_config"]
        environment = first(conf, "environment") or {}
        for variable in environment.get("environment_variable") or [] if isinstance(environment, dict) else []:
            name, kind = str(first(variable, "name") or ""), first(variable, "type") or "PLAINTEXT"
            if kind == "PLAINTEXT" and SECRET_NAME.search(name):
                found.append(f"{name} looks like a secret in PLAINTEXT: use PARAMETER_STORE or SECRETS_MANAGER")
        return found


check_alarms = AlarmsHaveActions()
check_cmk = TopicsAndBusesUseCmk()
check_codebuild = CodeBuildInVpcWithoutPlaintextSecrets()
