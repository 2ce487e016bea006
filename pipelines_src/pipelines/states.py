"""The typed steps a `Pipeline` is composed of (the Step Functions Data Science SDK's idea: a
Python object per state, compiled to ASL), each knowing:

- its ASL state (`state()`), with every infrastructure value a `Placeholder` and every run-time
  value a `Ref`, so the same object renders the deployed ASL and, with concrete values, the
  request a notebook or the local chain sends (`request()`);
- the integration it calls (its IAM needs live in `integrations.py`);
- what it reads (`reads()`) and what it writes under `$.steps.<state>` (`result_fields`), so a
  pipeline whose step reads an output no earlier step produces is refused when it is built.

Every SageMaker job runs in the VPC with network isolation, inter-container encryption and the
CMK on volumes and outputs (`validate.security_problems` checks the compiled ASL again).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pipelines_src.pipelines.integrations import resource_of
from pipelines_src.pipelines.refs import (
    EXECUTION_ID,
    PLACEHOLDERS,
    TASK_TOKEN,
    Arguments,
    Context,
    Format,
    FromInput,
    JobName,
    Placeholder,
    Ref,
    Result,
    Scope,
    state_key,
)

PROCESSING_ROOT = "/opt/ml/processing"
P = PLACEHOLDERS  # short alias for the registry's placeholders in step definitions


@dataclass(frozen=True)
class Retry:
    errors: tuple[str, ...]
    interval: int = 2
    attempts: int = 3
    backoff: float = 2.0
    jitter: bool = False

    def asl(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "ErrorEquals": list(self.errors),
            "IntervalSeconds": self.interval,
            "MaxAttempts": self.attempts,
            "BackoffRate": self.backoff,
        }
        return rendered | ({"JitterStrategy": "FULL"} if self.jitter else {})


# The registry's defaults: SageMaker calls retry throttling, DynamoDB its throughput errors, S3 reads
# a missing or slow object; everything else goes to the pipeline's failure handler.
RETRY_SAGEMAKER = (
    Retry(
        ("SageMaker.AmazonSageMakerException", "ThrottlingException", "SageMaker.ThrottlingException"),
        interval=5,
        attempts=4,
        jitter=True,
    ),
)
RETRY_DYNAMODB = (
    Retry(("DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException"), attempts=5),
)
RETRY_S3 = (Retry(("S3.S3Exception", "S3.NoSuchKeyException")),)
RETRY_EVENTS = (Retry(("EventBridge.FailedEntry", "EventBridge.EventBridgeException")),)


def render(tree: Any, scope: Scope | None = None) -> Any:
    """A parameter tree as ASL (scope None: Refs become `key.$` paths, Placeholders `${name}`)
    or as a concrete request (Refs resolved, Placeholders filled from the scope)."""
    if isinstance(tree, Mapping):
        out: dict[str, Any] = {}
        for key, value in tree.items():
            if isinstance(value, Ref) and scope is None:
                out[f"{key}.$"] = value.asl()
            else:
                out[key] = render(value, scope)
        return out
    if isinstance(tree, list | tuple):
        return [render(item, scope) for item in tree]
    if isinstance(tree, Placeholder):
        return tree.token if scope is None else scope.placeholder(tree.name)
    if isinstance(tree, Ref):
        if scope is None:
            raise TypeError("a reference inside a list cannot be rendered as ASL: use Arguments")
        return tree.resolve(scope)
    return tree


def leaves(tree: Any) -> Iterator[Any]:
    """Every Ref and Placeholder of a parameter tree."""
    if isinstance(tree, Mapping):
        for value in tree.values():
            yield from leaves(value)
    elif isinstance(tree, list | tuple):
        for item in tree:
            yield from leaves(item)
    elif isinstance(tree, Ref | Placeholder):
        yield tree
    if isinstance(tree, Arguments | Format):
        yield from (i for i in getattr(tree, "items", getattr(tree, "args", ())) if isinstance(i, Ref))


@dataclass(frozen=True)
class Resources:
    """Where a job runs: instance type (a placeholder by default), count, volume, time limit."""

    instance_type: Placeholder | str = P["instance_type"]
    instance_count: int = 1
    volume_gb: int = 30
    max_runtime_s: int = 3600


@dataclass(frozen=True)
class Permission:
    """What an integration the registry does not know needs: reviewed in the step's code."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass
class Step:
    """A state. Subclasses set `resource` (the integration) and build `parameters()`."""

    name: str
    resource: ClassVar[str | None] = None
    result_fields: ClassVar[tuple[str, ...]] = ()
    catches: ClassVar[bool] = True
    retries: ClassVar[tuple[Retry, ...]] = ()
    local: ClassVar[str | None] = None  # how the local chain runs it (None: skipped locally)

    def parameters(self) -> dict[str, Any]:
        return {}

    def result_selector(self) -> dict[str, str] | None:
        return None

    def reads(self) -> list[Ref]:
        return [leaf for leaf in leaves(self.parameters()) if isinstance(leaf, Ref)]

    def trees(self) -> list[Any]:
        """Every parameter tree the state sends (a Map state: its own and its item's)."""
        return [self.parameters()]

    def placeholders(self) -> list[Placeholder]:
        return [leaf for tree in self.trees() for leaf in leaves(tree) if isinstance(leaf, Placeholder)]

    def job_names(self) -> list[JobName]:
        return [leaf for tree in self.trees() for leaf in leaves(tree) if isinstance(leaf, JobName)]

    def integrations(self) -> list[str]:
        return [self.resource] if self.resource else []

    def permission(self) -> Permission | None:
        return None

    @property
    def result_path(self) -> str | None:
        return f"$.steps.{state_key(self.name)}" if self.result_fields else None

    def state(self) -> dict[str, Any]:
        """The ASL state without its transition (the pipeline adds Next/End and Catch)."""
        body: dict[str, Any] = {"Type": "Task", "Resource": self.resource, "Parameters": render(self.parameters())}
        selector = self.result_selector()
        if selector is not None:
            body["ResultSelector"] = selector
        body["ResultPath"] = self.result_path
        if self.retries:
            body["Retry"] = [r.asl() for r in self.retries]
        return body

    def request(self, scope: Scope) -> dict[str, Any]:
        """The API request this state sends, with concrete values (local chain, notebooks)."""
        rendered: dict[str, Any] = render(self.parameters(), scope)
        return rendered


def _vpc() -> dict[str, Any]:
    return {"Subnets": P["subnet_ids"], "SecurityGroupIds": P["security_group_ids"]}


def _abbreviation(name: str) -> str:
    return name.replace("-", "")[:6]


@dataclass
class ProcessingStep(Step):
    """A processing job running `python3 -m <module>` of the step image, its inputs downloaded to
    /opt/ml/processing/input/<name>, its one output uploaded to the state's S3 prefix."""

    module: str = ""
    inputs: Mapping[str, Ref] = field(default_factory=dict)
    output: str = "output"
    arguments: Sequence[str] | Arguments = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    image: Placeholder | str = P["image_uri"]
    resources: Resources = field(default_factory=Resources)
    output_prefix: Ref | None = None  # set by the pipeline: the S3 layout of this state

    resource: ClassVar[str | None] = resource_of("sagemaker:createProcessingJob.sync")
    result_fields: ClassVar[tuple[str, ...]] = ("job", "output")
    retries: ClassVar[tuple[Retry, ...]] = RETRY_SAGEMAKER
    local: ClassVar[str | None] = "processing"

    def _app(self) -> dict[str, Any]:
        app: dict[str, Any] = {"ImageUri": self.image, "ContainerEntrypoint": ["python3", "-m", self.module]}
        if isinstance(self.arguments, Arguments):
            app["ContainerArguments"] = self.arguments
        elif self.arguments:  # the API rejects an empty list: the key is left out instead
            app["ContainerArguments"] = list(self.arguments)
        return app

    def _inputs(self) -> list[dict[str, Any]]:
        return [
            {
                "InputName": name,
                "S3Input": {
                    "S3Uri": uri,
                    "LocalPath": f"{PROCESSING_ROOT}/input/{name}",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                },
            }
            for name, uri in self.inputs.items()
        ]

    def parameters(self) -> dict[str, Any]:
        output = {"S3Uri": self.output_prefix, "LocalPath": f"{PROCESSING_ROOT}/output/{self.output}"}
        cluster = {"InstanceCount": self.resources.instance_count, "InstanceType": self.resources.instance_type}
        return {
            "ProcessingJobName": JobName(_abbreviation(self.name)),
            "RoleArn": P["execution_role_arn"],
            "AppSpecification": self._app(),
            **({"Environment": dict(self.environment)} if self.environment else {}),
            "ProcessingInputs": self._inputs(),
            "ProcessingOutputConfig": {
                "KmsKeyId": P["kms_key_arn"],
                "Outputs": [{"OutputName": self.output, "S3Output": output | {"S3UploadMode": "EndOfJob"}}],
            },
            "ProcessingResources": {
                "ClusterConfig": cluster
                | {"VolumeSizeInGB": self.resources.volume_gb, "VolumeKmsKeyId": P["kms_key_arn"]}
            },
            "NetworkConfig": {
                "EnableNetworkIsolation": True,
                "EnableInterContainerTrafficEncryption": True,
                "VpcConfig": _vpc(),
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": self.resources.max_runtime_s},
            "Tags": [{"Key": "use-case", "Value": P["use_case"]}, {"Key": "state", "Value": self.name}],
        }

    def result_selector(self) -> dict[str, str]:
        return {"job.$": "$.ProcessingJobName", "output.$": "$.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri"}

    def result(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """What the state keeps of its job (its ResultSelector, computed from the request)."""
        return {
            "job": request["ProcessingJobName"],
            "output": request["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"],
        }

    def reads(self) -> list[Ref]:
        return [r for r in super().reads() if r is not self.output_prefix]


@dataclass
class TrainingStep(Step):
    """A training job on the step image (`python3 -m <module>`), channels from S3 prefixes; with
    `candidates`, a Map runs one job per hyperparameter set in parallel and the state's result is
    the list of `{job, model}`. Without, `hyperparameters` are the job's own (strings, as the
    SageMaker API takes them; script mode sets `sagemaker_program`/`sagemaker_submit_directory`)."""

    module: str | None = None  # None: the image's own entry point (framework images, script mode)
    channels: Mapping[str, Ref] = field(default_factory=dict)
    candidates: Ref | None = None
    hyperparameters: Mapping[str, str] | Ref = field(default_factory=dict)
    max_concurrency: int = 4
    environment: Mapping[str, str] = field(default_factory=dict)
    image: Placeholder | str = P["image_uri"]
    resources: Resources = field(default_factory=lambda: Resources(max_runtime_s=7200))
    output_prefix: Ref | None = None

    resource: ClassVar[str | None] = resource_of("sagemaker:createTrainingJob.sync")
    result_fields: ClassVar[tuple[str, ...]] = ("job", "model")
    retries: ClassVar[tuple[Retry, ...]] = RETRY_SAGEMAKER
    local: ClassVar[str | None] = "training"
    CANDIDATE: ClassVar[str] = "train-candidate"

    def _algorithm(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"TrainingImage": self.image, "TrainingInputMode": "File"}
        return spec | ({"ContainerEntrypoint": ["python3", "-m", self.module]} if self.module else {})

    def job_parameters(self, channels: Mapping[str, Any], hyperparameters: Any, output: Any, index: Any) -> Any:
        """The CreateTrainingJob request for one candidate (`index` None when not mapped)."""
        return {
            "TrainingJobName": JobName("train", index),
            "RoleArn": P["execution_role_arn"],
            "AlgorithmSpecification": self._algorithm(),
            "HyperParameters": hyperparameters,
            **({"Environment": dict(self.environment)} if self.environment else {}),
            "InputDataConfig": [
                {
                    "ChannelName": name,
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": uri,
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
                for name, uri in channels.items()
            ],
            "OutputDataConfig": {"S3OutputPath": output, "KmsKeyId": P["kms_key_arn"]},
            "ResourceConfig": {
                "InstanceCount": self.resources.instance_count,
                "InstanceType": self.resources.instance_type,
                "VolumeSizeInGB": self.resources.volume_gb,
                "VolumeKmsKeyId": P["kms_key_arn"],
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": self.resources.max_runtime_s},
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": _vpc(),
        }

    def _candidate_parameters(self) -> Any:
        """Inside the Map: everything comes from the item the Map's ItemSelector built."""
        channels = {name: FromInput(f"channels.{name}") for name in self.channels}
        output = Format("{}candidate-{}/", (FromInput("output"), FromInput("index")))
        return self.job_parameters(channels, FromInput("hyperparameters"), output, FromInput("index"))

    def parameters(self) -> dict[str, Any]:
        if self.candidates is None:
            fixed = self.hyperparameters if isinstance(self.hyperparameters, Ref) else dict(self.hyperparameters)
            return dict(self.job_parameters(self.channels, fixed, self.output_prefix, None))
        return {"channels": dict(self.channels), "output": self.output_prefix, "candidates": self.candidates}

    def reads(self) -> list[Ref]:
        return [r for r in super().reads() if r is not self.output_prefix]

    def _map_state(self) -> dict[str, Any]:
        candidate = {
            "Type": "Task",
            "Resource": self.resource,
            "Parameters": render(self._candidate_parameters()),
            "ResultSelector": {"job.$": "$.TrainingJobName", "model.$": "$.ModelArtifacts.S3ModelArtifacts"},
            "Retry": [r.asl() for r in self.retries],
            "End": True,
        }
        assert self.candidates is not None and self.output_prefix is not None
        return {
            "Type": "Map",
            "ItemsPath": self.candidates.asl(),
            "MaxConcurrency": self.max_concurrency,
            "ItemSelector": render(
                {
                    "hyperparameters": _ITEM_VALUE,
                    "index": _ITEM_INDEX,
                    "channels": dict(self.channels),
                    "output": self.output_prefix,
                }
            ),
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": self.CANDIDATE,
                "States": {self.CANDIDATE: candidate},
            },
            "ResultPath": self.result_path,
        }

    def state(self) -> dict[str, Any]:
        if self.candidates is not None:
            return self._map_state()
        body = super().state()
        body["ResultSelector"] = {"job.$": "$.TrainingJobName", "model.$": "$.ModelArtifacts.S3ModelArtifacts"}
        return body

    def trees(self) -> list[Any]:
        return [self.parameters(), *([self._candidate_parameters()] if self.candidates is not None else [])]

    def requests(self, scope: Scope) -> list[dict[str, Any]]:
        """One CreateTrainingJob request per candidate (mapped) or the job's own."""
        if self.candidates is None:
            return [self.request(scope)]
        outer = self.request(scope)  # channels, output prefix and candidate list, resolved
        requests = []
        for index, hyperparameters in enumerate(outer["candidates"]):
            item = {
                "hyperparameters": hyperparameters,
                "index": index,
                "channels": outer["channels"],
                "output": outer["output"],
            }
            requests.append(render(self._candidate_parameters(), Scope(item, scope.context, scope.placeholders)))
        return requests

    def result(self, request: Mapping[str, Any], model: str) -> dict[str, Any]:
        return {"job": request["TrainingJobName"], "model": model}


class _MapItem(Ref):
    def __init__(self, path: str) -> None:
        self._path = path

    def asl(self) -> str:
        return self._path

    def resolve(self, scope: Scope) -> Any:
        raise NotImplementedError("Map items are resolved by the local chain per candidate")


_ITEM_VALUE = _MapItem("$$.Map.Item.Value")
_ITEM_INDEX = _MapItem("$$.Map.Item.Index")


@dataclass
class SelectStep(Step):
    """A Pass state choosing one element of a mapped state's results by index: the best
    candidate's model by the index model-evaluation decided (`States.ArrayGetItem`)."""

    candidates: str = "training"  # a mapped state: its result is a list
    item_field: str = "model"
    index: Ref = field(default_factory=lambda: Result("read-decision", "decision.best_index"))

    result_fields: ClassVar[tuple[str, ...]] = ("uri",)
    catches: ClassVar[bool] = False
    local: ClassVar[str | None] = "select"

    def reads(self) -> list[Ref]:
        return [Result(self.candidates, self.item_field), self.index]

    def expression(self) -> str:
        return f"States.ArrayGetItem($.steps.{state_key(self.candidates)}[*].{self.item_field}, {self.index.asl()})"

    def state(self) -> dict[str, Any]:
        return {"Type": "Pass", "Parameters": {"uri.$": self.expression()}, "ResultPath": self.result_path}

    def select(self, scope: Scope) -> str:
        results = scope.data["steps"][state_key(self.candidates)]
        return str(results[int(self.index.resolve(scope))][self.item_field])


@dataclass
class ReadJsonStep(Step):
    """Read a JSON object a job wrote (S3 GetObject through the AWS SDK integration) into
    `$.steps.<state>.<field>`, so later states can branch on it."""

    key: Format | None = None
    field_name: str = "document"
    bucket: Placeholder = P["artifacts_bucket"]

    resource: ClassVar[str | None] = resource_of("aws-sdk:s3:getObject")
    retries: ClassVar[tuple[Retry, ...]] = RETRY_S3
    local: ClassVar[str | None] = "read"

    @property
    def result_path(self) -> str | None:
        return f"$.steps.{state_key(self.name)}"

    def parameters(self) -> dict[str, Any]:
        return {"Bucket": self.bucket, "Key": self.key}

    def result_selector(self) -> dict[str, str]:
        return {f"{self.field_name}.$": "States.StringToJson($.Body)"}

    def produces(self) -> tuple[str, ...]:
        return (self.field_name,)


@dataclass
class ModelStep(Step):
    """A SageMaker model (in the VPC, network-isolated) of a model artefact, for Batch Transform."""

    model_data: Ref = field(default_factory=lambda: FromInput("model_data_url"))
    image: Placeholder | str = P["image_uri"]

    resource: ClassVar[str | None] = resource_of("sagemaker:createModel")
    result_fields: ClassVar[tuple[str, ...]] = ("name",)
    retries: ClassVar[tuple[Retry, ...]] = RETRY_SAGEMAKER
    local: ClassVar[str | None] = "model"

    def parameters(self) -> dict[str, Any]:
        return {
            "ModelName": JobName("model"),
            "ExecutionRoleArn": P["execution_role_arn"],
            "PrimaryContainer": {"Image": self.image, "ModelDataUrl": self.model_data},
            "EnableNetworkIsolation": True,
            "VpcConfig": _vpc(),
        }

    def result_selector(self) -> dict[str, str]:
        return {"name.$": "States.ArrayGetItem(States.StringSplit($.ModelArn, '/'), 1)"}


@dataclass
class TransformStep(Step):
    """A Batch Transform job of a model over an S3 prefix, by line, joined with its input."""

    model: Ref = field(default_factory=lambda: Result("create-model", "name"))
    data: Ref = field(default_factory=lambda: FromInput("data_uri"))
    content_type: str = "text/csv"
    batch_strategy: str = "MultiRecord"
    max_payload_mb: int = 6
    data_processing: Mapping[str, str] = field(
        default_factory=lambda: {"InputFilter": "$", "JoinSource": "None", "OutputFilter": "$"}
    )
    resources: Resources = field(default_factory=Resources)
    output_prefix: Ref | None = None

    resource: ClassVar[str | None] = resource_of("sagemaker:createTransformJob.sync")
    result_fields: ClassVar[tuple[str, ...]] = ("job", "output")
    retries: ClassVar[tuple[Retry, ...]] = RETRY_SAGEMAKER
    local: ClassVar[str | None] = "transform"

    def parameters(self) -> dict[str, Any]:
        return {
            "TransformJobName": JobName("transform"),
            "ModelName": self.model,
            "BatchStrategy": self.batch_strategy,
            "MaxPayloadInMB": self.max_payload_mb,
            "TransformInput": {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": self.data}},
                "ContentType": self.content_type,
                "SplitType": "Line",
            },
            "DataProcessing": dict(self.data_processing),
            "TransformOutput": {
                "S3OutputPath": self.output_prefix,
                "AssembleWith": "Line",
                "Accept": self.content_type,
                "KmsKeyId": P["kms_key_arn"],
            },
            "TransformResources": {
                "InstanceType": self.resources.instance_type,
                "InstanceCount": self.resources.instance_count,
                "VolumeKmsKeyId": P["kms_key_arn"],
            },
        }

    def result_selector(self) -> dict[str, str]:
        return {"job.$": "$.TransformJobName", "output.$": "$.TransformOutput.S3OutputPath"}

    def result(self, request: Mapping[str, Any]) -> dict[str, Any]:
        return {"job": request["TransformJobName"], "output": request["TransformOutput"]["S3OutputPath"]}

    def reads(self) -> list[Ref]:
        return [r for r in super().reads() if r is not self.output_prefix]


@dataclass
class RegisterModelStep(Step):
    """A model package in the use case's group, PendingManualApproval, with its metrics in the
    registry's model-metrics format (model quality; data-quality statistics and constraints)."""

    model_data: Ref = field(default_factory=lambda: Result("model-evaluation") / "model/model.tar.gz")
    model_quality: Ref | None = None
    data_statistics: Ref | None = None
    data_constraints: Ref | None = None
    description: Ref | str = ""
    metadata: Mapping[str, Ref] = field(default_factory=dict)
    image: Placeholder | str = P["image_uri"]

    resource: ClassVar[str | None] = resource_of("aws-sdk:sagemaker:createModelPackage")
    result_fields: ClassVar[tuple[str, ...]] = ("arn",)
    retries: ClassVar[tuple[Retry, ...]] = RETRY_SAGEMAKER

    def _metrics(self) -> dict[str, Any]:
        def document(uri: Ref | None) -> dict[str, Any]:
            return {"ContentType": "application/json", "S3Uri": uri}

        metrics: dict[str, Any] = {}
        if self.model_quality is not None:
            metrics["ModelQuality"] = {"Statistics": document(self.model_quality)}
        if self.data_statistics is not None and self.data_constraints is not None:
            metrics["ModelDataQuality"] = {
                "Statistics": document(self.data_statistics),
                "Constraints": document(self.data_constraints),
            }
        return metrics

    def parameters(self) -> dict[str, Any]:
        return {
            "ModelPackageGroupName": P["model_package_group_name"],
            "ModelPackageDescription": self.description,
            "ModelApprovalStatus": "PendingManualApproval",
            "InferenceSpecification": {
                "Containers": [{"Image": self.image, "ModelDataUrl": self.model_data}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            "ModelMetrics": self._metrics(),
            "CustomerMetadataProperties": dict(self.metadata),
        }

    def result_selector(self) -> dict[str, str]:
        return {"arn.$": "$.ModelPackageArn"}


@dataclass
class ServiceStep(Step):
    """Any other integration (`aws-sdk:<service>:<action>`, `events:putEvents`...): parameters as a
    tree of values, Refs and Placeholders; `selector` picks the result's fields. An integration
    the registry does not know needs its `permission` written here, where a reviewer sees it."""

    integration: str = ""
    call: Mapping[str, Any] = field(default_factory=dict)
    selector: Mapping[str, str] = field(default_factory=dict)
    needs: Permission | None = None
    retry: tuple[Retry, ...] = RETRY_SAGEMAKER

    def integrations(self) -> list[str]:
        return [resource_of(self.integration)]

    def permission(self) -> Permission | None:
        return self.needs

    @property
    def result_path(self) -> str | None:
        return f"$.steps.{state_key(self.name)}" if self.selector else None

    def produces(self) -> tuple[str, ...]:
        return tuple(k.removesuffix(".$") for k in self.selector)

    def parameters(self) -> dict[str, Any]:
        return dict(self.call)

    def state(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "Type": "Task",
            "Resource": resource_of(self.integration),
            "Parameters": render(self.call),
        }
        if self.selector:
            body["ResultSelector"] = dict(self.selector)
        body["ResultPath"] = self.result_path
        if self.retry:
            body["Retry"] = [r.asl() for r in self.retry]
        return body


@dataclass
class NotifyStep(Step):
    """A message to the alerts topic (SNS Publish); its result is dropped."""

    subject: str = ""
    message: Ref | str = ""
    topic: Placeholder = P["alerts_topic_arn"]

    resource: ClassVar[str | None] = resource_of("sns:publish")
    catches: ClassVar[bool] = False  # an alert that cannot be sent must not loop into the alert

    def parameters(self) -> dict[str, Any]:
        return {"TopicArn": self.topic, "Subject": self.subject, "Message": self.message}


@dataclass
class ApprovalStep(Step):
    """Waits for a person's decision: publishes the request with a task token to the alerts topic
    and pauses (`sns:publish.waitForTaskToken`) until `mlops approve` (SendTaskSuccess with who,
    when, why) or `mlops reject` (SendTaskFailure, error `ApprovalRejected`) answers."""

    subject: str = "approval requested"
    message: Format | None = None
    topic: Placeholder = P["alerts_topic_arn"]
    timeout_s: int = 7 * 24 * 3600

    resource: ClassVar[str | None] = resource_of("sns:publish.waitForTaskToken")
    result_fields: ClassVar[tuple[str, ...]] = ("approver", "reason", "decided_at")

    def parameters(self) -> dict[str, Any]:
        body = self.message or Format("{} waits for approval", (FromInput("experiment"),))
        token = Format(body.template + " (task token {})", (*body.args, TASK_TOKEN))
        return {
            "TopicArn": self.topic,
            "Subject": self.subject,
            "Message": token,
            "MessageAttributes": {"task_token": {"DataType": "String", "StringValue": TASK_TOKEN}},
        }

    def state(self) -> dict[str, Any]:
        body = super().state()
        body["TimeoutSeconds"] = self.timeout_s
        return body


@dataclass
class StoreMetadataStep(Step):
    """The execution's metadata item (DynamoDB PutItem, written only if it does not exist):
    key `<use_case>#<pipeline>` + execution id, plus the given attributes (S or N)."""

    pipeline: str = ""
    attributes: Mapping[str, Ref] = field(default_factory=dict)
    numbers: tuple[str, ...] = ()  # attributes stored as DynamoDB numbers

    resource: ClassVar[str | None] = resource_of("dynamodb:putItem")
    retries: ClassVar[tuple[Retry, ...]] = RETRY_DYNAMODB

    def _item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": {"S": Format(f"{P['use_case'].token}#{self.pipeline}")},
            "execution_id": {"S": EXECUTION_ID},
            "started_at": {"S": Context("Execution.StartTime")},
            "status": {"S": "SUCCEEDED"},
        }
        for name, ref in self.attributes.items():
            item[name] = {"N" if name in self.numbers else "S": ref}
        return item

    def parameters(self) -> dict[str, Any]:
        return {
            "TableName": P["metadata_table"],
            "Item": self._item(),
            "ConditionExpression": "attribute_not_exists(pk) AND attribute_not_exists(execution_id)",
        }

    def state(self) -> dict[str, Any]:
        body = super().state()
        # A constant partition key needs no intrinsic: `${use_case}#training` is filled by Terraform.
        body["Parameters"]["Item"]["pk"] = {"S": f"{P['use_case'].token}#{self.pipeline}"}
        return body


@dataclass
class FailStep(Step):
    error: str = "PipelineFailed"
    cause: str = ""
    catches: ClassVar[bool] = False

    def state(self) -> dict[str, Any]:
        return {"Type": "Fail", "Error": self.error, "Cause": self.cause}


@dataclass
class SucceedStep(Step):
    """Ends the execution as succeeded (a branch that decided there is nothing more to do)."""

    catches: ClassVar[bool] = False

    def state(self) -> dict[str, Any]:
        return {"Type": "Succeed"}


@dataclass
class Condition:
    """A Choice rule's comparison, e.g. `Condition("$.approval_mode", "StringEquals", "auto")`."""

    variable: Ref
    operator: str
    value: Any = True

    def asl(self) -> dict[str, Any]:
        return {"Variable": self.variable.asl(), self.operator: self.value}


@dataclass
class Not:
    condition: Conditions

    def asl(self) -> dict[str, Any]:
        return {"Not": self.condition.asl()}


@dataclass
class AllOf:
    conditions: Sequence[Condition | Not | AnyOf]

    def asl(self) -> dict[str, Any]:
        return {"And": [c.asl() for c in self.conditions]}


@dataclass
class AnyOf:
    conditions: Sequence[Condition | Not | AllOf]

    def asl(self) -> dict[str, Any]:
        return {"Or": [c.asl() for c in self.conditions]}


Conditions = Condition | Not | AllOf | AnyOf


@dataclass
class Rule:
    """When `condition` holds, run `then` (a list of steps that rejoin the chain after the Choice,
    or end in a FailStep), or go to the existing state named `goto`."""

    condition: Conditions
    then: Sequence[Step] = ()
    goto: str | None = None


@dataclass
class ChoiceStep(Step):
    """Branches: the first rule that holds runs its steps; `default` runs otherwise (empty: the
    chain continues). Branches rejoin the chain after the Choice unless they end in a Fail."""

    rules: Sequence[Rule] = ()
    default: Sequence[Step] = ()
    catches: ClassVar[bool] = False

    def reads(self) -> list[Ref]:
        return []

    def branches(self) -> list[Sequence[Step]]:
        return [r.then for r in self.rules if r.then] + ([self.default] if self.default else [])


@dataclass
class InputRule:
    """A rule the execution input must meet; `message` names the field and the fix."""

    field: str
    condition: Conditions
    message: str


@dataclass
class ValidateInputStep(Step):
    """The first state: every rule of the execution input checked; the first one broken ends the
    execution with `InvalidExecutionInput`, its message naming the field, and an alert."""

    rules: Sequence[InputRule] = ()
    catches: ClassVar[bool] = False

    def reads(self) -> list[Ref]:
        return []
