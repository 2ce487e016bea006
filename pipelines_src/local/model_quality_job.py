"""One model-quality monitoring execution on an endpoint's captured traffic and the ground truth
the use case uploaded, with the registry's model-quality step code (what Model Monitor's
analyzer does on AWS): the window's captured requests, the labels uploaded since the window
began (labels come later than predictions), merged by eventId; statistics.json and
constraint_violations.json under `<output>/<endpoint>/<schedule>/yyyy/mm/dd/hh/` (output KMS
key), each metric published to `aws/sagemaker/Endpoints/model-metrics` for alarms."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines_src import monitors
from pipelines_src.local import runtime_ext
from pipelines_src.local.jobs import S3Uri
from pipelines_src.local.model_monitor_job import (
    JobInputError,
    capture_keys,
    capture_prefix,
    monitored_endpoint,
    within,
    write_report,
)
from pipelines_src.steps import model_quality

METRICS_NAMESPACE = monitors.MODEL_METRICS_NAMESPACE  # what Model Monitor publishes to, the alarms watch


def _copy_lines(s3: Any, prefix: S3Uri, window: tuple[datetime, datetime], target: Path, *, timed: bool) -> int:
    """The JSON lines of the prefix's hour partitions in the window into one local file; with
    `timed`, only records whose inferenceTime is in it. The lines copied."""
    kept = []
    for key in capture_keys(s3, prefix, *window):
        for line in s3.get_object(Bucket=prefix.bucket, Key=key)["Body"].read().decode().splitlines():
            if line.strip() and (not timed or within(json.loads(line), *window)):
                kept.append(line)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(line + "\n" for line in kept))
    return len(kept)


def _constraints(s3: Any, definition: dict[str, Any]) -> dict[str, Any]:
    uri = (definition.get("ModelQualityBaselineConfig") or {}).get("ConstraintsResource", {}).get("S3Uri")
    if not uri:
        return {}
    source = S3Uri.parse(uri)
    try:
        found: dict[str, Any] = json.loads(s3.get_object(Bucket=source.bucket, Key=source.key)["Body"].read())
    except s3.exceptions.NoSuchKey as exc:
        raise JobInputError(f"constraints {uri} do not exist: point ModelQualityBaselineConfig at them") from exc
    return found


def _publish(region: str, endpoint: str, schedule: str, metrics: dict[str, Any], when: datetime) -> None:
    dimensions = [{"Name": "Endpoint", "Value": endpoint}, {"Name": "MonitoringSchedule", "Value": schedule}]
    data = [
        {"MetricName": name, "Dimensions": dimensions, "Value": value["value"], "Timestamp": when}
        for name, value in sorted(metrics.items())
        if name != "confusion_matrix" and value["value"] == value["value"]  # nan (one class only) is not sent
    ]
    runtime_ext.client("cloudwatch", region).put_metric_data(Namespace=METRICS_NAMESPACE, MetricData=data)


def _threshold(definition: dict[str, Any]) -> float:
    app = definition.get("ModelQualityAppSpecification") or {}
    if app.get("ProblemType", "BinaryClassification") != "BinaryClassification":
        raise JobInputError(
            f"ModelQualityAppSpecification.ProblemType {app.get('ProblemType')}: the registry's model-quality step "
            "computes BinaryClassification metrics"
        )
    given = definition["ModelQualityJobInput"]["EndpointInput"].get("ProbabilityThresholdAttribute", 0.5)
    return model_quality.checked_threshold(float(given), "EndpointInput.ProbabilityThresholdAttribute")


def gather(s3: Any, schedule: Any, job_input: dict[str, Any], window: tuple[datetime, datetime], scratch: Path) -> Path:
    """The window's captured requests into `<scratch>/capture`, and with a GroundTruthS3Input the
    labels uploaded since the window began into `<scratch>/truth` (labels come later than
    predictions); the scratch folder."""
    endpoint = job_input["EndpointInput"]["EndpointName"]
    prefix = capture_prefix(schedule.account, schedule.region, endpoint)
    if not _copy_lines(s3, prefix, window, scratch / "capture" / "capture.jsonl", timed=True):
        raise JobInputError(
            f"no captured data under {prefix} between {window[0]:%Y-%m-%dT%H:%M}Z and {window[1]:%H:%M}Z"
        )
    if "GroundTruthS3Input" in job_input:
        truth = S3Uri.parse(job_input["GroundTruthS3Input"]["S3Uri"].rstrip("/"))
        labelled_until = datetime.now(UTC) + timedelta(hours=1)
        _copy_lines(s3, truth, (window[0], labelled_until), scratch / "truth" / "labels.jsonl", timed=False)
    return scratch


def report_folder(output: dict[str, Any], endpoint: str, schedule: Any, scheduled: datetime) -> S3Uri:
    """Where an execution's reports go: `<output>/<endpoint>/<schedule>/yyyy/mm/dd/hh`."""
    name = schedule.fields["MonitoringScheduleName"]
    return S3Uri.parse(output["MonitoringOutputs"][0]["S3Output"]["S3Uri"].rstrip("/")).join(
        endpoint, name, f"{scheduled:%Y/%m/%d/%H}"
    )


def run(
    definition: dict[str, Any], schedule: Any, window: tuple[datetime, datetime], scheduled: datetime
) -> list[dict[str, Any]]:
    """Merge the window's capture with its ground truth; the violations found (written to the output)."""
    endpoint = monitored_endpoint(definition)
    threshold, s3 = _threshold(definition), runtime_ext.client("s3", schedule.region)
    with tempfile.TemporaryDirectory() as scratch:
        folder = gather(s3, schedule, definition["ModelQualityJobInput"], window, Path(scratch))
        merged = model_quality.merge(folder / "capture", folder / "truth")
    statistics, found = model_quality.report(merged, threshold, _constraints(s3, definition))
    output = definition["ModelQualityJobOutputConfig"]
    target = report_folder(output, endpoint, schedule, scheduled)
    write_report(s3, target, "statistics.json", statistics, output.get("KmsKeyId"))
    write_report(s3, target, "constraint_violations.json", {"violations": found}, output.get("KmsKeyId"))
    name = schedule.fields["MonitoringScheduleName"]
    _publish(schedule.region, endpoint, name, statistics["binary_classification_metrics"], scheduled)
    return found
