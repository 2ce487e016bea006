"""The embedded default end to end: the deployed state machines execute both pipelines with the
real step code; approval starts batch inference through the deployed rule; drift is found and
alerted; metadata is stored. Then the failure paths: a corrupt input and a rejected model fail
at their state, alert through the Catch path, and leave earlier artefacts untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from pipelines_src import approvals, cli, executions
from pipelines_src.local import demo, demo_serving, emulator
from pipelines_src.local import terraform as tf
from pipelines_src.steps import artifacts
from tests.conftest import weak_model
from tests.e2e.conftest import DEMO, USE_CASE


@pytest.fixture(scope="module")
def ran(demo_run: tuple[demo.DemoReport, Path]) -> tuple[demo.DemoReport, Path]:
    return demo_run


@pytest.fixture(scope="module")
def clients(local_emulator: emulator.Emulator) -> dict[str, Any]:
    return demo.clients(local_emulator)


def test_both_executions_succeed_through_every_pipeline_state(ran: tuple[demo.DemoReport, Path]) -> None:
    report, _ = ran
    training, batch = report.run("training"), report.run("batch-inference")
    assert (training.status, batch.status) == ("SUCCEEDED", "SUCCEEDED")
    assert {"data-load", "feature-engineering", "training", "model-evaluation", "model-monitoring"} <= {
        name for name, state in training.states.items() if state.status == "SUCCEEDED"
    }
    assert {"register-model", "store-metadata"} <= set(training.states)
    assert {"batch-inference", "model-monitoring", "post-processing", "store-metadata"} <= set(batch.states)


def test_model_package_went_from_pending_to_approved(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any]
) -> None:
    report, _ = ran
    assert report.approval_history == ["PendingManualApproval", "Approved"]
    batch_input = report.run("batch-inference").output
    assert batch_input["model_package_arn"] == report.model_package_arn, "the Approved rule passed the package"


def test_the_budgets_spend_is_published_for_the_dashboard(
    ran: tuple[demo.DemoReport, Path],
    clients: dict[str, Any],
    complete_use_case: tf.TerraformRoot,
    local_emulator: emulator.Emulator,
) -> None:
    """observability's budget publisher (EventBridge Scheduler starts it every six hours) puts
    Budgets' actual and forecasted spend into CloudWatch, which the dashboard charts beside the
    limit: the demo ran it once on the emulator's empty bill, and a spend Budgets reports comes
    through as it reports it."""
    report, out_dir = ran
    assert report.budget == {"ActualSpend": 0.0, "ForecastedSpend": 0.0}
    assert "budget this month  actual $0.00, forecasted $0.00" in demo.summary(report, out_dir)
    publisher = complete_use_case.outputs()["budget_metrics_state_machine_arn"]
    name = publisher.rsplit(":", 1)[-1].removesuffix("-budget-metrics")
    account = publisher.split(":")[4]
    budgets = local_emulator.client("budgets")
    budget = budgets.describe_budget(AccountId=account, BudgetName=name)["Budget"]
    spend = {"ActualSpend": {"Amount": "123.45", "Unit": "USD"}, "ForecastedSpend": {"Amount": "456.7", "Unit": "USD"}}
    fields = {k: budget[k] for k in ("BudgetName", "BudgetLimit", "TimeUnit", "BudgetType")}
    budgets.update_budget(AccountId=account, NewBudget=fields | {"CalculatedSpend": spend})
    assert demo.publish_budget(clients, publisher) == {"ActualSpend": 123.45, "ForecastedSpend": 456.7}
    dashboard = json.loads(local_emulator.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    charted = [w for w in dashboard["widgets"] if w["properties"].get("title", "").startswith(f"Budget {name}")]
    assert charted and charted[0]["properties"]["metrics"][0][:2] == ["MLOps/Budget", "ActualSpend"]
    schedule = local_emulator.client("scheduler").get_schedule(Name=f"{name}-budget-metrics")
    assert (schedule["ScheduleExpression"], schedule["Target"]["Arn"]) == ("rate(6 hours)", publisher)


def test_the_registered_package_has_a_complete_model_card_with_its_metrics(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any]
) -> None:
    """The card the pipeline created (SageMaker API), linked from the package, which is why the
    demo's approval (mlops approve-model's rule) went through; its page is in the reports."""
    report, _ = ran
    sm = clients["sagemaker"]
    package = sm.describe_model_package(ModelPackageName=report.model_package_arn)
    card_arn = package["CustomerMetadataProperties"]["model_card_arn"]
    assert card_arn == report.run("training").output["steps"]["create_model_card"]["arn"]
    card = sm.describe_model_card(ModelCardName=approvals.card_name(card_arn))
    assert card["ModelCardStatus"] == "PendingReview"
    content = json.loads(card["Content"])
    for fact, value in demo.SAMPLE_MODEL_CARD.items():
        section = content["model_overview"] if fact == "model_owner" else content["intended_uses"]
        assert section[fact] == value, fact
    metrics = {m["name"]: m["value"] for m in content["evaluation_details"][0]["metric_groups"][0]["metric_data"]}
    assert metrics[report.metrics["metric"]] == report.metrics["value"]
    assert metrics["decision_threshold"] == report.metrics["operating_point"]["threshold"]
    assert "model-card.html" in {p.name for p in report.reports}
    assert approvals.approval_problems(sm, package) == []


def test_approval_starts_the_inference_codepipeline(ran: tuple[demo.DemoReport, Path]) -> None:
    """The Approved rule's second target: the use case's inference CodePipeline, run by the
    emulator from this working tree up to the operator's approval (deploy_approval = true)."""
    report, out_dir = ran
    assert report.inference_pipeline.endswith("-inference")
    statuses = [(a.stage, a.status) for a in report.inference_actions]
    assert statuses == [("Source", "Succeeded"), ("Approve", "InProgress"), ("Deploy", "")]
    assert "local working tree" in report.inference_actions[0].summary
    assert f"mlops cicd approve {report.inference_pipeline} --summary" in demo.summary(report, out_dir)


def test_the_approved_package_serves_in_real_time_and_its_traffic_is_monitored(
    ran: tuple[demo.DemoReport, Path], local_emulator: emulator.Emulator, serving_root: tf.TerraformRoot
) -> None:
    report, _ = ran
    deployed = json.loads((serving_root.path / demo_serving.DEPLOY_FILE).read_text())
    assert deployed == {"model_package_arn": report.model_package_arn}, "the deploy step wrote the approved version"
    serving = report.serving
    assert serving is not None and serving.requests > 0
    assert len(serving.first_predictions) == 3 and all(0 <= p <= 1 for p in serving.first_predictions)
    assert serving.captured >= serving.requests
    assert serving.execution["MonitoringExecutionStatus"] == "CompletedWithViolations", serving.execution
    assert {v["constraint_check_type"] for v in serving.violations} == {"baseline_drift_check"}
    sm = local_emulator.client("sagemaker")
    served = sm.describe_endpoint(EndpointName=serving.endpoint)
    assert served["EndpointStatus"] == "InService"
    config = sm.describe_endpoint_config(EndpointConfigName=served["EndpointConfigName"])
    model = sm.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    assert model["PrimaryContainer"]["ModelPackageName"] == report.model_package_arn, "the approved version serves"
    hourly = sm.list_monitoring_schedules(EndpointName=serving.endpoint)["MonitoringScheduleSummaries"]
    assert [
        s["MonitoringScheduleStatus"]
        for s in hourly
        if "-now-" not in s["MonitoringScheduleName"] and s["MonitoringType"] == "DataQuality"
    ] == ["Scheduled"]


def test_the_endpoints_labelled_traffic_is_checked_for_model_quality(ran: tuple[demo.DemoReport, Path]) -> None:
    """The labels of the served requests uploaded, the model-quality monitor (constraints from the
    approved package's evaluation) merges them with the captured predictions."""
    report, out_dir = ran
    assert report.serving is not None
    quality = report.serving.model_quality
    assert quality["execution"]["MonitoringExecutionStatus"] in ("Completed", "CompletedWithViolations"), quality
    dataset = quality["statistics.json"]["dataset"]
    assert (dataset["requests"], dataset["item_count"]) == (demo_serving.REQUESTS, demo_serving.REQUESTS * 25)
    assert 0 < quality["statistics.json"]["binary_classification_metrics"]["auc"]["value"] <= 1
    assert "model quality on the labelled traffic" in demo.summary(report, out_dir)


def test_the_endpoints_labelled_traffic_is_checked_for_bias_and_explainability(
    ran: tuple[demo.DemoReport, Path],
) -> None:
    """The four monitors ran on the served traffic: beside data and model quality, Clarify's bias
    (the facet's DPPL for each shift) and explainability (the served model's attributions)."""
    report, out_dir = ran
    assert report.serving is not None
    runs = report.serving.clarify
    assert sorted(runs) == [f"{report.serving.endpoint}-model-bias", f"{report.serving.endpoint}-model-explainability"]
    for run in runs.values():
        assert run["execution"]["MonitoringExecutionStatus"] in ("Completed", "CompletedWithViolations"), run
    bias = runs[f"{report.serving.endpoint}-model-bias"]["analysis.json"]["post_training_bias_metrics"]
    assert {g["value_or_threshold"] for g in bias["facets"]["shift"]} == {"day", "night"}
    explained = runs[f"{report.serving.endpoint}-model-explainability"]["analysis.json"]["explanations"]
    assert len(next(iter(explained.values()))["label0"]["global_shap_values"]) > 5
    summary = demo.summary(report, out_dir)
    assert "-model-bias " in summary and "relies most on" in summary
    alarms = report.serving.alarms
    kinds = {kind for name in alarms for kind in ("quality", "bias", "explainability") if f"-model-{kind}-" in name}
    assert kinds == {"quality", "bias", "explainability"}, alarms
    assert "INSUFFICIENT_DATA" not in alarms.values(), "each alarm evaluated after its run"


def test_every_input_row_has_a_prediction(ran: tuple[demo.DemoReport, Path]) -> None:
    report, _ = ran
    assert report.input_rows == demo.BATCH_ROWS
    assert report.prediction_rows == report.input_rows


def test_drift_is_found_and_alerted(ran: tuple[demo.DemoReport, Path]) -> None:
    report, _ = ran
    assert report.violations, "the drifted batch must violate the training baseline"
    assert {v["constraint_check_type"] for v in report.violations} == {"baseline_drift_check"}
    assert any(a.startswith("batch inference: data drift") for a in report.alerts)


def test_metadata_of_both_executions_is_stored(ran: tuple[demo.DemoReport, Path]) -> None:
    report, _ = ran
    by_pipeline = {item["pk"]: item for item in report.metadata}
    assert set(by_pipeline) == {f"{USE_CASE}#{p}" for p in ("training", "batch-inference", "drift-retraining")}
    assert by_pipeline[f"{USE_CASE}#training"]["model_package_arn"] == report.model_package_arn
    assert int(by_pipeline[f"{USE_CASE}#batch-inference"]["violations"]) == len(report.violations)
    assert by_pipeline[f"{USE_CASE}#training"]["execution_id"] == report.run("training").arn


def test_reports_and_state_graphs_are_written(ran: tuple[demo.DemoReport, Path]) -> None:
    report, out_dir = ran
    names = {p.name for p in report.reports}
    assert {"evaluation.html", "bias.html", "explainability.html", "data-quality.html"} <= names
    for pipeline_run in report.runs:
        assert pipeline_run.graph is not None and pipeline_run.graph.read_bytes()[:4] == b"\x89PNG"
    summary = demo.summary(report, out_dir)
    assert "PendingManualApproval -> Approved" in summary and f"{demo.BATCH_ROWS} in" in summary
    assert json.loads(demo.write_summary(report, out_dir).read_text())["prediction_rows"] == demo.BATCH_ROWS


def _packages(clients: dict[str, Any], report: demo.DemoReport) -> list[dict[str, Any]]:
    group = clients["sagemaker"].describe_model_package(ModelPackageName=report.model_package_arn)
    listed = clients["sagemaker"].list_model_packages(ModelPackageGroupName=group["ModelPackageGroupName"])
    return list(listed["ModelPackageSummaryList"])


def _s3_json(clients: dict[str, Any], uri: str) -> Any:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return json.loads(clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())


def test_the_drifted_batch_starts_exactly_one_retraining_which_keeps_the_champion(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any]
) -> None:
    """Drift -> event -> the drift rule starts training with trigger "drift" and what drifted; the
    same data and candidates again make a challenger equal to the champion (the demo's Approved
    package), which a tie does not replace: SUCCEEDED at champion-kept, nothing registered, alerted."""
    report, out_dir = ran
    retraining = report.retraining
    assert retraining is not None and retraining.status == "SUCCEEDED", retraining
    drift = retraining.output["drift"]
    assert retraining.output["trigger"] == "drift" and drift["model_package_arn"] == report.model_package_arn
    assert drift["execution"] == report.run("batch-inference").arn and drift["report_uri"].endswith(
        "model-monitoring/constraint_violations.json"
    )
    assert sorted(drift["violated_features"]) == sorted(v["feature_name"] for v in report.violations)
    assert retraining.output["hyperparameter_sets"] == demo.HYPERPARAMETER_SETS, "the root's default candidates"
    assert retraining.output["steps"]["claim_retraining"]["claims"] == "1"
    assert {"champion-challenger", "champion-kept"} <= set(
        retraining.states
    ) and "register-model" not in retraining.states
    comparison = _s3_json(clients, retraining.output["steps"]["champion_challenger"]["output"] + "comparison.json")
    assert comparison["outcome"] == "champion-kept" and comparison["champion_package"] == report.model_package_arn
    assert comparison["champion_value"] == comparison["challenger_value"] == report.metrics["value"]
    assert [p["ModelPackageArn"] for p in _packages(clients, report)] == [report.model_package_arn], (
        "nothing registered"
    )
    started = [a for a in report.alerts if a.startswith("training: drift retraining started")]
    kept = [a for a in report.alerts if a.startswith("training: champion kept")]
    assert len(started) == len(kept) == 1 and report.model_package_arn in kept[0], report.alerts
    assert f"drift retraining   champion kept ({report.model_package_arn})" in demo.summary(report, out_dir)


def _drift_event(report: demo.DemoReport, **changes: Any) -> dict[str, Any]:
    """The drift event the demo's batch execution published (its detail, from the retraining)."""
    assert report.retraining is not None
    drift = report.retraining.output["drift"]
    detail = {
        "use_case": USE_CASE,
        "model_package_arn": drift["model_package_arn"],
        "violated_features": drift["violated_features"],
        "report_uri": drift["report_uri"],
        "data_uri": drift["data_uri"],
        "execution": drift["execution"],
        "window_hour": drift["window"],
        "window_day": drift["window"],
    }
    entry = {"Source": "mlops.pipelines", "DetailType": "MLOps Data Drift Detected"}
    return entry | {"Detail": json.dumps({k: v for k, v in (detail | changes).items() if v is not None})}


def _trainings_started_by(clients: dict[str, Any], machine: str, entries: list[dict[str, Any]]) -> list[str]:
    """Puts the events; the executions of `machine` they started (the emulator delivers at once)."""
    known = {e["executionArn"] for e in executions.recent(clients["stepfunctions"], machine, 100)}
    assert clients["events"].put_events(Entries=entries)["FailedEntryCount"] == 0
    return [
        e["executionArn"]
        for e in executions.recent(clients["stepfunctions"], machine, 100)
        if e["executionArn"] not in known
    ]


def test_a_second_drift_event_in_the_window_is_recorded_and_retrains_nothing(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], complete_use_case: tf.TerraformRoot
) -> None:
    report, _ = ran
    outputs = complete_use_case.outputs()
    machine = outputs["training_state_machine_arn"]
    _alerts(clients, outputs)
    (arn,) = _trainings_started_by(clients, machine, [_drift_event(report)])
    skipped = executions.follow(clients["stepfunctions"], arn)
    assert skipped.status == "SUCCEEDED" and "retraining-skipped" in skipped.states, (skipped.error, skipped.cause)
    assert not {"data-load", "training", "register-model"} & set(skipped.states), "no job ran"
    assert demo.retraining_outcome(skipped).startswith("skipped: a retraining already ran in window")
    assert report.retraining is not None
    window = report.retraining.output["drift"]["window"]
    claim = clients["dynamodb"].get_item(
        TableName=outputs["metadata_table"],
        Key={"pk": {"S": f"{USE_CASE}#drift-retraining"}, "execution_id": {"S": window}},
    )["Item"]
    assert int(claim["claims"]["N"]) >= 2 and {report.retraining.arn, arn} <= set(claim["executions"]["SS"])
    assert any(a.startswith("training: drift retraining skipped") and window in a for a in _alerts(clients, outputs))


def test_drift_events_of_another_use_case_or_group_or_malformed_start_nothing(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], complete_use_case: tf.TerraformRoot
) -> None:
    report, _ = ran
    outputs = complete_use_case.outputs()
    other_group = report.model_package_arn.replace(f"/{outputs['model_package_group']}/", "/another-group/")
    assert other_group != report.model_package_arn
    entries = [
        _drift_event(report, use_case="another-use-case", window_day="other-1"),
        _drift_event(report, model_package_arn=other_group, window_day="other-2"),
        _drift_event(report, window_day=None, window_hour=None),  # the rule's window is missing
    ]
    assert _trainings_started_by(clients, outputs["training_state_machine_arn"], entries) == []


@pytest.fixture
def local_cli(ran: tuple[demo.DemoReport, Path], mlops_local_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`mlops ... --local` pointed at this session's deployment, after the demo ran."""
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(mlops_local_dir))
    return mlops_local_dir


def test_mlops_run_and_status_on_the_local_deployment(
    local_cli: Path, complete_use_case: tf.TerraformRoot, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outputs = complete_use_case.outputs()
    payload = demo.training_input(USE_CASE, f"s3://{outputs['data_bucket']}/{USE_CASE}/raw/", "cli")
    (tmp_path / "input.json").write_text(json.dumps(payload))
    assert cli.main(["run", "training", "--local", "--input", str(tmp_path / "input.json")]) == 0
    ran_output = capsys.readouterr().out
    # the demo's package is the champion: the same training again keeps it (progress state by state)
    assert "SUCCEEDED" in ran_output and "champion-challenger" in ran_output, ran_output
    assert cli.main(["status", "--local"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("SUCCEEDED") >= 3 and outputs["training_state_machine_arn"] in listed


def test_mlops_endpoints_and_the_emulator_env_reach_the_served_model(
    local_cli: Path, ran: tuple[demo.DemoReport, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The journey a user takes with plain tools: the exports of `mlops emulator env` point the
    AWS CLI's and boto3's settings at the emulator, where the endpoint answers."""
    report, _ = ran
    assert report.serving is not None
    assert cli.main(["endpoints", "--local"]) == 0
    listed = capsys.readouterr().out
    assert f"{report.serving.endpoint}" in listed and "InService" in listed and "capture 100" in listed
    assert cli.main(["emulator", "env"]) == 0
    exports = dict(
        line.removeprefix("export ").split("=", 1) for line in capsys.readouterr().out.splitlines() if "=" in line
    )
    env = {k: v.strip("'\"") for k, v in exports.items()}
    body = json.dumps({"instances": demo_serving.client_records(1, seed=5)}, default=str)
    script = (
        "import boto3, json, sys; r = boto3.client('sagemaker-runtime').invoke_endpoint("
        f"EndpointName='{report.serving.endpoint}', ContentType='application/json', Body=sys.argv[1]);"
        "print(r['Body'].read().decode())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, body],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["predictions"]) == 1


def test_concurrent_executions_write_disjoint_prefixes_and_one_metadata_item_each(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], complete_use_case: tf.TerraformRoot
) -> None:
    """N batch executions at once with the approved package (before the failure paths reject it)."""
    report, _ = ran
    outputs = complete_use_case.outputs()
    sfn = clients["stepfunctions"]
    payloads = [
        {
            "use_case": USE_CASE,
            "experiment": f"concurrent-{index}",
            "data_uri": f"s3://{outputs['data_bucket']}/{USE_CASE}/to-score/",
            "model_package_arn": report.model_package_arn,
        }
        for index in range(3)
    ]
    arns = [executions.start(sfn, outputs["batch_state_machine_arn"], payload) for payload in payloads]
    done = [executions.follow(sfn, arn) for arn in arns]
    assert [d.status for d in done] == ["SUCCEEDED"] * 3, [(d.error, d.cause) for d in done]
    items = demo.metadata_items(clients["dynamodb"], outputs["metadata_table"])
    stored = [item for item in items if item.get("execution_id") in arns]
    assert len(stored) == 3, f"expected one metadata item per execution, found {len(stored)}"
    for written in ("predictions_uri", "decisions_uri"):
        uris = [str(item[written]) for item in stored]
        assert all(uris) and len(set(uris)) == 3, f"executions shared a {written} prefix: {uris}"
        assert not any(a != b and b.startswith(a) for a in uris for b in uris), f"nested prefixes: {uris}"


# ---------------------------------------------------------------------------------------------
# Failure paths (after the happy path: they reuse its deployment and must not disturb its results)
# ---------------------------------------------------------------------------------------------
def _snapshot(s3: Any, bucket: str, prefix: str) -> dict[str, str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}


def _alerts(clients: dict[str, Any], outputs: dict[str, Any]) -> list[str]:
    return demo.drain_alerts(clients["sqs"], demo.observe_alerts(clients, outputs["alerts_topic_arn"]))


def test_corrupt_input_fails_at_data_load_alerts_and_keeps_earlier_artefacts(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], complete_use_case: tf.TerraformRoot
) -> None:
    report, _ = ran
    outputs = complete_use_case.outputs()
    s3 = clients["s3"]
    before = _snapshot(s3, outputs["artifacts_bucket"], f"{USE_CASE}/")
    _alerts(clients, outputs)  # start from an empty observer queue
    s3.put_object(Bucket=outputs["data_bucket"], Key=f"{USE_CASE}/corrupt/cycles.csv", Body=b"not,a\nvalid file")
    s3.copy_object(
        Bucket=outputs["data_bucket"],
        Key=f"{USE_CASE}/corrupt/schema.json",
        CopySource={"Bucket": outputs["data_bucket"], "Key": f"{USE_CASE}/raw/schema.json"},
    )
    uri = f"s3://{outputs['data_bucket']}/{USE_CASE}/corrupt/"
    deployment = demo.Deployment.of(outputs, DEMO)
    failed = demo.run_training(clients, deployment, demo.training_input(USE_CASE, uri, "corrupt"), log=lambda _: None)
    assert failed.status == "FAILED"
    assert failed.states["data-load"].status == "FAILED"
    assert "missing columns" in failed.states["data-load"].detail, "the reason says what is wrong and the fix"
    assert "feature-engineering" not in failed.states
    alerts = _alerts(clients, outputs)
    assert any(a.startswith("training pipeline failed") and "missing columns" in a for a in alerts), alerts
    after = _snapshot(s3, outputs["artifacts_bucket"], f"{USE_CASE}/")
    assert {k: v for k, v in after.items() if k in before} == before, "earlier artefacts were changed"
    assert report.run("training").status == "SUCCEEDED"


def test_rejected_model_is_alerted_and_refused_by_batch_inference(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], complete_use_case: tf.TerraformRoot
) -> None:
    report, _ = ran
    outputs = complete_use_case.outputs()
    _alerts(clients, outputs)
    known = {
        e["executionArn"] for e in executions.recent(clients["stepfunctions"], outputs["batch_state_machine_arn"], 50)
    }
    clients["sagemaker"].update_model_package(ModelPackageArn=report.model_package_arn, ModelApprovalStatus="Rejected")
    rejected_alerts = [a for a in _alerts(clients, outputs) if "SageMaker Model Package State Change" in a]
    assert rejected_alerts and '"Rejected"' in rejected_alerts[0], "the Rejected rule alerts the topic"
    assert (
        executions.recent(clients["stepfunctions"], outputs["batch_state_machine_arn"], 50)[0]["executionArn"] in known
    )
    payload = {
        "use_case": USE_CASE,
        "experiment": "rejected",
        "data_uri": f"s3://{outputs['data_bucket']}/{USE_CASE}/to-score/",
        "model_package_arn": report.model_package_arn,
    }
    arn = executions.start(clients["stepfunctions"], outputs["batch_state_machine_arn"], payload)
    refused = executions.follow(clients["stepfunctions"], arn)
    assert (refused.status, refused.error) == ("FAILED", "ModelNotApproved")
    assert "data-load" not in refused.states
    assert any(a.startswith("batch inference refused an unapproved model") for a in _alerts(clients, outputs))


BAD_INPUTS: dict[str, tuple[dict[str, Any], str]] = {
    "approval_mode": ({"approval_mode": "yolo"}, "approval_mode: give one of"),
    "use_case": ({"use_case": "someone-else"}, "use_case: give"),
    "hyperparameter_sets": ({"hyperparameter_sets": []}, "hyperparameter_sets: give a non-empty list"),
    "evaluation_threshold": ({"evaluation_threshold": 5}, "evaluation_threshold"),
    "trigger": ({"trigger": "cron"}, "trigger: give one of"),
    "drift": ({"trigger": "drift"}, "drift.model_package_arn: a drift-triggered execution needs it"),
}


@pytest.mark.parametrize("field", list(BAD_INPUTS))
def test_invalid_execution_input_fails_first_naming_the_field_and_alerts(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], complete_use_case: tf.TerraformRoot, field: str
) -> None:
    """Refused by the first state: no job runs, the cause names the field and its fix, an alert."""
    outputs = complete_use_case.outputs()
    _alerts(clients, outputs)
    change, expected = BAD_INPUTS[field]
    payload = demo.training_input(
        USE_CASE, f"s3://{outputs['data_bucket']}/{USE_CASE}/raw/", f"bad-{field}".replace("_", "-")
    )
    deployment = demo.Deployment.of(outputs, DEMO)
    arn = executions.start(clients["stepfunctions"], deployment.machine("training"), payload | change)
    failed = executions.follow(clients["stepfunctions"], arn)
    assert (failed.status, failed.error) == ("FAILED", "InvalidExecutionInput"), (failed.error, failed.cause)
    assert expected in (failed.cause or "") and "data-load" not in failed.states
    assert any(expected in a for a in _alerts(clients, outputs)), "the invalid input is alerted with its field"


def test_a_failing_candidate_fails_the_training_map_with_the_jobs_reason_in_the_alert(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], complete_use_case: tf.TerraformRoot
) -> None:
    """Execution input allows any object per candidate; the training job checks it against the
    algorithm's spec and fails. The Map's Catch gets States.TaskFailed with the job's reason, and
    the alert reads `<job name>: <reason>`, not escaped Describe*Job JSON."""
    outputs = complete_use_case.outputs()
    _alerts(clients, outputs)
    candidates = [{"max_depth": "3", "num_round": "0", "eta": "0.2"}]
    payload = demo.training_input(
        USE_CASE, f"s3://{outputs['data_bucket']}/{USE_CASE}/raw/", "bad-candidate", candidates
    )
    deployment = demo.Deployment.of(outputs, DEMO)
    arn = executions.start(clients["stepfunctions"], deployment.machine("training"), payload)
    failed = executions.follow(clients["stepfunctions"], arn)
    assert (failed.status, failed.error) == ("FAILED", "PipelineFailed")
    assert failed.states["training"].status == "FAILED"
    alerts = [a for a in _alerts(clients, outputs) if a.startswith("training pipeline failed")]
    assert len(alerts) == 1, alerts
    assert "States.TaskFailed" in alerts[0] and "num_round" in alerts[0], alerts[0]
    assert "Custom Error Names" not in alerts[0] and '{"' not in alerts[0], "the job's reason, not its JSON"


def test_the_registered_model_scores_at_its_own_threshold(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 18's bar: the demo's model catches most failures at the threshold stored with the
    package (the wave-1 model caught 1 of 42 at 0.5), and batch scoring applies that threshold."""
    report, out_dir = ran
    point = report.metrics["operating_point"]
    assert point["recall"] >= 0.5 and point["precision"] > 0 and 0 < point["threshold"] < 1
    assert f"score >= {point['threshold']} flags a failure" in demo.summary(report, out_dir)
    url = clients["sagemaker"].describe_model_package(ModelPackageName=report.model_package_arn)[
        "InferenceSpecification"
    ]["Containers"][0]["ModelDataUrl"]
    bucket, key = url.removeprefix("s3://").split("/", 1)
    clients["s3"].download_file(bucket, key, str(tmp_path / "model.tar.gz"))
    with tarfile.open(tmp_path / "model.tar.gz") as archive:
        stored = json.load(archive.extractfile("operating-point.json"))  # type: ignore[arg-type]
    assert stored == point
    summary = _s3_json(clients, report.decisions_uri + "summary.json")
    assert (summary["threshold"], summary["threshold_source"]) == (point["threshold"], "model")


def test_a_retrained_model_that_beats_the_champion_is_registered_for_approval(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], complete_use_case: tf.TerraformRoot, tmp_path: Path
) -> None:
    """Last in this module: it approves a weak champion (which starts the Approved rule's batch
    inference, followed here to its end). A drift event about it in a new window starts
    retraining, which beats it on the same hold-out rows and registers the challenger
    PendingManualApproval, alerted."""
    report, _ = ran
    outputs, sm = complete_use_case.outputs(), clients["sagemaker"]
    registered = sm.describe_model_package(ModelPackageName=report.model_package_arn)
    url = registered["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    bucket, key = url.removeprefix("s3://").split("/", 1)
    clients["s3"].download_file(bucket, key, str(tmp_path / "model.tar.gz"))
    with tarfile.open(tmp_path / "model.tar.gz") as archive:
        archive.extractall(tmp_path / "model", filter="data")
    weak = artifacts.pack_model(weak_model(tmp_path / "model", tmp_path / "weak"), tmp_path / "weak.tar.gz", {})
    weak_key = f"{USE_CASE}/champion-test/model.tar.gz"
    clients["s3"].upload_file(str(weak), bucket, weak_key)
    batch_machine = outputs["batch_state_machine_arn"]
    known = {e["executionArn"] for e in executions.recent(clients["stepfunctions"], batch_machine, 50)}
    container = registered["InferenceSpecification"]["Containers"][0] | {"ModelDataUrl": f"s3://{bucket}/{weak_key}"}
    champion = sm.create_model_package(
        ModelPackageGroupName=registered["ModelPackageGroupName"],
        InferenceSpecification=registered["InferenceSpecification"] | {"Containers": [container]},
        ModelApprovalStatus="Approved",
    )["ModelPackageArn"]
    started = [
        e for e in executions.recent(clients["stepfunctions"], batch_machine, 50) if e["executionArn"] not in known
    ]
    training_machine = outputs["training_state_machine_arn"]
    trainings = {e["executionArn"] for e in executions.recent(clients["stepfunctions"], training_machine, 100)}
    for execution in started:  # the Approved rule's batch inference: let it finish first
        executions.follow(clients["stepfunctions"], execution["executionArn"])
    for execution in executions.recent(clients["stepfunctions"], training_machine, 100):
        if execution["executionArn"] not in trainings:  # its drift event's claim: the window is taken
            executions.follow(clients["stepfunctions"], execution["executionArn"])
    _alerts(clients, outputs)
    # Drift on the weak champion in a new cool-down window: the drift rule starts the retraining.
    (arn,) = _trainings_started_by(
        clients, training_machine, [_drift_event(report, model_package_arn=champion, window_day="challenger-window")]
    )
    done = executions.follow(clients["stepfunctions"], arn)
    assert done.status == "SUCCEEDED", (done.error, done.cause)
    assert demo.retraining_outcome(done).startswith("challenger registered for approval")
    comparison = _s3_json(clients, done.output["steps"]["champion_challenger"]["output"] + "comparison.json")
    assert (comparison["outcome"], comparison["champion_package"]) == ("challenger-better", champion)
    assert comparison["challenger_value"] > comparison["champion_value"] + 0.2
    new = sm.describe_model_package(ModelPackageName=done.output["steps"]["register_model"]["arn"])
    assert new["ModelApprovalStatus"] == "PendingManualApproval" and new["ModelPackageArn"] != champion
    succeeded = [a for a in _alerts(clients, outputs) if a.startswith("training pipeline succeeded")]
    assert len(succeeded) == 1 and "model card is Draft" in succeeded[0], succeeded


def test_approving_a_package_whose_card_is_a_draft_is_refused(
    ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], local_cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the test above: its challenger came from the drift rule, whose input has no card facts
    (the root's drift_retraining.model_card is empty), so its card is a Draft; approval is refused
    (the function and `mlops approve-model`), naming what to fill, and the package stays pending."""
    report, _ = ran
    pending = [p for p in _packages(clients, report) if p["ModelApprovalStatus"] == "PendingManualApproval"]
    assert pending, "the challenger of the test above"
    challenger = max(pending, key=lambda p: p["CreationTime"])["ModelPackageArn"]
    sm = clients["sagemaker"]
    with pytest.raises(approvals.ApprovalRefused, match=r"model_card\.intended_uses: give it"):
        approvals.approve_model(sm, challenger, "looks better")
    assert cli.main(["approve-model", challenger, "--local", "--why", "looks better"]) != 0
    assert "model_card.risk_rating: give it" in capsys.readouterr().err
    assert sm.describe_model_package(ModelPackageName=challenger)["ModelApprovalStatus"] == "PendingManualApproval"


def _sections(output: str) -> tuple[str, str]:
    upstream, _, downstream = output.partition("used by (downstream):")
    return upstream, downstream


def test_lineage_answers_from_a_prediction_back_to_its_data_and_from_data_forward(
    local_cli: Path, ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """`mlops lineage` on the metadata store the demo's executions wrote (issue 18, item 5)."""
    report, _ = ran
    training, batch = report.run("training"), report.run("batch-inference")
    bucket, _, prefix = report.predictions_uri.removeprefix("s3://").partition("/")
    (prediction,) = [o["Key"] for o in clients["s3"].list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    picture = local_cli / "lineage.png"
    assert cli.main(["lineage", f"s3://{bucket}/{prediction}", "--local", "--picture", str(picture)]) == 0
    upstream, downstream = _sections(capsys.readouterr().out)
    for expected in (batch.name, report.model_package_arn, training.name, training.output["data_uri"]):
        assert expected in upstream, f"{expected} is upstream of the prediction:\n{upstream}"
    assert "nothing" in downstream
    data_bucket, _, data_prefix = training.output["data_uri"].removeprefix("s3://").partition("/")
    (version,) = clients["s3"].list_object_versions(Bucket=data_bucket, Prefix=f"{data_prefix}cycles.csv")["Versions"]
    read = f"read {data_prefix}cycles.csv: version {version['VersionId']} etag {version['ETag'].strip(chr(34))}"
    assert read in upstream, f"the exact object the training read:\n{upstream}"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    data_object = f"{training.output['data_uri']}cycles.csv"
    assert cli.main(["lineage", data_object, "--local", "--picture", str(picture)]) == 0
    upstream, downstream = _sections(capsys.readouterr().out)
    assert "etag" in upstream, "the data objects there now, with their ETag and version id"
    for expected in (training.name, report.model_package_arn, batch.name, report.predictions_uri):
        assert expected in downstream, f"{expected} is downstream of the training data:\n{downstream}"


def test_lineage_follows_the_approved_package_to_its_endpoint_and_back_from_its_traffic(
    local_cli: Path, ran: tuple[demo.DemoReport, Path], clients: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The endpoint serving the package is downstream of it, and a request it captured leads back
    to the package, its training and the training data."""
    report, _ = ran
    assert report.serving is not None
    training, endpoint = report.run("training"), report.serving.endpoint
    assert cli.main(["lineage", report.model_package_arn, "--local"]) == 0
    _, downstream = _sections(capsys.readouterr().out)
    assert f"endpoint/{endpoint}" in downstream and f"/capture/{endpoint}/primary/" in downstream, downstream
    sm = clients["sagemaker"]
    config = sm.describe_endpoint_config(
        EndpointConfigName=sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    )
    capture = f"{config['DataCaptureConfig']['DestinationS3Uri'].rstrip('/')}/{endpoint}/primary/"
    bucket, _, prefix = capture.removeprefix("s3://").partition("/")
    captured = [o["Key"] for o in clients["s3"].list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    assert captured
    assert cli.main(["lineage", f"s3://{bucket}/{captured[0]}", "--local"]) == 0
    upstream, _ = _sections(capsys.readouterr().out)
    for expected in (endpoint, report.model_package_arn, training.name, training.output["data_uri"]):
        assert expected in upstream, f"{expected} is upstream of the captured request:\n{upstream}"


def test_lineage_of_something_unknown_names_what_can_be_asked(
    local_cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["lineage", "s3://nowhere/at/all.csv", "--local"]) == 2
    assert "give a model package ARN, an execution name, or an s3:// URI" in capsys.readouterr().err
