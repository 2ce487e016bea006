"""The real-time endpoint applied to the emulator: idempotent, and a new instance type replaces
the immutable endpoint configuration (created before the old one goes) instead of failing, an
update SageMaker rolled back (a failed model, or a canary whose alarm fired) fails the apply,
and a shadow variant answers a copy of the traffic into the capture, never to the caller."""

from __future__ import annotations

import base64
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from botocore.exceptions import ClientError

from pipelines_src.local import demo_serving, emulator
from pipelines_src.local import terraform as tf
from pipelines_src.serving.app import Predictor
from tests.conftest import REPO, model_archive, weak_model

MODULE = REPO / "modules" / "realtime-endpoint"
TFVARS = [REPO / "tests" / "inventories" / "modules" / "realtime-endpoint" / "prebuilt-xgboost.tfvars"]


@pytest.fixture(scope="module")
def endpoint(local_emulator: emulator.Emulator, tf_work: Path, inventory_model: str) -> Iterator[tf.TerraformRoot]:
    root = tf.TerraformRoot(tf.stage(MODULE, tf_work / "e2e-endpoint", local_emulator), tf.base_env(local_emulator))
    root.apply(TFVARS)
    try:
        yield root
    finally:
        root.destroy(TFVARS)


def test_second_plan_has_no_changes(endpoint: tf.TerraformRoot) -> None:
    assert endpoint.plan_changes(TFVARS) == 0


def test_new_instance_type_replaces_config_before_destroying_it(endpoint: tf.TerraformRoot) -> None:
    plan = endpoint.plan_json(TFVARS, {"instance": {"type": "ml.c5.xlarge"}})
    actions = {
        c["address"]: c["change"]["actions"] for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]
    }
    assert actions == {
        "aws_sagemaker_endpoint_configuration.this": ["create", "delete"],
        "aws_sagemaker_endpoint.this": ["update"],
    }


def _transform_job(sagemaker: Any, name: str, model: str, data: str, output: str) -> None:
    """Batch inference as the pipeline runs it: CreateTransformJob with the endpoint's model."""
    sagemaker.create_transform_job(
        TransformJobName=name,
        ModelName=model,
        BatchStrategy="MultiRecord",
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": data}},
            "ContentType": "text/csv",
            "SplitType": "Line",
        },
        TransformOutput={"S3OutputPath": output, "AssembleWith": "Line"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )
    deadline = time.monotonic() + 120
    while (status := sagemaker.describe_transform_job(TransformJobName=name))["TransformJobStatus"] == "InProgress":
        assert time.monotonic() < deadline, f"transform job {name} still running after 120 s"
        time.sleep(0.5)
    assert status["TransformJobStatus"] == "Completed", status.get("FailureReason")


def test_the_endpoint_scores_the_rows_batch_inference_scores_the_same(
    local_emulator: emulator.Emulator, endpoint: tf.TerraformRoot, trained: dict[str, Path]
) -> None:
    """The same model package version behind both paths: a client calling the endpoint and the
    nightly transform job get the same score, to the byte, for every row."""
    records = demo_serving.client_records(40, seed=31)
    transformer = Predictor(trained["model"]).transformer
    assert transformer is not None
    features = transformer.transform(pd.DataFrame(records)).to_numpy()
    rows = [",".join(repr(float(v)) for v in row) for row in features]
    s3, outputs = local_emulator.client("s3"), endpoint.outputs()
    s3.put_object(Bucket="inventory-artifacts", Key="parity/in/rows.csv", Body="".join(r + "\n" for r in rows).encode())
    _transform_job(
        local_emulator.client("sagemaker"),
        f"parity-{int(time.time())}",
        outputs["model_name"],
        "s3://inventory-artifacts/parity/in/",
        "s3://inventory-artifacts/parity/out/",
    )
    batch = s3.get_object(Bucket="inventory-artifacts", Key="parity/out/rows.csv.out")["Body"].read().decode()
    runtime = local_emulator.client("sagemaker-runtime")
    served = [
        runtime.invoke_endpoint(EndpointName=outputs["endpoint_name"], ContentType="text/csv", Body=row.encode())[
            "Body"
        ]
        .read()
        .decode()
        for row in rows
    ]
    assert len(batch.splitlines()) == len(rows) == 40
    assert "".join(served).splitlines() == batch.splitlines()
    assert len(set(batch.splitlines())) > 10  # distinct scores: the rows were really scored


def test_destroy_leaves_nothing(endpoint: tf.TerraformRoot) -> None:
    endpoint.destroy(TFVARS)
    assert endpoint.state_addresses() == []


def test_an_update_sagemaker_rolled_back_fails_the_apply(
    local_emulator: emulator.Emulator, tf_work: Path, inventory_model: str
) -> None:
    """The known provider pain: SageMaker rolls a failed update back, the apply would succeed and
    the old configuration serve. The module's postcondition reads it back and fails the apply."""
    root = tf.TerraformRoot(tf.stage(MODULE, tf_work / "e2e-rollback", local_emulator), tf.base_env(local_emulator))
    steady = {"name": "rolled-back"}
    root.apply(TFVARS, steady)
    missing = {
        "model_data_url": "s3://inventory-artifacts/quality/missing.tar.gz",
        "prebuilt_image": {"repository_name": "sagemaker-xgboost", "image_tag": "1.7-1"},
    }
    try:
        with pytest.raises(tf.TerraformError, match=r"SageMaker\s+rolled\s+the\s+update\s+back"):
            root.apply(TFVARS, steady | {"model": missing})
        served = local_emulator.client("sagemaker").describe_endpoint(EndpointName="rolled-back")
        assert served["EndpointStatus"] == "InService" and "update rolled back" in served["FailureReason"]
    finally:
        root.destroy(TFVARS, steady)
    assert root.state_addresses() == []


def test_a_canary_whose_alarm_fires_fails_the_apply_and_the_old_model_serves(
    local_emulator: emulator.Emulator, tf_work: Path, inventory_model: str, trained: dict[str, Path], tmp_path: Path
) -> None:
    """The module's CANARY rollout with a rollback alarm: the new model answers the callers'
    JSON records with 4xx (it has no transformer), the alarm fires during the canary's wait, the
    emulator rolls back as SageMaker does, and the apply fails on the module's postcondition."""
    name, alarm = "canary-guarded", "canary-guarded-4xx"
    s3, runtime = local_emulator.client("s3"), local_emulator.client("sagemaker-runtime")
    broken = shutil.copytree(trained["model"], tmp_path / "no-transformer")
    shutil.rmtree(broken / "transformer")
    s3.put_object(Bucket="inventory-artifacts", Key="quality/no-transformer.tar.gz", Body=model_archive(broken))
    local_emulator.client("cloudwatch").put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/SageMaker",
        MetricName="Invocation4XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": name}, {"Name": "VariantName", "Value": "primary"}],
        Statistic="Sum",
        Period=10,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    rollout = {"strategy": "CANARY", "canary_percent": 50, "wait_seconds": 600, "rollback_alarm_names": [alarm]}
    steady = {"name": name, "rollout": rollout}
    root = tf.TerraformRoot(tf.stage(MODULE, tf_work / "e2e-canary", local_emulator), tf.base_env(local_emulator))
    root.apply(TFVARS, steady)
    body = json.dumps({"instances": demo_serving.client_records(1, seed=3)}, default=str).encode()
    answers: list[str] = []
    stop = threading.Event()

    def callers() -> None:  # the endpoint's clients, calling throughout the update
        while not stop.is_set():
            try:
                runtime.invoke_endpoint(EndpointName=name, Body=body, ContentType="application/json")
                answers.append("ok")
            except ClientError as exc:
                answers.append(exc.response["Error"]["Code"])
            time.sleep(0.05)

    traffic = threading.Thread(target=callers, daemon=True)
    traffic.start()
    started = time.monotonic()
    try:
        new_model = {
            "model_data_url": "s3://inventory-artifacts/quality/no-transformer.tar.gz",
            "prebuilt_image": {"repository_name": "sagemaker-xgboost", "image_tag": "1.7-1"},
        }
        with pytest.raises(tf.TerraformError, match=r"SageMaker\s+rolled\s+the\s+update\s+back"):
            root.apply(TFVARS, steady | {"model": new_model})
        took = time.monotonic() - started
        stop.set()
        traffic.join()
        served = local_emulator.client("sagemaker").describe_endpoint(EndpointName=name)
        assert served["EndpointStatus"] == "InService" and f"alarm {alarm} went to ALARM" in served["FailureReason"]
        assert "ModelError" in answers and answers[-5:] == ["ok"] * 5, answers[-10:]
        assert took < 300, f"the rollback waited for the canary's 600 s wait ({took:.0f} s)"
    finally:
        stop.set()
        root.destroy(TFVARS, steady)
    assert root.state_addresses() == []


def _captured_answers(s3: Any, prefix: str, wanted: int, timeout_s: float = 20.0) -> dict[str, Any]:
    """Request body -> captured answer of every record under `prefix`, once `wanted` were written."""
    found: dict[str, Any] = {}
    deadline = time.monotonic() + timeout_s
    while len(found) < wanted and time.monotonic() < deadline:
        time.sleep(1)
        for item in s3.list_objects_v2(Bucket="inventory-artifacts", Prefix=prefix).get("Contents", []):
            for line in s3.get_object(Bucket="inventory-artifacts", Key=item["Key"])["Body"].read().splitlines():
                data = json.loads(line)["captureData"]
                request, answer = (base64.b64decode(data[k]["data"]) for k in ("endpointInput", "endpointOutput"))
                found[request.decode()] = json.loads(answer)
    return found


def test_a_shadow_variant_answers_a_copy_of_the_traffic_into_the_capture_never_to_the_caller(
    local_emulator: emulator.Emulator, tf_work: Path, inventory_model: str, trained: dict[str, Path], tmp_path: Path
) -> None:
    """The module's shadow with every request copied: callers get the primary's predictions,
    the challenger's answers to the same requests are captured under shadow/."""
    name, s3 = "shadowed", local_emulator.client("s3")
    challenger = weak_model(trained["model"], tmp_path / "challenger")
    s3.put_object(Bucket="inventory-artifacts", Key="quality/challenger.tar.gz", Body=model_archive(challenger))
    variables = {"name": name, "shadow": {"model_data_url": "s3://inventory-artifacts/quality/challenger.tar.gz"}}
    root = tf.TerraformRoot(tf.stage(MODULE, tf_work / "e2e-shadow", local_emulator), tf.base_env(local_emulator))
    root.apply(TFVARS, variables)
    try:
        assert root.plan_changes(TFVARS, variables) == 0
        runtime = local_emulator.client("sagemaker-runtime")
        bodies = [json.dumps({"instances": demo_serving.client_records(n, seed=5)}, default=str) for n in (1, 2, 3)]
        for body in bodies:
            answer = runtime.invoke_endpoint(EndpointName=name, Body=body.encode(), ContentType="application/json")
            assert answer["InvokedProductionVariant"] == "primary"
            assert json.loads(answer["Body"].read()) == Predictor(trained["model"]).from_json(body)
        shadowed = _captured_answers(s3, f"quality/capture/{name}/shadow/", len(bodies))
        assert shadowed == {body: Predictor(challenger).from_json(body) for body in bodies}
        assert all(shadowed[body] != Predictor(trained["model"]).from_json(body) for body in bodies)
    finally:
        root.destroy(TFVARS, variables)
    assert root.state_addresses() == []
