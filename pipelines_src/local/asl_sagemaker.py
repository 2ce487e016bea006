"""The SageMaker integration of moto's ASL engine (it forwards SageMaker calls but has no
`.sync`): request-response calls (createModel) go to the emulator, and `create*Job.sync` polls
Describe*Job until the job is terminal, as Step Functions does on AWS. The output of a `.sync`
task is the Describe*Job response; a failed job fails the state with `States.TaskFailed` and
the response as its cause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

from pipelines_src.contracts import SAGEMAKER_JOBS, TERMINAL_JOB_STATUSES, JobKind
from pipelines_src.local import runtime_ext

SYNC_JOBS: Final[dict[str, JobKind]] = {kind.create: kind for kind in SAGEMAKER_JOBS}
REQUEST_RESPONSE: Final[set[str]] = {"create_model", "create_endpoint_config", "create_endpoint", "update_endpoint"}


def as_state_data(value: Any) -> Any:
    """A service response as Step Functions hands it to the state: JSON only, timestamps as epoch
    milliseconds (botocore parses them into datetimes, which an execution's output cannot hold)."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {k: as_state_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_state_data(v) for v in value]
    return value


class SageMakerTaskService(StateTaskServiceCallback):
    def __init__(self) -> None:
        # WaitForTaskToken too: the engine always sets up a callback endpoint for .sync tasks.
        patterns: set[Any] = {ResourceCondition.Sync, ResourceCondition.WaitForTaskToken}
        super().__init__(supported_integration_patterns=patterns)

    def _validate_service_integration_is_supported(self) -> None:
        action = self._get_boto_service_action()
        sync = self.resource.condition == ResourceCondition.Sync
        if action not in (SYNC_JOBS if sync else {**SYNC_JOBS, **dict.fromkeys(REQUEST_RESPONSE)}):
            raise ValueError(
                f"The resource provided {self.resource.resource_arn} not recognized by the local runtime: "
                f"it runs sagemaker:{{createProcessingJob,createTrainingJob,createTransformJob}}[.sync] and "
                f"{sorted(REQUEST_RESPONSE)}"
            )

    def _eval_service_task(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any], state_credentials: Any
    ) -> None:
        sagemaker = runtime_ext.client(
            "sagemaker", resource_runtime_part.region, attempts=1, account=resource_runtime_part.account
        )
        response = getattr(sagemaker, self._get_boto_service_action())(**normalised_parameters)
        response.pop("ResponseMetadata", None)
        env.stack.append(as_state_data(response))

    def _build_sync_resolver(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any], state_credentials: Any
    ) -> Callable[[], Any]:
        action = self._get_boto_service_action()
        if action not in SYNC_JOBS:
            raise RuntimeError(f"no .sync for sagemaker:{self.resource.api_action}")
        kind = SYNC_JOBS[action]
        env.stack.pop()  # the create response; the state's output is the final description
        sagemaker = runtime_ext.client("sagemaker", resource_runtime_part.region, account=resource_runtime_part.account)
        name = normalised_parameters[kind.name_key]

        def resolve() -> dict[str, Any] | None:
            description: dict[str, Any] = as_state_data(getattr(sagemaker, kind.describe)(**{kind.name_key: name}))
            description.pop("ResponseMetadata", None)
            status = description.get(kind.status_key)
            if status == "Completed":
                return description
            if status in TERMINAL_JOB_STATUSES:
                raise FailureEventException(self._job_failed(env, description))
            return None

        return resolve

    def _job_failed(self, env: Any, description: dict[str, Any]) -> FailureEvent:
        failed = TaskFailedEventDetails(
            resource=self._get_sfn_resource(),
            resourceType=self._get_sfn_resource_type(),
            error=StatesErrorNameType.StatesTaskFailed.to_name(),
            cause=to_json_str(description),
        )
        details: Any = {"taskFailedEventDetails": failed}  # an EventDetails with one key set
        return FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
            event_type=HistoryEventType.TaskFailed,
            event_details=details,
        )
