"""Approving a model package, as a reviewer does with `mlops approve-model`: only a package whose
model card (its `model_card_arn` metadata, set by the training pipeline) has its intended-use
and risk fields filled and is not a Draft. IAM cannot make UpdateModelPackage depend on a card,
so this is where the rule is kept (docs/pipelines.md, "Model cards"); the pipeline's
auto-approval applies the same rule."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pipelines_src.contracts import APPROVABLE_CARD_STATUSES, ContractError, card_problems


class ApprovalRefused(ContractError):
    """The package may not be approved; the message names each missing field and the fix."""


def card_name(card_arn: str) -> str:
    """`arn:aws:sagemaker:<region>:<account>:model-card/<name>` -> `<name>`."""
    return card_arn.rsplit(":model-card/", 1)[-1]


def approval_problems(sagemaker: Any, package: dict[str, Any]) -> list[str]:
    """Why the package (its DescribeModelPackage answer) may not be approved (nothing: it may)."""
    card_arn = (package.get("CustomerMetadataProperties") or {}).get("model_card_arn")
    if not card_arn:
        return [
            f"{package['ModelPackageArn']} has no model card (metadata model_card_arn): register it with the "
            "training pipeline, which creates one, or create a card and set model_card_arn on the package"
        ]
    card = sagemaker.describe_model_card(ModelCardName=card_name(card_arn))
    problems = card_problems(json.loads(card["Content"]))
    if card["ModelCardStatus"] not in APPROVABLE_CARD_STATUSES:
        problems.append(
            f"model card {card_name(card_arn)} is {card['ModelCardStatus']}: fill it (UpdateModelCard) "
            f"and set its status to one of {list(APPROVABLE_CARD_STATUSES)}"
        )
    return problems


def approve_model(sagemaker: Any, package_arn: str, why: str) -> list[str]:
    """Approves the package (the statuses it went through), or raises ApprovalRefused."""
    if not why.strip():
        raise ApprovalRefused("--why: say why the package is approved (it is recorded as ApprovalDescription)")
    package = sagemaker.describe_model_package(ModelPackageName=package_arn)
    if problems := approval_problems(sagemaker, package):
        raise ApprovalRefused(f"{package_arn} not approved: " + "; ".join(problems))
    sagemaker.update_model_package(ModelPackageArn=package_arn, ModelApprovalStatus="Approved", ApprovalDescription=why)
    after = sagemaker.describe_model_package(ModelPackageName=package_arn)["ModelApprovalStatus"]
    return [package["ModelApprovalStatus"], after]


class NothingApproved(ContractError):
    """The group has no Approved version to deploy; the message names the group and the fix."""


def approved_packages(sagemaker: Any, group: str) -> list[str]:
    """The group's Approved versions, newest first."""
    listed = sagemaker.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus="Approved", SortBy="CreationTime", SortOrder="Descending"
    )["ModelPackageSummaryList"]
    return [str(summary["ModelPackageArn"]) for summary in listed]


def latest_approved(sagemaker: Any, group: str) -> str:
    """What a deploy on approval serves: the group's newest Approved version. The registry's
    Approved event starts the inference CodePipeline, which cannot hand the event's ARN to its
    build, so the deploy step resolves it here (the SageMaker project templates' pattern)."""
    found = approved_packages(sagemaker, group)
    if not found:
        raise NothingApproved(
            f"model package group {group} has no Approved version to deploy: approve one (mlops approve-model)"
        )
    return found[0]


class DeployFileRefused(ContractError):
    """The deploy step's variable file cannot be written where asked; the message says where to."""


def check_deploy_tfvars(path: Path) -> None:
    """Refuses a file the root's apply would not read, before anything is resolved or written."""
    if not path.name.endswith(".auto.tfvars.json"):
        raise DeployFileRefused(f"--tfvars {path}: name it <anything>.auto.tfvars.json, so terraform apply reads it")
    if not path.parent.is_dir():
        raise DeployFileRefused(f"--tfvars {path}: {path.parent} is not a folder; give a file in the serving root")


def write_deploy_tfvars(path: Path, package_arn: str) -> None:
    """The serving root's `model_package_arn`, replaced atomically (an interrupted write leaves
    the previous deployment's file): the next `terraform apply` of the root deploys it."""
    check_deploy_tfvars(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"model_package_arn": package_arn}, indent=2) + "\n")
    os.replace(temporary, path)
