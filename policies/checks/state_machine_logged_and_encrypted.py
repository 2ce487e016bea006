"""CKV_MLOPS_9: Step Functions state machines log at level ALL with execution data, encrypt with
a customer managed key, and trace with X-Ray."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories
from mlops_policies.checks._common import ProblemsCheck, first


class StateMachineLoggedAndEncrypted(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="State machines log ALL with execution data, use a CMK and X-Ray",
            id="CKV_MLOPS_9",
            categories=[CheckCategories.LOGGING],
            supported_resources=["aws_sfn_state_machine"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str] | None:
        logging = first(conf, "logging_configuration") or {}
        encryption = first(conf, "encryption_configuration") or {}
        tracing = first(conf, "tracing_configuration") or {}
        problems = []
        if first(logging, "level") != "ALL" or first(logging, "include_execution_data") is not True:
            problems.append("logging_configuration must set level ALL and include_execution_data")
        if first(encryption, "type") != "CUSTOMER_MANAGED_KMS_KEY" or not first(encryption, "kms_key_id"):
            problems.append("encryption_configuration must use CUSTOMER_MANAGED_KMS_KEY with a key")
        if first(tracing, "enabled") is not True:
            problems.append("tracing_configuration must be enabled")
        return problems


check = StateMachineLoggedAndEncrypted()
