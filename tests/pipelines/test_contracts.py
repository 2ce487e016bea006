"""The contracts every part reads: execution input, S3 layout, dataset schema."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines_src import contracts, datasets

VALID: dict[str, Any] = {
    "use_case": "quality",
    "experiment": "exp-1",
    "data_uri": "s3://lake/raw/",
    "hyperparameter_sets": [{"max_depth": "4"}],
    "evaluation_threshold": 0.8,
}


def test_valid_input_parses_with_defaults() -> None:
    parsed = contracts.ExecutionInput.parse(VALID)
    assert parsed.approval_mode == "manual" and parsed.evaluation_metric == "auc" and parsed.evaluation_threshold == 0.8


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"use_case": "Quality!"}, "use_case: 2-40 lowercase"),
        ({"data_uri": "/local/path"}, "data_uri: an s3://"),
        ({"hyperparameter_sets": []}, "hyperparameter_sets: a non-empty list"),
        ({"evaluation_threshold": 1.5}, "evaluation_threshold: a number from 0 to 1"),
        ({"approval_mode": "yolo"}, "approval_mode: one of"),
        ({"surprise": 1}, r"unknown fields \['surprise'\]: remove them"),
        ({"trigger": "cron"}, r"trigger: one of \('manual', 'schedule', 'drift'\)"),
        ({"drift": {"window": "2026-12-02"}}, "drift: only with trigger 'drift'"),
        ({"trigger": "drift"}, "drift: an object with"),
        ({"trigger": "drift", "drift": {"model_package_arn": "arn:p", "window": ""}}, "drift.report_uri: a non-empty"),
    ],
)
def test_bad_input_names_the_field_and_fix(change: dict[str, Any], message: str) -> None:
    with pytest.raises(contracts.ContractError, match=message):
        contracts.ExecutionInput.parse({**VALID, **change})


def test_a_drift_trigger_carries_what_drifted() -> None:
    drift = {field: f"value-of-{field}" for field in contracts.DRIFT_FIELDS}
    parsed = contracts.ExecutionInput.parse({**VALID, "trigger": "drift", "drift": drift})
    assert (parsed.trigger, parsed.drift) == ("drift", drift)
    assert contracts.ExecutionInput.parse(VALID).trigger == "manual"


def test_concurrent_experiments_never_share_a_prefix() -> None:
    one = contracts.s3_prefix(
        "art", use_case="q", pipeline="training", experiment="a", execution_id="e1", state="training"
    )
    two = contracts.s3_prefix(
        "art", use_case="q", pipeline="training", experiment="b", execution_id="e1", state="training"
    )
    assert one == "s3://art/q/training/a/e1/training/" and not one.startswith(two) and not two.startswith(one)
    assert contracts.s3_prefix("a", use_case="q", pipeline="scoring", experiment="x", execution_id="e", state="s")
    with pytest.raises(contracts.ContractError, match="pipeline 'Scoring/1': use 3-40 lowercase letters"):
        contracts.s3_prefix("art", use_case="q", pipeline="Scoring/1", experiment="a", execution_id="e", state="x")


def test_schema_round_trips_and_rejects_unknown_target() -> None:
    assert contracts.DatasetSchema.from_json(datasets.SCHEMA.to_json()) == datasets.SCHEMA
    broken = datasets.SCHEMA.to_json().replace('"target": "failure"', '"target": "label"')
    with pytest.raises(contracts.ContractError, match="target 'label' is not one of the columns"):
        contracts.DatasetSchema.from_json(broken)
