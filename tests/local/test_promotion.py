"""Promotion between accounts (issue 16) on the emulator as three accounts, each reached by
assuming its promoter role: dev's Approved package is copied into preprod and then prod under
each target's key; every refusal leaves the target as it was; rollback restores the previous
version in one command, through the `mlops` CLI too."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines_src import cli, promotion
from pipelines_src.contracts import ContractError
from pipelines_src.local import emulator

GROUP = "promo-quality"
ACCOUNTS = {"dev": "222200000001", "preprod": "222200000002", "prod": "222200000003"}
MODELS = {1: b"model one", 2: b"model two", 3: b"model three"}


def _stage_resources(connect: promotion.Connect, name: str) -> dict[str, str]:
    stage = promotion.Stage(name, ACCOUNTS[name], "x", f"arn:aws:kms:eu-central-1:{ACCOUNTS[name]}:key/0", _role(name))
    key = connect(stage, "kms").create_key(Description=f"{name} artifacts")["KeyMetadata"]["Arn"]
    bucket = f"promo-{name}-artifacts"
    connect(stage, "s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    group = f"{GROUP}-prod" if name == "prod" else GROUP  # prod names its own group, the others take the default
    connect(stage, "sagemaker").create_model_package_group(ModelPackageGroupName=group)
    entry = {
        "name": name,
        "account_id": ACCOUNTS[name],
        "artifacts_bucket": bucket,
        "kms_key_arn": key,
        "role_arn": _role(name),
    }
    return {**entry, "model_package_group": group} if name == "prod" else entry


def _role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNTS[name]}:role/mlops-promoter"


def _register(connect: promotion.Connect, dev: promotion.Stage, version: int, status: str) -> str:
    s3 = connect(dev, "s3")
    s3.put_object(Bucket=dev.artifacts_bucket, Key=f"models/v{version}/model.tar.gz", Body=MODELS[version])
    s3.put_object(Bucket=dev.artifacts_bucket, Key=f"models/v{version}/evaluation.json", Body=b'{"f1": 0.9}')
    return str(
        connect(dev, "sagemaker").create_model_package(
            ModelPackageGroupName=GROUP,
            ModelPackageDescription=f"v{version}",
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                        "ModelDataUrl": f"s3://{dev.artifacts_bucket}/models/v{version}/model.tar.gz",
                    }
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelMetrics={
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": f"s3://{dev.artifacts_bucket}/models/v{version}/evaluation.json",
                    }
                }
            },
            CustomerMetadataProperties={"experiment": "promo", "model_card_arn": "arn:aws:sagemaker:x:1:model-card/c"},
            ModelApprovalStatus=status,
        )["ModelPackageArn"]
    )


@pytest.fixture(scope="module")
def world(local_emulator: emulator.Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    connect = promotion.connector(**local_emulator.settings())
    document = {"model_package_group": GROUP, "stages": [_stage_resources(connect, n) for n in ACCOUNTS]}
    stages = promotion.stages_from(document)
    config = tmp_path_factory.mktemp("promotion") / "promotion.yaml"
    config.write_text(yaml.safe_dump(document))
    dev = stages.named("dev")
    packages = {v: _register(connect, dev, v, "Approved" if v < 3 else "PendingManualApproval") for v in MODELS}
    yield {"connect": connect, "stages": stages, "packages": packages, "config": config}


def _snapshot(world: dict[str, Any], name: str) -> tuple[list[str], list[str]]:
    stage, connect = world["stages"].named(name), world["connect"]
    listed = connect(stage, "sagemaker").list_model_packages(ModelPackageGroupName=stage.model_package_group)
    packages = listed["ModelPackageSummaryList"]
    objects = connect(stage, "s3").list_objects_v2(Bucket=stage.artifacts_bucket).get("Contents", [])
    return sorted(p["ModelPackageArn"] for p in packages), sorted(o["Key"] for o in objects)


def _model_bytes(world: dict[str, Any], stage_name: str, package_arn: str) -> bytes:
    stage, connect = world["stages"].named(stage_name), world["connect"]
    package = connect(stage, "sagemaker").describe_model_package(ModelPackageName=package_arn)
    bucket, key = package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"][5:].split("/", 1)
    head = connect(stage, "s3").head_object(Bucket=bucket, Key=key)
    assert bucket == stage.artifacts_bucket and head["SSEKMSKeyId"] == stage.kms_key_arn, "the target's bucket and key"
    return bytes(connect(stage, "s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def _current(world: dict[str, Any], stage_name: str) -> dict[str, Any]:
    found = promotion.current_package(world["connect"], world["stages"].named(stage_name))
    assert found is not None, f"{stage_name} has an Approved package"
    return found


def test_an_approved_version_moves_to_preprod_then_prod_exactly(world: dict[str, Any]) -> None:
    connect, stages = world["connect"], world["stages"]
    to_preprod = promotion.promote(connect, stages, world["packages"][1], "preprod", "f1 0.9 beats v0")
    assert to_preprod.target_arn.startswith(f"arn:aws:sagemaker:eu-central-1:{ACCOUNTS['preprod']}:model-package/")
    assert _model_bytes(world, "preprod", to_preprod.target_arn) == MODELS[1]
    assert len(to_preprod.copied) == 2 and all(
        u.startswith("s3://promo-preprod-artifacts/") for u in to_preprod.copied.values()
    )
    to_prod = promotion.promote(connect, stages, to_preprod.target_arn, "prod", "smoke batch clean")
    assert f":{ACCOUNTS['prod']}:model-package/{GROUP}-prod/" in to_prod.target_arn, "into prod's own group"
    described = connect(stages.named("prod"), "sagemaker").describe_model_package(ModelPackageName=to_prod.target_arn)
    metadata = described["CustomerMetadataProperties"]
    assert (
        described["ModelApprovalStatus"] == "Approved" and _model_bytes(world, "prod", to_prod.target_arn) == MODELS[1]
    )
    assert metadata["promoted_from"] == to_preprod.target_arn and metadata["promoted_from_stage"] == "preprod"
    assert metadata["promotion_why"] == "smoke batch clean" and metadata["promoted_by"].startswith(
        f"arn:aws:sts::{ACCOUNTS['preprod']}:assumed-role/mlops-promoter/"
    ), "who promoted is recorded (the caller in the source stage)"
    assert metadata["experiment"] == "promo", "the source's metadata travels"
    metrics_uri = described["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
    assert metrics_uri.startswith("s3://promo-prod-artifacts/promoted/"), "metrics are copied too, not pointed at"
    assert _current(world, "prod")["ModelPackageArn"] == to_prod.target_arn


def test_a_target_bucket_that_does_not_exist_is_refused_before_any_copy(world: dict[str, Any]) -> None:
    stages: promotion.Stages = world["stages"]
    wrong = promotion.Stages(
        tuple(replace(s, artifacts_bucket="promo-nowhere") if s.name == "preprod" else s for s in stages.order),
    )
    before = _snapshot(world, "preprod")
    with pytest.raises(promotion.PromotionRefused, match=r"artifacts bucket promo-nowhere .* cannot be used"):
        promotion.promote(world["connect"], wrong, world["packages"][1], "preprod", "ok")
    assert _snapshot(world, "preprod") == before


@pytest.mark.parametrize(
    ("package", "to", "why", "message"),
    [
        (3, "preprod", "ok", "is PendingManualApproval in dev"),
        (9, "preprod", "ok", "does not exist in dev"),
        (2, "prod", "ok", "prod is not next after dev: promote to preprod first"),
        (2, "staging", "ok", "no such stage"),
        (2, "preprod", " ", "--why"),
        (
            "arn:aws:sagemaker:eu-central-1:999999999999:model-package/promo-quality/1",
            "preprod",
            "ok",
            "none of the stages'",
        ),
        ("arn:aws:sagemaker:eu-central-1:222200000001:model-package/other/1", "preprod", "ok", "is in group other"),
    ],
)
def test_a_refused_promotion_leaves_the_target_unchanged(
    world: dict[str, Any], package: int | str, to: str, why: str, message: str
) -> None:
    arn = package if isinstance(package, str) else f"{world['packages'][1].rsplit('/', 1)[0]}/{package}"
    before = {name: _snapshot(world, name) for name in ("preprod", "prod")}
    with pytest.raises(promotion.PromotionRefused, match=message):
        promotion.promote(world["connect"], world["stages"], arn, to, why)
    assert {name: _snapshot(world, name) for name in ("preprod", "prod")} == before


def test_rollback_restores_the_previous_version_through_the_cli(
    world: dict[str, Any], local_emulator: emulator.Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect, stages = world["connect"], world["stages"]
    if promotion.current_package(connect, stages.named("prod")) is None:
        test_an_approved_version_moves_to_preprod_then_prod_exactly(world)
    before = _current(world, "prod")
    assert _model_bytes(world, "prod", before["ModelPackageArn"]) == MODELS[1]
    (tmp_path / "emulator").symlink_to(local_emulator.state_dir)  # the CLI's --local finds this emulator
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    config = ["--config", str(world["config"]), "--local"]
    assert cli.main(["promote", world["packages"][2], "--to", "preprod", "--why", "v2 better", *config]) == 0
    preprod_v2 = _current(world, "preprod")["ModelPackageArn"]
    assert cli.main(["promote", preprod_v2, "--to", "prod", "--why", "smoke clean", *config]) == 0
    assert cli.main(["promote", preprod_v2, "--to", "prod", "--why", "again", *config]) == 2, "already current"
    current = _current(world, "prod")
    assert _model_bytes(world, "prod", current["ModelPackageArn"]) == MODELS[2]
    assert cli.main(["rollback", "--stage", "prod", "--why", "v2 drifts", *config]) == 0
    restored = _current(world, "prod")
    assert _model_bytes(world, "prod", restored["ModelPackageArn"]) == MODELS[1], "prod scores with v1 again"
    metadata = restored["CustomerMetadataProperties"]
    assert metadata["promoted_from"] == before["CustomerMetadataProperties"]["promoted_from"]
    assert metadata["promotion_why"] == "rollback: v2 drifts"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"stages": []}, "give at least two"),
        ({"stages": [{"name": "dev", "account_id": "222200000001"}]}, "stages\\[0\\].kms_key_arn"),
        ({"model_package_group": GROUP, "stages": "dev"}, "write model_package_group and a list of stages"),
        (
            {"model_package_group": GROUP, "stages": [{"name": "dev", "account_id": 222200000001}]},
            "stages\\[0\\].account_id",
        ),
        (
            {"model_package_group": GROUP, "stages": [{"name": "dev", "account": "222200000001"}]},
            "stages\\[0\\]: unknown \\['account'\\]",
        ),
        (
            {
                "model_package_group": GROUP,
                "stages": [
                    {
                        "name": "dev",
                        "account_id": "222200000001",
                        "artifacts_bucket": "b-1",
                        "kms_key_arn": "arn:aws:kms:eu-central-1:999999999999:key/1",
                    }
                ],
            },
            "stages\\[0\\].kms_key_arn",
        ),
        (
            {
                "model_package_group": GROUP,
                "stages": [
                    {
                        "name": "preprod",
                        "account_id": "222200000002",
                        "artifacts_bucket": "b-2",
                        "kms_key_arn": "arn:aws:kms:eu-central-1:222200000002:key/2",
                        "smoke_state_machine_arn": "arn:aws:states:eu-central-1:999999999999:stateMachine:smoke",
                    }
                ],
            },
            "stages\\[0\\].smoke_state_machine_arn",
        ),
    ],
)
def test_bad_promotion_settings_name_the_field(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ContractError, match=message):
        promotion.stages_from(json.loads(json.dumps(document)))


def test_a_copy_aws_refuses_stops_the_promotion_without_a_package(
    world: dict[str, Any], local_emulator: emulator.Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the checks pass, a failing copy (here the model object is gone) ends the command with
    exit 1 and the operation that failed; the target gets no package."""
    connect, dev = world["connect"], world["stages"].named("dev")
    arn = _register(connect, dev, 1, "Approved")
    connect(dev, "s3").delete_object(Bucket=dev.artifacts_bucket, Key="models/v1/model.tar.gz")
    (tmp_path / "emulator").symlink_to(local_emulator.state_dir)
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    packages_before = _snapshot(world, "preprod")[0]
    config = ["--config", str(world["config"]), "--local"]
    assert cli.main(["promote", arn, "--to", "preprod", "--why", "retry", *config]) == 1
    assert _snapshot(world, "preprod")[0] == packages_before
    connect(dev, "s3").put_object(Bucket=dev.artifacts_bucket, Key="models/v1/model.tar.gz", Body=MODELS[1])


def _smoke_run(connect: promotion.Connect, preprod: promotion.Stage, machine: str, package_arn: str) -> None:
    sfn = connect(preprod, "stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"model_package_arn": package_arn}))
    for _ in range(100):
        status = sfn.describe_execution(executionArn=arn["executionArn"])["status"]
        if status != "RUNNING":
            assert status == "SUCCEEDED"
            return
        time.sleep(0.1)
    raise AssertionError("the smoke run did not finish")


def test_prod_takes_only_a_version_preprods_smoke_pipeline_scored(world: dict[str, Any]) -> None:
    """preprod with smoke_state_machine_arn (batch-inference-only's promotion_stage output): a
    version is promoted on to prod only after a succeeded smoke run with exactly it."""
    connect, stages = world["connect"], world["stages"]
    preprod = stages.named("preprod")
    machine = connect(preprod, "stepfunctions").create_state_machine(
        name="promo-smoke",
        definition=json.dumps({"StartAt": "Score", "States": {"Score": {"Type": "Pass", "End": True}}}),
        roleArn=f"arn:aws:iam::{preprod.account_id}:role/promo-smoke",
    )["stateMachineArn"]
    gated = promotion.Stages(
        tuple(replace(s, smoke_state_machine_arn=machine) if s.name == "preprod" else s for s in stages.order)
    )
    fresh = _register(connect, stages.named("dev"), 2, "Approved")
    candidate = promotion.promote(connect, gated, fresh, "preprod", "to smoke").target_arn
    _smoke_run(connect, preprod, machine, world["packages"][1])  # another version's succeeded run counts not
    before = _snapshot(world, "prod")
    with pytest.raises(
        promotion.PromotionRefused, match=r"no succeeded run of preprod's smoke pipeline \(promo-smoke\)"
    ):
        promotion.promote(connect, gated, candidate, "prod", "smoke clean?")
    assert _snapshot(world, "prod") == before
    _smoke_run(connect, preprod, machine, candidate)
    done = promotion.promote(connect, gated, candidate, "prod", "smoke clean")
    assert _current(world, "prod")["ModelPackageArn"] == done.target_arn
