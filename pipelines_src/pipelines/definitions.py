"""The registry's training and batch-inference pipelines, written with the step API
(`states.py`, `pipeline.py`). A use case imports them and changes them in Python
(docs/pipelines.md); `mlops asl` compiles them to the ASL template + manifest Terraform deploys.

State names follow the seed (contracts.TRAINING_STATES, BATCH_STATES); model-monitoring runs
before register-model so no package can be approved without its data-quality baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipelines_src import contracts
from pipelines_src.pipelines import states as s
from pipelines_src.pipelines.pipeline import Pipeline, layout, layout_key
from pipelines_src.pipelines.refs import (
    EXECUTION_ID,
    EXECUTION_NAME,
    PLACEHOLDERS,
    Arguments,
    Context,
    Format,
    FromInput,
    JobName,
    Ref,
    Result,
    array_length,
    json_text,
    start_time_window,
    text,
)

STEPS = "pipelines_src.steps."  # modules of the registry's step image
S3 = "s3://*"


def _is(field: str, operator: str, value: Any = True) -> s.Condition:
    return s.Condition(FromInput(field), operator, value)


def _name_rule(field: str) -> s.InputRule:
    return s.InputRule(
        field,
        s.AllOf([_is(field, "IsPresent"), _is(field, "IsString"), s.Not(_is(field, "StringMatches", "*/*"))]),
        f"{field}: give a string without '/', 2-40 lowercase letters, digits and hyphens",
    )


def _common_rules() -> list[s.InputRule]:
    return [
        s.InputRule(
            "use_case",
            s.AllOf([_is("use_case", "IsPresent"), _is("use_case", "StringEquals", PLACEHOLDERS["use_case"].token)]),
            f"use_case: give {PLACEHOLDERS['use_case'].token}, the use case this state machine belongs to",
        ),
        _name_rule("experiment"),
        s.InputRule(
            "data_uri",
            s.AllOf([_is("data_uri", "IsPresent"), _is("data_uri", "IsString"), _is("data_uri", "StringMatches", S3)]),
            "data_uri: give the s3://bucket/prefix/ of the raw data",
        ),
    ]


def training_rules() -> list[s.InputRule]:
    """The execution input of training (contracts.ExecutionInput), checked by its first state."""
    threshold = "evaluation_threshold"
    return [
        *_common_rules(),
        s.InputRule(
            "hyperparameter_sets",
            _is("hyperparameter_sets[0]", "IsPresent"),
            "hyperparameter_sets: give a non-empty list of objects, one per candidate",
        ),
        s.InputRule(
            threshold,
            s.AllOf(
                [
                    _is(threshold, "IsNumeric"),
                    _is(threshold, "NumericGreaterThanEquals", 0),
                    _is(threshold, "NumericLessThanEquals", 1),
                ]
            ),
            f"{threshold}: give a number from 0 to 1",
        ),
        s.InputRule(
            "evaluation_metric",
            s.AnyOf([_is("evaluation_metric", "StringEquals", metric) for metric in contracts.METRICS]),
            f"evaluation_metric: give one of {list(contracts.METRICS)}",
        ),
        s.InputRule(
            "approval_mode",
            s.AnyOf([_is("approval_mode", "StringEquals", mode) for mode in contracts.APPROVAL_MODES]),
            f"approval_mode: give one of {list(contracts.APPROVAL_MODES)}",
        ),
        *_trigger_rules(),
    ]


def _trigger_rules() -> list[s.InputRule]:
    """`trigger` is optional (manual); a drift trigger needs its `drift` object, which the drift
    rule's input transformer writes (contracts.trigger_problems says the same in Python).
    Or and And stop at the first condition that decides, so absent fields are never compared."""
    not_drift = [s.Not(_is("trigger", "IsPresent")), s.Not(_is("trigger", "StringEquals", "drift"))]
    return [
        s.InputRule(
            "trigger",
            s.AnyOf(
                [s.Not(_is("trigger", "IsPresent"))] + [_is("trigger", "StringEquals", t) for t in contracts.TRIGGERS]
            ),
            f"trigger: give one of {list(contracts.TRIGGERS)}, or leave it out (manual)",
        ),
        *(
            s.InputRule(
                f"drift.{name}",
                s.AnyOf([*not_drift, s.AllOf([_is(f"drift.{name}", "IsPresent"), _is(f"drift.{name}", "IsString")])]),
                f"drift.{name}: a drift-triggered execution needs it as a string (the drift event's detail)",
            )
            for name in contracts.DRIFT_FIELDS
        ),
    ]


def _retraining_skipped() -> list[s.Step]:
    return [
        s.NotifyStep(
            "notify-retraining-skipped",
            subject="training: drift retraining skipped",
            message=Format(
                "{} did not retrain: a drift retraining already started in window {} (claim {} of this window); "
                "drift on {} reported in {}",
                (
                    EXECUTION_NAME,
                    FromInput("drift.window"),
                    Result("claim-retraining", "claims"),
                    FromInput("drift.model_package_arn"),
                    FromInput("drift.report_uri"),
                ),
            ),
        ),
        s.SucceedStep("retraining-skipped"),
    ]


def _claim_retraining() -> s.Step:
    """+1 on the window's claim counter, the execution added to the item's set; the new count back."""
    return s.ServiceStep(
        "claim-retraining",
        integration="dynamodb:updateItem",
        call={
            "TableName": PLACEHOLDERS["metadata_table"],
            "Key": {
                "pk": {"S": f"{PLACEHOLDERS['use_case'].token}#drift-retraining"},
                "execution_id": {"S": FromInput("drift.window")},
            },
            "UpdateExpression": "ADD claims :one, executions :this",
            "ExpressionAttributeValues": {
                ":one": {"N": "1"},
                ":this": {"SS": Arguments((EXECUTION_ID,))},
            },
            "ReturnValues": "UPDATED_NEW",
        },
        selector={"claims.$": "$.Attributes.claims.N"},
        retry=s.RETRY_DYNAMODB,
    )


def _retraining_guard() -> s.Step:
    """A drift-triggered execution claims its use case's cool-down window (an atomic counter in
    the metadata table); only the first claim of a window retrains, later ones are recorded
    (the count, their execution ARNs), alerted and end SUCCEEDED without a job."""
    claims = Result("claim-retraining", "claims")
    return s.ChoiceStep(
        "drift-trigger",
        rules=[
            s.Rule(
                s.AllOf([_is("trigger", "IsPresent"), _is("trigger", "StringEquals", "drift")]),
                then=[
                    _claim_retraining(),
                    s.ChoiceStep(
                        "first-in-window",
                        rules=[s.Rule(s.Not(s.Condition(claims, "StringEquals", "1")), then=_retraining_skipped())],
                    ),
                    s.NotifyStep(
                        "notify-retraining-started",
                        subject="training: drift retraining started",
                        message=Format(
                            "{} retrains: monitoring found drift on {} in window {}, report {}",
                            (
                                EXECUTION_NAME,
                                FromInput("drift.model_package_arn"),
                                FromInput("drift.window"),
                                FromInput("drift.report_uri"),
                            ),
                        ),
                    ),
                ],
            )
        ],
    )


def _auto_approval() -> s.Step:
    return s.ChoiceStep(
        "approval-mode",
        rules=[
            s.Rule(
                s.AllOf(
                    [
                        _is("approval_mode", "StringEquals", "auto"),
                        s.Condition(Result("read-card", "card.status"), "StringEquals", contracts.CARD_COMPLETE),
                    ]
                ),
                then=[
                    s.ServiceStep(
                        "approve-model",
                        integration="aws-sdk:sagemaker:updateModelPackage",
                        call={
                            "ModelPackageArn": Result("register-model", "arn"),
                            "ModelApprovalStatus": "Approved",
                            "ApprovalDescription": "approved automatically (approval_mode=auto)",
                        },
                    )
                ],
            )
        ],
    )


def _training_metadata(pipeline: str, best_model: Result) -> s.Step:
    return s.StoreMetadataStep(
        "store-metadata",
        pipeline=pipeline,
        attributes={
            "experiment": FromInput("experiment"),
            "data_uri": FromInput("data_uri"),
            "model_package_arn": Result("register-model", "arn"),
            "metric": Result("read-decision", "decision.metric"),
            "metric_value": text(Result("read-decision", "decision.value")),
            "model_data_url": best_model,
            "hyperparameter_sets": json_text(FromInput("hyperparameter_sets")),
            "model_card_arn": Result("create-model-card", "arn"),
        },
        numbers=("metric_value",),
    )


def _register_model(best_model: Result, monitoring: str) -> s.Step:
    return s.RegisterModelStep(
        "register-model",
        model_data=best_model,
        model_quality=Result("model-evaluation") / "evaluation.json",
        data_statistics=Result(monitoring) / "statistics.json",
        data_constraints=Result(monitoring) / "constraints.json",
        description=Format("experiment {} execution {}", (FromInput("experiment"), EXECUTION_NAME)),
        metadata={
            "experiment": FromInput("experiment"),
            "execution": EXECUTION_NAME,
            # the package's link to its card, which `mlops approve-model` checks
            "model_card_arn": Result("create-model-card", "arn"),
        },
    )


def _model_card(pipeline: str) -> list[s.Step]:
    """The card of the model about to be registered (its content from model-evaluation and the
    input's `model_card` facts; Draft with the missing fields named when they are not all
    there), created in SageMaker, encrypted with the use case's key."""
    return [
        s.ProcessingStep(
            "model-card",
            module=STEPS + "model_card",
            inputs={"evaluation": Result("model-evaluation")},
            output="card",
            arguments=Arguments(("--execution-input", json_text(Context("Execution.Input")))),
        ),
        s.ReadJsonStep("read-card", key=layout_key(pipeline, "model-card", "card.json"), field_name="card"),
        s.ServiceStep(
            "create-model-card",
            integration="aws-sdk:sagemaker:createModelCard",
            call={
                "ModelCardName": JobName("card"),
                "Content": json_text(Result("read-card", "card.content")),
                "ModelCardStatus": Result("read-card", "card.status"),
                "SecurityConfig": {"KmsKeyId": PLACEHOLDERS["kms_key_arn"]},
            },
            selector={"arn.$": "$.ModelCardArn"},
        ),
    ]


def _approved_only() -> s.Step:
    return s.ChoiceStep(
        "approved-only",
        rules=[
            s.Rule(
                s.Not(s.Condition(Result("describe-model", "approval"), "StringEquals", "Approved")),
                then=[
                    s.NotifyStep(
                        "notify-not-approved",
                        subject="batch inference refused an unapproved model",
                        message=Format(
                            "{} refused model package {}: its status is {}, not Approved",
                            (
                                EXECUTION_NAME,
                                FromInput("model_package_arn"),
                                Result("describe-model", "approval"),
                            ),
                        ),
                    ),
                    s.FailStep(
                        "model-not-approved",
                        error="ModelNotApproved",
                        cause="batch inference runs approved model packages only",
                    ),
                ],
            )
        ],
    )


def _when_present(choice: str, ref: Result, then: list[s.Step]) -> s.Step:
    """A Choice that runs `then` only when `ref` is present (a list's first item: not empty)."""
    return s.ChoiceStep(choice, rules=[s.Rule(s.Condition(ref, "IsPresent"), then=then)])


def _publish_drift(monitoring: str) -> s.Step:
    """The drift event (docs/pipelines.md, "Closed loop"): the use case's drift rule starts
    retraining from it; `window_hour`/`window_day` are the cool-down windows it falls in."""
    detail = {
        "use_case": PLACEHOLDERS["use_case"].token,
        "model_package_arn": FromInput("model_package_arn"),
        "violated_features": Result("read-violations", "report.violations[*].feature_name"),
        "report_uri": Result(monitoring) / "constraint_violations.json",
        "data_uri": FromInput("data_uri"),
        "execution": EXECUTION_ID,
        "window_hour": start_time_window(":"),
        "window_day": start_time_window("T"),
    }
    entry = {"Source": contracts.DRIFT_EVENT_SOURCE, "DetailType": contracts.DRIFT_EVENT_DETAIL_TYPE, "Detail": detail}
    return s.ServiceStep(
        "publish-drift", integration="events:putEvents", call={"Entries": [entry]}, retry=s.RETRY_EVENTS
    )


def _drift_alert(monitoring: str) -> s.Step:
    return _when_present(
        "drift-found",
        Result("read-violations", "report.violations[0]"),
        [
            s.NotifyStep(
                "notify-drift",
                subject="batch inference: data drift",
                message=Format(
                    "{} found {} data-quality violation(s) against the training baseline: {}",
                    (
                        EXECUTION_NAME,
                        array_length(Result("read-violations", "report.violations")),
                        json_text(Result("read-violations", "report.violations")),
                    ),
                ),
            ),
            _publish_drift(monitoring),
        ],
    )


def _describe_model() -> s.Step:
    return s.ServiceStep(
        "describe-model",
        integration="aws-sdk:sagemaker:describeModelPackage",
        call={"ModelPackageName": FromInput("model_package_arn")},
        selector={
            "model_data_url.$": "$.InferenceSpecification.Containers[0].ModelDataUrl",
            "statistics.$": "$.ModelMetrics.ModelDataQuality.Statistics.S3Uri",
            "constraints.$": "$.ModelMetrics.ModelDataQuality.Constraints.S3Uri",
            "approval.$": "$.ModelApprovalStatus",
        },
    )


def _training_succeeded() -> s.Step:
    return s.NotifyStep(
        "notify-success",
        subject="training pipeline succeeded",
        message=Format(
            "model package {} registered ({} {}); its model card is {} (missing: {}); "
            "approve it with mlops approve-model to deploy",
            (
                Result("register-model", "arn"),
                Result("read-decision", "decision.metric"),
                Result("read-decision", "decision.value"),
                Result("read-card", "card.status"),
                json_text(Result("read-card", "card.problems")),
            ),
        ),
    )


def _model_evaluation(pipeline: str, features: Result, policy: contracts.EvaluationPolicy) -> s.Step:
    return s.ProcessingStep(
        "model-evaluation",
        module=STEPS + "evaluation",
        inputs={
            "models": layout(pipeline, "training"),
            "validation": features / "validation/",
            "test": features / "test/",
        },
        output="evaluation",
        arguments=Arguments(
            (
                "--metric",
                FromInput("evaluation_metric"),
                "--threshold",
                text(FromInput("evaluation_threshold")),
                *policy.arguments(),
            )
        ),
    )


def _batch_metadata(pipeline: str) -> s.Step:
    return s.StoreMetadataStep(
        "store-metadata",
        pipeline=pipeline,
        attributes={
            "experiment": FromInput("experiment"),
            "data_uri": FromInput("data_uri"),
            "model_package_arn": FromInput("model_package_arn"),
            "predictions_uri": Result("batch-inference"),
            "violations": text(array_length(Result("read-violations", "report.violations"))),
            "decisions_uri": Result("post-processing"),
        },
        numbers=("violations",),
    )


def _batch_monitoring(monitoring: str) -> s.Step:
    return s.ProcessingStep(
        monitoring,
        module=STEPS + "monitoring",
        inputs={
            "dataset": Result("data-load"),
            "baseline-statistics": Result("describe-model", "statistics"),
            "baseline-constraints": Result("describe-model", "constraints"),
        },
        output="monitoring",
        arguments=["--mode", "batch"],
    )


def _find_champion() -> s.Step:
    return s.ServiceStep(
        "find-champion",
        integration="aws-sdk:sagemaker:listModelPackages",
        call={
            "ModelPackageGroupName": PLACEHOLDERS["model_package_group_name"],
            "ModelApprovalStatus": "Approved",
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": 1,
        },
        # ARNs only: the summaries carry timestamps, which the local engine cannot serialise
        # into the execution's state (DescribeExecution then fails).
        selector={"packages.$": "$.ModelPackageSummaryList[*].ModelPackageArn"},
    )


def _champion_kept() -> list[s.Step]:
    return [
        s.NotifyStep(
            "notify-champion-kept",
            subject="training: champion kept",
            message=Format(
                "{} kept the champion {}: the challenger scores {} {} against {} for the champion, "
                "not better by {}; nothing registered",
                (
                    EXECUTION_NAME,
                    Result("read-comparison", "comparison.champion_package"),
                    Result("read-comparison", "comparison.metric"),
                    Result("read-comparison", "comparison.challenger_value"),
                    Result("read-comparison", "comparison.champion_value"),
                    Result("read-comparison", "comparison.margin"),
                ),
            ),
        ),
        s.SucceedStep("champion-kept"),
    ]


def _champion_challenger(pipeline: str, best_model: Ref, policy: contracts.EvaluationPolicy) -> s.Step:
    """When an Approved package exists, the challenger must beat it on the same hold-out rows;
    otherwise the execution ends here, succeeded, with "champion kept" alerted."""
    compare = s.ProcessingStep(
        "champion-challenger",
        module=STEPS + "champion",
        inputs={
            "champion": Result("describe-champion", "model_data_url"),
            "challenger": best_model,
            "holdout": Result("feature-engineering") / "holdout/",
        },
        output="comparison",
        arguments=Arguments(
            (
                "--metric",
                FromInput("evaluation_metric"),
                *policy.champion_arguments(),
                "--champion-package",
                Result("describe-champion", "arn"),
            )
        ),
    )
    outcome = Result("read-comparison", "comparison.outcome")
    return _when_present(
        "champion-found",
        Result("find-champion", "packages[0]"),
        [
            s.ServiceStep(
                "describe-champion",
                integration="aws-sdk:sagemaker:describeModelPackage",
                call={"ModelPackageName": Result("find-champion", "packages[0]")},
                selector={
                    "model_data_url.$": "$.InferenceSpecification.Containers[0].ModelDataUrl",
                    "arn.$": "$.ModelPackageArn",
                },
            ),
            compare,
            s.ReadJsonStep(
                "read-comparison",
                key=layout_key(pipeline, "champion-challenger", "comparison.json"),
                field_name="comparison",
            ),
            s.ChoiceStep(
                "challenger-better",
                rules=[s.Rule(s.Condition(outcome, "StringEquals", "champion-kept"), then=_champion_kept())],
            ),
        ],
    )


def training_pipeline(policy: contracts.EvaluationPolicy | None = None) -> Pipeline:
    """`policy`: how the decision threshold is chosen and what the model must reach at it."""
    pipeline = "training"
    features = Result("feature-engineering")
    # model-evaluation's copy of the best candidate's artefact, with the decision threshold it
    # chose: the registered artefact, so batch and real-time scoring apply that threshold.
    best_model = Result("model-evaluation") / "model/model.tar.gz"
    chosen = policy or contracts.EvaluationPolicy()
    monitoring = "model-monitoring"
    return Pipeline(
        pipeline,
        [
            s.ValidateInputStep("validate-input", rules=training_rules()),
            _retraining_guard(),
            s.ProcessingStep(
                "data-load", module=STEPS + "data_load", inputs={"raw": FromInput("data_uri")}, output="dataset"
            ),
            s.ProcessingStep(
                "feature-engineering",
                module=STEPS + "feature_engineering",
                inputs={"dataset": Result("data-load")},
                output="features",
            ),
            s.TrainingStep(
                "training",
                module=STEPS + "training",
                channels={channel: features / f"{channel}/" for channel in ("train", "validation", "transformer")},
                candidates=FromInput("hyperparameter_sets"),
            ),
            _model_evaluation(pipeline, features, chosen),
            s.ReadJsonStep(
                "read-decision", key=layout_key(pipeline, "model-evaluation", "decision.json"), field_name="decision"
            ),
            _find_champion(),
            _champion_challenger(pipeline, best_model, chosen),
            s.ProcessingStep(
                monitoring,
                module=STEPS + "monitoring",
                inputs={
                    "dataset": Result("data-load"),
                    "test": features / "test/",
                    "facets": features / "facets/",
                    "model": best_model,
                },
                output="monitoring",
                arguments=["--mode", "training"],
            ),
            *_model_card(pipeline),
            _register_model(best_model, monitoring),
            _training_metadata(pipeline, best_model),
            _auto_approval(),
            _training_succeeded(),
        ],
        comment=f"Training pipeline: {' -> '.join(contracts.TRAINING_STATES)}",
    )


def batch_rules() -> list[s.InputRule]:
    return [
        *_common_rules(),
        s.InputRule(
            "model_package_arn",
            s.AllOf(
                [
                    _is("model_package_arn", "IsString"),
                    _is("model_package_arn", "StringMatches", "arn:*:model-package/*"),
                ]
            ),
            "model_package_arn: give the ARN of an approved model package of the use case's group",
        ),
    ]


def batch_pipeline() -> Pipeline:
    pipeline = "batch-inference"
    monitoring = "model-monitoring"
    return Pipeline(
        pipeline,
        [
            s.ValidateInputStep("validate-input", rules=batch_rules()),
            _describe_model(),
            _approved_only(),
            s.ProcessingStep(
                "data-load",
                module=STEPS + "data_load",
                inputs={"raw": FromInput("data_uri")},
                output="dataset",
                arguments=["--mode", "batch"],
            ),
            s.ProcessingStep(
                "feature-engineering",
                module=STEPS + "feature_engineering",
                inputs={"dataset": Result("data-load"), "model": Result("describe-model", "model_data_url")},
                output="features",
                arguments=["--mode", "transform"],
            ),
            s.ModelStep("create-model", model_data=Result("describe-model", "model_data_url")),
            s.TransformStep(
                "batch-inference",
                model=Result("create-model", "name"),
                data=Result("feature-engineering") / "features/",
                data_processing={"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$"},
            ),
            _batch_monitoring(monitoring),
            s.ReadJsonStep(
                "read-violations",
                key=layout_key(pipeline, monitoring, "constraint_violations.json"),
                field_name="report",
            ),
            _drift_alert(monitoring),
            s.ProcessingStep(
                "post-processing",
                module=STEPS + "post_processing",
                inputs={"predictions": Result("batch-inference"), "model": Result("describe-model", "model_data_url")},
                output="decisions",
            ),
            _batch_metadata(pipeline),
            s.NotifyStep(
                "notify-success",
                subject="batch inference succeeded",
                message=Format("batch inference {} wrote {}", (EXECUTION_NAME, Result("post-processing"))),
            ),
        ],
        comment=f"Batch-inference pipeline: {' -> '.join(contracts.BATCH_STATES)}",
    )


PIPELINES: dict[str, Callable[[], Pipeline]] = {"training": training_pipeline, "batch-inference": batch_pipeline}
