"""The embedded default's AWS: moto's server, extended in-process, over HTTPS on loopback.

`python -m pipelines_src.local.emulator serve --state-dir D --port P` runs the server in the
foreground; `start()` / `stop()` run it as a child process tracked by `D/emulator.json`
(PID, port, endpoint, CA file), which the Makefile, the CLI and the pytest fixtures share.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipelines_src.local import service

HOST = "127.0.0.1"
DEFAULT_PORT = 4599
HEALTH_PATH = "/_mlops/health"
STATE_FILE = "emulator.json"
ACCOUNT_ROLE = "mlops-local-deployer"  # assumed to act in another emulator account (Terraform roots, clients)
_MODULE = "pipelines_src.local.emulator"


@dataclass(frozen=True)
class Emulator:
    pid: int
    port: int
    endpoint: str
    ca_file: str
    state_dir: str

    def settings(self) -> dict[str, Any]:
        """What a boto3 client needs to talk to this emulator: endpoint, CA, region, test credentials."""
        return {
            "endpoint_url": self.endpoint,
            "verify": self.ca_file,
            "region_name": "eu-central-1",
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }

    def client(self, service: str, account: str | None = None) -> Any:
        """A boto3 client for this emulator, in its default account or in `account`: a role of
        that account assumed through the emulated STS, which files the credentials under it
        (moto keys its state by account)."""
        import boto3

        if account is None:
            return boto3.client(service, **self.settings())
        answer = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{ACCOUNT_ROLE}", RoleSessionName=f"mlops-local-{account}"
        )["Credentials"]
        assumed = {
            "aws_access_key_id": answer["AccessKeyId"],
            "aws_secret_access_key": answer["SecretAccessKey"],
            "aws_session_token": answer["SessionToken"],
        }
        return boto3.client(service, **{**self.settings(), **assumed})

    def env(self) -> dict[str, str]:
        """Environment for Terraform and boto3 clients that talk to this emulator."""
        return {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "eu-central-1",
            "AWS_REGION": "eu-central-1",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_CA_BUNDLE": self.ca_file,
            "SSL_CERT_FILE": self.ca_file,
            "AWS_EC2_METADATA_DISABLED": "true",
        }


# --------------------------------------------------------------------------------------------
# In the server process
# --------------------------------------------------------------------------------------------
_REQUEST = threading.local()


def request_context() -> dict[str, str]:
    """IAM condition keys of the request being served (werkzeug serves each in its thread)."""
    return dict(getattr(_REQUEST, "context", {}))


def _condition_keys(environ: dict[str, Any]) -> dict[str, str]:
    keys = {"aws:SecureTransport": "true" if environ.get("wsgi.url_scheme") == "https" else "false"}
    for header in ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"):
        value = environ.get("HTTP_" + header.upper().replace("-", "_"))
        if value is not None:
            keys["s3:" + header] = value
    return keys


# When the provider's client loses a response of this server (seen under load: "use of closed
# network connection") its SDK sends the same call again, and a changing call that is not
# repeatable fails the apply the second time: a Duplicate security group rule, a replaced network
# ACL association, InvalidSubnet.Conflict, IAM EntityAlreadyExists, FlowLogAlreadyExists (all seen
# in fresh-clone CI runs), InvalidPermission.NotFound revoking a new group's default egress rule
# (seen applying the template after a stage root in another account). So every changing call
# of the query-protocol services (EC2, IAM, STS, SNS, SQS...), repeated identically within
# REPLAY_SECONDS, gets the first answer again, as an idempotency token would on AWS. Reads
# (Describe/List/Get) are never replayed; an identical changing call is never a second resource
# in a Terraform apply, which names each resource once.
# Not every changing call: a legitimate identical repeat across applies (detach, re-attach,
# detach within 60 s in an upgrade) must run again, so only creations and rule calls are listed.
REPLAYED_ACTIONS = frozenset(
    {
        "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
        "ReplaceNetworkAclAssociation",
        "CreateSubnet",
        "CreateRole",
        "CreatePolicy",
        "CreateInstanceProfile",
        "CreateFlowLogs",
    }
)
# The same for the JSON-protocol services, by their X-Amz-Target operation: the creations a
# Terraform apply of the registry's roots makes that AWS refuses the second time. CodeBuild's
# CreateProject answered ResourceAlreadyExistsException to its own retry (the upgrade test's last
# apply), Budgets' CreateBudget DuplicateRecordException (the template's apply with four test
# workers); the others fail the same way. Creations the pipelines repeat on purpose (models,
# model packages, cards, jobs) are not listed: two identical calls there are two resources.
# Every JSON-protocol deletion is replayed too: a DeleteTable retried after its answer was lost
# answered ResourceNotFound and failed a destroy (four test workers); a second identical
# deletion is a no-op either way.
REPLAYED_TARGETS = frozenset(
    {
        "AWSBudgetServiceGateway.CreateBudget",
        "AWSBudgetServiceGateway.CreateNotification",
        "AWSBudgetServiceGateway.CreateSubscriber",
        "AmazonEC2ContainerRegistry_V20150921.CreateRepository",
        "CodeBuild_20161006.CreateProject",
        "DynamoDB_20120810.CreateTable",
        "Logs_20140328.CreateLogGroup",
        "SageMaker.CreateDataQualityJobDefinition",
        "SageMaker.CreateModelPackageGroup",
        "SageMaker.CreateStudioLifecycleConfig",
        "TrentService.CreateAlias",
    }
)
REPLAY_SECONDS = 60.0
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")  # the access key of a SigV4 Authorization header


class _Replays:
    """Successful answers to changing query-protocol calls, by request body, for REPLAY_SECONDS."""

    def __init__(self) -> None:
        self._answers: dict[bytes, tuple[float, str, list[tuple[str, str]], bytes]] = {}

    @staticmethod
    def key(environ: dict[str, Any]) -> bytes | None:
        """The caller, operation and body of a replayed action (the body is put back for moto).
        The caller is the access key: the same call in two accounts is two resources."""
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        form = str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded")
        deletion = target.rpartition(".")[2].startswith("Delete")
        if not form and target not in REPLAYED_TARGETS and not deletion:
            return None
        body: bytes = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        caller = _CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        prefix = (caller.group(1) if caller else "").encode() + b"\n"
        if not form:
            return prefix + target.encode() + b"\n" + body
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        return prefix + body if action in REPLAYED_ACTIONS else None

    def answer(self, key: bytes) -> tuple[str, list[tuple[str, str]], bytes] | None:
        now = time.monotonic()
        self._answers = {k: v for k, v in self._answers.items() if now - v[0] < REPLAY_SECONDS}
        found = self._answers.get(key)
        return None if found is None else found[1:]

    def keep(self, key: bytes, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        if status.startswith("2"):
            self._answers[key] = (time.monotonic(), status, headers, body)


class _LockFigures:
    """How long requests held and waited for moto's lock: the figures that decide whether
    narrowing it is worth its risk (docs/testing.md); the health probe reports them."""

    def __init__(self) -> None:
        self.requests = 0
        self.held = self.waited = self.longest_wait = 0.0

    def add(self, waited: float, held: float) -> None:
        self.requests += 1
        self.held += held
        self.waited += waited
        self.longest_wait = max(self.longest_wait, waited)

    def as_json(self) -> bytes:
        figures = {"requests": self.requests, "held_s": round(self.held, 3), "waited_s": round(self.waited, 3)}
        return json.dumps({"status": "ok", "lock": figures | {"longest_wait_s": round(self.longest_wait, 3)}}).encode()


class _Middleware:
    """Records each request's condition keys, answers the health probe, serialises requests
    (moto's backends are not thread-safe: Terraform's parallel calls on one security group made
    its check-then-add duplicate detection fail at random; each call takes milliseconds) and
    answers a repeated changing call as the first time (_Replays)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._replays = _Replays()
        self._figures = _LockFigures()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [self._figures.as_json()]
        from pipelines_src.local import endpoints

        if endpoints.invocation_of(environ):  # served by the endpoint's process, not moto: no lock
            return endpoints.invoke(environ, start_response)
        asked = time.monotonic()
        with self._lock:
            got = time.monotonic()
            try:
                key = self._replays.key(environ)
                replay = self._replays.answer(key) if key is not None else None
                if replay is not None:
                    start_response(replay[0], replay[1])
                    return [replay[2]]
                return self._serve(environ, start_response, key)
            finally:
                self._figures.add(got - asked, time.monotonic() - got)

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any], key: bytes | None) -> list[bytes]:
        seen: list[Any] = []

        def recording_start_response(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            seen[:] = [status, list(headers)]
            return start_response(status, headers, *rest)

        _REQUEST.context = _condition_keys(environ)
        try:
            body = list(self._app(environ, recording_start_response))
        finally:
            _REQUEST.context = {}
        if key is not None and seen:
            self._replays.keep(key, seen[0], seen[1], b"".join(body))
        return body


def _install_s3_policy_evaluation() -> None:
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    from pipelines_src.local.policy_eval import Decision, evaluate

    to_moto = {
        Decision.ALLOW: PermissionResult.PERMITTED,
        Decision.DENY: PermissionResult.DENIED,
        Decision.NEUTRAL: PermissionResult.NEUTRAL,
    }

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        return to_moto[evaluate(self.policy.decode(), action, resource, request_context())]

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]  # deliberate patch


def install_extensions() -> None:
    """Patch moto in this process where it differs from AWS in ways our modules hit."""
    from pipelines_src.local import (
        codepipeline,
        endpoints,
        extensions,
        missing_apis,
        model_monitor,
        runtime_ext,
        scheduler,
    )

    _install_s3_policy_evaluation()
    extensions.install_all()
    missing_apis.install_all()
    runtime_ext.install_all()
    codepipeline.install()
    model_monitor.install()
    endpoints.install()
    scheduler.install()


def _server(port: int, app: _Middleware, context: ssl.SSLContext) -> Any:
    """Werkzeug's threaded server (moto's request handler keeps its header handling), with each
    connection's TLS handshake in its own thread (service.HandshakeInWorker)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import ThreadedWSGIServer

    class Server(service.HandshakeInWorker, ThreadedWSGIServer):
        pass

    server = Server(HOST, port, app, handler=MotoRequestHandler)
    server.tls_context = context
    server.ssl_context = context  # werkzeug reads it for wsgi.url_scheme (aws:SecureTransport)
    return server


def serve(state_dir: Path, port: int) -> None:
    """Run the emulator in the foreground until SIGTERM; write the state file once ready."""
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from pipelines_src.local import images, runtime_ext
    from pipelines_src.local.certs import create_tls_files

    tls = create_tls_files(state_dir / "tls")
    # The runtime (jobs, state machines) calls this emulator from inside its own process.
    os.environ[runtime_ext.ENDPOINT_ENV] = f"https://{HOST}:{port}"
    os.environ[runtime_ext.CA_ENV] = str(tls.ca_cert)
    os.environ[runtime_ext.STATE_ENV] = str(state_dir)
    os.environ[images.STORE_ENV] = str(state_dir)  # images built with `mlops image build`
    install_extensions()
    context = service.tls_server_context(tls.server_cert, tls.server_key)
    server = _server(port, _Middleware(DomainDispatcherApplication(create_backend_app)), context)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    info = Emulator(os.getpid(), port, f"https://{HOST}:{port}", str(tls.ca_cert), str(state_dir))
    _write_state(state_dir, info)
    server.serve_forever()


# --------------------------------------------------------------------------------------------
# In the controlling process (Makefile, CLI, pytest)
# --------------------------------------------------------------------------------------------
SERVICE = service.Service(_MODULE, STATE_FILE, HEALTH_PATH, "emulator")
EmulatorError = service.ServiceError
free_port = service.free_port


def _write_state(state_dir: Path, info: Emulator) -> None:
    SERVICE.write_state(state_dir, asdict(info) | {"url": info.endpoint})


def _as_emulator(state: dict[str, Any] | None) -> Emulator | None:
    if state is None:
        return None
    return Emulator(state["pid"], state["port"], state["endpoint"], state["ca_file"], state["state_dir"])


def running(state_dir: Path) -> Emulator | None:
    """The emulator recorded in `state_dir`, if its process is still alive."""
    return _as_emulator(SERVICE.running(state_dir))


def healthy(info: Emulator, timeout: float = 2.0) -> bool:
    return SERVICE.healthy(asdict(info) | {"url": info.endpoint}, timeout)


def start(state_dir: Path, port: int | None = None) -> Emulator:
    """Start the emulator for `state_dir` (or return the one already running there)."""
    started_state = _as_emulator(SERVICE.start(state_dir, port))
    assert started_state is not None
    return started_state


def stop(state_dir: Path) -> bool:
    """Stop the emulator recorded in `state_dir`; True if one was running."""
    return SERVICE.stop(state_dir)


@contextmanager
def started(state_dir: Path, port: int | None = None) -> Iterator[Emulator]:
    """An emulator for the duration of a block, stopped (by its PID) however the block ends."""
    info = start(state_dir, port)
    try:
        yield info
    finally:
        stop(state_dir)


def reset(info: Emulator) -> None:
    """Forget every emulated resource (moto's reset), keeping the server up."""
    context = ssl.create_default_context(cafile=info.ca_file)
    request = urllib.request.Request(info.endpoint + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10, context=context):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    serve(args.state_dir, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
