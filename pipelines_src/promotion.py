"""Promoting an approved model package from one account's registry to the next stage's:
`mlops promote <package-arn> --to preprod|prod --why ...`, and `mlops rollback --stage prod`.

A promotion **copies**: the package's artefacts (model data, metrics, baselines) are read with
the source stage's credentials and written into the target stage's artifacts bucket under the
target's key, and a package with the same inference specification is created in the target's
group, Approved, its metadata naming the source package, who promoted it, when and why. Why a
copy and not a cross-account grant on the source: prod then depends on nothing in dev (dev's
buckets, keys and lifecycle rules can change or go), prod's data stays under prod's key, and
what prod scores with is exactly what was checked in preprod, byte for byte.

The target's registry reacts to the Approved package in AWS's own event ("SageMaker Model
Package State Change" on its default bus): preprod's rule starts the smoke batch, prod's the
batch pipeline. The promotion to prod is the recorded manual approval (who, when, why).

Refused, before anything is written, with the reason: a package that is not Approved, a version
that does not exist, a stage that is not next in line, a package of another group or of an
account that is none of the stages', a target group that does not exist, a version that is
already the target's current one, no reason given, and — leaving a stage with a smoke pipeline
(`smoke_state_machine_arn`, preprod's) — a version that pipeline has not scored successfully.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines_src import approvals
from pipelines_src.contracts import ContractError

Connect = Callable[["Stage", str], Any]  # (stage, service) -> a client with that stage's credentials
_PACKAGE_ARN = re.compile(
    r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"model-package/(?P<group>[A-Za-z0-9-]+)/(?P<version>[0-9]+)$"
)
_S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")
PROMOTION_KEYS = ("promoted_from", "promoted_from_stage", "promoted_by", "promoted_at", "promotion_why")


class PromotionRefused(ContractError):
    """The promotion may not happen; nothing was written. The message says why and the fix."""


@dataclass(frozen=True)
class Stage:
    name: str
    account_id: str
    artifacts_bucket: str
    kms_key_arn: str
    role_arn: str | None = None  # assumed for this stage's calls; None: the caller's credentials
    artifacts_prefix: str = "promoted/"  # where copies go: a prefix the stage's execution role reads
    model_package_group: str = ""  # the stage's group (roots name it <use case>-<environment>)
    # Its smoke pipeline: a package leaves this stage only after a succeeded run with it (preprod).
    smoke_state_machine_arn: str | None = None


@dataclass(frozen=True)
class Stages:
    order: tuple[Stage, ...]

    def named(self, name: str) -> Stage:
        for stage in self.order:
            if stage.name == name:
                return stage
        raise PromotionRefused(f"--to {name}: no such stage; the stages are {[s.name for s in self.order]}")

    def of_account(self, account_id: str) -> Stage:
        for stage in self.order:
            if stage.account_id == account_id:
                return stage
        raise PromotionRefused(
            f"the package is in account {account_id}, which is none of the stages' "
            f"({', '.join(f'{s.name} {s.account_id}' for s in self.order)}): promote from the configured source"
        )

    def after(self, stage: Stage) -> Stage | None:
        index = self.order.index(stage)
        return self.order[index + 1] if index + 1 < len(self.order) else None


@dataclass(frozen=True)
class Promotion:
    source_arn: str
    target_arn: str
    target_stage: str
    copied: dict[str, str]  # source URI -> target URI
    promoted_by: str
    promoted_at: str


def _text(entry: dict[str, Any], field: str, where: str, pattern: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise ContractError(f"{where}.{field}: {value!r} is not valid; expected {pattern} (quote account ids)")
    return value


STAGE_KEYS = (
    "name",
    "account_id",
    "artifacts_bucket",
    "artifacts_prefix",
    "kms_key_arn",
    "model_package_group",
    "role_arn",
    "smoke_state_machine_arn",
)
GROUP = r"[A-Za-z0-9-]{1,63}"


def _stage(entry: Any, index: int, group: str) -> Stage:
    where = f"stages[{index}]"
    if not isinstance(entry, dict):
        raise ContractError(f"{where}: write a mapping with name, account_id, artifacts_bucket, kms_key_arn")
    if unknown := sorted(set(entry) - set(STAGE_KEYS)):
        raise ContractError(f"{where}: unknown {unknown}; a stage has {list(STAGE_KEYS)}")
    account = _text(entry, "account_id", where, r"[0-9]{12}")
    key = _text(entry, "kms_key_arn", where, rf"arn:aws[a-z-]*:kms:[a-z0-9-]+:{account}:key/[0-9a-f-]+")
    role = entry.get("role_arn")
    if role is not None:
        _text(entry, "role_arn", where, rf"arn:aws[a-z-]*:iam::{account}:role/[A-Za-z0-9+=,.@_/-]+")
    smoke = entry.get("smoke_state_machine_arn")
    if smoke is not None:
        _text(
            entry,
            "smoke_state_machine_arn",
            where,
            rf"arn:aws[a-z-]*:states:[a-z0-9-]+:{account}:stateMachine:[A-Za-z0-9_-]+",
        )
    return Stage(
        name=_text(entry, "name", where, r"[a-z][a-z0-9-]{1,20}"),
        account_id=account,
        artifacts_bucket=_text(entry, "artifacts_bucket", where, r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
        kms_key_arn=key,
        role_arn=role,
        smoke_state_machine_arn=smoke,
        artifacts_prefix=_text(
            {"artifacts_prefix": entry.get("artifacts_prefix", "promoted/")},
            "artifacts_prefix",
            where,
            r"([A-Za-z0-9!_.'()=-]+/)+",
        ),
        model_package_group=_text(
            {"model_package_group": entry.get("model_package_group", group)}, "model_package_group", where, GROUP
        ),
    )


def stages_from(document: Any) -> Stages:
    """The promotion settings (promotion.yaml): the group and the stages in promotion order."""
    if not isinstance(document, dict) or not isinstance(document.get("stages"), list):
        raise ContractError("promotion settings: write model_package_group and a list of stages (dev first)")
    group = document.get("model_package_group", "")  # the default of stages that name none
    stages = tuple(_stage(entry, i, group) for i, entry in enumerate(document["stages"]))
    if (
        len(stages) < 2
        or len({s.name for s in stages}) < len(stages)
        or len({s.account_id for s in stages}) < len(stages)
    ):
        raise ContractError("stages: give at least two, each with its own name and its own account")
    return Stages(stages)


def load_stages(path: Path) -> Stages:
    import yaml

    if not path.is_file():
        raise ContractError(f"--config {path}: no such file; write the stages (docs/architecture.md, Promotion)")
    return stages_from(yaml.safe_load(path.read_text()))


def _parsed(package_arn: str, stages: Stages) -> re.Match[str]:
    match = _PACKAGE_ARN.match(package_arn)
    if match is None:
        raise PromotionRefused(
            f"{package_arn!r} is not a model package version ARN "
            "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)"
        )
    source = stages.of_account(match["account"])
    if match["group"] != source.model_package_group:
        raise PromotionRefused(
            f"{package_arn} is in group {match['group']}; {source.name} promotes {source.model_package_group}"
        )
    return match


def _source_package(connect: Connect, source: Stage, package_arn: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    sagemaker = connect(source, "sagemaker")
    try:
        package: dict[str, Any] = sagemaker.describe_model_package(ModelPackageName=package_arn)
    except ClientError as exc:
        raise PromotionRefused(
            f"{package_arn} does not exist in {source.name} ({exc.response['Error']['Code']}): "
            "list the versions with ListModelPackages"
        ) from exc
    if package.get("ModelApprovalStatus") != "Approved":
        raise PromotionRefused(
            f"{package_arn} is {package.get('ModelApprovalStatus')} in {source.name}: only an Approved package "
            "is promoted (mlops approve-model)"
        )
    return package


def _approved(connect: Connect, stage: Stage) -> Iterator[dict[str, Any]]:
    """The stage's Approved packages, newest first, each described when it is reached."""
    sagemaker = connect(stage, "sagemaker")
    for arn in approvals.approved_packages(sagemaker, stage.model_package_group):
        yield sagemaker.describe_model_package(ModelPackageName=arn)


def _promoted_from(package: dict[str, Any]) -> str | None:
    return (package.get("CustomerMetadataProperties") or {}).get("promoted_from")


def current_package(connect: Connect, stage: Stage) -> dict[str, Any] | None:
    """The stage's newest Approved package (what its pipelines score with), described."""
    return next(_approved(connect, stage), None)


def _check_target(connect: Connect, target: Stage, package_arn: str) -> None:
    from botocore.exceptions import ClientError

    group = target.model_package_group
    try:
        connect(target, "sagemaker").describe_model_package_group(ModelPackageGroupName=group)
    except ClientError as exc:
        raise PromotionRefused(
            f"{target.name} has no model package group {group}: apply its root (modules/model-registry) first"
        ) from exc
    try:
        connect(target, "s3").head_bucket(Bucket=target.artifacts_bucket)
        connect(target, "kms").describe_key(KeyId=target.kms_key_arn)
    except ClientError as exc:
        raise PromotionRefused(
            f"{target.name}'s artifacts bucket {target.artifacts_bucket} or key {target.kms_key_arn} cannot be "
            f"used ({exc.response['Error']['Code']}): check promotion.yaml against the stage root's outputs"
        ) from exc
    current = current_package(connect, target)
    if current and _promoted_from(current) == package_arn:
        raise PromotionRefused(
            f"{package_arn} is already {target.name}'s current version ({current['ModelPackageArn']})"
        )


SMOKE_RUNS_READ = 200  # the newest succeeded runs looked at: a smoke run comes right before its promotion


def _check_smoke(connect: Connect, source: Stage, package_arn: str, target: Stage) -> None:
    """A stage with a smoke pipeline passes on only a package that pipeline scored successfully
    (its input's model_package_arn: what the stage's registry rule gives it)."""
    if source.smoke_state_machine_arn is None:
        return
    sfn = connect(source, "stepfunctions")
    listed = sfn.list_executions(
        stateMachineArn=source.smoke_state_machine_arn, statusFilter="SUCCEEDED", maxResults=SMOKE_RUNS_READ
    )["executions"]
    for execution in listed:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if json.loads(described.get("input") or "{}").get("model_package_arn") == package_arn:
            return
    raise PromotionRefused(
        f"{package_arn} has no succeeded run of {source.name}'s smoke pipeline "
        f"({source.smoke_state_machine_arn.rsplit(':', 1)[-1]}): let the smoke batch its promotion started "
        f"finish, or fix it, before promoting to {target.name}"
    )


def _artefact_uris(package: dict[str, Any]) -> list[str]:
    """Every S3 object the package points at: model data of each container, metrics, baselines."""
    uris = [c["ModelDataUrl"] for c in package["InferenceSpecification"]["Containers"] if c.get("ModelDataUrl")]
    for block in ("ModelMetrics", "DriftCheckBaselines"):
        for section in (package.get(block) or {}).values():
            uris += [v["S3Uri"] for v in section.values() if isinstance(v, dict) and v.get("S3Uri")]
    return list(dict.fromkeys(uris))


def _copy(connect: Connect, source: Stage, target: Stage, uri: str, prefix: str) -> str:
    """The object at `uri`, read as the source stage, written under the target's key (streamed)."""
    match = _S3_URI.match(uri)
    if match is None:
        raise PromotionRefused(f"artefact {uri!r} is not an s3:// URI")
    body = connect(source, "s3").get_object(Bucket=match["bucket"], Key=match["key"])["Body"]
    digest = hashlib.sha256(uri.encode()).hexdigest()[:12]  # same base names stay apart
    key = f"{prefix}/{digest}/{match['key'].rsplit('/', 1)[-1]}"
    connect(target, "s3").upload_fileobj(
        body,
        target.artifacts_bucket,
        key,
        ExtraArgs={"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": target.kms_key_arn},
    )
    return f"s3://{target.artifacts_bucket}/{key}"


def _rewritten(value: Any, copied: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _rewritten(v, copied) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewritten(v, copied) for v in value]
    return copied.get(value, value) if isinstance(value, str) else value


def _who(connect: Connect, source: Stage) -> str:
    return str(connect(source, "sts").get_caller_identity()["Arn"])


def promote(connect: Connect, stages: Stages, package_arn: str, to: str, why: str) -> Promotion:
    """Promote `package_arn` to stage `to` (the next one after its own), or raise PromotionRefused."""
    if not why.strip():
        raise PromotionRefused("--why: say why the package is promoted (it is recorded in the target's package)")
    match = _parsed(package_arn, stages)
    source, target = stages.of_account(match["account"]), stages.named(to)
    if stages.after(source) != target:
        following = stages.after(source)
        raise PromotionRefused(
            f"{target.name} is not next after {source.name}: promote to "
            f"{following.name if following else 'nothing (the last stage)'} first"
        )
    package = _source_package(connect, source, package_arn)
    _check_target(connect, target, package_arn)
    _check_smoke(connect, source, package_arn, target)
    who, when = _who(connect, source), datetime.now(UTC).isoformat(timespec="seconds")
    prefix = f"{target.artifacts_prefix}{source.model_package_group}/{source.name}-v{match['version']}"
    copied = {uri: _copy(connect, source, target, uri, prefix) for uri in _artefact_uris(package)}
    metadata = {
        **{k: v for k, v in (package.get("CustomerMetadataProperties") or {}).items() if k not in PROMOTION_KEYS},
        "promoted_from": package_arn,
        "promoted_from_stage": source.name,
        "promoted_by": who,
        "promoted_at": when,
        "promotion_why": why[:256],
    }
    extra = {k: _rewritten(package[k], copied) for k in ("ModelMetrics", "DriftCheckBaselines") if package.get(k)}
    created = connect(target, "sagemaker").create_model_package(
        ModelPackageGroupName=target.model_package_group,
        ModelPackageDescription=f"{package.get('ModelPackageDescription', '')} (promoted from {package_arn})"[:1000],
        InferenceSpecification=_rewritten(package["InferenceSpecification"], copied),
        CustomerMetadataProperties=metadata,
        ModelApprovalStatus="Approved",
        **extra,
    )
    return Promotion(package_arn, created["ModelPackageArn"], target.name, copied, who, when)


def connector(**client_settings: Any) -> Connect:
    """Clients per stage: the caller's credentials, or the stage's role assumed through STS
    (cached per stage). `client_settings` go to every boto3 client: the local emulator's
    endpoint, CA and test credentials, or nothing on AWS."""
    import boto3

    assumed: dict[str, dict[str, str]] = {}

    def connect(stage: Stage, service: str) -> Any:
        if stage.role_arn is None:
            return boto3.client(service, **client_settings)
        if stage.name not in assumed:
            answer = boto3.client("sts", **client_settings).assume_role(
                RoleArn=stage.role_arn, RoleSessionName=f"mlops-promote-{stage.name}"
            )["Credentials"]
            assumed[stage.name] = {
                "aws_access_key_id": answer["AccessKeyId"],
                "aws_secret_access_key": answer["SecretAccessKey"],
                "aws_session_token": answer["SessionToken"],
            }
        return boto3.client(service, **{**client_settings, **assumed[stage.name]})

    return connect


def rollback(connect: Connect, stages: Stages, stage_name: str, why: str) -> Promotion:
    """Promote again the version `stage_name` had before its current one (one command)."""
    if not why.strip():
        raise PromotionRefused("--why: say why the stage is rolled back (it is recorded in the new package)")
    stage = stages.named(stage_name)
    packages = _approved(connect, stage)
    current = _promoted_from(next(packages, {}))
    previous = next((p for p in map(_promoted_from, packages) if p and p != current), None)
    if previous is None:
        raise PromotionRefused(f"{stage.name} has no earlier promoted version to roll back to")
    return promote(connect, stages, previous, stage.name, f"rollback: {why}")
