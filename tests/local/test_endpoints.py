"""Endpoints on the emulator that really predict (pipelines_src/local/endpoints.py): boto3's
invoke_endpoint returns the trained model's own predictions, requests are captured in
SageMaker's format and encrypted, an update swaps the serving process, a bad model fails the
endpoint naming why, and Model Monitor analyses what was captured."""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from pipelines_src.local import demo_serving, emulator
from pipelines_src.serving.app import Predictor
from tests.conftest import ended_run, model_archive, run_now, weak_model

BUCKET = "endpoint-artifacts"
ROLE = "arn:aws:iam::123456789012:role/serving"
IMAGE = "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def _wait(sm: Any, name: str, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = sm.describe_endpoint(EndpointName=name)
        if found["EndpointStatus"] not in ("Creating", "Updating") or time.monotonic() > deadline:
            return dict(found)
        time.sleep(0.3)


def _variant(sm: Any, name: str, model_data: str, variant: str = "primary") -> dict[str, Any]:
    sm.create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/{model_data}"},
    )
    return {"VariantName": variant, "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}


def _config(
    sm: Any, name: str, key: str, *, sampling: int = 100, model_data: str = "model.tar.gz", shadow: str | None = None
) -> None:
    """An endpoint configuration of `model_data`, captured; `shadow` the model of a shadow variant."""
    shadows = {"ShadowProductionVariants": [_variant(sm, f"{name}-shadow", shadow, "shadow")]} if shadow else {}
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[_variant(sm, name, model_data)],
        **shadows,
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": sampling,
            "DestinationS3Uri": f"s3://{BUCKET}/capture",
            "KmsKeyId": key,
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        },
    )


@pytest.fixture(scope="module")
def aws(local_emulator: emulator.Emulator, trained: dict[str, Path]) -> Iterator[dict[str, Any]]:
    clients = {
        name: local_emulator.client(name) for name in ("s3", "sagemaker", "sagemaker-runtime", "kms", "cloudwatch")
    }
    clients["s3"].create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    clients["s3"].put_object(Bucket=BUCKET, Key="model.tar.gz", Body=model_archive(trained["model"]))
    for name in ("statistics.json", "constraints.json"):
        clients["s3"].put_object(
            Bucket=BUCKET, Key=f"baseline/{name}", Body=(trained["monitoring"] / name).read_bytes()
        )
    clients["key"] = clients["kms"].create_key()["KeyMetadata"]["Arn"]
    _config(clients["sagemaker"], "scoring", clients["key"])
    clients["sagemaker"].create_endpoint(EndpointName="scoring", EndpointConfigName="scoring")
    assert _wait(clients["sagemaker"], "scoring")["EndpointStatus"] == "InService"
    yield clients
    clients["sagemaker"].delete_endpoint(EndpointName="scoring")


def _invoke(aws: dict[str, Any], body: str, content_type: str, endpoint: str = "scoring") -> Any:
    return aws["sagemaker-runtime"].invoke_endpoint(EndpointName=endpoint, Body=body.encode(), ContentType=content_type)


def _records(rows: int, drift: bool = False) -> list[dict[str, Any]]:
    return demo_serving.client_records(rows, seed=11, drift=drift)


def test_invoke_endpoint_returns_the_models_own_predictions(aws: dict[str, Any], trained: dict[str, Path]) -> None:
    body = json.dumps({"instances": _records(5)}, default=str)
    answer = _invoke(aws, body, "application/json")
    assert answer["ContentType"] == "application/json" and answer["InvokedProductionVariant"] == "primary"
    assert json.loads(answer["Body"].read()) == Predictor(trained["model"]).from_json(body)


def test_csv_feature_rows_are_scored(aws: dict[str, Any], trained: dict[str, Path]) -> None:
    rows = (trained["features"] / "test" / "test.csv").read_text().splitlines()[:3]
    features = "\n".join(r.split(",", 1)[1] for r in rows)
    scores = _invoke(aws, features, "text/csv")["Body"].read().decode().split()
    assert len(scores) == 3 and all(0 <= float(s) <= 1 for s in scores)


def test_a_bad_request_is_a_model_error_with_the_containers_answer(aws: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(aws, "{}", "application/json")
    error = raised.value.response
    assert error["Error"]["Code"] == "ModelError" and error["OriginalStatusCode"] == 400
    assert "instances" in error["OriginalMessage"]
    with pytest.raises(ClientError, match="Endpoint nowhere of account 123456789012 not found"):
        _invoke(aws, "1", "text/csv", endpoint="nowhere")


def _captured(aws: dict[str, Any], endpoint: str, timeout: float = 10.0) -> list[tuple[str, dict[str, Any]]]:
    """(key, record) of every captured request, once the buffer was written."""
    deadline = time.monotonic() + timeout
    while True:
        listed = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix=f"capture/{endpoint}/").get("Contents", [])
        if listed or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    found = []
    for item in listed:
        for line in aws["s3"].get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read().decode().splitlines():
            found.append((item["Key"], json.loads(line)))
    return found


def test_requests_are_captured_in_sagemakers_format(aws: dict[str, Any]) -> None:
    body = json.dumps({"instances": _records(2)}, default=str)
    answer = _invoke(aws, body, "application/json")["Body"].read()
    time.sleep(1.5)  # the capture buffer is written every second
    captured = _captured(aws, "scoring")
    key, record = next(
        (k, r) for k, r in captured if base64.b64decode(r["captureData"]["endpointInput"]["data"]) == body.encode()
    )
    parts = key.split("/")
    assert (
        parts[:3] == ["capture", "scoring", "primary"] and len(parts[3]) == 4 and len(parts) == 8
    )  # yyyy/mm/dd/hh/file
    assert record["captureData"]["endpointInput"]["encoding"] == "BASE64"  # no CaptureContentTypeHeader given
    assert record["captureData"]["endpointInput"]["observedContentType"] == "application/json"
    assert base64.b64decode(record["captureData"]["endpointOutput"]["data"]) == answer
    assert record["eventMetadata"]["inferenceTime"].endswith("Z") and record["eventVersion"] == "0"
    head = aws["s3"].head_object(Bucket=BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == aws["key"]


def test_monitoring_analyses_the_captured_traffic(aws: dict[str, Any]) -> None:
    for _ in range(20):
        _invoke(aws, json.dumps({"instances": _records(20, drift=True)}, default=str), "application/json")
    time.sleep(1.5)
    sm = aws["sagemaker"]
    sm.create_data_quality_job_definition(
        JobDefinitionName="scoring-dq",
        DataQualityAppSpecification={"ImageUri": "analyzer"},
        DataQualityBaselineConfig={
            "ConstraintsResource": {"S3Uri": f"s3://{BUCKET}/baseline/constraints.json"},
            "StatisticsResource": {"S3Uri": f"s3://{BUCKET}/baseline/statistics.json"},
        },
        DataQualityJobInput={"EndpointInput": {"EndpointName": "scoring", "LocalPath": "/opt/ml/processing/input"}},
        DataQualityJobOutputConfig={
            "MonitoringOutputs": [
                {"S3Output": {"S3Uri": f"s3://{BUCKET}/reports", "LocalPath": "/opt/ml/processing/output"}}
            ]
        },
        JobResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30}},
        RoleArn=ROLE,
    )
    execution = run_now(sm, "scoring-now", "scoring-dq", "DataQuality")
    assert execution["MonitoringExecutionStatus"] == "CompletedWithViolations", execution
    reports = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="reports/scoring/scoring-now/")["Contents"]
    violations_key = next(r["Key"] for r in reports if r["Key"].endswith("constraint_violations.json"))
    violations = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key=violations_key)["Body"].read())["violations"]
    assert {v["constraint_check_type"] for v in violations} == {"baseline_drift_check"}


def test_an_update_swaps_the_serving_process_and_honours_sampling(aws: dict[str, Any]) -> None:
    sm = aws["sagemaker"]
    _config(sm, "sampled", aws["key"])
    sm.create_endpoint(EndpointName="sampled", EndpointConfigName="sampled")
    assert _wait(sm, "sampled")["EndpointStatus"] == "InService"
    _config(sm, "unsampled", aws["key"], sampling=0)
    sm.update_endpoint(EndpointName="sampled", EndpointConfigName="unsampled")
    updated = _wait(sm, "sampled")
    assert (updated["EndpointStatus"], updated["EndpointConfigName"]) == ("InService", "unsampled")
    for _ in range(10):
        _invoke(aws, json.dumps({"instances": _records(1)}, default=str), "application/json", endpoint="sampled")
    time.sleep(1.5)
    assert _captured(aws, "sampled", timeout=0) == []  # 0 % sampled
    sm.delete_endpoint(EndpointName="sampled")
    time.sleep(0.5)
    with pytest.raises(ClientError, match="Endpoint sampled of account"):
        _invoke(aws, "1", "text/csv", endpoint="sampled")


def _at(seconds: float, zone: str = "UTC") -> str:
    """An EventBridge Scheduler one-time expression, `seconds` from now in `zone`."""
    from zoneinfo import ZoneInfo

    return f"at({datetime.now(ZoneInfo(zone)) + timedelta(seconds=seconds):%Y-%m-%dT%H:%M:%S})"


def _exists(sm: Any, name: str, wanted: bool, timeout: float = 30.0) -> bool:
    """Whether the endpoint came to exist (or ceased to) within the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            sm.describe_endpoint(EndpointName=name)
            if wanted:
                return True
        except ClientError:
            if not wanted:
                return True
        time.sleep(0.5)
    return False


def _dead_letters(sqs: Any, queue: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        if found:
            return [json.loads(m["Body"]) for m in found]
    return []


def test_office_hours_schedules_delete_and_create_the_endpoint_again(
    aws: dict[str, Any], local_emulator: emulator.Emulator
) -> None:
    """realtime-endpoint's office hours as EventBridge Scheduler runs them (universal targets
    aws-sdk:sagemaker:deleteEndpoint/createEndpoint with the module's Input): the evening
    schedule, in its own time zone, deletes the endpoint; the morning one creates it again from
    the same configuration and it predicts; a call that fails goes to the dead-letter queue."""
    sm, scheduler, sqs = aws["sagemaker"], local_emulator.client("scheduler"), local_emulator.client("sqs")
    _config(sm, "office", aws["key"])
    sm.create_endpoint(EndpointName="office", EndpointConfigName="office")
    assert _wait(sm, "office")["EndpointStatus"] == "InService"
    queue = sqs.create_queue(QueueName="office-hours-dlq")["QueueUrl"]
    dead_letter = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def schedule(name: str, action: str, body: dict[str, Any], zone: str = "UTC") -> None:
        target = {"Arn": f"arn:aws:scheduler:::aws-sdk:sagemaker:{action}", "RoleArn": ROLE, "Input": json.dumps(body)}
        scheduler.create_schedule(
            Name=name,
            ScheduleExpression=_at(3, zone),
            ScheduleExpressionTimezone=zone,
            FlexibleTimeWindow={"Mode": "OFF"},
            Target=target | {"DeadLetterConfig": {"Arn": dead_letter}},
            ActionAfterCompletion="DELETE",
        )

    schedule("office-stop", "deleteEndpoint", {"EndpointName": "office"}, zone="Europe/Berlin")
    assert _exists(sm, "office", wanted=False), "the evening schedule did not delete the endpoint"
    schedule("office-start", "createEndpoint", {"EndpointName": "office", "EndpointConfigName": "office"})
    assert _exists(sm, "office", wanted=True), "the morning schedule did not create it again"
    assert _wait(sm, "office", timeout=60)["EndpointStatus"] == "InService"
    assert json.loads(
        _invoke(aws, json.dumps({"instances": _records(2)}, default=str), "application/json", "office")["Body"].read()
    )["predictions"]
    schedule("office-broken", "createEndpoint", {"EndpointName": "office-2", "EndpointConfigName": "missing"})
    (letter,) = _dead_letters(sqs, queue)
    assert letter["schedule"].endswith("/office-broken") and "missing" in letter["error"], letter
    left = {s["Name"] for s in scheduler.list_schedules()["Schedules"]}
    assert not left & {"office-stop", "office-start", "office-broken"}, "one-time schedules delete themselves"
    sm.delete_endpoint(EndpointName="office")


def test_a_model_that_cannot_be_fetched_fails_the_endpoint(aws: dict[str, Any]) -> None:
    sm = aws["sagemaker"]
    _config(sm, "broken", aws["key"], model_data="missing/model.tar.gz")
    sm.create_endpoint(EndpointName="broken", EndpointConfigName="broken")
    found = _wait(sm, "broken")
    assert found["EndpointStatus"] == "Failed"
    assert f"Failed to download model data from s3://{BUCKET}/missing/model.tar.gz" in found["FailureReason"]


def test_a_failed_update_rolls_back_to_the_serving_configuration(aws: dict[str, Any]) -> None:
    """As SageMaker does: the old configuration serves again, InService, with FailureReason set."""
    sm = aws["sagemaker"]
    _config(sm, "steady", aws["key"])
    sm.create_endpoint(EndpointName="steady", EndpointConfigName="steady")
    assert _wait(sm, "steady")["EndpointStatus"] == "InService"
    _config(sm, "steady-broken", aws["key"], model_data="missing/model.tar.gz")
    sm.update_endpoint(EndpointName="steady", EndpointConfigName="steady-broken")
    found = _wait(sm, "steady")
    assert (found["EndpointStatus"], found["EndpointConfigName"]) == ("InService", "steady")
    assert found["FailureReason"].startswith("update rolled back: Failed to download model data")
    answer = _invoke(aws, json.dumps({"instances": _records(1)}, default=str), "application/json", endpoint="steady")
    assert len(json.loads(answer["Body"].read())["predictions"]) == 1, "the old configuration still serves"
    sm.delete_endpoint(EndpointName="steady")


def _canary(percent: int, wait_s: int, alarms: list[str] | None = None) -> dict[str, Any]:
    policy = {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": percent},
            "WaitIntervalInSeconds": wait_s,
        },
        "TerminationWaitInSeconds": 0,
    }
    rollback = {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": a} for a in alarms]}} if alarms else {}
    return {"BlueGreenUpdatePolicy": policy, **rollback}


def _steady(aws: dict[str, Any], name: str, new_model: Path) -> str:
    """An endpoint serving the trained model, and a configuration of `new_model` for its update."""
    sm = aws["sagemaker"]
    _config(sm, name, aws["key"])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    assert _wait(sm, name)["EndpointStatus"] == "InService"
    aws["s3"].put_object(Bucket=BUCKET, Key=f"{name}/new.tar.gz", Body=model_archive(new_model))
    _config(sm, f"{name}-new", aws["key"], model_data=f"{name}/new.tar.gz")
    return f"{name}-new"


def test_a_canary_update_sends_its_share_then_every_request_to_the_new_fleet(
    aws: dict[str, Any], trained: dict[str, Path], tmp_path: Path
) -> None:
    sm, records = aws["sagemaker"], _records(1)
    body = json.dumps({"instances": records}, default=str)
    old_score = Predictor(trained["model"]).from_json(body)["predictions"]
    new_config = _steady(aws, "canaried", weak_model(trained["model"], tmp_path / "weak"))
    sm.update_endpoint(EndpointName="canaried", EndpointConfigName=new_config, DeploymentConfig=_canary(50, 10))

    def score() -> Any:
        return json.loads(_invoke(aws, body, "application/json", "canaried")["Body"].read())["predictions"]

    first_new = 1 + next(i for i in range(1000) if score() != old_score)  # once the new fleet answers /ping
    scores = [score() for _ in range(60)]
    assert sm.describe_endpoint(EndpointName="canaried")["EndpointStatus"] == "Updating", "the canary wait was over"
    on_new = sum(1 for s in scores if s != old_score)
    assert 12 <= on_new <= 48, f"{on_new} of 60 requests on the 50 % canary"
    done = _wait(sm, "canaried")
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", new_config)
    assert all(score() != old_score for _ in range(10)), "the old fleet still answered after the shift"
    time.sleep(1.5)  # metrics are published every second
    assert _metric_sum(aws, "canaried", "Invocations") == first_new + 60 + 10
    assert _metric_sum(aws, "canaried", "Invocation4XXErrors") == 0
    sm.delete_endpoint(EndpointName="canaried")


def test_a_canary_whose_alarm_fires_rolls_back_to_the_old_fleet(
    aws: dict[str, Any], trained: dict[str, Path], tmp_path: Path
) -> None:
    """The new model cannot read JSON records (no transformer): its 4xx answers fire the
    rollback alarm long before the canary's wait is over, and the old fleet serves alone again."""
    sm = aws["sagemaker"]
    broken = shutil.copytree(trained["model"], tmp_path / "no-transformer")
    shutil.rmtree(broken / "transformer")
    new_config = _steady(aws, "guarded", broken)
    aws["cloudwatch"].put_metric_alarm(
        AlarmName="guarded-4xx",
        Namespace="AWS/SageMaker",
        MetricName="Invocation4XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": "guarded"}, {"Name": "VariantName", "Value": "primary"}],
        Statistic="Sum",
        Period=10,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    started = time.monotonic()
    sm.update_endpoint(
        EndpointName="guarded", EndpointConfigName=new_config, DeploymentConfig=_canary(50, 120, ["guarded-4xx"])
    )
    body, failed = json.dumps({"instances": _records(1)}, default=str), 0
    while sm.describe_endpoint(EndpointName="guarded")["EndpointStatus"] == "Updating":
        try:
            _invoke(aws, body, "application/json", "guarded")
        except ClientError as exc:
            failed += exc.response["Error"]["Code"] == "ModelError"
        assert time.monotonic() - started < 60, "the alarm did not roll the canary back"
    found = sm.describe_endpoint(EndpointName="guarded")
    assert failed > 0 and (found["EndpointStatus"], found["EndpointConfigName"]) == ("InService", "guarded")
    assert "alarm guarded-4xx went to ALARM" in found["FailureReason"]
    alarm = aws["cloudwatch"].describe_alarms(AlarmNames=["guarded-4xx"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM" and "Threshold Crossed" in alarm["StateReason"]
    for _ in range(20):  # the old fleet serves every request again
        assert len(json.loads(_invoke(aws, body, "application/json", "guarded")["Body"].read())["predictions"]) == 1
    sm.delete_endpoint(EndpointName="guarded")


def test_an_update_in_progress_cannot_be_updated_again(aws: dict[str, Any], trained: dict[str, Path]) -> None:
    sm = aws["sagemaker"]
    new_config = _steady(aws, "busy", trained["model"])
    sm.update_endpoint(EndpointName="busy", EndpointConfigName=new_config, DeploymentConfig=_canary(10, 30))
    with pytest.raises(ClientError, match="Cannot update in-progress endpoint"):
        sm.update_endpoint(EndpointName="busy", EndpointConfigName="busy")
    sm.delete_endpoint(EndpointName="busy")


def _metric_sum(aws: dict[str, Any], endpoint: str, metric: str, variant: str = "primary") -> float:
    now = datetime.now(UTC)
    found = aws["cloudwatch"].get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName=metric,
        Dimensions=[{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return float(sum(point["Sum"] for point in found))


def test_an_alarm_already_in_alarm_when_the_update_starts_does_not_roll_it_back(
    aws: dict[str, Any], trained: dict[str, Path], tmp_path: Path
) -> None:
    """SageMaker rolls back on an alarm that trips during the update: a drift alarm already
    firing must not keep the retrained model out."""
    sm, cloudwatch = aws["sagemaker"], aws["cloudwatch"]
    new_config = _steady(aws, "drifting", weak_model(trained["model"], tmp_path / "weak"))
    cloudwatch.put_metric_data(Namespace="test/drift", MetricData=[{"MetricName": "drift_x", "Value": 0.5}])
    cloudwatch.put_metric_alarm(
        AlarmName="drifting-x",
        Namespace="test/drift",
        MetricName="drift_x",
        Statistic="Maximum",
        Period=600,
        EvaluationPeriods=1,
        Threshold=0.1,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    sm.update_endpoint(
        EndpointName="drifting", EndpointConfigName=new_config, DeploymentConfig=_canary(50, 2, ["drifting-x"])
    )
    done = _wait(sm, "drifting")
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", new_config), done.get("FailureReason")
    assert cloudwatch.describe_alarms(AlarmNames=["drifting-x"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    sm.delete_endpoint(EndpointName="drifting")


def test_a_shadow_variant_gets_a_copy_of_each_request_its_answers_captured_never_returned(
    aws: dict[str, Any], trained: dict[str, Path], tmp_path: Path
) -> None:
    sm, challenger = aws["sagemaker"], weak_model(trained["model"], tmp_path / "weak")
    aws["s3"].put_object(Bucket=BUCKET, Key="shadow-served/challenger.tar.gz", Body=model_archive(challenger))
    _config(sm, "shadow-served", aws["key"], shadow="shadow-served/challenger.tar.gz")
    assert sm.describe_endpoint_config(EndpointConfigName="shadow-served")["ShadowProductionVariants"][0][
        "VariantName"
    ] == ("shadow")
    sm.create_endpoint(EndpointName="shadow-served", EndpointConfigName="shadow-served")
    assert _wait(sm, "shadow-served")["EndpointStatus"] == "InService"
    bodies = [json.dumps({"instances": _records(rows)}, default=str) for rows in range(1, 11)]
    for body in bodies:
        answer = _invoke(aws, body, "application/json", "shadow-served")
        assert answer["InvokedProductionVariant"] == "primary"
        assert json.loads(answer["Body"].read()) == Predictor(trained["model"]).from_json(body)
    shadowed: list[dict[str, Any]] = []
    deadline = time.monotonic() + 15
    while len(shadowed) < len(bodies) and time.monotonic() < deadline:
        time.sleep(1)
        shadowed = [record["captureData"] for _, record in _captured(aws, "shadow-served/shadow")]
    answered = {
        base64.b64decode(c["endpointInput"]["data"]).decode(): json.loads(base64.b64decode(c["endpointOutput"]["data"]))
        for c in shadowed
    }
    assert sorted(answered) == sorted(bodies), f"{len(shadowed)} of {len(bodies)} requests copied to the shadow"
    for body, predictions in answered.items():
        assert predictions == Predictor(challenger).from_json(body) != Predictor(trained["model"]).from_json(body)
    time.sleep(1.5)  # metrics are published every second
    assert _metric_sum(aws, "shadow-served", "Invocations", "shadow") == len(bodies)
    sm.delete_endpoint(EndpointName="shadow-served")


def _event_ids(aws: dict[str, Any], bodies: list[str]) -> dict[str, str]:
    """The capture's eventId of each request body sent."""
    found = demo_serving.captured_event_ids(aws["s3"], f"s3://{BUCKET}/capture/scoring/primary/")
    return {body: found[body] for body in bodies if body in found}


def _model_quality_definition(sm: Any) -> None:
    sm.create_model_quality_job_definition(
        JobDefinitionName="scoring-mq",
        ModelQualityAppSpecification={"ImageUri": "analyzer", "ProblemType": "BinaryClassification"},
        ModelQualityBaselineConfig={"ConstraintsResource": {"S3Uri": f"s3://{BUCKET}/quality/constraints.json"}},
        ModelQualityJobInput={
            "EndpointInput": {
                "EndpointName": "scoring",
                "LocalPath": "/opt/ml/processing/input",
                "ProbabilityAttribute": "predictions",
                "ProbabilityThresholdAttribute": 0.5,
            },
            "GroundTruthS3Input": {"S3Uri": f"s3://{BUCKET}/ground-truth"},
        },
        ModelQualityJobOutputConfig={
            "MonitoringOutputs": [
                {"S3Output": {"S3Uri": f"s3://{BUCKET}/quality-reports", "LocalPath": "/opt/ml/processing/output"}}
            ]
        },
        JobResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30}},
        RoleArn=ROLE,
    )


def test_model_quality_merges_captured_predictions_with_uploaded_labels(aws: dict[str, Any]) -> None:
    """Model Monitor's model-quality job on the endpoint: the predictions callers got, merged with
    the ground truth uploaded for their eventIds, give the metrics scikit-learn computes on them;
    a constraint they miss is a violation, and each metric reaches CloudWatch."""
    from sklearn.metrics import recall_score, roc_auc_score

    from pipelines_src import datasets

    frame = datasets.generate(200, seed=41)
    labels = frame["failure"].astype(int).tolist()
    records = [
        {str(k): v for k, v in r.items()} for r in frame.drop(columns=["failure", "cycle_id"]).to_dict("records")
    ]
    bodies = [json.dumps({"instances": records[i : i + 10]}, default=str) for i in range(0, 200, 10)]
    scores = [
        p for body in bodies for p in json.loads(_invoke(aws, body, "application/json")["Body"].read())["predictions"]
    ]
    time.sleep(1.5)  # the capture is written every second
    events = _event_ids(aws, bodies)
    assert len(events) == 20
    _upload_truth(aws, "ground-truth", events, bodies, labels)
    rules = {
        "auc": {"threshold": 0.999, "comparison_operator": "LessThanThreshold"},
        "accuracy": {"threshold": 0.01, "comparison_operator": "LessThanThreshold"},
    }
    aws["s3"].put_object(
        Bucket=BUCKET,
        Key="quality/constraints.json",
        Body=json.dumps({"binary_classification_constraints": rules}).encode(),
    )
    sm = aws["sagemaker"]
    _model_quality_definition(sm)
    execution = run_now(sm, "scoring-mq-now", "scoring-mq", "ModelQuality")
    assert execution["MonitoringExecutionStatus"] == "CompletedWithViolations", execution
    read = _reports(aws, "quality-reports/scoring/scoring-mq-now/")
    statistics = read["statistics.json"]
    assert statistics["dataset"]["requests"] == 20 and statistics["dataset"]["item_count"] == 200
    metrics = statistics["binary_classification_metrics"]
    predicted = [int(s >= 0.5) for s in scores]
    assert metrics["recall"]["value"] == pytest.approx(recall_score(labels, predicted, zero_division=0))
    assert metrics["auc"]["value"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-6)
    assert [v["metric_name"] for v in read["constraint_violations.json"]["violations"]] == ["auc"]
    published = aws["cloudwatch"].list_metrics(Namespace="aws/sagemaker/Endpoints/model-metrics")["Metrics"]
    assert {"auc", "recall", "precision"} <= {m["MetricName"] for m in published}


def test_a_schedule_of_an_unknown_type_or_definition_is_refused(aws: dict[str, Any]) -> None:
    with pytest.raises(ClientError, match="MonitoringType Custom: give one of \\['DataQuality', 'ModelBias'"):
        aws["sagemaker"].create_monitoring_schedule(
            MonitoringScheduleName="scoring-custom",
            MonitoringScheduleConfig={"MonitoringJobDefinitionName": "scoring-mq", "MonitoringType": "Custom"},
        )
    with pytest.raises(ClientError, match="Could not find model bias job definition 'scoring-mq'"):
        aws["sagemaker"].create_monitoring_schedule(
            MonitoringScheduleName="scoring-bias",
            MonitoringScheduleConfig={"MonitoringJobDefinitionName": "scoring-mq", "MonitoringType": "ModelBias"},
        )


def test_the_model_quality_monitor_is_set_up_and_replaced_through_the_api(
    aws: dict[str, Any], local_emulator: emulator.Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mlops model-quality-monitor`: constraints from the package's evaluation less the
    tolerance, a definition in the VPC with the key, an hourly schedule; a second run replaces them."""
    from pipelines_src import cli

    (tmp_path / "emulator").symlink_to(local_emulator.state_dir)
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    figures = {"auc": 0.9, "recall": 0.6, "precision": 0.5, "f1": 0.55, "accuracy": 0.93}
    evaluation = {
        "binary_classification_metrics": {k: {"value": v, "standard_deviation": 0.01} for k, v in figures.items()},
        "decision_threshold": 0.4,  # what model-evaluation chose: the monitor cuts the scores there
    }
    aws["s3"].put_object(Bucket=BUCKET, Key="package/evaluation.json", Body=json.dumps(evaluation).encode())
    arguments = [
        "model-quality-monitor",
        "scoring",
        "--local",
        "--evaluation",
        f"s3://{BUCKET}/package/evaluation.json",
    ]
    arguments += ["--ground-truth", f"s3://{BUCKET}/labels", "--output", f"s3://{BUCKET}/mq", "--role", ROLE]
    arguments += ["--kms-key", aws["key"], "--subnet-ids", "subnet-0a,subnet-0b", "--security-group-ids", "sg-0a"]
    assert cli.main([*arguments, "--tolerance", "1.5"]) == 2, "a tolerance that is no fraction"
    assert cli.main([*arguments[:4], f"s3://{BUCKET}/package/none.json", *arguments[5:]]) == 2, "no evaluation"
    assert cli.main(arguments) == 0
    sm = aws["sagemaker"]
    sm.create_model_package_group(ModelPackageGroupName="mq-group")
    container = {"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/model.tar.gz"}
    spec = {
        "Containers": [container],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
    }
    statistics = {"ContentType": "application/json", "S3Uri": f"s3://{BUCKET}/package/evaluation.json"}
    bare, measured = (
        sm.create_model_package(ModelPackageGroupName="mq-group", InferenceSpecification=spec, **metrics)[
            "ModelPackageArn"
        ]
        for metrics in ({}, {"ModelMetrics": {"ModelQuality": {"Statistics": statistics}}})
    )
    topic = "arn:aws:sns:eu-central-1:123456789012:use-case-alerts"
    by_package = [*arguments[:3], "--package", measured, *arguments[5:], "--alarm-topic", topic]
    assert cli.main([*by_package[:-1], "use-case-alerts"]) == 2, "an alarm topic that is no SNS ARN"
    assert cli.main([*by_package[:4], bare, *by_package[5:]]) == 2, "a package without model-quality statistics"
    assert cli.main(by_package) == 0, "a second deployment replaces the monitor, from the package's own evaluation"
    schedule = sm.describe_monitoring_schedule(MonitoringScheduleName="scoring-model-quality")
    assert (schedule["MonitoringScheduleStatus"], schedule["MonitoringType"]) == ("Scheduled", "ModelQuality")
    assert schedule["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 * ? * * *)"
    definition = sm.describe_model_quality_job_definition(JobDefinitionName="scoring-model-quality")
    assert definition["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert definition["ModelQualityJobInput"]["EndpointInput"]["ProbabilityThresholdAttribute"] == 0.4
    assert definition["NetworkConfig"]["VpcConfig"]["Subnets"] == ["subnet-0a", "subnet-0b"]
    assert definition["JobResources"]["ClusterConfig"]["VolumeKmsKeyId"] == aws["key"]
    stored = aws["s3"].get_object(Bucket=BUCKET, Key="mq/baseline/constraints.json")
    assert stored["ServerSideEncryption"] == "aws:kms"
    rules = json.loads(stored["Body"].read())["binary_classification_constraints"]
    assert rules["recall"] == {"threshold": 0.54, "comparison_operator": "LessThanThreshold"}
    assert set(rules) == {"auc", "recall", "precision", "f1"}
    alarms = aws["cloudwatch"].describe_alarms(AlarmNamePrefix="scoring-model-quality-")["MetricAlarms"]
    assert {a["MetricName"]: a["Threshold"] for a in alarms} == {m: r["threshold"] for m, r in rules.items()}
    assert {(a["Namespace"], a["ComparisonOperator"], a["AlarmActions"][0]) for a in alarms} == {
        ("aws/sagemaker/Endpoints/model-metrics", "LessThanThreshold", topic)
    }
    assert {d["Value"] for d in alarms[0]["Dimensions"]} == {"scoring", "scoring-model-quality"}
    assert [
        d["MonitoringJobDefinitionName"] for d in sm.list_model_quality_job_definitions()["JobDefinitionSummaries"]
    ].count("scoring-model-quality") == 1
    _invoke(aws, json.dumps({"instances": _records(3)}, default=str), "application/json")
    time.sleep(1.5)  # captured: the run finds predictions, but no labels under s3://.../labels
    assert cli.main([*by_package, "--schedule", "NOW"]) == 0, "one run over the last hour"
    run = ended_run(sm, "scoring-model-quality")
    assert run["MonitoringExecutionStatus"] == "Failed", run
    assert "has ground truth" in run["FailureReason"] and "eventMetadata.eventId" in run["FailureReason"]


def _drifted_night_stuck_wear(rows: int) -> pd.DataFrame:
    """Traffic whose night shift got the new supplier's tooling (drifted sensors) and whose
    tool-wear sensor is stuck at one value."""
    from pipelines_src import datasets

    day, night = datasets.generate(rows, seed=23), datasets.generate(rows, seed=23, drift=True)
    mixed = pd.concat([day[day["shift"] == "day"], night[night["shift"] == "night"]]).sort_values("cycle_id")
    return mixed.assign(tool_wear_min=120.0).reset_index(drop=True)


def _upload_truth(
    aws: dict[str, Any], prefix: str, events: dict[str, str], bodies: list[str], labels: list[int]
) -> None:
    hour = datetime.now(UTC).strftime("%Y/%m/%d/%H")
    truth = [
        {
            "groundTruthData": {"data": ",".join(map(str, labels[i * 10 : i * 10 + 10])), "encoding": "CSV"},
            "eventMetadata": {"eventId": events[body]},
            "eventVersion": "0",
        }
        for i, body in enumerate(bodies)
    ]
    body = "\n".join(map(json.dumps, truth)).encode()
    aws["s3"].put_object(Bucket=BUCKET, Key=f"{prefix}/{hour}/labels.jsonl", Body=body)


def _reports(aws: dict[str, Any], prefix: str) -> dict[str, Any]:
    listed = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]
    return {
        Path(r["Key"]).name: json.loads(aws["s3"].get_object(Bucket=BUCKET, Key=r["Key"])["Body"].read())
        for r in listed
    }


def _clarified_traffic(aws: dict[str, Any], trained: dict[str, Path]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Endpoint `clarified` serving the drifted records as JSON, their labels uploaded; the
    records and the answers callers got."""
    sm, s3 = aws["sagemaker"], aws["s3"]
    _config(sm, "clarified", aws["key"])
    sm.create_endpoint(EndpointName="clarified", EndpointConfigName="clarified")
    assert _wait(sm, "clarified")["EndpointStatus"] == "InService"
    for name in ("bias.json", "explainability.json"):
        s3.put_object(Bucket=BUCKET, Key=f"baseline/{name}", Body=(trained["monitoring"] / name).read_bytes())
    frame = _drifted_night_stuck_wear(200)
    records = frame.drop(columns=["failure", "cycle_id"])
    rows = [{str(k): v for k, v in r.items()} for r in records.to_dict("records")]
    bodies = [json.dumps({"instances": rows[i : i + 10]}, default=str) for i in range(0, len(rows), 10)]
    answers = [json.loads(_invoke(aws, body, "application/json", "clarified")["Body"].read()) for body in bodies]
    time.sleep(1.5)  # the capture is written every second
    events = demo_serving.captured_event_ids(s3, f"s3://{BUCKET}/capture/clarified/primary/")
    _upload_truth(aws, "clarify-truth", events, bodies, frame["failure"].astype(int).tolist())
    return records, answers


def test_bias_and_explainability_monitors_find_the_drift_in_the_endpoints_traffic(
    aws: dict[str, Any],
    trained: dict[str, Path],
    local_emulator: emulator.Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`mlops clarify-monitors` from the training baselines, one NOW run each: the bias report is
    Clarify's, computed on the predictions callers got and their labels, the night shift's DPPL
    beyond its baseline a violation; the stuck sensor changes which features the served model
    relies on, an nDCG violation; the metrics reach CloudWatch, where the alarms on them go to
    ALARM and alert the topic."""
    from pipelines_src import cli
    from pipelines_src.local import demo
    from pipelines_src.steps import clarify_monitors

    (tmp_path / "emulator").symlink_to(local_emulator.state_dir)
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    sm = aws["sagemaker"]
    records, answers = _clarified_traffic(aws, trained)
    threshold = Predictor(trained["model"]).threshold
    observer = {name: local_emulator.client(name) for name in ("sns", "sqs")}
    topic = observer["sns"].create_topic(Name="clarify-alerts")["TopicArn"]
    queue = demo.observe_alerts(observer, topic, "clarify-alerts-observer")  # not the demo's, which the session shares
    arguments = ["clarify-monitors", "clarified", "--local", "--baseline", f"s3://{BUCKET}/baseline/"]
    arguments += ["--facet", "shift", "--label", "failure", "--threshold", str(threshold), "--schedule", "NOW"]
    arguments += ["--ground-truth", f"s3://{BUCKET}/clarify-truth", "--output", f"s3://{BUCKET}/clarify"]
    arguments += ["--role", ROLE, "--kms-key", aws["key"], "--subnet-ids", "subnet-0a", "--security-group-ids", "sg-0a"]
    arguments += ["--alarm-topic", topic]
    assert cli.main([*arguments, "--tolerance", "1.5"]) == 2, "a tolerance beyond any distance from fair"
    assert cli.main([*arguments[:5], "--facet", "region", *arguments[7:]]) == 2, "a facet the baseline lacks"
    assert cli.main([*arguments[:4], f"s3://{BUCKET}/baseline", *arguments[5:]]) == 2, "not a folder"
    assert cli.main([*arguments[:9], *arguments[11:]]) == 2, "a baseline folder, no --threshold: it cannot be read"
    assert cli.main(arguments) == 0
    for kind in ("model-bias", "model-explainability"):
        run = ended_run(sm, f"clarified-{kind}")
        assert run["MonitoringExecutionStatus"] == "CompletedWithViolations", run
    bias = _reports(aws, "clarify/clarified/clarified-model-bias/")
    predicted = np.asarray([s for a in answers for s in a["predictions"]]) >= threshold
    night = (records["shift"] == "night").to_numpy()
    measured = clarify_monitors.metric_values(bias["analysis.json"])
    assert measured[("shift", "night", "DPPL")] == pytest.approx(
        predicted[~night].mean() - predicted[night].mean(), abs=1e-6
    )
    found = {(v["facet_value"], v["metric_name"]) for v in bias["constraint_violations.json"]["violations"]}
    assert ("night", "DPPL") in found
    explained = _reports(aws, "clarify/clarified/clarified-model-explainability/")
    expected = clarify_monitors.explanations(trained["model"], records)
    live = clarify_monitors.global_values(explained["analysis.json"], "the report")
    assert live == pytest.approx(clarify_monitors.global_values(expected, "the model"), abs=1e-5)
    assert [v["constraint_check_type"] for v in explained["constraint_violations.json"]["violations"]] == [
        "feature_attribution_drift_check"
    ]
    definition = sm.describe_model_bias_job_definition(JobDefinitionName="clarified-model-bias")
    assert definition["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert definition["JobResources"]["ClusterConfig"]["VolumeKmsKeyId"] == aws["key"]
    _assert_clarify_alarms(aws["cloudwatch"], demo.drain_alerts(observer["sqs"], queue), trained["monitoring"])
    sm.delete_endpoint(EndpointName="clarified")


def _assert_clarify_alarms(cloudwatch: Any, alerts: list[str], baselines: Path) -> None:
    """The metrics reached CloudWatch; the night shift's DPPL alarm is in ALARM, at its
    baseline's distance plus the tolerance; the explainability alarm watches the baseline's
    leading feature; each change of state was alerted."""
    from pipelines_src.steps import clarify_monitors

    published = cloudwatch.list_metrics(Namespace="aws/sagemaker/Endpoints/bias-metrics")["Metrics"]
    assert "bias_metric_DPPL" in {m["MetricName"] for m in published}
    explainability = cloudwatch.list_metrics(Namespace="aws/sagemaker/Endpoints/explainability-metrics")["Metrics"]
    assert "feature_torque_nm" in {m["MetricName"] for m in explainability}
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(AlarmNamePrefix="clarified-")["MetricAlarms"]}
    night = alarms["clarified-model-bias-DPPL-shift-night"]
    assert night["StateValue"] == "ALARM", night["StateReason"]
    assert [q.get("Expression") for q in night["Metrics"]] == [None, "ABS(measured - 0.0)"]
    baseline = clarify_monitors.metric_values(json.loads((baselines / "bias.json").read_text()))
    assert night["Threshold"] == pytest.approx(abs(baseline[("shift", "night", "DPPL")]) + 0.1, abs=1e-6)
    attributions = clarify_monitors.global_values(json.loads((baselines / "explainability.json").read_text()), "it")
    leading = alarms["clarified-model-explainability-leading-feature"]
    lead = leading["Metrics"][0]["MetricStat"]["Metric"]["MetricName"]
    assert lead == f"feature_{max(attributions, key=lambda name: attributions[name])}"
    assert len(leading["Metrics"]) == min(len(attributions), 9) + 1 <= 10, "CloudWatch takes 10 metrics at most"
    assert leading["Metrics"][-1]["Expression"].startswith("MAX([rival0, ") and leading["Threshold"] == 0
    assert leading["StateValue"] in ("ALARM", "OK"), "evaluated after the run"
    assert {"DI", "DPPL"} <= {name.split("-")[3] for name in alarms if "model-bias" in name}
    raised = [a for a in alerts if a.startswith('ALARM: "clarified-model-bias-DPPL-shift-night"')]
    assert len(raised) == 1 and '"NewStateValue": "ALARM"' in raised[0], alerts
    assert len(alerts) == len(alarms), "one notification per alarm: each left INSUFFICIENT_DATA once"


def test_the_api_monitors_are_set_up_from_a_serving_roots_outputs(
    aws: dict[str, Any],
    trained: dict[str, Path],
    local_emulator: emulator.Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`mlops endpoint-monitors --outputs` (what the deploy build runs after its apply): from the
    root's api_monitors output, the package's evaluation and baselines, the three monitors, cut
    at the threshold the evaluation records, and model quality's alarms to the alerts topic."""
    from pipelines_src import cli

    (tmp_path / "emulator").symlink_to(local_emulator.state_dir)
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    sm, s3 = aws["sagemaker"], aws["s3"]
    evaluation = json.loads((trained["evaluation"] / "evaluation.json").read_text())
    s3.put_object(Bucket=BUCKET, Key="served/evaluation/evaluation.json", Body=json.dumps(evaluation).encode())
    for name in ("statistics.json", "constraints.json", "bias.json", "explainability.json"):
        s3.put_object(Bucket=BUCKET, Key=f"served/monitoring/{name}", Body=(trained["monitoring"] / name).read_bytes())
    document = {"ContentType": "application/json"}
    metrics = {
        "ModelQuality": {"Statistics": document | {"S3Uri": f"s3://{BUCKET}/served/evaluation/evaluation.json"}},
        "ModelDataQuality": {
            "Statistics": document | {"S3Uri": f"s3://{BUCKET}/served/monitoring/statistics.json"},
            "Constraints": document | {"S3Uri": f"s3://{BUCKET}/served/monitoring/constraints.json"},
        },
    }
    sm.create_model_package_group(ModelPackageGroupName="served-group")
    container = {"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/model.tar.gz"}
    spec = {
        "Containers": [container],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
    }
    package = sm.create_model_package(
        ModelPackageGroupName="served-group", InferenceSpecification=spec, ModelMetrics=metrics
    )
    topic = "arn:aws:sns:eu-central-1:123456789012:quality-alerts"
    fields = {
        "alerts_topic_arn": topic,
        "bias_facet": "shift",
        "endpoint_name": "scoring",
        "ground_truth_s3_uri": f"s3://{BUCKET}/served-truth",
        "kms_key_arn": aws["key"],
        "model_package_arn": package["ModelPackageArn"],
        "reports_s3_uri": f"s3://{BUCKET}/served-reports",
        "role_arn": ROLE,
        "security_group_ids": ["sg-0a"],
        "subnet_ids": ["subnet-0a"],
    }
    outputs = tmp_path / "api-monitors.json"
    outputs.write_text(json.dumps({k: v for k, v in fields.items() if k != "role_arn"}))
    assert cli.main(["endpoint-monitors", "--outputs", str(outputs), "--local"]) == 2, "an output without role_arn"
    outputs.write_text("not json")
    assert cli.main(["endpoint-monitors", "--outputs", str(outputs), "--local"]) == 2, "not terraform's JSON"
    outputs.write_text(json.dumps({"api_monitors": {"value": fields, "type": "object", "sensitive": False}}))
    assert cli.main(["endpoint-monitors", "--outputs", str(outputs), "--local"]) == 0
    schedules = sm.list_monitoring_schedules(EndpointName="scoring")["MonitoringScheduleSummaries"]
    types = {s["MonitoringScheduleName"]: s["MonitoringType"] for s in schedules}
    assert {types.get(f"scoring-{k}") for k in ("model-quality", "model-bias", "model-explainability")} == {
        "ModelQuality",
        "ModelBias",
        "ModelExplainability",
    }
    threshold = sm.describe_model_bias_job_definition(JobDefinitionName="scoring-model-bias")["ModelBiasJobInput"][
        "EndpointInput"
    ]["ProbabilityThresholdAttribute"]
    assert threshold == evaluation["decision_threshold"] != 0.5
    alarms = aws["cloudwatch"].describe_alarms(AlarmNamePrefix="scoring-model-")["MetricAlarms"]
    kinds = {a["AlarmName"].split("-")[2] for a in alarms}
    assert kinds == {"quality", "bias", "explainability"} and {a["AlarmActions"][0] for a in alarms} == {topic}
    assert sum(a["AlarmName"].startswith("scoring-model-quality-") for a in alarms) == 4
