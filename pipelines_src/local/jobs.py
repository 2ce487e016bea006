"""The local job runner: a SageMaker Processing, Training or Transform job request (the API's own
shape) executed as a local process that honours the container contract, with inputs downloaded
from S3 and outputs uploaded to S3 as SageMaker does.

The embedded emulator calls it whenever a job is created (by a state machine or by a notebook),
so the same requests run locally and on AWS. Only the registry's own step image can run here:
its entry points are modules of this package.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines_src.steps.container import DEFAULT_BASE, Paths

TRAINING_ENTRYPOINT = ["python3", "-m", "pipelines_src.steps.training"]
TRANSFORM_ENTRYPOINT = ["python3", "-m", "pipelines_src.steps.batch_inference"]
_REASON_LIMIT = 1024


class JobFailed(RuntimeError):
    """The job's own failure reason (ExitMessage / FailureReason), as SageMaker reports it."""


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Uri:
        if not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
            raise JobFailed(f"{uri!r} is not an s3:// URI")
        bucket, _, key = uri[5:].partition("/")
        return cls(bucket, key)

    def join(self, *parts: str) -> S3Uri:
        key = "/".join(p.strip("/") for p in (self.key, *parts) if p.strip("/"))
        return S3Uri(self.bucket, key)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def download(s3: Any, uri: str, target: Path) -> int:
    """Every object under the prefix (or the single object) into `target`; returns the count."""
    source = S3Uri.parse(uri)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=source.bucket, Prefix=source.key)
    keys = [o["Key"] for page in pages for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    if not keys:
        raise JobFailed(f"no object under {uri}: check the input URI")
    target.mkdir(parents=True, exist_ok=True)
    # As SageMaker does: paths below the prefix's last "/" are kept (a single object keeps its name).
    base = source.key[: source.key.rfind("/") + 1]
    for key in keys:
        destination = target / key[len(base) :]
        destination.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(source.bucket, key, str(destination))
    return len(keys)


def upload(s3: Any, folder: Path, uri: str, kms_key: str | None) -> int:
    """Every file under `folder` to the prefix, encrypted with the job's key as SageMaker does."""
    target = S3Uri.parse(uri)
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key} if kms_key else {}
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
    for path in files:
        key = target.join(path.relative_to(folder).as_posix()).key
        s3.upload_file(str(path), target.bucket, key, ExtraArgs=extra)
    return len(files)


def _local(path: str, base: Path) -> Path:
    """A container path (/opt/ml/...) under the job's local base."""
    relative = Path(path).relative_to(DEFAULT_BASE)
    return base / relative


def _command(entrypoint: Sequence[str], arguments: Sequence[str]) -> list[str]:
    if len(entrypoint) < 3 or entrypoint[:2] != ["python3", "-m"] or not entrypoint[2].startswith("pipelines_src."):
        raise JobFailed(
            f"entry point {list(entrypoint)} cannot run locally: the local runtime runs the registry's step "
            "image only (python3 -m pipelines_src.<module>); run other images on SageMaker"
        )
    return [sys.executable, *entrypoint[1:], *arguments]


def _run(command: list[str], base: Path, environment: Mapping[str, str], log: Path) -> None:
    env = {**os.environ, **environment, "SM_BASE_DIR": str(base), "PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        result = subprocess.run(
            [*command, "--base-dir", str(base)], env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        written = [base / "output" / name for name in ("message", "failure")]
        reason = next((p.read_text() for p in written if p.exists()), "")
        tail = log.read_text()[-_REASON_LIMIT:].strip()
        raise JobFailed((reason or f"exit code {result.returncode}: {tail}")[:_REASON_LIMIT])


def run_processing(request: Mapping[str, Any], s3: Any, work: Path) -> None:
    """CreateProcessingJob: inputs to their LocalPath, the entry point, outputs to S3."""
    base = work / "opt-ml"
    for item in request.get("ProcessingInputs", []):
        source = item["S3Input"]
        download(s3, source["S3Uri"], _local(source["LocalPath"], base))
    app = request["AppSpecification"]
    command = _command(app.get("ContainerEntrypoint", []), app.get("ContainerArguments", []))
    _run(command, base, request.get("Environment") or {}, work / "job.log")
    output_config = request.get("ProcessingOutputConfig") or {}
    for item in output_config.get("Outputs", []):
        target = item["S3Output"]
        upload(s3, _local(target["LocalPath"], base), target["S3Uri"], output_config.get("KmsKeyId"))


def _hyperparameters_file(paths: Paths, hyperparameters: Mapping[str, str]) -> None:
    paths.hyperparameters.parent.mkdir(parents=True, exist_ok=True)
    paths.hyperparameters.write_text(json.dumps(dict(hyperparameters)))


def _model_archive(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            archive.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)
    return buffer.getvalue()


def model_artifacts_uri(request: Mapping[str, Any]) -> str:
    output = S3Uri.parse(request["OutputDataConfig"]["S3OutputPath"])
    return str(output.join(request["TrainingJobName"], "output", "model.tar.gz"))


def run_training(request: Mapping[str, Any], s3: Any, work: Path) -> str:
    """CreateTrainingJob: channels and hyperparameters in, model.tar.gz out; returns its URI."""
    paths = Paths(work / "opt-ml")
    for channel in request.get("InputDataConfig", []):
        download(s3, channel["DataSource"]["S3DataSource"]["S3Uri"], paths.channel(channel["ChannelName"]))
    _hyperparameters_file(paths, request.get("HyperParameters") or {})
    spec = request["AlgorithmSpecification"]
    command = _command(spec.get("ContainerEntrypoint") or TRAINING_ENTRYPOINT, spec.get("ContainerArguments", []))
    _run(command, paths.base, request.get("Environment") or {}, work / "job.log")
    if not paths.model.is_dir() or not any(paths.model.iterdir()):
        raise JobFailed("the training container wrote nothing to /opt/ml/model")
    artifacts = S3Uri.parse(model_artifacts_uri(request))
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": request["OutputDataConfig"]["KmsKeyId"]}
    extra = extra if extra["SSEKMSKeyId"] else {}
    s3.put_object(Bucket=artifacts.bucket, Key=artifacts.key, Body=_model_archive(paths.model), **extra)
    return str(artifacts)


def transform_arguments(request: Mapping[str, Any]) -> list[str]:
    """The Batch Transform settings of the request as batch-inference step arguments."""
    data_input = request["TransformInput"]
    processing = request.get("DataProcessing") or {}
    if data_input.get("SplitType", "None") != "Line":
        raise JobFailed("the local runtime splits by line only: set TransformInput.SplitType = Line")
    if request.get("TransformOutput", {}).get("AssembleWith", "Line") != "Line":
        raise JobFailed("the local runtime assembles by line only: set TransformOutput.AssembleWith = Line")
    content_type = data_input.get("ContentType", "text/csv")
    return [
        "--content-type",
        "application/jsonlines" if "json" in content_type else "text/csv",
        "--batch-strategy",
        request.get("BatchStrategy") or "MultiRecord",
        "--max-payload-mb",
        str(request.get("MaxPayloadInMB") or 6),
        "--input-filter",
        processing.get("InputFilter", "$"),
        "--output-filter",
        processing.get("OutputFilter", "$"),
        "--join-source",
        processing.get("JoinSource", "None"),
    ]


def run_transform(request: Mapping[str, Any], model: Mapping[str, Any], s3: Any, work: Path) -> None:
    """CreateTransformJob with the model it names: objects in, `<object>.out` files out."""
    paths = Paths(work / "opt-ml")
    container = model.get("PrimaryContainer") or {}
    if not container.get("ModelDataUrl"):
        raise JobFailed(f"model {model.get('ModelName')} has no ModelDataUrl")
    download(s3, container["ModelDataUrl"], paths.processing_input("model"))
    download(s3, request["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"], paths.processing_input("data"))
    _run(_command(TRANSFORM_ENTRYPOINT, transform_arguments(request)), paths.base, {}, work / "job.log")
    output = request["TransformOutput"]
    upload(s3, paths.processing_output("predictions"), output["S3OutputPath"], output.get("KmsKeyId"))
