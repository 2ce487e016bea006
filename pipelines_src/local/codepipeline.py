"""In the emulator process: CodePipeline executions run their stages, as AWS runs them.

- Source actions (CodeCommit, CodeStar connections, S3) take the local working tree: the folder
  in MLOPS_LOCAL_SOURCE, else the one the emulator was started in (`mlops emulator up` runs in
  the use case's repository), copied as a checkout has it (git's tracked and unignored files)
  into the execution's folder. The revision is its git HEAD.
- CodeBuild actions run the project's buildspec (inline, or the file it names in the source):
  its phases' commands with bash in that copy (shared by the execution's actions), with the
  project's environment variables and timeout, and AWS pointed at this emulator (as a build's
  role is on AWS); the output goes to the project's CloudWatch Logs group.
- Manual approvals wait for PutApprovalResult (`mlops cicd approve`), which records who
  decided, when and why; a rejection fails the stage.
- Any other action type fails, naming what runs here. Actions of a stage run one at a time in
  run order (AWS runs equal run orders in parallel); a failed action ends the execution.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines_src.local import jobs, runtime_ext
from pipelines_src.local.extensions import add_handlers

SOURCE_ENV = "MLOPS_LOCAL_SOURCE"
BUILD_PHASES = ("install", "pre_build", "build", "post_build")


class ActionFailed(RuntimeError):
    """An action's failure, worded for `get-pipeline-state`'s errorDetails."""


@dataclass
class ActionRun:
    """One action of one execution: what GetPipelineState reports as its latestExecution."""

    name: str
    status: str = "InProgress"
    summary: str | None = None
    error: str | None = None
    token: str | None = None
    updated_by: str | None = None
    external_id: str | None = None
    changed: float = field(default_factory=time.time)
    decided: threading.Event = field(default_factory=threading.Event, repr=False)
    decision: dict[str, str] = field(default_factory=dict)

    def finish(self, status: str, summary: str | None = None, error: str | None = None) -> None:
        self.status, self.summary, self.error, self.changed = status, summary or self.summary, error, time.time()

    def latest_execution(self, execution_id: str) -> dict[str, Any]:
        found: dict[str, Any] = {
            "actionExecutionId": f"{execution_id}-{self.name}",
            "status": self.status,
            "lastStatusChange": self.changed,
        }
        optional = {
            "summary": self.summary,
            "token": self.token if self.status == "InProgress" else None,
            "lastUpdatedBy": self.updated_by,
            "externalExecutionId": self.external_id,
        }
        found |= {key: value for key, value in optional.items() if value is not None}
        if self.error:
            found["errorDetails"] = {"code": "JobFailed", "message": self.error[:1500]}
        return found


@dataclass
class StageRun:
    name: str
    status: str = "InProgress"
    actions: list[ActionRun] = field(default_factory=list)


@dataclass
class ExecutionRun:
    """The stages one execution reached, in order."""

    execution: Any  # moto's PipelineExecution: its status is what GetPipelineExecution returns
    account: str
    region: str
    stages: list[StageRun] = field(default_factory=list)
    workspace: Path | None = None  # the source artefact, once a Source action made it

    def end(self, status: str, summary: str | None = None) -> None:
        self.execution.status, self.execution.status_summary = status, summary
        self.execution.last_update_time = _utcnow()


# Execution runs by pipeline execution id (ids are UUIDs: unique across accounts).
_RUNS: dict[str, ExecutionRun] = {}


def _utcnow() -> Any:
    from moto.core.utils import utcnow

    return utcnow()


def source_folder() -> Path:
    return Path(os.environ.get(SOURCE_ENV) or os.getcwd())


def _revision(folder: Path) -> str:
    found = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], check=False, capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else "uncommitted tree"


_NEVER_COPIED = (".git", ".venv", ".local", ".terraform", "__pycache__", "node_modules")


def _files(folder: Path) -> list[Path]:
    """The tree's files as a checkout has them: git's tracked and unignored files, or every file
    outside the local-state folders when the tree is not a repository."""
    listed = subprocess.run(
        ["git", "-C", str(folder), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=False,
        capture_output=True,
    )
    if listed.returncode == 0:
        return [Path(name) for name in listed.stdout.decode().split("\0") if name and (folder / name).is_file()]
    found = (p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    return [p for p in found if not set(p.parts) & set(_NEVER_COPIED)]


def _run_source(action: dict[str, Any], run: ActionRun, execution: ExecutionRun) -> None:
    """The source artefact: a copy of the working tree (as CodeBuild gets a fresh checkout), so a
    build can neither see nor change the developer's local state (.venv, .local)."""
    folder = source_folder()
    if not folder.is_dir():
        raise ActionFailed(f"local source {folder} is not a folder: set {SOURCE_ENV} to the repository to build")
    workspace = Path(os.environ[runtime_ext.STATE_ENV]) / "codepipeline" / execution.execution.pipeline_execution_id
    for relative in _files(folder):
        (workspace / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / relative, workspace / relative)
    execution.workspace = workspace
    revision = _revision(folder)
    run.external_id = revision
    run.finish("Succeeded", f"local working tree {folder} at {revision}")


def _project(execution: ExecutionRun, name: str) -> dict[str, Any]:
    from moto.codebuild.models import codebuild_backends

    project = codebuild_backends[execution.account][execution.region].codebuild_projects.get(name)
    if project is None:
        raise ActionFailed(f"CodeBuild project {name} does not exist in {execution.account}/{execution.region}")
    metadata: dict[str, Any] = project.project_metadata
    return metadata


def build_commands(buildspec: str, source: Path) -> tuple[list[str], dict[str, str]]:
    """The commands of a buildspec's phases, in phase order, and its env variables."""
    text = buildspec
    if "\n" not in buildspec.strip() and (source / buildspec).is_file():
        text = (source / buildspec).read_text()  # a buildspec file name, read from the source
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ActionFailed(f"buildspec is not YAML: {exc}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("phases"), dict):
        raise ActionFailed("buildspec has no phases: give version 0.2 with phases.build.commands")
    phases = spec["phases"]
    commands = [str(c) for phase in BUILD_PHASES for c in (phases.get(phase) or {}).get("commands", [])]
    variables = {str(k): str(v) for k, v in ((spec.get("env") or {}).get("variables") or {}).items()}
    return commands, variables


def _build_environment(
    project: dict[str, Any], variables: dict[str, str], build_id: str, source: Path
) -> dict[str, str]:
    given = project.get("environment", {}).get("environmentVariables", [])
    unsupported = [v["name"] for v in given if v.get("type", "PLAINTEXT") != "PLAINTEXT"]
    if unsupported:
        raise ActionFailed(
            f"environment variables {', '.join(unsupported)} come from Parameter Store or Secrets Manager: "
            "the local runtime passes PLAINTEXT variables only"
        )
    endpoint, ca = os.environ[runtime_ext.ENDPOINT_ENV], os.environ[runtime_ext.CA_ENV]
    aws = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CA_BUNDLE": ca,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    inherited = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TERM")}
    codebuild = {"CODEBUILD_BUILD_ID": build_id, "CODEBUILD_SRC_DIR": str(source), "CI": "true"}
    return inherited | aws | variables | {v["name"]: str(v["value"]) for v in given} | codebuild


def _send_logs(project: dict[str, Any], region: str, stream: str, output: str) -> None:
    group = (
        project.get("logsConfig", {}).get("cloudWatchLogs", {}).get("groupName") or f"/aws/codebuild/{project['name']}"
    )
    logs = runtime_ext.client("logs", region)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)  # usually Terraform's, with its retention and key
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now, "message": line} for line in output.splitlines()[-5000:] if line] or [
        {"timestamp": now, "message": "(no output)"}
    ]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def _run_codebuild(action: dict[str, Any], run: ActionRun, execution: ExecutionRun) -> None:
    name = action["configuration"].get("ProjectName", "")
    project = _project(execution, name)
    source = execution.workspace
    if source is None:
        raise ActionFailed(f"{name} has no source artefact: put a Source stage before it")
    commands, variables = build_commands(project.get("source", {}).get("buildspec") or "buildspec.yml", source)
    build_id = f"{name}:{uuid.uuid4()}"
    run.external_id = build_id
    timeout = 60 * (project.get("timeoutInMinutes") or 60)
    try:
        done = subprocess.run(
            ["bash", "-ec", "\n".join(commands)],
            check=False,
            cwd=source,
            env=_build_environment(project, variables, build_id, source),
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=jobs.die_with_the_runner,  # one C call before exec: a dead emulator leaves no build
        )
        output, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        partial = b"".join(
            part if isinstance(part, bytes) else part.encode() for part in (exc.stdout, exc.stderr) if part
        )
        output, code = f"{partial.decode(errors='replace')}\nbuild timed out after {timeout} s", -1
    _send_logs(project, execution.region, build_id.split(":", 1)[1], output)
    if code != 0:
        last = [line for line in output.splitlines() if line.strip()][-1:] or ["(no output)"]
        raise ActionFailed(f"build {build_id} failed (exit {code}): {last[0]}")
    run.finish("Succeeded", f"build {build_id} succeeded ({len(commands)} commands)")


def _run_approval(action: dict[str, Any], run: ActionRun, execution: ExecutionRun) -> None:
    run.token = str(uuid.uuid4())
    run.summary = action["configuration"].get("CustomData")
    run.decided.wait()  # AWS waits up to 7 days; a stopped emulator ends the wait with itself
    decision = run.decision
    if decision["status"] != "Approved":
        raise ActionFailed(f"rejected by {decision['by']}: {decision['summary']}")
    run.finish("Succeeded", f"approved by {decision['by']}: {decision['summary']}")


ACTION_RUNNERS: dict[tuple[str, str], Callable[[dict[str, Any], ActionRun, ExecutionRun], None]] = {
    ("Source", "CodeCommit"): _run_source,
    ("Source", "CodeStarSourceConnection"): _run_source,
    ("Source", "S3"): _run_source,
    ("Build", "CodeBuild"): _run_codebuild,
    ("Test", "CodeBuild"): _run_codebuild,
    ("Approval", "Manual"): _run_approval,
}


def _run_action(action: dict[str, Any], run: ActionRun, execution: ExecutionRun) -> None:
    kind = action["actionTypeId"]
    runner = ACTION_RUNNERS.get((kind["category"], kind["provider"]))
    try:
        if runner is None:
            supported = ", ".join(f"{c}/{p}" for c, p in ACTION_RUNNERS)
            raise ActionFailed(
                f"{kind['category']}/{kind['provider']} actions do not run locally (these do: {supported})"
            )
        runner(action, run, execution)
    except ActionFailed as exc:
        run.finish("Failed", error=str(exc))
    except Exception as exc:  # a runner defect must still end the execution, not leave it InProgress
        run.finish("Failed", error=f"local runner error: {exc!r}")


def execute(pipeline: dict[str, Any], execution: ExecutionRun) -> None:
    """Every stage in order until one fails."""
    for stage in pipeline["stages"]:
        stage_run = StageRun(stage["name"])
        execution.stages.append(stage_run)
        for action in sorted(stage["actions"], key=lambda a: int(a.get("runOrder", 1))):
            action_run = ActionRun(action["name"])
            stage_run.actions.append(action_run)
            _run_action(action, action_run, execution)
            if action_run.status != "Succeeded":
                stage_run.status = "Failed"
                execution.end("Failed", f"{stage['name']}/{action['name']}: {action_run.error}")
                return
        stage_run.status = "Succeeded"
    execution.end("Succeeded")


def _caller(response: Any) -> str:
    """The IAM identity of the request, as AWS records it in lastUpdatedBy."""
    from moto.sts.models import sts_backends

    backend = sts_backends[response.current_account][response.partition]
    arn: str = backend.get_caller_identity(response.get_access_key(), response.region)[1]
    return arn


def _latest_run(response: Any, name: str) -> ExecutionRun | None:
    executions = response.codepipeline_backend.pipelines[name].executions
    return next((_RUNS[i] for i in reversed(list(executions)) if i in _RUNS), None)


def _stage_state(stage: dict[str, Any], latest: ExecutionRun | None) -> dict[str, Any]:
    reached = next((s for s in latest.stages if s.name == stage["name"]), None) if latest else None
    state: dict[str, Any] = {"stageName": stage["name"], "actionStates": []}
    runs = {a.name: a for a in reached.actions} if reached else {}
    if reached and latest:
        execution_id = latest.execution.pipeline_execution_id
        state["latestExecution"] = {"pipelineExecutionId": execution_id, "status": reached.status}
    for action in stage["actions"]:
        entry: dict[str, Any] = {"actionName": action["name"]}
        if action["name"] in runs and latest:
            entry["latestExecution"] = runs[action["name"]].latest_execution(latest.execution.pipeline_execution_id)
        state["actionStates"].append(entry)
    return state


def get_pipeline_state(self: Any) -> str:
    name = self._get_param("name")
    pipeline, metadata = self.codepipeline_backend.get_pipeline(name)
    latest = _latest_run(self, name)
    return json.dumps(
        {
            "pipelineName": name,
            "pipelineVersion": pipeline["version"],
            "stageStates": [_stage_state(stage, latest) for stage in pipeline["stages"]],
            "created": metadata["created"],
            "updated": metadata["updated"],
        }
    )


def _waiting_approval(name: str, stage: str, action: str, token: str) -> ActionRun:
    from moto.core.exceptions import JsonRESTError

    for run in (r for r in _RUNS.values() if r.execution.pipeline_name == name):
        for stage_run in (s for s in run.stages if s.name == stage):
            for action_run in (a for a in stage_run.actions if a.name == action and a.token == token):
                if action_run.status != "InProgress":
                    raise JsonRESTError("ApprovalAlreadyCompletedException", f"{stage}/{action} was already decided")
                return action_run
    raise JsonRESTError(
        "InvalidApprovalTokenException",
        f"no approval of {name} {stage}/{action} waits with this token: read it from GetPipelineState",
    )


def put_approval_result(self: Any) -> str:
    from moto.core.exceptions import JsonRESTError

    result = self._get_param("result") or {}
    if result.get("status") not in ("Approved", "Rejected") or not str(result.get("summary", "")).strip():
        raise JsonRESTError("ValidationException", "result: give status Approved or Rejected and a summary (why)")
    run = _waiting_approval(
        self._get_param("pipelineName"),
        self._get_param("stageName"),
        self._get_param("actionName"),
        self._get_param("token"),
    )
    run.updated_by = _caller(self)
    run.decision = {"status": result["status"], "summary": result["summary"], "by": run.updated_by}
    run.decided.set()
    return json.dumps({"approvedAt": time.time()})


def _executions_run() -> None:
    from moto.codepipeline.models import CodePipelineBackend

    original = CodePipelineBackend.start_pipeline_execution

    def start_pipeline_execution(self: Any, name: str, variables: list[dict[str, str]] | None) -> str:
        execution_id: str = original(self, name, variables)
        codepipeline = self.pipelines[name]
        execution = codepipeline.executions[execution_id]
        execution.status = "InProgress"
        run = ExecutionRun(execution, self.account_id, self.region_name)
        _RUNS[execution_id] = run
        definition = json.loads(json.dumps(codepipeline.pipeline))  # later updates do not change this run
        threading.Thread(target=execute, args=(definition, run), name=f"pipeline-{name}", daemon=True).start()
        return execution_id

    CodePipelineBackend.start_pipeline_execution = start_pipeline_execution  # type: ignore[method-assign]


def install() -> None:
    from moto.codepipeline.responses import CodePipelineResponse

    _executions_run()
    add_handlers(CodePipelineResponse, get_pipeline_state, put_approval_result)
