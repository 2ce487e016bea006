"""One data-quality monitoring execution on an endpoint's captured requests, with the registry's
monitoring step code (the analysis Model Monitor's analyzer image does on AWS)."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from pipelines_src.contracts import Column, DatasetSchema
from pipelines_src.local import runtime_ext
from pipelines_src.local.jobs import S3Uri
from pipelines_src.steps import monitoring

_HOUR = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/(\d{2})/")
METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"  # what Model Monitor publishes to
# The job input field of each kind of job definition, by MonitoringType.
JOB_INPUTS = ("DataQualityJobInput", "ModelQualityJobInput", "ModelBiasJobInput", "ModelExplainabilityJobInput")
_TYPES = {"String": "category", "Integral": "int", "Fractional": "float"}


def endpoint_of(definition: dict[str, Any]) -> str | None:
    """The endpoint a job definition monitors (None for a batch transform input)."""
    job_input: dict[str, Any] = next((definition[f] for f in JOB_INPUTS if definition.get(f)), {})
    endpoint: str | None = job_input.get("EndpointInput", {}).get("EndpointName")
    return endpoint


class JobInputError(RuntimeError):
    """The execution's input cannot be analysed; the message is its FailureReason."""


def monitored_endpoint(definition: dict[str, Any]) -> str:
    """The endpoint an execution analyses; a batch transform input does not run here."""
    endpoint = endpoint_of(definition)
    if not endpoint:
        raise JobInputError("the local runtime monitors endpoints: BatchTransformInput job definitions do not run here")
    return endpoint


def capture_prefix(account: str, region: str, endpoint: str) -> S3Uri:
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[account][region]
    if endpoint not in backend.endpoints:
        raise JobInputError(f"endpoint {endpoint} does not exist: deploy it before its monitoring schedule runs")
    config_name = backend.endpoints[endpoint].endpoint_config_name
    capture = backend.describe_endpoint_config(config_name).get("DataCaptureConfig") or {}
    if not capture.get("DestinationS3Uri"):
        raise JobInputError(f"endpoint {endpoint} captures no data (its configuration has no DataCaptureConfig)")
    return S3Uri.parse(capture["DestinationS3Uri"]).join(endpoint)


def capture_keys(s3: Any, prefix: S3Uri, start: datetime, end: datetime) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=prefix.bucket, Prefix=prefix.key + "/"):
        for item in page.get("Contents", []):
            hour = _HOUR.search(item["Key"])
            if hour is None:
                continue
            year, month, day, at = (int(part) for part in hour.groups())
            begins = datetime(year, month, day, at, tzinfo=UTC)
            if begins < end and begins + timedelta(hours=1) > start:
                keys.append(item["Key"])
    return keys


def _instances(capture: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The records of one captured request; None for a text/csv request (transformed features)."""
    given = capture["captureData"]["endpointInput"]
    data = base64.b64decode(given["data"]).decode() if given.get("encoding") == "BASE64" else given["data"]
    if "json" not in str(given.get("observedContentType", "")):
        return None
    body = json.loads(data)
    rows = body.get("instances", [body]) if isinstance(body, dict) else body
    return [row for row in rows if isinstance(row, dict)]


def within(capture: dict[str, Any], start: datetime, end: datetime) -> bool:
    when = capture.get("eventMetadata", {}).get("inferenceTime")
    if not when:
        return True
    moment = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    return start <= moment < end


def captured_records(s3: Any, prefix: S3Uri, start: datetime, end: datetime) -> pd.DataFrame:
    """The raw records of the JSON requests captured in [start, end). CSV requests carry the
    transformed features, which the baseline (raw records) cannot describe: they are skipped."""
    rows: list[dict[str, Any]] = []
    skipped = 0
    for key in capture_keys(s3, prefix, start, end):
        for line in s3.get_object(Bucket=prefix.bucket, Key=key)["Body"].read().decode().splitlines():
            capture = json.loads(line) if line.strip() else None
            if capture and within(capture, start, end):
                found = _instances(capture)
                skipped += found is None
                rows += found or []
    if not rows and skipped:
        raise JobInputError(
            f"the {skipped} requests captured under {prefix} are text/csv, which carry the transformed features "
            'while the data-quality baseline describes raw records: send application/json {"instances": [...]}'
        )
    if not rows:
        raise JobInputError(
            f"no captured data under {prefix} between {start:%Y-%m-%dT%H:%M}Z and {end:%Y-%m-%dT%H:%M}Z"
        )
    return pd.DataFrame(rows)


def read_json(s3: Any, uri: str) -> dict[str, Any]:
    source = S3Uri.parse(uri)
    try:
        found: dict[str, Any] = json.loads(s3.get_object(Bucket=source.bucket, Key=source.key)["Body"].read())
    except s3.exceptions.NoSuchKey as exc:
        raise JobInputError(
            f"baseline {uri} does not exist: point the job definition at the training baseline"
        ) from exc
    return found


def _schema(baseline: dict[str, Any], frame: pd.DataFrame) -> DatasetSchema:
    """The baseline's features present in the data, typed as the baseline infers them."""
    columns = tuple(
        Column(f["name"], _TYPES.get(f["inferred_type"], "float")) for f in baseline["features"] if f["name"] in frame
    )
    return DatasetSchema(columns=columns, target="")


def write_report(s3: Any, uri: S3Uri, name: str, content: dict[str, Any], kms_key: str | None) -> None:
    encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key} if kms_key else {}
    body = json.dumps(content, indent=2).encode()
    s3.put_object(Bucket=uri.bucket, Key=f"{uri.key}/{name}", Body=body, **encryption)


def _publish_drift(region: str, endpoint: str, schedule: str, drift: dict[str, float], when: datetime) -> None:
    if not drift:
        return
    dimensions = [{"Name": "Endpoint", "Value": endpoint}, {"Name": "MonitoringSchedule", "Value": schedule}]
    metrics = [
        {"MetricName": f"feature_baseline_drift_{name}", "Dimensions": dimensions, "Value": value, "Timestamp": when}
        for name, value in sorted(drift.items())
    ]
    cloudwatch = runtime_ext.client("cloudwatch", region)
    for start in range(0, len(metrics), 20):
        cloudwatch.put_metric_data(Namespace=METRICS_NAMESPACE, MetricData=metrics[start : start + 20])


def run(
    definition: dict[str, Any], schedule: Any, window: tuple[datetime, datetime], scheduled: datetime
) -> list[dict[str, Any]]:
    """Analyse the window's captured requests; the violations found (written to the output)."""
    endpoint = monitored_endpoint(definition)
    s3 = runtime_ext.client("s3", schedule.region)
    frame = captured_records(s3, capture_prefix(schedule.account, schedule.region, endpoint), *window)
    baseline = definition["DataQualityBaselineConfig"]
    stats = read_json(s3, baseline["StatisticsResource"]["S3Uri"])
    constraints = read_json(s3, baseline["ConstraintsResource"]["S3Uri"])
    found, drift = monitoring.violations(stats, constraints, frame, set())
    output = definition["DataQualityJobOutputConfig"]
    name = schedule.fields["MonitoringScheduleName"]
    target = S3Uri.parse(output["MonitoringOutputs"][0]["S3Output"]["S3Uri"].rstrip("/")).join(
        endpoint, name, f"{scheduled:%Y/%m/%d/%H}"
    )
    write_report(
        s3, target, "statistics.json", monitoring.statistics(frame, _schema(stats, frame)), output.get("KmsKeyId")
    )
    write_report(s3, target, "constraint_violations.json", {"violations": found}, output.get("KmsKeyId"))
    _publish_drift(schedule.region, endpoint, name, drift, scheduled)
    return found
