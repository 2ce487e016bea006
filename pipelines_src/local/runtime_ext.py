"""In the emulator process: what turns moto into a runtime for the deployed pipelines.

- SageMaker Processing/Training/Transform jobs, whoever creates them (a state machine, a notebook),
  run through the local job runner (`jobs.py`); Describe*Job reports InProgress, then Completed or
  Failed with the container's own reason.
- moto's ASL engine (ported from LocalStack) executes the state machines; it gets a SageMaker
  integration with `.sync` (poll Describe*Job until a terminal status, as AWS does) and its AWS
  calls go to this emulator over HTTPS.
- Model package approval changes emit "SageMaker Model Package State Change" events, and
  EventBridge rules deliver to Step Functions and SNS targets, so the approval rule Terraform
  deployed starts the batch pipeline.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines_src.contracts import SAGEMAKER_JOBS, JobKind
from pipelines_src.local import jobs

ENDPOINT_ENV = "MLOPS_EMULATOR_ENDPOINT"
CA_ENV = "MLOPS_EMULATOR_CA"
STATE_ENV = "MLOPS_EMULATOR_STATE"
WORKERS_ENV = "MLOPS_LOCAL_JOB_WORKERS"
LOG = logging.getLogger(__name__)

_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    with _pools_lock:
        if "jobs" not in _pools:
            # Two cores here: more concurrent jobs only make each slower.
            workers = int(os.environ.get(WORKERS_ENV, "2"))
            _pools["jobs"] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        return _pools["jobs"]


def submit(function: Callable[..., Any], *args: Any) -> None:
    """Run `function` on the local job workers (SageMaker jobs and monitoring executions)."""
    _pool().submit(function, *args)


def every(tick_env: str, default_s: float, look: Callable[[], Any], name: str) -> None:
    """A daemon thread calling `look` every `tick_env` seconds (default `default_s`): the clock of
    the emulator's schedulers, which must outlive one bad schedule."""

    def loop() -> None:
        interval = float(os.environ.get(tick_env, str(default_s)))
        while True:
            time.sleep(interval)
            try:
                look()
            except Exception as exc:
                print(f"{name}: {exc!r}", flush=True)

    threading.Thread(target=loop, name=name, daemon=True).start()


# The account a state machine task runs in (set around each task's evaluation, in its thread).
_TASK_ACCOUNT = threading.local()
ACCOUNT_HEADER = "x-moto-account-id"  # moto serves a request in this account (before the access key's)


def client(service: str, region: str = "eu-central-1", *, attempts: int = 3, account: str | None = None) -> Any:
    """A boto3 client for this emulator, from inside its own process. With `account`, every call
    is served in that account: a pipeline or job of a prod account reads and writes prod's
    resources, not those of the test credentials' default account."""
    import boto3
    from botocore.config import Config

    made = boto3.client(
        service,
        region_name=region,
        endpoint_url=os.environ[ENDPOINT_ENV],
        verify=os.environ[CA_ENV],
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": attempts}, read_timeout=300, parameter_validation=attempts > 1),
    )
    if account:
        made.meta.events.register(
            "before-sign", lambda request, **_: request.headers.__setitem__(ACCOUNT_HEADER, account)
        )
    return made


# ---------------------------------------------------------------------------------------------
# SageMaker jobs
# ---------------------------------------------------------------------------------------------
# Where moto keeps each job: backend store, status attribute, attributes for the failure reason.
MOTO_JOBS: dict[str, tuple[JobKind, str, str, tuple[str, ...]]] = {
    kind.create: (kind, store, f"{store[:-1]}_status", reasons)
    for kind, store, reasons in zip(
        SAGEMAKER_JOBS,
        ("processing_jobs", "training_jobs", "transform_jobs"),
        (("exit_message", "failure_reason"), ("failure_reason",), ("failure_reason",)),
        strict=True,
    )
}


def _now() -> datetime:
    return datetime.now(UTC)


def _execute(
    kind: str, request: dict[str, Any], job: Any, model: dict[str, Any] | None, where: tuple[str, str]
) -> None:
    job_kind, _, status_attr, reason_attrs = MOTO_JOBS[kind]
    work = Path(os.environ[STATE_ENV]) / "jobs" / request[job_kind.name_key]
    work.mkdir(parents=True, exist_ok=True)
    account, region = where
    s3 = client("s3", region, account=account)  # the job's data is in the job's account
    try:
        if kind == "create_processing_job":
            jobs.run_processing(request, s3, work)
        elif kind == "create_training_job":
            jobs.run_training(request, s3, work)
        else:
            jobs.run_transform(request, model or {}, s3, work)
        status, reason = "Completed", None
    except jobs.JobFailed as exc:
        status, reason = "Failed", str(exc)
    except Exception as exc:  # a runner defect must still end the job, not hang the pipeline
        status, reason = "Failed", f"local runner error: {exc!r}"
        (work / "runner-error.txt").write_text(traceback.format_exc())
    for attribute in reason_attrs:
        setattr(job, attribute, reason)
    job.last_modified_time = _now()
    setattr(job, status_attr, status)


def _jobs_run_locally() -> None:
    from moto.sagemaker.responses import SageMakerResponse

    def wrap(kind: str) -> Callable[[Any], Any]:
        original = getattr(SageMakerResponse, kind)
        job_kind, store, status_attr, _ = MOTO_JOBS[kind]

        def create(self: Any) -> Any:
            result = original(self)
            request = json.loads(self.body)
            backend = self.sagemaker_backend
            job = getattr(backend, store)[request[job_kind.name_key]]
            setattr(job, status_attr, "InProgress")
            model = None
            if kind == "create_transform_job":
                model = {
                    "ModelName": request["ModelName"],
                    "PrimaryContainer": backend.describe_model(request["ModelName"]).primary_container,
                }
            _pool().submit(_execute, kind, request, job, model, (self.current_account, self.region))
            return result

        return create

    for kind in MOTO_JOBS:
        setattr(SageMakerResponse, kind, wrap(kind))


# ---------------------------------------------------------------------------------------------
# Model package events and EventBridge targets
# ---------------------------------------------------------------------------------------------
MODEL_PACKAGE_EVENT = "SageMaker Model Package State Change"


def _emit_model_package_event(account: str, region: str, package: Any) -> None:
    from moto.events.models import events_backends

    detail = {
        "ModelPackageGroupName": package.model_package_group_name,
        "ModelPackageVersion": package.model_package_version,
        "ModelPackageArn": package.arn,
        "ModelApprovalStatus": package.model_approval_status,
        "CreationTime": str(package.creation_time),
    }
    event = {"Source": "aws.sagemaker", "DetailType": MODEL_PACKAGE_EVENT, "Detail": json.dumps(detail)}
    events_backends[account][region].put_events([event])


def _model_package_events() -> None:
    from moto.sagemaker.responses import SageMakerResponse

    def wrap(name: str, arn_of: Callable[[Any, Any], str]) -> Callable[[Any], Any]:
        original = getattr(SageMakerResponse, name)

        def handler(self: Any) -> Any:
            result = original(self)
            if self._get_param("ModelApprovalStatus"):
                arn = arn_of(self, result)
                backend = self.sagemaker_backend
                package = backend.model_packages[backend.model_package_name_mapping.get(arn, arn)]
                _emit_model_package_event(self.current_account, self.region, package)
            return result

        return handler

    def created_arn(self: Any, result: Any) -> str:
        return str(_result_body(result)["ModelPackageArn"])

    def updated_arn(self: Any, result: Any) -> str:
        return str(self._get_param("ModelPackageArn"))

    response_class: Any = SageMakerResponse  # patched on purpose; its methods are typed
    response_class.create_model_package = wrap("create_model_package", created_arn)
    response_class.update_model_package = wrap("update_model_package", updated_arn)


def _model_package_metadata_kept() -> None:
    """UpdateModelPackage changes only the metadata keys it is given, as on AWS: moto replaced the
    whole map (with nothing, for an approval), losing the package's link to its model card."""
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.update_model_package

    def update(self: Any, model_package_arn: str, **kwargs: Any) -> str:  # moto's responses pass keywords
        mapped = self.model_package_name_mapping.get(model_package_arn, model_package_arn)
        package = self.model_packages.get(mapped)
        kept = dict(getattr(package, "customer_metadata_properties", None) or {})
        kwargs["customer_metadata_properties"] = kept | (kwargs.get("customer_metadata_properties") or {})
        return str(original(self, model_package_arn=model_package_arn, **kwargs))

    SageMakerModelBackend.update_model_package = update  # type: ignore[method-assign,assignment]


def _result_body(result: Any) -> dict[str, Any]:
    if isinstance(result, str):
        return dict(json.loads(result))
    return dict(getattr(result, "result", None) or json.loads(result[2] if isinstance(result, tuple) else "{}"))


def _event_targets() -> None:
    """Rules deliver to Step Functions (StartExecution with the event or its transformed input),
    SNS (Publish) and CodePipeline (StartPipelineExecution, whose stages `codepipeline.py`
    runs), which moto's rules do not."""
    from moto.events.models import Rule
    from moto.events.utils import EventTemplateParser
    from moto.utilities.arns import parse_arn

    original = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        handled = [t for t in self.targets if parse_arn(t["Arn"]).service in ("states", "sns", "codepipeline")]
        for target in handled:
            transformer = target.get("InputTransformer", {})
            try:
                payload = EventTemplateParser.parse(
                    input_template=transformer.get("InputTemplate"),
                    input_paths_map=transformer.get("InputPathsMap", {}),
                    event=original_event,
                )
            except ValueError as exc:  # as EventBridge does: the target is skipped, put_events succeeds
                LOG.warning("rule %s: the event does not fit target %s's input template (%s)", self.name, target, exc)
                continue
            message = payload if isinstance(payload, str) else json.dumps(payload, default=str)
            arn = parse_arn(target["Arn"])
            if arn.service == "states":
                from moto.stepfunctions.parser.models import stepfunctions_parser_backends

                stepfunctions_parser_backends[arn.account][arn.region].start_execution(
                    target["Arn"], execution_input=message
                )
            elif arn.service == "codepipeline":
                from moto.codepipeline.models import codepipeline_backends

                codepipeline_backends[arn.account][arn.region].start_pipeline_execution(arn.resource_id, None)
            else:
                from moto.sns.models import sns_backends

                sns_backends[arn.account][arn.region].publish(message, arn=target["Arn"])
        others = [t for t in self.targets if t not in handled]
        if others:
            all_targets, self.targets = self.targets, others
            try:
                original(self, original_event, transform_input)
            finally:
                self.targets = all_targets

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------
# Step Functions: execution, SageMaker .sync, AWS calls to this emulator
# ---------------------------------------------------------------------------------------------
def _state_machines_execute() -> None:
    import moto.stepfunctions.parser.models  # noqa: F401  # loads every module that calls AWS
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_factory as factory,
    )

    from pipelines_src.local.asl_sagemaker import SageMakerTaskService

    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    original = factory.state_task_service_for

    def service_for(service_name: str) -> Any:
        return SageMakerTaskService() if service_name == "sagemaker" else original(service_name)

    factory.state_task_service_for = service_for
    state_task_factory.state_task_service_for = service_for  # type: ignore[attr-defined]  # imported by name
    from moto.stepfunctions.parser.asl.utils import boto_client

    _replace_imported("boto_client_for", boto_client.boto_client_for, _boto_client_for)
    _tasks_run_in_their_account()
    _context_times_as_text()
    _definite_paths_are_values()
    _executions_named()
    _map_iterations_pass_states_errors_on()


def _executions_named() -> None:
    """StartExecution without a name gets a unique one, as on AWS (moto names it None, so a
    second unnamed start would return the first execution)."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    backend_class: Any = StepFunctionsParserBackend
    backend_class.start_execution = start_execution


def _definite_paths_are_values() -> None:
    """A JSONPath without wildcard, slice, filter or deep scan selects one value on AWS, also
    through an index (`$.Containers[0].ModelDataUrl` is a string); moto returns a list there."""
    from moto.stepfunctions.parser.asl.utils import json_path

    original = json_path.extract_json

    def extract_json(path: str, data: Any) -> Any:
        if any(marker in path for marker in ("*", ":", "..", "?(")):
            return original(path, data)
        from jsonpath_ng.ext.parser import parse

        matches = parse(path).find(data)
        if not matches:
            return original(path, data)  # raises moto's own "could not be found" error
        return matches[0].value

    _replace_imported("extract_json", original, extract_json)


def _replace_imported(name: str, original: Any, replacement: Any) -> None:
    """Replace a function in every loaded module of moto's ASL engine that imported it by name."""
    import sys

    modules: dict[str, Any] = dict(sys.modules)
    for module_name, module in modules.items():
        if module_name.startswith("moto.stepfunctions") and getattr(module, name, None) is original:
            setattr(module, name, replacement)


def _map_iterations_pass_states_errors_on() -> None:
    """A Map iteration or Parallel branch that fails with a `States.*` error (a `.sync` job's
    `States.TaskFailed`) hands that error to the state's Retry/Catch, as on AWS. moto re-wraps it
    in `CustomErrorName`, which refuses the `States.` prefix, so the execution died with a
    ValueError and the job's reason was lost. (Fail states may name `States.*` errors too.)"""
    from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl
    from moto.stepfunctions.parser.asl.component.state.fail import state_fail

    class PropagatedErrorName(ErrorName):
        """Any error name, as the failing branch reported it."""

    for module in (iteration_worker, branches_decl, state_fail):
        patched: Any = module
        patched.CustomErrorName = PropagatedErrorName


def _context_times_as_text() -> None:
    """`$$.Execution.StartTime` is an ISO 8601 string on AWS (moto hands a datetime)."""
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker._get_evaluation_environment

    def environment(self: Any) -> Any:
        env = original(self)
        execution = env.states.context_object.context_object_data["Execution"]
        start: Any = execution.get("StartTime")
        if isinstance(start, datetime):
            execution["StartTime"] = start.isoformat()
        return env

    worker_class: Any = ExecutionWorker
    worker_class._get_evaluation_environment = environment


def _tasks_run_in_their_account() -> None:
    """moto's engine calls AWS for a task with fixed credentials, so every task acted in the
    default account; the task's account (its execution's) is kept for _boto_client_for."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    original = StateTaskService._eval_execution

    def eval_in_account(self: Any, env: Any) -> None:
        previous = getattr(_TASK_ACCOUNT, "value", None)
        _TASK_ACCOUNT.value = env.aws_execution_details.account
        try:
            original(self, env)
        finally:
            _TASK_ACCOUNT.value = previous

    StateTaskService._eval_execution = eval_in_account  # type: ignore[method-assign]


def _boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    # One attempt, no client-side validation: the ASL's Retry decides, as moto's engine expects.
    made = client(service, region, attempts=1, account=getattr(_TASK_ACCOUNT, "value", None))
    made.meta.events.register("after-call.s3.GetObject", _body_as_text)
    return made


def _body_as_text(parsed: dict[str, Any], **_: Any) -> None:
    """Step Functions' AWS SDK integration returns an object's Body as text, not a stream."""
    body: Any = parsed.get("Body")
    if hasattr(body, "read"):
        parsed["Body"] = body.read().decode("utf-8", errors="replace")


def install_all() -> None:
    _jobs_run_locally()
    _model_package_events()
    _model_package_metadata_kept()
    _event_targets()
    _state_machines_execute()
