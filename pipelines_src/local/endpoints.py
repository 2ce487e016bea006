"""In the emulator process: SageMaker endpoints that really predict.

Creating (or updating) an endpoint deploys each production variant of its configuration as a
local process of the registry's serving container code (`pipelines_src.serving.app`) on a
loopback port, with the model artefact from S3 unpacked as SageMaker does into the model folder;
the endpoint is Creating/Updating until every variant answers /ping, then InService, or Failed
with the reason. An update moves traffic only then, step by step as its deployment guardrails
say (pipelines_src/local/rollouts.py: canary or linear shares, waits, rollback alarms evaluated
on the metrics published here), and stops the old processes at the end; a failed or alarmed
update rolls back as SageMaker's does: the previous configuration serves again, InService, and
FailureReason says why. InvokeEndpoint (sagemaker-runtime) is answered here, outside moto:
the request goes to a production variant chosen by weight (or the one in
X-Amzn-SageMaker-Target-Variant); a model error is AWS's ModelError with the container's status
and message. Shadow variants (ShadowProductionVariants) run beside them and get a copy of their
share of the requests (shadow weight over production weight), answered off the caller's thread;
their answers are captured under their own name and measured, never returned. Requests and
responses are captured as SageMaker captures them when the configuration asks (sampling
percentage, Input/Output modes, BASE64 unless the content type is listed in
CaptureContentTypeHeader), buffered and written as JSON Lines under
`<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/` with the capture KMS key.

Locally every image is served by the registry's serving code (it reads the XGBoost and
scikit-learn artefacts the training step writes, as SageMaker's framework images would).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import random
import re
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines_src.local import alarms, jobs, rollouts, runtime_ext
from pipelines_src.local.images import LocalImage
from pipelines_src.local.jobs import S3Uri
from pipelines_src.local.service import HOST, free_port

INVOCATION = re.compile(r"^/endpoints/([^/]+)/invocations$")
CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([a-z0-9-]+)/")
PING_TIMEOUT_S = 60.0
FLUSH_EVERY_S = 1.0


class DeployFailed(RuntimeError):
    """Why an endpoint could not be deployed: its FailureReason."""


@dataclass
class Variant:
    name: str
    weight: float
    port: int
    process: subprocess.Popen[bytes]


@dataclass
class Capture:
    """Captured requests of one endpoint, buffered by variant and hour until the next flush."""

    destination: S3Uri
    endpoint: str
    region: str
    sampling: float
    modes: frozenset[str]
    kms_key: str | None
    plain_types: dict[str, str]  # content type -> "JSON" | "CSV"
    buffered: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, config: dict[str, Any] | None, endpoint: str, region: str) -> Capture | None:
        if not config or not config.get("EnableCapture", True) or not config.get("DestinationS3Uri"):
            return None
        header = config.get("CaptureContentTypeHeader") or {}
        plain = {t: "CSV" for t in header.get("CsvContentTypes", [])} | {
            t: "JSON" for t in header.get("JsonContentTypes", [])
        }
        modes = frozenset(o["CaptureMode"] for o in config.get("CaptureOptions", [])) or frozenset({"Input", "Output"})
        sampling = float(config.get("InitialSamplingPercentage", 100))
        uri = S3Uri.parse(config["DestinationS3Uri"])
        return cls(uri, endpoint, region, sampling, modes, config.get("KmsKeyId"), plain)

    def _data(self, body: bytes, content_type: str, mode: str) -> dict[str, str]:
        import base64

        encoding = self.plain_types.get(content_type.split(";", maxsplit=1)[0].strip(), "BASE64")
        data = base64.b64encode(body).decode() if encoding == "BASE64" else body.decode()
        return {"observedContentType": content_type, "mode": mode, "data": data, "encoding": encoding}

    def record(self, variant: str, request: tuple[bytes, str], response: tuple[bytes, str]) -> None:
        if random.uniform(0, 100) >= self.sampling:
            return
        data: dict[str, Any] = {}
        if "Input" in self.modes:
            data["endpointInput"] = self._data(*request, "INPUT")
        if "Output" in self.modes:
            data["endpointOutput"] = self._data(*response, "OUTPUT")
        now = datetime.now(UTC)
        event = {"eventId": str(uuid.uuid4()), "inferenceTime": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
        line = json.dumps({"captureData": data, "eventMetadata": event, "eventVersion": "0"})
        with self.lock:
            self.buffered.setdefault((variant, now.strftime("%Y/%m/%d/%H")), []).append(line)

    def flush(self) -> None:
        with self.lock:
            pending, self.buffered = self.buffered, {}
        if not pending:
            return
        s3 = runtime_ext.client("s3", self.region)
        encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key} if self.kms_key else {}
        for (variant, hour), lines in pending.items():
            name = f"{datetime.now(UTC):%M-%S-%f}-{uuid.uuid4().hex[:8]}.jsonl"
            key = self.destination.join(self.endpoint, variant, hour, name).key
            s3.put_object(Bucket=self.destination.bucket, Key=key, Body="\n".join(lines).encode(), **encryption)


@dataclass
class Deployed:
    """The fleet serving an endpoint: its production variants, which answer, and its shadow
    variants, which get a copy of a share of the requests; while an update shifts traffic, `new`
    is the other fleet and `new_share` the fraction of requests it gets."""

    variants: list[Variant]
    capture: Capture | None
    shadows: list[Variant] = field(default_factory=list)
    new: Deployed | None = None
    new_share: float = 0.0

    def fleet(self) -> Deployed:
        new = self.new
        return new if new is not None and random.random() < self.new_share else self

    def stop(self) -> None:
        if self.new is not None:
            self.new.stop()
        for variant in self.variants + self.shadows:
            variant.process.terminate()
        if self.capture is not None:
            self.capture.flush()


Key = tuple[str, str, str]  # (account, region, endpoint)
_DEPLOYED: dict[Key, Deployed] = {}
_METRICS: dict[Key, alarms.EndpointMetrics] = {}
_LAUNCHES: queue.Queue[Callable[[], None]] = queue.Queue()
# Shadow copies are answered off the caller's thread, as SageMaker answers them after the
# production variant, so a slow challenger never slows the caller.
_SHADOW_COPIES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="shadow-copy")


def model_data_url(backend: Any, model_name: str) -> str:
    container = backend.describe_model(model_name).primary_container or {}
    if container.get("ModelPackageName"):
        package = backend.describe_model_package(container["ModelPackageName"])
        container = package.inference_specification["Containers"][0]
    url = container.get("ModelDataUrl")
    if not url:
        raise DeployFailed(f"model {model_name} has no ModelDataUrl: the local runtime serves model artefacts")
    return str(url)


def unpack_model(region: str, url: str, folder: Path) -> Path:
    source, archive, model_dir = S3Uri.parse(url), folder / "model.tar.gz", folder / "model"
    s3 = runtime_ext.client("s3", region)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        s3.download_file(source.bucket, source.key, str(archive))
    except Exception as exc:  # botocore's ClientError for a missing object, as SageMaker reports it
        raise DeployFailed(f"Failed to download model data from {url}: {exc}") from exc
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(model_dir, filter="data")
    except tarfile.TarError as exc:
        raise DeployFailed(f"model data {url} is not a tar.gz archive: {exc}") from exc
    return model_dir


def _answers_ping(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/ping", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _start_variant(backend: Any, region: str, variant: dict[str, Any], folder: Path) -> Variant:
    model_dir = unpack_model(region, model_data_url(backend, variant["ModelName"]), folder)
    port, log = free_port(), (folder / "serving.log").open("wb")
    command = [sys.executable, "-m", "pipelines_src.serving.app", "serve", "--model-dir", str(model_dir)]
    process = subprocess.Popen(
        [*command, "--host", HOST, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=jobs.job_environment(LocalImage("serving"), {}, {}),
        # one C call before exec (no locks), and the launcher thread lives as long as the emulator
        preexec_fn=jobs.die_with_the_runner,  # noqa: PLW1509
    )
    deadline = time.monotonic() + PING_TIMEOUT_S
    while not _answers_ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            tail = (folder / "serving.log").read_text(errors="replace")[-600:].strip()
            raise DeployFailed(f"variant {variant['VariantName']} did not answer /ping: {tail or 'no output'}")
        time.sleep(0.2)
    weight = float(variant.get("InitialVariantWeight", 1.0))
    return Variant(variant["VariantName"], weight, port, process)


def _start_variants(backend: Any, region: str, variants: list[dict[str, Any]], folder: Path) -> list[Variant]:
    """Every variant answering /ping, or none running and DeployFailed naming the one that did not."""
    started: list[Variant] = []
    try:
        for wanted in variants:
            started.append(_start_variant(backend, region, wanted, folder / wanted["VariantName"]))
    except DeployFailed:
        for running in started:
            running.process.kill()
        raise
    return started


def _roll_back(endpoint: Any, previous: str, reason: str) -> None:
    """A failed update, as SageMaker ends it: the previous configuration serves again, InService,
    and FailureReason says why (the apply that asked for the new one is not told)."""
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[endpoint.arn.split(":")[4]][endpoint.arn.split(":")[3]]
    endpoint.production_variants = backend.describe_endpoint_config(previous)["ProductionVariants"]
    endpoint.endpoint_config_name = previous
    endpoint.endpoint_status = "InService"
    setattr(endpoint, "failure_reason", f"update rolled back: {reason}"[:1024])  # noqa: B010  (moto types it None)


def deploy(account: str, region: str, name: str, previous: str | None = None) -> None:
    """Serve the endpoint's current configuration; the old processes stop once it serves. An
    update (`previous` names the configuration it replaces) that fails rolls back to it."""
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[account][region]
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        return  # deleted before its turn
    config = backend.describe_endpoint_config(endpoint.endpoint_config_name)
    folder = Path(os.environ[runtime_ext.STATE_ENV]) / "endpoints" / account / name / uuid.uuid4().hex[:8]
    variants: list[Variant] = []
    try:
        variants = _start_variants(backend, region, config["ProductionVariants"], folder)
        shadows = _start_variants(backend, region, config.get("ShadowProductionVariants") or [], folder)
    except DeployFailed as exc:
        for variant in variants:  # the production variants, when a shadow failed
            variant.process.kill()
        if previous is not None and (account, region, name) in _DEPLOYED:
            _roll_back(endpoint, previous, str(exc))
            return
        endpoint.endpoint_status = "Failed"
        setattr(endpoint, "failure_reason", str(exc)[:1024])  # noqa: B010  (moto types it None)
        return
    capture = Capture.of(config.get("DataCaptureConfig"), name, region)
    key, new = (account, region, name), Deployed(variants, capture, shadows)
    _METRICS.setdefault(key, alarms.EndpointMetrics(account, region, name))
    old = _DEPLOYED.get(key)
    policy = rollouts.Policy.of(getattr(endpoint, "last_deployment_config", None))
    if old is not None and previous is not None and policy is not None:
        old.new = new  # the shift runs on its own thread: the launcher stays free for other endpoints
        threading.Thread(target=_shift, args=(key, endpoint, old, previous, policy), daemon=True).start()
        return
    _serve(key, endpoint, new, old)


def _serve(key: Key, endpoint: Any, new: Deployed, old: Deployed | None) -> None:
    _DEPLOYED[key] = new
    if old is not None:
        old.new = None
        old.stop()
    endpoint.endpoint_status, endpoint.failure_reason = "InService", None


def _shift(key: Key, endpoint: Any, old: Deployed, previous: str, policy: rollouts.Policy) -> None:
    """An update's traffic moved to the new fleet as its policy says, or rolled back."""
    new = old.new
    assert new is not None

    def shift(share: float) -> None:
        old.new_share = share

    account, region, _ = key
    since = alarms.brought_up_to_date(account, region, policy.alarms)
    reason = policy.run(
        shift, lambda: alarms.firing(account, region, policy.alarms, since), lambda: _DEPLOYED.get(key) is not old
    )
    if reason is None:
        _serve(key, endpoint, new, old)
        return
    old.new, old.new_share = None, 0.0
    new.stop()
    if _DEPLOYED.get(key) is old:
        _roll_back(endpoint, previous, reason)


def undeploy(account: str, region: str, name: str) -> None:
    metrics = _METRICS.pop((account, region, name), None)
    if metrics is not None:
        metrics.flush()
    deployed = _DEPLOYED.pop((account, region, name), None)
    if deployed is not None:
        deployed.stop()


# ----------------------------------------------------------------------------- InvokeEndpoint
def invocation_of(environ: dict[str, Any]) -> str | None:
    """The endpoint an InvokeEndpoint request names, or None for any other request."""
    match = INVOCATION.match(environ.get("PATH_INFO", ""))
    return match.group(1) if match and environ.get("REQUEST_METHOD") == "POST" else None


def _caller(environ: dict[str, Any]) -> tuple[str, str]:
    from moto.iam.models import get_account_id_from

    found = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    access_key, region = found.groups() if found else ("test", "us-east-1")
    return get_account_id_from(access_key), region


def _error(start_response: Callable[..., Any], status: str, kind: str, fields: dict[str, Any]) -> list[bytes]:
    body = json.dumps({"__type": kind, **fields}).encode()
    start_response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", kind)])
    return [body]


def _forward(variant: Variant, body: bytes, content_type: str, accept: str) -> tuple[int, bytes, str]:
    connection = http.client.HTTPConnection(HOST, variant.port, timeout=60)
    try:
        connection.request("POST", "/invocations", body, {"Content-Type": content_type, "Accept": accept})
        answer = connection.getresponse()
        return answer.status, answer.read(), answer.getheader("Content-Type", "application/octet-stream")
    finally:
        connection.close()


def _variant(deployed: Deployed, wanted: str | None) -> Variant | None:
    if wanted:
        return next((v for v in deployed.variants if v.name == wanted), None)
    return random.choices(deployed.variants, weights=[max(v.weight, 1e-9) for v in deployed.variants])[0]


Request = tuple[bytes, str, str]  # body, content type, accept


def _answer(metrics: alarms.EndpointMetrics | None, variant: Variant, request: Request) -> tuple[int, bytes, str]:
    """The variant's answer, measured as CloudWatch measures it (Invocations, 4XX/5XX, ModelLatency)."""
    started = time.perf_counter()
    status, answer, answer_type = _forward(variant, *request)
    if metrics is not None:
        metrics.record(variant.name, status, (time.perf_counter() - started) * 1e6)
    return status, answer, answer_type


def _mirror(metrics: alarms.EndpointMetrics | None, fleet: Deployed, request: Request) -> None:
    """Each shadow variant gets a copy of its share of the requests: its weight over the
    production variants' (weights 1 and 0.5 copy half of them)."""
    production = sum(v.weight for v in fleet.variants) or 1.0
    for shadow in fleet.shadows:
        if random.random() < shadow.weight / production:
            _SHADOW_COPIES.submit(_answer_shadow, metrics, fleet, shadow, request)


def _answer_shadow(metrics: alarms.EndpointMetrics | None, fleet: Deployed, shadow: Variant, request: Request) -> None:
    """A shadow's answer is captured under its own variant name and measured, never returned."""
    try:
        status, answer, answer_type = _answer(metrics, shadow, request)
        if status == 200 and fleet.capture is not None:
            fleet.capture.record(shadow.name, request[:2], (answer, answer_type))
    except OSError as exc:  # a stopped shadow: the copy is lost, as on AWS
        print(f"shadow variant {shadow.name}: {exc!r}", flush=True)


def invoke(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    name = invocation_of(environ) or ""
    account, region = _caller(environ)
    deployed = _DEPLOYED.get((account, region, name))
    if deployed is None:
        return _error(
            start_response,
            "400 Bad Request",
            "ValidationError",
            {"message": f"Endpoint {name} of account {account} not found."},
        )
    fleet = deployed.fleet()
    variant = _variant(fleet, environ.get("HTTP_X_AMZN_SAGEMAKER_TARGET_VARIANT"))
    if variant is None:
        return _error(
            start_response,
            "400 Bad Request",
            "ValidationError",
            {"message": "TargetVariant names no variant of the endpoint"},
        )
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    request = (body, environ.get("CONTENT_TYPE") or "application/octet-stream", environ.get("HTTP_ACCEPT", "*/*"))
    metrics = _METRICS.get((account, region, name))
    status, answer, answer_type = _answer(metrics, variant, request)
    _mirror(metrics, fleet, request)
    if status != 200:
        message = answer.decode(errors="replace")
        fields = {
            "message": f'Received client error ({status}) from {variant.name} with message "{message}"',
            "OriginalStatusCode": status,
            "OriginalMessage": message,
        }
        return _error(start_response, "424 Failed Dependency", "ModelError", fields)
    if fleet.capture is not None:
        fleet.capture.record(variant.name, request[:2], (answer, answer_type))
    start_response("200 OK", [("Content-Type", answer_type), ("x-Amzn-Invoked-Production-Variant", variant.name)])
    return [answer]


# ----------------------------------------------------------------------------- moto hooks
def _launcher() -> None:
    """Deploys run here, one at a time: the serving processes die with this thread (and so with
    the emulator), never with a request's thread."""
    while True:
        task = _LAUNCHES.get()
        try:
            task()
        except Exception as exc:  # one broken deploy must not stop the others
            print(f"endpoint launcher: {exc!r}", flush=True)


def _flusher() -> None:
    while True:
        time.sleep(FLUSH_EVERY_S)
        fleets = [f for d in list(_DEPLOYED.values()) for f in (d, d.new) if f is not None]
        for fleet in fleets:
            try:
                if fleet.capture is not None:
                    fleet.capture.flush()
            except Exception as exc:  # a full or deleted bucket must not stop capture elsewhere
                print(f"data capture: {exc!r}", flush=True)
        for metrics in list(_METRICS.values()):
            metrics.flush()


def _endpoints_deploy() -> None:
    from moto.sagemaker.models import SageMakerModelBackend

    original_create, original_delete = SageMakerModelBackend.create_endpoint, SageMakerModelBackend.delete_endpoint

    def create_endpoint(self: Any, endpoint_name: str, endpoint_config_name: str, tags: Any) -> Any:
        endpoint = original_create(self, endpoint_name, endpoint_config_name, tags)
        endpoint.endpoint_status = "Creating"
        _LAUNCHES.put(lambda: deploy(self.account_id, self.region_name, endpoint_name))
        return endpoint

    def delete_endpoint(self: Any, endpoint_name: str) -> None:
        original_delete(self, endpoint_name)
        _LAUNCHES.put(lambda: undeploy(self.account_id, self.region_name, endpoint_name))

    SageMakerModelBackend.create_endpoint = create_endpoint  # type: ignore[method-assign]
    SageMakerModelBackend.delete_endpoint = delete_endpoint  # type: ignore[method-assign]


def _kept_request_fields() -> None:
    """Fields moto drops, kept so that Describe* returns them (else every plan showed a change,
    and a change of an endpoint configuration replaces it): CreateEndpoint's DeploymentConfig,
    returned as LastDeploymentConfig, and CreateEndpointConfig's ShadowProductionVariants."""
    from moto.sagemaker.responses import SageMakerResponse

    original_endpoint, original_config = SageMakerResponse.create_endpoint, SageMakerResponse.create_endpoint_config

    def create_endpoint(self: Any) -> Any:
        result = original_endpoint(self)
        endpoint = self.sagemaker_backend.endpoints[self._get_param("EndpointName")]
        endpoint.last_deployment_config = self._get_param("DeploymentConfig")
        return result

    def create_endpoint_config(self: Any) -> Any:
        shadows = self._get_param("ShadowProductionVariants")
        result = original_config(self)
        if shadows:
            self.sagemaker_backend.endpoint_configs[
                self._get_param("EndpointConfigName")
            ].shadow_production_variants = shadows
        return result

    SageMakerResponse.create_endpoint = create_endpoint  # type: ignore[method-assign]
    SageMakerResponse.create_endpoint_config = create_endpoint_config  # type: ignore[method-assign]


def update_endpoint(self: Any) -> str:
    """UpdateEndpoint (moto lacks it): the new configuration is deployed beside the old one, which
    serves until the new one answers; traffic then moves as the DeploymentConfig says
    (pipelines_src/local/rollouts.py). An endpoint still Creating or Updating is refused, as
    SageMaker refuses it."""
    name, config_name = self._get_param("EndpointName"), self._get_param("EndpointConfigName")
    backend = self.sagemaker_backend
    endpoint = backend.endpoints[name] if name in backend.endpoints else backend.describe_endpoint(name)
    if endpoint.endpoint_status in ("Creating", "Updating"):
        from moto.sagemaker.exceptions import ValidationError

        raise ValidationError(message=f"Cannot update in-progress endpoint {endpoint.arn}.")
    config = backend.describe_endpoint_config(config_name)
    previous = endpoint.endpoint_config_name
    endpoint.endpoint_config_name, endpoint.production_variants = config_name, config["ProductionVariants"]
    endpoint.data_capture_config = config.get("DataCaptureConfig")
    endpoint.last_deployment_config = self._get_param("DeploymentConfig") or getattr(
        endpoint, "last_deployment_config", None
    )
    endpoint.endpoint_status = "Updating"
    _LAUNCHES.put(lambda: deploy(self.current_account, self.region, name, previous))
    return json.dumps({"EndpointArn": endpoint.arn})


def install() -> None:
    from moto.sagemaker.responses import SageMakerResponse

    from pipelines_src.local.extensions import add_handlers

    _endpoints_deploy()
    _kept_request_fields()
    add_handlers(SageMakerResponse, update_endpoint)
    threading.Thread(target=_launcher, name="endpoint-launcher", daemon=True).start()
    threading.Thread(target=_flusher, name="data-capture", daemon=True).start()
