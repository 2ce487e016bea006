"""The monitors of an endpoint that the AWS provider has no resource for, set up through the
SageMaker API: model quality (constraints derived from the package's evaluation, Model Monitor's
`binary_classification_metrics`, the figures the model was approved on, less a tolerance), and
model bias and explainability (SageMaker Clarify's, whose baselines are the training pipeline's
`bias.json` and `explainability.json`). Each job definition runs in the VPC with the use case's
key and network isolation, on an hourly schedule. Job definitions cannot be updated, so a new
deployment replaces definition and schedule (the schedule first, which SageMaker requires
before its definition can go)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from pipelines_src.contracts import ContractError

WATCHED_METRICS = ("auc", "recall", "precision", "f1")
# Where Model Monitor and Clarify publish an endpoint's monitoring metrics, which the alarms watch.
MODEL_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
BIAS_NAMESPACE = "aws/sagemaker/Endpoints/bias-metrics"
EXPLAINABILITY_NAMESPACE = "aws/sagemaker/Endpoints/explainability-metrics"
# The explainability alarm compares the leading feature with the next ones: a CloudWatch alarm
# takes at most 10 metrics.
RIVALS = 8
HOURLY = "cron(0 * ? * * *)"
# A one-time run (ScheduleExpression NOW) needs its window: the hour before, as SageMaker's examples.
ON_DEMAND_WINDOW = {"DataAnalysisStartTime": "-PT1H", "DataAnalysisEndTime": "-PT0H"}
# The analyzer images on AWS; locally the registry's model-quality and clarify_monitors steps run.
ANALYZER_IMAGE = "sagemaker-model-monitor-analyzer"
CLARIFY_IMAGE = "sagemaker-clarify-processing"
# The boto3 name of each MonitoringType's job definition calls: create_<name>_job_definition...
API_NAMES = {"ModelQuality": "model_quality", "ModelBias": "model_bias", "ModelExplainability": "model_explainability"}


class MonitorSetupRefused(ContractError):
    """The monitor cannot be set up as asked; the message names the field and the fix."""


@dataclass(frozen=True)
class Placement:
    """Where an endpoint's monitoring jobs run and write: the same for every kind of monitor."""

    endpoint: str
    output_uri: str  # reports, and the files the set-up derives
    role_arn: str
    kms_key_arn: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    schedule: str = HOURLY

    def name(self, kind: str) -> str:
        return f"{self.endpoint}-{kind}"[:63]

    def check(self) -> None:
        if not self.subnet_ids or not self.security_group_ids:
            raise MonitorSetupRefused(
                "--subnet-ids/--security-group-ids: the monitoring job runs in the use case's VPC"
            )
        _bucket_key(self.output_uri, "--output")


@dataclass(frozen=True)
class ModelQualityMonitor:
    placement: Placement
    evaluation_uri: str  # the package's evaluation.json (binary_classification_metrics)
    ground_truth_uri: str  # where the use case uploads labels (hour partitions)
    threshold: float = 0.5
    tolerance: float = 0.1
    alarm_topic_arn: str | None = None  # alarms on the published metrics alert this SNS topic

    @property
    def name(self) -> str:
        return self.placement.name("model-quality")


@dataclass(frozen=True)
class ClarifyMonitors:
    """The model-bias and model-explainability monitors of one endpoint."""

    placement: Placement
    baseline_uri: str  # the training pipeline's monitoring output: bias.json, explainability.json
    ground_truth_uri: str
    facet: str  # the records' sensitive field, e.g. shift
    label: str = "label"
    threshold: float = 0.5
    tolerance: float = 0.1  # how much further from fair than its baseline a bias metric may move
    alarm_topic_arn: str | None = None  # the alarms on the published metrics alert this SNS topic


def _bucket_key(uri: str, field: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise MonitorSetupRefused(f"{field} {uri}: give an s3://<bucket>/<key> URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def evaluation_of(sagemaker: Any, package_arn: str) -> str:
    """The package's model-quality statistics (the pipeline registers its evaluation.json there)."""
    package = sagemaker.describe_model_package(ModelPackageName=package_arn)
    uri = (package.get("ModelMetrics") or {}).get("ModelQuality", {}).get("Statistics", {}).get("S3Uri")
    if not uri:
        raise MonitorSetupRefused(
            f"--package {package_arn} has no ModelMetrics.ModelQuality statistics: give --evaluation s3://.../evaluation.json"
        )
    return str(uri)


def decision_threshold_of(s3: Any, evaluation_uri: str) -> float:
    """The decision threshold the package's metrics were measured at (model-evaluation records it)."""
    found = _read(s3, evaluation_uri, "--evaluation").get("decision_threshold")
    if not isinstance(found, int | float) or not 0 < found < 1:
        raise MonitorSetupRefused(
            f"{evaluation_uri} records no decision_threshold: pass --threshold, the served model's decision threshold"
        )
    return float(found)


def suggested_constraints(evaluation: dict[str, Any], tolerance: float) -> dict[str, Any]:
    """A violation when a watched metric falls more than `tolerance` (a fraction) below the
    value the package was evaluated at."""
    if not 0 <= tolerance < 1:
        raise MonitorSetupRefused(f"--tolerance {tolerance}: give a fraction between 0 and 1, e.g. 0.1")
    metrics = evaluation.get("binary_classification_metrics") or {}
    missing = [name for name in WATCHED_METRICS if name not in metrics]
    if missing:
        raise MonitorSetupRefused(
            f"--evaluation: binary_classification_metrics lacks {missing}: give the package's evaluation.json"
        )
    rules = {
        name: {
            "threshold": round(metrics[name]["value"] * (1 - tolerance), 6),
            "comparison_operator": "LessThanThreshold",
        }
        for name in WATCHED_METRICS
    }
    return {"version": 0.0, "binary_classification_constraints": rules}


def baseline_of(sagemaker: Any, package_arn: str) -> str:
    """The package's training monitoring output, the folder of its data-quality statistics
    (the pipeline writes bias.json and explainability.json beside them)."""
    package = sagemaker.describe_model_package(ModelPackageName=package_arn)
    uri = (package.get("ModelMetrics") or {}).get("ModelDataQuality", {}).get("Statistics", {}).get("S3Uri")
    if not uri:
        raise MonitorSetupRefused(
            f"--package {package_arn} has no ModelMetrics.ModelDataQuality statistics: give --baseline "
            "s3://.../model-monitoring/ (the training pipeline's monitoring output)"
        )
    return str(uri).rsplit("/", 1)[0] + "/"


def _placed(placement: Placement, kind: str) -> dict[str, Any]:
    """What every kind of job definition shares: encrypted output, volume, VPC, isolation, role."""
    output = {"S3Uri": placement.output_uri, "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob"}
    return {
        f"{kind}JobOutputConfig": {"KmsKeyId": placement.kms_key_arn, "MonitoringOutputs": [{"S3Output": output}]},
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
                "VolumeKmsKeyId": placement.kms_key_arn,
            }
        },
        "NetworkConfig": {
            "EnableInterContainerTrafficEncryption": True,
            "EnableNetworkIsolation": True,
            "VpcConfig": {
                "Subnets": list(placement.subnet_ids),
                "SecurityGroupIds": list(placement.security_group_ids),
            },
        },
        "RoleArn": placement.role_arn,
    }


def _endpoint_input(placement: Placement, threshold: float | None = None) -> dict[str, Any]:
    scored = {"ProbabilityAttribute": "predictions", "ProbabilityThresholdAttribute": threshold}
    return {"EndpointName": placement.endpoint, "LocalPath": "/opt/ml/processing/input/endpoint"} | (
        scored if threshold is not None else {}
    )


def _model_quality_definition(spec: ModelQualityMonitor, constraints_uri: str) -> dict[str, Any]:
    return {
        "JobDefinitionName": spec.name,
        "ModelQualityAppSpecification": {"ImageUri": ANALYZER_IMAGE, "ProblemType": "BinaryClassification"},
        "ModelQualityBaselineConfig": {"ConstraintsResource": {"S3Uri": constraints_uri}},
        "ModelQualityJobInput": {
            "EndpointInput": _endpoint_input(spec.placement, spec.threshold),
            "GroundTruthS3Input": {"S3Uri": spec.ground_truth_uri},
        },
    } | _placed(spec.placement, "ModelQuality")


def _remove_previous(sagemaker: Any, endpoint: str, name: str, kind: str) -> bool:
    """Deletes the schedule and `kind` definition (model_quality...) of an earlier deployment;
    whether there were any."""
    schedules = sagemaker.list_monitoring_schedules(EndpointName=endpoint)
    found = [s["MonitoringScheduleName"] for s in schedules["MonitoringScheduleSummaries"]]
    if name in found:
        sagemaker.delete_monitoring_schedule(MonitoringScheduleName=name)
    definitions = getattr(sagemaker, f"list_{kind}_job_definitions")()["JobDefinitionSummaries"]
    existed = any(d["MonitoringJobDefinitionName"] == name for d in definitions)
    if existed:
        getattr(sagemaker, f"delete_{kind}_job_definition")(JobDefinitionName=name)
    return existed or name in found


def _replace(sagemaker: Any, placement: Placement, monitoring_type: str, definition: dict[str, Any]) -> bool:
    """The definition and its schedule created in place of any earlier ones; whether they replaced some."""
    kind = API_NAMES[monitoring_type]
    name = definition["JobDefinitionName"]
    replaced = _remove_previous(sagemaker, placement.endpoint, name, kind)
    getattr(sagemaker, f"create_{kind}_job_definition")(**definition)
    on_demand = ON_DEMAND_WINDOW if placement.schedule == "NOW" else {}
    sagemaker.create_monitoring_schedule(
        MonitoringScheduleName=name,
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": placement.schedule} | on_demand,
            "MonitoringJobDefinitionName": name,
            "MonitoringType": monitoring_type,
        },
    )
    return replaced


def _read(s3: Any, uri: str, field: str) -> dict[str, Any]:
    bucket, key = _bucket_key(uri, field)
    try:
        found: dict[str, Any] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey as exc:
        raise MonitorSetupRefused(f"{field} {uri} does not exist") from exc
    return found


def _write(s3: Any, placement: Placement, name: str, content: dict[str, Any]) -> str:
    """A file the set-up derives, KMS-encrypted under `<output>/baseline/`; its URI."""
    bucket, key = _bucket_key(f"{placement.output_uri.rstrip('/')}/baseline/{name}", "--output")
    body = json.dumps(content, indent=2).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ServerSideEncryption="aws:kms", SSEKMSKeyId=placement.kms_key_arn)
    return f"s3://{bucket}/{key}"


def _checked_threshold(threshold: float) -> None:
    if not 0 < threshold < 1:
        raise MonitorSetupRefused(f"--threshold {threshold}: give the package's decision threshold (0-1)")


def model_quality_alarms(spec: ModelQualityMonitor, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """One CloudWatch alarm per constraint, on the metric the monitor publishes (Model Monitor's
    model-metrics namespace): below the constraint's threshold in an hourly run, the topic is alerted."""
    dimensions = [
        {"Name": "Endpoint", "Value": spec.placement.endpoint},
        {"Name": "MonitoringSchedule", "Value": spec.name},
    ]
    return [
        _hourly_alarm(
            f"{spec.name}-{metric}",
            f"{metric} of {spec.placement.endpoint}'s labelled traffic fell below {rule['threshold']}, its approved "
            f"figure less the tolerance: reports under {spec.placement.output_uri}",
            spec.alarm_topic_arn,
        )
        | {
            "Namespace": MODEL_METRICS_NAMESPACE,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": "Minimum",
            "Period": 3600,
            "Threshold": rule["threshold"],
            "ComparisonOperator": "LessThanThreshold",
        }
        for metric, rule in sorted(rules.items())
    ]


def _alerting(topic: str | None, cloudwatch: Any | None) -> Any:
    """The CloudWatch client the alarms are put with, once the topic is known to be an SNS ARN."""
    if topic is not None and not re.fullmatch(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+", topic):
        raise MonitorSetupRefused(f"--alarm-topic {topic}: give the ARN of the use case's alerts topic")
    if topic is not None and cloudwatch is None:
        raise MonitorSetupRefused("--alarm-topic: the alarms need a CloudWatch client")
    return cloudwatch


def ensure_model_quality_monitor(
    sagemaker: Any, s3: Any, spec: ModelQualityMonitor, cloudwatch: Any | None = None
) -> dict[str, Any]:
    """Constraints written, the definition and its schedule (re)created, with `alarm_topic_arn`
    the alarms on its metrics (through `cloudwatch`); what was done."""
    spec.placement.check()
    alerting = _alerting(spec.alarm_topic_arn, cloudwatch)
    _checked_threshold(spec.threshold)
    _bucket_key(spec.ground_truth_uri, "--ground-truth")
    constraints = suggested_constraints(_read(s3, spec.evaluation_uri, "--evaluation"), spec.tolerance)
    constraints_uri = _write(s3, spec.placement, "constraints.json", constraints)
    rules = constraints["binary_classification_constraints"]
    alarms = model_quality_alarms(spec, rules) if spec.alarm_topic_arn else []
    for alarm in alarms:  # first, to watch the first run; a redeploy's PutMetricAlarm moves the thresholds
        alerting.put_metric_alarm(**alarm)
    replaced = _replace(sagemaker, spec.placement, "ModelQuality", _model_quality_definition(spec, constraints_uri))
    return {"name": spec.name, "replaced": replaced, "constraints": rules, "alarms": [a["AlarmName"] for a in alarms]}


# ----------------------------------------------------------------------------- bias and explainability
def _bias_definition(spec: ClarifyMonitors, config_uri: str) -> dict[str, Any]:
    return {
        "JobDefinitionName": spec.placement.name("model-bias"),
        "ModelBiasAppSpecification": {"ImageUri": CLARIFY_IMAGE, "ConfigUri": config_uri},
        "ModelBiasBaselineConfig": {"ConstraintsResource": {"S3Uri": spec.baseline_uri + "bias.json"}},
        "ModelBiasJobInput": {
            "EndpointInput": _endpoint_input(spec.placement, spec.threshold),
            "GroundTruthS3Input": {"S3Uri": spec.ground_truth_uri},
        },
    } | _placed(spec.placement, "ModelBias")


def _explainability_definition(spec: ClarifyMonitors, config_uri: str) -> dict[str, Any]:
    return {
        "JobDefinitionName": spec.placement.name("model-explainability"),
        "ModelExplainabilityAppSpecification": {"ImageUri": CLARIFY_IMAGE, "ConfigUri": config_uri},
        "ModelExplainabilityBaselineConfig": {
            "ConstraintsResource": {"S3Uri": spec.baseline_uri + "explainability.json"}
        },
        "ModelExplainabilityJobInput": {"EndpointInput": _endpoint_input(spec.placement)},
    } | _placed(spec.placement, "ModelExplainability")


def _analysis_configs(spec: ClarifyMonitors) -> dict[str, dict[str, Any]]:
    """Clarify's analysis configurations: the facet and label for bias; SHAP for explainability."""
    predictor = {"content_type": "application/json", "accept_type": "application/json", "probability": "predictions"}
    return {
        "bias-analysis-config.json": {
            "version": "1.0",
            "label": spec.label,
            "label_values_or_threshold": [1],
            "facet": [{"name_or_index": spec.facet}],
            "probability_threshold": spec.threshold,
            "methods": {"post_training_bias": {"methods": ["DPPL", "DI"]}},
        },
        "explainability-analysis-config.json": {
            "version": "1.0",
            "methods": {"shap": {"agg_method": "mean_abs", "use_logit": False, "save_local_shap_values": False}},
            "predictor": predictor,
        },
    }


def bias_dimensions(endpoint: str, schedule: str, label: str, facet: str, value: str) -> list[dict[str, str]]:
    """The dimensions Clarify's bias monitor publishes each post-training metric with."""
    fixed = {"Endpoint": endpoint, "MonitoringSchedule": schedule}
    extra = {"BiasStage": "Post-Training", "Label": label, "LabelValue": "1", "Facet": facet, "FacetValue": value}
    return [{"Name": k, "Value": v} for k, v in (fixed | extra).items()]


def explainability_dimensions(endpoint: str, schedule: str, method: str) -> list[dict[str, str]]:
    """The dimensions Clarify's explainability monitor publishes each global attribution with."""
    fixed = {"Endpoint": endpoint, "MonitoringSchedule": schedule}
    return [{"Name": k, "Value": v} for k, v in (fixed | {"ExplainabilityMethod": method, "Label": "label0"}).items()]


def _metric(query_id: str, namespace: str, name: str, dimensions: list[dict[str, str]]) -> dict[str, Any]:
    metric = {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions}
    return {"Id": query_id, "MetricStat": {"Metric": metric, "Period": 3600, "Stat": "Maximum"}, "ReturnData": False}


def _hourly_alarm(name: str, description: str, topic: str | None) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "AlarmDescription": description,
        "EvaluationPeriods": 1,
        # an hour without a run (or without labels) is the run's failure, not a breach
        "TreatMissingData": "notBreaching",
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [topic],
        "OKActions": [topic],
    }


def bias_alarms(spec: ClarifyMonitors, baseline: dict[str, Any]) -> list[dict[str, Any]]:
    """One alarm per post-training metric of the facet's values: its distance from fair (0; 1 for
    DI) beyond the baseline's distance plus `tolerance`, Clarify's bias_drift_check with a margin."""
    from pipelines_src.steps.clarify_monitors import FAIR_VALUE, metric_values

    alarms = []
    for (facet, value, metric), limit in sorted(metric_values(baseline).items()):
        if facet != spec.facet or math.isnan(limit):  # NaN: one group only, nothing to compare
            continue
        fair = FAIR_VALUE.get(metric, 0.0)
        bound = round(abs(limit - fair) + spec.tolerance, 6)
        schedule = spec.placement.name("model-bias")
        dimensions = bias_dimensions(spec.placement.endpoint, schedule, spec.label, facet, value)
        description = (
            f"{metric} of {facet}={value} on {spec.placement.endpoint}'s traffic is more than {bound} from fair "
            f"({fair}); the baseline was {limit}: reports under {spec.placement.output_uri}"
        )
        name = f"{schedule}-{metric}-{facet}-{value}"
        measured = _metric("measured", BIAS_NAMESPACE, f"bias_metric_{metric}", dimensions)
        distance = {"Id": "distance", "Expression": f"ABS(measured - {fair})", "Label": "distance from fair"}
        alarm = _hourly_alarm(name, description, spec.alarm_topic_arn)
        alarms.append(alarm | {"Metrics": [measured, distance], "Threshold": bound})
    return alarms


def explainability_alarm(spec: ClarifyMonitors, baseline: dict[str, Any]) -> list[dict[str, Any]]:
    """The alarm on the feature the model relied on most at training losing its lead to one of
    the next RIVALS. Clarify's own check (nDCG of the whole ranking below 0.9, in the report) is
    no metric CloudWatch can compute: this is the part of it an alarm can watch."""
    from pipelines_src.steps.clarify_monitors import global_values

    ranked = sorted(global_values(baseline, "--baseline explainability.json").items(), key=lambda kv: -kv[1])
    if len(ranked) < 2:
        return []
    (method,) = baseline["explanations"]
    schedule = spec.placement.name("model-explainability")
    dimensions = explainability_dimensions(spec.placement.endpoint, schedule, method)
    lead = _metric("lead", EXPLAINABILITY_NAMESPACE, f"feature_{ranked[0][0]}", dimensions)
    rivals = [
        _metric(f"rival{i}", EXPLAINABILITY_NAMESPACE, f"feature_{name}", dimensions)
        for i, (name, _) in enumerate(ranked[1 : 1 + RIVALS])
    ]
    overtaken = {
        "Id": "overtaken",
        "Expression": f"MAX([{', '.join(r['Id'] for r in rivals)}]) - lead",
        "Label": f"largest attribution of another feature, less {ranked[0][0]}'s",
    }
    description = (
        f"{ranked[0][0]}, the feature {spec.placement.endpoint}'s model relied on most at training, lost its lead "
        f"on live traffic: reports under {spec.placement.output_uri}"
    )
    name = f"{schedule}-leading-feature"
    alarm = _hourly_alarm(name, description, spec.alarm_topic_arn)
    return [alarm | {"Metrics": [lead, *rivals, overtaken], "Threshold": 0.0}]


def ensure_clarify_monitors(
    sagemaker: Any, s3: Any, spec: ClarifyMonitors, cloudwatch: Any | None = None
) -> dict[str, Any]:
    """The bias and explainability monitors (re)created, with `alarm_topic_arn` their alarms
    (through `cloudwatch`); which monitors replaced earlier ones, and the alarms."""
    spec.placement.check()
    alerting = _alerting(spec.alarm_topic_arn, cloudwatch)
    _checked_threshold(spec.threshold)
    _bucket_key(spec.ground_truth_uri, "--ground-truth")
    if not spec.baseline_uri.endswith("/"):
        raise MonitorSetupRefused(f"--baseline {spec.baseline_uri}: give the folder, ending in /")
    if not 0 <= spec.tolerance < 1:
        raise MonitorSetupRefused(f"--tolerance {spec.tolerance}: give a distance between 0 and 1, e.g. 0.1")
    bias = _read(s3, spec.baseline_uri + "bias.json", "--baseline")
    if spec.facet not in (bias.get("post_training_bias_metrics") or {}).get("facets", {}):
        raise MonitorSetupRefused(f"--facet {spec.facet}: the baseline's bias.json measures no such facet")
    explainability = _read(s3, spec.baseline_uri + "explainability.json", "--baseline")
    alarms = [*bias_alarms(spec, bias), *explainability_alarm(spec, explainability)] if spec.alarm_topic_arn else []
    for alarm in alarms:  # first, to watch the first run; a redeploy's PutMetricAlarm moves the bounds
        alerting.put_metric_alarm(**alarm)
    configs = {name: _write(s3, spec.placement, name, body) for name, body in _analysis_configs(spec).items()}
    replaced = {
        spec.placement.name("model-bias"): _replace(
            sagemaker, spec.placement, "ModelBias", _bias_definition(spec, configs["bias-analysis-config.json"])
        ),
        spec.placement.name("model-explainability"): _replace(
            sagemaker,
            spec.placement,
            "ModelExplainability",
            _explainability_definition(spec, configs["explainability-analysis-config.json"]),
        ),
    }
    return {"replaced": replaced, "alarms": [a["AlarmName"] for a in alarms]}


# ----------------------------------------------------------------------------- from a serving root's outputs
# The `api_monitors` output of a serving root (examples/realtime-endpoint): what the monitors need.
API_MONITOR_FIELDS = (
    "endpoint_name",
    "ground_truth_s3_uri",
    "kms_key_arn",
    "model_package_arn",
    "reports_s3_uri",
    "role_arn",
    "security_group_ids",
    "subnet_ids",
)


def api_monitors_of(document: Any, where: str) -> dict[str, Any]:
    """The `api_monitors` output, from `terraform output -json api_monitors` or `terraform output -json`."""
    found = document.get("api_monitors", document) if isinstance(document, dict) else None
    if isinstance(found, dict) and isinstance(found.get("value"), dict):
        found = found["value"]  # `terraform output -json` wraps each output in {"value": ..., "type": ...}
    missing = [name for name in API_MONITOR_FIELDS if not isinstance(found, dict) or not found.get(name)]
    if missing:
        raise MonitorSetupRefused(
            f"{where}: no {missing} in it: give the serving root's `terraform output -json api_monitors`"
        )
    return dict(found) if isinstance(found, dict) else {}


def ensure_endpoint_monitors(
    sagemaker: Any, s3: Any, cloudwatch: Any, fields: dict[str, Any], schedule: str = HOURLY
) -> list[str]:
    """Model quality (alarmed when the output names an alerts topic), and with a `bias_facet`
    bias and explainability, for the package the root serves; what was set up."""
    placement = Placement(
        endpoint=fields["endpoint_name"],
        output_uri=fields["reports_s3_uri"],
        role_arn=fields["role_arn"],
        kms_key_arn=fields["kms_key_arn"],
        subnet_ids=tuple(fields["subnet_ids"]),
        security_group_ids=tuple(fields["security_group_ids"]),
        schedule=schedule,
    )
    package = fields["model_package_arn"]
    evaluation = evaluation_of(sagemaker, package)
    threshold = decision_threshold_of(s3, evaluation)
    topic = fields.get("alerts_topic_arn") or None
    quality = ModelQualityMonitor(
        placement, evaluation, fields["ground_truth_s3_uri"], threshold, alarm_topic_arn=topic
    )
    done = ensure_model_quality_monitor(sagemaker, s3, quality, cloudwatch)
    lines = [f"{done['name']} ({len(done['alarms'])} alarm(s)), cut at {threshold}"]
    if fields.get("bias_facet"):
        clarify = ClarifyMonitors(
            placement,
            baseline_of(sagemaker, package),
            fields["ground_truth_s3_uri"],
            fields["bias_facet"],
            threshold=threshold,
            alarm_topic_arn=topic,
        )
        done_clarify = ensure_clarify_monitors(sagemaker, s3, clarify, cloudwatch)
        alarmed = len(done_clarify["alarms"])
        lines += [f"{name} ({alarmed} bias and explainability alarm(s))" for name in sorted(done_clarify["replaced"])]
    return lines
