"""Contracts shared by the step code, the pipeline definitions, Terraform and the local runtime:
state names, the S3 layout, the execution input, the dataset schema. One source of truth."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# model-monitoring runs before register-model (the seed has it after): a package is registered
# only once its data-quality baseline exists, so no one can approve a model without one.
TRAINING_STATES = (
    "data-load",
    "feature-engineering",
    "training",
    "model-evaluation",
    "model-monitoring",
    "register-model",
    "store-metadata",
)
BATCH_STATES = ("data-load", "feature-engineering", "batch-inference", "model-monitoring", "post-processing")
PIPELINES = ("training", "batch-inference")
APPROVAL_MODES = ("manual", "auto")
METRICS = ("auc", "accuracy", "f1", "precision", "recall")  # what model-evaluation can rank by
DEFAULT_BETA = 2.0  # a missed failure costs a breakdown, a needless inspection an hour: weigh recall
TRIGGERS = ("manual", "schedule", "drift")  # what started a training execution (its `trigger`)
# The event batch inference publishes when monitoring finds drift (docs/pipelines.md, "Closed loop").
DRIFT_EVENT_SOURCE = "mlops.pipelines"
DRIFT_EVENT_DETAIL_TYPE = "MLOps Data Drift Detected"
# Model cards (docs/pipelines.md, "Model cards"): what approval requires of a card's
# intended_uses section, and the other facts a use case may give in its input's `model_card`.
CARD_REQUIRED_FACTS = ("intended_uses", "risk_rating", "explanations_for_risk_rating")
CARD_OPTIONAL_FACTS = (
    "purpose_of_model",
    "factors_affecting_model_efficiency",
    "model_owner",
    "ethical_considerations",
    "caveats_and_recommendations",
)
RISK_RATINGS = ("High", "Medium", "Low")  # the card schema's "Unknown" is no rating
CARD_DRAFT, CARD_COMPLETE = "Draft", "PendingReview"
APPROVABLE_CARD_STATUSES = (CARD_COMPLETE, "Approved")
# What a drift-triggered execution's `drift` object must carry (the rule's input transformer).
DRIFT_FIELDS = ("model_package_arn", "report_uri", "data_uri", "execution", "window")


@dataclass(frozen=True)
class EvaluationPolicy:
    """What model-evaluation and champion-challenger require of a model. The decision threshold
    maximises F-beta on the validation split (beta > 1 weighs recall, < 1 precision); precision
    and recall are measured on the test split at that threshold against the minimums; a
    challenger replaces the champion (the latest Approved package) only when it beats it by
    `champion_margin` on the execution's evaluation_metric. A use case sets it in its pipeline
    definition (docs/pipelines.md)."""

    beta: float = DEFAULT_BETA
    min_precision: float = 0.0
    min_recall: float = 0.5  # a model that misses most failures is refused whatever its AUC
    champion_margin: float = 0.01  # less is noise on a few thousand rows, not a better model

    def __post_init__(self) -> None:
        problems = [] if self.beta > 0 else [f"beta={self.beta}: give a number > 0 (2 weighs recall twice)"]
        problems += [
            f"{name}={value}: give a number from 0 to 1"
            for name, value in (
                ("min_precision", self.min_precision),
                ("min_recall", self.min_recall),
                ("champion_margin", self.champion_margin),
            )
            if not 0 <= value <= 1
        ]
        if problems:
            raise ContractError("evaluation policy: " + "; ".join(problems))

    def arguments(self) -> list[str]:
        """The model-evaluation container arguments that carry the policy."""
        return [
            *("--beta", f"{self.beta:g}"),
            *("--min-precision", f"{self.min_precision:g}"),
            *("--min-recall", f"{self.min_recall:g}"),
        ]

    def champion_arguments(self) -> list[str]:
        """The champion-challenger container arguments."""
        return ["--beta", f"{self.beta:g}", "--margin", f"{self.champion_margin:g}"]


_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")


@dataclass(frozen=True)
class JobKind:
    """A SageMaker job type in the API's terms (boto3 method names and response fields), shared
    by the notebooks, the `.sync` integration and the local job runner."""

    create: str
    describe: str
    name_key: str
    status_key: str
    reason_key: str  # where Describe*Job says why a job failed


SAGEMAKER_JOBS = tuple(
    JobKind(f"create_{kind}_job", f"describe_{kind}_job", f"{title}JobName", f"{title}JobStatus", reason)
    for kind, title, reason in (
        ("processing", "Processing", "ExitMessage"),
        ("training", "Training", "FailureReason"),
        ("transform", "Transform", "FailureReason"),
    )
)
TERMINAL_JOB_STATUSES = ("Completed", "Failed", "Stopped")


class ContractError(ValueError):
    """Input that breaks a contract; the message names the field and the fix."""


_PIPELINE_NAME = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")


def s3_key(*, use_case: str, pipeline: str, experiment: str, execution_id: str, state: str) -> str:
    """The key prefix a state of one execution writes under: concurrent experiments never share a
    prefix, and no execution writes where another did. The one S3 layout of the registry: the
    pipeline compiler renders it as an intrinsic, the local chain and the notebooks as text."""
    if not _PIPELINE_NAME.match(pipeline):
        raise ContractError(f"pipeline {pipeline!r}: use 3-40 lowercase letters, digits and hyphens, e.g. training")
    return f"{use_case}/{pipeline}/{experiment}/{execution_id}/{state}/"


def s3_prefix(bucket: str, *, use_case: str, pipeline: str, experiment: str, execution_id: str, state: str) -> str:
    """`s3://<bucket>/<use-case>/<pipeline>/<experiment>/<execution-id>/<state>/`."""
    key = s3_key(use_case=use_case, pipeline=pipeline, experiment=experiment, execution_id=execution_id, state=state)
    return f"s3://{bucket}/{key}"


@dataclass(frozen=True)
class ExecutionInput:
    """What starts a training execution; validated by its first state."""

    use_case: str
    experiment: str
    data_uri: str
    hyperparameter_sets: tuple[dict[str, Any], ...]
    evaluation_metric: str = "auc"
    evaluation_threshold: float = 0.75
    approval_mode: str = "manual"
    trigger: str = "manual"
    drift: dict[str, Any] | None = None  # with trigger "drift": what drifted (DRIFT_FIELDS)
    model_card: dict[str, str] | None = None  # the use case's card facts (CARD_*_FACTS)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ExecutionInput:
        problems = []
        for key in ("use_case", "experiment"):
            if not isinstance(raw.get(key), str) or not _NAME.match(raw[key]):
                problems.append(f"{key}: 2-40 lowercase letters, digits and hyphens")
        if not str(raw.get("data_uri", "")).startswith("s3://"):
            problems.append("data_uri: an s3://bucket/prefix/ URI of the raw data")
        sets = raw.get("hyperparameter_sets")
        if not isinstance(sets, list) or not sets or not all(isinstance(s, dict) for s in sets):
            problems.append("hyperparameter_sets: a non-empty list of objects, one per candidate")
        threshold = raw.get("evaluation_threshold", 0.75)
        if not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
            problems.append("evaluation_threshold: a number from 0 to 1")
        if raw.get("approval_mode", "manual") not in APPROVAL_MODES:
            problems.append(f"approval_mode: one of {APPROVAL_MODES}")
        problems += trigger_problems(raw)
        unknown = set(raw) - {f for f in cls.__dataclass_fields__}
        if unknown:
            problems.append(f"unknown fields {sorted(unknown)}: remove them")
        if problems:
            raise ContractError("execution input: " + "; ".join(problems))
        return cls(
            use_case=raw["use_case"],
            experiment=raw["experiment"],
            data_uri=raw["data_uri"],
            hyperparameter_sets=tuple(raw["hyperparameter_sets"]),
            evaluation_metric=raw.get("evaluation_metric", "auc"),
            evaluation_threshold=float(threshold),
            approval_mode=raw.get("approval_mode", "manual"),
            trigger=raw.get("trigger", "manual"),
            drift=raw.get("drift"),
            model_card=raw.get("model_card"),
        )


def card_problems(content: dict[str, Any]) -> list[str]:
    """What keeps a Model Card's content from approval: its intended-use and risk fields, each
    named with the fix. The one rule the model-card step and `mlops approve-model` apply."""
    uses = content.get("intended_uses") or {}
    problems = []
    for name in CARD_REQUIRED_FACTS:
        value = str(uses.get(name) or "").strip()
        if not value or (name == "risk_rating" and value not in RISK_RATINGS):
            rule = f" (one of {list(RISK_RATINGS)})" if name == "risk_rating" else ""
            problems.append(f"model_card.{name}: give it{rule} in the execution input's model_card")
    return problems


def trigger_problems(raw: dict[str, Any]) -> list[str]:
    """What is wrong with an execution input's `trigger` and, for a drift trigger, its `drift`."""
    trigger = raw.get("trigger", "manual")
    if trigger not in TRIGGERS:
        return [f"trigger: one of {TRIGGERS}"]
    drift = raw.get("drift")
    if trigger != "drift":
        return [] if drift is None else ["drift: only with trigger 'drift'; remove it"]
    if not isinstance(drift, dict):
        return [f"drift: an object with {list(DRIFT_FIELDS)} (the drift rule's input)"]
    missing = [f for f in DRIFT_FIELDS if not isinstance(drift.get(f), str) or not drift[f]]
    return [f"drift.{f}: a non-empty string (the drift event's detail)" for f in missing]


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # float | int | category
    nullable: bool = False


@dataclass(frozen=True)
class DatasetSchema:
    """The columns a use case's data must have. `target` is the label, `facet` the sensitive
    attribute bias reports are computed for, `id_column` passes through untouched."""

    columns: tuple[Column, ...]
    target: str
    id_column: str | None = None
    facet: str | None = None
    max_nan_fraction: float = 0.05
    positive_label: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.columns if c.name not in {self.target, self.id_column}]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> DatasetSchema:
        raw = json.loads(text)
        columns = tuple(Column(**c) for c in raw.pop("columns"))
        schema = cls(columns=columns, **raw)
        if schema.target not in schema.names:
            raise ContractError(f"schema: target {schema.target!r} is not one of the columns")
        return schema

    @classmethod
    def load(cls, path: Path) -> DatasetSchema:
        return cls.from_json(path.read_text())
