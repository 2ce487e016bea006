"""The demo's real-time part: the approved package served by a root of its own (as the inference
pipeline would deploy it), called with boto3 as a client application would, its captured
traffic analysed by the data-quality monitor Terraform deployed (an on-demand run of the same
job definition: a schedule with ScheduleExpression NOW, as on AWS), then, with the labels of
that traffic, by the model-quality, bias and explainability monitors the API sets up."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines_src import datasets, monitors
from pipelines_src.local import emulator, jobs
from pipelines_src.local import terraform as tf

VARIABLES_FILE = "demo.auto.tfvars.json"
# What `mlops approved-package GROUP --tfvars` writes: the approved version the root deploys.
DEPLOY_FILE = "approved-package.auto.tfvars.json"
REQUESTS = 20
RECORDS_PER_REQUEST = 25
TRAFFIC_SEED = 23
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
    model_quality: dict[str, Any] = field(default_factory=dict)  # execution, statistics, violations
    clarify: dict[str, dict[str, Any]] = field(default_factory=dict)  # bias, explainability: the same
    alarms: dict[str, str] = field(default_factory=dict)  # the monitors' alarms: state by name


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


def send_traffic(runtime: Any, endpoint: str) -> tuple[list[str], list[float]]:
    """Drifted raw records as JSON requests; the bodies sent and the first scores."""
    records = client_records(REQUESTS * RECORDS_PER_REQUEST, seed=TRAFFIC_SEED, drift=True)
    first: list[float] = []
    bodies = []
    for start in range(0, len(records), RECORDS_PER_REQUEST):
        body = json.dumps({"instances": records[start : start + RECORDS_PER_REQUEST]}, default=str)
        answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="application/json", Body=body.encode())
        first = first or json.loads(answer["Body"].read())["predictions"][:3]
        bodies.append(body)
    return bodies, first


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
    """Apply the serving root, call the endpoint, monitor what it captured (data quality; model
    quality, bias and explainability once the labels of that traffic are uploaded)."""
    # Saved beside the staged root, so `mlops demo-down` destroys it with the same values.
    (root.path / VARIABLES_FILE).write_text(json.dumps(variables, indent=2))
    root.apply([])
    outputs = root.outputs()
    endpoint, bucket, use_case = (
        outputs["endpoint_name"],
        variables["platform"]["artifacts_bucket"],
        variables["use_case"],
    )
    bodies, first = send_traffic(info.client("sagemaker-runtime"), endpoint)
    requests, s3 = len(bodies), info.client("s3")
    capture = f"s3://{bucket}/{use_case}/capture/{endpoint}/"
    captured = _wait(lambda: (n := _captured(s3, capture)) >= requests and n, "the endpoint's capture was not written")
    schedule = f"{outputs['monitoring_schedule']}-now-{int(time.time())}"
    log(f"      {requests} requests scored and captured; on-demand data-quality run {schedule}")
    execution = monitor_now(info.client("sagemaker"), outputs["job_definition_name"], schedule)
    reports = f"s3://{bucket}/{use_case}/monitoring/data-quality/{endpoint}/{schedule}/"
    served = Serving(endpoint, requests, first, captured, schedule, execution, _violations(s3, reports), reports)
    log("      the field's labels for that traffic arrive; the API monitors (mlops endpoint-monitors), one run each")
    served.model_quality, served.clarify = api_monitors_now(info, variables, outputs, bodies)
    served.alarms = monitor_alarms(info.client("cloudwatch"), endpoint)
    return served


def monitor_alarms(cloudwatch: Any, endpoint: str) -> dict[str, str]:
    """The state of each alarm on the endpoint's API monitors, which each run's metrics moved."""
    found: dict[str, str] = {}
    for kind in ("model-quality", "model-bias", "model-explainability"):  # the monitors' schedule names
        alarms = cloudwatch.describe_alarms(AlarmNamePrefix=f"{endpoint}-{kind}-")["MetricAlarms"]
        found |= {a["AlarmName"]: a["StateValue"] for a in alarms}
    return found


def captured_event_ids(s3: Any, capture: str) -> dict[str, str]:
    """The capture's eventId of each captured request body."""
    source, found = jobs.S3Uri.parse(capture), {}
    for item in s3.list_objects_v2(Bucket=source.bucket, Prefix=source.key).get("Contents", []):
        for line in s3.get_object(Bucket=source.bucket, Key=item["Key"])["Body"].read().decode().splitlines():
            record = json.loads(line)
            given = record["captureData"]["endpointInput"]
            text = base64.b64decode(given["data"]).decode() if given["encoding"] == "BASE64" else given["data"]
            found[text] = record["eventMetadata"]["eventId"]
    return found


def upload_ground_truth(
    s3: Any, platform: dict[str, Any], prefix: str, events: dict[str, str], bodies: list[str]
) -> None:
    """The true failures of the records sent, in SageMaker's ground-truth format (what a
    maintenance system would report back), under this hour's partition."""
    labels = datasets.generate(len(bodies) * RECORDS_PER_REQUEST, seed=TRAFFIC_SEED, drift=True)["failure"].astype(int)
    lines = []
    for index, body in enumerate(bodies):
        chunk = labels.iloc[index * RECORDS_PER_REQUEST : (index + 1) * RECORDS_PER_REQUEST].tolist()
        data = {"data": ",".join(map(str, chunk)), "encoding": "CSV"}
        lines.append(
            json.dumps({"groundTruthData": data, "eventMetadata": {"eventId": events[body]}, "eventVersion": "0"})
        )
    target = jobs.S3Uri.parse(prefix)
    key = f"{target.key}/{time.strftime('%Y/%m/%d/%H', time.gmtime())}/labels.jsonl"
    encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": platform["kms_key_arn"]}
    s3.put_object(Bucket=target.bucket, Key=key, Body="\n".join(lines).encode(), **encryption)


def _ended_run(sagemaker: Any, s3: Any, schedule: str, uri: str) -> dict[str, Any]:
    """The schedule's run once ended, with the reports it wrote under `uri` by file name."""

    def ended() -> dict[str, Any] | None:
        found = sagemaker.list_monitoring_executions(MonitoringScheduleName=schedule)["MonitoringExecutionSummaries"]
        return found[0] if found and found[0]["MonitoringExecutionStatus"] != "InProgress" else None

    execution: dict[str, Any] = _wait(ended, f"the monitoring run {schedule} did not end")
    reports = jobs.S3Uri.parse(uri)
    listed = s3.list_objects_v2(Bucket=reports.bucket, Prefix=reports.key).get("Contents", [])
    read = {
        Path(o["Key"]).name: json.loads(s3.get_object(Bucket=reports.bucket, Key=o["Key"])["Body"].read())
        for o in listed
    }
    return {"execution": execution, "uri": uri} | read


def api_monitors_now(
    info: emulator.Emulator, variables: dict[str, Any], outputs: dict[str, Any], bodies: list[str]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The labels of the traffic uploaded, the model-quality, bias and explainability monitors set
    up from the root's `api_monitors` output as `mlops endpoint-monitors` does, one run each: the
    model-quality run and the Clarify runs by schedule name."""
    s3, sagemaker = info.client("s3"), info.client("sagemaker")
    fields = monitors.api_monitors_of(outputs, "the serving root's outputs")
    endpoint, reports = fields["endpoint_name"], fields["reports_s3_uri"]
    base = f"s3://{variables['platform']['artifacts_bucket']}/{variables['use_case']}"
    events = captured_event_ids(s3, f"{base}/capture/{endpoint}/")
    upload_ground_truth(s3, variables["platform"], fields["ground_truth_s3_uri"], events, bodies)
    monitors.ensure_endpoint_monitors(sagemaker, s3, info.client("cloudwatch"), fields, "NOW")
    runs = {
        f"{endpoint}-{kind}": _ended_run(
            sagemaker, s3, f"{endpoint}-{kind}", f"{reports}/{endpoint}/{endpoint}-{kind}/"
        )
        for kind in ("model-quality", "model-bias", "model-explainability")
    }
    return runs.pop(f"{endpoint}-model-quality"), runs


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
