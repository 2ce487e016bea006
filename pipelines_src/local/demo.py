"""`mlops demo <root>`: a use case's template deployed by the real Terraform CLI and AWS provider
to the local emulator, then both pipelines executed by the state machines Terraform deployed,
running the step code (the registry's, or a use case's own image) as local jobs. `make demo`
runs it on examples/use-case-complete; a scaffolded use case runs it on its own `infra/`.

train (deployed training state machine) -> model package PendingManualApproval -> a reviewer
approves -> the Approved rule starts the batch-inference state machine -> drifted data is scored,
monitoring flags the drift, the alert reaches the topic -> metadata of both executions in DynamoDB.

What a root exposes for this (and for `mlops run/status --local`) is `Deployment`: its outputs
use_case, data_bucket, alerts_topic_arn, metadata_table and state_machine_arns.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines_src import approvals, codepipelines, datasets, executions
from pipelines_src.local import demo_serving, emulator, jobs
from pipelines_src.local import terraform as tf
from pipelines_src.pipelines import graph

TRAINING_ROWS = 4000
BATCH_ROWS = 2000
HYPERPARAMETER_SETS = [  # strings, as SageMaker's HyperParameters take them
    {"max_depth": "3", "num_round": "60", "eta": "0.2"},
    {"max_depth": "5", "num_round": "100", "eta": "0.1"},
]
OBSERVER_QUEUE = "demo-alerts-observer"
# The model card facts of the sample use case (predictive maintenance), which the demo trains on.
SAMPLE_MODEL_CARD = {
    "purpose_of_model": "flag machines likely to fail within the next maintenance cycle",
    "intended_uses": "rank machines for inspection by the maintenance team; a person decides every repair",
    "risk_rating": "Medium",
    "explanations_for_risk_rating": "a missed failure costs a breakdown, a false alarm an inspection hour; "
    "no decision about people is taken from it",
    "model_owner": "ml-platform@example.com",
}

Log = Callable[[str], None]


def clients(info: emulator.Emulator) -> dict[str, Any]:
    services = ("s3", "stepfunctions", "sagemaker", "dynamodb", "sns", "sqs", "codepipeline", "events", "cloudwatch")
    return {name: info.client(name) for name in services}


class DemoFailed(RuntimeError):
    """An execution of the demo did not succeed; the message says which state and why."""


@dataclass(frozen=True)
class Deployment:
    """What the local run commands need from a deployed root: its outputs."""

    use_case: str
    data_bucket: str
    alerts_topic_arn: str
    metadata_table: str
    state_machines: dict[str, str]
    inference_pipeline: str | None = None  # a CodePipeline name, when the root deploys CI/CD
    platform: dict[str, Any] | None = None  # what a serving root on top needs (output `platform`)
    drift_rule: str | None = None  # the rule that starts retraining on drift (output `drift_rule_arn`)
    budget_publisher: str | None = None  # puts the budget's spend into CloudWatch (its schedule: every 6 h)

    OUTPUTS = ("use_case", "data_bucket", "alerts_topic_arn", "metadata_table", "state_machine_arns")

    @classmethod
    def of(cls, outputs: dict[str, Any], root: Path) -> Deployment:
        missing = [name for name in cls.OUTPUTS if name not in outputs]
        if missing:
            raise DemoFailed(
                f"{root} is not deployed, or lacks the outputs {missing}: a root run locally exposes "
                f"{', '.join(cls.OUTPUTS)} (docs/runtime.md); apply it first"
            )
        values = {name: outputs[name] for name in cls.OUTPUTS[:4]}
        pipeline_arn = outputs.get("inference_pipeline_arn")
        pipeline = pipeline_arn.rsplit(":", 1)[-1] if pipeline_arn else None
        machines = dict(outputs["state_machine_arns"])
        return cls(
            **values,
            state_machines=machines,
            inference_pipeline=pipeline,
            platform=outputs.get("platform"),
            drift_rule=outputs.get("drift_rule_arn"),
            budget_publisher=outputs.get("budget_metrics_state_machine_arn"),
        )

    def machine(self, pipeline: str) -> str:
        if pipeline not in self.state_machines:
            raise DemoFailed(f"no {pipeline} state machine in this deployment: it has {sorted(self.state_machines)}")
        return self.state_machines[pipeline]


def deploy(
    root: tf.TerraformRoot, var_files: list[Path], variables: Mapping[str, Any] | None = None, *, capture: bool = True
) -> dict[str, Any]:
    """Apply the root (idempotent: a second run changes nothing)."""
    root.apply(var_files, variables, capture=capture)
    return root.outputs()


def teardown(
    root: tf.TerraformRoot, var_files: list[Path], source: Path, variables: dict[str, str] | None = None
) -> None:
    """Destroy the root; `teardown.tfvars` of the root (or its profiles/) is applied first, to
    lift what protects data on purpose (deletion protection, bucket retention)."""
    extra = [p for p in (source / "teardown.tfvars", source / "profiles" / "teardown.tfvars") if p.is_file()]
    if extra:
        root.apply([*var_files, *extra], variables)
    root.destroy([*var_files, *extra], variables)


# ---------------------------------------------------------------------------------------------
@dataclass
class PipelineRun:
    pipeline: str
    execution: executions.Execution
    graph: Path | None = None


@dataclass
class DemoReport:
    runs: list[PipelineRun] = field(default_factory=list)
    approval_history: list[str] = field(default_factory=list)
    model_package_arn: str = ""
    champion_kept: bool = False  # the training kept the approved champion: nothing new to approve
    metrics: dict[str, Any] = field(default_factory=dict)
    input_rows: int = 0
    prediction_rows: int = 0
    predictions_uri: str = ""
    decisions_uri: str = ""
    sample: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)  # what the deployed transformer made
    violations: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    metadata: list[dict[str, Any]] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    serving: demo_serving.Serving | None = None
    inference_pipeline: str = ""
    inference_actions: list[codepipelines.ActionState] = field(default_factory=list)
    retraining: executions.Execution | None = None  # what the drift event started
    budget: dict[str, float] = field(default_factory=dict)  # the spend published for the dashboard

    def run(self, pipeline: str) -> executions.Execution:
        return next(r.execution for r in self.runs if r.pipeline == pipeline)


def upload_samples(s3: Any, deployment: Deployment, work: Path) -> dict[str, str]:
    """Training data and a drifted batch to score, under the use case's prefixes."""
    uris = {}
    for kind, drift, rows, prefix in (
        ("training", False, TRAINING_ROWS, "raw"),
        ("batch", True, BATCH_ROWS, "to-score"),
    ):
        folder = work / kind
        datasets.write_sample(folder, rows=rows, seed=7 if kind == "training" else 21, drift=drift)
        for path in sorted(folder.iterdir()):
            s3.upload_file(str(path), deployment.data_bucket, f"{deployment.use_case}/{prefix}/{path.name}")
        uris[kind] = f"s3://{deployment.data_bucket}/{deployment.use_case}/{prefix}/"
    return uris


def observe_alerts(c: dict[str, Any], topic_arn: str, queue_name: str = OBSERVER_QUEUE) -> str:
    """An SQS queue subscribed to the alerts topic, as an on-call tool would be."""
    queue_url = c["sqs"].create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = c["sqs"].get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscriptions = c["sns"].list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    if not any(s["Endpoint"] == queue_arn for s in subscriptions):
        c["sns"].subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return str(queue_url)


def drain_alerts(sqs: Any, queue_url: str) -> list[str]:
    found: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            body = json.loads(message["Body"])
            found.append(f"{body.get('Subject') or ''}: {body.get('Message', '')}".strip(": "))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def training_input(
    use_case: str, data_uri: str, experiment: str, hyperparameter_sets: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "use_case": use_case,
        "experiment": experiment,
        "data_uri": data_uri,
        "hyperparameter_sets": hyperparameter_sets or HYPERPARAMETER_SETS,
        "evaluation_metric": "auc",
        "evaluation_threshold": 0.75,
        "approval_mode": "manual",
        "model_card": SAMPLE_MODEL_CARD,
    }


def _progress(log: Log, pipeline: str) -> Callable[[executions.StateRun], None]:
    def report(run: executions.StateRun) -> None:
        took = f"{run.seconds:6.1f} s" if run.seconds is not None else "       "
        mark = "ok  " if run.status == "SUCCEEDED" else "FAIL"
        detail = f"  {run.detail[:160]}" if run.status == "FAILED" else ""
        log(f"    {pipeline:<16} {mark} {run.name:<22} {took}{detail}")

    return report


def execution_name(pipeline: str) -> str:
    return f"{pipeline}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}"


def run_training(
    c: dict[str, Any], deployment: Deployment, execution_input: dict[str, Any], log: Log
) -> executions.Execution:
    arn = executions.start(
        c["stepfunctions"], deployment.machine("training"), execution_input, execution_name("training")
    )
    log(f"  training execution {arn.rsplit(':', 1)[-1]}")
    return executions.follow(c["stepfunctions"], arn, _progress(log, "training"))


def approve(sagemaker: Any, package_arn: str) -> list[str]:
    """A reviewer approves the package, as `mlops approve-model` does (refused without a complete
    model card); returns the statuses it went through."""
    try:
        return approvals.approve_model(sagemaker, package_arn, "approved in the demo review")
    except approvals.ApprovalRefused as exc:
        raise DemoFailed(str(exc)) from exc


def count_rows(s3: Any, uri: str, suffix: str, *, header: bool) -> int:
    """Records in the objects under `uri` ending in `suffix` (one per non-empty line)."""
    source = jobs.S3Uri.parse(uri)
    bucket, prefix = source.bucket, source.key
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith(suffix):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
                total += sum(1 for line in body.splitlines() if line.strip()) - (1 if header else 0)
    return total


def _download_reports(s3: Any, uri: str, target: Path) -> list[Path]:
    source = jobs.S3Uri.parse(uri)
    bucket, prefix = source.bucket, source.key
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith((".html", ".json")):
                path = target / item["Key"][len(prefix) :]
                path.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, item["Key"], str(path))
                found.append(path)
    return found


def draw_graph(c: dict[str, Any], execution: executions.Execution, target: Path) -> Path:
    """The execution drawn on its state machine's own definition, as deployed."""
    parts = execution.arn.split(":")  # arn:aws:states:<region>:<account>:execution:<machine>:<name>
    machine = ":".join([*parts[:5], "stateMachine", parts[6]])
    definition = json.loads(c["stepfunctions"].describe_state_machine(stateMachineArn=machine)["definition"])
    statuses = {name: run.status for name, run in execution.states.items()}
    return graph.draw(definition, statuses, f"{execution.name}: {execution.status}", target)


def metadata_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items = dynamodb.scan(TableName=table)["Items"]
    return [{k: next(iter(v.values())) for k, v in item.items()} for item in items]


def run(
    info: emulator.Emulator,
    deployment: Deployment,
    out_dir: Path,
    *,
    log: Log = print,
    hyperparameter_sets: list[dict[str, Any]] | None = None,
    serving_root: tf.TerraformRoot | None = None,
) -> DemoReport:
    """Both pipelines on the deployed template; everything the summary shows, in `out_dir`.
    Run again on the same deployment (`make demo` twice), the retraining may keep the champion:
    then nothing is approved and the champion scores the batch, as it keeps serving."""
    c = clients(info)
    report = DemoReport()
    queue_url = observe_alerts(c, deployment.alerts_topic_arn)
    with tempfile.TemporaryDirectory() as scratch:
        uris = upload_samples(c["s3"], deployment, Path(scratch))
    log("[3/7] training pipeline (deployed state machine, step code as local SageMaker jobs)")
    execution_input = training_input(deployment.use_case, uris["training"], "demo", hyperparameter_sets)
    trainings = {e["executionArn"] for e in executions.recent(c["stepfunctions"], deployment.machine("training"), 50)}
    training = run_training(c, deployment, execution_input, log)
    report.runs.append(PipelineRun("training", training))
    if training.status != "SUCCEEDED":
        raise DemoFailed(f"training execution {training.name} {training.status}: {training.error} {training.cause}")
    trainings.add(training.arn)
    outcome = TrainingOutcome.of(training)
    report.model_package_arn, report.champion_kept = outcome.package_arn, not outcome.registered
    report.metrics = training.output["steps"].get("read_decision", {}).get("decision", {})
    batch = _score(c, deployment, outcome, report, log)
    report.runs.append(PipelineRun("batch-inference", batch))
    if batch.status != "SUCCEEDED":
        raise DemoFailed(f"batch-inference execution {batch.name} {batch.status}: {batch.error} {batch.cause}")
    _follow_drift_retraining(c, deployment, report, trainings, log)
    if outcome.registered:
        _follow_inference_pipeline(c, deployment, report, log)
    if serving_root is not None:
        report.serving = serve_in_real_time(info, deployment, report, serving_root, log)
    _collect(c, deployment, report, queue_url, out_dir)
    return report


@dataclass(frozen=True)
class TrainingOutcome:
    """What a succeeded training execution leaves for review: a new package, or the champion kept."""

    package_arn: str
    registered: bool  # False: the challenger did not beat the champion; package_arn is the champion's

    @classmethod
    def found(cls, execution: executions.Execution) -> TrainingOutcome | None:
        """The package the execution registered or the champion it kept; None when it did neither."""
        steps = execution.output.get("steps", {})
        if "register_model" in steps:
            return cls(str(steps["register_model"]["arn"]), True)
        if "champion-kept" in execution.states:
            return cls(str(steps["read_comparison"]["comparison"]["champion_package"]), False)
        return None

    @classmethod
    def of(cls, execution: executions.Execution) -> TrainingOutcome:
        if (outcome := cls.found(execution)) is not None:
            return outcome
        raise DemoFailed(
            f"training execution {execution.name} ended {execution.status} without registering a package or "
            f"keeping a champion (it stopped at {list(execution.states)[-1:]}): see `mlops status training`"
        )

    def line(self) -> str:
        """The reviewer's one line: what this training changed."""
        version = self.package_arn.rsplit("/", 1)[-1]
        if self.registered:
            return f"model package {self.package_arn.rsplit('/', 2)[-2:]} awaits review"
        return f"champion kept: no new package; version {version} keeps serving"


def _score(
    c: dict[str, Any], deployment: Deployment, outcome: TrainingOutcome, report: DemoReport, log: Log
) -> executions.Execution:
    """The batch a new package's approval starts (the Approved rule), or, when the champion was
    kept, the on-demand batch its Approved rule would start, with the champion."""
    batch_machine = deployment.machine("batch-inference")
    if not outcome.registered:
        log(f"[4/7] {outcome.line()}")
        log("[5/7] batch-inference on demand with the champion (the input its Approved rule gives)")
        batch_input = approved_rule_input(c["events"], batch_machine, outcome.package_arn)
        arn = executions.start(c["stepfunctions"], batch_machine, batch_input, execution_name("batch-inference"))
    else:
        known = {e["executionArn"] for e in executions.recent(c["stepfunctions"], batch_machine, 50)}
        log(f"[4/7] {outcome.line()}; approving it")
        report.approval_history = approve(c["sagemaker"], outcome.package_arn)
        log("[5/7] the Approved event started the batch-inference pipeline (EventBridge rule -> state machine)")
        arn = executions.wait_for_new(c["stepfunctions"], batch_machine, known)
    return executions.follow(c["stepfunctions"], arn, _progress(log, "batch-inference"))


def approved_rule_input(events: Any, machine_arn: str, package_arn: str) -> dict[str, Any]:
    """The input the registry's Approved rule gives `machine_arn` for `package_arn` (its target's
    input template, filled in as EventBridge does)."""
    for rule in events.list_rule_names_by_target(TargetArn=machine_arn)["RuleNames"]:
        for target in events.list_targets_by_rule(Rule=rule)["Targets"]:
            template = target.get("InputTransformer", {}).get("InputTemplate", "")
            if target["Arn"] == machine_arn and "<package>" in template:
                found: dict[str, Any] = json.loads(template.replace("<package>", package_arn))
                return found
    raise DemoFailed(f"no Approved rule targets {machine_arn}: apply a root whose model registry has approved_targets")


def serve_in_real_time(
    info: emulator.Emulator, deployment: Deployment, report: DemoReport, root: tf.TerraformRoot, log: Log
) -> demo_serving.Serving:
    """The approved package on an endpoint of its own root; its traffic monitored."""
    if deployment.platform is None:
        raise DemoFailed("the deployed root has no `platform` output, which a serving root needs: apply one that has")
    group = report.model_package_arn.rsplit("/", 2)[-2]
    # The deploy step of the inference pipeline, as its CodeBuild action runs it on AWS: the
    # group's newest Approved version, written as the serving root's model_package_arn.
    deployed = approvals.latest_approved(info.client("sagemaker"), group)
    if deployed != report.model_package_arn:
        raise DemoFailed(f"the deploy step resolved {deployed}, not the approved {report.model_package_arn}")
    approvals.write_deploy_tfvars(root.path / demo_serving.DEPLOY_FILE, deployed)
    log(f"[7/8] real-time: deploy on approval, terraform apply {root.path.name} serving {deployed.rsplit('/', 2)[-2:]}")
    variables = {
        "platform": deployment.platform,
        "baseline_uri": baselines_of(info.client("sagemaker"), deployed),
        "use_case": deployment.use_case,
    }
    try:
        return demo_serving.serve(info, root, variables, log)
    except demo_serving.ServingFailed as exc:
        raise DemoFailed(f"real-time serving: {exc}") from exc


def baselines_of(sagemaker: Any, package_arn: str) -> str:
    """The folder of the monitoring baselines the package was registered with (its data-quality
    statistics lie beside the bias and explainability baselines): the served package's own, also
    when a later training kept it as champion."""
    metrics = sagemaker.describe_model_package(ModelPackageName=package_arn).get("ModelMetrics", {})
    statistics = metrics.get("ModelDataQuality", {}).get("Statistics", {}).get("S3Uri")
    if not statistics:
        raise DemoFailed(
            f"{package_arn} carries no data-quality baseline (ModelMetrics.ModelDataQuality): register it "
            "with the training pipeline, which attaches one"
        )
    return str(statistics).rsplit("/", 1)[0] + "/"


def _follow_drift_retraining(
    c: dict[str, Any], deployment: Deployment, report: DemoReport, known: set[str], log: Log
) -> None:
    """The drifted batch published a drift event; the deployment's drift rule started retraining."""
    if (
        not deployment.drift_rule
        or not report.run("batch-inference").output["steps"]["read_violations"]["report"]["violations"]
    ):
        return
    log("      the drift event started retraining (EventBridge drift rule -> training state machine)")
    arn = executions.wait_for_new(c["stepfunctions"], deployment.machine("training"), known)
    report.retraining = executions.follow(c["stepfunctions"], arn, _progress(log, "drift-retraining"))
    if report.retraining.status != "SUCCEEDED":
        e = report.retraining
        raise DemoFailed(f"drift retraining {e.name} {e.status}: {e.error} {e.cause}")
    log(f"      drift retraining: {retraining_outcome(report.retraining)}")


def retraining_outcome(execution: executions.Execution) -> str:
    """What became of a drift-triggered training execution, in a reviewer's words."""
    steps = execution.output.get("steps", {})
    if "retraining-skipped" in execution.states:
        window = execution.output.get("drift", {}).get("window")
        return f"skipped: a retraining already ran in window {window} (claim {steps['claim_retraining']['claims']})"
    outcome = TrainingOutcome.found(execution)
    if outcome is None:
        return f"{execution.status} without a decision"
    what = "challenger registered for approval" if outcome.registered else "champion kept"
    return f"{what} ({outcome.package_arn})"


def _follow_inference_pipeline(c: dict[str, Any], deployment: Deployment, report: DemoReport, log: Log) -> None:
    """The Approved rule's CodePipeline target runs up to its operator approval."""
    if not deployment.inference_pipeline:
        return
    report.inference_pipeline = deployment.inference_pipeline
    log(f"[6/7] the Approved event also started CodePipeline {report.inference_pipeline} (waits for an operator)")
    report.inference_actions = codepipelines.wait_for(
        c["codepipeline"], report.inference_pipeline, stage="Approve", status="InProgress"
    )


def _collect(c: dict[str, Any], deployment: Deployment, report: DemoReport, queue_url: str, out_dir: Path) -> None:
    batch = report.run("batch-inference")
    steps = batch.output["steps"]
    report.input_rows = count_rows(c["s3"], batch.output["data_uri"], ".csv", header=True)
    report.predictions_uri = steps["batch_inference"]["output"]
    report.prediction_rows = count_rows(c["s3"], report.predictions_uri, ".out", header=False)
    report.decisions_uri = steps["post_processing"]["output"]
    report.sample = first_lines(c["s3"], report.decisions_uri + "decisions.csv", 6)
    report.violations = steps["read_violations"]["report"]["violations"]
    features = report.run("training").output["steps"]["feature_engineering"]["output"]
    report.feature_names = json.loads(
        "\n".join(first_lines(c["s3"], features + "transformer/feature_names.json", 10**6))
    )
    if deployment.budget_publisher:
        report.budget = publish_budget(c, deployment.budget_publisher)
    time.sleep(0.5)  # SNS -> SQS delivery happens inside the emulator right after publish
    report.alerts = drain_alerts(c["sqs"], queue_url)
    report.metadata = metadata_items(c["dynamodb"], deployment.metadata_table)
    for pipeline_run in report.runs:
        folder = out_dir / pipeline_run.pipeline / pipeline_run.execution.name
        for state, step in pipeline_run.execution.output.get("steps", {}).items():
            if isinstance(step, dict) and state in ("model_evaluation", "model_monitoring", "model_card"):
                report.reports += _download_reports(c["s3"], step["output"], folder / state.replace("_", "-"))
        pipeline_run.graph = draw_graph(c, pipeline_run.execution, folder / "state-graph.png")


def publish_budget(c: dict[str, Any], publisher: str) -> dict[str, float]:
    """One run of the budget publisher (what its schedule starts every six hours); the figures it
    put into CloudWatch, by metric name."""
    execution = executions.follow(c["stepfunctions"], executions.start(c["stepfunctions"], publisher, {}), timeout=120)
    if execution.status != "SUCCEEDED":
        raise DemoFailed(f"budget publisher {execution.name} {execution.status}: {execution.error} {execution.cause}")
    budget = publisher.rsplit(":", 1)[-1].removesuffix("-budget-metrics")
    found = {}
    for name in ("ActualSpend", "ForecastedSpend"):
        points = c["cloudwatch"].get_metric_statistics(
            Namespace="MLOps/Budget",
            MetricName=name,
            Dimensions=[{"Name": "Budget", "Value": budget}],
            StartTime=datetime.now(UTC) - timedelta(hours=1),
            EndTime=datetime.now(UTC) + timedelta(minutes=1),
            Period=3600,
            Statistics=["Maximum"],
        )["Datapoints"]
        if points:
            found[name] = float(max(p["Maximum"] for p in points))
    return found


def first_lines(s3: Any, uri: str, count: int) -> list[str]:
    source = jobs.S3Uri.parse(uri)
    body: str = s3.get_object(Bucket=source.bucket, Key=source.key)["Body"].read().decode()
    return body.splitlines()[:count]


def summary(report: DemoReport, out_dir: Path) -> str:
    lines = ["", "Summary", "======="]
    for pipeline_run in report.runs:
        e = pipeline_run.execution
        lines.append(f"{pipeline_run.pipeline:<16} {e.status:<10} {e.seconds or 0:6.1f} s  {e.name}")
        slowest = sorted((s for s in e.states.values() if s.seconds), key=lambda s: -(s.seconds or 0))[:3]
        lines.append("    slowest states: " + ", ".join(f"{s.name} {s.seconds:.1f} s" for s in slowest))
    lines.append(f"model package      {report.model_package_arn}")
    if report.champion_kept:
        lines.append(f"approval           {TrainingOutcome(report.model_package_arn, False).line()}")
    else:
        lines.append(f"approval           {' -> '.join(report.approval_history)}")
    lines.append(
        f"best candidate     {report.metrics.get('best_candidate')} {report.metrics.get('metric')}="
        f"{report.metrics.get('value')}"
    )
    if point := report.metrics.get("operating_point"):
        lines.append(
            f"operating point    score >= {point['threshold']} flags a failure: catches {point['recall']:.0%} of "
            f"failures (recall), {point['precision']:.0%} of flags are failures (precision), on the test split"
        )
    lines.append(f"features           {len(report.feature_names)}: {', '.join(report.feature_names)}")
    lines.append(f"batch rows         {report.input_rows} in, {report.prediction_rows} predictions out")
    lines.append(f"predictions        {report.predictions_uri}")
    lines.append(f"decisions          {report.decisions_uri}decisions.csv, first rows:")
    lines += [f"    {row}" for row in report.sample]
    features = ", ".join(sorted({str(v.get("feature_name")) for v in report.violations}))
    lines.append(f"drift violations   {len(report.violations)} ({features})")
    if report.retraining is not None:
        lines.append(f"drift retraining   {retraining_outcome(report.retraining)}, {report.retraining.name}")
    lines.append(f"alerts on topic    {len(report.alerts)}")
    lines += [f"    - {a[:150]}" for a in report.alerts]
    lines.append(f"metadata items     {len(report.metadata)} in the executions table")
    lines += _budget_lines(report.budget)
    if report.inference_pipeline:
        lines.append(f"inference CI/CD    CodePipeline {report.inference_pipeline} (started by the Approved event)")
        lines += [
            f"    {a.stage:<8} {a.status or 'not reached':<12} {a.summary}"[:160] for a in report.inference_actions
        ]
        lines.append(
            f"    Deploy runs make apply-aws once an operator approves (mlops cicd approve {report.inference_pipeline}"
            " --summary '<why>'): in CI, with the root's S3 backend"
        )
    if report.serving is not None:
        lines += _serving_lines(report.serving)
    lines.append(f"reports and graphs {out_dir}")
    lines += [f"    {p.relative_to(out_dir)}" for p in report.reports if p.suffix == ".html"]
    lines += [f"    {r.graph.relative_to(out_dir)}" for r in report.runs if r.graph]
    return "\n".join(lines)


def _budget_lines(budget: dict[str, float]) -> list[str]:
    if not budget:
        return []
    figures = ", ".join(f"{name.removesuffix('Spend').lower()} ${value:,.2f}" for name, value in budget.items())
    return [f"budget this month  {figures} (MLOps/Budget, charted on the dashboard; the emulator has no bill)"]


def _serving_lines(serving: demo_serving.Serving) -> list[str]:
    execution = serving.execution
    features = ", ".join(sorted({str(v.get("feature_name")) for v in serving.violations}))
    return [
        f"real-time          endpoint {serving.endpoint}: {serving.requests} requests, "
        f"first scores {serving.first_predictions}",
        f"    {serving.captured} requests captured; monitoring {serving.schedule} "
        f"{execution.get('MonitoringExecutionStatus')}: {len(serving.violations)} violations ({features})",
        f"    reports {serving.reports_uri}",
        *_model_quality_lines(serving.model_quality),
        *_clarify_lines(serving.clarify),
        _alarm_line(serving.alarms),
    ]


def _alarm_line(alarms: dict[str, str]) -> str:
    firing = sorted(name for name, state in alarms.items() if state == "ALARM")
    return f"    {len(alarms)} monitor alarms evaluated, in ALARM (alerted): {', '.join(firing) or 'none'}"


def _model_quality_lines(found: dict[str, Any]) -> list[str]:
    if not found:
        return []
    metrics = (found.get("statistics.json") or {}).get("binary_classification_metrics", {})
    figures = ", ".join(f"{m} {metrics[m]['value']:.3f}" for m in ("auc", "recall", "precision") if m in metrics)
    broken = [v["metric_name"] for v in (found.get("constraint_violations.json") or {}).get("violations", [])]
    status = found["execution"].get("MonitoringExecutionStatus")
    return [
        f"    model quality on the labelled traffic {status}: {figures}; below approved figures: {broken or 'none'}",
        f"    reports {found['uri']}",
    ]


def _clarify_lines(found: dict[str, dict[str, Any]]) -> list[str]:
    """One line per Clarify monitor run: the facet's DPPL per group, or the top features."""
    lines = []
    for name, run in sorted(found.items()):
        analysis = run.get("analysis.json") or {}
        broken = [v["metric_name"] for v in (run.get("constraint_violations.json") or {}).get("violations", [])]
        if "post_training_bias_metrics" in analysis:
            facets = analysis["post_training_bias_metrics"]["facets"]
            figures = ", ".join(
                f"{facet}={group['value_or_threshold']} {metric['name']} {metric['value']:+.3f}"
                for facet, groups in facets.items()
                for group in groups
                for metric in group["metrics"]
                if metric["name"] == "DPPL"
            )
        else:
            ((_, by_label),) = (analysis.get("explanations") or {"": {"label0": {"global_shap_values": {}}}}).items()
            ranked = sorted(by_label["label0"]["global_shap_values"].items(), key=lambda kv: -kv[1])
            figures = "relies most on " + ", ".join(feature for feature, _ in ranked[:3])
        status = run["execution"].get("MonitoringExecutionStatus")
        lines.append(f"    {name} {status}: {figures}; violations: {broken or 'none'}")
    return lines


def write_summary(report: DemoReport, out_dir: Path) -> Path:
    data = {
        "executions": [
            {
                "pipeline": r.pipeline,
                "name": r.execution.name,
                "status": r.execution.status,
                "seconds": r.execution.seconds,
                "states": {
                    n: {"status": s.status, "seconds": s.seconds, "detail": s.detail}
                    for n, s in r.execution.states.items()
                },
            }
            for r in report.runs
        ],
        "model_package_arn": report.model_package_arn,
        "approval_history": report.approval_history,
        "champion_kept": report.champion_kept,
        "metrics": report.metrics,
        "input_rows": report.input_rows,
        "prediction_rows": report.prediction_rows,
        "predictions_uri": report.predictions_uri,
        "decisions_uri": report.decisions_uri,
        "sample": report.sample,
        "feature_names": report.feature_names,
        "violations": report.violations,
        "alerts": report.alerts,
        "metadata": report.metadata,
        "serving": asdict(report.serving) if report.serving else None,
        "drift_retraining": (
            {"name": report.retraining.name, "outcome": retraining_outcome(report.retraining)}
            if report.retraining
            else None
        ),
        "inference_pipeline": {
            "name": report.inference_pipeline,
            "actions": [asdict(a) | {"token": ""} for a in report.inference_actions],
        },
    }
    path = out_dir / "summary.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path
