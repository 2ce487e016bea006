"""modules/model-monitoring applied to the emulator against an applied endpoint: the data-quality
job definition and the hourly schedule are created as the provider reads them back (a second
plan has no changes), the schedule is live, and destroy leaves nothing (the emulator's Model
Monitor is tested in tests/local/test_model_monitor.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tests.conftest import REPO

INVENTORIES = REPO / "tests" / "inventories" / "modules"
ENDPOINT_VARS = [INVENTORIES / "realtime-endpoint" / "prebuilt-xgboost.tfvars"]
MONITORING_VARS = [INVENTORIES / "model-monitoring" / "endpoint.tfvars"]
ENDPOINT = {"name": "monitored-endpoint"}
MONITORING = {"name": "monitored-data-quality", "endpoint_name": "monitored-endpoint"}


@pytest.fixture(scope="module")
def roots(
    local_emulator: emulator.Emulator, tf_work: Path, inventory_model: str
) -> Iterator[tuple[tf.TerraformRoot, tf.TerraformRoot]]:
    env = tf.base_env(local_emulator)
    endpoint = tf.TerraformRoot(
        tf.stage(REPO / "modules" / "realtime-endpoint", tf_work / "mm-endpoint", local_emulator), env
    )
    root = tf.TerraformRoot(tf.stage(REPO / "modules" / "model-monitoring", tf_work / "mm", local_emulator), env)
    endpoint.apply(ENDPOINT_VARS, ENDPOINT)
    try:
        yield endpoint, root
    finally:
        root.destroy(MONITORING_VARS, MONITORING)  # a no-op once the test destroyed it
        endpoint.destroy(ENDPOINT_VARS, ENDPOINT)


def test_apply_read_back_and_destroy(
    roots: tuple[tf.TerraformRoot, tf.TerraformRoot], local_emulator: emulator.Emulator
) -> None:
    """One sequence (apply, a second plan, the live schedule, destroy), so no step depends on the
    order tests run in."""
    _, root = roots
    sm = local_emulator.client("sagemaker")
    root.apply(MONITORING_VARS, MONITORING)
    assert root.plan_changes(MONITORING_VARS, MONITORING) == 0

    schedule = sm.describe_monitoring_schedule(MonitoringScheduleName=root.outputs()["schedule_name"])
    assert schedule["MonitoringScheduleStatus"] == "Scheduled"
    assert schedule["EndpointName"] == "monitored-endpoint"
    assert schedule["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 * ? * * *)"
    definition = sm.describe_data_quality_job_definition(JobDefinitionName=MONITORING["name"])
    assert definition["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert definition["DataQualityJobOutputConfig"]["KmsKeyId"].startswith("arn:aws:kms:")
    assert [t["Key"] for t in sm.list_tags(ResourceArn=schedule["MonitoringScheduleArn"])["Tags"]]

    root.destroy(MONITORING_VARS, MONITORING)
    assert root.state_addresses() == []
    schedules = sm.list_monitoring_schedules()["MonitoringScheduleSummaries"]
    assert MONITORING["name"] not in [s["MonitoringScheduleName"] for s in schedules]
    definitions = sm.list_data_quality_job_definitions()["JobDefinitionSummaries"]
    assert MONITORING["name"] not in [d["MonitoringJobDefinitionName"] for d in definitions]
