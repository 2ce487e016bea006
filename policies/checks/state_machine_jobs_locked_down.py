"""CKV_MLOPS_11: every SageMaker job and model a state machine definition creates sets VpcConfig,
network isolation, inter-container encryption and volume/output KMS keys (the rules of
pipelines_src.pipelines.validate.security_problems, applied to the definition JSON).

The definition is read where it is concrete: plans whose values are known (module inventories,
post-apply plans) and literal definitions in HCL; elsewhere UNKNOWN (no row)."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories
from mlops_policies.checks._common import ProblemsCheck, first, policy_document

from pipelines_src.pipelines.validate import security_problems


class StateMachineJobsLockedDown(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="SageMaker jobs in state machine definitions run in the VPC, isolated and encrypted",
            id="CKV_MLOPS_11",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_sfn_state_machine"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str] | None:
        definition = policy_document(first(conf, "definition"))
        if definition is None or "States" not in definition:
            return None
        problems = security_problems(definition)
        return problems


check = StateMachineJobsLockedDown()
