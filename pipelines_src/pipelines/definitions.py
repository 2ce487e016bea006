"""The training and batch-inference pipelines as Step Functions ASL.

Definitions are rendered as Terraform templates: infrastructure values appear as `${name}`
placeholders (TEMPLATE_VARIABLES) that `modules/ml-pipeline` fills with `templatefile()`;
list-valued ones (subnets, security groups) are inserted as raw JSON. `render()` performs the same
substitution in Python, so tests validate exactly what Terraform deploys.

Every SageMaker job sets VpcConfig, network isolation, inter-container encryption and volume/
output KMS keys; every state catches failures into the alert; SageMaker calls retry throttling.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipelines_src.contracts import BATCH_STATES, TRAINING_STATES

TEMPLATE_VARIABLES = (
    "alerts_topic_arn",
    "artifacts_bucket",
    "execution_role_arn",
    "image_uri",
    "instance_type",
    "job_prefix",
    "kms_key_arn",
    "metadata_table",
    "model_package_group_name",
    "security_group_ids",
    "subnet_ids",
    "use_case",
)
LIST_VARIABLES = ("security_group_ids", "subnet_ids")
SYNC = "arn:aws:states:::sagemaker:{}.sync"
RETRY_SAGEMAKER = [
    {
        "ErrorEquals": ["SageMaker.AmazonSageMakerException", "ThrottlingException", "SageMaker.ThrottlingException"],
        "IntervalSeconds": 5,
        "MaxAttempts": 4,
        "BackoffRate": 2.0,
        "JitterStrategy": "FULL",
    },
]
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "notify-failure"}]
PROCESSING_ROOT = "/opt/ml/processing"


def _var(name: str) -> str:
    return "${" + name + "}"


def _prefix(pipeline: str, state: str) -> str:
    """Intrinsic for s3://<artifacts>/<use-case>/<pipeline>/<experiment>/<execution>/<state>/."""
    return (
        f"States.Format('s3://{_var('artifacts_bucket')}/{_var('use_case')}/{pipeline}/{{}}/{{}}/{state}/', "
        "$.experiment, $$.Execution.Name)"
    )


def _job_name(abbreviation: str, extra: str = "") -> str:
    # 63 characters at most: prefix (<= 20) + abbreviation + an MD5 of the execution (32).
    source = f"States.Format('{{}}{{}}', $$.Execution.Id, {extra})" if extra else "$$.Execution.Id"
    return f"States.Format('{_var('job_prefix')}-{abbreviation}-{{}}', States.Hash({source}, 'MD5'))"


def _network() -> dict[str, Any]:
    return {"VpcConfig": {"Subnets": _var("subnet_ids"), "SecurityGroupIds": _var("security_group_ids")}}


def _processing(
    state: str,
    pipeline: str,
    module: str,
    inputs: dict[str, str],
    output: str,
    *,
    arguments: str | list[str] | None = None,
    next_state: str | None = None,
) -> dict[str, Any]:
    """A createProcessingJob.sync task running `pipelines_src.steps.<module>`."""
    app: dict[str, Any] = {
        "ImageUri": _var("image_uri"),
        "ContainerEntrypoint": ["python3", "-m", f"pipelines_src.steps.{module}"],
    }
    if isinstance(arguments, str):
        app["ContainerArguments.$"] = arguments
    elif arguments:
        app["ContainerArguments"] = arguments
    return {
        "Type": "Task",
        "Resource": SYNC.format("createProcessingJob"),
        "Parameters": {
            "ProcessingJobName.$": _job_name(state.replace("-", "")[:6]),
            "RoleArn": _var("execution_role_arn"),
            "AppSpecification": app,
            "ProcessingInputs": [
                {
                    "InputName": name,
                    "S3Input": {
                        "S3Uri.$": uri,
                        "LocalPath": f"{PROCESSING_ROOT}/input/{name}",
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                        "S3DataDistributionType": "FullyReplicated",
                    },
                }
                for name, uri in inputs.items()
            ],
            "ProcessingOutputConfig": {
                "KmsKeyId": _var("kms_key_arn"),
                "Outputs": [
                    {
                        "OutputName": output,
                        "S3Output": {
                            "S3Uri.$": _prefix(pipeline, state),
                            "LocalPath": f"{PROCESSING_ROOT}/output/{output}",
                            "S3UploadMode": "EndOfJob",
                        },
                    }
                ],
            },
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceCount": 1,
                    "InstanceType": _var("instance_type"),
                    "VolumeSizeInGB": 30,
                    "VolumeKmsKeyId": _var("kms_key_arn"),
                }
            },
            "NetworkConfig": {
                "EnableNetworkIsolation": True,
                "EnableInterContainerTrafficEncryption": True,
                **_network(),
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "Tags": [{"Key": "use-case", "Value": _var("use_case")}, {"Key": "state", "Value": state}],
        },
        "ResultSelector": {
            "job.$": "$.ProcessingJobName",
            "output.$": "$.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri",
        },
        "ResultPath": f"$.steps.{state.replace('-', '_')}",
        "Retry": RETRY_SAGEMAKER,
        "Catch": CATCH_ALL,
        **({"Next": next_state} if next_state else {"End": True}),
    }


def _output_of(state: str, relative: str = "") -> str:
    path = f"$.steps.{state.replace('-', '_')}.output"
    return f"States.Format('{{}}{relative}', {path})" if relative else path


def _notify(subject: str, message: str, next_state: str | None) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": _var("alerts_topic_arn"), "Subject": subject, "Message.$": message},
        "ResultPath": None,
        **({"Next": next_state} if next_state else {"End": True}),
    }


def _validate_input(required: dict[str, str], next_state: str) -> dict[str, Any]:
    checks = [{"Variable": f"$.{field}", "IsPresent": True} for field in required]
    checks += [{"Variable": f"$.{field}", test: True} for field, test in required.items() if test != "IsPresent"]
    checks += [{"Variable": "$.data_uri", "StringMatches": "s3://*"}]
    return {"Type": "Choice", "Choices": [{"And": checks, "Next": next_state}], "Default": "invalid-input"}


def _failure_states(pipeline: str) -> dict[str, Any]:
    return {
        "invalid-input": {
            "Type": "Fail",
            "Error": "InvalidExecutionInput",
            "Cause": "execution input lacks a field or has a wrong type: see pipelines_src.contracts.ExecutionInput",
        },
        "notify-failure": _notify(
            f"{pipeline} pipeline failed",
            "States.Format('{} failed: {}', $$.Execution.Id, States.JsonToString($.error))",
            "failed",
        ),
        "failed": {
            "Type": "Fail",
            "Error": "PipelineFailed",
            "Cause": "a state failed; the alert topic has the details",
        },
    }


def training_definition() -> dict[str, Any]:
    pipeline = "training"
    candidate = {
        "Type": "Task",
        "Resource": SYNC.format("createTrainingJob"),
        "Parameters": {
            "TrainingJobName.$": _job_name("train", "$.index"),
            "RoleArn": _var("execution_role_arn"),
            "AlgorithmSpecification": {
                "TrainingImage": _var("image_uri"),
                "TrainingInputMode": "File",
                "ContainerEntrypoint": ["python3", "-m", "pipelines_src.steps.training"],
            },
            "HyperParameters.$": "$.hyperparameters",
            "InputDataConfig": [
                {
                    "ChannelName": channel,
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri.$": f"States.Format('{{}}{channel}/', $.features)",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
                for channel in ("train", "validation", "transformer")
            ],
            "OutputDataConfig": {
                "S3OutputPath.$": "States.Format('{}candidate-{}/', $.output, $.index)",
                "KmsKeyId": _var("kms_key_arn"),
            },
            "ResourceConfig": {
                "InstanceCount": 1,
                "InstanceType": _var("instance_type"),
                "VolumeSizeInGB": 30,
                "VolumeKmsKeyId": _var("kms_key_arn"),
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
            **_network(),
        },
        "ResultSelector": {"job.$": "$.TrainingJobName", "model.$": "$.ModelArtifacts.S3ModelArtifacts"},
        "Retry": RETRY_SAGEMAKER,
        "End": True,
    }
    states: dict[str, Any] = {
        "validate-input": _validate_input(
            {
                "use_case": "IsString",
                "experiment": "IsString",
                "data_uri": "IsString",
                "hyperparameter_sets": "IsPresent",
                "evaluation_threshold": "IsNumeric",
                "evaluation_metric": "IsString",
                "approval_mode": "IsString",
            },
            "data-load",
        ),
        "data-load": _processing(
            "data-load", pipeline, "data_load", {"raw": "$.data_uri"}, "dataset", next_state="feature-engineering"
        ),
        "feature-engineering": _processing(
            "feature-engineering",
            pipeline,
            "feature_engineering",
            {"dataset": _output_of("data-load")},
            "features",
            next_state="training",
        ),
        "training": {
            "Type": "Map",
            "ItemsPath": "$.hyperparameter_sets",
            "MaxConcurrency": 4,
            "ItemSelector": {
                "hyperparameters.$": "$$.Map.Item.Value",
                "index.$": "$$.Map.Item.Index",
                "features.$": _output_of("feature-engineering"),
                "output.$": _prefix(pipeline, "training"),
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "train-candidate",
                "States": {"train-candidate": candidate},
            },
            "ResultPath": "$.steps.training",
            "Catch": CATCH_ALL,
            "Next": "model-evaluation",
        },
        "model-evaluation": _processing(
            "model-evaluation",
            pipeline,
            "evaluation",
            {"models": _prefix(pipeline, "training"), "test": _output_of("feature-engineering", "test/")},
            "evaluation",
            arguments=(
                "States.Array('--metric', $.evaluation_metric, "
                "'--threshold', States.Format('{}', $.evaluation_threshold))"
            ),
            next_state="read-decision",
        ),
        "read-decision": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {
                "Bucket": _var("artifacts_bucket"),
                "Key.$": (
                    f"States.Format('{_var('use_case')}/{pipeline}/{{}}/{{}}/model-evaluation/decision.json', "
                    "$.experiment, $$.Execution.Name)"
                ),
            },
            "ResultSelector": {"decision.$": "States.StringToJson($.Body)"},
            "ResultPath": "$.evaluation",
            "Retry": [
                {
                    "ErrorEquals": ["S3.S3Exception", "S3.NoSuchKeyException"],
                    "IntervalSeconds": 2,
                    "MaxAttempts": 3,
                    "BackoffRate": 2.0,
                }
            ],
            "Catch": CATCH_ALL,
            "Next": "select-best-model",
        },
        "select-best-model": {
            "Type": "Pass",
            "Parameters": {"uri.$": "States.ArrayGetItem($.steps.training[*].model, $.evaluation.decision.best_index)"},
            "ResultPath": "$.best_model",
            "Next": "model-monitoring",
        },
        "register-model": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:createModelPackage",
            "Parameters": {
                "ModelPackageGroupName": _var("model_package_group_name"),
                "ModelPackageDescription.$": (
                    "States.Format('experiment {} execution {}', $.experiment, $$.Execution.Name)"
                ),
                "ModelApprovalStatus": "PendingManualApproval",
                "InferenceSpecification": {
                    "Containers": [{"Image": _var("image_uri"), "ModelDataUrl.$": "$.best_model.uri"}],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"],
                },
                "ModelMetrics": {
                    "ModelQuality": {
                        "Statistics": {
                            "ContentType": "application/json",
                            "S3Uri.$": _output_of("model-evaluation", "evaluation.json"),
                        }
                    },
                    "ModelDataQuality": {
                        "Statistics": {
                            "ContentType": "application/json",
                            "S3Uri.$": _monitoring_uri(pipeline, "statistics.json"),
                        },
                        "Constraints": {
                            "ContentType": "application/json",
                            "S3Uri.$": _monitoring_uri(pipeline, "constraints.json"),
                        },
                    },
                },
                "CustomerMetadataProperties": {"experiment.$": "$.experiment", "execution.$": "$$.Execution.Name"},
            },
            "ResultSelector": {"arn.$": "$.ModelPackageArn"},
            "ResultPath": "$.model_package",
            "Retry": RETRY_SAGEMAKER,
            "Catch": CATCH_ALL,
            "Next": "store-metadata",
        },
        "model-monitoring": _processing(
            "model-monitoring",
            pipeline,
            "monitoring",
            {
                "dataset": _output_of("data-load"),
                "test": _output_of("feature-engineering", "test/"),
                "facets": _output_of("feature-engineering", "facets/"),
                "model": "$.best_model.uri",
            },
            "monitoring",
            arguments=["--mode", "training"],
            next_state="register-model",
        ),
        "store-metadata": _store_metadata(
            pipeline,
            {
                "experiment": {"S.$": "$.experiment"},
                "data_uri": {"S.$": "$.data_uri"},
                "model_package_arn": {"S.$": "$.model_package.arn"},
                "metric": {"S.$": "$.evaluation.decision.metric"},
                "metric_value": {"N.$": "States.Format('{}', $.evaluation.decision.value)"},
                "model_data_url": {"S.$": "$.best_model.uri"},
                "hyperparameter_sets": {"S.$": "States.JsonToString($.hyperparameter_sets)"},
            },
            "approval-mode",
        ),
        "approval-mode": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.approval_mode", "StringEquals": "auto", "Next": "approve-model"}],
            "Default": "notify-success",
        },
        "approve-model": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:updateModelPackage",
            "Parameters": {
                "ModelPackageArn.$": "$.model_package.arn",
                "ModelApprovalStatus": "Approved",
                "ApprovalDescription": "approved automatically (approval_mode=auto)",
            },
            "ResultPath": None,
            "Retry": RETRY_SAGEMAKER,
            "Catch": CATCH_ALL,
            "Next": "notify-success",
        },
        "notify-success": _notify(
            "training pipeline succeeded",
            (
                "States.Format('model package {} registered ({} {}); approve it to deploy', "
                "$.model_package.arn, $.evaluation.decision.metric, $.evaluation.decision.value)"
            ),
            None,
        ),
        **_failure_states(pipeline),
    }
    return {
        "Comment": f"Training pipeline: {' -> '.join(TRAINING_STATES)}",
        "StartAt": "validate-input",
        "States": states,
    }


def _monitoring_uri(pipeline: str, name: str) -> str:
    return (
        f"States.Format('s3://{_var('artifacts_bucket')}/{_var('use_case')}/{pipeline}/{{}}/{{}}/"
        f"model-monitoring/{name}', "
        "$.experiment, $$.Execution.Name)"
    )


def _store_metadata(pipeline: str, attributes: dict[str, Any], next_state: str) -> dict[str, Any]:
    item = {
        "pk": {"S": f"{_var('use_case')}#{pipeline}"},
        "execution_id": {"S.$": "$$.Execution.Id"},
        "started_at": {"S.$": "$$.Execution.StartTime"},
        "status": {"S": "SUCCEEDED"},
        **attributes,
    }
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {
            "TableName": _var("metadata_table"),
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk) AND attribute_not_exists(execution_id)",
        },
        "ResultPath": None,
        "Retry": [
            {
                "ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException"],
                "IntervalSeconds": 2,
                "MaxAttempts": 5,
                "BackoffRate": 2.0,
            }
        ],
        "Catch": CATCH_ALL,
        "Next": next_state,
    }


def batch_definition() -> dict[str, Any]:
    pipeline = "batch-inference"
    states: dict[str, Any] = {
        "validate-input": _validate_input(
            {"use_case": "IsString", "experiment": "IsString", "data_uri": "IsString", "model_package_arn": "IsString"},
            "describe-model",
        ),
        "describe-model": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeModelPackage",
            "Parameters": {"ModelPackageName.$": "$.model_package_arn"},
            "ResultSelector": {
                "model_data_url.$": "$.InferenceSpecification.Containers[0].ModelDataUrl",
                "statistics.$": "$.ModelMetrics.ModelDataQuality.Statistics.S3Uri",
                "constraints.$": "$.ModelMetrics.ModelDataQuality.Constraints.S3Uri",
                "approval.$": "$.ModelApprovalStatus",
            },
            "ResultPath": "$.model",
            "Retry": RETRY_SAGEMAKER,
            "Catch": CATCH_ALL,
            "Next": "approved-only",
        },
        "approved-only": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.model.approval", "StringEquals": "Approved", "Next": "data-load"}],
            "Default": "notify-not-approved",
        },
        "notify-not-approved": _notify(
            "batch inference refused an unapproved model",
            "States.Format('{} refused model package {}: its status is {}, not Approved', "
            "$$.Execution.Name, $.model_package_arn, $.model.approval)",
            "model-not-approved",
        ),
        "model-not-approved": {
            "Type": "Fail",
            "Error": "ModelNotApproved",
            "Cause": "batch inference runs approved model packages only",
        },
        "data-load": _processing(
            "data-load",
            pipeline,
            "data_load",
            {"raw": "$.data_uri"},
            "dataset",
            arguments=["--mode", "batch"],
            next_state="feature-engineering",
        ),
        "feature-engineering": _processing(
            "feature-engineering",
            pipeline,
            "feature_engineering",
            {"dataset": _output_of("data-load"), "model": "$.model.model_data_url"},
            "features",
            arguments=["--mode", "transform"],
            next_state="create-model",
        ),
        "create-model": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sagemaker:createModel",
            "Parameters": {
                "ModelName.$": _job_name("model"),
                "ExecutionRoleArn": _var("execution_role_arn"),
                "PrimaryContainer": {"Image": _var("image_uri"), "ModelDataUrl.$": "$.model.model_data_url"},
                "EnableNetworkIsolation": True,
                **_network(),
            },
            "ResultSelector": {"name.$": "States.ArrayGetItem(States.StringSplit($.ModelArn, '/'), 1)"},
            "ResultPath": "$.sagemaker_model",
            "Retry": RETRY_SAGEMAKER,
            "Catch": CATCH_ALL,
            "Next": "batch-inference",
        },
        "batch-inference": {
            "Type": "Task",
            "Resource": SYNC.format("createTransformJob"),
            "Parameters": {
                "TransformJobName.$": _job_name("transform"),
                "ModelName.$": "$.sagemaker_model.name",
                "BatchStrategy": "MultiRecord",
                "MaxPayloadInMB": 6,
                "TransformInput": {
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri.$": _output_of("feature-engineering", "features/"),
                        }
                    },
                    "ContentType": "text/csv",
                    "SplitType": "Line",
                },
                "DataProcessing": {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$"},
                "TransformOutput": {
                    "S3OutputPath.$": _prefix(pipeline, "batch-inference"),
                    "AssembleWith": "Line",
                    "Accept": "text/csv",
                    "KmsKeyId": _var("kms_key_arn"),
                },
                "TransformResources": {
                    "InstanceType": _var("instance_type"),
                    "InstanceCount": 1,
                    "VolumeKmsKeyId": _var("kms_key_arn"),
                },
            },
            "ResultSelector": {"job.$": "$.TransformJobName", "output.$": "$.TransformOutput.S3OutputPath"},
            "ResultPath": "$.steps.batch_inference",
            "Retry": RETRY_SAGEMAKER,
            "Catch": CATCH_ALL,
            "Next": "model-monitoring",
        },
        "model-monitoring": _processing(
            "model-monitoring",
            pipeline,
            "monitoring",
            {
                "dataset": _output_of("data-load"),
                "baseline-statistics": "$.model.statistics",
                "baseline-constraints": "$.model.constraints",
            },
            "monitoring",
            arguments=["--mode", "batch"],
            next_state="read-violations",
        ),
        "read-violations": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {
                "Bucket": _var("artifacts_bucket"),
                "Key.$": (
                    f"States.Format('{_var('use_case')}/{pipeline}/{{}}/{{}}/model-monitoring/"
                    "constraint_violations.json', $.experiment, $$.Execution.Name)"
                ),
            },
            "ResultSelector": {"report.$": "States.StringToJson($.Body)"},
            "ResultPath": "$.monitoring",
            "Retry": [{"ErrorEquals": ["S3.S3Exception"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}],
            "Catch": CATCH_ALL,
            "Next": "drift-found",
        },
        "drift-found": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.monitoring.report.violations[0]", "IsPresent": True, "Next": "notify-drift"}],
            "Default": "post-processing",
        },
        "notify-drift": _notify(
            "batch inference: data drift",
            (
                "States.Format('{} found {} data-quality violation(s) against the training baseline: {}', "
                "$$.Execution.Name, States.ArrayLength($.monitoring.report.violations), "
                "States.JsonToString($.monitoring.report.violations))"
            ),
            "post-processing",
        ),
        "post-processing": _processing(
            "post-processing",
            pipeline,
            "post_processing",
            {"predictions": _output_of("batch-inference")},
            "decisions",
            next_state="store-metadata",
        ),
        "store-metadata": _store_metadata(
            pipeline,
            {
                "experiment": {"S.$": "$.experiment"},
                "data_uri": {"S.$": "$.data_uri"},
                "model_package_arn": {"S.$": "$.model_package_arn"},
                "predictions_uri": {"S.$": _output_of("batch-inference")},
                "violations": {"N.$": "States.Format('{}', States.ArrayLength($.monitoring.report.violations))"},
                "decisions_uri": {"S.$": _output_of("post-processing")},
            },
            "notify-success",
        ),
        "notify-success": _notify(
            "batch inference succeeded",
            "States.Format('batch inference {} wrote {}', $$.Execution.Name, $.steps.post_processing.output)",
            None,
        ),
        **_failure_states(pipeline),
    }
    return {
        "Comment": f"Batch-inference pipeline: {' -> '.join(BATCH_STATES)}",
        "StartAt": "validate-input",
        "States": states,
    }


DEFINITIONS = {"training": training_definition, "batch-inference": batch_definition}


def template(pipeline: str) -> str:
    """The definition as a Terraform template (list variables unquoted for raw JSON)."""
    text = json.dumps(DEFINITIONS[pipeline](), indent=2)
    for name in LIST_VARIABLES:
        text = text.replace(f'"{_var(name)}"', _var(name))
    return text + "\n"


def render(pipeline: str, values: dict[str, Any]) -> dict[str, Any]:
    """The definition with values substituted as templatefile() does (lists as JSON)."""
    missing = sorted(set(TEMPLATE_VARIABLES) - set(values))
    if missing:
        raise ValueError(f"render {pipeline}: values missing for {missing}")

    def substitute(match: re.Match[str]) -> str:
        value = values[match["name"]]
        return json.dumps(value) if match["name"] in LIST_VARIABLES else str(value)

    return dict(json.loads(re.sub(r"\$\{(?P<name>[a-z_]+)\}", substitute, template(pipeline))))
