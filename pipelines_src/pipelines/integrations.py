"""What each Step Functions integration the registry's steps call needs from IAM: the actions and
the resource patterns, written once here and carried into every pipeline's manifest, from which
modules/ml-pipeline derives the state machine's role. Patterns hold `${placeholders}` of the
pipeline and `${partition}`, `${region}`, `${account}`, which the module reads from the provider.

An integration missing from this table (and not given a `Permission` by its step) is listed as
unmapped in the manifest, and the module refuses to plan it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARN_PREFIX = "arn:${partition}:states:::"
_SM = "arn:${partition}:sagemaker:${region}:${account}"
_RESOURCE = re.compile(r"^arn:[a-z-]+:states:::(?P<integration>.+)$")


@dataclass(frozen=True)
class Grant:
    """The IAM needs of one integration."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    pass_role: bool = False  # passes the execution role to SageMaker
    sync_rule: str | None = None  # .sync watches the job through a rule Step Functions manages


def _sync_job(kind: str) -> Grant:
    return Grant(
        actions=(
            "sagemaker:AddTags",
            f"sagemaker:Create{kind}Job",
            f"sagemaker:Describe{kind}Job",
            f"sagemaker:Stop{kind}Job",
        ),
        resources=(f"{_SM}:{kind.lower()}-job/${{job_prefix}}*",),
        pass_role=True,
        sync_rule=f"arn:${{partition}}:events:${{region}}:${{account}}:rule/StepFunctionsGetEventsForSageMaker{kind}JobsRule",
    )


_TABLE = "arn:${partition}:dynamodb:${region}:${account}:table/${metadata_table}"
_PACKAGES = f"{_SM}:model-package/${{model_package_group_name}}/*"

GRANTS: dict[str, Grant] = {
    **{f"sagemaker:create{kind}Job.sync": _sync_job(kind) for kind in ("Processing", "Training", "Transform")},
    "sagemaker:createModel": Grant(
        ("sagemaker:AddTags", "sagemaker:CreateModel"), (f"{_SM}:model/${{job_prefix}}*",), pass_role=True
    ),
    "aws-sdk:sagemaker:createModelPackage": Grant(
        ("sagemaker:AddTags", "sagemaker:CreateModelPackage"),
        (f"{_SM}:model-package-group/${{model_package_group_name}}", _PACKAGES),
    ),
    "aws-sdk:sagemaker:createModelCard": Grant(
        ("sagemaker:CreateModelCard",), (f"{_SM}:model-card/${{job_prefix}}-card-*",)
    ),
    "aws-sdk:sagemaker:describeModelPackage": Grant(("sagemaker:DescribeModelPackage",), (_PACKAGES,)),
    "aws-sdk:sagemaker:updateModelPackage": Grant(("sagemaker:UpdateModelPackage",), (_PACKAGES,)),
    # IAM gives ListModelPackages no resource type (only "*" matches); the call names the group.
    "aws-sdk:sagemaker:listModelPackages": Grant(("sagemaker:ListModelPackages",), ("*",)),
    "aws-sdk:s3:getObject": Grant(("s3:GetObject",), ("arn:${partition}:s3:::${artifacts_bucket}/${use_case}/*",)),
    "dynamodb:putItem": Grant(("dynamodb:PutItem",), (_TABLE,)),
    "dynamodb:updateItem": Grant(("dynamodb:UpdateItem",), (_TABLE,)),
    "events:putEvents": Grant(
        ("events:PutEvents",), ("arn:${partition}:events:${region}:${account}:event-bus/default",)
    ),
    "sns:publish": Grant(("sns:Publish",), ("${alerts_topic_arn}",)),
    "sns:publish.waitForTaskToken": Grant(("sns:Publish",), ("${alerts_topic_arn}",)),
}


def integration_of(resource: str) -> str:
    """`arn:aws:states:::sagemaker:createModel` (or with `${partition}`) -> `sagemaker:createModel`."""
    if resource.startswith(ARN_PREFIX):
        return resource.removeprefix(ARN_PREFIX)
    match = _RESOURCE.match(resource)
    return match["integration"] if match else resource


def resource_of(integration: str) -> str:
    """The Task `Resource` of an integration, partition read at deploy time."""
    return ARN_PREFIX + integration
