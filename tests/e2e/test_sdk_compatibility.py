"""Compatibility with the SDK the seed names: a workflow written with the AWS Step Functions Data
Science SDK (`stepfunctions`, in its own virtual environment: it needs `sagemaker<3`, which pins
`numpy<2` and would change the project's own test environment) passes the registry's validator,
deploys through modules/ml-pipeline with a manifest, and runs on the local runtime."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pipelines_src import datasets
from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from pipelines_src.pipelines import manifest, validate
from pipelines_src.pipelines.refs import PLACEHOLDERS
from tests.conftest import REPO

SDK = ["stepfunctions==2.3.0", "sagemaker>=2.200,<3"]
ROOT = REPO / "tests" / "e2e" / "roots" / "sdk-compat"


@pytest.fixture(scope="module")
def sdk_definition(tmp_path_factory: pytest.TempPathFactory) -> str:
    venv = tmp_path_factory.mktemp("sdk-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", *SDK], capture_output=True, text=True, check=False
    )
    assert install.returncode == 0, f"the SDK does not install: {install.stderr[-2000:]}"
    env = {"AWS_DEFAULT_REGION": "eu-central-1", "PATH": "/usr/bin:/bin"}
    written = venv / "definition.json"
    built = subprocess.run(
        [str(venv / "bin" / "python"), str(REPO / "tests" / "e2e" / "sdk_workflow.py"), str(written)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    return written.read_text()


LISTS = ("security_group_ids", "subnet_ids")


def _lists_as_tokens(value: Any) -> Any:
    """["${subnet_ids}"] (how the SDK writes a list placeholder) becomes "${subnet_ids}"."""
    if isinstance(value, dict):
        return {k: _lists_as_tokens(v) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], str) and value[0] in {f"${{{n}}}" for n in LISTS}:
            return value[0]
        return [_lists_as_tokens(v) for v in value]
    return value


def _template(definition: dict[str, Any]) -> str:
    """The registry's template convention: list placeholders inserted as raw JSON."""
    text = json.dumps(_lists_as_tokens(definition), indent=2) + "\n"
    for name in LISTS:
        text = text.replace(f'"${{{name}}}"', f"${{{name}}}")
    return text


def test_an_sdk_workflow_deploys_and_runs_on_the_local_runtime(
    sdk_definition: str, local_emulator: emulator.Emulator, tf_work: Path, tmp_path: Path
) -> None:
    definition = json.loads(sdk_definition)
    rendered = json.loads(
        sdk_definition.replace('"${security_group_ids}"', '"sg-1"').replace('"${subnet_ids}"', '"subnet-1"')
    )
    assert validate.problems(rendered) == [] and validate.security_problems(rendered) == []
    template = _template(definition)
    assert "${subnet_ids}" in template and '"${subnet_ids}"' not in template
    placeholders = {
        name: PLACEHOLDERS[name].type
        for name in ("execution_role_arn", "image_uri", "kms_key_arn", "security_group_ids", "subnet_ids")
    }
    built = manifest.for_definition(definition, template, placeholders)
    assert list(built["integrations"]) == ["sagemaker:createProcessingJob.sync"] and built["unmapped"] == {}
    (tmp_path / "sdk.asl.json.tftpl").write_text(template)
    (tmp_path / "sdk.manifest.json").write_text(manifest.dumps(built))
    root = tf.TerraformRoot(tf.stage(ROOT, tf_work / "sdk", local_emulator), tf.base_env(local_emulator))
    variables = {"definition_template": str(tmp_path / "sdk.asl.json.tftpl")}
    root.apply(variables=variables)
    try:
        _run_on_the_local_runtime(local_emulator, root.outputs(), tmp_path)
    finally:
        root.destroy(variables=variables)


def _run_on_the_local_runtime(info: emulator.Emulator, outputs: dict[str, str], tmp_path: Path) -> None:
    s3, sfn = info.client("s3"), info.client("stepfunctions")
    datasets.write_sample(tmp_path / "raw", rows=200, seed=8)
    for path in (tmp_path / "raw").iterdir():
        s3.upload_file(str(path), outputs["bucket"], f"raw/{path.name}")
    execution = {
        "job_name": "sdk-data-load",
        "data_uri": f"s3://{outputs['bucket']}/raw/",
        "output_uri": f"s3://{outputs['bucket']}/dataset/",
    }
    arn = sfn.start_execution(stateMachineArn=outputs["state_machine_arn"], input=json.dumps(execution))["executionArn"]
    deadline = time.monotonic() + 180
    while (status := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the SDK's workflow did not finish"
        time.sleep(1)
    assert status["status"] == "SUCCEEDED", status.get("cause")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=outputs["bucket"], Prefix="dataset/")["Contents"]]
    assert "dataset/dataset.parquet" in keys and "dataset/profile.json" in keys
