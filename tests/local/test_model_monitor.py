"""Model Monitor on the emulator (pipelines_src/local/model_monitor.py): data-quality job
definitions and monitoring schedules as the provider and the SageMaker API use them; an
execution analyses the endpoint's captured requests against the baseline with the registry's
monitoring code and writes Model Monitor's reports and drift metrics; schedules run on cron."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from pipelines_src.contracts import Column, DatasetSchema
from pipelines_src.local import emulator, model_monitor, model_monitor_job, runtime_ext
from pipelines_src.local.cron import Cron, CronError
from pipelines_src.steps import monitoring
from tests.conftest import run_now

BUCKET = "monitor-artifacts"
ROLE = "arn:aws:iam::123456789012:role/monitor"
SCHEMA = DatasetSchema(columns=(Column("torque_nm", "float"), Column("shift", "category")), target="")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ----------------------------------------------------------------------------- cron
def test_cron_names_the_minutes_aws_would() -> None:
    hourly = Cron.parse("cron(0 * ? * * *)")
    assert hourly.times_between(at("2026-12-01T10:30"), at("2026-12-01T12:10")) == [
        at("2026-12-01T11:00"),
        at("2026-12-01T12:00"),
    ]
    weekdays = Cron.parse("cron(15 8 ? * MON-FRI *)")
    assert weekdays.next_after(at("2026-12-04T09:00")) == at("2026-12-07T08:15")  # Friday -> Monday
    quarter = Cron.parse("cron(*/15 6 1 JAN,JUL ? 2027)")
    assert quarter.times_between(at("2027-01-01T05:59"), at("2027-01-01T07:00"))[-1] == at("2027-01-01T06:45")
    assert quarter.next_after(at("2027-07-01T07:00")) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [("rate(1 hour)", "give cron("), ("cron(0 * * *)", "give cron("), ("cron(61 * ? * * *)", "within 0-59")],
)
def test_bad_cron_is_refused_naming_the_fix(expression: str, message: str) -> None:
    with pytest.raises(CronError, match=message.replace("(", r"\(")):
        Cron.parse(expression)


def test_the_scheduler_runs_a_due_schedule_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tick after two due minutes starts one execution, for the latest of them."""
    submitted: list[tuple[Any, ...]] = []
    monkeypatch.setattr(runtime_ext, "submit", lambda *call: submitted.append(call))
    arn = "arn:aws:sagemaker:eu-central-1:123456789012:monitoring-schedule/every-minute"
    config = {"MonitoringJobDefinitionName": "d", "ScheduleConfig": {"ScheduleExpression": "cron(* * ? * * *)"}}
    fields = {"MonitoringScheduleName": "every-minute", "MonitoringScheduleStatus": "Scheduled"}
    schedule = model_monitor._Monitored(
        fields | {"MonitoringScheduleConfig": config}, [], "123456789012", "eu-central-1"
    )
    schedule.checked = datetime.now(UTC) - timedelta(minutes=2, seconds=1)
    monkeypatch.setitem(model_monitor._STORE, arn, schedule)
    model_monitor._tick()
    model_monitor._tick()  # nothing new is due a moment later
    assert len(submitted) == 1
    assert submitted[0][0] is model_monitor.run_execution
    assert datetime.now(UTC) - submitted[0][2] < timedelta(minutes=1)


# ----------------------------------------------------------------------------- API and executions
@pytest.fixture(scope="module")
def aws(local_emulator: emulator.Emulator) -> dict[str, Any]:
    services = ("s3", "sagemaker", "cloudwatch", "kms")
    clients = {name: local_emulator.client(name) for name in services}
    clients["s3"].create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    clients["key"] = clients["kms"].create_key()["KeyMetadata"]["Arn"]
    rng = np.random.default_rng(7)
    training = pd.DataFrame({"torque_nm": rng.normal(40, 5, 500), "shift": rng.choice(["day", "night"], 500)})
    stats = monitoring.statistics(training, SCHEMA)
    for name, content in (("statistics.json", stats), ("constraints.json", monitoring.constraints(stats))):
        clients["s3"].put_object(Bucket=BUCKET, Key=f"baseline/{name}", Body=json.dumps(content).encode())
    return clients


def _endpoint(aws: dict[str, Any], name: str, capture: bool = True) -> None:
    sm = aws["sagemaker"]
    sm.create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/m:1",
            "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz",
        },
    )
    variant = {"VariantName": "primary", "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
    capture_config = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": f"s3://{BUCKET}/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[variant],
        **({"DataCaptureConfig": capture_config} if capture else {}),
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)


def _capture(
    aws: dict[str, Any], endpoint: str, records: list[dict[str, Any]], when: datetime, csv: bool = False
) -> None:
    """Requests as SageMaker writes them: one JSON line each, under <endpoint>/<variant>/yyyy/mm/dd/hh/."""
    lines = []
    for record in records:
        data = ",".join(str(v) for v in record.values()) if csv else json.dumps({"instances": [record]})
        kind = "text/csv" if csv else "application/json"
        lines.append(
            json.dumps(
                {
                    "captureData": {
                        "endpointInput": {
                            "observedContentType": kind,
                            "mode": "INPUT",
                            "data": data,
                            "encoding": "CSV" if csv else "JSON",
                        },
                        "endpointOutput": {
                            "observedContentType": "application/json",
                            "mode": "OUTPUT",
                            "data": "{}",
                            "encoding": "JSON",
                        },
                    },
                    "eventMetadata": {"eventId": "e", "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
                    "eventVersion": "0",
                }
            )
        )
    key = f"capture/{endpoint}/primary/{when:%Y/%m/%d/%H}/part-{when:%M%S}.jsonl"
    aws["s3"].put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines).encode())


def _definition(aws: dict[str, Any], name: str, endpoint: str) -> None:
    aws["sagemaker"].create_data_quality_job_definition(
        JobDefinitionName=name,
        DataQualityAppSpecification={
            "ImageUri": "156813124566.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-model-monitor-analyzer"
        },
        DataQualityBaselineConfig={
            "ConstraintsResource": {"S3Uri": f"s3://{BUCKET}/baseline/constraints.json"},
            "StatisticsResource": {"S3Uri": f"s3://{BUCKET}/baseline/statistics.json"},
        },
        DataQualityJobInput={
            "EndpointInput": {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input/endpoint"}
        },
        DataQualityJobOutputConfig={
            "MonitoringOutputs": [
                {"S3Output": {"S3Uri": f"s3://{BUCKET}/reports", "LocalPath": "/opt/ml/processing/output"}}
            ],
            "KmsKeyId": aws["key"],
        },
        JobResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30}},
        RoleArn=ROLE,
        Tags=[{"Key": "use-case", "Value": "quality"}],
    )


def test_a_drifted_hour_is_reported_in_model_monitor_formats(aws: dict[str, Any]) -> None:
    _endpoint(aws, "drifting")
    now = datetime.now(UTC)
    rng = np.random.default_rng(3)
    drifted = [{"torque_nm": float(v), "shift": "day"} for v in rng.normal(60, 5, 200)]
    _capture(aws, "drifting", drifted, now - timedelta(minutes=1))
    _capture(aws, "drifting", [{"torque_nm": 40.0, "shift": "weekend"}], now - timedelta(hours=3))  # outside
    _capture(aws, "drifting", [{"torque_nm": 40.0, "shift": "holiday"}], now - timedelta(minutes=62))  # just outside
    _definition(aws, "drifting-dq", "drifting")
    execution = run_now(aws["sagemaker"], "drifting-now", "drifting-dq", "DataQuality")
    assert execution["MonitoringExecutionStatus"] == "CompletedWithViolations", execution
    assert (
        execution["EndpointName"] == "drifting" and ":processing-job/model-monitoring-" in execution["ProcessingJobArn"]
    )

    scheduled = execution["ScheduledTime"]
    prefix = f"reports/drifting/drifting-now/{scheduled:%Y/%m/%d/%H}/"
    listed = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]
    assert sorted(item["Key"][len(prefix) :] for item in listed) == ["constraint_violations.json", "statistics.json"]
    head = aws["s3"].head_object(Bucket=BUCKET, Key=prefix + "statistics.json")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == aws["key"]
    violations = json.loads(
        aws["s3"].get_object(Bucket=BUCKET, Key=prefix + "constraint_violations.json")["Body"].read()
    )
    assert [(v["feature_name"], v["constraint_check_type"]) for v in violations["violations"]] == [
        ("torque_nm", "baseline_drift_check")
    ]  # the 'weekend' and 'holiday' requests are older than the window's hour
    stats = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key=prefix + "statistics.json")["Body"].read())
    assert stats["dataset"]["item_count"] == 200

    metrics = aws["cloudwatch"].list_metrics(Namespace=model_monitor_job.METRICS_NAMESPACE)["Metrics"]
    schedule = {"Name": "MonitoringSchedule", "Value": "drifting-now"}
    drift = [
        m for m in metrics if m["MetricName"] == "feature_baseline_drift_torque_nm" and schedule in m["Dimensions"]
    ]
    assert drift, metrics
    described = aws["sagemaker"].describe_monitoring_schedule(MonitoringScheduleName="drifting-now")
    assert described["LastMonitoringExecutionSummary"]["MonitoringExecutionStatus"] == "CompletedWithViolations"


@pytest.mark.parametrize(
    ("endpoint", "capture", "csv", "reason"),
    [
        ("quiet", True, False, "no captured data under s3://monitor-artifacts/capture/quiet"),
        ("uncaptured", False, False, "captures no data"),
        ("csv-fed", True, True, "send application/json"),
    ],
)
def test_an_execution_without_usable_data_fails_naming_why(
    aws: dict[str, Any], endpoint: str, capture: bool, csv: bool, reason: str
) -> None:
    _endpoint(aws, endpoint, capture)
    if csv:
        _capture(aws, endpoint, [{"torque_nm": 40.0, "shift": "day"}], datetime.now(UTC), csv=True)
    _definition(aws, f"{endpoint}-dq", endpoint)
    execution = run_now(aws["sagemaker"], f"{endpoint}-now", f"{endpoint}-dq", "DataQuality")
    assert execution["MonitoringExecutionStatus"] == "Failed"
    assert reason in execution["FailureReason"]


def test_schedules_round_trip_as_the_provider_reads_them(aws: dict[str, Any]) -> None:
    sm = aws["sagemaker"]
    _endpoint(aws, "hourly")
    _definition(aws, "hourly-dq", "hourly")
    config = {
        "MonitoringJobDefinitionName": "hourly-dq",
        "MonitoringType": "DataQuality",
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
    }
    arn = sm.create_monitoring_schedule(
        MonitoringScheduleName="hourly", MonitoringScheduleConfig=config, Tags=[{"Key": "a", "Value": "b"}]
    )["MonitoringScheduleArn"]
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="hourly")
    assert (described["MonitoringScheduleStatus"], described["EndpointName"]) == ("Scheduled", "hourly")
    assert described["MonitoringScheduleConfig"] == config
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "b"}]
    definition = sm.describe_data_quality_job_definition(JobDefinitionName="hourly-dq")
    assert definition["DataQualityJobInput"]["EndpointInput"]["EndpointName"] == "hourly"
    sm.update_monitoring_schedule(
        MonitoringScheduleName="hourly",
        MonitoringScheduleConfig=config | {"ScheduleConfig": {"ScheduleExpression": "cron(0 */6 ? * * *)"}},
    )
    assert (
        sm.describe_monitoring_schedule(MonitoringScheduleName="hourly")["MonitoringScheduleConfig"]["ScheduleConfig"][
            "ScheduleExpression"
        ]
        == "cron(0 */6 ? * * *)"
    )
    assert "hourly" in [
        s["MonitoringScheduleName"]
        for s in sm.list_monitoring_schedules(EndpointName="hourly")["MonitoringScheduleSummaries"]
    ]
    sm.delete_monitoring_schedule(MonitoringScheduleName="hourly")
    sm.delete_data_quality_job_definition(JobDefinitionName="hourly-dq")
    for call, key in (
        (sm.describe_monitoring_schedule, "MonitoringScheduleName"),
        (sm.describe_data_quality_job_definition, "JobDefinitionName"),
    ):
        with pytest.raises(ClientError, match="ResourceNotFound"):
            call(**{key: "hourly" if "Schedule" in key else "hourly-dq"})


def test_bad_schedules_are_refused_naming_the_field(aws: dict[str, Any]) -> None:
    sm = aws["sagemaker"]
    _endpoint(aws, "refusing")
    _definition(aws, "refusing-dq", "refusing")
    bad = {"MonitoringJobDefinitionName": "refusing-dq", "ScheduleConfig": {"ScheduleExpression": "cron(0 25 ? * * *)"}}
    with pytest.raises(ClientError, match="ScheduleExpression: cron field '25': values must be within 0-23"):
        sm.create_monitoring_schedule(MonitoringScheduleName="refusing", MonitoringScheduleConfig=bad)
    unknown = {"MonitoringJobDefinitionName": "nothing", "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"}}
    with pytest.raises(ClientError, match="Could not find data quality job definition 'nothing'"):
        sm.create_monitoring_schedule(MonitoringScheduleName="refusing", MonitoringScheduleConfig=unknown)
    assert "refusing" not in [
        s["MonitoringScheduleName"] for s in sm.list_monitoring_schedules()["MonitoringScheduleSummaries"]
    ]
