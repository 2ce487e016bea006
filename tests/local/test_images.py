"""Which code a local job runs: a team's image built with `mlops image build`, a SageMaker
framework image in script mode, or the registry's step image; never the emulator's environment."""

from __future__ import annotations

import io
import json
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from pipelines_src import datasets
from pipelines_src.local import emulator, images, jobs
from pipelines_src.local.folder_s3 import FolderS3

TRAIN_SCRIPT = """
import argparse, json, os
from pathlib import Path

import pandas as pd
import xgboost as xgb

parser = argparse.ArgumentParser()
parser.add_argument("--max_depth", type=int, default=3)
parser.add_argument("--num_round", type=int, default=10)
args = parser.parse_args()
frame = pd.read_csv(Path(os.environ["SM_CHANNEL_TRAIN"]) / "cycles.csv")
features = frame.drop(columns=["failure", "machine_type", "shift", "cycle_id"])
booster = xgb.train({"max_depth": args.max_depth}, xgb.DMatrix(features, label=frame["failure"]), args.num_round)
booster.save_model(str(Path(os.environ["SM_MODEL_DIR"]) / "xgboost-model.json"))
Path(os.environ["SM_MODEL_DIR"], "seen.json").write_text(json.dumps({
    "hps": json.loads(os.environ["SM_HPS"]),
    "channels": json.loads(os.environ["SM_CHANNELS"]),
    "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
}))
"""
XGBOOST_IMAGE = "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def _sourcedir(script: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = script.encode()
        info = tarfile.TarInfo("train.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _script_job(name: str, hyperparameters: dict[str, str], bucket: str = "") -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::123456789012:role/mlops/script",
        "AlgorithmSpecification": {"TrainingImage": XGBOOST_IMAGE, "TrainingInputMode": "File"},
        # as the SageMaker Python SDK sends them: JSON-encoded strings
        "HyperParameters": {
            "sagemaker_program": json.dumps("train.py"),
            "sagemaker_submit_directory": json.dumps(f"s3://{bucket}code/script/sourcedir.tar.gz"),
            **hyperparameters,
        },
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}data/train/"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}models/script/", "KmsKeyId": ""},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def test_script_mode_training_runs_with_the_sagemaker_contract(tmp_path: Path) -> None:
    s3 = FolderS3(tmp_path / "s3")
    s3.put_object(Bucket="code", Key="script/sourcedir.tar.gz", Body=_sourcedir(TRAIN_SCRIPT))
    datasets.write_sample(tmp_path / "raw", rows=400, seed=2)
    s3.upload_file(str(tmp_path / "raw" / "cycles.csv"), "data", "train/cycles.csv")
    request = _script_job("script-1", {"max_depth": "4", "num_round": "5"})
    uri = jobs.run_training(request, s3, tmp_path / "job")
    assert uri == "s3://models/script/script-1/output/model.tar.gz"
    with tarfile.open(s3.path(uri)) as archive:
        assert {"xgboost-model.json", "seen.json"} <= set(archive.getnames())
    seen = json.loads((tmp_path / "job" / "opt-ml" / "model" / "seen.json").read_text())
    assert seen == {"hps": {"max_depth": 4, "num_round": 5}, "channels": ["train"], "endpoint": None}


@pytest.mark.parametrize(
    ("request_change", "message"),
    [
        ({"HyperParameters": {}}, "set the hyperparameters sagemaker_program"),
        (
            {
                "AlgorithmSpecification": {
                    "TrainingImage": "763104351884.dkr.ecr.eu-central-1.amazonaws.com/pytorch-training:2.1"
                }
            },
            "cannot run locally",
        ),
    ],
    ids=["framework-without-script", "unknown-image"],
)
def test_images_the_runner_cannot_run_are_refused_naming_what_it_runs(
    tmp_path: Path, request_change: dict[str, Any], message: str
) -> None:
    s3 = FolderS3(tmp_path / "s3")
    s3.put_object(Bucket="data", Key="train/x.csv", Body=b"1,2\n")
    with pytest.raises(jobs.JobFailed, match=message):
        jobs.run_training({**_script_job("bad", {}), **request_change}, s3, tmp_path / "job")


def test_framework_images_are_recognised_by_repository() -> None:
    assert images.framework_of(XGBOOST_IMAGE) == "xgboost"
    assert images.framework_of("1.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3") == "sklearn"
    assert images.framework_of("1.dkr.ecr.eu-west-1.amazonaws.com/quality/steps:0.1.0") is None


def test_built_image_runs_the_teams_code_with_its_env_not_the_emulators(tmp_path: Path) -> None:
    context = tmp_path / "repo"
    (context / "steps").mkdir(parents=True)
    (context / "steps" / "__init__.py").write_text("")
    (context / "steps" / "probe.py").write_text(
        "import json, os, pathlib\n"
        "out = pathlib.Path(os.environ['SM_BASE_DIR']) / 'processing' / 'output' / 'probe'\n"
        "out.mkdir(parents=True, exist_ok=True)\n"
        "keys = ('TEAM_SETTING', 'AWS_ENDPOINT_URL', 'MLOPS_EMULATOR_ENDPOINT', 'JOB_SETTING')\n"
        "(out / 'env.json').write_text(json.dumps({k: os.environ.get(k) for k in keys}))\n"
    )
    (context / "Dockerfile").write_text(
        "ARG BASE=registry/steps:1\nFROM ${BASE}\nCOPY steps/ /opt/program/steps/\n"
        "ENV PYTHONPATH=/opt/program TEAM_SETTING=from-dockerfile\n"
    )
    store = images.ImageStore(tmp_path / "store")
    built = store.build("1.dkr.ecr.eu-central-1.amazonaws.com/team/steps:0.1.0", context / "Dockerfile", context)
    (context / "steps" / "probe.py").write_text("raise SystemExit('edits after the build are not in the image')\n")
    s3 = FolderS3(tmp_path / "s3")
    request = {
        "ProcessingJobName": "probe",
        "AppSpecification": {"ImageUri": built.uri, "ContainerEntrypoint": ["python3", "-m", "steps.probe"]},
        "Environment": {"JOB_SETTING": "from-the-job"},
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "probe",
                    "S3Output": {"S3Uri": "s3://out/probe/", "LocalPath": "/opt/ml/processing/output/probe"},
                }
            ]
        },
    }
    jobs.run_processing(request, s3, tmp_path / "job", store.find(built.uri))
    seen = json.loads(s3.path("s3://out/probe/env.json").read_text())
    assert seen == {
        "TEAM_SETTING": "from-dockerfile",
        "AWS_ENDPOINT_URL": None,
        "MLOPS_EMULATOR_ENDPOINT": None,
        "JOB_SETTING": "from-the-job",
    }


def test_a_notebook_starts_a_script_mode_job_on_the_emulator(local_emulator: emulator.Emulator, tmp_path: Path) -> None:
    s3, sagemaker = local_emulator.client("s3"), local_emulator.client("sagemaker")
    for bucket in ("script-code", "script-data", "script-models"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket="script-code", Key="script/sourcedir.tar.gz", Body=_sourcedir(TRAIN_SCRIPT))
    datasets.write_sample(tmp_path, rows=300, seed=4)
    s3.upload_file(str(tmp_path / "cycles.csv"), "script-data", "train/cycles.csv")
    request = _script_job("script-on-emulator", {"num_round": "3"}, bucket="script-")
    request["OutputDataConfig"].pop("KmsKeyId")
    sagemaker.create_training_job(**request)
    deadline = time.monotonic() + 120
    while (status := sagemaker.describe_training_job(TrainingJobName="script-on-emulator"))[
        "TrainingJobStatus"
    ] == "InProgress":
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.5)
    assert status["TrainingJobStatus"] == "Completed", status.get("FailureReason")
    listed = s3.list_objects_v2(Bucket="script-models", Prefix="script/script-on-emulator/output/")["Contents"]
    assert [o["Key"] for o in listed] == ["script/script-on-emulator/output/model.tar.gz"]


def test_a_job_of_another_account_reads_and_writes_that_accounts_buckets(
    local_emulator: emulator.Emulator, tmp_path: Path
) -> None:
    """A job created in a prod account runs locally, finds its code and data in prod's buckets and
    writes its model there under prod's key; the default account has none of them (issue 16). The
    runner makes its S3 calls as the job's account, which this cannot tell apart: moto serves a
    bucket by name to any account and does not check an SSE key's account."""

    prod = "333300000002"
    s3, sagemaker = local_emulator.client("s3", prod), local_emulator.client("sagemaker", prod)
    for bucket in ("prod-script-code", "prod-script-data", "prod-script-models"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket="prod-script-code", Key="script/sourcedir.tar.gz", Body=_sourcedir(TRAIN_SCRIPT))
    datasets.write_sample(tmp_path, rows=300, seed=4)
    s3.upload_file(str(tmp_path / "cycles.csv"), "prod-script-data", "train/cycles.csv")
    request = _script_job("script-in-prod", {"num_round": "3"}, bucket="prod-script-")
    key = local_emulator.client("kms", prod).create_key(Description="prod artifacts")["KeyMetadata"]["Arn"]
    request["OutputDataConfig"]["KmsKeyId"] = key
    request["RoleArn"] = f"arn:aws:iam::{prod}:role/sagemaker-execution"
    sagemaker.create_training_job(**request)
    deadline = time.monotonic() + 120
    while (status := sagemaker.describe_training_job(TrainingJobName="script-in-prod"))[
        "TrainingJobStatus"
    ] == "InProgress":
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.5)
    assert status["TrainingJobStatus"] == "Completed", status.get("FailureReason")
    listed = s3.list_objects_v2(Bucket="prod-script-models", Prefix="script/script-in-prod/output/")["Contents"]
    assert [o["Key"] for o in listed] == ["script/script-in-prod/output/model.tar.gz"]
    head = s3.head_object(Bucket="prod-script-models", Key="script/script-in-prod/output/model.tar.gz")
    assert head["SSEKMSKeyId"] == key, "written under prod's key"
    default = {b["Name"] for b in local_emulator.client("s3").list_buckets()["Buckets"]}
    assert not default & {"prod-script-code", "prod-script-data", "prod-script-models"}
