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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines_src.contracts import SAGEMAKER_JOBS, TERMINAL_JOB_STATUSES

SETTINGS_FILE = Path.home() / ".mlops.env"
PROCESSING_ROOT = "/opt/ml/processing"


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
    kms_key_arn: str
    model_package_group: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]

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


def _network(settings: Settings) -> dict[str, Any]:
    return {"VpcConfig": {"Subnets": list(settings.subnet_ids), "SecurityGroupIds": list(settings.security_group_ids)}}


def processing_job(
    settings: Settings,
    module: str,
    inputs: Mapping[str, str],
    output: tuple[str, str],
    arguments: Sequence[str] = (),
) -> dict[str, Any]:
    """A CreateProcessingJob request running `pipelines_src.steps.<module>`."""
    output_name, output_uri = output
    return {
        "ProcessingJobName": job_name(module.replace("_", "")[:10]),
        "RoleArn": settings.execution_role_arn,
        "AppSpecification": {
            "ImageUri": settings.image_uri,
            "ContainerEntrypoint": ["python3", "-m", f"pipelines_src.steps.{module}"],
            # The API rejects an empty list: the key is left out when there are no arguments.
            **({"ContainerArguments": list(arguments)} if arguments else {}),
        },
        "ProcessingInputs": [
            {
                "InputName": name,
                "S3Input": {
                    "S3Uri": uri,
                    "LocalPath": f"{PROCESSING_ROOT}/input/{name}",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            }
            for name, uri in inputs.items()
        ],
        "ProcessingOutputConfig": {
            "KmsKeyId": settings.kms_key_arn,
            "Outputs": [
                {
                    "OutputName": output_name,
                    "S3Output": {
                        "S3Uri": output_uri,
                        "LocalPath": f"{PROCESSING_ROOT}/output/{output_name}",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ],
        },
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 30,
                "VolumeKmsKeyId": settings.kms_key_arn,
            }
        },
        "NetworkConfig": {
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
            **_network(settings),
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


def training_job(
    settings: Settings, hyperparameters: Mapping[str, Any], features_uri: str, output_uri: str
) -> dict[str, Any]:
    """A CreateTrainingJob request on the feature-engineering output (train/validation/transformer)."""
    return {
        "TrainingJobName": job_name("train"),
        "RoleArn": settings.execution_role_arn,
        "AlgorithmSpecification": {
            "TrainingImage": settings.image_uri,
            "TrainingInputMode": "File",
            "ContainerEntrypoint": ["python3", "-m", "pipelines_src.steps.training"],
        },
        "HyperParameters": {k: json.dumps(v) for k, v in hyperparameters.items()},
        "InputDataConfig": [
            {
                "ChannelName": channel,
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"{features_uri}{channel}/"}},
            }
            for channel in ("train", "validation", "transformer")
        ],
        "OutputDataConfig": {"S3OutputPath": output_uri, "KmsKeyId": settings.kms_key_arn},
        "ResourceConfig": {
            "InstanceCount": 1,
            "InstanceType": "ml.m5.large",
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": settings.kms_key_arn,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        **_network(settings),
    }


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
