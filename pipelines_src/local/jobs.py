"""The local job runner: a SageMaker Processing, Training or Transform job request (the API's own
shape) executed as a local process that honours the container contract, with inputs downloaded
from S3 and outputs uploaded to S3 as SageMaker does.

The embedded emulator calls it whenever a job is created (by a state machine or by a notebook),
so the same requests run locally and on AWS. Which code runs is the image's (`images.py`): one
built with `mlops image build`, the registry's step image, or a framework image in script mode.
A job process gets the container's environment only: the image's ENV, the job's Environment and
the SM_* contract, never the emulator's settings.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines_src.local import images
from pipelines_src.local.images import LocalImage
from pipelines_src.steps.container import DEFAULT_BASE, Paths

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


def _command(entrypoint: Sequence[str], arguments: Sequence[str], image: LocalImage | None = None) -> list[str]:
    """The job's entry point run with this machine's Python: `python3 -m <module>` (the step
    image's contract) or `python3 <script>` (a path inside the image)."""
    if len(entrypoint) >= 2 and entrypoint[0] in ("python3", "python"):
        if entrypoint[1] == "-m" and len(entrypoint) >= 3:
            return [sys.executable, *entrypoint[1:], *arguments]
        if image is not None and image.root and entrypoint[1].startswith("/"):
            return [sys.executable, str(Path(image.root) / entrypoint[1].lstrip("/")), *entrypoint[2:], *arguments]
    raise JobFailed(
        f"entry point {list(entrypoint)} cannot run locally: the local runtime runs `python3 -m <module>` or "
        "`python3 <script in an image built with mlops image build>`, and SageMaker's XGBoost and scikit-learn "
        "images in script mode; run other images on SageMaker"
    )


# What a job process sees of this machine: nothing of the emulator's or the caller's AWS settings
# (the job is network-isolated), only what a container has, the image's ENV and the job's Environment.
_MACHINE = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


def job_environment(image: LocalImage, requested: Mapping[str, str], contract: Mapping[str, str]) -> dict[str, str]:
    machine = {k: os.environ[k] for k in _MACHINE if k in os.environ}
    return {**machine, **image.env(), **requested, **contract, "PYTHONUNBUFFERED": "1"}


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def die_with_the_runner() -> None:
    """In the job process before exec: a SIGKILL when the thread that started it dies, so a killed
    or crashed emulator leaves no orphan job behind (a job never outlives its runner on SageMaker
    either). It makes one C call and nothing else: the child of a threaded process must not take locks."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _run(command: list[str], base: Path, environment: Mapping[str, str], log: Path, failure: str = "message") -> None:
    with log.open("w") as out:
        result = subprocess.run(
            command,
            env=dict(environment),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
            preexec_fn=die_with_the_runner,
        )
    if result.returncode != 0:
        written = [base / "output" / name for name in (failure, "message", "failure")]
        reason = next((p.read_text() for p in written if p.exists()), "")
        tail = log.read_text()[-_REASON_LIMIT:].strip()
        raise JobFailed((reason or f"exit code {result.returncode}: {tail}")[:_REASON_LIMIT])


def _image(uri: str, given: LocalImage | None) -> LocalImage:
    return given if given is not None else images.resolve(uri, images.ImageStore.from_environment())


def run_processing(request: Mapping[str, Any], s3: Any, work: Path, image: LocalImage | None = None) -> None:
    """CreateProcessingJob: inputs to their LocalPath, the entry point, outputs to S3."""
    base = work / "opt-ml"
    for item in request.get("ProcessingInputs", []):
        source = item["S3Input"]
        download(s3, source["S3Uri"], _local(source["LocalPath"], base))
    for item in (request.get("ProcessingOutputConfig") or {}).get("Outputs", []):
        _local(item["S3Output"]["LocalPath"], base).mkdir(parents=True, exist_ok=True)  # as SageMaker does
    app = request["AppSpecification"]
    chosen = _image(app["ImageUri"], image)
    command = _command(app.get("ContainerEntrypoint", []), app.get("ContainerArguments", []), chosen)
    environment = job_environment(chosen, request.get("Environment") or {}, {"SM_BASE_DIR": str(base)})
    _run(command, base, environment, work / "job.log")
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


def _script_mode(request: Mapping[str, Any], paths: Paths, s3: Any, work: Path) -> tuple[list[str], dict[str, str]]:
    """SageMaker's script mode (the training toolkit's contract): the `sagemaker_submit_directory`
    tarball unpacked to /opt/ml/code, `sagemaker_program` run with the other hyperparameters as
    `--name value` arguments and the SM_* environment."""
    hyperparameters = {k: _decoded(v) for k, v in (request.get("HyperParameters") or {}).items()}
    program, source = hyperparameters.get("sagemaker_program"), hyperparameters.get("sagemaker_submit_directory")
    if not program or not source:
        raise JobFailed(
            "a framework image needs script mode here: set the hyperparameters sagemaker_program (the script) and "
            "sagemaker_submit_directory (an s3:// sourcedir.tar.gz)"
        )
    code = paths.base / "code"
    download(s3, str(source), work / "source")
    for archive in (work / "source").rglob("*.tar.gz"):
        with tarfile.open(archive) as tar:
            tar.extractall(code, filter="data")
    if not (code / str(program)).is_file():
        raise JobFailed(f"sagemaker_program {program!r} is not in {source}: put the script at the tarball's root")
    user = {k: v for k, v in hyperparameters.items() if not k.startswith("sagemaker_")}
    channels = [c["ChannelName"] for c in request.get("InputDataConfig", [])]
    arguments = [item for name, value in user.items() for item in (f"--{name}", _text(value))]
    environment = {
        "SM_MODEL_DIR": str(paths.model),
        "SM_CHANNELS": json.dumps(channels),
        **{f"SM_CHANNEL_{c.upper()}": str(paths.channel(c)) for c in channels},
        "SM_HPS": json.dumps(user),
        **{f"SM_HP_{k.upper()}": _text(v) for k, v in user.items()},
        "SM_OUTPUT_DATA_DIR": str(paths.output / "data"),
        "SM_OUTPUT_DIR": str(paths.output),
        "SM_INPUT_DIR": str(paths.base / "input"),
        "SM_INPUT_CONFIG_DIR": str(paths.base / "input" / "config"),
        "SM_MODULE_DIR": str(source),
        "SM_USER_ARGS": json.dumps(arguments),
        "SM_CURRENT_HOST": "algo-1",
        "SM_HOSTS": json.dumps(["algo-1"]),
        "SM_NUM_CPUS": str(os.cpu_count() or 1),
        "SM_NUM_GPUS": "0",
        "PYTHONPATH": str(code),
    }
    return [sys.executable, str(code / str(program)), *arguments], environment


def _decoded(value: Any) -> Any:
    """SageMaker SDKs JSON-encode hyperparameters (`"\\"train.py\\""`); plain strings pass."""
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def run_training(request: Mapping[str, Any], s3: Any, work: Path, image: LocalImage | None = None) -> str:
    """CreateTrainingJob: channels and hyperparameters in, model.tar.gz out; returns its URI."""
    paths = Paths(work / "opt-ml")
    for channel in request.get("InputDataConfig", []):
        download(s3, channel["DataSource"]["S3DataSource"]["S3Uri"], paths.channel(channel["ChannelName"]))
    _hyperparameters_file(paths, request.get("HyperParameters") or {})
    for folder in (paths.model, paths.output / "data"):  # SageMaker creates them before the container starts
        folder.mkdir(parents=True, exist_ok=True)
    spec = request["AlgorithmSpecification"]
    chosen = _image(spec.get("TrainingImage", ""), image)
    contract = {"SM_BASE_DIR": str(paths.base)}
    if chosen.framework and not spec.get("ContainerEntrypoint"):
        command, script_env = _script_mode(request, paths, s3, work)
        contract |= script_env
    else:
        command = _command(spec.get("ContainerEntrypoint") or [], spec.get("ContainerArguments", []), chosen)
    _run(
        command,
        paths.base,
        job_environment(chosen, request.get("Environment") or {}, contract),
        work / "job.log",
        "failure",
    )
    if not paths.model.is_dir() or not any(paths.model.iterdir()):
        raise JobFailed("the training container wrote nothing to /opt/ml/model")
    artifacts = S3Uri.parse(model_artifacts_uri(request))
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": request["OutputDataConfig"].get("KmsKeyId")}
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


def run_transform(
    request: Mapping[str, Any], model: Mapping[str, Any], s3: Any, work: Path, image: LocalImage | None = None
) -> None:
    """CreateTransformJob with the model it names: objects in, `<object>.out` files out."""
    paths = Paths(work / "opt-ml")
    container = model.get("PrimaryContainer") or {}
    if not container.get("ModelDataUrl"):
        raise JobFailed(f"model {model.get('ModelName')} has no ModelDataUrl")
    download(s3, container["ModelDataUrl"], paths.processing_input("model"))
    download(s3, request["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"], paths.processing_input("data"))
    chosen = _image(container.get("Image", ""), image)
    environment = job_environment(chosen, request.get("Environment") or {}, {"SM_BASE_DIR": str(paths.base)})
    _run(
        _command(TRANSFORM_ENTRYPOINT, transform_arguments(request), chosen), paths.base, environment, work / "job.log"
    )
    output = request["TransformOutput"]
    upload(s3, paths.processing_output("predictions"), output["S3OutputPath"], output.get("KmsKeyId"))
