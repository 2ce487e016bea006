"""All steps in order, locally (no AWS): the batch pipeline on drifted data after training."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipelines_src import datasets
from pipelines_src.local import chain
from pipelines_src.steps.container import StepError


@pytest.fixture(scope="module")
def batch(training_run: chain.LocalRun, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    raw = tmp_path_factory.mktemp("drifted")
    datasets.generate(1500, seed=99, drift=True).drop(columns=["failure"]).to_csv(raw / "cycles.csv", index=False)
    (raw / "schema.json").write_text(datasets.SCHEMA.to_json())
    return chain.batch_locally(raw, training_run, tmp_path_factory.mktemp("batch")).folders()


def test_every_input_row_is_scored_and_decided(batch: dict[str, Path]) -> None:
    predictions = [line for f in batch["predictions"].glob("*.out") for line in f.read_text().splitlines()]
    decisions = pd.read_csv(batch["decisions"] / "decisions.csv")
    assert len(predictions) == len(decisions) == 1500
    assert decisions["id"].tolist() == list(range(1, 1501))
    assert set(decisions["action"]) <= {"ok", "schedule-maintenance", "stop-and-inspect"}


def test_drift_is_found_against_the_training_baseline(batch: dict[str, Path]) -> None:
    violations = json.loads((batch["monitoring"] / "constraint_violations.json").read_text())["violations"]
    assert {"torque_nm", "tool_wear_min"} <= {
        v["feature_name"] for v in violations if v["constraint_check_type"] == "baseline_drift_check"
    }
    assert "data:image/png;base64" in (batch["monitoring"] / "data-quality.html").read_text()


def test_a_failing_step_names_itself_and_keeps_earlier_outputs(
    training_run: chain.LocalRun, trained: dict[str, Path], tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "cycles.csv").write_text("not,a,valid,file\n1,2,3,4\n")
    (raw / "schema.json").write_text(datasets.SCHEMA.to_json())
    before = (trained["evaluation"] / "decision.json").read_text()
    with pytest.raises(StepError, match="data-load failed: data-load: missing columns"):
        chain.batch_locally(raw, training_run, tmp_path / "work")
    assert (trained["evaluation"] / "decision.json").read_text() == before


def test_batch_decisions_apply_the_models_decision_threshold(batch: dict[str, Path], trained: dict[str, Path]) -> None:
    chosen = json.loads((trained["evaluation"] / "decision.json").read_text())["operating_point"]["threshold"]
    summary = json.loads((batch["decisions"] / "summary.json").read_text())
    assert summary["threshold"] == chosen and summary["threshold_source"] == "model"
    decisions = pd.read_csv(batch["decisions"] / "decisions.csv")
    flagged = decisions["probability"] >= chosen
    assert 0 < flagged.sum() < len(decisions)
    assert (decisions["action"] != "ok").tolist() == flagged.tolist()
