"""APIs moto 5.2 lacks that the registry's modules create, answered in the emulator process so
the template applies locally with the same variables as on AWS: Budgets' subscribers, updates
and tags, Cost Explorer anomaly monitors and subscriptions, and SageMaker Studio's lifecycle
configurations and user profiles. Each keeps what the AWS provider
sends and returns it on read, so a second plan shows no change; none of them acts (no spend is
measured, no anomaly raised): there is nothing to spend locally."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pipelines_src.local.extensions import add_handlers

# The fields that identify a budget notification (AWS matches DescribeSubscribersForNotification
# on them; NotificationState is reported, not part of the identity).
_NOTIFICATION_KEYS = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")


def _same_notification(stored: dict[str, Any], given: dict[str, Any]) -> bool:
    return all(str(stored.get(k)) == str(given.get(k)) for k in _NOTIFICATION_KEYS if k in given)


def _budgets() -> None:
    """DescribeSubscribersForNotification, UpdateBudget and resource tags of budgets."""
    from moto.budgets.responses import BudgetsResponse
    from moto.utilities.tagging_service import TaggingService

    tags = TaggingService()  # moto's own store of Key/Value tag lists, by ARN
    original_create = BudgetsResponse.create_budget

    def _budget(self: Any) -> Any:
        self.backend.describe_budget(self._get_param("AccountId"), self._get_param("BudgetName"))  # 404 when unknown
        return self.backend.budgets[self._get_param("AccountId")][self._get_param("BudgetName")]

    def create_budget(self: Any) -> str:
        result: str = original_create(self)
        name = self._get_param("Budget")["BudgetName"]
        arn = f"arn:{self.partition}:budgets::{self._get_param('AccountId')}:budget/{name}"
        tags.tag_resource(arn, self._get_param("ResourceTags") or [])
        return result

    def describe_subscribers_for_notification(self: Any) -> str:
        given = self._get_param("Notification")
        found = [n.subscribers for n in _budget(self).notifications if _same_notification(n.details, given)]
        return json.dumps({"Subscribers": found[0] if found else [], "NextToken": None})

    def update_budget(self: Any) -> str:
        budget = self.backend.budgets[self._get_param("AccountId")][self._get_param("NewBudget")["BudgetName"]]
        budget.budget.update(self._get_param("NewBudget"))
        return "{}"

    def tag_resource(self: Any) -> str:
        tags.tag_resource(self._get_param("ResourceARN"), self._get_param("ResourceTags") or [])
        return "{}"

    def untag_resource(self: Any) -> str:
        tags.untag_resource_using_names(self._get_param("ResourceARN"), self._get_param("ResourceTagKeys") or [])
        return "{}"

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"ResourceTags": tags.list_tags_for_resource(self._get_param("ResourceARN"))["Tags"]})

    add_handlers(
        BudgetsResponse,
        create_budget,
        describe_subscribers_for_notification,
        update_budget,
        tag_resource,
        untag_resource,
        list_tags_for_resource,
    )


class _AnomalyStore:
    """Anomaly monitors or subscriptions of the emulator, by ARN."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "monitor" or "subscription"
        self.items: dict[str, dict[str, Any]] = {}

    def create(self, response: Any, item: dict[str, Any]) -> str:
        arn = f"arn:{response.partition}:ce::{response.current_account}:anomaly{self.kind}/{uuid.uuid4()}"
        today = datetime.now(UTC).strftime("%Y-%m-%d")
        key = "MonitorArn" if self.kind == "monitor" else "SubscriptionArn"
        self.items[arn] = {**item, key: arn, "CreationDate": today, "LastUpdatedDate": today}
        if self.kind == "subscription":
            self.items[arn]["AccountId"] = response.current_account
        if tags := response._get_param("ResourceTags"):
            response.ce_backend.tag_resource(arn, tags)
        return arn

    def get(self, arns: list[str] | None) -> list[dict[str, Any]]:
        return [item for arn, item in self.items.items() if not arns or arn in arns]

    def update(self, arn: str, changes: dict[str, Any]) -> None:
        if arn in self.items:
            self.items[arn].update({k: v for k, v in changes.items() if v is not None})


def _cost_explorer_anomalies() -> None:
    """Create/Get/Update/DeleteAnomalyMonitor and ...AnomalySubscription (tags through moto's own
    Cost Explorer tagging)."""
    from moto.ce.responses import CostExplorerResponse

    monitors = _AnomalyStore("monitor")
    subscriptions = _AnomalyStore("subscription")

    def create_anomaly_monitor(self: Any) -> str:
        return json.dumps({"MonitorArn": monitors.create(self, self._get_param("AnomalyMonitor"))})

    def get_anomaly_monitors(self: Any) -> str:
        return json.dumps({"AnomalyMonitors": monitors.get(self._get_param("MonitorArnList"))})

    def update_anomaly_monitor(self: Any) -> str:
        monitors.update(self._get_param("MonitorArn"), {"MonitorName": self._get_param("MonitorName")})
        return json.dumps({"MonitorArn": self._get_param("MonitorArn")})

    def delete_anomaly_monitor(self: Any) -> str:
        monitors.items.pop(self._get_param("MonitorArn"), None)
        return "{}"

    def create_anomaly_subscription(self: Any) -> str:
        arn = subscriptions.create(self, self._get_param("AnomalySubscription"))
        return json.dumps({"SubscriptionArn": arn})

    def get_anomaly_subscriptions(self: Any) -> str:
        found = subscriptions.get(self._get_param("SubscriptionArnList"))
        if monitor := self._get_param("MonitorArn"):
            found = [s for s in found if monitor in s.get("MonitorArnList", [])]
        return json.dumps({"AnomalySubscriptions": found})

    def update_anomaly_subscription(self: Any) -> str:
        params = json.loads(self.body)
        arn = params.pop("SubscriptionArn")
        subscriptions.update(arn, params)
        return json.dumps({"SubscriptionArn": arn})

    def delete_anomaly_subscription(self: Any) -> str:
        subscriptions.items.pop(self._get_param("SubscriptionArn"), None)
        return "{}"

    add_handlers(
        CostExplorerResponse,
        create_anomaly_monitor,
        get_anomaly_monitors,
        update_anomaly_monitor,
        delete_anomaly_monitor,
        create_anomaly_subscription,
        get_anomaly_subscriptions,
        update_anomaly_subscription,
        delete_anomaly_subscription,
    )


class _Tagged:
    """A resource SageMaker's AddTags/ListTags/DeleteTags find by ARN (moto keeps `tags` on it)."""

    def __init__(self, fields: dict[str, Any], tags: list[dict[str, str]] | None) -> None:
        self.fields = fields
        self.tags = list(tags or [])


def _now() -> float:
    return datetime.now(UTC).timestamp()  # the JSON protocol's timestamps are epoch seconds


def _studio_lifecycle_configs(response_class: Any, found: dict[str, _Tagged]) -> None:
    """Create/Describe/Delete/ListStudioLifecycleConfigs."""
    from moto.sagemaker.exceptions import ResourceNotFound

    def _config(self: Any) -> _Tagged:
        name = self._get_param("StudioLifecycleConfigName")
        if f"studio-lifecycle-config/{name}" not in found:
            raise ResourceNotFound(message=f"Unable to describe Studio lifecycle config {name}: it does not exist")
        return found[f"studio-lifecycle-config/{name}"]

    def create_studio_lifecycle_config(self: Any) -> str:
        name = self._get_param("StudioLifecycleConfigName")
        arn = f"arn:{self.partition}:sagemaker:{self.region}:{self.current_account}:studio-lifecycle-config/{name}"
        fields = {
            "StudioLifecycleConfigArn": arn,
            "StudioLifecycleConfigName": name,
            "StudioLifecycleConfigContent": self._get_param("StudioLifecycleConfigContent"),
            "StudioLifecycleConfigAppType": self._get_param("StudioLifecycleConfigAppType"),
            "CreationTime": _now(),
            "LastModifiedTime": _now(),
        }
        found[f"studio-lifecycle-config/{name}"] = _Tagged(fields, self._get_param("Tags"))
        return json.dumps({"StudioLifecycleConfigArn": arn})

    def describe_studio_lifecycle_config(self: Any) -> str:
        return json.dumps(_config(self).fields)

    def delete_studio_lifecycle_config(self: Any) -> str:
        found.pop(f"studio-lifecycle-config/{_config(self).fields['StudioLifecycleConfigName']}")
        return "{}"

    def list_studio_lifecycle_configs(self: Any) -> str:
        configs = [c.fields for k, c in found.items() if k.startswith("studio-lifecycle-config/")]
        return json.dumps({"StudioLifecycleConfigs": configs})

    add_handlers(
        response_class,
        create_studio_lifecycle_config,
        describe_studio_lifecycle_config,
        delete_studio_lifecycle_config,
        list_studio_lifecycle_configs,
    )


def _studio_user_profiles(response_class: Any, found: dict[str, _Tagged]) -> None:
    """Create/Describe/Update/Delete/ListUserProfiles (InService at once; gone at once)."""
    from moto.sagemaker.exceptions import ResourceNotFound

    def _key(self: Any) -> str:
        return f"user-profile/{self._get_param('DomainId')}/{self._get_param('UserProfileName')}"

    def _profile(self: Any) -> _Tagged:
        if _key(self) not in found:
            raise ResourceNotFound(message=f"User profile {self._get_param('UserProfileName')} does not exist")
        return found[_key(self)]

    def create_user_profile(self: Any) -> str:
        self.sagemaker_backend.describe_domain(self._get_param("DomainId"))  # refused when the domain is unknown
        arn = f"arn:{self.partition}:sagemaker:{self.region}:{self.current_account}:{_key(self)}"
        fields = {
            "DomainId": self._get_param("DomainId"),
            "UserProfileArn": arn,
            "UserProfileName": self._get_param("UserProfileName"),
            "HomeEfsFileSystemUid": str(200000 + len(found)),
            "Status": "InService",
            "CreationTime": _now(),
            "LastModifiedTime": _now(),
            "UserSettings": self._get_param("UserSettings") or {},
        }
        found[_key(self)] = _Tagged(fields, self._get_param("Tags"))
        return json.dumps({"UserProfileArn": arn})

    def describe_user_profile(self: Any) -> str:
        return json.dumps(_profile(self).fields)

    def update_user_profile(self: Any) -> str:
        profile = _profile(self)
        profile.fields.update({"UserSettings": self._get_param("UserSettings") or {}, "LastModifiedTime": _now()})
        return json.dumps({"UserProfileArn": profile.fields["UserProfileArn"]})

    def delete_user_profile(self: Any) -> str:
        _profile(self)
        found.pop(_key(self))
        return "{}"

    def list_user_profiles(self: Any) -> str:
        domain = self._get_param("DomainIdEquals")
        profiles = [
            {k: p.fields[k] for k in ("DomainId", "UserProfileName", "Status", "CreationTime", "LastModifiedTime")}
            for key, p in found.items()
            if key.startswith("user-profile/") and domain in {None, p.fields["DomainId"]}
        ]
        return json.dumps({"UserProfiles": profiles})

    add_handlers(
        response_class,
        create_user_profile,
        describe_user_profile,
        update_user_profile,
        delete_user_profile,
        list_user_profiles,
    )


def _sagemaker_studio() -> None:
    """Studio lifecycle configurations and user profiles, with tags through moto's own
    AddTags/ListTags/DeleteTags (which look resources up by ARN)."""
    from moto.sagemaker.models import Domain, SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    found: dict[str, _Tagged] = {}  # by the ARN's resource part, e.g. user-profile/<domain>/<name>
    _studio_lifecycle_configs(SageMakerResponse, found)
    _studio_user_profiles(SageMakerResponse, found)
    original_create_domain = SageMakerResponse.create_domain

    def create_domain(self: Any) -> str:
        """With DomainId, which the provider reads from CreateDomain's answer (moto's botocore
        model has only DomainArn and Url, and its serialiser drops any other key)."""
        answer: dict[str, str] = original_create_domain(self).result  # type: ignore[assignment]
        domain_id = answer["DomainArn"].rsplit("/", 1)[-1]
        domain = self.sagemaker_backend.domains[domain_id]
        domain.tag_propagation = self._get_param("TagPropagation") or "DISABLED"  # moto drops it
        return json.dumps({**answer, "DomainId": domain_id})

    def describe(domain: Any) -> dict[str, Any]:
        return {**original_describe(domain), "TagPropagation": getattr(domain, "tag_propagation", "DISABLED")}

    def describe_domain(backend: Any, domain_id: str) -> dict[str, Any]:
        """ResourceNotFound for an unknown domain, as AWS answers (moto: ValidationException),
        which the provider's delete waiter takes for "gone"."""
        from moto.sagemaker.exceptions import ResourceNotFound

        if domain_id not in backend.domains:
            raise ResourceNotFound(message=f"Domain {domain_id} does not exist")
        return dict(backend.domains[domain_id].describe())

    original_describe = Domain.describe
    Domain.describe = describe  # type: ignore[method-assign,assignment]
    SageMakerModelBackend.describe_domain = describe_domain  # type: ignore[method-assign,assignment]

    SageMakerResponse.create_domain = create_domain  # type: ignore[method-assign,assignment]
    original = SageMakerModelBackend._get_resource_from_arn

    def _get_resource_from_arn(self: Any, arn: str) -> Any:
        resource = arn.split(":", 5)[-1]
        return found[resource] if resource in found else original(self, arn)

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn  # type: ignore[method-assign]


def _codebuild_pipeline_sources() -> None:
    """A CodeBuild project whose source and artifacts are CODEPIPELINE (or NO_SOURCE) has no
    location on AWS; moto requires one."""
    from moto.codebuild import responses

    original_source = responses._validate_required_params_source
    original_artifacts = responses._validate_required_params_artifacts

    def validate_source(source: dict[str, Any]) -> None:
        if source.get("type") not in {"CODEPIPELINE", "NO_SOURCE"}:
            original_source(source)

    def validate_artifacts(artifacts: dict[str, Any]) -> None:
        if artifacts.get("type") != "CODEPIPELINE":
            original_artifacts(artifacts)

    responses._validate_required_params_source = validate_source
    responses._validate_required_params_artifacts = validate_artifacts
    original_create = responses.CodeBuildResponse.create_project

    def create_project(self: Any) -> Any:
        """Keep the project's encryptionKey (moto reports the S3 managed key whatever was given)."""
        result = original_create(self)
        if key := self._get_param("encryptionKey"):
            self.codebuild_backend.codebuild_projects[self._get_param("name")].project_metadata["encryptionKey"] = key
        return result

    def update_project(self: Any) -> str:
        """UpdateProject (moto has none): the given settings replace the project's."""
        project = self.codebuild_backend.codebuild_projects[self._get_param("name")]
        project.project_metadata.update({k: v for k, v in json.loads(self.body).items() if k != "name"})
        return json.dumps({"project": project.project_metadata}, default=str)

    responses.CodeBuildResponse.create_project = create_project  # type: ignore[method-assign]
    responses.CodeBuildResponse.update_project = update_project  # type: ignore[attr-defined]


def _codepipeline_timestamps() -> None:
    """Pipeline metadata's created/updated as epoch seconds, the JSON protocol's timestamps
    (moto writes ISO strings, which the Go SDK refuses to decode)."""
    from moto.codepipeline.models import CodePipeline

    def metadata(self: Any) -> dict[str, Any]:
        return {"pipelineArn": self._arn, "created": self._created.timestamp(), "updated": self._updated.timestamp()}

    CodePipeline.metadata = property(metadata)  # type: ignore[assignment,method-assign]


def install_all() -> None:
    _codepipeline_timestamps()
    _codebuild_pipeline_sources()
    _budgets()
    _cost_explorer_anomalies()
    _sagemaker_studio()
