"""Fixes to moto, installed in the emulator process, where it differs from AWS in ways the
registry's modules hit. Each fix is small and named after the AWS behaviour it restores."""

from __future__ import annotations

import json
from typing import Any

DEFAULT_ROTATION_PERIOD_DAYS = 365  # AWS's default when EnableKeyRotation has no period


def add_handlers(response_class: Any, *functions: Any) -> None:
    """Answer (or re-answer) the actions named after `functions` on a moto response class."""
    for function in functions:
        setattr(response_class, function.__name__, function)


def _kms_rotation_period() -> None:
    """Keep `RotationPeriodInDays` of EnableKeyRotation and return it from GetKeyRotationStatus
    (moto drops it, so every plan after apply shows a change)."""
    from moto.kms.responses import KmsResponse

    original_enable = KmsResponse.enable_key_rotation
    original_status = KmsResponse.get_key_rotation_status

    def enable_key_rotation(self: Any) -> str:
        result: str = original_enable(self)
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        key.rotation_period_in_days = self._get_param("RotationPeriodInDays") or DEFAULT_ROTATION_PERIOD_DAYS
        return result

    def get_key_rotation_status(self: Any) -> str:
        status = json.loads(original_status(self))
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        if status.get("KeyRotationEnabled"):
            status["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", DEFAULT_ROTATION_PERIOD_DAYS)
            status["KeyId"] = key.id
        return json.dumps(status)

    KmsResponse.enable_key_rotation = enable_key_rotation  # type: ignore[method-assign]  # deliberate patch
    KmsResponse.get_key_rotation_status = get_key_rotation_status  # type: ignore[method-assign]


def _stepfunctions_validation_and_versions() -> None:
    """ValidateStateMachineDefinition (the provider calls it at plan and apply) answered by the
    registry's own ASL validator, so a broken definition fails locally as it would on AWS; and
    ListStateMachineVersions, which the provider reads after every create."""
    from moto.stepfunctions.responses import StepFunctionResponse

    from pipelines_src.pipelines.validate import problems

    def validate_state_machine_definition(self: Any) -> str:
        try:
            found = problems(json.loads(self._get_param("definition") or "{}"))
        except ValueError as exc:
            found = [f"definition is not JSON: {exc}"]
        diagnostics = [
            {"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": m, "location": ""} for m in found
        ]
        return json.dumps({"result": "FAIL" if found else "OK", "diagnostics": diagnostics, "truncated": False})

    def list_state_machine_versions(self: Any) -> str:
        return json.dumps({"stateMachineVersions": []})

    StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition  # type: ignore[attr-defined]
    StepFunctionResponse.list_state_machine_versions = list_state_machine_versions  # type: ignore[attr-defined]


def _sagemaker_model_package_groups() -> None:
    """Model package group resource policies and group deletion (missing in moto 5.2)."""
    from moto.sagemaker.responses import SageMakerResponse

    policies: dict[tuple[str, str], str] = {}

    def _group(self: Any) -> tuple[str, str]:
        name = self._get_param("ModelPackageGroupName").split("/")[-1]
        self.sagemaker_backend.describe_model_package_group(model_package_group_name=name)  # 404 when unknown
        return self.current_account, name

    def put_model_package_group_policy(self: Any) -> str:
        key = _group(self)
        policies[key] = self._get_param("ResourcePolicy")
        group = self.sagemaker_backend.describe_model_package_group(model_package_group_name=key[1])
        return json.dumps({"ModelPackageGroupArn": group.arn})

    def get_model_package_group_policy(self: Any) -> str:
        key = _group(self)
        if key not in policies:
            from moto.sagemaker.exceptions import ValidationError

            raise ValidationError(message=f"Cannot find resource policy for model package group {key[1]}")
        return json.dumps({"ResourcePolicy": policies[key]})

    def delete_model_package_group_policy(self: Any) -> str:
        policies.pop(_group(self), None)
        return "{}"

    def delete_model_package_group(self: Any) -> str:
        account, name = _group(self)
        policies.pop((account, name), None)
        self.sagemaker_backend.model_package_groups.pop(name, None)
        return "{}"

    add_handlers(
        SageMakerResponse,
        put_model_package_group_policy,
        get_model_package_group_policy,
        delete_model_package_group_policy,
        delete_model_package_group,
    )


def _application_autoscaling_tags() -> None:
    """Tags of scalable targets: given at RegisterScalableTarget or TagResource, read back by
    ListTagsForResource (moto ignores the first and answers 500 to the others)."""
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    tags: dict[str, dict[str, str]] = {}

    def tag_resource(self: Any) -> str:
        tags.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
        return "{}"

    def untag_resource(self: Any) -> str:
        current = tags.get(self._get_param("ResourceARN"), {})
        for key in self._get_param("TagKeys") or []:
            current.pop(key, None)
        return "{}"

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"Tags": tags.get(self._get_param("ResourceARN"), {})})

    original_register = ApplicationAutoScalingResponse.register_scalable_target

    def register_scalable_target(self: Any) -> str:
        result: str = original_register(self)
        if self._get_param("Tags"):
            tags.setdefault(json.loads(result)["ScalableTargetARN"], {}).update(self._get_param("Tags"))
        return result

    add_handlers(
        ApplicationAutoScalingResponse, tag_resource, untag_resource, list_tags_for_resource, register_scalable_target
    )


def _sagemaker_model_network_isolation() -> None:
    """Keep CreateModel's EnableNetworkIsolation (moto always reports false, so every plan
    wanted to replace an isolated model)."""
    from moto.sagemaker.responses import SageMakerResponse

    original_create = SageMakerResponse.create_model

    def create_model(self: Any) -> Any:
        result = original_create(self)
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation"))
        return result

    SageMakerResponse.create_model = create_model  # type: ignore[method-assign]


def _security_group_rule_descriptions() -> None:
    """Keep the description of rules that reference a security group or a prefix list (moto keeps
    only those of CIDR ranges, so every plan re-set them)."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    original_init = SecurityGroupRule.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        names = (
            "ec2_backend",
            "ip_protocol",
            "group_id",
            "from_port",
            "to_port",
            "ip_range",
            "source_group",
            "prefix_list_id",
        )
        given = dict(zip(names, args, strict=False)) | kwargs
        for reference in (given.get("source_group"), given.get("prefix_list_id")):
            if isinstance(reference, dict) and reference.get("Description"):
                self._reference_description = reference["Description"]

    def description(self: Any) -> Any:
        return self.ip_range.get("Description") or getattr(self, "_reference_description", None)

    SecurityGroupRule.__init__ = __init__  # type: ignore[method-assign]
    SecurityGroupRule.description = property(description)  # type: ignore[assignment,method-assign]


SNS_FEEDBACK_ATTRIBUTES = tuple(
    f"{protocol}{kind}"
    for protocol in ("Application", "Firehose", "HTTP", "Lambda", "SQS")
    for kind in ("SuccessFeedbackRoleArn", "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate")
)


def _sns_delivery_status_attributes() -> None:
    """Return the delivery-status logging attributes moto stores but leaves out of
    GetTopicAttributes (every plan re-set them)."""
    from moto.core.utils import camelcase_to_underscores
    from moto.sns.responses import SNSResponse

    original = SNSResponse.get_topic_attributes

    def get_topic_attributes(self: Any) -> Any:
        result = original(self)
        attributes: dict[str, str] = result.result["Attributes"]  # type: ignore[index]
        topic = self.backend.get_topic(self._get_param("TopicArn"))
        for name in SNS_FEEDBACK_ATTRIBUTES:
            value = getattr(topic, camelcase_to_underscores(name), None)
            if value is not None:
                attributes[name] = str(value)
        return result

    SNSResponse.get_topic_attributes = get_topic_attributes  # type: ignore[method-assign]


def _s3_delete_markers_in_suspended_buckets() -> None:
    """Deleting a key of a bucket whose versioning is Suspended (Terraform destroys the
    aws_s3_bucket_versioning before emptying a force_destroy bucket) removes its versions, delete
    markers included: moto disposed of each as an object and failed with a 500 on a marker
    ('FakeDeleteMarker' object has no attribute 'dispose'), leaving teardown half done."""
    from moto.s3.utils import _VersionedKeyStore

    def pop(self: Any, key: str) -> None:
        for version in self.getlist(key, []):
            if hasattr(version, "dispose"):  # a delete marker holds no data to release
                version.dispose()
        dict.pop(self, key)

    _VersionedKeyStore.pop = pop  # type: ignore[method-assign]  # deliberate patch


def install_all() -> None:
    _s3_delete_markers_in_suspended_buckets()
    _sns_delivery_status_attributes()
    _security_group_rule_descriptions()
    _sagemaker_model_network_isolation()
    _application_autoscaling_tags()
    _kms_rotation_period()
    _stepfunctions_validation_and_versions()
    _sagemaker_model_package_groups()
