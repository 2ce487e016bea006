"""The demo's real-time part: the approved package served by a root of its own (as the inference
pipeline would deploy it), called with boto3 as a client application would, its captured
traffic analysed by the data-quality monitor Terraform deployed (an on-demand run of the same
job definition: a schedule with ScheduleExpression NOW, as on AWS)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipelines_src import datasets
from pipelines_src.local import emulator, jobs
from pipelines_src.local import terraform as tf

VARIABLES_FILE = "demo.auto.tfvars.json"
# What `mlops approved-package GROUP --tfvars` writes: the approved version the root deploys.
DEPLOY_FILE = "approved-package.auto.tfvars.json"
REQUESTS = 20
RECORDS_PER_REQUEST = 25
Log = Callable[[str], None]


@dataclass
class Serving:
    """The approved package served in real time, its traffic captured and monitored."""

    endpoint: str
    requests: int
    first_predictions: list[float]
    captured: int
    schedule: str
    execution: dict[str, Any]
    violations: list[dict[str, Any]] = field(default_factory=list)
    reports_uri: str = ""


class ServingFailed(RuntimeError):
    """A step of the real-time part did not do what it should; the message says which."""


def _wait(check: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise ServingFailed(f"{what} within {timeout:.0f} s")


def client_records(rows: int, *, seed: int, drift: bool = False) -> list[dict[str, Any]]:
    """What a client application sends: raw feature records of the sample data (no label, no id,
    which the data-quality baseline does not describe)."""
    frame = datasets.generate(rows, seed=seed, drift=drift).drop(columns=["failure", "cycle_id"])
    return [{str(k): v for k, v in record.items()} for record in frame.to_dict(orient="records")]


def send_traffic(runtime: Any, endpoint: str) -> tuple[int, list[float]]:
    """Drifted raw records as JSON requests; the requests sent and the first scores."""
    records = client_records(REQUESTS * RECORDS_PER_REQUEST, seed=23, drift=True)
    first: list[float] = []
    for start in range(0, len(records), RECORDS_PER_REQUEST):
        body = json.dumps({"instances": records[start : start + RECORDS_PER_REQUEST]}, default=str)
        answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="application/json", Body=body.encode())
        first = first or json.loads(answer["Body"].read())["predictions"][:3]
    return REQUESTS, first


def _captured(s3: Any, uri: str) -> int:
    source = jobs.S3Uri.parse(uri)
    listed = s3.list_objects_v2(Bucket=source.bucket, Prefix=source.key).get("Contents", [])
    return sum(len(s3.get_object(Bucket=source.bucket, Key=o["Key"])["Body"].read().splitlines()) for o in listed)


def monitor_now(sagemaker: Any, definition: str, schedule: str) -> dict[str, Any]:
    """One run of the job definition over the last hour; its execution once ended."""
    sagemaker.create_monitoring_schedule(
        MonitoringScheduleName=schedule,
        MonitoringScheduleConfig={
            "MonitoringJobDefinitionName": definition,
            "MonitoringType": "DataQuality",
            "ScheduleConfig": {
                "ScheduleExpression": "NOW",
                "DataAnalysisStartTime": "-PT1H",
                "DataAnalysisEndTime": "-PT0H",
            },
        },
    )

    def ended() -> dict[str, Any] | None:
        found = sagemaker.list_monitoring_executions(MonitoringScheduleName=schedule)["MonitoringExecutionSummaries"]
        return found[0] if found and found[0]["MonitoringExecutionStatus"] != "InProgress" else None

    execution: dict[str, Any] = _wait(ended, f"the monitoring run {schedule} did not end")
    return execution


def serve(info: emulator.Emulator, root: tf.TerraformRoot, variables: dict[str, Any], log: Log) -> Serving:
    """Apply the serving root, call the endpoint, monitor what it captured."""
    # Saved beside the staged root, so `mlops demo-down` destroys it with the same values.
    (root.path / VARIABLES_FILE).write_text(json.dumps(variables, indent=2))
    root.apply([])
    outputs = root.outputs()
    endpoint, bucket, use_case = (
        outputs["endpoint_name"],
        variables["platform"]["artifacts_bucket"],
        variables["use_case"],
    )
    requests, first = send_traffic(info.client("sagemaker-runtime"), endpoint)
    s3 = info.client("s3")
    capture = f"s3://{bucket}/{use_case}/capture/{endpoint}/"
    captured = _wait(lambda: (n := _captured(s3, capture)) >= requests and n, "the endpoint's capture was not written")
    schedule = f"{outputs['monitoring_schedule']}-now-{int(time.time())}"
    log(f"      {requests} requests scored and captured; on-demand data-quality run {schedule}")
    execution = monitor_now(info.client("sagemaker"), outputs["job_definition_name"], schedule)
    reports = f"s3://{bucket}/{use_case}/monitoring/data-quality/{endpoint}/{schedule}/"
    return Serving(endpoint, requests, first, captured, schedule, execution, _violations(s3, reports), reports)


def _violations(s3: Any, uri: str) -> list[dict[str, Any]]:
    source = jobs.S3Uri.parse(uri)
    listed = s3.list_objects_v2(Bucket=source.bucket, Prefix=source.key).get("Contents", [])
    keys = [o["Key"] for o in listed if o["Key"].endswith("constraint_violations.json")]
    if not keys:
        return []
    found: list[dict[str, Any]] = json.loads(s3.get_object(Bucket=source.bucket, Key=keys[0])["Body"].read())[
        "violations"
    ]
    return found
