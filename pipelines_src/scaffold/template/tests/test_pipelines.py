"""The use case's training pipeline, its own data-validation step included, run locally."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines import training

from pipelines_src import datasets
from pipelines_src.local import chain


def test_the_inserted_step_runs_between_feature_engineering_and_training(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    datasets.write_sample(raw, rows=1500, seed=3)
    run = chain.train_locally(raw, tmp_path / "work", [{"max_depth": "3", "num_round": "30"}], pipeline=training())
    names = [name for name in run.data["steps"]]
    assert names.index("feature_engineering") < names.index("data_validation") < names.index("training")
    report = json.loads((run.output("data-validation") / "report.json").read_text())
    assert report["train"]["rows"] > 0 and 0 < report["train"]["positive_rate"] < 1
