"""The local job runner's translation of SageMaker requests (no emulator needed here; the
e2e demo runs real jobs through it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines_src import executions
from pipelines_src.local import jobs
from pipelines_src.pipelines import compiler, graph

TRANSFORM: dict[str, Any] = {
    "TransformJobName": "t",
    "ModelName": "m",
    "BatchStrategy": "MultiRecord",
    "MaxPayloadInMB": 6,
    "TransformInput": {
        "DataSource": {"S3DataSource": {"S3Uri": "s3://b/in/"}},
        "ContentType": "text/csv",
        "SplitType": "Line",
    },
    "DataProcessing": {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$"},
    "TransformOutput": {"S3OutputPath": "s3://b/out/", "AssembleWith": "Line"},
}


def test_transform_request_becomes_batch_inference_arguments() -> None:
    args = jobs.transform_arguments(TRANSFORM)
    assert dict(zip(args[::2], args[1::2], strict=True)) == {
        "--content-type": "text/csv",
        "--batch-strategy": "MultiRecord",
        "--max-payload-mb": "6",
        "--input-filter": "$[1:]",
        "--output-filter": "$",
        "--join-source": "Input",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TransformInput": {**TRANSFORM["TransformInput"], "SplitType": "RecordIO"}}, "SplitType = Line"),
        ({"TransformOutput": {"S3OutputPath": "s3://b/o/", "AssembleWith": "None"}}, "AssembleWith = Line"),
    ],
)
def test_transform_settings_the_runner_cannot_honour_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(jobs.JobFailed, match=message):
        jobs.transform_arguments({**TRANSFORM, **change})


def test_only_the_step_image_runs_locally() -> None:
    assert jobs._command(["python3", "-m", "pipelines_src.steps.data_load"], ["--mode", "batch"])[1:] == [
        "-m",
        "pipelines_src.steps.data_load",
        "--mode",
        "batch",
    ]
    with pytest.raises(jobs.JobFailed, match="run other images on SageMaker"):
        jobs._command(["/usr/bin/train"], [])


def test_container_paths_map_under_the_job_folder(tmp_path: Path) -> None:
    assert jobs._local("/opt/ml/processing/input/raw", tmp_path) == tmp_path / "processing" / "input" / "raw"
    assert jobs.model_artifacts_uri({"TrainingJobName": "j", "OutputDataConfig": {"S3OutputPath": "s3://b/p/"}}) == (
        "s3://b/p/j/output/model.tar.gz"
    )
    with pytest.raises(jobs.JobFailed, match="not an s3:// URI"):
        jobs.S3Uri.parse("/tmp/data")


def test_failed_job_cause_reads_as_the_containers_reason() -> None:
    cause = json.dumps({"ProcessingJobName": "q-datalo-1", "ExitMessage": "data-load: missing columns"})
    assert executions.readable_cause(cause) == "q-datalo-1: data-load: missing columns"
    assert executions.readable_cause("plain reason") == "plain reason"


def test_state_graph_places_every_state_and_draws_a_png(tmp_path: Path) -> None:
    definition = compiler.registry_pipeline("training").definition()
    depth = graph.levels(definition)
    assert set(depth) == set(definition["States"]) and depth["validate-input"] == 0
    assert depth["data-load"] < depth["feature-engineering"] < depth["model-evaluation"] < depth["register-model"]
    picture = graph.draw(definition, {"data-load": "FAILED"}, "t", tmp_path / "g.png")
    assert picture.read_bytes()[:4] == b"\x89PNG"
