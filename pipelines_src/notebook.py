"""What the notebooks of `examples/notebooks` share: the use case's settings and SageMaker job
requests in the shape the pipelines use (VPC, network isolation, inter-container encryption,
CMK on volumes and outputs — the permission boundary refuses anything else).

The same code runs in Studio on AWS and on the local runtime: boto3 clients come from the
environment (`AWS_ENDPOINT_URL` points them at the emulator locally), settings from `MLOPS_*`
variables or the `~/.mlops.env` file the Studio lifecycle configuration writes.
"""

from __future__ import annotations

import json
import os
import shlex
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines_src.contracts import SAGEMAKER_JOBS, TERMINAL_JOB_STATUSES
from pipelines_src.pipelines import compiler, states
from pipelines_src.pipelines.refs import Scope, state_key

SETTINGS_FILE = Path.home() / ".mlops.env"


class NotebookError(RuntimeError):
    """A setting is missing or a job failed; the message says which and what to do."""


def _file_settings(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        parts = shlex.split(line)
        if len(parts) == 2 and parts[0] == "export" and "=" in parts[1]:
            key, _, value = parts[1].partition("=")
            found[key] = value
    return found


@dataclass(frozen=True)
class Settings:
    use_case: str
    data_bucket: str
    artifacts_bucket: str
    execution_role_arn: str
    image_uri: str
    instance_type: str
    kms_key_arn: str
    model_package_group: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]

    def placeholders(self) -> dict[str, Any]:
        """The pipeline placeholders these settings give values for."""
        return {
            "artifacts_bucket": self.artifacts_bucket,
            "execution_role_arn": self.execution_role_arn,
            "image_uri": self.image_uri,
            "instance_type": self.instance_type,
            "job_prefix": self.use_case,
            "kms_key_arn": self.kms_key_arn,
            "model_package_group_name": self.model_package_group,
            "security_group_ids": list(self.security_group_ids),
            "subnet_ids": list(self.subnet_ids),
            "use_case": self.use_case,
        }

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, file: Path = SETTINGS_FILE) -> Settings:
        exported = {k: v for k, v in (environ or os.environ).items() if k.startswith("MLOPS_")}
        values = {**_file_settings(file), **exported}
        names = [f"MLOPS_{field.upper()}" for field in cls.__dataclass_fields__]
        missing = [n for n in names if not values.get(n)]
        if missing:
            raise NotebookError(
                f"settings missing: {', '.join(missing)}; in Studio the lifecycle configuration writes them to "
                f"{file}, locally export them from `terraform output notebook_environment`"
            )
        raw: dict[str, Any] = {field: values[f"MLOPS_{field.upper()}"] for field in cls.__dataclass_fields__}
        for listed in ("subnet_ids", "security_group_ids"):
            raw[listed] = tuple(raw[listed].split(","))
        return cls(**raw)

    def prefix(self, *parts: str) -> str:
        """s3:// URI under the use case's notebook area of the artifacts bucket."""
        return f"s3://{self.artifacts_bucket}/{self.use_case}/notebooks/" + "/".join(p.strip("/") for p in parts) + "/"


def job_name(kind: str) -> str:
    """Unique, at most 63 characters, recognisable in the console."""
    return f"nb-{kind}-{time.strftime('%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"[:63]


class PipelineJobs:
    """A notebook's way through a pipeline, state by state: each job gets the very request the
    deployed state machine sends (`Step.requests`: image, instance, volume, channels, inputs,
    VPC, isolation, keys, S3 layout), with the notebook's settings as placeholder values. Later
    states read what earlier ones wrote, as in the state machine. Outputs land under the one S3
    layout: `<artifacts>/<use-case>/<pipeline>/<experiment>/<run id>/<state>/`."""

    def __init__(
        self,
        settings: Settings,
        pipeline: str = "training",
        execution_input: Mapping[str, Any] | None = None,
        experiment: str = "notebook",
    ) -> None:
        self.pipeline = compiler.registry_pipeline(pipeline).prepared()
        self.run_id = job_name("run")
        self.data: dict[str, Any] = {"use_case": settings.use_case, "experiment": experiment, **(execution_input or {})}
        self.data["steps"] = {}
        self.settings = settings

    def _scope(self) -> Scope:
        context = {"Execution": {"Id": f"notebook:{self.run_id}", "Name": self.run_id}, "State": {"RetryCount": 0}}
        return Scope(self.data, context, self.settings.placeholders())

    def requests(self, state: str) -> list[dict[str, Any]]:
        """The job requests of a state (one per candidate for the training Map)."""
        step = self.pipeline[state]
        if isinstance(step, states.TrainingStep):
            return step.requests(self._scope())
        if isinstance(step, states.ProcessingStep | states.TransformStep):
            return [step.request(self._scope())]
        raise NotebookError(f"{state} is not a job state; job states: {[x.name for x in self.pipeline.job_steps()]}")

    def run(self, sagemaker: Any, state: str) -> Any:
        """Run the state's jobs, remember what they wrote, return the state's result."""
        step = self.pipeline[state]
        results = []
        for request in self.requests(state):
            description = run(sagemaker, request)
            if isinstance(step, states.TrainingStep):
                results.append(step.result(request, description["ModelArtifacts"]["S3ModelArtifacts"]))
            else:
                results.append(step.result(request))  # type: ignore[attr-defined]  # job steps have result()
        kept = results if isinstance(step, states.TrainingStep) and step.candidates is not None else results[0]
        self.data["steps"][state_key(state)] = kept
        return kept

    def record(self, state: str, result: Any) -> None:
        """Set a state's result the notebook obtained otherwise (e.g. read a decision)."""
        self.data["steps"][state_key(state)] = result


def run(sagemaker: Any, request: Mapping[str, Any], timeout: float = 3600, poll: float = 2.0) -> dict[str, Any]:
    """Create the job, wait for it, return its description; a failed job raises with its reason."""
    kind = next(k for k in SAGEMAKER_JOBS if k.name_key in request)
    name = request[kind.name_key]
    getattr(sagemaker, kind.create)(**request)
    deadline = time.monotonic() + timeout
    while True:
        description: dict[str, Any] = getattr(sagemaker, kind.describe)(**{kind.name_key: name})
        status = description[kind.status_key]
        if status in TERMINAL_JOB_STATUSES:
            break
        if time.monotonic() > deadline:
            raise NotebookError(f"{name} still {status} after {timeout:.0f} s")
        time.sleep(poll)
    if status != "Completed":
        reason = description.get(kind.reason_key) or description.get("FailureReason") or "no reason given"
        raise NotebookError(f"{name} {status}: {reason}")
    return description


def read_json(s3: Any, uri: str) -> Any:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
