"""Run the pipelines' steps in order on local folders, each as its own process honouring the
container contract (`--base-dir` plays /opt/ml). No AWS involved: this is how step code is
developed and tested; the emulator-backed runtime runs the same steps for the state machines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines_src.steps.container import Paths, StepError


@dataclass(frozen=True)
class Job(Paths):
    """A job's container root (`base`) and the state it plays, for messages."""

    name: str = "job"


def provide(source: Path, target: Path) -> None:
    """Place an input where the container expects it (copied: inputs are read-only copies)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / source.name)


def run_step(module: str, job: Job, args: Sequence[str] = (), hyperparameters: Mapping[str, Any] | None = None) -> None:
    """Run `pipelines_src.steps.<module>` for a job; a failure raises with the step's own reason."""
    if hyperparameters is not None:
        config = job.base / "input" / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "hyperparameters.json").write_text(json.dumps({k: json.dumps(v) for k, v in hyperparameters.items()}))
    env = {**os.environ, "SM_BASE_DIR": str(job.base), "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(
        [sys.executable, "-m", f"pipelines_src.steps.{module}", "--base-dir", str(job.base), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        reasons = [job.base / "output" / name for name in ("message", "failure")]
        reason = next((p.read_text() for p in reasons if p.exists()), result.stderr.strip()[-800:])
        raise StepError(f"{job.name} failed: {reason}")


def train_locally(
    raw: Path, work: Path, hyperparameter_sets: Sequence[Mapping[str, Any]], threshold: float = 0.75
) -> dict[str, Path]:
    """data-load → feature-engineering → training (one job per candidate) → model-evaluation →
    model-monitoring, on folders under `work`. Returns the output folder of each state."""
    load = Job(work / "data-load", "data-load")
    provide(raw, load.processing_input("raw"))
    provide(raw / "schema.json", load.processing_input("schema"))
    run_step("data_load", load)
    features = Job(work / "feature-engineering", "feature-engineering")
    provide(load.processing_output("dataset"), features.processing_input("dataset"))
    run_step("feature_engineering", features)
    made = features.processing_output("features")
    candidates = work / "training"
    for index, hyperparameters in enumerate(hyperparameter_sets):
        job = Job(candidates / f"candidate-{index}", f"training candidate-{index}")
        for channel in ("train", "validation", "transformer"):
            provide(made / channel, job.channel(channel))
        run_step("training", job, hyperparameters=hyperparameters)
    evaluation = Job(work / "model-evaluation", "model-evaluation")
    for index in range(len(hyperparameter_sets)):
        provide(
            candidates / f"candidate-{index}" / "model", evaluation.processing_input("models") / f"candidate-{index}"
        )
    provide(made / "test", evaluation.processing_input("test"))
    run_step("evaluation", evaluation, ["--threshold", str(threshold)])
    decision = json.loads((evaluation.processing_output("evaluation") / "decision.json").read_text())
    best_model = candidates / decision["best_candidate"] / "model"
    monitoring = Job(work / "model-monitoring", "model-monitoring")
    provide(load.processing_output("dataset"), monitoring.processing_input("dataset"))
    provide(made / "test", monitoring.processing_input("test"))
    provide(made / "facets", monitoring.processing_input("facets"))
    provide(best_model, monitoring.processing_input("model"))
    run_step("monitoring", monitoring, ["--mode", "training"])
    return {
        "dataset": load.processing_output("dataset"),
        "features": made,
        "model": best_model,
        "evaluation": evaluation.processing_output("evaluation"),
        "monitoring": monitoring.processing_output("monitoring"),
    }


def batch_locally(raw: Path, training: Mapping[str, Path], work: Path) -> dict[str, Path]:
    """data-load → feature-engineering (fitted transformer) → batch-inference → model-monitoring
    (against the training baseline) → post-processing."""
    load = Job(work / "data-load", "data-load")
    provide(raw, load.processing_input("raw"))
    provide(raw / "schema.json", load.processing_input("schema"))
    run_step("data_load", load, ["--mode", "batch"])
    features = Job(work / "feature-engineering", "feature-engineering")
    provide(load.processing_output("dataset"), features.processing_input("dataset"))
    provide(training["model"], features.processing_input("model"))
    run_step("feature_engineering", features, ["--mode", "transform"])
    inference = Job(work / "batch-inference", "batch-inference")
    provide(features.processing_output("features") / "features", inference.processing_input("data"))
    provide(training["model"], inference.processing_input("model"))
    run_step("batch_inference", inference, ["--input-filter", "$[1:]", "--join-source", "Input"])
    monitoring = Job(work / "model-monitoring", "model-monitoring")
    provide(load.processing_output("dataset"), monitoring.processing_input("dataset"))
    provide(training["monitoring"], monitoring.processing_input("baseline"))
    run_step("monitoring", monitoring, ["--mode", "batch"])
    post = Job(work / "post-processing", "post-processing")
    provide(inference.processing_output("predictions"), post.processing_input("predictions"))
    run_step("post_processing", post)
    return {
        "dataset": load.processing_output("dataset"),
        "predictions": inference.processing_output("predictions"),
        "monitoring": monitoring.processing_output("monitoring"),
        "decisions": post.processing_output("decisions"),
    }
