"""Run a pipeline's jobs in order on local folders, with no AWS and no emulator: how step code is
developed and tested (`mlops train-local`).

The chain reads the same `Pipeline` object the state machine is compiled from: each job step
builds the very request the state machine would send (`Step.request`), and the local job runner
executes it as it does for the emulator, against a folder that plays S3 (`folder_s3.py`), with
the S3 layout of the deployed pipeline. States that only talk to AWS (registry, metadata, alerts,
choices) are skipped here; results they would produce can be given (`given`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines_src.local import images, jobs
from pipelines_src.local.folder_s3 import FolderS3
from pipelines_src.pipelines import compiler
from pipelines_src.pipelines import states as s
from pipelines_src.pipelines.pipeline import Pipeline
from pipelines_src.pipelines.refs import Scope, state_key
from pipelines_src.steps import artifacts
from pipelines_src.steps.container import StepError

# What the registry's job states call their outputs (the names tests and users look for).
_OUTPUT_NAMES = {
    "data_load": "dataset",
    "feature_engineering": "features",
    "model_evaluation": "evaluation",
    "model_monitoring": "monitoring",
    "batch_inference": "predictions",
    "post_processing": "decisions",
    "model_card": "card",
}
DATA_BUCKET = "data"
ARTIFACTS_BUCKET = "artifacts"
LOCAL_USE_CASE = "local"


def local_placeholders(use_case: str) -> dict[str, Any]:
    """Placeholder values of a local run: folder buckets, no key (local files), no VPC."""
    return {
        "alerts_topic_arn": "local-alerts",
        "artifacts_bucket": ARTIFACTS_BUCKET,
        "execution_role_arn": "local-role",
        "image_uri": "local",
        "instance_type": "local",
        "job_prefix": use_case,
        "kms_key_arn": None,
        "metadata_table": "local-metadata",
        "model_package_group_name": use_case,
        "partition": "aws",
        "security_group_ids": ["local"],
        "subnet_ids": ["local"],
        "use_case": use_case,
    }


@dataclass
class LocalRun:
    """A finished local run: the execution's data (`$`), the S3 folder, the job folders."""

    pipeline: str
    s3: FolderS3
    data: dict[str, Any]
    jobs_dir: Path
    models: dict[str, Path] = field(default_factory=dict)  # state/candidate -> unpacked model folder

    def output(self, state: str) -> Path:
        """The local folder of a state's S3 output."""
        return self.s3.path(str(self.data["steps"][state_key(state)]["output"]))

    def folders(self) -> dict[str, Path]:
        """Each job state's output folder by its output name (dataset, features, evaluation...),
        plus the unpacked model of each candidate and the registered one (`model`: the best
        candidate with the decision threshold model-evaluation chose)."""
        found: dict[str, Path] = {}
        for key, result in self.data["steps"].items():
            if isinstance(result, dict) and "output" in result and result.get("job"):
                found[_OUTPUT_NAMES.get(key, key)] = self.s3.path(str(result["output"]))
        for name, folder in self.models.items():
            found[name.rsplit("/", 1)[-1]] = folder
        registered = found.get("evaluation", self.jobs_dir / "none") / "model"
        if (registered / "model.tar.gz").exists():
            found["model"] = artifacts.single_model_dir(registered, self.jobs_dir / "registered-model")
        return found


@dataclass
class _Runner:
    pipeline: Pipeline
    scope: Scope
    s3: FolderS3
    jobs_dir: Path
    run: LocalRun
    created_models: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The developer's working copy plays the step image: its PYTHONPATH and folder hold the code.
    image: images.LocalImage = field(default_factory=images.current)

    def step(self, step: s.Step) -> None:
        handler: Callable[[Any], Any] = getattr(self, f"_{step.local}")
        result = handler(step)
        self.scope.data["steps"][state_key(step.name)] = result

    def _work(self, name: str) -> Path:
        path = self.jobs_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _job(self, state: str, runner: Callable[[Path], Any]) -> Any:
        try:
            return runner(self._work(state))
        except jobs.JobFailed as exc:
            raise StepError(f"{state} failed: {exc}") from exc

    def _processing(self, step: s.ProcessingStep) -> dict[str, Any]:
        request = step.request(self.scope)
        self._job(step.name, lambda work: jobs.run_processing(request, self.s3, work, self.image))
        return step.result(request)

    def _training(self, step: s.TrainingStep) -> Any:
        results = []
        for index, request in enumerate(step.requests(self.scope)):
            name = step.name if step.candidates is None else f"{step.name}/candidate-{index}"
            model = self._train(name, request)
            self.run.models[name] = self.jobs_dir / name / "opt-ml" / "model"
            results.append(step.result(request, model))
        return results if step.candidates is not None else results[0]

    def _train(self, name: str, request: dict[str, Any]) -> str:
        return str(self._job(name, lambda work: jobs.run_training(request, self.s3, work, self.image)))

    def _select(self, step: s.SelectStep) -> dict[str, Any]:
        return {"uri": step.select(self.scope)}

    def _read(self, step: s.ReadJsonStep) -> dict[str, Any]:
        request = step.request(self.scope)
        body = self.s3.get_object(Bucket=request["Bucket"], Key=request["Key"])["Body"].read()
        return {step.field_name: json.loads(body)}

    def _model(self, step: s.ModelStep) -> dict[str, Any]:
        request = step.request(self.scope)
        self.created_models[request["ModelName"]] = request
        return {"name": request["ModelName"]}

    def _transform(self, step: s.TransformStep) -> dict[str, Any]:
        request = step.request(self.scope)
        model = self.created_models[request["ModelName"]]
        self._job(step.name, lambda work: jobs.run_transform(request, model, self.s3, work, self.image))
        return step.result(request)


def execution_name(pipeline: str) -> str:
    return f"{pipeline}-local-{datetime.now(UTC):%Y%m%dT%H%M%S%f}"


def run_pipeline(
    pipeline: Pipeline,
    execution_input: Mapping[str, Any],
    s3: FolderS3,
    jobs_dir: Path,
    given: Mapping[str, Any] | None = None,
) -> LocalRun:
    """Every job step of the pipeline's main chain, in order; `given` supplies the results of
    states that do not run locally (e.g. describe-model for batch inference)."""
    use_case = str(execution_input.get("use_case", LOCAL_USE_CASE))
    name = execution_name(pipeline.name)
    context = {
        "Execution": {
            "Id": f"arn:local:states:::execution:{pipeline.name}:{name}",
            "Name": name,
            "Input": dict(execution_input),
            "StartTime": datetime.now(UTC).isoformat(),
        },
        "State": {"RetryCount": 0},
    }
    data: dict[str, Any] = {**execution_input, "steps": {state_key(k): v for k, v in (given or {}).items()}}
    scope = Scope(data, context, local_placeholders(use_case))
    run = LocalRun(pipeline.name, s3, data, jobs_dir)
    runner = _Runner(pipeline.validate(), scope, s3, jobs_dir, run)
    for step in pipeline.prepared().job_steps():
        runner.step(step)
    return run


def _upload_raw(s3: FolderS3, raw: Path, use_case: str, prefix: str) -> str:
    target = s3.root / DATA_BUCKET / use_case / prefix
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(raw, target)
    return f"s3://{DATA_BUCKET}/{use_case}/{prefix}/"


def training_input(data_uri: str, hyperparameter_sets: Sequence[Mapping[str, Any]], threshold: float) -> dict[str, Any]:
    return {
        "use_case": LOCAL_USE_CASE,
        "experiment": "local",
        "data_uri": data_uri,
        "hyperparameter_sets": [dict(h) for h in hyperparameter_sets],
        "evaluation_metric": "auc",
        "evaluation_threshold": threshold,
        "approval_mode": "manual",
    }


def train_locally(
    raw: Path,
    work: Path,
    hyperparameter_sets: Sequence[Mapping[str, Any]],
    threshold: float = 0.75,
    pipeline: Pipeline | None = None,
) -> LocalRun:
    """The training pipeline's jobs on `raw` (CSV/Parquet + schema.json), under `work`."""
    s3 = FolderS3(work / "s3")
    data_uri = _upload_raw(s3, raw, LOCAL_USE_CASE, "raw")
    chosen = pipeline or compiler.registry_pipeline("training")
    return run_pipeline(chosen, training_input(data_uri, hyperparameter_sets, threshold), s3, work / "jobs")


def _model_package_of(training: LocalRun) -> dict[str, Any]:
    """What describe-model would return for the package the training run registered."""
    model = f"{training.data['steps']['model_evaluation']['output']}model/model.tar.gz"
    monitoring = training.data["steps"]["model_monitoring"]["output"]
    return {
        "model_data_url": model,
        "statistics": f"{monitoring}statistics.json",
        "constraints": f"{monitoring}constraints.json",
        "approval": "Approved",
    }


def batch_locally(raw: Path, training: LocalRun, work: Path, pipeline: Pipeline | None = None) -> LocalRun:
    """The batch-inference pipeline's jobs on `raw` with the model of a training run."""
    data_uri = _upload_raw(training.s3, raw, LOCAL_USE_CASE, "to-score")
    execution_input = {
        "use_case": LOCAL_USE_CASE,
        "experiment": "local",
        "data_uri": data_uri,
        "model_package_arn": "arn:aws:sagemaker:local:000000000000:model-package/local/1",
    }
    chosen = pipeline or compiler.registry_pipeline("batch-inference")
    given = {"describe-model": _model_package_of(training)}
    return run_pipeline(chosen, execution_input, training.s3, work / "jobs", given)
