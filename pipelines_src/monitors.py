"""The model-quality monitor of an endpoint, set up through the SageMaker API (the AWS provider
has no model-quality job definition): its constraints derived from the package's evaluation
(Model Monitor's `binary_classification_metrics`, the figures the model was approved on, less a
tolerance), a job definition that runs in the VPC with the use case's key, and an hourly
schedule. Job definitions cannot be updated, so a new deployment replaces both (the schedule
first, which SageMaker requires before its definition can go)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipelines_src.contracts import ContractError

WATCHED_METRICS = ("auc", "recall", "precision", "f1")
HOURLY = "cron(0 * ? * * *)"
# A one-time run (ScheduleExpression NOW) needs its window: the hour before, as SageMaker's examples.
ON_DEMAND_WINDOW = {"DataAnalysisStartTime": "-PT1H", "DataAnalysisEndTime": "-PT0H"}


class MonitorSetupRefused(ContractError):
    """The monitor cannot be set up as asked; the message names the field and the fix."""


@dataclass(frozen=True)
class ModelQualityMonitor:
    endpoint: str
    evaluation_uri: str  # the package's evaluation.json (binary_classification_metrics)
    ground_truth_uri: str  # where the use case uploads labels (hour partitions)
    output_uri: str  # reports and the derived constraints
    role_arn: str
    kms_key_arn: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    threshold: float = 0.5
    tolerance: float = 0.1
    schedule: str = HOURLY

    @property
    def name(self) -> str:
        return f"{self.endpoint}-model-quality"[:63]


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


def _job_definition(spec: ModelQualityMonitor, constraints_uri: str) -> dict[str, Any]:
    return {
        "JobDefinitionName": spec.name,
        "ModelQualityAppSpecification": {
            # The Model Monitor analyzer on AWS; locally the registry's model-quality step runs.
            "ImageUri": "sagemaker-model-monitor-analyzer",
            "ProblemType": "BinaryClassification",
        },
        "ModelQualityBaselineConfig": {"ConstraintsResource": {"S3Uri": constraints_uri}},
        "ModelQualityJobInput": {
            "EndpointInput": {
                "EndpointName": spec.endpoint,
                "LocalPath": "/opt/ml/processing/input/endpoint",
                "ProbabilityAttribute": "predictions",
                "ProbabilityThresholdAttribute": spec.threshold,
            },
            "GroundTruthS3Input": {"S3Uri": spec.ground_truth_uri},
        },
        "ModelQualityJobOutputConfig": {
            "KmsKeyId": spec.kms_key_arn,
            "MonitoringOutputs": [
                {
                    "S3Output": {
                        "S3Uri": spec.output_uri,
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    }
                }
            ],
        },
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
                "VolumeKmsKeyId": spec.kms_key_arn,
            }
        },
        "NetworkConfig": {
            "EnableInterContainerTrafficEncryption": True,
            "EnableNetworkIsolation": True,
            "VpcConfig": {"Subnets": list(spec.subnet_ids), "SecurityGroupIds": list(spec.security_group_ids)},
        },
        "RoleArn": spec.role_arn,
    }


def _remove_previous(sagemaker: Any, spec: ModelQualityMonitor) -> bool:
    """Deletes the schedule and definition of an earlier deployment; whether there were any."""
    name = spec.name
    schedules = sagemaker.list_monitoring_schedules(EndpointName=spec.endpoint)
    found = [s["MonitoringScheduleName"] for s in schedules["MonitoringScheduleSummaries"]]
    if name in found:
        sagemaker.delete_monitoring_schedule(MonitoringScheduleName=name)
    definitions = sagemaker.list_model_quality_job_definitions()["JobDefinitionSummaries"]
    existed = any(d["MonitoringJobDefinitionName"] == name for d in definitions)
    if existed:
        sagemaker.delete_model_quality_job_definition(JobDefinitionName=name)
    return existed or name in found


def ensure_model_quality_monitor(sagemaker: Any, s3: Any, spec: ModelQualityMonitor) -> dict[str, Any]:
    """Constraints written, the definition and its schedule (re)created; what was done."""
    if not spec.subnet_ids or not spec.security_group_ids:
        raise MonitorSetupRefused("--subnet-ids/--security-group-ids: the monitoring job runs in the use case's VPC")
    if not 0 < spec.threshold < 1:
        raise MonitorSetupRefused(f"--threshold {spec.threshold}: give the package's decision threshold (0-1)")
    for uri, field in ((spec.ground_truth_uri, "--ground-truth"), (spec.output_uri, "--output")):
        _bucket_key(uri, field)
    bucket, key = _bucket_key(spec.evaluation_uri, "--evaluation")
    try:
        evaluation = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey as exc:
        raise MonitorSetupRefused(f"--evaluation {spec.evaluation_uri} does not exist") from exc
    constraints = suggested_constraints(evaluation, spec.tolerance)
    out_bucket, out_key = _bucket_key(spec.output_uri.rstrip("/") + "/baseline/constraints.json", "--output")
    s3.put_object(
        Bucket=out_bucket,
        Key=out_key,
        Body=json.dumps(constraints, indent=2).encode(),
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=spec.kms_key_arn,
    )
    replaced = _remove_previous(sagemaker, spec)
    sagemaker.create_model_quality_job_definition(**_job_definition(spec, f"s3://{out_bucket}/{out_key}"))
    sagemaker.create_monitoring_schedule(
        MonitoringScheduleName=spec.name,
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": spec.schedule}
            | (ON_DEMAND_WINDOW if spec.schedule == "NOW" else {}),
            "MonitoringJobDefinitionName": spec.name,
            "MonitoringType": "ModelQuality",
        },
    )
    return {"name": spec.name, "replaced": replaced, "constraints": constraints["binary_classification_constraints"]}
