"""One model-bias or model-explainability monitoring execution on an endpoint's captured
traffic, with the registry's clarify_monitors step code (what SageMaker Clarify's image does on
AWS). The job definition's ConfigUri is Clarify's analysis configuration: `facet[0].name_or_index`
(the records' sensitive field) and `label` for bias; explainability explains the model the
endpoint serves (its first production variant's artefact). Reports, `analysis.json` and
`constraint_violations.json`, go under `<output>/<endpoint>/<schedule>/yyyy/mm/dd/hh/` (output
KMS key); the metrics to CloudWatch: bias to `aws/sagemaker/Endpoints/bias-metrics`
(`bias_metric_<name>` per facet value, Clarify's names and dimensions), each feature's global
attribution to `aws/sagemaker/Endpoints/explainability-metrics` (`feature_<name>`)."""

from __future__ import annotations

import math
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines_src import monitors
from pipelines_src.local import runtime_ext
from pipelines_src.local.jobs import S3Uri
from pipelines_src.local.model_monitor_job import JobInputError, monitored_endpoint, read_json, write_report
from pipelines_src.local.model_quality_job import gather, report_folder
from pipelines_src.steps import clarify_monitors
from pipelines_src.steps.model_quality import checked_threshold


def _constraints(s3: Any, baseline: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    uri = (baseline or {}).get("ConstraintsResource", {}).get("S3Uri")
    if not uri:
        raise JobInputError(f"{kind}BaselineConfig.ConstraintsResource: point it at the training baseline")
    return read_json(s3, uri)


def _finish(
    definition: dict[str, Any], kind: str, schedule: Any, scheduled: datetime, analysis: dict[str, Any]
) -> S3Uri:
    """analysis.json written; where the execution's reports go."""
    output = definition[f"{kind}JobOutputConfig"]
    target = report_folder(output, monitored_endpoint(definition), schedule, scheduled)
    write_report(runtime_ext.client("s3", schedule.region), target, "analysis.json", analysis, output.get("KmsKeyId"))
    return target


def _violations(definition: dict[str, Any], kind: str, target: S3Uri, found: list[dict[str, Any]], region: str) -> None:
    output = definition[f"{kind}JobOutputConfig"]
    body = {"version": "1.0", "violations": found}
    write_report(runtime_ext.client("s3", region), target, "constraint_violations.json", body, output.get("KmsKeyId"))


def _put(region: str, namespace: str, data: list[dict[str, Any]]) -> None:
    cloudwatch = runtime_ext.client("cloudwatch", region)
    for start in range(0, len(data), 20):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 20])


# ----------------------------------------------------------------------------- bias
def _bias_settings(s3: Any, definition: dict[str, Any]) -> tuple[str, str, float]:
    config_uri = definition["ModelBiasAppSpecification"].get("ConfigUri")
    if not config_uri:
        raise JobInputError("ModelBiasAppSpecification.ConfigUri: give Clarify's analysis configuration")
    config = read_json(s3, config_uri)
    facets = config.get("facet") or [{}]
    facet = facets[0].get("name_or_index")
    if not isinstance(facet, str) or not facet:
        raise JobInputError(f"{config_uri}: facet[0].name_or_index must name the records' sensitive field")
    given = definition["ModelBiasJobInput"]["EndpointInput"].get("ProbabilityThresholdAttribute", 0.5)
    threshold = checked_threshold(float(given), "EndpointInput.ProbabilityThresholdAttribute")
    return facet, str(config.get("label", "label")), threshold


def run_bias(
    definition: dict[str, Any], schedule: Any, window: tuple[datetime, datetime], scheduled: datetime
) -> list[dict[str, Any]]:
    """Post-training bias of the window's labelled traffic against the baseline; the violations."""
    endpoint = monitored_endpoint(definition)
    s3 = runtime_ext.client("s3", schedule.region)
    facet, label, threshold = _bias_settings(s3, definition)
    baseline = _constraints(s3, definition.get("ModelBiasBaselineConfig"), "ModelBias")
    if "GroundTruthS3Input" not in definition["ModelBiasJobInput"]:
        raise JobInputError("ModelBiasJobInput.GroundTruthS3Input: post-training bias needs the uploaded labels")
    with tempfile.TemporaryDirectory() as scratch:
        folder = gather(s3, schedule, definition["ModelBiasJobInput"], window, Path(scratch))
        traffic = clarify_monitors.captured_traffic(folder / "capture")
        subset, labels = clarify_monitors.labelled(traffic, folder / "truth")
    analysis = clarify_monitors.bias_analysis(subset, labels, facet, label, threshold)
    found = clarify_monitors.bias_violations(baseline, analysis)
    target = _finish(definition, "ModelBias", schedule, scheduled, analysis)
    _violations(definition, "ModelBias", target, found, schedule.region)
    monitoring_schedule = schedule.fields["MonitoringScheduleName"]
    data = [
        {
            "MetricName": f"bias_metric_{metric}",
            "Dimensions": monitors.bias_dimensions(endpoint, monitoring_schedule, label, name, value),
            "Value": amount,
            "Timestamp": scheduled,
        }
        for (name, value, metric), amount in sorted(clarify_monitors.metric_values(analysis).items())
        if not math.isnan(amount)  # one group only: nothing to compare, nothing sent
    ]
    _put(schedule.region, monitors.BIAS_NAMESPACE, data)
    return found


# ----------------------------------------------------------------------------- explainability
def _served_model(schedule: Any, endpoint: str, folder: Path) -> Path:
    from moto.sagemaker.models import sagemaker_backends

    from pipelines_src.local import endpoints

    backend = sagemaker_backends[schedule.account][schedule.region]
    config = backend.describe_endpoint_config(backend.endpoints[endpoint].endpoint_config_name)
    model_name = config["ProductionVariants"][0]["ModelName"]
    try:
        return endpoints.unpack_model(schedule.region, endpoints.model_data_url(backend, model_name), folder)
    except endpoints.DeployFailed as exc:
        raise JobInputError(f"the served model {model_name}: {exc}") from exc


def run_explainability(
    definition: dict[str, Any], schedule: Any, window: tuple[datetime, datetime], scheduled: datetime
) -> list[dict[str, Any]]:
    """The served model's attributions on the window's traffic against the baseline; the violations."""
    endpoint = monitored_endpoint(definition)
    s3 = runtime_ext.client("s3", schedule.region)
    baseline = _constraints(s3, definition.get("ModelExplainabilityBaselineConfig"), "ModelExplainability")
    with tempfile.TemporaryDirectory() as scratch:
        folder = gather(s3, schedule, definition["ModelExplainabilityJobInput"], window, Path(scratch))
        traffic = clarify_monitors.captured_traffic(folder / "capture")
        model_dir = _served_model(schedule, endpoint, Path(scratch) / "served")
        analysis = clarify_monitors.explanations(model_dir, traffic.records)
    _, found = clarify_monitors.attribution_violations(baseline, analysis)
    target = _finish(definition, "ModelExplainability", schedule, scheduled, analysis)
    _violations(definition, "ModelExplainability", target, found, schedule.region)
    (method,) = analysis["explanations"]
    dimensions = monitors.explainability_dimensions(endpoint, schedule.fields["MonitoringScheduleName"], method)
    values = clarify_monitors.global_values(analysis, "the analysis")
    data = [
        {
            "MetricName": f"feature_{name}",
            "Dimensions": dimensions,
            "Value": value,
            "Timestamp": scheduled,
        }
        for name, value in sorted(values.items())
    ]
    _put(schedule.region, monitors.EXPLAINABILITY_NAMESPACE, data)
    return found
